/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The cgroups of the hierarchies pinwatch maps, keyed by (hierarchy, cgroup
 * id): a small record each (its path, its CPUs as a shared set), and a
 * pointer to the container data for the few cgroups that are containers.
 */
#ifndef PW_CGROUP_TABLE_H
#define PW_CGROUP_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpulist.h"
#include "hash_table.h"

/* Cgroups kept at most (an unprivileged user with a delegated subtree can make many). */
#define PW_MAX_CGROUPS 65536

struct pw_container;

struct pw_cgroup {
	struct pw_hash_link link; /* by (hierarchy, id) */
	uint64_t id;		  /* kernfs node id: the directory's inode number */
	int hierarchy;		  /* 0 is cgroup2 */
	uint32_t gen;		  /* the scan that last saw it */
	/* Effective CPUs (cpuset hierarchy only); NULL when not read or unreadable. */
	const struct pw_cpuset *cpus;
	struct pw_container *container; /* NULL unless the cgroup is a container's */
	uint32_t path_len;
	int wd;	     /* inotify watch on its cpuset.cpus (cpuset_watch.h), or -1 */
	char path[]; /* relative to the hierarchy root, "/" for the root */
};

struct pw_cgroup_table {
	struct pw_hash_table by_id;
	unsigned long over_limit; /* inserts refused at PW_MAX_CGROUPS */
};

int pw_cgroup_table_init(struct pw_cgroup_table *t);
/* Free the table; every cgroup's cpus and container must have been released. */
void pw_cgroup_table_free(struct pw_cgroup_table *t);

struct pw_cgroup *pw_cgroup_table_find(const struct pw_cgroup_table *t, int hierarchy, uint64_t id);

/*
 * The cgroup (hierarchy, id), inserted with path (len bytes) if it is not
 * there: *created says which. NULL when out of memory or at PW_MAX_CGROUPS.
 */
struct pw_cgroup *pw_cgroup_table_insert(struct pw_cgroup_table *t, int hierarchy, uint64_t id,
					 const char *path, size_t len, bool *created);

/* Unlink and free cg; its cpus and container must have been released. */
void pw_cgroup_table_remove(struct pw_cgroup_table *t, struct pw_cgroup *cg);

/* Call fn for every cgroup (fn may remove the one it is given); stop early on non-zero. */
int pw_cgroup_table_for_each(struct pw_cgroup_table *t, int (*fn)(struct pw_cgroup *cg, void *arg),
			     void *arg);

/* The first cgroup of hierarchy at path, or NULL (a linear search: for rare look-ups). */
struct pw_cgroup *pw_cgroup_table_find_path(const struct pw_cgroup_table *t, int hierarchy,
					    const char *path);

#endif /* PW_CGROUP_TABLE_H */
