// SPDX-License-Identifier: GPL-2.0-only
/* User-side filters and hierarchy names. */
#include <errno.h>

#include "event.h"
#include "events.h"
#include "filter.h"
#include "hierarchy.h"
#include "unit.h"

UNIT_TEST(filter_by_type_prefix_and_comm)
{
	struct pw_cpuset_write_event w;
	struct pw_exec_event e;
	struct pw_event wev, eev;
	struct pw_filter f = { .types_mask = pw_event_default_types() };

	make_write_event(&w, "/kubepods/pod1", "1", 2);
	make_exec_event(&e, "runc", 5);
	CHECK_INT(pw_event_decode(&w, sizeof(w), &wev), 0);
	CHECK_INT(pw_event_decode(&e, sizeof(e), &eev), 0);

	CHECK(pw_filter_match(&f, &wev));
	f.types_mask = 1U << PW_EV_EXEC;
	CHECK(!pw_filter_match(&f, &wev));
	CHECK(pw_filter_match(&f, &eev));

	f.types_mask = pw_event_default_types();
	f.cgroup_prefix = "/kubepods";
	CHECK(pw_filter_match(&f, &wev));
	CHECK(!pw_filter_match(&f, &eev)); /* exec events have no path */
	f.cgroup_prefix = "/kubepods/pod1/deeper";
	CHECK(!pw_filter_match(&f, &wev));

	f.cgroup_prefix = NULL;
	f.comm = "runc";
	CHECK(pw_filter_match(&f, &wev));
	f.comm = "run";
	CHECK(!pw_filter_match(&f, &wev));
}

UNIT_TEST(hierarchy_names_from_proc_cgroups)
{
	static const char text[] = "#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
				   "cpuset\t3\t5\t1\n"
				   "cpu\t2\t5\t1\n"
				   "cpuacct\t2\t5\t1\n"
				   "hugetlb\t0\t1\t1\n"
				   "bogus line\n"
				   "rdma\t99\t1\t1\n";
	struct pw_hierarchies h;
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");

	if (!f) {
		unit_fail(__FILE__, __LINE__, "fmemopen failed");
		return;
	}
	pw_hierarchies_parse(&h, f);
	fclose(f);
	CHECK_STR(pw_hierarchy_name(&h, 0), "cgroup2");
	CHECK_STR(pw_hierarchy_name(&h, 3), "cpuset");
	CHECK_STR(pw_hierarchy_name(&h, 2), "cpu,cpuacct");
	CHECK_STR(pw_hierarchy_name(&h, 5), "");
	CHECK_STR(pw_hierarchy_name(&h, 99), "");
	CHECK_STR(pw_hierarchy_name(&h, -1), "");
}

UNIT_TEST(filter_parse_types_builds_a_mask)
{
	unsigned int mask = 0;

	CHECK_INT(pw_filter_parse_types("exec", &mask), 0);
	CHECK_INT(mask, 1U << PW_EV_EXEC);
	CHECK_INT(pw_filter_parse_types("cgroup_mkdir,cpuset_write", &mask), 0);
	CHECK_INT(mask, (1U << PW_EV_CGROUP_MKDIR) | (1U << PW_EV_CPUSET_WRITE));
	CHECK_INT(pw_filter_parse_types("exec,bogus", &mask), -EINVAL);
	CHECK_INT(pw_filter_parse_types(",", &mask), -EINVAL);
	CHECK_INT(pw_filter_parse_types("EXEC", &mask), -EINVAL);
}
