/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one clock: CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns(), so what
 * user space measures lines up with the kernel's event timestamps.
 */
#ifndef PW_CLOCK_H
#define PW_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t pw_monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static inline double pw_monotonic_ms(void)
{
	return pw_monotonic_ns() / 1e6;
}

#endif /* PW_CLOCK_H */
