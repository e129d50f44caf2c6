// SPDX-License-Identifier: GPL-2.0-only
/* Knob names and values, CPU masks, knob annotations (their journal entries: test_journal.c). */
#include <errno.h>

#include "cpulist.h"
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

UNIT_TEST(exec_affinity_annotation_pod_wide_and_scoped)
{
	const char *pod_wide = "{\"annotations\": {\"exec-cpu-affinity.pinwatch.io\": \"first\"}}";
	const char *scoped_off = "{\"annotations\": {"
				 "\"io.kubernetes.cri.container-type\": \"container\","
				 "\"io.kubernetes.cri.container-name\": \"app\","
				 "\"exec-cpu-affinity.pinwatch.io\": \"first\","
				 "\"exec-cpu-affinity.pinwatch.io/app\": \"none\"}}";
	const char *unknown = "{\"annotations\": {\"exec-cpu-affinity.pinwatch.io\": \"FIRST\"}}";
	struct pw_container_meta meta = {};

	CHECK_INT(pw_parse_oci_config(pod_wide, strlen(pod_wide), &meta), 0);
	CHECK(meta.exec_first_cpu);
	memset(&meta, 0, sizeof(meta));
	/* The container's own annotation wins over the pod's. */
	CHECK_INT(pw_parse_oci_config(scoped_off, strlen(scoped_off), &meta), 0);
	CHECK(!meta.exec_first_cpu);
	memset(&meta, 0, sizeof(meta));
	/* Only CRI-O's exact value pins. */
	CHECK_INT(pw_parse_oci_config(unknown, strlen(unknown), &meta), 0);
	CHECK(!meta.exec_first_cpu);
}
