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

#include "engine.h"
#include "metrics.h"
#include "node.h"
#include "pinwatch.h"

enum pw_hold_mode {
	PW_HOLD_NEVER,	/* nothing is held */
	PW_HOLD_AUTO,	/* held when isolation is not in place yet at the exec */
	PW_HOLD_ALWAYS, /* every selected container's first exec is held and checked */
};

/* The longest a task stays held while the agent lives; the guardian's bound is 1 s more. */
#define PW_HOLD_MAX_MS 2000
#define PW_HOLD_GUARDIAN_GRACE_MS 1000

/* "never", "auto", "always": 0, or -EINVAL. */
int pw_hold_mode_parse(const char *s, enum pw_hold_mode *mode);

struct pw_holds {
	enum pw_hold_mode mode;
	int candidates_fd, held_fd;
	int hierarchy; /* the hold hierarchy: the node's cpuset one */
	struct pw_node *node;
	struct pw_engine *engine;
	struct pw_metrics *metrics;
	pid_t guardian;
	/* The kernel side's count of marks and holds, and its value at the last walk. */
	const __u64 *changes;
	__u64 changes_reviewed;
	bool outstanding; /* the last walk left marks or held tasks */
};

/*
 * Look at every mark and every held task: marks the agent will not need go,
 * held tasks whose container is settled (or held too long) resume. Call
 * after each turn of the engine and on each tick: a call costs two loads
 * when nothing was marked or held since a walk that left nothing.
 */
void pw_holds_review(struct pw_holds *h);

/* A record of the hold_events ring: the agent says it and reviews at once. */
int pw_holds_on_event(struct pw_holds *h, const void *data, size_t size);

/*
 * Fork the guardian: a process that holds the held map and a pidfd of the
 * agent, and resumes every held task when the agent exits, and each one held
 * past PW_HOLD_MAX_MS + PW_HOLD_GUARDIAN_GRACE_MS while it lives (a stuck
 * agent). It keeps CAP_KILL and CAP_BPF only. 0 or -errno (said).
 */
int pw_holds_start_guardian(struct pw_holds *h);

/* Resume every held task now (the agent exiting). */
void pw_holds_release_all(struct pw_holds *h, const char *why);

#endif /* PW_HOLD_H */
