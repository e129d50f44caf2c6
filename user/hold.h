/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The agent's side of holding first execs (bpf/hold.bpf.h, docs/AGENT.md):
 * clearing the marks of cgroups it will not isolate, resuming held tasks
 * once their isolation is read back or decided against, and the guardian
 * process that resumes them when the agent cannot.
 */
#ifndef PW_HOLD_H
#define PW_HOLD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroupfs.h"
#include "reconciler.h"
#include "journal.h"
#include "metrics.h"
#include "node.h"
#include "pinwatch.h"
#include "runtime_state.h"

enum pw_hold_mode {
	PW_HOLD_NEVER,	/* nothing is held */
	PW_HOLD_AUTO,	/* held when isolation is not in place yet at the exec */
	PW_HOLD_ALWAYS, /* every selected container's first exec is held and checked */
};

/* The longest a task stays held while the agent lives; the guardian's bound is 1 s more. */
#define PW_HOLD_MAX_MS 2000
#define PW_HOLD_GUARDIAN_GRACE_MS 1000
/* Where the guardian goes when it must outlive a kill of the agent's cgroup: beside it. */
#define PW_HOLD_GUARD_CGROUP "pinwatch-guard"

/* "never", "auto", "always": 0, or -EINVAL. */
int pw_hold_mode_parse(const char *s, enum pw_hold_mode *mode);

struct pw_holds {
	enum pw_hold_mode mode;
	int candidates_fd, held_fd;
	int hierarchy; /* the hold hierarchy: the node's cpuset one */
	struct pw_node *node;
	struct pw_reconciler *reconciler;
	struct pw_metrics *metrics;
	pid_t guardian;
	int guardian_fd;	   /* a pidfd of the guardian: readable when it exits; -1 */
	__u64 *guardian_heartbeat; /* its word in the mapped .bss (pw_loader_guardian_heartbeat) */
	/* The kernel side resumes what is held when the agent's process exits (6.13+). */
	bool released_at_exit;
	const struct pw_mounts *mounts;
	/* The cgroup2 cgroup the guardian was moved to ("" when it stays in the agent's). */
	char guard_cgroup[PW_META_PATH_LEN];
	/*
	 * Exec CPU affinity: every isolated container's processes that a
	 * runtime's exec puts into it are pinned to its first CPU (exec_first:
	 * --exec-cpu-affinity first), or only those of containers whose
	 * annotation asks. The kernel side's map of them, and its count.
	 */
	bool exec_first;
	int exec_pins_fd;
	__u32 *exec_pins_count;
	struct pw_journal *journal;
	uint64_t pins_gen; /* the journal and identity generations they were made from */
	/* The kernel side's count of marks and holds, and its value at the last walk. */
	const __u64 *changes;
	__u64 changes_reviewed;
	bool outstanding; /* the last walk left marks or held tasks */
};

/*
 * Look at every mark and every held task: marks the agent will not need go,
 * held tasks whose container is settled (or held too long) resume. Call
 * after each turn of the reconciler and on each tick: a call costs two loads
 * when nothing was marked or held since a walk that left nothing.
 */
void pw_holds_review(struct pw_holds *h);

/* A record of the hold_events ring: the agent says it and reviews at once. */
int pw_holds_on_event(struct pw_holds *h, const void *data, size_t size);

/*
 * Fork the guardian: a process that holds the held map and a pidfd of the
 * agent, and resumes every held task when the agent exits, and each one held
 * past PW_HOLD_MAX_MS + PW_HOLD_GUARDIAN_GRACE_MS while it lives (a stuck
 * agent). It keeps CAP_KILL and CAP_BPF only, runs in a session and process
 * group of its own (a signal to the agent's group misses it), and, where the
 * kernel side cannot resume held tasks at the agent's exit, in a cgroup2
 * cgroup beside the agent's (a kill of the agent's cgroup misses it). The
 * kernel side holds nothing while its heartbeat is stale, so a guardian
 * that cannot be placed so is not started, and nothing is held (said).
 * 0, 1 when it was not started, or -errno (said).
 */
int pw_holds_start_guardian(struct pw_holds *h);

/* The guardian exited (its pidfd is readable): said, reaped and started again. */
void pw_holds_guardian_exited(struct pw_holds *h);

/* Stop the guardian (it resumes what is still held first) and remove its cgroup. */
void pw_holds_stop_guardian(struct pw_holds *h);

/*
 * Resume the tasks an earlier agent held and nobody resumed: stopped, in a
 * container's cgroup, and never run a user-space instruction (no CPU time
 * since their exec). Called once the node is scanned at start.
 */
void pw_holds_release_stranded(struct pw_holds *h);

/* Resume every held task now (the agent exiting). */
void pw_holds_release_all(struct pw_holds *h, const char *why);

#endif /* PW_HOLD_H */
