// SPDX-License-Identifier: GPL-2.0-only
/* `pinwatch ps`: scan the node, print every container, its CPUs and isolation. */
#include "ps.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "cpu_index.h"
#include "cpulist.h"
#include "escape.h"
#include "format.h"
#include "identity.h"
#include "journal.h"
#include "json_writer.h"
#include "log.h"
#include "node.h"
#include "parse.h"
#include "clock.h"
#include "json_reader.h"
#include "privileges.h"
#include "policy.h"
#include "quiet.h"
#include "safe_file.h"
#include "table.h"

static const char usage[] =
	"Usage: pinwatch ps [OPTIONS]\n"
	"\n"
	"List the containers on this node (from the cgroup hierarchies and the\n"
	"runtimes' own state) with their CPUs and whether those CPUs are theirs alone.\n"
	"\n"
	"Options:\n"
	"  -j, --json             one JSON object per line (schema: docs/CONTAINERS.md)\n"
	"  -w, --wide             full container ids, and each container's cgroup path\n"
	"      --reserved CPULIST CPUs kept for the host: never counted as exclusive\n"
	"      --state-dir DIR    the agent's journal, to show isolation (default\n"
	"                         /run/pinwatch)\n"
	"  -h, --help             show this help\n"
	"\n"
	"Examples:\n"
	"  pinwatch ps\n"
	"  pinwatch ps --json --reserved 0-1\n";

enum { OPT_RESERVED = 256, OPT_STATE_DIR };

static const struct option long_options[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "wide", no_argument, NULL, 'w' },
	{ "reserved", required_argument, NULL, OPT_RESERVED },
	{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
	{ "help", no_argument, NULL, 'h' },
	{},
};

struct ps {
	struct pw_policy policy; /* only its reserved CPUs matter here */
	struct pw_journal *journal;
	struct pw_cpu_index index;
	struct pw_container **items;
	size_t len, cap;
	bool wide;		 /* full ids, and a CGROUP column */
	const char *unsupported; /* why this kernel cannot disable load balancing, or NULL */
	json_object *noise;	 /* the agent's noise.json (agent --noise), when fresh */
};

/* The agent's noise.json, when an agent with --noise wrote it within PW_QUIET_FRESH_MS. */
static json_object *read_noise(const char *state_dir)
{
	char path[4096], *buf;
	const char *why;
	json_object *root, *when;
	size_t len;

	snprintf(path, sizeof(path), "%s/%s", state_dir, PW_QUIET_FILE);
	if (pw_read_trusted_file(path, 1 << 20, &buf, &len, &why))
		return NULL;
	root = pw_json_parse_object(buf, len, 6, &why);
	free(buf);
	if (root && (!json_object_object_get_ex(root, "monotonic_ms", &when) ||
		     pw_monotonic_ms() - json_object_get_double(when) > PW_QUIET_FRESH_MS)) {
		json_object_put(root);
		root = NULL; /* the agent that wrote it is gone, or stopped counting */
	}
	return root;
}

/* c's entry in noise.json, or NULL. */
static json_object *noise_of(const struct ps *ps, const struct pw_container *c)
{
	json_object *list, *item, *v;
	int64_t hierarchy, id;

	if (!ps->noise || !json_object_object_get_ex(ps->noise, "containers", &list) ||
	    !json_object_is_type(list, json_type_array))
		return NULL;
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		item = json_object_array_get_idx(list, i);
		if (json_object_is_type(item, json_type_object) &&
		    pw_json_member_int(item, "hierarchy", &hierarchy) &&
		    pw_json_member_int(item, "cgroup_id", &id) && hierarchy == c->cg->hierarchy &&
		    (uint64_t)id == c->cg->id &&
		    json_object_object_get_ex(item, "intrusions_per_s", &v))
			return item;
	}
	return NULL;
}

static double noise_rate(const struct ps *ps, const struct pw_container *c)
{
	json_object *n = noise_of(ps, c), *v;

	return n && json_object_object_get_ex(n, "intrusions_per_s", &v) ?
		       json_object_get_double(v) :
		       -1;
}

/* "noise": the agent's counts for c's CPUs (agent --noise), or null. */
static void noise_json(const struct ps *ps, const struct pw_container *c, struct pw_json *j)
{
	static const char *const counts[] = { "task_switches", "kthread_switches", "irqs",
					      "softirqs",      "task_ns",	   "kthread_ns" };
	json_object *n = noise_of(ps, c), *v, *top;
	int64_t x;

	if (!n) {
		pw_json_null(j, "noise");
		return;
	}
	pw_json_object_begin(j, "noise");
	pw_json_double(j, "intrusions_per_s", noise_rate(ps, c));
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		if (pw_json_member_int(n, counts[i], &x))
			pw_json_int(j, counts[i], x);
	pw_json_array_begin(j, "top");
	if (json_object_object_get_ex(n, "top", &top) && json_object_is_type(top, json_type_array))
		for (size_t i = 0; i < json_object_array_length(top); i++) {
			json_object *t = json_object_array_get_idx(top, i);

			if (!json_object_is_type(t, json_type_object))
				continue;
			pw_json_object_begin(j, NULL);
			pw_json_string(j, "kind", pw_json_member_str(t, "kind"));
			pw_json_string(j, "comm", pw_json_member_str(t, "comm"));
			if (pw_json_member_int(t, "pid", &x))
				pw_json_int(j, "pid", x);
			if (pw_json_member_int(t, "cpu", &x))
				pw_json_int(j, "cpu", x);
			if (json_object_object_get_ex(t, "switches_per_s", &v))
				pw_json_double(j, "switches_per_s", json_object_get_double(v));
			pw_json_object_end(j);
		}
	pw_json_array_end(j);
	pw_json_object_end(j);
}

/* The agent's backend isolating c ("v1", "v2"), or NULL. */
static const char *isolated_by(const struct ps *ps, const struct pw_container *c)
{
	const struct pw_isolation *iso = pw_journal_find(ps->journal, c->cg->hierarchy, c->cg->id);

	return iso ? iso->backend : NULL;
}

/*
 * The ISOLATED column: the backend that isolated it, "n/a" for an opted-in
 * container this kernel cannot take out of load balancing (why: after the
 * table), or "-".
 */
static const char *isolated_cell(const struct ps *ps, const struct pw_container *c)
{
	const char *by = isolated_by(ps, c);

	if (by)
		return by;
	return c->lb_disable && ps->unsupported ? "n/a" : "-";
}

static int collect(struct pw_container *c, void *arg)
{
	struct ps *ps = arg;

	if (ps->len == ps->cap) {
		size_t cap = ps->cap ? ps->cap * 2 : 64;
		struct pw_container **items = realloc(ps->items, cap * sizeof(*items));

		if (!items)
			return -ENOMEM;
		ps->items = items;
		ps->cap = cap;
	}
	ps->items[ps->len++] = c;
	/* The same rule as the agent's: who counts against exclusivity. */
	if (pw_policy_counts(c) && !pw_cpu_index_add(&ps->index, c, &c->cg->cpus->cpus))
		return -ENOMEM;
	return 0;
}

static int strcmp_null(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

/* Namespace, pod and container name first, then the path: stable output. */
static int by_name(const void *a, const void *b)
{
	const struct pw_container *x = *(struct pw_container *const *)a,
				  *y = *(struct pw_container *const *)b;
	int d = strcmp_null(x->namespace, y->namespace);

	if (!d)
		d = strcmp_null(x->pod, y->pod);
	if (!d)
		d = strcmp_null(x->name, y->name);
	return d ? d : strcmp(x->cg->path, y->cg->path);
}

static void cpus_text(const struct pw_cpuset *set, char *buf, size_t size)
{
	if (set)
		pw_cpus_format(&set->cpus, buf, size);
	else
		buf[0] = '\0';
}

static void print_json(struct ps *ps, const struct pw_container *c)
{
	const struct pw_container *other =
		c->cg->cpus ? pw_cpu_index_other(&ps->index, c, &c->cg->cpus->cpus) : NULL;
	char cpus[PW_CPULIST_LEN], effective[PW_CPULIST_LEN];
	struct pw_json j;

	cpus_text(c->cpus, cpus, sizeof(cpus));
	cpus_text(c->cg->cpus, effective, sizeof(effective));
	pw_json_init(&j, stdout);
	pw_json_object_begin(&j, NULL);
	pw_json_string(&j, "container_id", c->id);
	pw_json_string(&j, "runtime", c->engine ? c->engine : c->oci_runtime);
	pw_json_string(&j, "oci_runtime", c->oci_runtime);
	pw_json_string(&j, "pod", c->pod);
	pw_json_string(&j, "namespace", c->namespace);
	pw_json_string(&j, "container", c->name);
	pw_json_string(&j, "pod_uid", c->pod_uid);
	pw_json_string(&j, "qos", c->qos);
	pw_json_string(&j, "path", c->cg->path);
	pw_json_int(&j, "hierarchy", c->cg->hierarchy);
	pw_json_uint(&j, "cgroup_id", c->cg->id);
	pw_json_bool(&j, "workload", c->workload);
	pw_json_bool(&j, "running", c->populated);
	pw_json_string(&j, "cpus", c->cpus ? cpus : NULL);
	pw_json_string(&j, "cpus_effective", c->cg->cpus ? effective : NULL);
	pw_json_bool(&j, "exclusive", pw_policy_exclusive(&ps->policy, c, other));
	pw_json_string(&j, "shares_cpus_with", other ? other->id : NULL);
	pw_json_bool(&j, "opted_in", c->lb_disable);
	pw_json_bool(&j, "root_owned", c->root_owned);
	pw_json_string(&j, "isolated", isolated_by(ps, c));
	noise_json(ps, c, &j);
	/* Opted in, on a kernel that cannot take its CPUs out of load balancing: why. */
	pw_json_string(&j, "balancing_unsupported", c->lb_disable ? ps->unsupported : NULL);
	/* What its annotations ask for beyond balancing, and what the agent applied. */
	pw_json_object_begin(&j, "knobs_asked");
	for (int k = 0; c->knobs && k < PW_NR_KNOBS; k++)
		if (c->knobs->value[k][0])
			pw_json_string(&j, pw_knob_name(k), c->knobs->value[k]);
	pw_json_object_end(&j);
	pw_json_object_begin(&j, "knobs_applied");
	for (int k = 0; k < PW_NR_KNOBS; k++) {
		const struct pw_tuning *t =
			pw_journal_find_tuning(ps->journal, c->cg->hierarchy, c->cg->id, k);

		if (t)
			pw_json_string(&j, pw_knob_name(k), t->value);
	}
	pw_json_object_end(&j);
	pw_json_object_end(&j);
}

static void print_row(struct ps *ps, const struct pw_container *c)
{
	const struct pw_container *other =
		c->cg->cpus ? pw_cpu_index_other(&ps->index, c, &c->cg->cpus->cpus) : NULL;
	char short_id[PW_SHORT_ID_LEN + 1], cpus[PW_CPULIST_LEN], noise[32] = "-";

	snprintf(short_id, sizeof(short_id), "%.*s", PW_SHORT_ID_LEN, c->id);
	cpus_text(c->cg->cpus, cpus, sizeof(cpus));
	if (ps->wide)
		pw_table_cell_str(stdout, c->id, PW_CONTAINER_ID_LEN);
	else
		pw_table_cell_str(stdout, short_id, PW_SHORT_ID_LEN);
	pw_table_cell_str(stdout, c->engine ? c->engine : c->oci_runtime, 10);
	pw_table_cell_str(stdout, c->namespace, 15);
	pw_table_cell_str(stdout, c->pod, 20);
	pw_table_cell_str(stdout, c->name, 12);
	pw_table_cell_str(stdout, cpus, 10);
	printf("%-4s ", !c->cg->cpus				   ? "-" :
			pw_policy_exclusive(&ps->policy, c, other) ? "yes" :
								     "no");
	pw_table_cell_str(stdout, isolated_cell(ps, c), 8);
	if (noise_rate(ps, c) >= 0)
		snprintf(noise, sizeof(noise), "%.1f", noise_rate(ps, c));
	if (ps->wide) {
		pw_table_cell_str(stdout, noise, 8);
		/* The last column: whole, escaped. */
		pw_text_escape(stdout, c->cg->path, c->cg->path_len);
		putchar('\n');
	} else {
		printf("%s\n", noise);
	}
}

int cmd_ps(int argc, char **argv)
{
	const struct pw_node_config node_cfg = {};
	const char *state_dir = PW_DEFAULT_STATE_DIR, *why;
	struct pw_node *node = NULL;
	struct ps ps = {};
	bool json = false, unsupported_shown = false;
	int opt, err;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":jwh", long_options, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'w':
			ps.wide = true;
			break;
		case OPT_RESERVED:
			if (pw_cpus_parse(optarg, strlen(optarg), &ps.policy.reserved, &why)) {
				pw_err("invalid --reserved '%s': %s", PW_Q(optarg), why);
				return 2;
			}
			break;
		case OPT_STATE_DIR:
			state_dir = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			pw_bad_option(opt, argv, "ps");
			return 2;
		}
	}
	if (pw_no_operands(argc, argv, "ps"))
		return 2;

	/*
	 * Root's uid is all it needs (the files it reads are root's), and,
	 * held, reading runtime state in root-only directories.
	 */
	if (geteuid() == 0 && pw_drop_privileges(0, PW_CAPS_READ_STATE, 0))
		return 1;
	pw_cpu_index_init(&ps.index);
	/* No journal (no agent ran) shows nothing isolated; a broken one is named. */
	err = pw_journal_open(&ps.journal, state_dir, PW_JOURNAL_READ);
	if (!err)
		err = pw_node_open(&node, &node_cfg);
	if (err)
		goto cleanup;
	pw_node_scan(node);
	{
		const struct pw_backend_ops *ops;

		if (!pw_backend_choose(pw_node_mounts(node), "auto", &ops))
			ps.unsupported = pw_backend_unsupported(ops, pw_node_mounts(node));
	}
	err = pw_node_for_each_container(node, collect, &ps);
	if (err) {
		pw_err("cannot list containers: %s", strerror(-err));
		goto cleanup;
	}
	qsort(ps.items, ps.len, sizeof(*ps.items), by_name);
	ps.noise = read_noise(state_dir);
	if (!json && ps.wide)
		printf("%-*s %-10s %-15s %-20s %-12s %-10s %-4s %-8s %-8s %s\n",
		       PW_CONTAINER_ID_LEN, "CONTAINER", "RUNTIME", "NAMESPACE", "POD", "NAME",
		       "CPUS", "EXCL", "ISOLATED", "NOISE/S", "CGROUP");
	else if (!json)
		printf("%-12s %-10s %-15s %-20s %-12s %-10s %-4s %-8s %s\n", "CONTAINER", "RUNTIME",
		       "NAMESPACE", "POD", "NAME", "CPUS", "EXCL", "ISOLATED", "NOISE/S");
	for (size_t i = 0; i < ps.len; i++) {
		if (json)
			print_json(&ps, ps.items[i]);
		else
			print_row(&ps, ps.items[i]);
		if (!json && ps.items[i]->lb_disable && ps.unsupported &&
		    !isolated_by(&ps, ps.items[i]))
			unsupported_shown = true;
	}
	if (unsupported_shown)
		printf("n/a: load balancing cannot be disabled here: %s\n", ps.unsupported);
cleanup:
	pw_cpu_index_free(&ps.index);
	free(ps.items);
	pw_node_free(node);
	json_object_put(ps.noise);
	pw_journal_close(ps.journal);
	return err ? 1 : 0;
}
