/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The settings beyond load balancing a latency-critical container may ask
 * for, named and valued as CRI-O's annotations name them: IRQ affinity
 * (irq-load-balancing.crio.io), CFS quota (cpu-quota.crio.io), C-state
 * latency (cpu-c-states.crio.io) and the cpufreq governor
 * (cpu-freq-governor.crio.io). What a value means, and whether one is
 * valid: values come from annotations a container's author writes.
 */
#ifndef PW_KNOBS_H
#define PW_KNOBS_H

#include <stdbool.h>
#include <stddef.h>

enum pw_knob {
	PW_KNOB_IRQ,	  /* "disable": no device interrupt on the container's CPUs */
	PW_KNOB_QUOTA,	  /* "disable": no CFS quota for the container */
	PW_KNOB_CSTATES,  /* "disable", "enable" or "max_latency:US" */
	PW_KNOB_GOVERNOR, /* a cpufreq governor's name */
	PW_NR_KNOBS,
};

/* Long enough for "max_latency:2147483647" and any governor name the kernel has. */
#define PW_KNOB_VALUE_LEN 24

/* What one container asks for: "" for a knob it leaves alone. */
struct pw_knob_wants {
	char value[PW_NR_KNOBS][PW_KNOB_VALUE_LEN];
};

/* "irq-load-balancing", "cpu-quota", "cpu-c-states", "cpu-freq-governor". */
const char *pw_knob_name(enum pw_knob k);
/* The knob of name (as above, or its annotation with ".crio.io"), or -1. */
int pw_knob_by_name(const char *name);
/* "irq", "quota", "c_states", "governor": a metric label. */
const char *pw_knob_label(enum pw_knob k);

/* What the knobs hold now, for metrics. */
struct pw_knob_counts {
	unsigned long applied[PW_NR_KNOBS]; /* containers each knob is applied to */
	unsigned long irqs_moved;	    /* IRQs (and the default affinity) moved off */
	unsigned long irqs_unmovable;	    /* IRQs the kernel would not move */
	unsigned long errors;		    /* failed applies and reverts */
};

/*
 * Whether value is one knob k accepts; *why says what is wrong with it
 * (a static string) when it is not.
 */
bool pw_knob_value_valid(enum pw_knob k, const char *value, const char **why);

/*
 * Parse "NAME=VALUE" (an agent's --tune) into wants; -EINVAL with a
 * message naming the input when either part is wrong.
 */
int pw_knob_parse_setting(const char *setting, struct pw_knob_wants *wants);

/* Whether wants asks for anything. */
bool pw_knob_wants_any(const struct pw_knob_wants *wants);

/* Add what from asks for to to; a knob both set keeps to's. */
void pw_knob_wants_merge(struct pw_knob_wants *to, const struct pw_knob_wants *from);

/*
 * The value the c-states knob writes to pm_qos_resume_latency_us: "n/a" for
 * "disable" (no wake-up latency accepted: no idle state deeper than
 * polling), "0" for "enable" (no constraint), the number for
 * "max_latency:US".
 */
void pw_knob_cstates_value(const char *wanted, char *buf, size_t size);

#endif /* PW_KNOBS_H */
