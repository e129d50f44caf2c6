// SPDX-License-Identifier: GPL-2.0-only
/* The knobs' names and the values each accepts: the one place that knows them. */
#include "knobs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "log.h"

static const struct {
	const char *name, *label;
} knobs[PW_NR_KNOBS] = {
	[PW_KNOB_IRQ] = { "irq-load-balancing", "irq" },
	[PW_KNOB_QUOTA] = { "cpu-quota", "quota" },
	[PW_KNOB_CSTATES] = { "cpu-c-states", "c_states" },
	[PW_KNOB_GOVERNOR] = { "cpu-freq-governor", "governor" },
};

#define ANNOTATION_SUFFIX ".crio.io"
#define MAX_LATENCY_PREFIX "max_latency:"

const char *pw_knob_name(enum pw_knob k)
{
	return knobs[k].name;
}

const char *pw_knob_label(enum pw_knob k)
{
	return knobs[k].label;
}

int pw_knob_by_name(const char *name)
{
	for (int k = 0; k < PW_NR_KNOBS; k++) {
		size_t len = strlen(knobs[k].name);

		if (!strncmp(name, knobs[k].name, len) &&
		    (!name[len] || !strcmp(name + len, ANNOTATION_SUFFIX)))
			return k;
	}
	return -1;
}

/* A decimal number of 1 to 10 digits, 1 to the s32 maximum: CRI-O refuses 0 ("enable" says it). */
static bool valid_latency(const char *s)
{
	char *end;
	long long v;

	if (!*s || strlen(s) > 10 || strspn(s, "0123456789") != strlen(s))
		return false;
	v = strtoll(s, &end, 10);
	return !*end && v >= 1 && v <= 0x7fffffff;
}

/* A governor's name as cpufreq has them: lowercase letters, digits, '_' and '-'. */
static bool valid_governor(const char *s)
{
	size_t len = strlen(s);

	return len > 0 && len < 16 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == len;
}

bool pw_knob_value_valid(enum pw_knob k, const char *value, const char **why)
{
	switch (k) {
	case PW_KNOB_IRQ:
		*why = "values are \"disable\" and \"housekeeping\"";
		return !strcmp(value, "disable") || !strcmp(value, "housekeeping");
	case PW_KNOB_QUOTA:
		*why = "the only value is \"disable\"";
		return !strcmp(value, "disable");
	case PW_KNOB_CSTATES:
		*why = "values are \"disable\", \"enable\" and \"max_latency:US\" (1 to 2147483647)";
		return !strcmp(value, "disable") || !strcmp(value, "enable") ||
		       (!strncmp(value, MAX_LATENCY_PREFIX, strlen(MAX_LATENCY_PREFIX)) &&
			valid_latency(value + strlen(MAX_LATENCY_PREFIX)));
	case PW_KNOB_GOVERNOR:
		*why = "a governor's name is 1 to 15 of a-z, 0-9, '_' and '-'";
		return valid_governor(value);
	default:
		*why = "no such knob";
		return false;
	}
}

int pw_knob_parse_setting(const char *setting, struct pw_knob_wants *wants)
{
	const char *eq = strchr(setting, '='), *why = "it is too long";
	char name[32];
	int k;

	if (!eq || (size_t)(eq - setting) >= sizeof(name)) {
		pw_err("bad --tune %s: it is NAME=VALUE (irq-load-balancing=disable, "
		       "cpu-quota=disable, cpu-c-states=..., cpu-freq-governor=...)",
		       PW_Q(setting));
		return -EINVAL;
	}
	snprintf(name, sizeof(name), "%.*s", (int)(eq - setting), setting);
	k = pw_knob_by_name(name);
	if (k < 0) {
		pw_err("bad --tune %s: no knob %s (irq-load-balancing, cpu-quota, cpu-c-states, "
		       "cpu-freq-governor)",
		       PW_Q(setting), PW_Q(name));
		return -EINVAL;
	}
	if (strlen(eq + 1) >= PW_KNOB_VALUE_LEN || !pw_knob_value_valid(k, eq + 1, &why)) {
		pw_err("bad --tune %s: %s", PW_Q(setting), why);
		return -EINVAL;
	}
	snprintf(wants->value[k], sizeof(wants->value[k]), "%s", eq + 1);
	return 0;
}

bool pw_knob_wants_any(const struct pw_knob_wants *wants)
{
	for (int k = 0; k < PW_NR_KNOBS; k++)
		if (wants->value[k][0])
			return true;
	return false;
}

void pw_knob_wants_merge(struct pw_knob_wants *to, const struct pw_knob_wants *from)
{
	for (int k = 0; k < PW_NR_KNOBS; k++)
		if (!to->value[k][0])
			memcpy(to->value[k], from->value[k], sizeof(to->value[k]));
}

void pw_knob_cstates_value(const char *wanted, char *buf, size_t size)
{
	if (!strcmp(wanted, "disable"))
		snprintf(buf, size, "n/a");
	else if (!strncmp(wanted, MAX_LATENCY_PREFIX, strlen(MAX_LATENCY_PREFIX)))
		snprintf(buf, size, "%s", wanted + strlen(MAX_LATENCY_PREFIX));
	else
		snprintf(buf, size, "0");
}
