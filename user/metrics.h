/* SPDX-License-Identifier: GPL-2.0-only */
/* The agent's Prometheus metrics, served in text format over HTTP. */
#ifndef PW_METRICS_H
#define PW_METRICS_H

#include <linux/types.h>
#include <stdio.h>

/* Upper bounds of the apply latency histogram, in seconds. */
#define PW_LATENCY_BUCKETS 10

struct pw_metrics {
	__u64 applies, reverts, refusals, errors;
	__u64 latency_count, latency_buckets[PW_LATENCY_BUCKETS];
	double latency_sum;
};

/* Count one isolation that took seconds from the pinning write. */
void pw_metrics_observe_latency(struct pw_metrics *m, double seconds);

/* Gauges and counters the agent reads when asked. */
struct pw_metrics_view {
	const struct pw_metrics *m;
	unsigned int containers, isolated_containers, isolated_cpus;
	__u64 ringbuf_dropped;
};

/* Write the metrics in Prometheus text format 0.0.4. */
void pw_metrics_write(FILE *out, const struct pw_metrics_view *v);

/*
 * Listen on ADDR ("PORT" or "HOST:PORT", an IPv4 address; "PORT" means
 * 127.0.0.1). Returns a non-blocking listening socket or -errno (printed).
 */
int pw_metrics_listen(const char *addr);

/* Answer one connection waiting on listen_fd with the metrics; never blocks long. */
void pw_metrics_serve(int listen_fd, const struct pw_metrics_view *v);

#endif /* PW_METRICS_H */
