// SPDX-License-Identifier: GPL-2.0-only
/* The agent's counters and gauges, written in Prometheus text format. */
#include "metrics.h"

#include "event.h"

static const double bucket_le[PW_LATENCY_BUCKETS] = {
	0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 1,
};

void pw_metrics_observe_latency(struct pw_metrics *m, double seconds)
{
	m->latency_count++;
	m->latency_sum += seconds;
	for (int i = 0; i < PW_LATENCY_BUCKETS; i++)
		if (seconds <= bucket_le[i])
			m->latency_buckets[i]++;
}

void pw_metrics_count_refusal(struct pw_metrics *m, const char *label)
{
	for (int i = 0; i < PW_REFUSAL_LABELS; i++) {
		if (!m->refusals_by[i].label)
			m->refusals_by[i].label = label;
		if (m->refusals_by[i].label == label) {
			m->refusals_by[i].count++;
			return;
		}
	}
}

static void metric(FILE *out, const char *name, const char *type, const char *help,
		   unsigned long long value)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name, type, name, value);
}

void pw_metrics_write(FILE *out, const struct pw_metrics_view *v)
{
	const struct pw_metrics *m = v->m;

	metric(out, "pinwatch_containers_tracked", "gauge",
	       "Containers in the hierarchy that carries cpusets.", v->containers);
	metric(out, "pinwatch_isolated_containers", "gauge",
	       "Containers whose CPUs are out of load balancing.", v->isolated_containers);
	metric(out, "pinwatch_isolated_cpus", "gauge", "CPUs out of load balancing.",
	       v->isolated_cpus);
	metric(out, "pinwatch_cpuset_watches", "gauge",
	       "cpuset.cpus files watched with inotify for CPU changes.", v->cpuset_watches);
	metric(out, "pinwatch_cpuset_watches_refused_total", "counter",
	       "Watches the kernel refused at fs.inotify.max_user_watches (those cgroups' CPU "
	       "changes are seen at rescans).",
	       v->cpuset_watches_refused);
	metric(out, "pinwatch_applies_total", "counter", "Isolations applied.", m->applies);
	metric(out, "pinwatch_reverts_total", "counter", "Isolations restored.", m->reverts);
	fputs("# HELP pinwatch_refusals_total Selected containers refused, by reason.\n"
	      "# TYPE pinwatch_refusals_total counter\n",
	      out);
	for (int i = 0; i < PW_REFUSAL_LABELS && m->refusals_by[i].label; i++)
		fprintf(out, "pinwatch_refusals_total{reason=\"%s\"} %llu\n",
			m->refusals_by[i].label, (unsigned long long)m->refusals_by[i].count);
	metric(out, "pinwatch_errors_total", "counter",
	       "Kernel changes (isolations, restores, cpuset updates) that failed.", m->errors);
	metric(out, "pinwatch_resyncs_total", "counter",
	       "Full rescans of the node (start, lost events, periodic).", m->resyncs);
	fputs("# HELP pinwatch_ringbuf_dropped_total Kernel events lost because the ring buffer "
	      "was full, by event type.\n# TYPE pinwatch_ringbuf_dropped_total counter\n",
	      out);
	for (int t = 1; t < PW_EV_TYPE_MAX; t++)
		fprintf(out, "pinwatch_ringbuf_dropped_total{type=\"%s\"} %llu\n",
			pw_event_type_name(t),
			(unsigned long long)v->kernel[t * PW_CNT_MAX + PW_CNT_DROPPED]);
	fputs("# HELP pinwatch_bpf_map_update_errors_total Kernel-side map updates that failed "
	      "(not ring buffer drops), by map.\n"
	      "# TYPE pinwatch_bpf_map_update_errors_total counter\n",
	      out);
	for (int i = 0; i < PW_MAP_ERR_MAX; i++)
		fprintf(out, "pinwatch_bpf_map_update_errors_total{map=\"%s\"} %llu\n",
			pw_map_error_name(i), (unsigned long long)v->map_errors[i]);
	fputs("# HELP pinwatch_apply_latency_seconds From the pinning cpuset write to isolation "
	      "applied.\n# TYPE pinwatch_apply_latency_seconds histogram\n",
	      out);
	for (int i = 0; i < PW_LATENCY_BUCKETS; i++)
		fprintf(out, "pinwatch_apply_latency_seconds_bucket{le=\"%g\"} %llu\n",
			bucket_le[i], (unsigned long long)m->latency_buckets[i]);
	fprintf(out, "pinwatch_apply_latency_seconds_bucket{le=\"+Inf\"} %llu\n",
		(unsigned long long)m->latency_count);
	fprintf(out, "pinwatch_apply_latency_seconds_sum %.9f\n", m->latency_sum);
	fprintf(out, "pinwatch_apply_latency_seconds_count %llu\n",
		(unsigned long long)m->latency_count);
}
