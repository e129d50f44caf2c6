// SPDX-License-Identifier: GPL-2.0-only
/*
 * The knobs applied and reverted against a fake /proc and /sys: the only
 * test of the cpufreq governor (these machines have no cpufreq), and of the
 * IRQ reference count across containers without touching the host's IRQs.
 * The real files are tested by tests/integration/test_knobs.sh.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixtures.h"
#include "irqbalance.h"
#include "journal.h"
#include "tuner.h"
#include "unit.h"

struct fake {
	char root[64];
	char proc[96], sys[96];
	struct pw_mounts mounts;
	struct pw_journal *journal;
	struct pw_tuner tu;
	struct fx fx;
};

static void put(const struct fake *f, const char *rel, const char *text)
{
	fx_put(f->root, rel, text);
}

static const char *get(const struct fake *f, const char *rel)
{
	return fx_get(f->root, rel);
}

static void fake_open(struct fake *f)
{
	struct pw_cpus host = fx_cpus("0-3");
	struct pw_tuner_config cfg = { .host = &host };

	memset(f, 0, sizeof(*f));
	fx_fake_kernel(f->root, sizeof(f->root));
	snprintf(f->proc, sizeof(f->proc), "%s/proc", f->root);
	snprintf(f->sys, sizeof(f->sys), "%s/sys", f->root);
	f->mounts.v1_cpuset.fd = f->mounts.v2.fd = f->mounts.v1_cpu.fd = -1;
	f->mounts.v1_cpuset_hierarchy = f->mounts.v1_cpu_hierarchy = -1;
	CHECK_INT(pw_journal_open(&f->journal, f->root, PW_JOURNAL_MEMORY), 0);
	cfg.journal = f->journal;
	cfg.mounts = &f->mounts;
	cfg.proc = f->proc;
	cfg.sys = f->sys;
	CHECK_INT(pw_tuner_open(&f->tu, &cfg), 0);
	fx_init(&f->fx);
}

static void fake_close(struct fake *f)
{
	pw_tuner_close(&f->tu);
	pw_journal_close(f->journal);
	fx_free(&f->fx);
	fx_remove_tree(f->root);
}

static struct pw_knob_wants wants(enum pw_knob k, const char *value)
{
	struct pw_knob_wants w = {};

	snprintf(w.value[k], sizeof(w.value[k]), "%s", value);
	return w;
}

/* A container (cgroup id, /pod/c<id>) on cpus, asking for w, as the engine hands it over. */
static struct pw_container *started(struct fake *f, uint64_t id, const char *cpus,
				    const struct pw_knob_wants *w)
{
	char path[32];
	struct pw_container *c;

	snprintf(path, sizeof(path), "/pod/c%llu", (unsigned long long)id);
	c = fx_container(&f->fx, id, path, cpus, true);
	pw_tuner_update(&f->tu, c, w, "test");
	return c;
}

#define CPU1 "sys/devices/system/cpu/cpu1/"
#define CPU2 "sys/devices/system/cpu/cpu2/"

UNIT_TEST(tuner_governor_applied_read_back_and_restored)
{
	struct fake f;
	struct pw_container *c;
	struct pw_knob_wants w = wants(PW_KNOB_GOVERNOR, "performance");

	fake_open(&f);
	c = started(&f, 7, "1-2", &w);
	CHECK_STR(get(&f, CPU1 "cpufreq/scaling_governor"), "performance");
	CHECK_STR(get(&f, CPU2 "cpufreq/scaling_governor"), "performance");
	CHECK_STR(get(&f, "sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"), "schedutil");
	CHECK(pw_tuner_has(&f.tu, 3, 7));
	/* The same again (kubelet rewrites the cpuset): nothing new. */
	pw_tuner_update(&f.tu, c, &w, "test");
	CHECK_INT(pw_journal_tuning_count(f.journal), 1);
	/* Someone else changes CPU 2 meanwhile: that one is theirs. */
	put(&f, CPU2 "cpufreq/scaling_governor", "powersave\n");
	pw_tuner_update(&f.tu, c, NULL, "its container exited");
	CHECK_STR(get(&f, CPU1 "cpufreq/scaling_governor"), "schedutil");
	CHECK_STR(get(&f, CPU2 "cpufreq/scaling_governor"), "powersave");
	CHECK(!pw_tuner_has(&f.tu, 3, 7));
	CHECK_INT(f.tu.errors, 0);
	fake_close(&f);
}

UNIT_TEST(tuner_governor_unknown_or_missing_is_not_applied)
{
	struct fake f;
	struct pw_container *c;
	struct pw_knob_wants w = wants(PW_KNOB_GOVERNOR, "ondemand");

	fake_open(&f);
	c = fx_container(&f.fx, 7, "/pod/c7", "1", true);
	/* A governor the CPU does not offer: refused by name, nothing left changed. */
	pw_tuner_update(&f.tu, c, &w, "test");
	CHECK_STR(get(&f, CPU1 "cpufreq/scaling_governor"), "schedutil");
	CHECK(!pw_tuner_has(&f.tu, 3, 7));
	CHECK_INT(f.tu.errors, 1);
	/* CPU 3 has no cpufreq at all: not offered, said once, not tried again. */
	w = wants(PW_KNOB_GOVERNOR, "performance");
	started(&f, 8, "3", &w);
	CHECK(!pw_tuner_has(&f.tu, 3, 8));
	CHECK(f.tu.unavailable_said[PW_KNOB_GOVERNOR]);
	CHECK_INT(f.tu.errors, 1);
	fake_close(&f);
}

UNIT_TEST(tuner_cstates_values_and_cpu_changes)
{
	struct fake f;
	struct pw_container *c;
	struct pw_knob_wants w = wants(PW_KNOB_CSTATES, "disable");
	const struct pw_cpuset *old;

	fake_open(&f);
	c = started(&f, 7, "1", &w);
	CHECK_STR(get(&f, CPU1 "power/pm_qos_resume_latency_us"), "n/a");
	/* New CPUs: the old one gets its value back, the new one the knob's. */
	old = fx_set_cpus(&f.fx, c, "2");
	pw_cpuset_put(&f.fx.pool, old);
	pw_tuner_update(&f.tu, c, &w, "test");
	CHECK_STR(get(&f, CPU1 "power/pm_qos_resume_latency_us"), "0");
	CHECK_STR(get(&f, CPU2 "power/pm_qos_resume_latency_us"), "n/a");
	/* A new value: max_latency. */
	w = wants(PW_KNOB_CSTATES, "max_latency:15");
	pw_tuner_update(&f.tu, c, &w, "test");
	CHECK_STR(get(&f, CPU2 "power/pm_qos_resume_latency_us"), "15");
	CHECK_INT(pw_tuner_revert_all(&f.tu, "test"), 0);
	CHECK_STR(get(&f, CPU2 "power/pm_qos_resume_latency_us"), "0");
	CHECK_INT(pw_journal_tuning_count(f.journal), 0);
	fake_close(&f);
}

UNIT_TEST(tuner_irqs_counted_across_containers)
{
	struct fake f;
	struct pw_container *a, *b;
	struct pw_knob_wants w = wants(PW_KNOB_IRQ, "disable");

	fake_open(&f);
	a = fx_container(&f.fx, 7, "/pod/a", "2", true);
	b = fx_container(&f.fx, 8, "/pod/b", "3", true);
	pw_tuner_update(&f.tu, a, &w, "test");
	CHECK_STR(get(&f, "proc/irq/10/smp_affinity_list"), "0-1,3");
	/* IRQ 11 was on CPU 2 alone: it goes to the CPUs the host has left. */
	CHECK_STR(get(&f, "proc/irq/11/smp_affinity_list"), "0-1,3");
	CHECK_STR(get(&f, "proc/irq/12/smp_affinity_list"), "0");
	CHECK_STR(get(&f, "proc/irq/default_smp_affinity"), "b");
	CHECK_INT(pw_journal_irq_count(f.journal), 3); /* 10, 11 and the default; 12 untouched */
	pw_tuner_update(&f.tu, b, &w, "test");
	CHECK_STR(get(&f, "proc/irq/10/smp_affinity_list"), "0-1");
	CHECK_STR(get(&f, "proc/irq/11/smp_affinity_list"), "0-1");
	CHECK_STR(get(&f, "proc/irq/default_smp_affinity"), "3");
	/* The first goes: its CPU comes back to the IRQs, the second's stays off limits. */
	pw_tuner_update(&f.tu, a, NULL, "its container exited");
	CHECK_STR(get(&f, "proc/irq/10/smp_affinity_list"), "0-2");
	CHECK_STR(get(&f, "proc/irq/11/smp_affinity_list"), "2");
	CHECK_STR(get(&f, "proc/irq/default_smp_affinity"), "7");
	/* The last goes: exactly what was there before. */
	pw_tuner_update(&f.tu, b, NULL, "its container exited");
	CHECK_STR(get(&f, "proc/irq/10/smp_affinity_list"), "0-3");
	CHECK_STR(get(&f, "proc/irq/11/smp_affinity_list"), "2");
	CHECK_STR(get(&f, "proc/irq/12/smp_affinity_list"), "0");
	CHECK_STR(get(&f, "proc/irq/default_smp_affinity"), "f");
	CHECK_INT(pw_journal_irq_count(f.journal), 0);
	CHECK_INT(f.tu.errors, 0);
	fake_close(&f);
}

UNIT_TEST(tuner_irq_the_kernel_will_not_move_is_left)
{
	struct fake f;
	struct pw_container *a;
	struct pw_knob_wants w = wants(PW_KNOB_IRQ, "disable");
	char path[160];

	fake_open(&f);
	/* A managed IRQ: the kernel makes its file read-only. */
	snprintf(path, sizeof(path), "%s/proc/irq/11/smp_affinity_list", f.root);
	chmod(path, 0444);
	a = started(&f, 7, "2", &w);
	CHECK_STR(get(&f, "proc/irq/11/smp_affinity_list"), "2");
	CHECK_STR(get(&f, "proc/irq/10/smp_affinity_list"), "0-1,3");
	CHECK_INT(f.tu.irqs.nr_unmovable, 1);
	CHECK(pw_journal_find_irq(f.journal, 11) == NULL);
	/* Said once: a second container does not say it again. */
	pw_tuner_update(&f.tu, a, NULL, "test");
	pw_tuner_update(&f.tu, a, &w, "test");
	CHECK_INT(f.tu.irqs.nr_unmovable, 1);
	CHECK_INT(pw_tuner_revert_all(&f.tu, "test"), 0);
	CHECK_STR(get(&f, "proc/irq/10/smp_affinity_list"), "0-3");
	fake_close(&f);
}

UNIT_TEST(tuner_irq_moved_back_is_moved_off_again_at_a_rescan)
{
	struct fake f;
	struct pw_container *a;
	struct pw_knob_wants w = wants(PW_KNOB_IRQ, "disable");

	fake_open(&f);
	a = started(&f, 7, "2", &w);
	/* irqbalance (or an operator) puts IRQ 10 back on CPU 2, and a new IRQ appears there. */
	put(&f, "proc/irq/10/smp_affinity_list", "2-3\n");
	put(&f, "proc/irq/13/smp_affinity_list", "2\n");
	pw_tuner_rescan(&f.tu);
	CHECK_STR(get(&f, "proc/irq/10/smp_affinity_list"), "3");
	CHECK_STR(get(&f, "proc/irq/13/smp_affinity_list"), "0-1,3");
	/* What they set is what goes back. */
	pw_tuner_update(&f.tu, a, NULL, "its container exited");
	CHECK_STR(get(&f, "proc/irq/10/smp_affinity_list"), "2-3");
	CHECK_STR(get(&f, "proc/irq/13/smp_affinity_list"), "2");
	CHECK_INT(pw_journal_irq_count(f.journal), 0);
	fake_close(&f);
}

UNIT_TEST(tuner_irq_changed_by_someone_else_is_theirs)
{
	struct fake f;
	struct pw_knob_wants w = wants(PW_KNOB_IRQ, "disable");

	fake_open(&f);
	started(&f, 7, "2", &w);
	put(&f, "proc/irq/10/smp_affinity_list", "1\n"); /* an operator pins it meanwhile */
	CHECK_INT(pw_tuner_revert_all(&f.tu, "test"), 0);
	CHECK_STR(get(&f, "proc/irq/10/smp_affinity_list"), "1");
	CHECK_STR(get(&f, "proc/irq/11/smp_affinity_list"), "2");
	CHECK_INT(pw_journal_irq_count(f.journal), 0);
	fake_close(&f);
}

UNIT_TEST(tuner_enforce_completes_a_cut_apply)
{
	struct fake f;
	struct pw_knob_wants w = wants(PW_KNOB_CSTATES, "disable");

	fake_open(&f);
	started(&f, 7, "1-2", &w);
	/* As if the agent had died between saving CPU 2 and writing it. */
	put(&f, CPU2 "power/pm_qos_resume_latency_us", "0\n");
	pw_tuner_enforce_all(&f.tu);
	CHECK_STR(get(&f, CPU2 "power/pm_qos_resume_latency_us"), "n/a");
	CHECK_INT(pw_tuner_revert_all(&f.tu, "test"), 0);
	CHECK_STR(get(&f, CPU1 "power/pm_qos_resume_latency_us"), "0");
	CHECK_STR(get(&f, CPU2 "power/pm_qos_resume_latency_us"), "0");
	fake_close(&f);
}

UNIT_TEST(irqbalance_setup_answer_parsed)
{
	struct pw_cpus cpus, want;
	const char *why;

	/* irqbalance 1.9's answer: its sleep, the IRQs it was told to leave, the mask. */
	CHECK_INT(pw_irqbalance_parse_setup("SLEEP 10 IRQ 24 LOAD 0 DIFF 0 CLASS 0 BANNED 00000006",
					    &cpus),
		  0);
	CHECK_INT(pw_cpus_parse("1-2", 3, &want, &why), 0);
	CHECK(pw_cpus_equal(&cpus, &want));
	/* Past 32 CPUs the mask comes in comma-separated words. */
	CHECK_INT(pw_irqbalance_parse_setup("SLEEP 10 BANNED 00000001,00000000", &cpus), 0);
	CHECK_INT(pw_cpus_parse("32", 2, &want, &why), 0);
	CHECK(pw_cpus_equal(&cpus, &want));
	CHECK_INT(pw_irqbalance_parse_setup("SLEEP 10 BANNED 00000000", &cpus), 0);
	CHECK(pw_cpus_empty(&cpus));
	/* Anything else is not an answer: nothing is taken from it. */
	CHECK_INT(pw_irqbalance_parse_setup("SLEEP 10", &cpus), -EINVAL);
	CHECK_INT(pw_irqbalance_parse_setup("SLEEP 10 BANNED zz", &cpus), -EINVAL);
}
