/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one reader of /proc/cgroups: which v1 hierarchy carries which
 * controllers ("cgroup2" is hierarchy 0), and which one carries cpuset.
 */
#ifndef PW_HIERARCHY_H
#define PW_HIERARCHY_H

#include <stdio.h>

#define PW_MAX_HIERARCHIES 64
#define PW_HIERARCHY_NAME_LEN 64

struct pw_hierarchies {
	char names[PW_MAX_HIERARCHIES][PW_HIERARCHY_NAME_LEN];
	/* The v1 hierarchy of the cpuset controller; 0 when cpuset is on cgroup2 or absent. */
	int cpuset_id;
};

/*
 * Fill names from a /proc/cgroups-format stream: the controllers bound to
 * each v1 hierarchy, comma-separated. Unknown ids keep an empty name.
 */
void pw_hierarchies_parse(struct pw_hierarchies *h, FILE *proc_cgroups);

/* Load from /proc/cgroups; a missing file leaves every v1 name empty. */
void pw_hierarchies_load(struct pw_hierarchies *h);

/* "cgroup2", the v1 controller list, or "" when unknown. */
const char *pw_hierarchy_name(const struct pw_hierarchies *h, int id);

#endif /* PW_HIERARCHY_H */
