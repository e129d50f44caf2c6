// SPDX-License-Identifier: GPL-2.0-only
/* The agent's journal, path levels and policy. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "backend.h"
#include "journal.h"
#include "policy.h"
#include "unit.h"

static char *temp_dir(void)
{
	return unit_dir_with_file("placeholder", "");
}

static void write_file(const char *dir, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/state.json", dir);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static void remove_dir(char *dir)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/state.json", dir);
	unlink(path);
	unit_remove_dir(dir, "placeholder");
}

UNIT_TEST(journal_round_trip)
{
	struct pw_journal *j = calloc(1, sizeof(*j)), *back = calloc(1, sizeof(*back));
	char *dir = temp_dir();
	const char *why;

	CHECK_INT(pw_journal_load(j, dir), 0);
	CHECK_INT(j->nr, 0);
	strcpy(j->v1_housekeeping, "/pinwatch.housekeeping");
	strcpy(j->items[0].container_id, "abc");
	strcpy(j->items[0].path, "/k/p/abc");
	strcpy(j->items[0].backend, "v1");
	j->items[0].hierarchy = 3;
	j->items[0].cgroup_id = 1ULL << 40;
	j->items[0].changed_levels = 5;
	CHECK_INT(pw_cpus_parse("1-3", 3, &j->items[0].cpus, &why), 0);
	j->nr = 1;
	CHECK_INT(pw_journal_save(j), 0);
	CHECK_INT(pw_journal_load(back, dir), 0);
	CHECK_INT(back->nr, 1);
	CHECK_STR(back->v1_housekeeping, "/pinwatch.housekeeping");
	CHECK_STR(back->items[0].path, "/k/p/abc");
	CHECK(back->items[0].cgroup_id == 1ULL << 40);
	CHECK_INT(back->items[0].changed_levels, 5);
	CHECK(pw_cpus_equal(&back->items[0].cpus, &j->items[0].cpus));
	CHECK(pw_journal_find(back, 3, 1ULL << 40) == &back->items[0]);
	pw_journal_remove(back, &back->items[0]);
	CHECK_INT(back->nr, 0);
	remove_dir(dir);
	free(j);
	free(back);
}

UNIT_TEST(journal_refuses_broken_files)
{
	static const char *const broken[] = {
		"{",
		"[]",
		"{\"isolated\": 7}",
		"{\"isolated\": [{\"container_id\": \"a\"}]}",
		"{\"isolated\": [{\"container_id\": \"a\", \"path\": \"/x/../../etc\", \"hierarchy\": 0,"
		" \"cgroup_id\": 1, \"backend\": \"v2\", \"cpus\": \"1\", \"changed_levels\": 1}]}",
		"{\"isolated\": [{\"container_id\": \"a\", \"path\": \"/x\", \"hierarchy\": 0,"
		" \"cgroup_id\": 1, \"backend\": \"v9\", \"cpus\": \"1\", \"changed_levels\": 1}]}",
		"{\"isolated\": [{\"container_id\": \"a\", \"path\": \"/x\", \"hierarchy\": 0,"
		" \"cgroup_id\": 1, \"backend\": \"v2\", \"cpus\": \"7-3\", \"changed_levels\": 1}]}",
		"{\"v1_housekeeping\": \"relative\", \"isolated\": []}",
	};
	struct pw_journal *j = calloc(1, sizeof(*j));

	for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		char *dir = temp_dir();

		write_file(dir, broken[i]);
		if (pw_journal_load(j, dir) != -EINVAL)
			unit_fail(__FILE__, __LINE__, "broken journal #%zu was accepted", i);
		remove_dir(dir);
	}
	free(j);
}

UNIT_TEST(path_levels_and_prefixes)
{
	char buf[64];

	CHECK_INT(pw_path_level("/"), 0);
	CHECK_INT(pw_path_level("/a"), 1);
	CHECK_INT(pw_path_level("/a/b/c"), 3);
	pw_path_prefix("/a/b/c", 1, buf, sizeof(buf));
	CHECK_STR(buf, "/a");
	pw_path_prefix("/a/b/c", 2, buf, sizeof(buf));
	CHECK_STR(buf, "/a/b");
	pw_path_prefix("/a/b/c", 3, buf, sizeof(buf));
	CHECK_STR(buf, "/a/b/c");
}

UNIT_TEST(policy_is_safe_by_default)
{
	struct pw_policy p = {};
	struct pw_container c = { .is_container = true, .workload = true, .path = "/k/p/c" };

	CHECK(pw_policy_reason(&p, &c) == NULL);
	c.meta_found = true;
	strcpy(c.meta.namespace, "telco");
	strcpy(c.meta.pod, "dpdk-0");
	strcpy(c.meta.container, "fwd");
	CHECK(pw_policy_reason(&p, &c) == NULL);
	c.meta.lb_disable = true;
	CHECK(pw_policy_reason(&p, &c) != NULL);
	c.workload = false; /* conmon or a pod sandbox: never */
	CHECK(pw_policy_reason(&p, &c) == NULL);
}

UNIT_TEST(policy_selectors)
{
	struct pw_policy p = {};
	struct pw_container c = { .is_container = true, .workload = true, .path = "/k/p/c",
				  .meta_found = true };

	strcpy(c.meta.namespace, "telco");
	strcpy(c.meta.pod, "dpdk-0");
	strcpy(c.meta.container, "fwd");
	CHECK_INT(pw_policy_add(p.pods, &p.nr_pods, "telco/dpdk-*", "--select-pod"), 0);
	CHECK_STR(pw_policy_reason(&p, &c), "--select-pod");
	p.pods[0] = "telco/dpdk-0/other";
	CHECK(pw_policy_reason(&p, &c) == NULL);
	p.pods[0] = "telco/dpdk-0/fwd";
	CHECK_STR(pw_policy_reason(&p, &c), "--select-pod");
	p.nr_pods = 0;
	CHECK_INT(pw_policy_add(p.cgroups, &p.nr_cgroups, "/k/*/c", "--select-cgroup"), 0);
	CHECK_STR(pw_policy_reason(&p, &c), "--select-cgroup");
	for (int i = 1; i < PW_MAX_SELECTORS; i++)
		CHECK_INT(pw_policy_add(p.cgroups, &p.nr_cgroups, "x", "--select-cgroup"), 0);
	CHECK_INT(pw_policy_add(p.cgroups, &p.nr_cgroups, "x", "--select-cgroup"), -EINVAL);
}
