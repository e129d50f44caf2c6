// SPDX-License-Identifier: GPL-2.0-only
/* The agent's counters and gauges, written in Prometheus text format. */
#include "metrics.h"

#include "event.h"
#include "version.h"

static const double bucket_le[PW_LATENCY_BUCKETS] = {
	0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 1,
};

void pw_metrics_observe(struct pw_histogram *h, double seconds)
{
	h->count++;
	h->sum += seconds;
	for (int i = 0; i < PW_LATENCY_BUCKETS; i++)
		if (seconds <= bucket_le[i])
			h->buckets[i]++;
}

static void write_histogram(FILE *out, const char *name, const char *help,
			    const struct pw_histogram *h)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
	for (int i = 0; i < PW_LATENCY_BUCKETS; i++)
		fprintf(out, "%s_bucket{le=\"%g\"} %llu\n", name, bucket_le[i],
			(unsigned long long)h->buckets[i]);
	fprintf(out, "%s_bucket{le=\"+Inf\"} %llu\n", name, (unsigned long long)h->count);
	fprintf(out, "%s_sum %.9f\n", name, h->sum);
	fprintf(out, "%s_count %llu\n", name, (unsigned long long)h->count);
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

	fprintf(out,
		"# HELP pinwatch_build_info The running agent: version, commit, build date, "
		"backend.\n# TYPE pinwatch_build_info gauge\n"
		"pinwatch_build_info{version=\"%s\",commit=\"%s\",build_date=\"%s\",backend=\"%s\"} "
		"1\n",
		pw_version(), pw_commit(), pw_build_date(), v->backend);

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
	metric(out, "pinwatch_balancing_unsupported_total", "counter",
	       "Selected containers whose CPUs this kernel cannot take out of load balancing "
	       "(cgroup v2 without cpuset.cpus.exclusive); their knobs still apply.",
	       m->balancing_unsupported);
	metric(out, "pinwatch_loss_rescans_total", "counter",
	       "Of those, rescans for events the kernel side lost (at most one per 5 s in a "
	       "storm).",
	       m->loss_rescans);
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
	fputs("# HELP pinwatch_untrusted_execs_total Runtime execs not trusted (not a process "
	      "or binary of the host), never sent to the agent, by reason.\n"
	      "# TYPE pinwatch_untrusted_execs_total counter\n",
	      out);
	for (int i = 1; i < PW_UNTRUSTED_MAX; i++)
		fprintf(out, "pinwatch_untrusted_execs_total{reason=\"%s\"} %llu\n",
			pw_untrusted_name(i), (unsigned long long)v->untrusted_execs[i]);
	write_histogram(out, "pinwatch_apply_latency_seconds",
			"From the pinning cpuset write to isolation applied.", &m->latency);
	fprintf(out,
		"# HELP pinwatch_held_total First execs held until their isolation was in place "
		"(--hold).\n# TYPE pinwatch_held_total counter\npinwatch_held_total %llu\n",
		(unsigned long long)m->held);
	fprintf(out,
		"# HELP pinwatch_held_timeouts_total Held execs let go at the time bound, "
		"isolated or not.\n# TYPE pinwatch_held_timeouts_total counter\n"
		"pinwatch_held_timeouts_total %llu\n",
		(unsigned long long)m->held_timeouts);
	write_histogram(out, "pinwatch_hold_seconds", "How long each held exec was held.",
			&m->hold_time);
}
