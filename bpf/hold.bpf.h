/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Holding the first exec of a container the agent is about to isolate
 * (agent --hold, docs/AGENT.md). Every new cgroup of the hold hierarchy is
 * marked at its mkdir; the agent clears the marks of cgroups it will not
 * isolate (most, within a millisecond or so) and of those it has isolated.
 * A task that execs while its cgroup is still marked stops before its first
 * instruction (SIGSTOP from inside its own exec) and is recorded in held;
 * the agent resumes it once the isolation is read back, or once it decides
 * not to isolate. Nothing is marked or held unless the agent's heartbeat is
 * fresh: a dead or stuck agent holds nothing.
 */
#ifndef HOLD_BPF_H
#define HOLD_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "cgroup.bpf.h"
#include "emit.bpf.h"
#include "pinwatch.h"

#define SIGSTOP 19

const volatile bool hold_enabled = false;
/* The hierarchy whose cgroups are marked: the v1 cpuset one, or 0 for cgroup2. */
const volatile __s32 hold_hierarchy = 0;
/* The agent itself: cgroups it makes (its v1 housekeeping cpuset) are never candidates. */
const volatile __u32 hold_agent_tgid = 0;
/* How old the agent's heartbeat may be for anything to be held. */
const volatile __u64 hold_heartbeat_max_ns = 1000000000ULL;
/* CLOCK_MONOTONIC of the agent's last tick: it writes it through the mapped .bss. */
__u64 agent_heartbeat_ns = 0;
/*
 * Marks made plus tasks held, ever: the agent reads it through the mapped
 * .bss and walks the maps only when it moved (or something was left the
 * last time), not on every turn: an empty hash map's walk visits every bucket.
 */
__u64 hold_changes = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);   /* cgroup id */
	__type(value, __u64); /* bpf_ktime_get_ns() of the mark */
} hold_candidates SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32); /* thread group id */
	__type(value, struct pw_held);
} held SEC(".maps");

/* A ring of its own: trace never reads holds, the agent reads them at once. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} hold_events SEC(".maps");

static __always_inline bool agent_alive(__u64 now)
{
	__u64 beat = agent_heartbeat_ns;

	/* A beat stamped after now (the agent's tick on another CPU) is fresh too. */
	return beat && (now <= beat || now - beat < hold_heartbeat_max_ns);
}

/* A new cgroup of the hold hierarchy: a candidate until the agent says otherwise. */
static __always_inline void hold_mark(struct cgroup *cgrp)
{
	__u64 id, now = bpf_ktime_get_ns();

	if (!hold_enabled || cgroup_hierarchy(cgrp) != hold_hierarchy || !agent_alive(now) ||
	    bpf_get_current_pid_tgid() >> 32 == hold_agent_tgid)
		return;
	id = cgroup_id_of(cgrp);
	if (bpf_map_update_elem(&hold_candidates, &id, &now, BPF_ANY))
		count_map_error(PW_MAP_ERR_HOLD_CANDIDATES);
	else
		__sync_fetch_and_add(&hold_changes, 1);
}

static __always_inline void hold_unmark(struct cgroup *cgrp)
{
	__u64 id;

	if (!hold_enabled || cgroup_hierarchy(cgrp) != hold_hierarchy)
		return;
	id = cgroup_id_of(cgrp);
	bpf_map_delete_elem(&hold_candidates, &id);
}

/* At an exec: stop the task before its first instruction when its cgroup is marked. */
static __always_inline void hold_at_exec(struct task_struct *task)
{
	struct pw_held h = {};
	struct pw_hold_event *e;
	__u32 tgid;

	if (!hold_enabled)
		return;
	h.held_ns = bpf_ktime_get_ns();
	/* The hold hierarchy is the cpuset one: the loader sets hold_hierarchy to match. */
	h.cgroup_id = cgroup_id_of(task_cpuset_cgroup(task));
	if (!bpf_map_lookup_elem(&hold_candidates, &h.cgroup_id) || !agent_alive(h.held_ns))
		return;
	h.start_boottime = BPF_CORE_READ(task, start_boottime);
	tgid = BPF_CORE_READ(task, tgid);
	/* Recorded first: a task that is stopped is always one the agent can find. */
	if (bpf_map_update_elem(&held, &tgid, &h, BPF_NOEXIST)) {
		count_map_error(PW_MAP_ERR_HELD);
		return;
	}
	__sync_fetch_and_add(&hold_changes, 1);
	if (bpf_send_signal(SIGSTOP)) {
		bpf_map_delete_elem(&held, &tgid);
		return;
	}
	/* The agent also looks at held on every tick: a lost record only delays. */
	e = bpf_ringbuf_reserve(&hold_events, sizeof(*e), 0);
	if (!e)
		return;
	e->pid = tgid;
	e->pad = 0;
	e->held = h;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
}

#endif /* HOLD_BPF_H */
