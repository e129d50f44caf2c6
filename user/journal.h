/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The agent's journal: every change it makes to the kernel, written to
 * STATE_DIR/state.json before the change (temp file, fsync, rename, fsync
 * of the directory), so a restart after a crash knows what to complete,
 * what to revert, and a restore knows what to undo.
 *
 * The journal owns its data: callers read through the accessors and change
 * it only through the functions below, each of which has persisted the
 * change when it returns (or, inside pw_journal_begin()/commit(), when the
 * batch commits). The agent and `pinwatch restore` hold an exclusive flock
 * on the state directory, so neither can overwrite the other.
 */
#ifndef PW_JOURNAL_H
#define PW_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpulist.h"

#define PW_DEFAULT_STATE_DIR "/run/pinwatch"

/* The largest state.json read back: a node with tens of thousands of cgroups fits. */
#define PW_MAX_JOURNAL_FILE (64 * 1024 * 1024)

struct pw_isolation {
	char *container_id;
	char *path; /* the container's cgroup, relative to its hierarchy */
	int hierarchy;
	uint64_t cgroup_id;
	char backend[4];     /* "v1" or "v2": backend.h maps it to its ops */
	struct pw_cpus cpus; /* the CPUs taken out of load balancing */
	/*
	 * v2: levels of path, counted from the top, whose cpuset.cpus.exclusive
	 * may hold cpus because of this isolation, and whether its partition
	 * may have been set. Written before the writes they announce.
	 */
	int exclusive_levels;
	bool partition;
};

/* v1: a cpuset the agent turned from load balanced to not. */
struct pw_unbalanced {
	char *path;
	uint64_t cgroup_id; /* 0 when a journal of version 1 did not say */
};

enum pw_journal_mode {
	PW_JOURNAL_READ,   /* read what is there, lock nothing, write nothing (ps) */
	PW_JOURNAL_WRITE,  /* exclusive: lock the directory, write before each change */
	PW_JOURNAL_MEMORY, /* a dry run: start empty, keep it in memory only */
};

struct pw_journal;

/*
 * Open the journal in dir. WRITE makes dir (0700) if its parent exists,
 * refuses a dir that is not a root-owned directory writable by root alone,
 * and fails when another agent or restore holds it. READ treats a missing
 * dir or file as empty. A state.json that is not a regular file, is too
 * large, or does not parse is refused, named, and left as it is. Each
 * failure is said once; returns 0 or -errno.
 */
int pw_journal_open(struct pw_journal **out, const char *dir, enum pw_journal_mode mode);
/* Release the lock and free; NULL is fine. */
void pw_journal_close(struct pw_journal *j);

/* The state file's path, for messages. */
const char *pw_journal_file(const struct pw_journal *j);

size_t pw_journal_count(const struct pw_journal *j);
/* Entry i; pointers stay valid until the next change to the journal. */
const struct pw_isolation *pw_journal_at(const struct pw_journal *j, size_t i);
const struct pw_isolation *pw_journal_find(const struct pw_journal *j, int hierarchy,
					   uint64_t cgroup_id);
/* The union of the CPUs of entries of backend (NULL: every backend). */
void pw_journal_isolated_cpus(const struct pw_journal *j, const char *backend, struct pw_cpus *out);

int pw_journal_add(struct pw_journal *j, const struct pw_isolation *iso);
/* Remove the entry for (hierarchy, cgroup_id); 0 if there is none. */
int pw_journal_remove(struct pw_journal *j, int hierarchy, uint64_t cgroup_id);
int pw_journal_set_v2_progress(struct pw_journal *j, int hierarchy, uint64_t cgroup_id,
			       int exclusive_levels, bool partition);

/* v1: the housekeeping cpuset, or NULL when none is set up. */
const char *pw_journal_housekeeping(const struct pw_journal *j);
int pw_journal_set_housekeeping(struct pw_journal *j, const char *path);

size_t pw_journal_unbalanced_count(const struct pw_journal *j);
const struct pw_unbalanced *pw_journal_unbalanced_at(const struct pw_journal *j, size_t i);
/* The entry for cgroup_id (or, for a version 1 entry without id, for path); NULL. */
const struct pw_unbalanced *pw_journal_find_unbalanced(const struct pw_journal *j,
						       uint64_t cgroup_id, const char *path);
int pw_journal_add_unbalanced(struct pw_journal *j, const char *path, uint64_t cgroup_id);
int pw_journal_remove_unbalanced(struct pw_journal *j, const struct pw_unbalanced *u);

/*
 * Batch changes: between begin and commit nothing is written; commit
 * writes once. Batches nest; the outermost commit writes.
 */
void pw_journal_begin(struct pw_journal *j);
int pw_journal_commit(struct pw_journal *j);

#endif /* PW_JOURNAL_H */
