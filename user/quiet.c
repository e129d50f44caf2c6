// SPDX-License-Identifier: GPL-2.0-only
/* The agent's noise counters on the CPUs it isolated, per container. */
#include "quiet.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "json_writer.h"
#include "log.h"

#define QUIET_TMP PW_QUIET_FILE ".tmp"
/* Intruders per container in noise.json. */
#define QUIET_TOP 3

void pw_quiet_init(struct pw_quiet *q, const char *state_dir, bool verbose)
{
	memset(q, 0, sizeof(*q));
	q->state_dir = state_dir;
	q->verbose = verbose;
	q->journal_gen = UINT64_MAX;
}

const struct pw_isolation *pw_quiet_owner(const struct pw_journal *j, int cpu)
{
	for (size_t i = 0; j && i < pw_journal_count(j); i++)
		if (pw_cpus_test(&pw_journal_at(j, i)->cpus, (unsigned int)cpu))
			return pw_journal_at(j, i);
	return NULL;
}

int pw_quiet_watch_list(const struct pw_journal *j, const struct pw_cpus *cpus,
			struct pw_noise_watch **out, size_t *nr)
{
	struct pw_cpus all;

	*out = NULL;
	*nr = 0;
	if (!cpus) {
		pw_cpus_clear(&all);
		if (j)
			pw_journal_isolated_cpus(j, NULL, &all);
		cpus = &all;
	}
	if (!pw_cpus_count(cpus))
		return -ENOENT;
	*out = calloc(pw_cpus_count(cpus), sizeof(**out));
	if (!*out)
		return -ENOMEM;
	pw_cpus_for_each(cpu, cpus)
	{
		const struct pw_isolation *iso = pw_quiet_owner(j, cpu);

		(*out)[(*nr)++] = (struct pw_noise_watch){ cpu, iso ? iso->cgroup_id : 0 };
	}
	return 0;
}

static struct pw_quiet_totals *totals_of(struct pw_quiet *q, int hierarchy, uint64_t id)
{
	for (size_t i = 0; i < q->nr_totals; i++)
		if (q->totals[i].hierarchy == hierarchy && q->totals[i].cgroup_id == id)
			return &q->totals[i];
	return NULL;
}

/* The totals follow the journal: one per isolation, kept while it lasts. */
static void follow_totals(struct pw_quiet *q, const struct pw_journal *j)
{
	size_t n = pw_journal_count(j), kept = 0;
	struct pw_quiet_totals *next = calloc(n ? n : 1, sizeof(*next));

	if (!next)
		return;
	for (size_t i = 0; i < n; i++) {
		const struct pw_isolation *iso = pw_journal_at(j, i);
		const struct pw_quiet_totals *was = totals_of(q, iso->hierarchy, iso->cgroup_id);

		if (was) {
			next[kept++] = *was;
			continue;
		}
		next[kept].hierarchy = iso->hierarchy;
		next[kept].cgroup_id = iso->cgroup_id;
		snprintf(next[kept].container_id, sizeof(next[kept].container_id), "%.12s",
			 iso->container_id);
		kept++;
	}
	free(q->totals);
	q->totals = next;
	q->nr_totals = kept;
}

/* Watch exactly the isolated CPUs: counters opened again when they change. */
static void follow_journal(struct pw_quiet *q, const struct pw_journal *j)
{
	struct pw_noise_watch *watch;
	struct pw_cpus cpus;
	size_t nr = 0;

	if (pw_journal_generation(j) == q->journal_gen)
		return;
	q->journal_gen = pw_journal_generation(j);
	follow_totals(q, j);
	pw_journal_isolated_cpus(j, NULL, &cpus);
	if (q->counters && pw_cpus_equal(&cpus, &q->watched)) {
		pw_cpus_for_each(cpu, &cpus)
		{
			const struct pw_isolation *iso = pw_quiet_owner(j, cpu);

			pw_noise_counters_set_owner(q->counters, cpu, iso ? iso->cgroup_id : 0);
		}
		return;
	}
	pw_noise_counters_close(q->counters);
	q->counters = NULL;
	q->watched = cpus;
	if (pw_quiet_watch_list(j, &cpus, &watch, &nr))
		return;
	if (!pw_noise_counters_open(&q->counters, watch, nr, false, q->verbose, &q->mode))
		pw_info("noise: counting on the isolated CPUs: %s", q->mode);
	free(watch);
}

static void add_sample(struct pw_quiet *q, const struct pw_journal *j,
		       const struct pw_noise_sample *s)
{
	for (size_t t = 0; t < q->nr_totals; t++)
		q->totals[t].intrusions_per_s = 0;
	for (size_t i = 0; i < s->nr_cpus; i++) {
		const struct pw_noise_cpu *c = &s->cpus[i];
		const struct pw_isolation *iso = pw_quiet_owner(j, c->cpu);
		struct pw_quiet_totals *t =
			iso ? totals_of(q, iso->hierarchy, iso->cgroup_id) : NULL;
		unsigned long long n;

		if (!t)
			continue;
		n = c->delta.task_switches + c->delta.kthread_switches + c->irqs + c->softirqs;
		t->task_switches += c->delta.task_switches;
		t->kthread_switches += c->delta.kthread_switches;
		t->irqs += c->irqs;
		t->softirqs += c->softirqs;
		t->task_ns += c->delta.task_ns;
		t->kthread_ns += c->delta.kthread_ns;
		t->intrusions_per_s += s->seconds > 0 ? n / s->seconds : 0;
	}
}

static void write_container(struct pw_json *w, const struct pw_journal *j,
			    const struct pw_quiet_totals *t, const struct pw_noise_sample *s)
{
	size_t shown = 0;

	pw_json_object_begin(w, NULL);
	pw_json_int(w, "hierarchy", t->hierarchy);
	pw_json_uint(w, "cgroup_id", t->cgroup_id);
	pw_json_double(w, "intrusions_per_s", t->intrusions_per_s);
	pw_json_uint(w, "task_switches", t->task_switches);
	pw_json_uint(w, "kthread_switches", t->kthread_switches);
	pw_json_uint(w, "irqs", t->irqs);
	pw_json_uint(w, "softirqs", t->softirqs);
	pw_json_uint(w, "task_ns", t->task_ns);
	pw_json_uint(w, "kthread_ns", t->kthread_ns);
	pw_json_array_begin(w, "top");
	for (size_t k = 0; k < s->nr_intruders && shown < QUIET_TOP; k++) {
		const struct pw_noise_intruder *in = &s->intruders[k];
		const struct pw_isolation *iso = pw_quiet_owner(j, in->cpu);

		if (!iso || iso->hierarchy != t->hierarchy || iso->cgroup_id != t->cgroup_id)
			continue;
		shown++;
		pw_json_object_begin(w, NULL);
		pw_json_string(w, "kind", in->kind == PW_NOISE_KTHREAD ? "kthread" : "task");
		pw_json_bytes(w, "comm", in->comm, strnlen(in->comm, sizeof(in->comm)));
		pw_json_uint(w, "pid", in->pid);
		pw_json_int(w, "cpu", in->cpu);
		pw_json_double(w, "switches_per_s", s->seconds > 0 ? in->switches / s->seconds : 0);
		pw_json_object_end(w);
	}
	pw_json_array_end(w);
	pw_json_object_end(w);
}

static void remove_summary(struct pw_quiet *q)
{
	char path[4096];

	if (!q->summary_written)
		return;
	q->summary_written = false;
	snprintf(path, sizeof(path), "%s/%s", q->state_dir, PW_QUIET_FILE);
	unlink(path);
}

/* noise.json for ps: written whole, then renamed (a reader never sees half). */
static void write_summary(struct pw_quiet *q, const struct pw_journal *j,
			  const struct pw_noise_sample *s)
{
	char tmp[4096], path[4096];
	struct pw_json w;
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s/%s", q->state_dir, QUIET_TMP);
	snprintf(path, sizeof(path), "%s/%s", q->state_dir, PW_QUIET_FILE);
	f = fopen(tmp, "we");
	if (!f)
		return;
	pw_json_init(&w, f);
	pw_json_object_begin(&w, NULL);
	pw_json_double(&w, "monotonic_ms", pw_monotonic_ms());
	pw_json_double(&w, "seconds", s->seconds);
	pw_json_string(&w, "mode", q->mode);
	pw_json_array_begin(&w, "containers");
	for (size_t t = 0; t < q->nr_totals; t++)
		write_container(&w, j, &q->totals[t], s);
	pw_json_array_end(&w);
	pw_json_object_end(&w);
	if (fclose(f) || rename(tmp, path))
		unlink(tmp);
	else
		q->summary_written = true;
}

void pw_quiet_tick(struct pw_quiet *q, const struct pw_journal *j)
{
	struct pw_noise_sample s;

	follow_journal(q, j);
	if (!q->counters) {
		remove_summary(q);
		return;
	}
	if (pw_noise_counters_sample(q->counters, &s))
		return;
	add_sample(q, j, &s);
	write_summary(q, j, &s);
	pw_noise_sample_free(&s);
}

void pw_quiet_close(struct pw_quiet *q)
{
	pw_noise_counters_close(q->counters);
	q->counters = NULL;
	free(q->totals);
	q->totals = NULL;
	q->nr_totals = 0;
	remove_summary(q);
}
