/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What runs on watched CPUs that is not their owner: context switches
 * counted by a BPF program on a software perf event opened for each watched
 * CPU alone (bpf/noise.bpf.c: no other CPU runs it), and hardware IRQs and
 * softirqs from /proc/interrupts and /proc/softirqs deltas. Each sample is
 * what happened since the previous one.
 */
#ifndef PW_NOISE_COUNTERS_H
#define PW_NOISE_COUNTERS_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#include "interrupts.h"
#include "pinwatch_noise.h"

/* A CPU to watch and whose tasks are not noise there (owner_cgroup 0: nobody's). */
struct pw_noise_watch {
	int cpu;
	__u64 owner_cgroup; /* id in the cpuset-bearing hierarchy */
};

/* An intruder of one CPU in one sample. */
struct pw_noise_intruder {
	int cpu;
	__u32 pid, tgid, ppid;
	enum pw_noise_kind kind;
	char comm[PW_NOISE_COMM_LEN], parent_comm[PW_NOISE_COMM_LEN];
	__u64 cgroup_id;
	__u64 switches, run_ns;
};

/* An interrupt (or softirq) row that fired on one CPU in one sample. */
struct pw_noise_irq {
	int cpu;
	bool softirq;
	char name[PW_IRQ_NAME_LEN], desc[PW_IRQ_DESC_LEN];
	unsigned long long count;
};

struct pw_noise_cpu {
	int cpu;
	__u64 owner_cgroup;
	struct pw_noise_cpu_counts delta; /* last_switch_ns: not a delta, the last switch */
	unsigned long long irqs, softirqs;
};

struct pw_noise_sample {
	double seconds; /* since the previous sample */
	size_t nr_cpus;
	struct pw_noise_cpu *cpus;
	size_t nr_intruders; /* by run time, most first */
	struct pw_noise_intruder *intruders;
	size_t nr_irqs; /* by count, most first */
	struct pw_noise_irq *irqs;
};

struct pw_noise_counters;

/*
 * Watch these CPUs: the BPF counters when this kernel lets pinwatch open a
 * per-CPU context-switch event and attach to it, else IRQs and softirqs
 * only; *mode says which ran and, for the fallback, why (static text).
 * With events, the program also sends a pw_noise_event per intruder (its
 * first switch, then at most one a second) to pw_noise_counters_events_fd(),
 * and there is no fallback: -errno, said.
 */
int pw_noise_counters_open(struct pw_noise_counters **out, const struct pw_noise_watch *w, size_t n,
			   bool events, bool verbose, const char **mode);

/* The ring buffer of the events (opened with events), or -1. */
int pw_noise_counters_events_fd(const struct pw_noise_counters *c);

/* Events the program could not send (the ring buffer was full), ever. */
__u64 pw_noise_counters_events_dropped(const struct pw_noise_counters *c);

/* Change a watched CPU's owner (0: nobody's). */
int pw_noise_counters_set_owner(struct pw_noise_counters *c, int cpu, __u64 owner_cgroup);

/* What happened since the previous sample (or the open). Free with pw_noise_sample_free(). */
int pw_noise_counters_sample(struct pw_noise_counters *c, struct pw_noise_sample *s);

void pw_noise_sample_free(struct pw_noise_sample *s);

void pw_noise_counters_close(struct pw_noise_counters *c);

#endif /* PW_NOISE_COUNTERS_H */
