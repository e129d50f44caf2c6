// SPDX-License-Identifier: GPL-2.0-only
/*
 * The noise counters: a software perf event per watched CPU with the BPF
 * program on it, the program's maps read as deltas, and the interrupt
 * files' rows for the watched CPUs as deltas.
 */
#include "noise_counters.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "clock.h"
#include "loader.h"
#include "log.h"
#include "noise.skel.h"

#define INTERRUPTS "/proc/interrupts"
#define SOFTIRQS "/proc/softirqs"

/* An intruder's counters as last read, to take the next delta from. */
struct task_seen {
	struct pw_noise_task_key key;
	__u64 switches, run_ns;
};

struct watched {
	struct pw_noise_watch w;
	int perf_fd;
	struct bpf_link *link;
	struct pw_noise_cpu_counts last;
};

struct pw_noise_counters {
	struct noise_bpf *skel; /* NULL: interrupts only */
	size_t nr;
	struct watched *cpus;
	struct task_seen *tasks; /* sorted by key */
	size_t nr_tasks;
	struct pw_irq_table irqs, softirqs;
	double last_ms;
};

static int key_cmp(const void *a, const void *b)
{
	const struct pw_noise_task_key *x = a, *y = b;

	if (x->cpu != y->cpu)
		return x->cpu < y->cpu ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static int open_switch_event(int cpu)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_CONTEXT_SWITCHES,
		.sample_period = 1,
	};

	/* Every task's switches on this CPU alone (pid -1, cpu N). */
	return (int)syscall(SYS_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

static void stop_bpf(struct pw_noise_counters *c)
{
	for (size_t i = 0; i < c->nr; i++) {
		bpf_link__destroy(c->cpus[i].link);
		c->cpus[i].link = NULL;
		if (c->cpus[i].perf_fd >= 0)
			close(c->cpus[i].perf_fd);
		c->cpus[i].perf_fd = -1;
	}
	noise_bpf__destroy(c->skel);
	c->skel = NULL;
}

/* The BPF counters on every watched CPU, or none: the reason in *why. */
static int start_bpf(struct pw_noise_counters *c, bool events, const char **why)
{
	int err;

	c->skel = noise_bpf__open();
	if (!c->skel) {
		*why = "the noise program does not open here";
		return -errno;
	}
	c->skel->rodata->emit_events = events;
	err = noise_bpf__load(c->skel);
	if (err) {
		*why = "the noise program does not load here";
		return err;
	}
	for (size_t i = 0; i < c->nr; i++) {
		struct pw_noise_cpu_conf conf = { .owner_cgroup = c->cpus[i].w.owner_cgroup,
						  .watched = 1 };
		__u32 cpu = (__u32)c->cpus[i].w.cpu;

		err = bpf_map__update_elem(c->skel->maps.noise_cpus, &cpu, sizeof(cpu), &conf,
					   sizeof(conf), BPF_ANY);
		if (err) {
			*why = "its CPU map refuses the CPU";
			return err;
		}
		c->cpus[i].perf_fd = open_switch_event(c->cpus[i].w.cpu);
		if (c->cpus[i].perf_fd < 0) {
			*why = "a context-switch perf event cannot be opened for one CPU";
			return -errno;
		}
		c->cpus[i].link = bpf_program__attach_perf_event(c->skel->progs.noise_switch,
								 c->cpus[i].perf_fd);
		if (!c->cpus[i].link) {
			*why = "the program cannot attach to a perf event";
			return -errno;
		}
	}
	return 0;
}

int pw_noise_counters_open(struct pw_noise_counters **out, const struct pw_noise_watch *w, size_t n,
			   bool events, bool verbose, const char **mode)
{
	struct pw_noise_counters *c = calloc(1, sizeof(*c));
	const char *why = NULL;
	int err;

	*out = NULL;
	if (!c)
		return -ENOMEM;
	c->cpus = calloc(n ? n : 1, sizeof(*c->cpus));
	if (!c->cpus) {
		free(c);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		if (w[i].cpu < 0 || w[i].cpu >= PW_NOISE_MAX_CPUS) {
			pw_err("CPU %d cannot be watched (at most CPU %d)", w[i].cpu,
			       PW_NOISE_MAX_CPUS - 1);
			pw_noise_counters_close(c);
			return -EINVAL;
		}
		c->cpus[i].w = w[i];
		c->cpus[i].perf_fd = -1;
	}
	c->nr = n;
	pw_loader_libbpf_verbose(verbose);
	err = start_bpf(c, events, &why);
	if (err && events) {
		pw_err("cannot count context switches on the watched CPUs: %s: %s", why,
		       pw_loader_errstr(err));
		pw_noise_counters_close(c);
		return err;
	}
	if (err) {
		static char fallback[192];

		snprintf(fallback, sizeof(fallback),
			 "interrupts and softirqs only (tasks are not counted: %s: %s)", why,
			 pw_loader_errstr(err));
		*mode = fallback;
		stop_bpf(c);
	} else {
		*mode = "context switches (a perf event and BPF program on each watched CPU alone), "
			"interrupts and softirqs";
	}
	err = pw_irq_table_read(INTERRUPTS, &c->irqs);
	if (!err)
		err = pw_irq_table_read(SOFTIRQS, &c->softirqs);
	if (err) {
		pw_noise_counters_close(c);
		return err;
	}
	c->last_ms = pw_monotonic_ms();
	*out = c;
	return 0;
}

int pw_noise_counters_set_owner(struct pw_noise_counters *c, int cpu, __u64 owner_cgroup)
{
	for (size_t i = 0; i < c->nr; i++) {
		struct pw_noise_cpu_conf conf = { .owner_cgroup = owner_cgroup, .watched = 1 };
		__u32 key = (__u32)cpu;

		if (c->cpus[i].w.cpu != cpu)
			continue;
		c->cpus[i].w.owner_cgroup = owner_cgroup;
		return c->skel ? bpf_map__update_elem(c->skel->maps.noise_cpus, &key, sizeof(key),
						      &conf, sizeof(conf), BPF_ANY) :
				 0;
	}
	return -ENOENT;
}

#define DELTA(field) (now.field - w->last.field)

static int sample_cpus(struct pw_noise_counters *c, struct pw_noise_sample *s)
{
	s->cpus = calloc(c->nr ? c->nr : 1, sizeof(*s->cpus));
	if (!s->cpus)
		return -ENOMEM;
	for (size_t i = 0; i < c->nr; i++) {
		struct watched *w = &c->cpus[i];
		struct pw_noise_cpu *out = &s->cpus[s->nr_cpus++];
		struct pw_noise_cpu_counts now = {};
		__u32 key = (__u32)w->w.cpu;

		out->cpu = w->w.cpu;
		out->owner_cgroup = w->w.owner_cgroup;
		if (!c->skel || bpf_map__lookup_elem(c->skel->maps.noise_counts, &key, sizeof(key),
						     &now, sizeof(now), 0))
			continue;
		out->delta = (struct pw_noise_cpu_counts){
			.last_switch_ns = now.last_switch_ns,
			.own_switches = DELTA(own_switches),
			.own_ns = DELTA(own_ns),
			.task_switches = DELTA(task_switches),
			.task_ns = DELTA(task_ns),
			.kthread_switches = DELTA(kthread_switches),
			.kthread_ns = DELTA(kthread_ns),
			.unnamed = DELTA(unnamed),
		};
		w->last = now;
	}
	return 0;
}

static int intruder_cmp(const void *a, const void *b)
{
	const struct pw_noise_intruder *x = a, *y = b;

	if (x->run_ns != y->run_ns)
		return x->run_ns > y->run_ns ? -1 : 1;
	return x->switches > y->switches ? -1 : x->switches < y->switches;
}

/*
 * Every intruder's delta since the last read. An entry that did not move
 * since is deleted from the map, to make room (a switch between the read
 * and the delete is lost: the entry starts again from it).
 */
static int sample_tasks(struct pw_noise_counters *c, struct pw_noise_sample *s)
{
	int fd = bpf_map__fd(c->skel->maps.noise_tasks);
	struct pw_noise_task_key key, next, *stale = NULL;
	size_t nr_seen = 0, nr_stale = 0, cap = 0;
	struct task_seen *seen = NULL;
	struct pw_noise_task t;
	int err = 0;
	bool first = true;

	while (!bpf_map_get_next_key(fd, first ? NULL : &key, &next)) {
		const struct task_seen *was;
		__u64 switches, run_ns;

		first = false;
		key = next;
		if (bpf_map_lookup_elem(fd, &key, &t))
			continue;
		if (nr_seen == cap) {
			size_t bigger = cap ? cap * 2 : 256;
			struct task_seen *m = realloc(seen, bigger * sizeof(*seen));
			struct pw_noise_task_key *k = realloc(stale, bigger * sizeof(*stale));
			struct pw_noise_intruder *in =
				realloc(s->intruders, bigger * sizeof(*s->intruders));

			if (m)
				seen = m;
			if (k)
				stale = k;
			if (in)
				s->intruders = in;
			if (!m || !k || !in) {
				err = -ENOMEM;
				goto cleanup;
			}
			cap = bigger;
		}
		/* (bsearch and qsort take no NULL array, even empty.) */
		was = c->nr_tasks ?
			      bsearch(&key, c->tasks, c->nr_tasks, sizeof(*c->tasks), key_cmp) :
			      NULL;
		switches = t.switches - (was ? was->switches : 0);
		run_ns = t.run_ns - (was ? was->run_ns : 0);
		if (!switches) {
			stale[nr_stale++] = key;
			continue;
		}
		seen[nr_seen++] = (struct task_seen){ key, t.switches, t.run_ns };
		s->intruders[s->nr_intruders++] = (struct pw_noise_intruder){
			.cpu = (int)key.cpu,
			.pid = key.pid,
			.tgid = t.tgid,
			.ppid = t.ppid,
			.kind = (enum pw_noise_kind)t.kind,
			.cgroup_id = t.cgroup_id,
			.switches = switches,
			.run_ns = run_ns,
		};
		memcpy(s->intruders[s->nr_intruders - 1].comm, t.comm, sizeof(t.comm));
		memcpy(s->intruders[s->nr_intruders - 1].parent_comm, t.parent_comm,
		       sizeof(t.parent_comm));
	}
	for (size_t i = 0; i < nr_stale; i++)
		bpf_map_delete_elem(fd, &stale[i]);
	if (nr_seen)
		qsort(seen, nr_seen, sizeof(*seen), key_cmp);
	free(c->tasks);
	c->tasks = seen;
	c->nr_tasks = nr_seen;
	seen = NULL;
	if (s->nr_intruders)
		qsort(s->intruders, s->nr_intruders, sizeof(*s->intruders), intruder_cmp);
cleanup:
	free(seen);
	free(stale);
	return err;
}

static int irq_cmp(const void *a, const void *b)
{
	const struct pw_noise_irq *x = a, *y = b;

	return x->count > y->count ? -1 : x->count < y->count;
}

/* The rows of now that moved on a watched CPU since was (rows matched by name). */
static int sample_irqs(struct pw_noise_counters *c, const struct pw_irq_table *was,
		       const struct pw_irq_table *now, bool softirq, struct pw_noise_sample *s)
{
	for (size_t r = 0; r < now->nr_rows; r++) {
		const struct pw_irq_row *row = &now->rows[r], *old = NULL;

		for (size_t o = 0; o < was->nr_rows && !old; o++)
			if (!strcmp(was->rows[(r + o) % was->nr_rows].name, row->name))
				old = &was->rows[(r + o) % was->nr_rows];
		for (size_t i = 0; i < c->nr; i++) {
			int col = pw_irq_table_col(now, c->cpus[i].w.cpu);
			int old_col = pw_irq_table_col(was, c->cpus[i].w.cpu);
			unsigned long long before, count;
			struct pw_noise_irq *irq;

			if (col < 0)
				continue;
			before = old && old_col >= 0 ? old->counts[old_col] : 0;
			count = row->counts[col] >= before ? row->counts[col] - before : 0;
			if (!count)
				continue;
			irq = realloc(s->irqs, (s->nr_irqs + 1) * sizeof(*s->irqs));
			if (!irq)
				return -ENOMEM;
			s->irqs = irq;
			irq = &s->irqs[s->nr_irqs++];
			*irq = (struct pw_noise_irq){ .cpu = c->cpus[i].w.cpu,
						      .softirq = softirq,
						      .count = count };
			snprintf(irq->name, sizeof(irq->name), "%s", row->name);
			snprintf(irq->desc, sizeof(irq->desc), "%s", row->desc);
			s->cpus[i].irqs += softirq ? 0 : count;
			s->cpus[i].softirqs += softirq ? count : 0;
		}
	}
	return 0;
}

int pw_noise_counters_sample(struct pw_noise_counters *c, struct pw_noise_sample *s)
{
	struct pw_irq_table irqs, softirqs;
	double now = pw_monotonic_ms();
	int err;

	memset(s, 0, sizeof(*s));
	s->seconds = (now - c->last_ms) / 1000.0;
	c->last_ms = now;
	err = sample_cpus(c, s);
	if (!err && c->skel)
		err = sample_tasks(c, s);
	if (err)
		goto fail;
	err = pw_irq_table_read(INTERRUPTS, &irqs);
	if (err)
		goto fail;
	err = pw_irq_table_read(SOFTIRQS, &softirqs);
	if (err) {
		pw_irq_table_free(&irqs);
		goto fail;
	}
	err = sample_irqs(c, &c->irqs, &irqs, false, s);
	if (!err)
		err = sample_irqs(c, &c->softirqs, &softirqs, true, s);
	pw_irq_table_free(&c->irqs);
	pw_irq_table_free(&c->softirqs);
	c->irqs = irqs;
	c->softirqs = softirqs;
	if (err)
		goto fail;
	if (s->nr_irqs)
		qsort(s->irqs, s->nr_irqs, sizeof(*s->irqs), irq_cmp);
	return 0;
fail:
	pw_noise_sample_free(s);
	return err;
}

__u64 pw_noise_counters_events_dropped(const struct pw_noise_counters *c)
{
	__u64 dropped = 0;

	for (size_t i = 0; c->skel && i < c->nr; i++) {
		struct pw_noise_cpu_counts now;
		__u32 key = (__u32)c->cpus[i].w.cpu;

		if (!bpf_map__lookup_elem(c->skel->maps.noise_counts, &key, sizeof(key), &now,
					  sizeof(now), 0))
			dropped += now.events_dropped;
	}
	return dropped;
}

int pw_noise_counters_events_fd(const struct pw_noise_counters *c)
{
	return c->skel ? bpf_map__fd(c->skel->maps.noise_events) : -1;
}

void pw_noise_sample_free(struct pw_noise_sample *s)
{
	free(s->cpus);
	free(s->intruders);
	free(s->irqs);
	memset(s, 0, sizeof(*s));
}

void pw_noise_counters_close(struct pw_noise_counters *c)
{
	if (!c)
		return;
	stop_bpf(c);
	pw_irq_table_free(&c->irqs);
	pw_irq_table_free(&c->softirqs);
	free(c->tasks);
	free(c->cpus);
	free(c);
}
