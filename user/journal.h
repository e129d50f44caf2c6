/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The agent's journal: every isolation it has made to the kernel, written to
 * a state file before each change (temp file, fsync, rename), so a restart
 * after a crash knows what to revert and what to keep.
 */
#ifndef PW_JOURNAL_H
#define PW_JOURNAL_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "cpulist.h"
#include "runtime_state.h"

#define PW_DEFAULT_STATE_DIR "/run/pinwatch"
#define PW_MAX_ISOLATED 256
#define PW_MAX_UNBALANCED 1024

struct pw_isolation {
	char container_id[PW_RUNTIME_ID_LEN + 1];
	char path[PW_META_PATH_LEN]; /* the container's cgroup, relative to its hierarchy */
	int hierarchy;
	uint64_t cgroup_id;
	char backend[4];	  /* "v1" or "v2" */
	struct pw_cpus cpus;	  /* the CPUs taken out of load balancing */
	/*
	 * v2: levels of path whose cpuset.cpus.exclusive this isolation changed:
	 * bit 0 is the first component below the root, the leaf is bit level-1.
	 */
	uint32_t changed_levels;
};

struct pw_journal {
	char file[PATH_MAX];
	/* v1: the housekeeping cpuset holding the host's tasks, "" when not set up. */
	char v1_housekeeping[PW_META_PATH_LEN];
	/* v1: cpusets turned from load balanced to not, because they span isolated CPUs. */
	int nr_unbalanced;
	char v1_unbalanced[PW_MAX_UNBALANCED][PW_META_PATH_LEN];
	int nr;
	struct pw_isolation items[PW_MAX_ISOLATED];
};

/*
 * Load dir/state.json; a missing file is an empty journal. A file that does
 * not parse is an error naming it: it is never overwritten or dropped.
 */
int pw_journal_load(struct pw_journal *j, const char *dir);

/* Write the journal: temp file, fsync, rename, fsync of the directory. */
int pw_journal_save(const struct pw_journal *j);

/* The entry for (hierarchy, cgroup id), or NULL. */
struct pw_isolation *pw_journal_find(struct pw_journal *j, int hierarchy, uint64_t cgroup_id);

/* Remove an entry (a pointer into j->items). */
void pw_journal_remove(struct pw_journal *j, struct pw_isolation *iso);

#endif /* PW_JOURNAL_H */
