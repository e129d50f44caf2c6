// SPDX-License-Identifier: GPL-2.0-only
/* The agent's isolation decision: selection, then whether the CPUs can be given. */
#include "policy.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

int pw_policy_add(const char **list, int *nr, const char *glob, const char *flag)
{
	if (*nr == PW_MAX_SELECTORS) {
		pw_err("too many %s selectors: at most %d", flag, PW_MAX_SELECTORS);
		return -EINVAL;
	}
	list[(*nr)++] = glob;
	return 0;
}

/* "NS/POD" matches the pod; "NS/POD/CONTAINER" one container of it. */
static bool pod_selected(const char *glob, const struct pw_container *c)
{
	char name[3 * 256 + 3];
	const char *slash = strchr(glob, '/');
	bool with_container = slash && strchr(slash + 1, '/');

	if (!c->pod)
		return false;
	if (with_container)
		snprintf(name, sizeof(name), "%s/%s/%s", c->namespace ? c->namespace : "", c->pod,
			 c->name ? c->name : "");
	else
		snprintf(name, sizeof(name), "%s/%s", c->namespace ? c->namespace : "", c->pod);
	return fnmatch(glob, name, FNM_PATHNAME) == 0;
}

/* The operator's selector that names c, or NULL. */
static const char *selector(const struct pw_policy *p, const struct pw_container *c)
{
	for (int i = 0; i < p->nr_pods; i++)
		if (pod_selected(p->pods[i], c))
			return "--select-pod";
	for (int i = 0; i < p->nr_cgroups; i++)
		if (fnmatch(p->cgroups[i], c->cg->path, 0) == 0)
			return "--select-cgroup";
	if (p->all_exclusive)
		return "--select-exclusive";
	return NULL;
}

const char *pw_policy_selected(const struct pw_policy *p, const struct pw_container *c)
{
	const char *rule;

	if (!c->workload)
		return NULL; /* conmon or a pod sandbox: never */
	/* A user's own cgroup (a delegated subtree) may wear any name: never. */
	if (!c->root_owned)
		return NULL;
	if (c->lb_disable)
		return "annotation cpu-load-balancing.crio.io: disable";
	rule = selector(p, c);
	if (rule)
		return rule;
	return c->knobs ? "annotations *.crio.io" : NULL;
}

bool pw_policy_wants(const struct pw_policy *p, const struct pw_container *c,
		     struct pw_knob_wants *knobs)
{
	bool by_selector = selector(p, c) != NULL;

	memset(knobs, 0, sizeof(*knobs));
	if (c->knobs)
		*knobs = *c->knobs;
	if (by_selector)
		pw_knob_wants_merge(knobs, &p->tune);
	return c->lb_disable || by_selector;
}

bool pw_policy_counts(const struct pw_container *c)
{
	/*
	 * A cgroup a user may make (a delegated subtree) is named like a
	 * container at will: it never shares, so it never vetoes one.
	 */
	return c->workload && c->root_owned && c->populated && c->cg->cpus &&
	       !pw_cpus_empty(&c->cg->cpus->cpus);
}

bool pw_policy_exclusive(const struct pw_policy *p, const struct pw_container *c,
			 const struct pw_container *sharer)
{
	return c->cg->cpus && !pw_cpus_empty(&c->cg->cpus->cpus) && !sharer &&
	       !pw_cpus_intersects(&c->cg->cpus->cpus, &p->reserved);
}

void pw_policy_decide(const struct pw_policy *p, const struct pw_decision *d, struct pw_verdict *v)
{
	const struct pw_container *c = d->c;
	struct pw_cpus left;

	memset(v, 0, sizeof(*v));
	v->kind = PW_BALANCED;
	if (!d->selected) {
		v->why = "not selected";
		return;
	}
	if (!c->populated) {
		v->why = "its last task exited";
		return;
	}
	if (!c->cg->cpus || pw_cpus_empty(&c->cg->cpus->cpus)) {
		v->why = "its CPUs are unknown";
		return;
	}
	/*
	 * A cgroup2 container that wrote no cpuset.cpus runs on its parent's
	 * CPUs: nothing of its own to isolate. Its runtime moves its first
	 * task in before it pins it: a refusal then would be said of a moment.
	 */
	if (!c->cpus || pw_cpus_empty(&c->cpus->cpus)) {
		v->why = "it is not pinned (its cpuset.cpus is empty)";
		return;
	}
	v->why = d->selected;
	v->kind = PW_REFUSED;
	if (!pw_cpus_subset(&c->cg->cpus->cpus, d->host))
		v->refusal = PW_REFUSE_NOT_ONLINE;
	else if (pw_cpus_intersects(&c->cg->cpus->cpus, &p->reserved))
		v->refusal = PW_REFUSE_RESERVED;
	else if (d->sharer)
		v->refusal = PW_REFUSE_SHARED;
	if (v->refusal) {
		v->other = d->sharer;
		return;
	}
	/* Never ask the kernel for what it refuses: the host keeps a CPU to balance. */
	left = *d->host;
	pw_cpus_andnot(&left, d->isolated_others);
	pw_cpus_andnot(&left, &c->cg->cpus->cpus);
	if (pw_cpus_empty(&left)) {
		v->refusal = PW_REFUSE_LAST_CPUS;
		return;
	}
	v->kind = PW_ISOLATE;
}

static const struct {
	const char *text, *label;
} refusals[] = {
	[PW_REFUSE_NONE] = { "", "none" },
	[PW_REFUSE_SHARED] = { "its CPUs are shared with another running container", "shared" },
	[PW_REFUSE_RESERVED] = { "it holds a reserved CPU (--reserved)", "reserved" },
	[PW_REFUSE_LAST_CPUS] = { "it would leave the host no CPU to balance (use --reserved "
				  "for the host's CPUs)",
				  "last_cpus" },
	[PW_REFUSE_NOT_ONLINE] = { "it names CPUs the host does not have", "not_online" },
};

const char *pw_refusal_text(enum pw_refusal r)
{
	return refusals[r].text;
}

const char *pw_refusal_label(enum pw_refusal r)
{
	return refusals[r].label;
}
