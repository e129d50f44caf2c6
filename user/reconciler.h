/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The agent's reconciler: the decision loop. What the agent wants is a function of the
 * node as it is now: every selected, running container whose CPUs are its
 * own is isolated, nothing else is. The node tells the reconciler what changed
 * (it is the node's observer); the reconciler marks exactly the containers that
 * change can affect (the container itself and those on its CPUs, found
 * through a per-CPU index), and pw_reconciler_run() decides each of them with
 * the policy and brings the kernel in line through the backend: reverts
 * first, then applies, every change journaled before it is made.
 */
#ifndef PW_RECONCILER_H
#define PW_RECONCILER_H

#include <stdint.h>

#include "backend.h"
#include "metrics.h"
#include "node.h"
#include "policy.h"
#include "tuner.h"

struct pw_reconciler;

struct pw_reconciler_config {
	const struct pw_policy *policy;
	struct pw_backend *backend; /* its journal is the reconciler's record of what it did */
	struct pw_tuner *tuner; /* the knobs beyond balancing, on the same journal; NULL: none */
	struct pw_metrics *metrics;
	struct pw_cpus host; /* the CPUs of the cpuset root: the host's to balance */
	/* The container of cgroup (hierarchy, id) now, or NULL (the node's, or a test's). */
	struct pw_container *(*find)(void *ctx, int hierarchy, uint64_t id);
	void *find_ctx;
};

int pw_reconciler_new(struct pw_reconciler **out, const struct pw_reconciler_config *cfg);
/* NULL is fine. */
void pw_reconciler_free(struct pw_reconciler *e);

/* The observer to give the node. */
void pw_reconciler_observer(struct pw_reconciler *e, struct pw_node_observer *obs);

/* The kernel time (CLOCK_MONOTONIC) of the event being applied; 0 for a scan. */
void pw_reconciler_set_event_time(struct pw_reconciler *e, uint64_t ktime_ns);

/*
 * At start: complete the journal's isolations whose containers still run,
 * revert the rest, and make the backend's shared layout match. Says how
 * many of each.
 */
void pw_reconciler_adopt_journal(struct pw_reconciler *e);

/* Look again at every container and every journal entry, IRQs included (after a scan). */
void pw_reconciler_look_at_everything(struct pw_reconciler *e);

/* Decide what was looked at and make the kernel match. */
void pw_reconciler_run(struct pw_reconciler *e);

/*
 * Try again a layout step that failed, when its back-off time (from now_ms)
 * has come; and end a layout kept for the next container once its time is up.
 */
void pw_reconciler_tick(struct pw_reconciler *e, double now_ms);

/*
 * The host's CPUs changed (CPU hotplug, read again at a rescan): decisions
 * and where IRQs may go follow them. Returns whether they changed.
 */
bool pw_reconciler_set_host(struct pw_reconciler *e, const struct pw_cpus *host);

/* The agent is going: a layout kept for a next container is not kept any more (undone now). */
void pw_reconciler_drop_kept_layout(struct pw_reconciler *e);

/* Where a container stands, for a first exec held until its isolation is in place. */
enum pw_hold_state {
	PW_HOLD_UNKNOWN,      /* its opt-in is not known yet, or (hold.c) its mkdir not seen */
	PW_HOLD_NOT_SELECTED, /* the agent will never isolate it */
	PW_HOLD_PENDING,      /* selected and about to be isolated */
	PW_HOLD_ISOLATED,     /* its isolation is applied and read back */
	PW_HOLD_DECIDED,      /* selected, and not isolated for its CPUs as they are */
};
/*
 * For a mark (at_exec false) a selected container that has no task yet, or
 * is not pinned yet, is still PENDING: its runtime is setting it up, and its
 * first exec must find the decision made on what it will run with. For a
 * held task (at_exec true) its runtime is done: not pinned is DECIDED.
 */
enum pw_hold_state pw_reconciler_hold_state(const struct pw_reconciler *e,
					    const struct pw_container *c, bool at_exec);

/* Undo every isolation and knob; the first error is returned, the rest still tried. */
int pw_reconciler_revert_all(struct pw_reconciler *e, const char *why);

/* The CPU index, and the isolated CPUs (for metrics). */
unsigned int pw_reconciler_isolated_cpus(const struct pw_reconciler *e);

#endif /* PW_RECONCILER_H */
