// SPDX-License-Identifier: GPL-2.0-only
/* CPU lists as the kernel (and --reserved) writes them: parse, format, parse back to the same set. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_cpus cpus, back;
	char text[PW_CPULIST_LEN * 32];
	const char *why;

	if (pw_cpus_parse((const char *)data, size, &cpus, &why))
		return 0;
	pw_cpus_format(&cpus, text, sizeof(text));
	/* A list cut with ",..." does not come back whole; any other must. */
	if (strstr(text, ",..."))
		return 0;
	if (pw_cpus_parse(text, strlen(text), &back, &why) || !pw_cpus_equal(&cpus, &back))
		abort();
	return 0;
}
