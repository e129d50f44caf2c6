// SPDX-License-Identifier: GPL-2.0-only
/* Fault injection, for build/tests/pinwatch-faults only (see fault.h). */
#ifdef PW_FAULT_INJECTION
#include "fault.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/* Writes left before the process dies as if by kill -9; -1 is off. */
static long crash_after_writes = -1;
static long delay_apply_ms;
static const char *reject_writes;
/* How many of those writes are refused (-1: all of them). */
static long reject_count = -1;

void pw_fault_init(void)
{
	const char *s = getenv("PINWATCH_CRASH_AFTER_WRITES");

	if (s) {
		crash_after_writes = atol(s);
		pw_warn("fault injection: dying before kernel write %ld", crash_after_writes + 1);
	}
	s = getenv("PINWATCH_DELAY_APPLY_MS");
	if (s) {
		delay_apply_ms = atol(s);
		pw_warn("fault injection: waiting %ld ms before each isolation", delay_apply_ms);
	}
	reject_writes = getenv("PINWATCH_REJECT_WRITES");
	s = getenv("PINWATCH_REJECT_WRITES_COUNT");
	if (s)
		reject_count = atol(s);
	if (reject_writes)
		pw_warn("fault injection: refusing %s writes to paths with '%s'",
			reject_count < 0 ? "all" : "the first", reject_writes);
}

int pw_fault_before_kernel_write(const char *path)
{
	if (crash_after_writes == 0)
		_exit(137); /* no cleanup at all, as after SIGKILL */
	if (crash_after_writes > 0)
		crash_after_writes--;
	if (reject_writes && strstr(path, reject_writes) && reject_count != 0) {
		if (reject_count > 0)
			reject_count--;
		return -EINVAL;
	}
	return 0;
}

void pw_fault_before_apply(void)
{
	struct timespec ts = { delay_apply_ms / 1000, (delay_apply_ms % 1000) * 1000000L };

	if (delay_apply_ms)
		nanosleep(&ts, NULL);
}
#endif
