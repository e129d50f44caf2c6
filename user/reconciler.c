// SPDX-License-Identifier: GPL-2.0-only
/* From "this changed" to the kernel: affected containers, policy, backend, journal. */
#include "reconciler.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "cpu_index.h"
#include "fault.h"
#include "log.h"

/*
 * What the reconciler keeps per container (container->agent), only for those it
 * may have to decide or that take part in exclusivity: selected, running
 * workloads, or isolated. A node's other containers cost it nothing. Kept
 * small (no padding hole): a node may have thousands.
 */
struct slot {
	struct pw_container *c;
	struct slot *prev, *next; /* every slot */
	struct slot *next_dirty;  /* on the dirty list when dirty */
	const char *selected; /* the policy's selection, cached: it changes with identity only */
	struct pw_cpu_index_entry *indexed;  /* on the index when it counts */
	const struct pw_cpuset *failed_cpus; /* an apply of these CPUs failed: not again yet */
	double retry_at_ms;		     /* ... until then (backing off) */
	bool said_unsupported;		     /* the kernel cannot isolate it: said */
	unsigned int failures;		     /* applies that failed in a row */
	uint64_t pinned_ns;		     /* kernel time its CPUs were last seen change */
	enum pw_refusal refused;	     /* the refusal said last: said once */
	bool dirty;
	bool balancing_off; /* its selection asks for load balancing off (not only knobs) */
};

struct pw_reconciler {
	const struct pw_policy *policy;
	struct pw_backend *b;
	struct pw_tuner *tuner;
	struct pw_metrics *metrics;
	struct pw_cpus host;
	struct pw_cpu_index index;
	struct slot *slots;
	struct slot *dirty;
	struct pw_container *(*find)(void *ctx, int hierarchy, uint64_t id);
	void *find_ctx;
	bool check_journal;	/* an isolation may belong to a container that is gone */
	uint64_t event_ns;	/* kernel time of the last event read */
	uint64_t event_read_ns; /* when it was read */
	/*
	 * A revert or a layout step failed half-way (a cpuset a forking task
	 * kept busy): the layout is tried again at retry_at_ms, backing off.
	 */
	double retry_at_ms;
	unsigned int retry_ms;
	size_t failed_slots; /* slots whose apply failed, waiting to be tried again */
	bool layout_kept;    /* the retry is the end of a layout kept for the next container */
};

#define RETRY_FIRST_MS 1000
#define RETRY_MAX_MS 30000

/*
 * A layout step to finish later, backing off: after an error (counted), while
 * a runtime's task keeps a cpuset busy (-EBUSY), or while the backend keeps
 * its layout for the next container (-EAGAIN).
 */
static void layout_later(struct pw_reconciler *e, int err)
{
	if (err != -EBUSY && err != -EAGAIN)
		e->metrics->errors++;
	e->layout_kept = err == -EAGAIN;
	e->retry_ms = e->retry_ms ? e->retry_ms * 2 : RETRY_FIRST_MS;
	if (e->retry_ms > RETRY_MAX_MS)
		e->retry_ms = RETRY_MAX_MS;
	e->retry_at_ms = pw_monotonic_ms() + e->retry_ms;
}

/* The backend's shared layout made to match its journal; a failure is tried again later. */
static void sync_layout(struct pw_reconciler *e)
{
	int err = e->b->ops->sync(e->b);

	if (err) {
		layout_later(e, err);
		return;
	}
	e->retry_ms = 0;
	e->layout_kept = false;
}

void pw_reconciler_drop_kept_layout(struct pw_reconciler *e)
{
	e->b->keep_layout_ms = 0;
	if (e->layout_kept)
		sync_layout(e);
}

/* Whether the container of (hierarchy, id) is still on the node. */
static bool container_exists(const struct pw_reconciler *e, int hierarchy, uint64_t id)
{
	return e->find(e->find_ctx, hierarchy, id) != NULL;
}

static struct pw_container *find_container(const struct pw_reconciler *e, int hierarchy,
					   uint64_t id)
{
	return e->find(e->find_ctx, hierarchy, id);
}

int pw_reconciler_new(struct pw_reconciler **out, const struct pw_reconciler_config *cfg)
{
	struct pw_reconciler *e = calloc(1, sizeof(*e));

	*out = NULL;
	if (!e)
		return -ENOMEM;
	e->policy = cfg->policy;
	e->b = cfg->backend;
	e->tuner = cfg->tuner;
	e->metrics = cfg->metrics;
	e->host = cfg->host;
	e->find = cfg->find;
	e->find_ctx = cfg->find_ctx;
	pw_cpu_index_init(&e->index);
	*out = e;
	return 0;
}

void pw_reconciler_free(struct pw_reconciler *e)
{
	struct slot *s, *next;

	if (!e)
		return;
	for (s = e->slots; s; s = next) {
		next = s->next;
		pw_cpu_index_remove(&e->index, s->indexed);
		s->c->agent = NULL;
		free(s);
	}
	pw_cpu_index_free(&e->index);
	free(e);
}

void pw_reconciler_set_event_time(struct pw_reconciler *e, uint64_t ktime_ns)
{
	e->event_ns = ktime_ns;
	e->event_read_ns = pw_monotonic_ns();
}

static void mark(struct pw_reconciler *e, struct slot *s)
{
	if (!s || s->dirty)
		return;
	s->dirty = true;
	s->next_dirty = e->dirty;
	e->dirty = s;
}

/* A failed apply is tried again after 1 s, 2 s, 4 s, ... 60 s: a cause that goes (a cgroup that was going offline, a busy kernel) is recovered from. */
#define APPLY_RETRY_MIN_MS 1000
#define APPLY_RETRY_MAX_MS 60000

static void retry_failed(struct pw_reconciler *e, double now_ms)
{
	if (!e->failed_slots)
		return;
	for (struct slot *s = e->slots; s; s = s->next)
		if (s->failed_cpus && now_ms >= s->retry_at_ms) {
			s->failed_cpus = NULL;
			e->failed_slots--;
			mark(e, s);
		}
}

void pw_reconciler_tick(struct pw_reconciler *e, double now_ms)
{
	retry_failed(e, now_ms);
	if (!e->retry_ms || now_ms < e->retry_at_ms)
		return;
	if (!e->layout_kept)
		pw_info("finishing the cpuset layout (last tried %.0f s ago)",
			e->retry_ms / 1000.0);
	sync_layout(e);
}

/*
 * A container on the CPUs that changed: looked at only if it is selected.
 * One that is not can never be isolated; it only blocks others, which the
 * index already says.
 */
static void mark_container(struct pw_container *c, void *arg)
{
	struct slot *s = c->agent;

	if (s && s->selected)
		mark(arg, s);
}

/* Everyone on these CPUs may have become exclusive, or stopped being. */
static void mark_overlapping(struct pw_reconciler *e, const struct pw_cpuset *cpus)
{
	if (cpus)
		pw_cpu_index_for_each(&e->index, &cpus->cpus, mark_container, e);
}

/* Put s on the index as it counts now; the containers it leaves and joins are looked at. */
static void reindex(struct pw_reconciler *e, struct slot *s)
{
	struct pw_container *c = s->c;
	bool counts = pw_policy_counts(c);

	if (s->indexed) {
		struct pw_cpus was;

		pw_cpus_clear(&was);
		for (size_t i = 0; i < s->indexed->nr; i++)
			pw_cpus_set(&was, s->indexed->nodes[i].cpu);
		pw_cpu_index_remove(&e->index, s->indexed);
		s->indexed = NULL;
		pw_cpu_index_for_each(&e->index, &was, mark_container, e);
	}
	if (counts) {
		s->indexed = pw_cpu_index_add(&e->index, c, &c->cg->cpus->cpus);
		mark_overlapping(e, c->cg->cpus);
		if (!s->indexed)
			pw_err("out of memory indexing the CPUs of %s",
			       PW_Q(c->id)); /* it cannot block others now */
	}
	mark(e, s);
}

static struct slot *new_slot(struct pw_reconciler *e, struct pw_container *c)
{
	struct slot *s = calloc(1, sizeof(*s));

	if (!s) {
		pw_err("out of memory: container %s is not looked after", PW_Q(c->id));
		return NULL;
	}
	s->c = c;
	s->next = e->slots;
	if (e->slots)
		e->slots->prev = s;
	e->slots = s;
	c->agent = s;
	return s;
}

/* Whether a knob is applied to c. */
static bool tuned(const struct pw_reconciler *e, const struct pw_container *c)
{
	return e->tuner && pw_tuner_has(e->tuner, c->cg->hierarchy, c->cg->id);
}

/* Whether the reconciler has anything to keep of c: it may decide it, or c may block others. */
static bool needs_slot(const struct pw_reconciler *e, const struct pw_container *c,
		       const char *selected)
{
	return selected || pw_policy_counts(c) ||
	       pw_journal_find(e->b->journal, c->cg->hierarchy, c->cg->id) || tuned(e, c);
}

/*
 * s's selection, cached (it changes with identity only): the selecting rule
 * and whether it takes the CPUs out of load balancing.
 */
static void cache_selection(const struct pw_reconciler *e, struct slot *s, const char *selected)
{
	struct pw_knob_wants unused;

	s->selected = selected;
	s->balancing_off = selected && pw_policy_wants(e->policy, s->c, &unused);
}

/* The slot of c, made if c needs one now; NULL when it needs none. */
static struct slot *slot_of(struct pw_reconciler *e, struct pw_container *c)
{
	const char *selected;

	if (c->agent)
		return c->agent;
	selected = pw_policy_selected(e->policy, c);
	if (!needs_slot(e, c, selected))
		return NULL;
	if (!new_slot(e, c))
		return NULL;
	cache_selection(e, c->agent, selected);
	return c->agent;
}

static void on_container_changed(void *ctx, struct pw_container *c, struct pw_container *old)
{
	struct pw_reconciler *e = ctx;
	struct slot *s = old ? old->agent : NULL;

	if (s) {
		s->c = c;
		c->agent = s;
		if (s->indexed)
			s->indexed->c = c;
		cache_selection(e, s, pw_policy_selected(e->policy, c));
	} else {
		s = slot_of(e, c);
		if (!s)
			return;
	}
	reindex(e, s);
}

/* Forget s: off the index, the dirty list and the slot list. */
static void drop_slot(struct pw_reconciler *e, struct slot *s)
{
	struct slot **pp;

	if (s->failed_cpus)
		e->failed_slots--;
	if (s->indexed) {
		pw_cpu_index_remove(&e->index, s->indexed);
		s->indexed = NULL;
		mark_overlapping(e, s->c->cg->cpus);
	}
	for (pp = &e->dirty; *pp; pp = &(*pp)->next_dirty)
		if (*pp == s) {
			*pp = s->next_dirty;
			break;
		}
	if (s->prev)
		s->prev->next = s->next;
	else
		e->slots = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->c->agent = NULL;
	free(s);
}

static void on_container_removed(void *ctx, struct pw_container *c)
{
	struct pw_reconciler *e = ctx;

	if (c->agent)
		drop_slot(e, c->agent);
	e->check_journal = true; /* its isolation, if any, goes in the next run */
}

static void on_cpus_changed(void *ctx, struct pw_cgroup *cg, const struct pw_cpuset *old)
{
	struct pw_reconciler *e = ctx;
	struct slot *s = cg->container ? slot_of(e, cg->container) : NULL;

	(void)old;
	if (e->b->ops->cgroup_changed && e->b->ops->cgroup_changed(e->b, cg))
		e->metrics->errors++;
	if (!s)
		return;
	s->pinned_ns = e->event_ns;
	reindex(e, s);
}

static void on_populated_changed(void *ctx, struct pw_container *c)
{
	struct pw_reconciler *e = ctx;
	struct slot *s = slot_of(e, c);

	if (s)
		reindex(e, s);
}

static void on_cgroup_removed(void *ctx, struct pw_cgroup *cg)
{
	struct pw_reconciler *e = ctx;

	if (e->b->ops->cgroup_removed && e->b->ops->cgroup_removed(e->b, cg))
		e->metrics->errors++;
	if (pw_journal_find(e->b->journal, cg->hierarchy, cg->id))
		e->check_journal = true;
}

void pw_reconciler_observer(struct pw_reconciler *e, struct pw_node_observer *obs)
{
	*obs = (struct pw_node_observer){
		.ctx = e,
		.cgroup_removed = on_cgroup_removed,
		.cpus_changed = on_cpus_changed,
		.container_changed = on_container_changed,
		.populated_changed = on_populated_changed,
		.container_removed = on_container_removed,
	};
}

static const struct pw_backend_ops *ops_of(const struct pw_reconciler *e,
					   const struct pw_isolation *iso)
{
	const struct pw_backend_ops *ops = pw_backend_by_name(iso->backend);

	return ops ? ops : e->b->ops;
}

/* Undo iso; copies what it says first (the journal entry goes with the revert). */
static int revert(struct pw_reconciler *e, const struct pw_isolation *iso, const char *why)
{
	char id[13], path[PW_Q_LEN];
	int err;

	snprintf(id, sizeof(id), "%.12s", iso->container_id);
	snprintf(path, sizeof(path), "%s", PW_Q(iso->path));
	pw_info("restore load balancing on CPUs of %s (%s): %s", PW_Q(id), path, why);
	err = ops_of(e, iso)->revert(e->b, iso);
	if (err == -EBUSY || err == -EAGAIN) {
		/* Restored; only the backend's shared layout waits (a runtime's task, or kept). */
		layout_later(e, err);
		err = 0;
	}
	if (err) {
		layout_later(e, err);
		pw_err("restore of %s failed: %s; the journal keeps it", PW_Q(id), strerror(-err));
		return err;
	}
	e->metrics->reverts++;
	/* CPUs given back may be the host's spare one a refused container waited for. */
	for (struct slot *s = e->slots; s; s = s->next)
		if (s->refused == PW_REFUSE_LAST_CPUS)
			mark(e, s);
	return 0;
}

/* b - a, or 0 when b is not after a (clocks read in another order). */
static uint64_t ns_between(uint64_t a, uint64_t b)
{
	return b > a ? b - a : 0;
}

static void isolated_others(const struct pw_reconciler *e, const struct pw_container *c,
			    struct pw_cpus *out)
{
	pw_cpus_clear(out);
	for (size_t i = 0; i < pw_journal_count(e->b->journal); i++) {
		const struct pw_isolation *iso = pw_journal_at(e->b->journal, i);

		if (iso->hierarchy != c->cg->hierarchy || iso->cgroup_id != c->cg->id)
			pw_cpus_or(out, &iso->cpus);
	}
}

static void decide(const struct pw_reconciler *e, const struct slot *s, struct pw_verdict *v)
{
	struct pw_cpus others;
	struct pw_decision d = {
		.c = s->c,
		.selected = s->selected,
		.host = &e->host,
		.isolated_others = &others,
	};

	isolated_others(e, s->c, &others);
	if (s->c->cg->cpus)
		d.sharer = pw_cpu_index_other(&e->index, s->c, &s->c->cg->cpus->cpus);
	pw_policy_decide(e->policy, &d, v);
}

static void isolate(struct pw_reconciler *e, struct slot *s, const struct pw_verdict *v)
{
	struct pw_container *c = s->c;
	/* Only read: the journal keeps copies of its own. */
	struct pw_isolation want = {
		.container_id = (char *)c->id,
		.path = c->cg->path,
		.hierarchy = c->cg->hierarchy,
		.cgroup_id = c->cg->id,
		.cpus = c->cg->cpus->cpus,
	};
	char name[2 * PW_Q_LEN], cpus[PW_CPULIST_LEN];
	const struct pw_isolation *iso;
	uint64_t started_ns, writes_ns, journal_ns;
	int err;

	snprintf(want.backend, sizeof(want.backend), "%s", e->b->ops->name);
	pw_cpus_format(&want.cpus, cpus, sizeof(cpus));
	pw_info("isolate CPUs %s of %s (%s) with the %s backend", cpus,
		pw_container_name(c, name, sizeof(name)), v->why, e->b->ops->name);
	pw_fault_before_apply();
	started_ns = pw_monotonic_ns();
	writes_ns = pw_cgroup_write_ns();
	journal_ns = pw_journal_save_ns(e->b->journal);
	err = e->b->ops->apply(e->b, &want);
	writes_ns = pw_cgroup_write_ns() - writes_ns;
	journal_ns = pw_journal_save_ns(e->b->journal) - journal_ns;
	if (!err) {
		e->metrics->applies++;
		if (s->failed_cpus)
			e->failed_slots--;
		s->failed_cpus = NULL;
		s->failures = 0;
		if (s->pinned_ns && !e->b->dry_run) {
			uint64_t now = pw_monotonic_ns();
			double secs = now > s->pinned_ns ? (now - s->pinned_ns) / 1e9 : 0;

			/* ktime (CLOCK_MONOTONIC) lines this up with trace's ktime_ns. */
			pw_metrics_observe(&e->metrics->latency, secs);
			/*
			 * Where the agent's own time went, for the latency bench: the
			 * last event's way to it, the turn up to the apply (the node,
			 * identity, the decision), then the apply's journal save, its
			 * cgroup write(2)s (the kernel's own cost) and the rest of it.
			 */
			pw_info("isolated %.12s %.3f ms after the pinning write (ktime_ns %llu); its "
				"kernel writes took %.3f ms; the last event reached the agent in "
				"%.3f ms, the turn to the apply took %.3f ms, the journal %.3f ms, "
				"the apply besides its writes and journal %.3f ms",
				PW_Q(c->id), secs * 1e3, (unsigned long long)now, writes_ns / 1e6,
				ns_between(e->event_ns, e->event_read_ns) / 1e6,
				ns_between(e->event_read_ns, started_ns) / 1e6, journal_ns / 1e6,
				ns_between(started_ns + writes_ns + journal_ns, now) / 1e6);
		}
		return;
	}
	e->metrics->errors++;
	if (!s->failed_cpus)
		e->failed_slots++;
	s->failed_cpus = c->cg->cpus;
	s->retry_at_ms = pw_monotonic_ms() +
			 (s->failures < 6 ? APPLY_RETRY_MIN_MS << s->failures : APPLY_RETRY_MAX_MS);
	s->failures++;
	pw_err("isolating %s failed: %s; undoing what was done (trying again in %.0f s)", name,
	       strerror(-err), (s->retry_at_ms - pw_monotonic_ms()) / 1000);
	iso = pw_journal_find(e->b->journal, c->cg->hierarchy, c->cg->id);
	if (iso)
		revert(e, iso, "isolation failed");
}

static void refuse(struct pw_reconciler *e, struct slot *s, const struct pw_verdict *v)
{
	char name[2 * PW_Q_LEN], other[2 * PW_Q_LEN];

	/* kubelet writes the same CPUs again every few seconds: say it once. */
	if (s->refused == v->refusal)
		return;
	s->refused = v->refusal;
	e->metrics->refusals++;
	pw_metrics_count_refusal(e->metrics, pw_refusal_label(v->refusal));
	pw_warn("refuse to isolate %s (%s): %s", pw_container_name(s->c, name, sizeof(name)),
		v->why, pw_refusal_text(v->refusal));
	if (v->other)
		pw_warn("  shared with %s", pw_container_name(v->other, other, sizeof(other)));
}

static bool exists_cb(void *ctx, int hierarchy, uint64_t id)
{
	return container_exists(ctx, hierarchy, id);
}

/* Isolations and knobs whose containers are gone (removed, or no container any more). */
static void revert_orphans(struct pw_reconciler *e)
{
	for (size_t i = pw_journal_count(e->b->journal); i-- > 0;) {
		const struct pw_isolation *iso = pw_journal_at(e->b->journal, i);

		if (!container_exists(e, iso->hierarchy, iso->cgroup_id))
			revert(e, iso, "its container is gone");
	}
	if (e->tuner)
		pw_tuner_revert_gone(e->tuner, exists_cb, e);
}

/* c's knobs as the verdict says: what it asks for while isolated (or its CPUs its own), none else. */
/*
 * The kernel cannot take s's CPUs out of load balancing: said once per
 * container, counted; its knobs and its hold go on as for any other.
 */
static void unsupported(struct pw_reconciler *e, struct slot *s)
{
	char name[PW_Q_LEN];

	if (s->said_unsupported)
		return;
	s->said_unsupported = true;
	e->metrics->balancing_unsupported++;
	pw_warn("cannot take the CPUs of %s out of load balancing: %s; its other knobs apply",
		pw_container_name(s->c, name, sizeof(name)), e->b->unsupported);
}

static void tune(struct pw_reconciler *e, const struct slot *s, const struct pw_verdict *v)
{
	struct pw_knob_wants wants;

	if (!e->tuner)
		return;
	if (v->kind != PW_ISOLATE) {
		if (tuned(e, s->c))
			pw_tuner_update(e->tuner, s->c, NULL,
					v->kind == PW_REFUSED ? pw_refusal_text(v->refusal) :
								v->why);
		return;
	}
	pw_policy_wants(e->policy, s->c, &wants);
	pw_tuner_update(e->tuner, s->c, &wants, v->why);
}

/* One round: what is dirty now is decided; what that changes is looked at next round. */
static bool run_round(struct pw_reconciler *e)
{
	struct slot *list, *s, *next;
	struct pw_verdict v;

	if (e->check_journal) {
		e->check_journal = false;
		revert_orphans(e);
	}
	list = e->dirty;
	e->dirty = NULL;
	if (!list)
		return false;
	for (s = list; s; s = s->next_dirty)
		s->dirty = false;
	/* Reverts first: CPUs given back may be what another container is waiting for. */
	for (s = list; s; s = s->next_dirty) {
		const struct pw_isolation *iso =
			pw_journal_find(e->b->journal, s->c->cg->hierarchy, s->c->cg->id);

		if (!iso)
			continue;
		decide(e, s, &v);
		if (v.kind == PW_ISOLATE && !s->balancing_off) {
			revert(e, iso, "it no longer asks for it");
			continue;
		}
		/* Unchanged (kubelet rewrites the same cpuset every few seconds): nothing to do. */
		if (v.kind == PW_ISOLATE && pw_cpus_equal(&iso->cpus, &s->c->cg->cpus->cpus))
			continue;
		revert(e, iso,
		       v.kind == PW_ISOLATE ? "its CPUs changed" :
		       v.kind == PW_REFUSED ? pw_refusal_text(v.refusal) :
					      v.why);
	}
	for (s = list; s; s = next) {
		next = s->next_dirty;
		decide(e, s, &v);
		if (v.kind == PW_REFUSED) {
			tune(e, s, &v);
			refuse(e, s, &v);
			continue;
		}
		s->refused = PW_REFUSE_NONE;
		if (v.kind == PW_ISOLATE && s->balancing_off && e->b->unsupported) {
			unsupported(e, s);
		} else if (v.kind == PW_ISOLATE && s->balancing_off &&
			   !pw_journal_find(e->b->journal, s->c->cg->hierarchy, s->c->cg->id) &&
			   /* It failed for these very CPUs: not again until something changes. */
			   !(s->failed_cpus && s->failed_cpus == s->c->cg->cpus))
			isolate(e, s, &v);
		tune(e, s, &v);
		/* Nothing left to decide or to block: the slot goes (a new change makes one). */
		if (!s->dirty && !needs_slot(e, s->c, s->selected) && !s->failed_cpus)
			drop_slot(e, s);
	}
	return true;
}

enum pw_hold_state pw_reconciler_hold_state(const struct pw_reconciler *e,
					    const struct pw_container *c, bool at_exec)
{
	struct slot tmp = { .c = (struct pw_container *)c }, *s = c->agent;
	bool isolated = pw_journal_find(e->b->journal, c->cg->hierarchy, c->cg->id);
	struct pw_verdict v;

	/* A user's own cgroup is never isolated (docs/SECURITY.md): nothing to wait for. */
	if (!c->root_owned && !isolated)
		return PW_HOLD_NOT_SELECTED;
	if (!s) {
		cache_selection(e, &tmp, pw_policy_selected(e->policy, c));
		s = &tmp;
	}
	/*
	 * In place: its CPUs out of load balancing when it asks for that (a
	 * knob applied alone is not it) and the kernel can, else its knobs.
	 */
	if (s->balancing_off && !e->b->unsupported ? isolated : tuned(e, c))
		return PW_HOLD_ISOLATED;
	if (s->dirty)
		return PW_HOLD_PENDING;
	/*
	 * Not selected by what is known of it: at its mkdir that is its
	 * engine's bundle or the runtime command that made it; with neither
	 * yet, its opt-in may still come (docs/AGENT.md).
	 */
	if (!s->selected)
		return c->meta_known ? PW_HOLD_NOT_SELECTED : PW_HOLD_UNKNOWN;
	/*
	 * Being set up: a decision now would be on CPUs and tasks it will not
	 * run with (v1 runtimes pin before the first task joins, cgroup2 ones
	 * after). A held task's container has a task, if the agent has not
	 * seen it yet.
	 */
	if (!c->populated || (!at_exec && (!c->cpus || pw_cpus_empty(&c->cpus->cpus))))
		return PW_HOLD_PENDING;
	decide(e, s, &v);
	/* Knobs only: applied in the run that decided it, or not to be (a knob not offered). */
	if (v.kind == PW_ISOLATE && !s->balancing_off)
		return s == &tmp ? PW_HOLD_PENDING : PW_HOLD_DECIDED;
	if (v.kind == PW_ISOLATE)
		/* It failed for these very CPUs, or the kernel cannot: nothing to wait for. */
		return e->b->unsupported || (s->failed_cpus && s->failed_cpus == c->cg->cpus) ?
			       PW_HOLD_DECIDED :
			       PW_HOLD_PENDING;
	return PW_HOLD_DECIDED;
}

void pw_reconciler_run(struct pw_reconciler *e)
{
	/* What the backend found in this turn's events first: it is already due. */
	if (e->b->ops->flush && e->b->ops->flush(e->b))
		e->metrics->errors++;
	/*
	 * A revert can free the CPUs a refused container waits for, which the
	 * next round then isolates; rounds are few, since every round only
	 * ever isolates or refuses.
	 */
	for (int round = 0; round < 4 && run_round(e); round++)
		;
}

static void mark_all(struct pw_reconciler *e)
{
	for (struct slot *s = e->slots; s; s = s->next) {
		s->failed_cpus = NULL; /* a full look tries again */
		mark(e, s);
	}
	e->failed_slots = 0;
}

bool pw_reconciler_set_host(struct pw_reconciler *e, const struct pw_cpus *host)
{
	char was[PW_CPULIST_LEN], now[PW_CPULIST_LEN];

	if (pw_cpus_equal(&e->host, host))
		return false;
	pw_cpus_format(&e->host, was, sizeof(was));
	pw_cpus_format(host, now, sizeof(now));
	pw_info("the host's CPUs are %s now (were %s)", now, was);
	e->host = *host;
	if (e->tuner)
		e->tuner->host = *host;
	mark_all(e);
	return true;
}

void pw_reconciler_look_at_everything(struct pw_reconciler *e)
{
	e->check_journal = true;
	mark_all(e);
	sync_layout(e);
	if (e->tuner)
		pw_tuner_rescan(e->tuner);
}

void pw_reconciler_adopt_journal(struct pw_reconciler *e)
{
	int kept = 0, reverted = 0;

	for (size_t i = pw_journal_count(e->b->journal); i-- > 0;) {
		const struct pw_isolation *iso = pw_journal_at(e->b->journal, i);
		struct pw_container *c = find_container(e, iso->hierarchy, iso->cgroup_id);

		if (c && c->populated) {
			/* Complete what a crash may have cut short, without undoing anything. */
			if (ops_of(e, iso)->enforce(e->b, iso)) {
				revert(e, iso, "its isolation could not be completed");
				reverted++;
			} else {
				kept++;
			}
			continue;
		}
		revert(e, iso, c ? "its container has no task left" : "its container is gone");
		reverted++;
	}
	if (e->tuner) {
		/*
		 * Knobs of containers that are gone go; the rest are made whole.
		 * IRQs are matched by the look at everything that follows a start.
		 */
		pw_tuner_revert_gone(e->tuner, exists_cb, e);
		pw_tuner_enforce_all(e->tuner);
	}
	sync_layout(e);
	pw_info("journal '%s': %d isolations kept, %d restored", pw_journal_file(e->b->journal),
		kept, reverted);
}

int pw_reconciler_revert_all(struct pw_reconciler *e, const char *why)
{
	int first = 0;

	for (size_t i = pw_journal_count(e->b->journal); i-- > 0;) {
		int err = revert(e, pw_journal_at(e->b->journal, i), why);

		if (err && !first)
			first = err;
	}
	if (e->tuner) {
		int err = pw_tuner_revert_all(e->tuner, why);

		if (err && !first)
			first = err;
	}
	return first;
}

unsigned int pw_reconciler_isolated_cpus(const struct pw_reconciler *e)
{
	struct pw_cpus cpus;

	pw_journal_isolated_cpus(e->b->journal, NULL, &cpus);
	return pw_cpus_count(&cpus);
}
