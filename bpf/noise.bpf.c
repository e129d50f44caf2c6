// SPDX-License-Identifier: GPL-2.0-only
/*
 * What runs on a watched CPU that is not its owner. User space opens a
 * software perf event counting context switches (sample period 1) for each
 * watched CPU alone and attaches noise_switch to it: the program runs at
 * every switch on that CPU, in the task being switched out (the perf
 * context-switch event fires in the scheduler's switch-out path), and on no
 * other CPU. It charges that task's stint to its owner or to the intruder,
 * named by pid.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "cgroup.bpf.h"
#include "pinwatch_noise.h"

char LICENSE[] SEC("license") = "GPL";

/* trace --type noise: a pw_noise_event per intruder, rate-limited. */
const volatile bool emit_events = false;

/* PF_KTHREAD in task_struct::flags (include/linux/sched.h). */
#define PF_KTHREAD 0x00200000
/* How far up from a task's cgroup its owner may be (the owner's own children). */
#define OWNER_DEPTH 8

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PW_NOISE_MAX_CPUS);
	__type(key, __u32);
	__type(value, struct pw_noise_cpu_conf);
} noise_cpus SEC(".maps");

/* Written only by the program of the CPU it counts: no two writers at once. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PW_NOISE_MAX_CPUS);
	__type(key, __u32);
	__type(value, struct pw_noise_cpu_counts);
} noise_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, PW_NOISE_RINGBUF_SIZE);
} noise_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PW_NOISE_MAX_TASKS);
	__type(key, struct pw_noise_task_key);
	__type(value, struct pw_noise_task);
} noise_tasks SEC(".maps");

/* The intruder's event: at its first switch, then at most once an interval. */
static __always_inline void emit(struct pw_noise_task *t, const struct pw_noise_task_key *key,
				 __u64 owner, __u64 now, struct pw_noise_cpu_counts *counts)
{
	struct pw_noise_event *e;

	if (t->last_event_ns && now - t->last_event_ns < PW_NOISE_EVENT_INTERVAL_NS)
		return;
	e = bpf_ringbuf_reserve(&noise_events, sizeof(*e), 0);
	if (!e) {
		counts->events_dropped++;
		return;
	}
	e->hdr.type = PW_EV_NOISE;
	e->hdr.size = sizeof(*e);
	e->hdr.ktime_ns = now;
	e->hdr.pid = t->tgid;
	e->hdr.tid = key->pid;
	e->hdr.cgroup_id = t->cgroup_id;
	__builtin_memcpy(e->hdr.comm, t->comm, sizeof(e->hdr.comm));
	e->cpu = key->cpu;
	e->kind = t->kind;
	e->ppid = t->ppid;
	e->hierarchy_id = t->hierarchy_id;
	e->owner_cgroup = owner;
	e->switches = t->event_switches;
	e->run_ns = t->event_run_ns;
	__builtin_memcpy(e->parent_comm, t->parent_comm, sizeof(e->parent_comm));
	bpf_ringbuf_submit(e, 0);
	t->last_event_ns = now;
	t->event_switches = 0;
	t->event_run_ns = 0;
}

/* Whether cgrp is the owner's cgroup or below it. */
static __always_inline bool owned(struct cgroup *cgrp, __u64 owner)
{
	struct kernfs_node *kn = BPF_CORE_READ(cgrp, kn);

	for (int i = 0; i < OWNER_DEPTH && kn; i++) {
		if (BPF_CORE_READ(kn, id) == owner)
			return true;
		kn = kernfs_node_parent(kn);
	}
	return false;
}

SEC("perf_event")
int noise_switch(void *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pw_noise_task_key key = { .cpu = bpf_get_smp_processor_id() };
	struct pw_noise_cpu_counts *counts;
	struct pw_noise_cpu_conf *conf;
	struct pw_noise_task *t, fresh = {};
	struct cgroup *cgrp;
	__u64 now, ran, stint;

	conf = bpf_map_lookup_elem(&noise_cpus, &key.cpu);
	counts = bpf_map_lookup_elem(&noise_counts, &key.cpu);
	if (!conf || !counts || !conf->watched)
		return 0;
	/*
	 * The switched-out task's stint: what the scheduler charged it since it
	 * was picked (exact for fair tasks), at most the time since the
	 * previous switch seen here. Switches out of the idle task do not
	 * reach a context-switch perf program, so that time alone would also
	 * count the idle time before the stint.
	 */
	now = bpf_ktime_get_ns();
	ran = counts->last_switch_ns ? now - counts->last_switch_ns : 0;
	counts->last_switch_ns = now;
	stint = BPF_CORE_READ(task, se.sum_exec_runtime) -
		BPF_CORE_READ(task, se.prev_sum_exec_runtime);
	if (stint < ran)
		ran = stint;
	key.pid = task->pid;
	if (!key.pid)
		return 0; /* idle, on a kernel that reports it */
	cgrp = task_cpuset_cgroup(task);
	if (conf->owner_cgroup && owned(cgrp, conf->owner_cgroup)) {
		counts->own_switches++;
		counts->own_ns += ran;
		return 0;
	}
	fresh.kind = task->flags & PF_KTHREAD ? PW_NOISE_KTHREAD : PW_NOISE_TASK;
	if (fresh.kind == PW_NOISE_KTHREAD) {
		counts->kthread_switches++;
		counts->kthread_ns += ran;
	} else {
		counts->task_switches++;
		counts->task_ns += ran;
	}
	t = bpf_map_lookup_elem(&noise_tasks, &key);
	if (!t) {
		fresh.tgid = task->tgid;
		fresh.ppid = BPF_CORE_READ(task, real_parent, tgid);
		fresh.cgroup_id = cgroup_id_of(cgrp);
		fresh.hierarchy_id = cgroup_hierarchy(cgrp);
		bpf_probe_read_kernel_str(fresh.comm, sizeof(fresh.comm), task->comm);
		bpf_probe_read_kernel_str(fresh.parent_comm, sizeof(fresh.parent_comm),
					  BPF_CORE_READ(task, real_parent, comm));
		/* Full until user space reads and clears it: counted, not named. */
		if (bpf_map_update_elem(&noise_tasks, &key, &fresh, BPF_NOEXIST)) {
			counts->unnamed++;
			return 0;
		}
		t = bpf_map_lookup_elem(&noise_tasks, &key);
		if (!t)
			return 0;
	}
	t->switches++;
	t->run_ns += ran;
	if (emit_events) {
		t->event_switches++;
		t->event_run_ns += ran;
		emit(t, &key, conf->owner_cgroup, now, counts);
	}
	return 0;
}
