// SPDX-License-Identifier: GPL-2.0-only
/* The agent's counters and gauges, written in Prometheus text format. */
#include "metrics.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>

#include "event.h"
#include "knobs.h"
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

/* The HELP and TYPE lines every metric starts with. */
static void header(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void metric(FILE *out, const char *name, const char *type, const char *help,
		   unsigned long long value)
{
	header(out, name, type, help);
	fprintf(out, "%s %llu\n", name, value);
}

/* One sample of a labelled metric (label values are static names, never untrusted). */
static void sample(FILE *out, const char *name, const char *label, const char *label_value,
		   unsigned long long value)
{
	fprintf(out, "%s{%s=\"%s\"} %llu\n", name, label, label_value, value);
}

/*
 * One sample of a per-container noise metric: the container label is the
 * id's first 12 characters, anything but [A-Za-z0-9_.-] written as '_'
 * (nothing a container chose can break the line).
 */
static void noise_sample(FILE *out, const char *name, const char *container, const char *kind,
			 double value)
{
	fprintf(out, "%s{container=\"", name);
	for (const char *p = container; *p; p++)
		fputc(isalnum((unsigned char)*p) || strchr("_.-", *p) ? *p : '_', out);
	fprintf(out, "\",kind=\"%s\"} %.9g\n", kind, value);
}

#define NOISE_TOTAL(field) offsetof(struct pw_quiet_totals, field)

/* The per-container noise metrics: each kind label and the total it reads. */
static const struct {
	const char *name, *help;
	double scale; /* the total's unit to the metric's */
	struct {
		const char *kind;
		size_t offset; /* of an unsigned long long in struct pw_quiet_totals */
	} kinds[4];
} noise_metrics[] = {
	{ "pinwatch_noise_intrusions_total",
	  "What ran on an isolated container's CPUs that is not the container (agent --noise): "
	  "tasks and kernel threads switched in, IRQs, softirqs.",
	  1,
	  { { "task", NOISE_TOTAL(task_switches) },
	    { "kthread", NOISE_TOTAL(kthread_switches) },
	    { "irq", NOISE_TOTAL(irqs) },
	    { "softirq", NOISE_TOTAL(softirqs) } } },
	{ "pinwatch_noise_seconds_total",
	  "CPU time other tasks and kernel threads took on an isolated container's CPUs "
	  "(agent --noise).",
	  1e-9,
	  { { "task", NOISE_TOTAL(task_ns) }, { "kthread", NOISE_TOTAL(kthread_ns) } } },
};

static void write_noise(FILE *out, const struct pw_metrics_view *v)
{
	if (!v->noise)
		return;
	for (size_t m = 0; m < sizeof(noise_metrics) / sizeof(noise_metrics[0]); m++) {
		header(out, noise_metrics[m].name, "counter", noise_metrics[m].help);
		for (size_t i = 0; i < v->nr_noise; i++) {
			const char *totals = (const char *)&v->noise[i];

			for (size_t k = 0; k < 4 && noise_metrics[m].kinds[k].kind; k++) {
				unsigned long long total;

				memcpy(&total, totals + noise_metrics[m].kinds[k].offset,
				       sizeof(total));
				noise_sample(out, noise_metrics[m].name, v->noise[i].container_id,
					     noise_metrics[m].kinds[k].kind,
					     total * noise_metrics[m].scale);
			}
		}
	}
}

static void write_histogram(FILE *out, const char *name, const char *help,
			    const struct pw_histogram *h)
{
	header(out, name, "histogram", help);
	for (int i = 0; i < PW_LATENCY_BUCKETS; i++)
		fprintf(out, "%s_bucket{le=\"%g\"} %llu\n", name, bucket_le[i],
			(unsigned long long)h->buckets[i]);
	fprintf(out, "%s_bucket{le=\"+Inf\"} %llu\n", name, (unsigned long long)h->count);
	fprintf(out, "%s_sum %.9f\n", name, h->sum);
	fprintf(out, "%s_count %llu\n", name, (unsigned long long)h->count);
}

void pw_metrics_write(FILE *out, const struct pw_metrics_view *v)
{
	const struct pw_metrics *m = v->m;

	header(out, "pinwatch_build_info", "gauge",
	       "The running agent: version, commit, build date, backend.");
	fprintf(out,
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
	metric(out, "pinwatch_cgroups_unread_total", "counter",
	       "Cgroups made and removed within one batch of events, never read (churn the "
	       "agent did not pay for).",
	       v->cgroups_unread);
	metric(out, "pinwatch_journal_saves_total", "counter",
	       "Times the journal was written (each a write, two fsyncs and a rename): one per "
	       "decision, before its kernel writes.",
	       v->journal_saves);
	metric(out, "pinwatch_applies_total", "counter", "Isolations applied.", m->applies);
	metric(out, "pinwatch_reverts_total", "counter", "Isolations restored.", m->reverts);
	header(out, "pinwatch_refusals_total", "counter",
	       "Selected containers refused, by reason.");
	for (int i = 0; i < PW_REFUSAL_LABELS && m->refusals_by[i].label; i++)
		sample(out, "pinwatch_refusals_total", "reason", m->refusals_by[i].label,
		       m->refusals_by[i].count);
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
	header(out, "pinwatch_ringbuf_dropped_total", "counter",
	       "Kernel events lost because the ring buffer was full, by event type.");
	for (int t = 1; t < PW_EV_TYPE_MAX; t++)
		sample(out, "pinwatch_ringbuf_dropped_total", "type", pw_event_type_name(t),
		       v->kernel[t * PW_CNT_MAX + PW_CNT_DROPPED]);
	header(out, "pinwatch_bpf_map_update_errors_total", "counter",
	       "Kernel-side map updates that failed (not ring buffer drops), by map.");
	for (int i = 0; i < PW_MAP_ERR_MAX; i++)
		sample(out, "pinwatch_bpf_map_update_errors_total", "map", pw_map_error_name(i),
		       v->map_errors[i]);
	header(out, "pinwatch_untrusted_execs_total", "counter",
	       "Runtime execs not trusted (not a process or binary of the host), never sent to "
	       "the agent, by reason.");
	for (int i = 1; i < PW_UNTRUSTED_MAX; i++)
		sample(out, "pinwatch_untrusted_execs_total", "reason", pw_untrusted_name(i),
		       v->untrusted_execs[i]);
	write_histogram(out, "pinwatch_apply_latency_seconds",
			"From the pinning cpuset write to isolation applied.", &m->latency);
	metric(out, "pinwatch_held_total", "counter",
	       "First execs held until their isolation was in place (--hold).", m->held);
	metric(out, "pinwatch_held_timeouts_total", "counter",
	       "Held execs let go at the time bound, isolated or not.", m->held_timeouts);
	write_histogram(out, "pinwatch_hold_seconds", "How long each held exec was held.",
			&m->hold_time);
	header(out, "pinwatch_knobs_applied", "gauge", "Containers each knob is applied to now.");
	for (int k = 0; k < PW_NR_KNOBS; k++)
		sample(out, "pinwatch_knobs_applied", "knob", pw_knob_label(k),
		       v->knobs.applied[k]);
	metric(out, "pinwatch_irqs_moved", "gauge",
	       "IRQs (and the default affinity) moved off isolated CPUs now.", v->knobs.irqs_moved);
	metric(out, "pinwatch_irqs_unmovable", "gauge",
	       "IRQs the kernel would not move (managed IRQs).", v->knobs.irqs_unmovable);
	metric(out, "pinwatch_knob_errors_total", "counter",
	       "Knob applies and reverts that failed.", v->knobs.errors);
	write_noise(out, v);
	metric(out, "pinwatch_metrics_scrapes_total", "counter",
	       "Scrapes answered, counted when these metrics were made (at most once a second).",
	       v->scrapes);
}
