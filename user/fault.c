// SPDX-License-Identifier: GPL-2.0-only
/* Fault injection, for build/tests/pinwatch-faults only (see fault.h). */
#ifdef PW_FAULT_INJECTION
#include "fault.h"

#include <stdlib.h>
#include <unistd.h>

#include "log.h"

/* Writes left before the process dies as if by kill -9; -1 is off. */
static long crash_after_writes = -1;

void pw_fault_init(void)
{
	const char *s = getenv("PINWATCH_CRASH_AFTER_WRITES");

	if (s) {
		crash_after_writes = atol(s);
		pw_warn("fault injection: dying before kernel write %ld", crash_after_writes + 1);
	}
}

void pw_fault_before_kernel_write(void)
{
	if (crash_after_writes == 0)
		_exit(137); /* no cleanup at all, as after SIGKILL */
	if (crash_after_writes > 0)
		crash_after_writes--;
}
#endif
