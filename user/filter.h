/* SPDX-License-Identifier: GPL-2.0-only */
/* User-side event filters of `pinwatch trace` (--type, --cgroup, --comm). */
#ifndef PW_FILTER_H
#define PW_FILTER_H

#include <stdbool.h>

#include "event.h"

struct pw_filter {
	unsigned int types_mask;   /* bit N: event type N is shown */
	const char *cgroup_prefix; /* NULL: any; else the path must start with it */
	const char *comm;	   /* NULL: any; else the comm must equal it */
};

/*
 * What trace shows without --type: every event but noise, which counts on
 * the watched CPUs only when asked for (--type noise).
 */
#define PW_ALL_TYPES_MASK                                                                          \
	((1U << PW_EV_CGROUP_MKDIR) | (1U << PW_EV_CGROUP_RMDIR) | (1U << PW_EV_EXEC) |            \
	 (1U << PW_EV_CPUSET_WRITE) | (1U << PW_EV_CGROUP_POPULATED) | (1U << PW_EV_HOLD) |        \
	 (1U << PW_EV_RELEASE))

/*
 * --type: a comma-separated list of event type names into a bit mask (bit
 * N set for event type N). Errors are printed naming the bad entry and the
 * names there are.
 */
int pw_filter_parse_types(const char *s, unsigned int *mask);

bool pw_filter_match(const struct pw_filter *f, const struct pw_event *ev);

#endif /* PW_FILTER_H */
