/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * How trace sees the agent's holds (bpf/hold.bpf.h) from outside the agent:
 * by their signals. A hold is a SIGSTOP that a task gets from the kernel
 * side of itself (bpf_send_signal() at its exec sends SEND_SIG_PRIV, which no
 * process can: kill(2) and its kin send SI_USER or SI_TKILL, ptrace's stop
 * goes to another task); its release is the next SIGCONT that task gets,
 * from the agent, its guardian or anyone. Signals are rare next to
 * syscalls, and only trace loads this: the agent never does.
 */
#ifndef HOLD_TRACE_BPF_H
#define HOLD_TRACE_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "cgroup.bpf.h"
#include "emit.bpf.h"
#include "hold.bpf.h"
#include "pinwatch.h"

#define SIGCONT 18
#define SI_KERNEL 0x80
/* include/linux/sched/signal.h: the kernel's own signal, without a sender. */
#define SEND_SIG_PRIV ((struct kernel_siginfo *)1)

/* Tasks seen held, by thread group id: when. LRU: one that dies held cannot leak a slot. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} holds_seen SEC(".maps");

struct hold_scratch {
	struct path_scratch path;
	struct pw_hold_signal_event ev;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hold_scratch);
} hold_scratch SEC(".maps");

static __always_inline bool sent_by_the_kernel(struct kernel_siginfo *info)
{
	/* Another special value (SEND_SIG_NOINFO is 0) reads as 0: a user's signal. */
	return info == SEND_SIG_PRIV || BPF_CORE_READ(info, si_code) == SI_KERNEL;
}

/* A hold or a release of task, with its cgroup, after held_ns held. */
static __always_inline void emit_hold_signal(struct task_struct *task, __u32 type, __u64 held_ns)
{
	struct pw_hold_signal_event *e;
	struct hold_scratch *s;
	bool truncated = false;
	struct cgroup *cgrp;
	__u32 zero = 0, size;

	s = bpf_map_lookup_elem(&hold_scratch, &zero);
	if (!s)
		return;
	e = &s->ev;
	cgrp = task_cpuset_cgroup(task);
	e->target_pid = BPF_CORE_READ(task, tgid);
	e->held_ns = held_ns;
	bpf_probe_read_kernel_str(e->target_comm, sizeof(e->target_comm), &task->comm);
	e->hierarchy_id = cgroup_hierarchy(cgrp);
	e->level = BPF_CORE_READ(cgrp, level);
	e->id = cgroup_id_of(cgrp);
	e->pad = 0;
	e->path_len =
		build_cgroup_path(&s->path, BPF_CORE_READ(cgrp, kn), e->level, e->path, &truncated);
	e->flags = truncated ? PW_F_PATH_TRUNCATED : 0;
	size = PW_HOLD_SIGNAL_EVENT_SIZE(e->path_len);
	if (size > sizeof(*e))
		size = sizeof(*e);
	begin_event(&e->hdr, type, size);
	output_event(e, type, size, WAKE_NOW);
}

SEC("tp_btf/signal_generate")
int BPF_PROG(signal_generate, int sig, struct kernel_siginfo *info, struct task_struct *task,
	     int group, int result)
{
	__u64 now, *held;
	__u32 tgid;

	if (sig == SIGSTOP) {
		if (result != TRACE_SIGNAL_DELIVERED || !sent_by_the_kernel(info) ||
		    BPF_CORE_READ(task, pid) != (__u32)bpf_get_current_pid_tgid())
			return 0;
		now = bpf_ktime_get_ns();
		tgid = BPF_CORE_READ(task, tgid);
		if (bpf_map_update_elem(&holds_seen, &tgid, &now, BPF_ANY))
			count_map_error(PW_MAP_ERR_HOLDS_SEEN);
		emit_hold_signal(task, PW_EV_HOLD, 0);
		return 0;
	}
	/* A SIGCONT wakes a stopped task even when the result says "ignored" (no handler). */
	if (sig != SIGCONT)
		return 0;
	tgid = BPF_CORE_READ(task, tgid);
	held = bpf_map_lookup_elem(&holds_seen, &tgid);
	if (!held)
		return 0;
	now = bpf_ktime_get_ns();
	now = now > *held ? now - *held : 0;
	bpf_map_delete_elem(&holds_seen, &tgid);
	emit_hold_signal(task, PW_EV_RELEASE, now);
	return 0;
}

#endif /* HOLD_TRACE_BPF_H */
