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
#include "hash_table.h"
#include "knobs.h"

/* Long enough for a v2 cpu.max ("max 100000", "2147483647 1000000") and the knobs' values. */
#define PW_KNOB_OLD_LEN 32

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
	uint64_t cgroup_id;	  /* 0 when a journal of version 1 did not say */
	struct pw_hash_link link; /* the journal's index by cgroup_id */
};

/*
 * One value a knob changed: where (a CPU; for cpu-quota 0 the container's
 * cgroup, 1 its pod's), what it was, what was written.
 */
struct pw_knob_saved {
	int target;
	char old[PW_KNOB_OLD_LEN];
	char set[PW_KNOB_VALUE_LEN];
};

/* One knob applied to one container's CPUs or cgroup (knobs.h). */
struct pw_tuning {
	char *container_id;
	char *path; /* the container's cgroup, relative to its hierarchy */
	int hierarchy;
	uint64_t cgroup_id;
	enum pw_knob knob;
	char value[PW_KNOB_VALUE_LEN]; /* what was asked: "disable", "max_latency:10", ... */
	struct pw_cpus cpus;	       /* the CPUs it was applied for */
	/* cpu-quota: the container's pod cgroup (its parent) is lifted too (target 1). */
	bool with_parent;
	/* Every value changed, saved before the change. */
	struct pw_knob_saved *saved;
	size_t nr_saved;
};

/* An IRQ's affinity as it was before the agent moved it off isolated CPUs (-1: the default). */
struct pw_irq_saved {
	int irq;
	struct pw_cpus old, set;
};

/*
 * A running irqbalance asked to ban the isolated CPUs too: which one, what
 * it banned before the agent's first ask (given back when no container
 * needs the ban), and what it was asked to ban.
 */
struct pw_irqbalance_ban {
	int pid;
	struct pw_cpus base, banned;
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

/*
 * Whether path is one the journal writes and reads back: absolute, shorter
 * than PATH_MAX, no component "." or ".." and no empty one. The one rule of
 * both sides: what the agent can record, it and restore can read.
 */
bool pw_journal_path_valid(const char *path);

/* A number that changes with every change to the journal (memory ones too). */
uint64_t pw_journal_generation(const struct pw_journal *j);

/* How many times the file was written (a batch is once), ever. */
uint64_t pw_journal_saves(const struct pw_journal *j);
/* Nanoseconds those saves took (serialising, writing, both fsyncs), ever. */
uint64_t pw_journal_save_ns(const struct pw_journal *j);

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

size_t pw_journal_tuning_count(const struct pw_journal *j);
const struct pw_tuning *pw_journal_tuning_at(const struct pw_journal *j, size_t i);
const struct pw_tuning *pw_journal_find_tuning(const struct pw_journal *j, int hierarchy,
					       uint64_t cgroup_id, enum pw_knob knob);
/* Add t (its saved values too); -EEXIST when the container has that knob already. */
int pw_journal_add_tuning(struct pw_journal *j, const struct pw_tuning *t);
/* Record s for the tuning (replacing the one of the same target). */
int pw_journal_tuning_save(struct pw_journal *j, int hierarchy, uint64_t cgroup_id,
			   enum pw_knob knob, const struct pw_knob_saved *s);
int pw_journal_remove_tuning(struct pw_journal *j, int hierarchy, uint64_t cgroup_id,
			     enum pw_knob knob);

size_t pw_journal_irq_count(const struct pw_journal *j);
const struct pw_irq_saved *pw_journal_irq_at(const struct pw_journal *j, size_t i);
const struct pw_irq_saved *pw_journal_find_irq(const struct pw_journal *j, int irq);
/* Record (or replace) what irq was and what the agent sets it to. */
int pw_journal_save_irq(struct pw_journal *j, const struct pw_irq_saved *s);
int pw_journal_remove_irq(struct pw_journal *j, int irq);

/* The irqbalance ban in force, or NULL. */
const struct pw_irqbalance_ban *pw_journal_irqbalance(const struct pw_journal *j);
int pw_journal_save_irqbalance(struct pw_journal *j, const struct pw_irqbalance_ban *b);
int pw_journal_clear_irqbalance(struct pw_journal *j);

/*
 * Batch changes: between begin and commit nothing is written; commit
 * writes once. Batches nest; the outermost commit writes.
 */
void pw_journal_begin(struct pw_journal *j);
int pw_journal_commit(struct pw_journal *j);

#endif /* PW_JOURNAL_H */
