// SPDX-License-Identifier: GPL-2.0-only
/* The policy: selection, and the verdict from the facts. */
#include <errno.h>

#include "fixtures.h"
#include "policy.h"
#include "unit.h"

UNIT_TEST(policy_is_safe_by_default)
{
	struct pw_policy p = {};
	struct fx fx;
	struct pw_container *c;

	fx_init(&fx);
	c = fx_container(&fx, 1, "/k/p/c", "1", false);
	CHECK(pw_policy_selected(&p, c) == NULL);
	c->pod = strdup("dpdk-0");
	CHECK(pw_policy_selected(&p, c) == NULL);
	c->lb_disable = true;
	CHECK(pw_policy_selected(&p, c) != NULL);
	c->workload = false; /* conmon or a pod sandbox: never */
	CHECK(pw_policy_selected(&p, c) == NULL);
	c->workload = true;
	c->root_owned = false; /* a user's delegated cgroup, whatever its name */
	CHECK(pw_policy_selected(&p, c) == NULL);
	p.all_exclusive = true;
	CHECK(pw_policy_selected(&p, c) == NULL);
	fx_free(&fx);
}

UNIT_TEST(policy_selectors)
{
	struct pw_policy p = {};
	struct pw_container *c;
	struct fx fx;

	fx_init(&fx);
	c = fx_container(&fx, 1, "/k/p/c", "1", false);
	c->namespace = strdup("telco");
	c->pod = strdup("dpdk-0");
	c->name = strdup("fwd");
	CHECK_INT(pw_policy_add(p.pods, &p.nr_pods, "telco/dpdk-*", "--select-pod"), 0);
	CHECK_STR(pw_policy_selected(&p, c), "--select-pod");
	p.pods[0] = "telco/dpdk-0/other";
	CHECK(pw_policy_selected(&p, c) == NULL);
	p.pods[0] = "telco/dpdk-0/fwd";
	CHECK_STR(pw_policy_selected(&p, c), "--select-pod");
	p.nr_pods = 0;
	CHECK_INT(pw_policy_add(p.cgroups, &p.nr_cgroups, "/k/*/c", "--select-cgroup"), 0);
	CHECK_STR(pw_policy_selected(&p, c), "--select-cgroup");
	for (int i = 1; i < PW_MAX_SELECTORS; i++)
		CHECK_INT(pw_policy_add(p.cgroups, &p.nr_cgroups, "x", "--select-cgroup"), 0);
	CHECK_INT(pw_policy_add(p.cgroups, &p.nr_cgroups, "x", "--select-cgroup"), -EINVAL);
	fx_free(&fx);
}

/* Decide for c with the given facts. */
static struct pw_verdict verdict(const struct pw_policy *p, const struct pw_container *c,
				 const struct pw_container *sharer, const char *host,
				 const char *others)
{
	struct pw_cpus h = fx_cpus(host), o = fx_cpus(others);
	struct pw_decision d = {
		.c = c,
		.selected = pw_policy_selected(p, c),
		.sharer = sharer,
		.host = &h,
		.isolated_others = &o,
	};
	struct pw_verdict v;

	pw_policy_decide(p, &d, &v);
	return v;
}

UNIT_TEST(policy_verdicts)
{
	struct pw_policy p = {};
	struct pw_container *a, *b;
	const struct pw_cpuset *own;
	struct pw_verdict v;
	struct pw_cpus none;
	struct fx fx;

	fx_init(&fx);
	a = fx_container(&fx, 1, "/k/p/a", "1", true);
	b = fx_container(&fx, 2, "/k/p/b", "1", true);
	v = verdict(&p, a, NULL, "0-3", "");
	CHECK_INT(v.kind, PW_ISOLATE);
	CHECK_STR(v.why, "annotation cpu-load-balancing.crio.io: disable");
	/* Sharing a CPU with another running workload: refused, naming it. */
	v = verdict(&p, a, b, "0-3", "");
	CHECK_INT(v.kind, PW_REFUSED);
	CHECK_INT(v.refusal, PW_REFUSE_SHARED);
	CHECK(v.other == b);
	/* Not running: nothing to isolate, nothing to refuse. */
	a->populated = false;
	CHECK_INT(verdict(&p, a, NULL, "0-3", "").kind, PW_BALANCED);
	a->populated = true;
	/*
	 * cgroup2, the first task moved in before cpuset.cpus is written: its
	 * parent's CPUs are not its own. Balanced, quietly, not refused.
	 */
	own = a->cpus;
	none = fx_cpus("");
	a->cpus = pw_cpuset_get(&fx.pool, &none);
	v = verdict(&p, a, NULL, "0-3", "");
	CHECK_INT(v.kind, PW_BALANCED);
	CHECK_STR(v.why, "it is not pinned (its cpuset.cpus is empty)");
	pw_cpuset_put(&fx.pool, a->cpus);
	a->cpus = own;
	/* A reserved CPU. */
	p.reserved = fx_cpus("1");
	CHECK_INT(verdict(&p, a, NULL, "0-3", "").refusal, PW_REFUSE_RESERVED);
	pw_cpus_clear(&p.reserved);
	/* The last CPU the host could balance: never asked of the kernel. */
	v = verdict(&p, a, NULL, "0-1", "0");
	CHECK_INT(v.kind, PW_REFUSED);
	CHECK_INT(v.refusal, PW_REFUSE_LAST_CPUS);
	pw_cpuset_put(&fx.pool, fx_set_cpus(&fx, a, "0-1"));
	CHECK_INT(verdict(&p, a, NULL, "0-1", "").refusal, PW_REFUSE_LAST_CPUS);
	/* CPUs the host does not have. */
	pw_cpuset_put(&fx.pool, fx_set_cpus(&fx, a, "7"));
	CHECK_INT(verdict(&p, a, NULL, "0-3", "").refusal, PW_REFUSE_NOT_ONLINE);
	/* Not selected: balanced, whatever else holds. */
	a->lb_disable = false;
	CHECK_INT(verdict(&p, a, b, "0-3", "").kind, PW_BALANCED);
	fx_free(&fx);
}

UNIT_TEST(policy_who_counts_and_exclusive)
{
	struct pw_policy p = {};
	struct pw_container *a, *b;
	struct fx fx;

	fx_init(&fx);
	a = fx_container(&fx, 1, "/k/p/a", "1", false);
	b = fx_container(&fx, 2, "/k/p/b", "1", false);
	CHECK(pw_policy_counts(a));
	b->populated = false; /* exited, its cgroup lingers: holds no CPU */
	CHECK(!pw_policy_counts(b));
	b->populated = true;
	b->workload = false; /* a pod sandbox */
	CHECK(!pw_policy_counts(b));
	b->workload = true;
	b->root_owned = false; /* a user's cgroup named like a container: never shares */
	CHECK(!pw_policy_counts(b));
	b->workload = false;
	CHECK(pw_policy_exclusive(&p, a, NULL));
	CHECK(!pw_policy_exclusive(&p, a, b));
	p.reserved = fx_cpus("1");
	CHECK(!pw_policy_exclusive(&p, a, NULL));
	fx_free(&fx);
}
