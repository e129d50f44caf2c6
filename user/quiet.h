/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The agent's noise counters (agent --noise): the CPUs it isolated are
 * watched, each owned by its container (noise_counters.h); every second the
 * deltas are added to per-container totals (for the metrics) and the last
 * second is written to STATE_DIR/noise.json (for pinwatch ps). Only what the
 * journal isolates is watched, and only while it is.
 */
#ifndef PW_QUIET_H
#define PW_QUIET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "journal.h"
#include "noise_counters.h"

#define PW_QUIET_FILE "noise.json"
/* ps shows a noise.json written this recently, or nothing (the agent is gone). */
#define PW_QUIET_FRESH_MS 5000

/* One isolated container's counts since the agent began watching it. */
struct pw_quiet_totals {
	int hierarchy;
	uint64_t cgroup_id;
	char container_id[PW_NOISE_COMM_LEN]; /* the first 12 characters: a metric label */
	unsigned long long task_switches, kthread_switches, irqs, softirqs;
	unsigned long long task_ns, kthread_ns;
	double intrusions_per_s; /* over the last second */
};

struct pw_quiet {
	const char *state_dir;
	bool verbose;
	struct pw_noise_counters *counters; /* NULL while nothing is isolated */
	const char *mode;
	struct pw_cpus watched;
	uint64_t journal_gen;
	struct pw_quiet_totals *totals;
	size_t nr_totals;
	bool summary_written;
};

/* The isolation the journal j (NULL: none) holds on cpu, or NULL: the CPU's owner. */
const struct pw_isolation *pw_quiet_owner(const struct pw_journal *j, int cpu);

/*
 * What to watch: each CPU of cpus (NULL: every CPU j isolates), owned by the
 * container j isolates there, if any. -ENOENT when that is no CPU at all.
 */
int pw_quiet_watch_list(const struct pw_journal *j, const struct pw_cpus *cpus,
			struct pw_noise_watch **out, size_t *nr);

void pw_quiet_init(struct pw_quiet *q, const char *state_dir, bool verbose);

/* Once a second: follow the journal's isolations, count, write noise.json. */
void pw_quiet_tick(struct pw_quiet *q, const struct pw_journal *j);

/* Stop counting; noise.json goes. */
void pw_quiet_close(struct pw_quiet *q);

#endif /* PW_QUIET_H */
