/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ways to take CPUs out of scheduler load balancing, one ops table per
 * cgroup version, chosen once at start (or by the name a journal entry
 * records): cgroup v1 cpuset.sched_load_balance with a housekeeping cpuset
 * (backend_v1.c), cgroup v2 remote isolated partitions (backend_v2.c).
 * Each journals its intent before each kernel change, and undoes only what
 * still holds the value it wrote.
 */
#ifndef PW_BACKEND_H
#define PW_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

#include "cgroup_table.h"
#include "cgroupfs.h"
#include "cpuset_tasks.h"
#include "journal.h"

struct pw_node;
struct pw_backend_ops;

/* A cgroup whose CPUs changed, or that went, since the last flush (v1). */
struct pw_cgroup_seen {
	uint64_t id;
	char *path;
	bool removed;
};

struct pw_backend {
	const struct pw_backend_ops *ops;
	/*
	 * Why this kernel cannot take CPUs out of load balancing with this
	 * backend, or NULL: then only the knobs and the hold apply.
	 */
	const char *unsupported;
	const struct pw_mounts *mounts;
	struct pw_journal *journal;
	/* The node's cgroups and their CPUs (v1: the cpusets spanning isolated CPUs); NULL in restore. */
	struct pw_node *node;
	bool dry_run;
	/*
	 * v1: the cgroups seen changing or going since the last flush, decided
	 * on there. A storm of new pod cgroups costs one journal write per
	 * loop turn, not one per cgroup.
	 */
	struct pw_cgroup_seen *seen;
	size_t nr_seen, cap_seen;
	/*
	 * v1: how long the housekeeping cpuset (the host's tasks moved into it,
	 * the costly part of a layout) outlives the last isolation, balancing
	 * back and at every CPU, for the next container to reuse; 0: undone
	 * with it. idle_since_ms: when it became idle (0: not idle).
	 */
	unsigned int keep_layout_ms;
	double idle_since_ms;
	/* v1: the kernel threads that cannot leave the root cpuset, not tried again. */
	struct pw_unmovable_tasks root_unmovable;
};

struct pw_backend_ops {
	const char *name; /* "v1", "v2": what the journal records */
	/*
	 * The capabilities (PW_CAP() bits) its kernel writes ask for, held by
	 * a command that has dropped the rest and raised only around them.
	 */
	uint64_t held_caps;
	/* The hierarchy the backend works in, or -1 when this host lacks it. */
	int (*hierarchy)(const struct pw_mounts *m);
	/*
	 * The node must read every cgroup's CPUs, not only containers' (v1:
	 * the cpusets spanning an isolated CPU leave balancing too).
	 */
	bool needs_every_cgroups_cpus;
	/* Why this kernel cannot isolate with it (its files are missing), or NULL; may be NULL. */
	const char *(*unsupported)(const struct pw_mounts *m);
	/* Add want to the journal and isolate its CPUs. On failure the caller reverts it. */
	int (*apply)(struct pw_backend *b, const struct pw_isolation *want);
	/* Make the kernel match iso again, completing what a crash cut short. Idempotent. */
	int (*enforce)(struct pw_backend *b, const struct pw_isolation *iso);
	/* Undo iso (a journal entry) and drop it from the journal. */
	int (*revert)(struct pw_backend *b, const struct pw_isolation *iso);
	/*
	 * The layout all isolations of this backend share, as the journal
	 * says it should be now: set up, completed or torn down. Idempotent.
	 */
	int (*sync)(struct pw_backend *b);
	/*
	 * cg's CPUs changed or it appeared / it is going away: noted only, from
	 * the node's observer (no kernel or journal write). May be NULL.
	 */
	int (*cgroup_changed)(struct pw_backend *b, const struct pw_cgroup *cg);
	int (*cgroup_removed)(struct pw_backend *b, const struct pw_cgroup *cg);
	/*
	 * The decision step's first act: what the noted cgroups need now, the
	 * journal saved once before the kernel writes. May be NULL.
	 */
	int (*flush)(struct pw_backend *b);
};

/* Free what the backend keeps between calls; the struct itself is the caller's. */
void pw_backend_release(struct pw_backend *b);

extern const struct pw_backend_ops pw_backend_v1;
extern const struct pw_backend_ops pw_backend_v2;

/* The ops a journal entry names, or NULL for an unknown name. */
const struct pw_backend_ops *pw_backend_by_name(const char *name);

/*
 * The backend for this host: "auto" picks the one of the hierarchy that
 * carries cpusets; "v1"/"v2" insist. Says why and returns -errno when the
 * host cannot do it.
 */
/* Why this host's kernel cannot isolate with ops (the backend's own check), or NULL. */
const char *pw_backend_unsupported(const struct pw_backend_ops *ops, const struct pw_mounts *m);

int pw_backend_choose(const struct pw_mounts *m, const char *asked,
		      const struct pw_backend_ops **ops);

/* Number of components of a cgroup path ("/" is 0). */
int pw_path_level(const char *path);

/* The ancestor of path at level (1 = the first component), in buf. */
void pw_path_prefix(const char *path, int level, char *buf, size_t size);

#endif /* PW_BACKEND_H */
