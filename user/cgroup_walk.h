/* SPDX-License-Identifier: GPL-2.0-only */
/* The one walker of a cgroup tree: every cgroup directory, parents first. */
#ifndef PW_CGROUP_WALK_H
#define PW_CGROUP_WALK_H

#include <stddef.h>
#include <sys/stat.h>

/* Deeper cgroups are not walked (kubepods containers sit at 4 to 6); the walk says so. */
#define PW_CGROUP_WALK_MAX_DEPTH 64

/*
 * Called for each cgroup: its path relative to the hierarchy root ("/" for
 * the root), its length, its depth, an open O_RDONLY directory fd that is
 * valid during the call, and the directory's stat (st_ino is the cgroup's
 * id). A non-zero return stops the walk and is returned by pw_cgroup_walk().
 */
typedef int (*pw_cgroup_walk_fn)(const char *path, size_t len, int depth, int dir_fd,
				 const struct stat *st, void *arg);

/*
 * Walk the tree beneath root_fd (a hierarchy's mount directory): names are
 * never followed through symlinks, hidden cgroups (".name") are included,
 * directories removed meanwhile are skipped. *too_deep (may be NULL) counts
 * directories below PW_CGROUP_WALK_MAX_DEPTH that were not walked. A
 * cgroup with no child cgroup (kernfs counts them in the directory's link
 * count: 2 + children) is not listed: most of a node's cgroups are such.
 */
int pw_cgroup_walk(int root_fd, pw_cgroup_walk_fn fn, void *arg, unsigned long *too_deep);

#endif /* PW_CGROUP_WALK_H */
