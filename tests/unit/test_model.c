// SPDX-License-Identifier: GPL-2.0-only
/*
 * The model's building blocks: CPU set operations and interning, the
 * cgroup table, the CPU index, the JSON writer and table cells.
 */
#include <errno.h>
#include <stdlib.h>

#include <json-c/json.h>

#include "cgroup_table.h"
#include "cpu_index.h"
#include "fixtures.h"
#include "json_writer.h"
#include "table.h"
#include "unit.h"

UNIT_TEST(cpus_and_andnot_subset_next)
{
	struct pw_cpus a = fx_cpus("0-7,64,130"), b = fx_cpus("4-64"), c, want = fx_cpus("4-7,64");
	int seen[8], n = 0;

	c = a;
	pw_cpus_and(&c, &b);
	CHECK(pw_cpus_equal(&c, &want));
	c = a;
	pw_cpus_andnot(&c, &b);
	CHECK_INT(pw_cpus_count(&c), 5); /* 0-3 and 130 */
	CHECK(pw_cpus_subset(&c, &a));
	CHECK(!pw_cpus_subset(&a, &c));
	pw_cpus_for_each(cpu, &a)
	{
		if (n < 8)
			seen[n] = cpu;
		n++;
	}
	CHECK_INT(n, 10);
	CHECK_INT(seen[0], 0);
	CHECK_INT(seen[7], 7);
	CHECK_INT(pw_cpus_next(&a, 7), 64);
	CHECK_INT(pw_cpus_next(&a, 64), 130);
	CHECK_INT(pw_cpus_next(&a, 130), -1);
	CHECK_INT(pw_cpus_next(&a, PW_MAX_CPUS - 1), -1);
}

UNIT_TEST(cpusets_are_interned)
{
	struct pw_cpuset_pool pool;
	struct pw_cpus a = fx_cpus("1"), b = fx_cpus("1"), c = fx_cpus("2");
	const struct pw_cpuset *x, *y, *z;
	const struct pw_cpuset *many[200];

	CHECK_INT(pw_cpuset_pool_init(&pool), 0);
	x = pw_cpuset_get(&pool, &a);
	y = pw_cpuset_get(&pool, &b);
	z = pw_cpuset_get(&pool, &c);
	CHECK(x == y); /* equal sets: one copy */
	CHECK(x != z);
	CHECK_INT(pool.sets.count, 2);
	pw_cpuset_put(&pool, x);
	CHECK_INT(pool.sets.count, 2);
	pw_cpuset_put(&pool, y);
	CHECK_INT(pool.sets.count, 1);
	/* Many distinct sets: the pool grows and finds each again. */
	for (int i = 0; i < 200; i++) {
		struct pw_cpus s;

		pw_cpus_clear(&s);
		pw_cpus_set(&s, i);
		pw_cpus_set(&s, 1000 + i);
		many[i] = pw_cpuset_get(&pool, &s);
	}
	for (int i = 0; i < 200; i++) {
		struct pw_cpus s;

		pw_cpus_clear(&s);
		pw_cpus_set(&s, i);
		pw_cpus_set(&s, 1000 + i);
		CHECK(pw_cpuset_get(&pool, &s) == many[i]);
		pw_cpuset_put(&pool, many[i]);
		pw_cpuset_put(&pool, many[i]);
	}
	pw_cpuset_put(&pool, z);
	CHECK_INT(pool.sets.count, 0);
	pw_cpuset_pool_free(&pool);
}

static int count_cb(struct pw_cgroup *cg, void *arg)
{
	(void)cg;
	(*(int *)arg)++;
	return 0;
}

UNIT_TEST(cgroup_table_insert_find_remove_grow)
{
	struct pw_cgroup_table t;
	struct pw_cgroup *cg;
	bool created;
	int n = 0;

	CHECK_INT(pw_cgroup_table_init(&t), 0);
	for (uint64_t id = 1; id <= 5000; id++) {
		char path[32];

		snprintf(path, sizeof(path), "/c%llu", (unsigned long long)id);
		cg = pw_cgroup_table_insert(&t, id % 2 ? 3 : 0, id, path, strlen(path), &created);
		CHECK(cg && created);
	}
	/* The same (hierarchy, id) again is the same record, whatever the path. */
	cg = pw_cgroup_table_insert(&t, 3, 7, "/other", 6, &created);
	CHECK(!created);
	CHECK_STR(cg->path, "/c7");
	CHECK(pw_cgroup_table_find(&t, 0, 7) == NULL); /* id 7 lives in hierarchy 3 */
	CHECK(pw_cgroup_table_find_path(&t, 0, "/c8") == pw_cgroup_table_find(&t, 0, 8));
	pw_cgroup_table_remove(&t, cg);
	CHECK(pw_cgroup_table_find(&t, 3, 7) == NULL);
	pw_cgroup_table_for_each(&t, count_cb, &n);
	CHECK_INT(n, 4999);
	CHECK_INT(t.by_id.count, 4999);
	CHECK(t.by_id.nr_buckets >= 4096);
	pw_cgroup_table_free(&t);
}

static void collect_id(struct pw_container *c, void *arg)
{
	(*(uint64_t *)arg) += c->cg->id;
}

UNIT_TEST(cpu_index_lists_and_overlaps)
{
	struct pw_cpu_index idx;
	struct pw_cpu_index_entry *ea, *eb, *ec;
	struct pw_container *a, *b, *c;
	struct pw_cpus cpus;
	uint64_t sum = 0;
	struct fx fx;

	fx_init(&fx);
	pw_cpu_index_init(&idx);
	a = fx_container(&fx, 1, "/a", "1", false);
	b = fx_container(&fx, 2, "/b", "1-2", false);
	c = fx_container(&fx, 4, "/c", "200", false);
	ea = pw_cpu_index_add(&idx, a, &a->cg->cpus->cpus);
	eb = pw_cpu_index_add(&idx, b, &b->cg->cpus->cpus);
	ec = pw_cpu_index_add(&idx, c, &c->cg->cpus->cpus);
	CHECK(ea && eb && ec);
	CHECK(pw_cpu_index_other(&idx, a, &a->cg->cpus->cpus) == b);
	CHECK(pw_cpu_index_other(&idx, c, &c->cg->cpus->cpus) == NULL);
	/* Every container on CPUs 1-200, each once. */
	cpus = fx_cpus("1-200");
	pw_cpu_index_for_each(&idx, &cpus, collect_id, &sum);
	CHECK_INT(sum, 7);
	pw_cpu_index_remove(&idx, eb);
	CHECK(pw_cpu_index_other(&idx, a, &a->cg->cpus->cpus) == NULL);
	pw_cpu_index_free(&idx); /* frees what is left on it */
	fx_free(&fx);
}

static void write_nested(FILE *out, const void *arg)
{
	struct pw_json j;

	(void)arg;
	pw_json_init(&j, out);
	pw_json_object_begin(&j, NULL);
	pw_json_string(&j, "a\"b", "x\ny");
	pw_json_string(&j, "null", NULL);
	pw_json_string_or_null(&j, "empty", "");
	pw_json_array_begin(&j, "list");
	pw_json_int(&j, NULL, -1);
	pw_json_object_begin(&j, NULL);
	pw_json_bool(&j, "t", true);
	pw_json_object_end(&j);
	pw_json_array_end(&j);
	pw_json_uint(&j, "big", 18446744073709551615ULL);
	pw_json_double(&j, "d", 0.25);
	pw_json_double(&j, "nan", 0.0 / 0.0);
	pw_json_object_end(&j);
}

UNIT_TEST(json_writer_nests_and_escapes)
{
	char *text = unit_capture(write_nested, NULL);
	json_object *o = json_tokener_parse(text), *v;

	CHECK_STR(text,
		  "{\"a\\\"b\":\"x\\ny\",\"null\":null,\"empty\":null,\"list\":[-1,{\"t\":true}],"
		  "\"big\":18446744073709551615,\"d\":0.25,\"nan\":null}\n");
	CHECK(o != NULL);
	CHECK(json_object_object_get_ex(o, "list", &v) && json_object_array_length(v) == 2);
	json_object_put(o);
	free(text);
}

struct cell_case {
	const char *s;
	int width;
	bool truncated;
};

static void run_cell(FILE *out, const void *arg)
{
	const struct cell_case *c = arg;

	pw_table_cell(out, c->s, c->s ? strlen(c->s) : 0, c->width, c->truncated);
}

UNIT_TEST(table_cells_escape_cut_and_mark)
{
	struct cell_case empty = { NULL, 4, false }, esc = { "a\x1b[2Jb", 12, false },
			 cut = { "/x/ab", 8, true }, bidi = { "\xe2\x80\xae", 14, false };
	char *t;

	t = unit_capture(run_cell, &empty);
	CHECK_STR(t, "-    ");
	free(t);
	t = unit_capture(run_cell, &esc);
	CHECK_STR(t, "a\\x1b[2Jb    ");
	free(t);
	/* Cut by the kernel: marked even though what is left fits. */
	t = unit_capture(run_cell, &cut);
	CHECK_STR(t, "…/x/ab   ");
	free(t);
	t = unit_capture(run_cell, &bidi);
	CHECK_STR(t, "\\xe2\\x80\\xae   ");
	free(t);
}
