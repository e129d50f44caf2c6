// SPDX-License-Identifier: GPL-2.0-only
/* Knob names and values, CPU masks, knob annotations, and the knobs' journal entries. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "cpulist.h"
#include "journal.h"
#include "knobs.h"
#include "runtime_state.h"
#include "unit.h"

UNIT_TEST(knob_values_are_checked)
{
	const char *why;

	CHECK(pw_knob_value_valid(PW_KNOB_IRQ, "disable", &why));
	CHECK(!pw_knob_value_valid(PW_KNOB_IRQ, "enable", &why));
	CHECK(pw_knob_value_valid(PW_KNOB_QUOTA, "disable", &why));
	CHECK(!pw_knob_value_valid(PW_KNOB_QUOTA, "", &why));
	CHECK(pw_knob_value_valid(PW_KNOB_CSTATES, "disable", &why));
	CHECK(pw_knob_value_valid(PW_KNOB_CSTATES, "enable", &why));
	CHECK(pw_knob_value_valid(PW_KNOB_CSTATES, "max_latency:10", &why));
	CHECK(pw_knob_value_valid(PW_KNOB_CSTATES, "max_latency:2147483647", &why));
	CHECK(!pw_knob_value_valid(PW_KNOB_CSTATES, "max_latency:2147483648", &why));
	CHECK(!pw_knob_value_valid(PW_KNOB_CSTATES, "max_latency:", &why));
	CHECK(!pw_knob_value_valid(PW_KNOB_CSTATES, "max_latency:0", &why));
	CHECK(!pw_knob_value_valid(PW_KNOB_CSTATES, "max_latency:-1", &why));
	CHECK(!pw_knob_value_valid(PW_KNOB_CSTATES, "max_latency:1 2", &why));
	CHECK(pw_knob_value_valid(PW_KNOB_GOVERNOR, "performance", &why));
	CHECK(pw_knob_value_valid(PW_KNOB_GOVERNOR, "intel_pstate-x", &why));
	CHECK(!pw_knob_value_valid(PW_KNOB_GOVERNOR, "../../x", &why));
	CHECK(!pw_knob_value_valid(PW_KNOB_GOVERNOR, "perf\nx", &why));
	CHECK(!pw_knob_value_valid(PW_KNOB_GOVERNOR, "", &why));
	CHECK(!pw_knob_value_valid(PW_KNOB_GOVERNOR, "averyveryverylonggovernor", &why));
}

UNIT_TEST(knob_names_and_settings)
{
	struct pw_knob_wants w = {}, other = {};

	CHECK_INT(pw_knob_by_name("cpu-quota"), PW_KNOB_QUOTA);
	CHECK_INT(pw_knob_by_name("cpu-quota.crio.io"), PW_KNOB_QUOTA);
	CHECK_INT(pw_knob_by_name("cpu-quota.crio.iox"), -1);
	CHECK_INT(pw_knob_by_name("cpu-load-balancing"), -1);
	CHECK_INT(pw_knob_parse_setting("irq-load-balancing=disable", &w), 0);
	CHECK_INT(pw_knob_parse_setting("cpu-c-states=max_latency:5", &w), 0);
	CHECK_STR(w.value[PW_KNOB_IRQ], "disable");
	CHECK_STR(w.value[PW_KNOB_CSTATES], "max_latency:5");
	CHECK_INT(pw_knob_parse_setting("cpu-quota", &w), -EINVAL);
	CHECK_INT(pw_knob_parse_setting("bogus=disable", &w), -EINVAL);
	CHECK_INT(pw_knob_parse_setting("cpu-quota=enable", &w), -EINVAL);
	CHECK(pw_knob_wants_any(&w));
	CHECK(!pw_knob_wants_any(&other));
	snprintf(other.value[PW_KNOB_CSTATES], PW_KNOB_VALUE_LEN, "enable");
	snprintf(other.value[PW_KNOB_GOVERNOR], PW_KNOB_VALUE_LEN, "performance");
	pw_knob_wants_merge(&w, &other);
	CHECK_STR(w.value[PW_KNOB_CSTATES], "max_latency:5"); /* what was there wins */
	CHECK_STR(w.value[PW_KNOB_GOVERNOR], "performance");
}

UNIT_TEST(knob_cstates_values_follow_the_kernel)
{
	char buf[PW_KNOB_VALUE_LEN];

	/* The kernel's resume latency file: "n/a" accepts no latency, 0 means no constraint. */
	pw_knob_cstates_value("disable", buf, sizeof(buf));
	CHECK_STR(buf, "n/a");
	pw_knob_cstates_value("enable", buf, sizeof(buf));
	CHECK_STR(buf, "0");
	pw_knob_cstates_value("max_latency:20", buf, sizeof(buf));
	CHECK_STR(buf, "20");
}

UNIT_TEST(cpu_masks_parse_and_format)
{
	struct pw_cpus cpus;
	char buf[PW_CPUMASK_LEN];
	const char *why;

	CHECK_INT(pw_cpus_parse_mask("3\n", 2, &cpus, &why), 0);
	pw_cpus_format(&cpus, buf, sizeof(buf));
	CHECK_STR(buf, "0-1");
	CHECK_INT(pw_cpus_parse_mask("00000001,00000000", 17, &cpus, &why), 0);
	pw_cpus_format(&cpus, buf, sizeof(buf));
	CHECK_STR(buf, "32");
	pw_cpus_format_mask(&cpus, buf, sizeof(buf));
	CHECK_STR(buf, "1,00000000");
	CHECK_INT(pw_cpus_parse_mask("ffffffff,ffffffff", 17, &cpus, &why), 0);
	CHECK_INT(pw_cpus_count(&cpus), 64);
	pw_cpus_clear(&cpus);
	pw_cpus_format_mask(&cpus, buf, sizeof(buf));
	CHECK_STR(buf, "0");
	pw_cpus_set(&cpus, 0);
	pw_cpus_set(&cpus, 3);
	pw_cpus_format_mask(&cpus, buf, sizeof(buf));
	CHECK_STR(buf, "9");
	CHECK_INT(pw_cpus_parse_mask("", 0, &cpus, &why), -EINVAL);
	CHECK_INT(pw_cpus_parse_mask("xyz", 3, &cpus, &why), -EINVAL);
	CHECK_INT(pw_cpus_parse_mask("1,2", 3, &cpus, &why), -EINVAL);
	CHECK_INT(pw_cpus_parse_mask(",00000001", 9, &cpus, &why), -EINVAL);
	CHECK_INT(pw_cpus_parse_mask("123456789", 9, &cpus, &why), -EINVAL);
}

UNIT_TEST(knob_annotations_pod_wide_and_scoped)
{
	const char *config =
		"{\"annotations\": {"
		"\"io.kubernetes.cri.container-type\": \"container\","
		"\"io.kubernetes.cri.container-name\": \"app\","
		"\"irq-load-balancing.crio.io\": \"disable\","
		"\"cpu-quota.crio.io/app\": \"disable\","
		"\"cpu-quota.crio.io/sidecar\": \"nonsense\","
		"\"cpu-c-states.crio.io\": \"enable\","
		"\"cpu-c-states.crio.io/app\": \"max_latency:7\","
		"\"cpu-freq-governor.crio.io\": \"../../etc/passwd\","
		/* Longer than any value: ignored and said (a fuzzer's find). */
		"\"irq-load-balancing.crio.io/app\": \"disable-disable-disable-disable\"}}";
	struct pw_container_meta meta = {};

	CHECK_INT(pw_parse_oci_config(config, strlen(config), &meta), 0);
	CHECK_STR(meta.knobs.value[PW_KNOB_IRQ], "");
	CHECK_STR(meta.knobs.value[PW_KNOB_QUOTA], "disable");
	/* The container's own annotation wins over the pod's. */
	CHECK_STR(meta.knobs.value[PW_KNOB_CSTATES], "max_latency:7");
	/* A value no knob accepts is dropped (and said), never written. */
	CHECK_STR(meta.knobs.value[PW_KNOB_GOVERNOR], "");
	CHECK(!meta.lb_disable);
}

static char *temp_dir(void)
{
	return unit_dir_with_file("placeholder", "");
}

static void remove_state(char *dir)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/state.json", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/state.json.tmp", dir);
	unlink(path);
	unit_remove_dir(dir, "placeholder");
}

static void write_state(const char *dir, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/state.json", dir);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

UNIT_TEST(journal_keeps_knobs_across_a_restart)
{
	struct pw_knob_saved s = { .target = 3, .old = "0", .set = "n/a" };
	struct pw_tuning t = {
		.container_id = "abc",
		.path = "/k/p/abc",
		.hierarchy = 3,
		.cgroup_id = 77,
		.knob = PW_KNOB_CSTATES,
		.value = "disable",
	};
	struct pw_irq_saved irq = { .irq = 24 };
	struct pw_journal *j, *back;
	const struct pw_tuning *got;
	char *dir = temp_dir();

	pw_cpus_set(&t.cpus, 3);
	pw_cpus_set(&irq.old, 0);
	pw_cpus_set(&irq.old, 3);
	pw_cpus_set(&irq.set, 0);
	CHECK_INT(pw_journal_open(&j, dir, PW_JOURNAL_WRITE), 0);
	CHECK_INT(pw_journal_add_tuning(j, &t), 0);
	CHECK_INT(pw_journal_add_tuning(j, &t), -EEXIST);
	CHECK_INT(pw_journal_tuning_save(j, 3, 77, PW_KNOB_CSTATES, &s), 0);
	CHECK_INT(pw_journal_tuning_save(j, 3, 78, PW_KNOB_CSTATES, &s), -ENOENT);
	CHECK_INT(pw_journal_save_irq(j, &irq), 0);
	pw_journal_close(j);

	CHECK_INT(pw_journal_open(&back, dir, PW_JOURNAL_READ), 0);
	CHECK_INT(pw_journal_tuning_count(back), 1);
	got = pw_journal_find_tuning(back, 3, 77, PW_KNOB_CSTATES);
	CHECK(got != NULL);
	if (got) {
		CHECK_STR(got->value, "disable");
		CHECK(pw_cpus_equal(&got->cpus, &t.cpus));
		CHECK_INT(got->nr_saved, 1);
		CHECK_INT(got->saved[0].target, 3);
		CHECK_STR(got->saved[0].old, "0");
		CHECK_STR(got->saved[0].set, "n/a");
	}
	CHECK(pw_journal_find_tuning(back, 3, 77, PW_KNOB_QUOTA) == NULL);
	CHECK_INT(pw_journal_irq_count(back), 1);
	CHECK(pw_cpus_equal(&pw_journal_find_irq(back, 24)->old, &irq.old));
	CHECK(pw_cpus_equal(&pw_journal_find_irq(back, 24)->set, &irq.set));
	pw_journal_close(back);

	CHECK_INT(pw_journal_open(&j, dir, PW_JOURNAL_WRITE), 0);
	CHECK_INT(pw_journal_remove_tuning(j, 3, 77, PW_KNOB_CSTATES), 0);
	CHECK_INT(pw_journal_remove_irq(j, 24), 0);
	CHECK_INT(pw_journal_tuning_count(j), 0);
	CHECK_INT(pw_journal_irq_count(j), 0);
	pw_journal_close(j);
	remove_state(dir);
}

UNIT_TEST(journal_refuses_hostile_knob_entries)
{
	static const char *const bad[] = {
		/* a value to be written back that is not one a kernel file gave */
		"{\"isolated\":[],\"tuned\":[{\"container_id\":\"a\",\"path\":\"/a\",\"hierarchy\":3,"
		"\"cgroup_id\":1,\"knob\":\"cpu-c-states\",\"value\":\"disable\",\"cpus\":\"1\","
		"\"saved\":[{\"target\":1,\"old\":\"0\\n1\",\"set\":\"n/a\"}]}]}",
		/* a target beyond any CPU */
		"{\"isolated\":[],\"tuned\":[{\"container_id\":\"a\",\"path\":\"/a\",\"hierarchy\":3,"
		"\"cgroup_id\":1,\"knob\":\"cpu-c-states\",\"value\":\"disable\",\"cpus\":\"1\","
		"\"saved\":[{\"target\":99999,\"old\":\"0\",\"set\":\"n/a\"}]}]}",
		/* no such knob */
		"{\"isolated\":[],\"tuned\":[{\"container_id\":\"a\",\"path\":\"/a\",\"hierarchy\":3,"
		"\"cgroup_id\":1,\"knob\":\"bogus\",\"value\":\"disable\",\"cpus\":\"1\",\"saved\":[]}]}",
		/* a governor that is a path */
		"{\"isolated\":[],\"tuned\":[{\"container_id\":\"a\",\"path\":\"/a\",\"hierarchy\":3,"
		"\"cgroup_id\":1,\"knob\":\"cpu-freq-governor\",\"value\":\"../x\",\"cpus\":\"1\","
		"\"saved\":[]}]}",
		/* a path that climbs */
		"{\"isolated\":[],\"tuned\":[{\"container_id\":\"a\",\"path\":\"/a/../..\","
		"\"hierarchy\":3,\"cgroup_id\":1,\"knob\":\"cpu-quota\",\"value\":\"disable\","
		"\"cpus\":\"1\",\"saved\":[]}]}",
		"{\"isolated\":[],\"irq_saved\":[{\"irq\":-5,\"old\":\"0\",\"set\":\"0\"}]}",
		"{\"isolated\":[],\"irq_saved\":[{\"irq\":3,\"old\":\"0-\",\"set\":\"0\"}]}",
		"{\"isolated\":[],\"tuned\":{}}",
	};
	char *dir = temp_dir();

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct pw_journal *j = NULL;

		write_state(dir, bad[i]);
		if (pw_journal_open(&j, dir, PW_JOURNAL_READ) != -EINVAL)
			unit_fail(__FILE__, __LINE__, "hostile journal %zu was accepted", i);
		pw_journal_close(j);
	}
	remove_state(dir);
}
