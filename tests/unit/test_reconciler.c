// SPDX-License-Identifier: GPL-2.0-only
/*
 * The reconciler against a fake backend: what it isolates, refuses and
 * restores as the node changes, and that it looks only at what a change
 * can affect.
 */
#include <errno.h>
#include <stdlib.h>

#include "clock.h"
#include "reconciler.h"
#include "fixtures.h"
#include "unit.h"

/* A backend that records what it is asked, and journals like a real one. */
struct fake {
	struct pw_backend b;
	int applies, reverts, syncs, changed;
	int fail_apply; /* the next N applies fail */
	int fail_sync;	/* the next N syncs fail */
	char last[64];
};

static struct fake *fake_of(struct pw_backend *b)
{
	return (struct fake *)b;
}

static int fake_apply(struct pw_backend *b, const struct pw_isolation *want)
{
	struct fake *f = fake_of(b);
	int err = pw_journal_add(b->journal, want);

	f->applies++;
	snprintf(f->last, sizeof(f->last), "apply %.4s", want->container_id + 60);
	if (!err && f->fail_apply) {
		f->fail_apply--;
		return -EIO;
	}
	return err;
}

static int fake_enforce(struct pw_backend *b, const struct pw_isolation *iso)
{
	(void)b;
	(void)iso;
	return 0;
}

static int fake_revert(struct pw_backend *b, const struct pw_isolation *iso)
{
	struct fake *f = fake_of(b);

	f->reverts++;
	snprintf(f->last, sizeof(f->last), "revert %.4s", iso->container_id + 60);
	return pw_journal_remove(b->journal, iso->hierarchy, iso->cgroup_id);
}

static int fake_sync(struct pw_backend *b)
{
	struct fake *f = fake_of(b);

	f->syncs++;
	if (f->fail_sync) {
		f->fail_sync--;
		return -EIO;
	}
	return 0;
}

static int fake_cgroup_changed(struct pw_backend *b, const struct pw_cgroup *cg)
{
	(void)cg;
	fake_of(b)->changed++;
	return 0;
}

static const struct pw_backend_ops fake_ops = {
	.name = "ft",
	.apply = fake_apply,
	.enforce = fake_enforce,
	.revert = fake_revert,
	.sync = fake_sync,
	.cgroup_changed = fake_cgroup_changed,
};

struct world {
	struct fx fx;
	struct fake fake;
	struct pw_tuner tuner; /* with a fake /proc and /sys (world_tune) */
	struct pw_mounts mounts;
	char kernel[64];
	struct pw_policy policy;
	struct pw_metrics metrics;
	struct pw_reconciler *e;
	struct pw_node_observer obs;
};

static void world_init(struct world *w, const char *host)
{
	struct pw_reconciler_config cfg;

	memset(w, 0, sizeof(*w));
	fx_init(&w->fx);
	w->fake.b.ops = &fake_ops;
	pw_journal_open(&w->fake.b.journal, "/nonexistent", PW_JOURNAL_MEMORY);
	cfg = (struct pw_reconciler_config){
		.policy = &w->policy,
		.backend = &w->fake.b,
		.metrics = &w->metrics,
		.host = fx_cpus(host),
		.find = fx_find,
		.find_ctx = &w->fx,
	};
	pw_reconciler_new(&w->e, &cfg);
	pw_reconciler_observer(w->e, &w->obs);
}

/* The world with knobs, against a fake kernel (fixtures.h): its reconciler made again. */
static void world_tune(struct world *w, const char *host)
{
	struct pw_cpus cpus = fx_cpus(host);
	struct pw_tuner_config tcfg = { .journal = w->fake.b.journal,
					.mounts = &w->mounts,
					.host = &cpus };
	struct pw_reconciler_config cfg = {
		.policy = &w->policy,
		.backend = &w->fake.b,
		.tuner = &w->tuner,
		.metrics = &w->metrics,
		.host = cpus,
		.find = fx_find,
		.find_ctx = &w->fx,
	};
	char proc[96], sys[96];

	fx_fake_kernel(w->kernel, sizeof(w->kernel));
	snprintf(proc, sizeof(proc), "%s/proc", w->kernel);
	snprintf(sys, sizeof(sys), "%s/sys", w->kernel);
	tcfg.proc = proc;
	tcfg.sys = sys;
	w->mounts.v1_cpuset.fd = w->mounts.v2.fd = w->mounts.v1_cpu.fd = -1;
	CHECK_INT(pw_tuner_open(&w->tuner, &tcfg), 0);
	pw_reconciler_free(w->e);
	pw_reconciler_new(&w->e, &cfg);
	pw_reconciler_observer(w->e, &w->obs);
}

static void world_free(struct world *w)
{
	pw_reconciler_free(w->e);
	pw_tuner_close(&w->tuner);
	if (w->kernel[0])
		fx_remove_tree(w->kernel);
	pw_journal_close(w->fake.b.journal);
	fx_free(&w->fx);
}

/* A container appears (as the node would tell it), then the reconciler runs. */
static struct pw_container *start(struct world *w, uint64_t id, const char *cpus, bool opted_in)
{
	char path[64];
	struct pw_container *c;

	snprintf(path, sizeof(path), "/kubepods/pod/%llu", (unsigned long long)id);
	c = fx_container(&w->fx, id, path, cpus, opted_in);
	w->obs.container_changed(w->obs.ctx, c, NULL);
	pw_reconciler_run(w->e);
	return c;
}

static bool isolated(struct world *w, const struct pw_container *c)
{
	return pw_journal_find(w->fake.b.journal, c->cg->hierarchy, c->cg->id) != NULL;
}

static void exit_container(struct world *w, struct pw_container *c)
{
	c->populated = false;
	w->obs.populated_changed(w->obs.ctx, c);
	pw_reconciler_run(w->e);
}

static void remove_container(struct world *w, struct pw_container *c)
{
	fx_remove(&w->fx, c);
	w->obs.container_removed(w->obs.ctx, c);
	pw_reconciler_run(w->e);
}

static void move_cpus(struct world *w, struct pw_container *c, const char *cpus)
{
	const struct pw_cpuset *old = fx_set_cpus(&w->fx, c, cpus);

	/* As the node does: the same CPUs written again are no change. */
	if (old != c->cg->cpus)
		w->obs.cpus_changed(w->obs.ctx, c->cg, old);
	pw_cpuset_put(&w->fx.pool, old);
	pw_reconciler_run(w->e);
}

UNIT_TEST(reconciler_isolates_opted_in_exclusive_only)
{
	struct pw_container *a, *plain;
	struct world w;

	world_init(&w, "0-3");
	a = start(&w, 1, "1", true);
	plain = start(&w, 2, "2", false);
	CHECK(isolated(&w, a));
	CHECK(!isolated(&w, plain));
	CHECK_INT(w.fake.applies, 1);
	CHECK_INT(w.metrics.applies, 1);
	/* kubelet writes the same CPUs again: nothing happens. */
	move_cpus(&w, a, "1");
	CHECK_INT(w.fake.applies, 1);
	CHECK_INT(w.fake.reverts, 0);
	world_free(&w);
}

UNIT_TEST(reconciler_says_where_a_held_exec_stands)
{
	struct pw_container *a, *b, *plain, *pending;
	struct world w;

	world_init(&w, "0-3");
	a = start(&w, 1, "1", true);
	b = start(&w, 2, "1", true); /* shares CPU 1 with a: a is reverted, both refused */
	plain = start(&w, 3, "3", false);
	CHECK_INT(pw_reconciler_hold_state(w.e, a, true), PW_HOLD_DECIDED);
	CHECK_INT(pw_reconciler_hold_state(w.e, b, true), PW_HOLD_DECIDED);
	/* Not opted in by what is known of it: its first exec is not held. */
	plain->meta_known = true;
	CHECK_INT(pw_reconciler_hold_state(w.e, plain, true), PW_HOLD_NOT_SELECTED);
	/* Nothing known of its opt-in yet: it may still opt in. */
	plain->meta_known = false;
	CHECK_INT(pw_reconciler_hold_state(w.e, plain, true), PW_HOLD_UNKNOWN);
	remove_container(&w, b);
	CHECK_INT(pw_reconciler_hold_state(w.e, a, true), PW_HOLD_ISOLATED);
	/* Selected and exclusive, the reconciler not run yet: its isolation is coming. */
	pending = fx_container(&w.fx, 4, "/kubepods/pod/4", "2", true);
	w.obs.container_changed(w.obs.ctx, pending, NULL);
	CHECK_INT(pw_reconciler_hold_state(w.e, pending, true), PW_HOLD_PENDING);
	pw_reconciler_run(w.e);
	CHECK_INT(pw_reconciler_hold_state(w.e, pending, true), PW_HOLD_ISOLATED);
	world_free(&w);
}

UNIT_TEST(reconciler_keeps_the_mark_of_a_container_being_set_up)
{
	struct pw_container *young;
	struct world w;

	world_init(&w, "0-3");
	/* Pinned, no task yet (v1 runtimes pin first): its first exec is still to be decided. */
	young = fx_container(&w.fx, 5, "/kubepods/pod/5", "2", true);
	young->populated = false;
	w.obs.container_changed(w.obs.ctx, young, NULL);
	pw_reconciler_run(w.e);
	CHECK_INT(pw_reconciler_hold_state(w.e, young, false), PW_HOLD_PENDING);
	CHECK_INT(pw_reconciler_hold_state(w.e, young, true), PW_HOLD_PENDING);
	/* A task, not pinned yet (cgroup2 runtimes pin after): the mark stays; at its exec, decided. */
	young->populated = true;
	young->cpus = NULL;
	CHECK_INT(pw_reconciler_hold_state(w.e, young, false), PW_HOLD_PENDING);
	CHECK_INT(pw_reconciler_hold_state(w.e, young, true), PW_HOLD_DECIDED);
	world_free(&w);
}

UNIT_TEST(reconciler_restores_on_exit_and_removal)
{
	struct pw_container *a, *b;
	struct world w;

	world_init(&w, "0-3");
	a = start(&w, 1, "1", true);
	b = start(&w, 2, "2", true);
	CHECK(isolated(&w, a) && isolated(&w, b));
	exit_container(&w, a);
	CHECK(!isolated(&w, a));
	CHECK_STR(w.fake.last, "revert 0001");
	remove_container(&w, b);
	CHECK(!isolated(&w, b));
	CHECK_INT(pw_journal_count(w.fake.b.journal), 0);
	world_free(&w);
}

UNIT_TEST(reconciler_shared_cpus_refused_once_then_reconverges)
{
	struct pw_container *a, *b;
	struct world w;

	world_init(&w, "0-3");
	a = start(&w, 1, "1", true);
	CHECK(isolated(&w, a));
	/* An unpinned container starts on a's CPU: a is restored, both are refused. */
	b = start(&w, 2, "0-1", false);
	CHECK(!isolated(&w, a));
	CHECK_INT(w.metrics.refusals, 1);
	/* The same refusal is said once, however often the CPUs are written again. */
	move_cpus(&w, a, "1");
	move_cpus(&w, b, "0-1");
	CHECK_INT(w.metrics.refusals, 1);
	/* When the other goes, a is isolated again without anything rewriting its CPUs. */
	remove_container(&w, b);
	CHECK(isolated(&w, a));
	CHECK_INT(w.fake.applies, 2);
	world_free(&w);
}

UNIT_TEST(reconciler_exited_container_blocks_nobody)
{
	struct pw_container *a, *b;
	struct world w;

	world_init(&w, "0-3");
	a = start(&w, 1, "1", true);
	exit_container(&w, a); /* killed, never deleted: its cgroup lingers */
	b = start(&w, 2, "1", true);
	CHECK(isolated(&w, b));
	CHECK_INT(w.metrics.refusals, 0);
	world_free(&w);
}

UNIT_TEST(reconciler_keeps_the_last_cpu_for_the_host)
{
	struct pw_container *a, *b;
	struct world w;

	world_init(&w, "0-1");
	a = start(&w, 1, "1", true);
	b = start(&w, 2, "0", true);
	CHECK(isolated(&w, a));
	CHECK(!isolated(&w, b));
	CHECK_INT(w.fake.applies, 1); /* never asked */
	CHECK_INT(w.metrics.refusals, 1);
	/* Once a goes, b's CPU is not the last any more... but a's is free: b isolated. */
	remove_container(&w, a);
	CHECK(isolated(&w, b));
	world_free(&w);
}

UNIT_TEST(reconciler_follows_cpu_changes)
{
	struct pw_container *a;
	struct world w;

	world_init(&w, "0-3");
	a = start(&w, 1, "1", true);
	move_cpus(&w, a, "2-3");
	CHECK(isolated(&w, a));
	CHECK_INT(w.fake.reverts, 1);
	CHECK_INT(w.fake.applies, 2);
	CHECK(pw_cpus_equal(&pw_journal_at(w.fake.b.journal, 0)->cpus, &a->cg->cpus->cpus));
	CHECK_INT(w.fake.changed, 1); /* the backend hears of every CPU change */
	world_free(&w);
}

UNIT_TEST(reconciler_reverts_orphans_and_failed_applies)
{
	struct pw_isolation ghost = {
		.container_id = "0000000000000000000000000000000000000000000000000000000000000099",
		.path = "/gone",
		.hierarchy = 3,
		.cgroup_id = 99,
		.backend = "ft",
	};
	struct pw_container *a;
	struct world w;

	world_init(&w, "0-3");
	/* An isolation in the journal whose container is not on the node. */
	pw_journal_add(w.fake.b.journal, &ghost);
	pw_reconciler_adopt_journal(w.e);
	CHECK_INT(pw_journal_count(w.fake.b.journal), 0);
	CHECK_INT(w.fake.reverts, 1);
	/* An apply that fails is undone, and not tried again for the same CPUs. */
	w.fake.fail_apply = 1;
	a = start(&w, 1, "1", true);
	CHECK(!isolated(&w, a));
	CHECK_INT(w.metrics.errors, 1);
	move_cpus(&w, a, "1");
	CHECK_INT(w.fake.applies, 1);
	/* A full look tries again. */
	pw_reconciler_look_at_everything(w.e);
	pw_reconciler_run(w.e);
	CHECK(isolated(&w, a));
	world_free(&w);
}

UNIT_TEST(reconciler_tries_a_failed_layout_again_backing_off)
{
	struct world w;
	double now;

	world_init(&w, "0-3");
	/* The layout step fails twice (a busy cpuset), then works. */
	w.fake.fail_sync = 2;
	pw_reconciler_adopt_journal(w.e);
	CHECK_INT(w.fake.syncs, 1);
	CHECK_INT(w.metrics.errors, 1);
	now = pw_monotonic_ms();
	pw_reconciler_tick(w.e, now);
	CHECK_INT(w.fake.syncs, 1); /* not before its time */
	pw_reconciler_tick(w.e, now + 1500);
	CHECK_INT(w.fake.syncs, 2);
	CHECK_INT(w.metrics.errors, 2);
	pw_reconciler_tick(w.e, now + 1900);
	CHECK_INT(w.fake.syncs, 2); /* the second wait is longer */
	pw_reconciler_tick(w.e, now + 5000);
	CHECK_INT(w.fake.syncs, 3);
	/* Done: nothing more is tried. */
	pw_reconciler_tick(w.e, now + 100000);
	CHECK_INT(w.fake.syncs, 3);
	CHECK_INT(w.metrics.errors, 2);
	world_free(&w);
}

UNIT_TEST(reconciler_looks_only_at_what_overlaps)
{
	struct pw_container *a;
	struct world w;
	int applies;

	world_init(&w, "0-63");
	a = start(&w, 1, "5", true);
	for (int i = 0; i < 40; i++)
		start(&w, 100 + i, "6-63", false);
	applies = w.fake.applies;
	/* A change on CPUs a does not use leaves a alone: no revert, no re-apply. */
	move_cpus(&w, w.fx.c[10], "7");
	CHECK_INT(w.fake.applies, applies);
	CHECK_INT(w.fake.reverts, 0);
	CHECK(isolated(&w, a));
	world_free(&w);
}

UNIT_TEST(reconciler_keeps_nothing_for_containers_it_never_decides)
{
	struct pw_container *idle, *plain, *a;
	struct world w;

	world_init(&w, "0-3");
	idle = fx_container(&w.fx, 1, "/k/idle", "1", false);
	idle->populated = false; /* not running, not selected: nothing to keep */
	w.obs.container_changed(w.obs.ctx, idle, NULL);
	CHECK(idle->agent == NULL);
	plain = start(&w, 2, "2", false); /* running: it blocks others */
	CHECK(plain->agent != NULL);
	a = start(&w, 3, "3", true);
	CHECK(a->agent != NULL && isolated(&w, a));
	/* It exits: not counted any more, not selected... but isolated until the run reverts. */
	exit_container(&w, plain);
	CHECK(plain->agent == NULL);
	world_free(&w);
}

static struct pw_knob_wants *knobs_of(enum pw_knob k, const char *value)
{
	struct pw_knob_wants *w = calloc(1, sizeof(*w));

	snprintf(w->value[k], sizeof(w->value[k]), "%s", value);
	return w;
}

#define QOS(cpu) "sys/devices/system/cpu/cpu" #cpu "/power/pm_qos_resume_latency_us"

UNIT_TEST(reconciler_applies_knobs_while_the_cpus_are_its_own)
{
	struct pw_container *a, *b, *c;
	struct world w;

	world_init(&w, "0-3");
	world_tune(&w, "0-3");
	/* Knobs only (no balancing asked): the knobs, and no isolation. */
	a = fx_container(&w.fx, 1, "/kubepods/pod/1", "1", false);
	a->knobs = knobs_of(PW_KNOB_CSTATES, "disable");
	w.obs.container_changed(w.obs.ctx, a, NULL);
	pw_reconciler_run(w.e);
	CHECK(!isolated(&w, a));
	CHECK_STR(fx_get(w.kernel, QOS(1)), "n/a");
	CHECK_INT(pw_reconciler_hold_state(w.e, a, true), PW_HOLD_ISOLATED);
	/* Balancing and a knob. */
	b = fx_container(&w.fx, 2, "/kubepods/pod/2", "2", true);
	b->knobs = knobs_of(PW_KNOB_CSTATES, "max_latency:5");
	w.obs.container_changed(w.obs.ctx, b, NULL);
	pw_reconciler_run(w.e);
	CHECK(isolated(&w, b));
	CHECK_STR(fx_get(w.kernel, QOS(2)), "5");
	/* A selector's container gets --tune's knobs. */
	w.policy.nr_cgroups = 1;
	w.policy.cgroups[0] = "/kubepods/pod/3";
	snprintf(w.policy.tune.value[PW_KNOB_CSTATES], PW_KNOB_VALUE_LEN, "enable");
	c = start(&w, 3, "3", false);
	CHECK(isolated(&w, c));
	CHECK_INT(pw_journal_tuning_count(w.fake.b.journal), 3);
	/* a's CPU is shared now: its knob goes back, said as a refusal. */
	move_cpus(&w, b, "1-2");
	CHECK_STR(fx_get(w.kernel, QOS(1)), "0");
	CHECK_STR(fx_get(w.kernel, QOS(2)), "0");
	CHECK(!isolated(&w, b));
	/* b exits: a's CPU is its own again, the knob comes back. */
	exit_container(&w, b);
	CHECK_STR(fx_get(w.kernel, QOS(1)), "n/a");
	/* Removed: gone with it. */
	remove_container(&w, a);
	CHECK_STR(fx_get(w.kernel, QOS(1)), "0");
	CHECK_INT(pw_reconciler_revert_all(w.e, "test"), 0);
	CHECK_INT(pw_journal_tuning_count(w.fake.b.journal), 0);
	CHECK_INT(w.tuner.errors, 0);
	world_free(&w);
}
