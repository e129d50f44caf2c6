/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The agent's decision engine. What the agent wants is a function of the
 * node as it is now: every selected, running container whose CPUs are its
 * own is isolated, nothing else is. The node tells the engine what changed
 * (it is the node's observer); the engine marks exactly the containers that
 * change can affect (the container itself and those on its CPUs, found
 * through a per-CPU index), and pw_engine_run() decides each of them with
 * the policy and brings the kernel in line through the backend: reverts
 * first, then applies, every change journaled before it is made.
 */
#ifndef PW_ENGINE_H
#define PW_ENGINE_H

#include <stdint.h>

#include "backend.h"
#include "metrics.h"
#include "node.h"
#include "policy.h"
#include "tuner.h"

struct pw_engine;

struct pw_engine_config {
	const struct pw_policy *policy;
	struct pw_backend *backend; /* its journal is the engine's record of what it did */
	struct pw_tuner *tuner; /* the knobs beyond balancing, on the same journal; NULL: none */
	struct pw_metrics *metrics;
	struct pw_cpus host; /* the CPUs of the cpuset root: the host's to balance */
	/* The container of cgroup (hierarchy, id) now, or NULL (the node's, or a test's). */
	struct pw_container *(*find)(void *ctx, int hierarchy, uint64_t id);
	void *find_ctx;
};

int pw_engine_new(struct pw_engine **out, const struct pw_engine_config *cfg);
/* NULL is fine. */
void pw_engine_free(struct pw_engine *e);

/* The observer to give the node. */
void pw_engine_observer(struct pw_engine *e, struct pw_node_observer *obs);

/* The kernel time (CLOCK_MONOTONIC) of the event being applied; 0 for a scan. */
void pw_engine_set_event_time(struct pw_engine *e, uint64_t ktime_ns);

/*
 * At start: complete the journal's isolations whose containers still run,
 * revert the rest, and make the backend's shared layout match. Says how
 * many of each.
 */
void pw_engine_reconcile_journal(struct pw_engine *e);

/* Look again at every container and every journal entry, IRQs included (after a scan). */
void pw_engine_look_at_everything(struct pw_engine *e);

/* Decide what was looked at and make the kernel match. */
void pw_engine_run(struct pw_engine *e);

/*
 * Try again a layout step that failed, when its back-off time (from now_ms)
 * has come; and end a layout kept for the next container once its time is up.
 */
void pw_engine_tick(struct pw_engine *e, double now_ms);

/*
 * The host's CPUs changed (CPU hotplug, read again at a rescan): decisions
 * and where IRQs may go follow them. Returns whether they changed.
 */
bool pw_engine_set_host(struct pw_engine *e, const struct pw_cpus *host);

/* The agent is going: a layout kept for a next container is not kept any more (undone now). */
void pw_engine_drop_kept_layout(struct pw_engine *e);

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
enum pw_hold_state pw_engine_hold_state(const struct pw_engine *e, const struct pw_container *c,
					bool at_exec);

/* Undo every isolation and knob; the first error is returned, the rest still tried. */
int pw_engine_revert_all(struct pw_engine *e, const char *why);

/* The CPU index, and the isolated CPUs (for metrics). */
unsigned int pw_engine_isolated_cpus(const struct pw_engine *e);

#endif /* PW_ENGINE_H */
