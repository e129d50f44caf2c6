// SPDX-License-Identifier: GPL-2.0-only
/* `pinwatch ps`: scan the cgroup hierarchies, print every container. */
#include "ps.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container_map.h"
#include "cpulist.h"
#include "escape.h"
#include "format.h"
#include "parse.h"
#include "journal.h"

static const char usage[] =
	"Usage: pinwatch ps [OPTIONS]\n"
	"\n"
	"List the containers on this node (from the cgroup hierarchies and the\n"
	"runtimes' own state) with their CPUs and whether those CPUs are theirs alone.\n"
	"\n"
	"Options:\n"
	"  -j, --json             one JSON object per line (schema: docs/CONTAINERS.md)\n"
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
	{ "reserved", required_argument, NULL, OPT_RESERVED },
	{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
	{ "help", no_argument, NULL, 'h' },
	{},
};

struct ps_list {
	struct pw_container **items;
	size_t len, cap;
};

/* The agent's backend isolating c ("v1", "v2"), or NULL. */
static const char *isolated_by(struct pw_journal *j, const struct pw_container *c)
{
	const struct pw_isolation *iso = pw_journal_find(j, c->hierarchy, c->id);

	return iso ? iso->backend : NULL;
}

static int collect(struct pw_container *c, void *arg)
{
	struct ps_list *l = arg;

	if (l->len == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct pw_container **items = realloc(l->items, cap * sizeof(*items));

		if (!items)
			return -ENOMEM;
		l->items = items;
		l->cap = cap;
	}
	l->items[l->len++] = c;
	return 0;
}

/* Namespace, pod and container name first, then the path: stable output. */
static int by_name(const void *a, const void *b)
{
	const struct pw_container *x = *(struct pw_container *const *)a,
				  *y = *(struct pw_container *const *)b;
	int d = strcmp(x->meta.namespace, y->meta.namespace);

	if (!d)
		d = strcmp(x->meta.pod, y->meta.pod);
	if (!d)
		d = strcmp(x->meta.container, y->meta.container);
	return d ? d : strcmp(x->path, y->path);
}

static void json_field(FILE *out, const char *key, const char *value, bool first)
{
	fprintf(out, "%s\"%s\":", first ? "" : ",", key);
	if (!value || !value[0]) {
		fputs("null", out);
		return;
	}
	fputc('"', out);
	json_escape(out, value, strlen(value));
	fputc('"', out);
}

static void print_json(struct pw_container_map *map, struct pw_journal *j,
		       const struct pw_container *c)
{
	char cpus[PW_CPULIST_LEN], effective[PW_CPULIST_LEN];
	const struct pw_container *other;
	bool exclusive = pw_map_exclusive(map, c, &other);

	pw_cpus_format(&c->cpus, cpus, sizeof(cpus));
	pw_cpus_format(&c->effective, effective, sizeof(effective));
	fputc('{', stdout);
	json_field(stdout, "container_id", c->container_id, true);
	json_field(stdout, "runtime", c->runtime, false);
	json_field(stdout, "oci_runtime", c->oci_runtime, false);
	json_field(stdout, "pod", c->meta.pod, false);
	json_field(stdout, "namespace", c->meta.namespace, false);
	json_field(stdout, "container", c->meta.container, false);
	json_field(stdout, "pod_uid", c->identity.pod_uid, false);
	json_field(stdout, "qos", c->identity.qos, false);
	json_field(stdout, "path", c->path, false);
	printf(",\"hierarchy\":%d,\"cgroup_id\":%" PRIu64 ",\"workload\":%s", c->hierarchy,
	       c->id, c->workload ? "true" : "false");
	json_field(stdout, "cpus", c->cpus_known ? cpus : NULL, false);
	json_field(stdout, "cpus_effective", c->cpus_known ? effective : NULL, false);
	printf(",\"exclusive\":%s", exclusive ? "true" : "false");
	json_field(stdout, "shares_cpus_with", other ? other->container_id : NULL, false);
	json_field(stdout, "isolated", isolated_by(j, c), false);
	fputs("}\n", stdout);
}

/* A table cell: the escaped tail of s in width columns, "-" when empty. */
static void cell(const char *s, int width)
{
	char *escaped = NULL;
	size_t size = 0;
	FILE *mem;

	if (!s || !s[0]) {
		printf("%-*s ", width, "-");
		return;
	}
	mem = open_memstream(&escaped, &size);
	if (!mem)
		return;
	text_escape(mem, s, strlen(s));
	fclose(mem);
	pw_print_tail(stdout, escaped, width);
	fputc(' ', stdout);
	free(escaped);
}

static void print_row(struct pw_container_map *map, struct pw_journal *j,
		      const struct pw_container *c)
{
	char short_id[PW_SHORT_ID_LEN + 1], cpus[PW_CPULIST_LEN];
	const struct pw_container *other;
	bool exclusive = pw_map_exclusive(map, c, &other);

	snprintf(short_id, sizeof(short_id), "%.*s", PW_SHORT_ID_LEN, c->container_id);
	pw_cpus_format(&c->effective, cpus, sizeof(cpus));
	cell(short_id, PW_SHORT_ID_LEN);
	cell(c->runtime, 10);
	cell(c->meta.namespace, 15);
	cell(c->meta.pod, 20);
	cell(c->meta.container, 12);
	cell(c->cpus_known ? cpus : NULL, 10);
	printf("%-4s %s\n", !c->cpus_known ? "-" : exclusive ? "yes" : "no",
	       isolated_by(j, c) ? isolated_by(j, c) : "-");
}

int cmd_ps(int argc, char **argv)
{
	const char *state_dir = PW_DEFAULT_STATE_DIR;
	struct pw_container_map map;
	struct pw_journal *journal;
	struct ps_list list = {};
	struct pw_cpus reserved;
	const char *why;
	bool json = false;
	int opt, err;

	pw_cpus_clear(&reserved);
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":jh", long_options, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case OPT_RESERVED:
			if (pw_cpus_parse(optarg, strlen(optarg), &reserved, &why)) {
				fprintf(stderr, "pinwatch: invalid --reserved '%s': %s\n", optarg, why);
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

	journal = calloc(1, sizeof(*journal));
	if (!journal)
		return 1;
	/* No journal (no agent ran) shows nothing isolated; a broken one is named. */
	if (pw_journal_load(journal, state_dir) || pw_map_init(&map, &reserved)) {
		free(journal);
		return 1;
	}
	pw_map_scan(&map);
	err = pw_map_for_each_container(&map, collect, &list);
	if (err) {
		fprintf(stderr, "pinwatch: cannot list containers: %s\n", strerror(-err));
		goto cleanup;
	}
	qsort(list.items, list.len, sizeof(*list.items), by_name);
	if (!json)
		printf("%-12s %-10s %-15s %-20s %-12s %-10s %-4s %s\n", "CONTAINER", "RUNTIME",
		       "NAMESPACE", "POD", "NAME", "CPUS", "EXCL", "ISOLATED");
	for (size_t i = 0; i < list.len; i++) {
		if (json)
			print_json(&map, journal, list.items[i]);
		else
			print_row(&map, journal, list.items[i]);
	}
cleanup:
	free(list.items);
	pw_map_free(&map);
	free(journal);
	return err ? 1 : 0;
}
