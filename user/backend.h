/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The two ways to take CPUs out of scheduler load balancing, chosen at run
 * time: cgroup v1 cpuset.sched_load_balance with a housekeeping cpuset
 * (backend_v1.c), and cgroup v2 remote isolated partitions (backend_v2.c).
 * Both write their intent to the journal before each kernel change.
 */
#ifndef PW_BACKEND_H
#define PW_BACKEND_H

#include <stdbool.h>

#include "cgroupfs.h"
#include "journal.h"

struct pw_backend_ctx {
	const struct pw_mounts *mounts;
	struct pw_journal *journal;
	bool dry_run;
};

/*
 * Isolate iso->cpus for the container at iso->path: iso is added to the
 * journal first. On failure the caller reverts what was done.
 */
int pw_v1_apply(struct pw_backend_ctx *ctx, const struct pw_isolation *iso);
int pw_v2_apply(struct pw_backend_ctx *ctx, const struct pw_isolation *iso);

/*
 * Make the kernel match the journal again (the v1 layout, nothing when the
 * journal has no v1 entry; one v2 entry's partition), completing what a
 * crash cut short. Idempotent.
 */
int pw_v1_enforce(struct pw_backend_ctx *ctx);
int pw_v2_enforce(struct pw_backend_ctx *ctx, struct pw_isolation *iso);

/* Undo iso (a journal entry) and drop it from the journal. */
int pw_v1_revert(struct pw_backend_ctx *ctx, struct pw_isolation *iso);
int pw_v2_revert(struct pw_backend_ctx *ctx, struct pw_isolation *iso);

/*
 * v1, while CPUs are isolated: a cpuset at path that is load balanced and
 * spans an isolated CPU would put it back in a sched domain; turn it to 0
 * (journaled, restored with the rest). The agent calls it when a cpuset's
 * CPUs change.
 */
int pw_v1_unbalance(struct pw_backend_ctx *ctx, const char *path);

/* Undo the v1 housekeeping layout if no v1 isolation is left (after a cut-short teardown). */
void pw_v1_cleanup(struct pw_backend_ctx *ctx);

/* Dispatch on want->backend / iso->backend. */
int pw_backend_apply(struct pw_backend_ctx *ctx, const struct pw_isolation *want);
int pw_backend_revert(struct pw_backend_ctx *ctx, struct pw_isolation *iso);

/* The ancestor of path at level (1 = the first component), in buf. */
void pw_path_prefix(const char *path, int level, char *buf, size_t size);

/* Number of components of a cgroup path ("/" is 0). */
int pw_path_level(const char *path);

#endif /* PW_BACKEND_H */
