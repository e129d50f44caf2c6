/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The agent's decision, whole, in one place: which containers are selected
 * (CRI-O's annotation, the operator's selectors) and whether a selected one
 * is isolated now (running, its CPUs its own, none reserved, and at least
 * one CPU left for the host). Pure: the facts come in, a verdict goes out.
 */
#ifndef PW_POLICY_H
#define PW_POLICY_H

#include <stdbool.h>

#include "container.h"
#include "cpulist.h"
#include "knobs.h"

#define PW_MAX_SELECTORS 32

struct pw_policy {
	const char *pods[PW_MAX_SELECTORS]; /* "NS/POD" or "NS/POD/CONTAINER" globs */
	int nr_pods;
	const char *cgroups[PW_MAX_SELECTORS]; /* cgroup path globs */
	int nr_cgroups;
	bool all_exclusive; /* every container with exclusive CPUs */
	struct pw_knob_wants
		tune;		 /* what the selectors' containers get beyond balancing (--tune) */
	struct pw_cpus reserved; /* never isolated: the host's housekeeping CPUs */
};

/* Add a selector; -EINVAL (said once) when there are too many. */
int pw_policy_add(const char **list, int *nr, const char *glob, const char *flag);

/*
 * The rule that selects c for anything (static text naming it): load
 * balancing or a knob; NULL when none does. Only workloads in root's own
 * cgroups are ever selected.
 */
const char *pw_policy_selected(const struct pw_policy *p, const struct pw_container *c);

/*
 * What a selected c asks for: whether its CPUs leave load balancing (its
 * annotation, or a selector), returned, and in *knobs the knobs (its
 * annotations, and --tune's when a selector names it; an annotation wins).
 */
bool pw_policy_wants(const struct pw_policy *p, const struct pw_container *c,
		     struct pw_knob_wants *knobs);

/*
 * Whether c takes part in exclusivity: a workload (not conmon, not a pod
 * sandbox) that is running and whose CPUs are known. An exited container
 * whose cgroup lingers holds no CPU.
 */
bool pw_policy_counts(const struct pw_container *c);

/*
 * Whether c's CPUs are its own (what ps shows): known, not empty, none
 * reserved, and no other counted container (sharer) on them.
 */
bool pw_policy_exclusive(const struct pw_policy *p, const struct pw_container *c,
			 const struct pw_container *sharer);

enum pw_verdict_kind {
	PW_BALANCED, /* not isolated, nothing to say */
	PW_ISOLATE,  /* isolated */
	PW_REFUSED,  /* selected, but refused: said once per container and reason */
};

enum pw_refusal {
	PW_REFUSE_NONE,
	PW_REFUSE_SHARED,     /* another running workload shares its CPUs */
	PW_REFUSE_RESERVED,   /* it holds a reserved CPU */
	PW_REFUSE_LAST_CPUS,  /* isolating it would leave the host no CPU to balance */
	PW_REFUSE_NOT_ONLINE, /* it names CPUs the host does not have */
};

struct pw_verdict {
	enum pw_verdict_kind kind;
	const char *why; /* the selecting rule (isolate, refuse); why not (balanced) */
	enum pw_refusal refusal;
	const struct pw_container *other; /* shares its CPUs (PW_REFUSE_SHARED) */
};

/* The facts one decision needs. */
struct pw_decision {
	const struct pw_container *c;
	const char *selected;		       /* pw_policy_selected(c), which the caller caches */
	const struct pw_container *sharer;     /* another counted container on its CPUs, or NULL */
	const struct pw_cpus *host;	       /* the CPUs of the cpuset root */
	const struct pw_cpus *isolated_others; /* CPUs isolated for other containers */
};

void pw_policy_decide(const struct pw_policy *p, const struct pw_decision *d, struct pw_verdict *v);

/* A refusal as words: "its CPUs are shared with", ... */
const char *pw_refusal_text(enum pw_refusal r);
/* A refusal as a metric label: "shared", "reserved", ... */
const char *pw_refusal_label(enum pw_refusal r);

#endif /* PW_POLICY_H */
