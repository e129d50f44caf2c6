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
 * --type: a comma-separated list of event type names into a bit mask (bit
 * N set for event type N). Errors are printed naming the bad entry and the
 * names there are.
 */
int pw_filter_parse_types(const char *s, unsigned int *mask);

bool pw_filter_match(const struct pw_filter *f, const struct pw_event *ev);

#endif /* PW_FILTER_H */
