/* SPDX-License-Identifier: GPL-2.0-only */
/* The agent's Prometheus metrics: what is counted, and the text format (metrics_server.c serves it). */
#ifndef PW_METRICS_H
#define PW_METRICS_H

#include <linux/types.h>
#include <stdio.h>

#include "knobs.h"
#include "quiet.h"
#include "pinwatch.h"

/* Buckets of a seconds histogram (metrics.c has their upper bounds). */
#define PW_LATENCY_BUCKETS 10
/* Refusal reasons counted apart (policy.h's labels). */
#define PW_REFUSAL_LABELS 8

struct pw_histogram {
	__u64 count, buckets[PW_LATENCY_BUCKETS];
	double sum;
};

struct pw_metrics {
	__u64 applies, reverts, refusals, errors, resyncs;
	__u64 loss_rescans; /* of the resyncs: for lost events (backed off) */
	/* Containers whose CPUs the kernel could not take out of load balancing (said once each). */
	__u64 balancing_unsupported;
	struct pw_histogram latency; /* from the pinning write to isolation applied */
	/* First execs held (--hold), those let go at the time bound, and how long each was held. */
	__u64 held, held_timeouts;
	struct pw_histogram hold_time;
	struct {
		const char *label;
		__u64 count;
	} refusals_by[PW_REFUSAL_LABELS];
};

/* Count one observation of seconds in h. */
void pw_metrics_observe(struct pw_histogram *h, double seconds);

/* Count one refusal under its reason's label (a static string). */
void pw_metrics_count_refusal(struct pw_metrics *m, const char *label);

/* Gauges and counters the agent reads when asked. */
struct pw_metrics_view {
	const struct pw_metrics *m;
	const char *backend; /* "v1", "v2" */
	unsigned long containers, isolated_containers, isolated_cpus;
	/* inotify watches on cpuset.cpus held, and refused at the kernel's bound. */
	unsigned long cpuset_watches, cpuset_watches_refused;
	unsigned long cgroups_unread;	  /* made and removed before the agent read them */
	unsigned long long journal_saves; /* pw_journal_saves() */
	unsigned long long scrapes;	  /* GET /metrics answered, this one included */
	/* The kernel side's counters (loader.h), summed over CPUs. */
	__u64 kernel[PW_COUNTERS_LEN];
	__u64 map_errors[PW_MAP_ERR_MAX];
	/* Runtime execs the kernel side did not trust (and did not send), by reason. */
	__u64 untrusted_execs[PW_UNTRUSTED_MAX];
	struct pw_knob_counts knobs; /* the tuner's (pw_tuner_counts()) */
	/* agent --noise: per isolated container (quiet.h); none without it. */
	const struct pw_quiet_totals *noise;
	size_t nr_noise;
};

/* Write the metrics in Prometheus text format 0.0.4. */
void pw_metrics_write(FILE *out, const struct pw_metrics_view *v);

#endif /* PW_METRICS_H */
