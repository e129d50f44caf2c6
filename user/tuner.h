/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The knobs beyond load balancing (knobs.h), applied to a container while
 * its CPUs are its own and reverted when they stop being, the way the
 * load-balancing backend is: every value the agent changes is saved in the
 * journal before it is changed, read back after, and on revert written
 * back only where it still holds what the agent wrote.
 *
 *   cpu-quota          the container's CFS quota: v1 cpu.cfs_quota_us = -1,
 *                      cgroup2 cpu.max = max (period kept); a rewrite by
 *                      the runtime or kubelet is followed (inotify) and
 *                      undone again, the new value saved as the one to
 *                      restore
 *   cpu-c-states       each CPU's pm_qos_resume_latency_us
 *   cpu-freq-governor  each CPU's cpufreq scaling_governor
 *   irq-load-balancing every movable IRQ's smp_affinity_list, and the
 *                      default for new IRQs, without the CPUs of every
 *                      container that asks: a node-wide setting, so what
 *                      it is set to is the union of those containers'
 *                      CPUs (a reference count), and the IRQs go back to
 *                      exactly what they were when the last one goes;
 *                      checked again at each rescan
 */
#ifndef PW_TUNER_H
#define PW_TUNER_H

#include <stdbool.h>
#include <stdint.h>

#include "cgroupfs.h"
#include "container.h"
#include "irq_affinity.h"
#include "journal.h"
#include "kernel_files.h"
#include "knobs.h"

struct pw_tuner_watch;

struct pw_tuner {
	struct pw_journal *journal;
	const struct pw_mounts *mounts;
	struct pw_kernel_files files;
	struct pw_cpus host; /* where IRQs may go: the CPUs of the cpuset root */
	int watch_fd;	     /* inotify on the quota files of tuned containers; -1 without */
	struct pw_tuner_watch *watches;
	size_t nr_watches, cap_watches;
	struct pw_irq_affinity irqs; /* irq-load-balancing: points at journal, files, host */
	bool unavailable_said[PW_NR_KNOBS];
	unsigned long errors; /* failed applies and reverts, for metrics */
};

struct pw_tuner_config {
	struct pw_journal *journal;
	const struct pw_mounts *mounts;
	const char *proc, *sys; /* NULL: /proc, /sys (tests give their own) */
	const struct pw_cpus *host;
	bool dry_run;
	bool follow; /* watch quota files for rewrites */
};

/* 0 or -errno (said). */
int pw_tuner_open(struct pw_tuner *tu, const struct pw_tuner_config *cfg);
/* A tuner never opened or already closed is fine. */
void pw_tuner_close(struct pw_tuner *tu);

/*
 * Bring c's knobs to what wants asks on c's CPUs as they are now (NULL:
 * none, every knob of c reverted). A knob already applied with the same
 * value and CPUs is left as it is.
 */
void pw_tuner_update(struct pw_tuner *tu, const struct pw_container *c,
		     const struct pw_knob_wants *wants, const char *why);

/* Whether any knob is applied to the container of cgroup (hierarchy, id). */
bool pw_tuner_has(const struct pw_tuner *tu, int hierarchy, uint64_t id);

/* Revert the knobs of containers exists() says are gone. */
void pw_tuner_revert_gone(struct pw_tuner *tu,
			  bool (*exists)(void *ctx, int hierarchy, uint64_t id), void *ctx);

/*
 * At start: make the kernel hold again what every per-CPU and quota entry
 * says (completing what a crash cut short; a value changed since is
 * followed). The IRQs are pw_tuner_rescan()'s, which the engine runs after.
 */
void pw_tuner_enforce_all(struct pw_tuner *tu);

/* Revert every knob and give the IRQs back; the first error is returned, the rest tried. */
int pw_tuner_revert_all(struct pw_tuner *tu, const char *why);

/* A quota file of a tuned container was written: apply again what was overwritten. */
void pw_tuner_read_watches(struct pw_tuner *tu);

/*
 * At start and at each rescan: the IRQs made to match the entries. IRQs
 * someone moved back onto a container's CPUs since (irqbalance, an
 * operator) are moved off again, their new affinity saved as the one to
 * give back; IRQs that appeared since are moved too; IRQs a crash left
 * saved with no entry are given back.
 */
void pw_tuner_rescan(struct pw_tuner *tu);

/* What is applied now, for metrics (metrics.c writes them). */
void pw_tuner_counts(const struct pw_tuner *tu, struct pw_knob_counts *out);

#endif /* PW_TUNER_H */
