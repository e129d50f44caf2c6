// SPDX-License-Identifier: GPL-2.0-only
/*
 * CPU lists as the kernel (and --reserved) writes them, and CPU masks as
 * /proc/irq/default_smp_affinity has them: parse, format, parse back to the
 * same set.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_cpus cpus, back;
	char text[PW_CPULIST_LEN * 32];
	const char *why;

	if (!pw_cpus_parse_mask((const char *)data, size, &cpus, &why)) {
		char mask[PW_CPUMASK_LEN];

		pw_cpus_format_mask(&cpus, mask, sizeof(mask));
		if (pw_cpus_parse_mask(mask, strlen(mask), &back, &why) ||
		    !pw_cpus_equal(&cpus, &back))
			abort();
	}
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
