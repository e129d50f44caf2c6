/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which containers the agent isolates. Safe by default: none, unless a
 * container opted in (CRI-O's cpu-load-balancing.crio.io: "disable") or an
 * operator's selector names it.
 */
#ifndef PW_POLICY_H
#define PW_POLICY_H

#include <stdbool.h>

#include "container_map.h"

#define PW_MAX_SELECTORS 32

struct pw_policy {
	const char *pods[PW_MAX_SELECTORS];    /* "NS/POD" or "NS/POD/CONTAINER" globs */
	int nr_pods;
	const char *cgroups[PW_MAX_SELECTORS]; /* cgroup path globs */
	int nr_cgroups;
	bool all_exclusive;		       /* every container with exclusive CPUs */
};

/* Why c is to be isolated (static text naming the rule), or NULL when it is not. */
const char *pw_policy_reason(const struct pw_policy *p, const struct pw_container *c);

/* Add a selector given on the command line; -EINVAL (printed) when there are too many. */
int pw_policy_add(const char **list, int *nr, const char *glob, const char *flag);

#endif /* PW_POLICY_H */
