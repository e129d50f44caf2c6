/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Holding the first exec of a container the agent is about to isolate
 * (agent --hold, docs/AGENT.md). A new cgroup of the hold hierarchy is
 * marked at its mkdir only when a container runtime made it: a process
 * running a runtime binary a trusted exec ran (runc, crun, a shim's runc,
 * a daemonized fork of crun), or systemd making a runtime's scope (the
 * systemd cgroup driver). A cgroup a user, libvirt, lxc or a systemd unit
 * made is never marked, so nothing of theirs is ever held. The agent
 * clears the marks of cgroups it will not isolate and of those it has
 * isolated. A task that execs while its cgroup is still marked stops
 * before its first instruction (SIGSTOP from inside its own exec) and is
 * recorded in held; the agent resumes it once the isolation is read back,
 * or once it decides not to isolate.
 *
 * Failing open: nothing is marked or held unless both the agent's and its
 * guardian's heartbeats are fresh, and the agent has not exited. Where the
 * kernel has bpf_send_signal_task() (6.13+), the agent's own exit resumes
 * every task it held from here, however the agent dies (kill -9 of its
 * whole cgroup included); elsewhere the guardian, a process outside the
 * agent's session and cgroup, does.
 */
#ifndef HOLD_BPF_H
#define HOLD_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "cgroup.bpf.h"
#include "emit.bpf.h"
#include "pinwatch.h"

#define SIGCONT 18
#define SIGSTOP 19
/* A container id: 64 hex digits, what containerd, CRI-O, Docker and Podman make. */
#define CONTAINER_ID_LEN 64
/* "<prefix>-<64 hex>.scope": room for the id, the suffix and a prefix. */
#define SCOPE_NAME_LEN 128

const volatile bool hold_enabled = false;
/* The hierarchy whose cgroups are marked: the v1 cpuset one, or 0 for cgroup2. */
const volatile __s32 hold_hierarchy = 0;
/*
 * The agent itself, by its thread group id: it holds only from the host's
 * pid namespace (the loader makes sure), where its pids are the kernel's.
 */
const volatile __u32 hold_agent_tgid = 0;
/*
 * How old the agent's and the guardian's heartbeats may be for anything to
 * be held: PW_HOLD_MAX_MS (user/hold.h). The agent beats between its turns,
 * so one slow apply (sched domains rebuilt, a journal fsync) must not end
 * the holds it is there to cover; a task held by an agent stuck since is
 * resumed by the guardian at PW_HOLD_MAX_MS plus its grace.
 */
const volatile __u64 hold_heartbeat_max_ns = 2000000000ULL;
/* CLOCK_MONOTONIC of the agent's last tick: it writes it through the mapped .bss. */
__u64 agent_heartbeat_ns = 0;
/* The same, of the guardian (it writes the mapping it inherited). */
__u64 guardian_heartbeat_ns = 0;
/* Set when the agent's process exits: nothing is held from then on. */
__u32 agent_gone = 0;
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
	__type(key, __u32); /* thread group id (the kernel's) */
	__type(value, struct pw_held);
} held SEC(".maps");

/* A runtime binary a trusted exec ran: its processes' mkdirs are container starts. */
struct runtime_exe {
	__u64 dev; /* the superblock's device */
	__u64 ino;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 64);
	__type(key, struct runtime_exe);
	__type(value, __u64); /* bpf_ktime_get_ns() of the last trusted exec */
} runtime_exes SEC(".maps");

/*
 * The processes of trusted runtime execs, by thread group id (with their
 * start time: a reused pid is not one): a runtime that re-executes itself
 * from a sealed copy (crun's, runc's "memfd:..._cloned") keeps its tgid,
 * and the copy it runs becomes a runtime binary too.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);   /* tgid */
	__type(value, __u64); /* start_boottime */
} runtime_tasks SEC(".maps");

/*
 * Isolated containers that want the processes a runtime's exec puts into
 * them on one CPU (exec CPU affinity): cgroup id -> that CPU + 1. The agent
 * keeps it, and the count beside it in the mapped .bss: 0 costs one load.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u32);
} exec_pins SEC(".maps");
__u32 exec_pins_count = 0;

/* A ring of its own: trace never reads holds, the agent reads them at once. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} hold_events SEC(".maps");

/* Where the kernel has them (6.13+): the agent's exit resumes what it held. */
extern struct task_struct *bpf_task_from_pid(s32 pid) __ksym __weak;
extern void bpf_task_release(struct task_struct *p) __ksym __weak;
extern int bpf_send_signal_task(struct task_struct *task, int sig, enum pid_type type,
				u64 value) __ksym __weak;

static __always_inline bool beat_fresh(__u64 beat, __u64 now)
{
	/* A beat stamped after now (a tick on another CPU) is fresh too. */
	return beat && (now <= beat || now - beat < hold_heartbeat_max_ns);
}

/* Whether anything may be held now: the agent and its guardian both alive. */
static __always_inline bool holding_allowed(__u64 now)
{
	return !agent_gone && beat_fresh(agent_heartbeat_ns, now) &&
	       beat_fresh(guardian_heartbeat_ns, now);
}

static __always_inline struct runtime_exe exe_of(struct file *file)
{
	struct runtime_exe exe = {
		.dev = BPF_CORE_READ(file, f_inode, i_sb, s_dev),
		.ino = BPF_CORE_READ(file, f_inode, i_ino),
	};

	return exe;
}

/* A trusted exec of a runtime binary: the processes running it make containers. */
static __always_inline void hold_note_runtime(struct task_struct *task, struct linux_binprm *bprm)
{
	struct runtime_exe exe;
	__u64 now, start;
	__u32 tgid;

	if (!hold_enabled)
		return;
	exe = exe_of(BPF_CORE_READ(bprm, file));
	now = bpf_ktime_get_ns();
	bpf_map_update_elem(&runtime_exes, &exe, &now, BPF_ANY);
	tgid = BPF_CORE_READ(task, tgid);
	start = BPF_CORE_READ(task, start_boottime);
	bpf_map_update_elem(&runtime_tasks, &tgid, &start, BPF_ANY);
}

/*
 * Any other exec: by a trusted runtime's own process (the same tgid and
 * start), it is the runtime re-executing a sealed copy of itself, whose
 * forks make the cgroups (crun's daemonized child): that binary is noted.
 * Returns whether it was one.
 */
static __always_inline bool hold_note_reexec(struct task_struct *task, struct linux_binprm *bprm)
{
	__u32 tgid = BPF_CORE_READ(task, tgid);
	struct runtime_exe exe;
	__u64 *start, now;

	if (!hold_enabled)
		return false;
	start = bpf_map_lookup_elem(&runtime_tasks, &tgid);
	if (!start || *start != BPF_CORE_READ(task, start_boottime))
		return false;
	exe = exe_of(BPF_CORE_READ(bprm, file));
	now = bpf_ktime_get_ns();
	bpf_map_update_elem(&runtime_exes, &exe, &now, BPF_ANY);
	return true;
}

static __always_inline bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/*
 * A runtime's systemd scope: "<prefix>-<64 hex>.scope" (cri-containerd-,
 * crio-, docker-, libpod-), which systemd makes for the systemd cgroup
 * driver when the runtime asks it to.
 */
static __always_inline bool runtime_scope_name(struct cgroup *cgrp)
{
	char name[SCOPE_NAME_LEN] = {};
	long n = bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(cgrp, kn, name));
	__u32 end;

	/* At least "-", the id and ".scope", and the NUL. */
	if (n < 1 + CONTAINER_ID_LEN + 6 + 1)
		return false;
	end = (n - 1 - 6) & (SCOPE_NAME_LEN - 1);
	if (end + 6 > SCOPE_NAME_LEN || end < CONTAINER_ID_LEN + 1)
		return false;
	if (name[end] != '.' || name[(end + 1) & (SCOPE_NAME_LEN - 1)] != 's' ||
	    name[(end + 5) & (SCOPE_NAME_LEN - 1)] != 'e')
		return false;
	if (name[(end - CONTAINER_ID_LEN - 1) & (SCOPE_NAME_LEN - 1)] != '-')
		return false;
	for (__u32 i = 0; i < CONTAINER_ID_LEN; i++)
		if (!is_hex(name[(end - CONTAINER_ID_LEN + i) & (SCOPE_NAME_LEN - 1)]))
			return false;
	return true;
}

/*
 * Whether the current task making cgrp is a container runtime: it runs a
 * binary a trusted runtime exec ran (its own process, or a fork of it),
 * or it is the host's systemd making a runtime's scope.
 */
static __always_inline bool made_by_runtime(struct cgroup *cgrp)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct file *exe_file = BPF_CORE_READ(task, mm, exe_file);
	struct runtime_exe exe;

	if (exe_file) {
		exe = exe_of(exe_file);
		if (bpf_map_lookup_elem(&runtime_exes, &exe))
			return true;
	}
	return BPF_CORE_READ(task, tgid) == 1 && BPF_CORE_READ(task, thread_pid, level) == 0 &&
	       runtime_scope_name(cgrp);
}

/* A new cgroup a runtime made in the hold hierarchy: a candidate until the agent says otherwise. */
static __always_inline void hold_mark(struct cgroup *cgrp)
{
	__u64 id, now = bpf_ktime_get_ns();

	if (!hold_enabled || cgroup_hierarchy(cgrp) != hold_hierarchy || !holding_allowed(now) ||
	    bpf_get_current_pid_tgid() >> 32 == hold_agent_tgid || !made_by_runtime(cgrp))
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

/*
 * Whether task, exec'ing in a running container, was put there by a
 * runtime's exec (runc exec, crun exec: kubectl exec, a probe), not forked
 * by the workload: it is not the container's own first process (pid 1 of
 * the container's pid namespace), and its parent is outside the container
 * (in the host's pid namespace: a workload cannot make such a process), or
 * runs a runtime binary (a container sharing the host's pid namespace).
 * The parent is read as it is at the exec: `runc exec -d` may already be
 * exiting (no mm left) or gone (the task reparented to a host reaper).
 */
static __always_inline bool put_there_by_runtime(struct task_struct *task)
{
	struct pid *pid = BPF_CORE_READ(task, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);
	struct task_struct *parent = BPF_CORE_READ(task, real_parent);
	struct file *parent_exe;
	struct runtime_exe exe;
	struct upid up = {};

	if (level > 0) {
		bpf_probe_read_kernel(&up, sizeof(up), &pid->numbers[level & 31]);
		if (up.nr == 1)
			return false;
		if (BPF_CORE_READ(parent, thread_pid, level) == 0)
			return true;
	}
	parent_exe = BPF_CORE_READ(parent, mm, exe_file);
	if (!parent_exe)
		return false;
	exe = exe_of(parent_exe);
	return bpf_map_lookup_elem(&runtime_exes, &exe);
}

/* At an exec: stop the task before its first instruction when its cgroup is marked. */
static __always_inline void hold_at_exec(struct task_struct *task)
{
	struct pw_held h = {};
	struct pw_hold_event *e;
	__u32 tgid, *pin;

	if (!hold_enabled)
		return;
	h.held_ns = bpf_ktime_get_ns();
	/* The hold hierarchy is the cpuset one: the loader sets hold_hierarchy to match. */
	h.cgroup_id = cgroup_id_of(task_cpuset_cgroup(task));
	pin = exec_pins_count ? bpf_map_lookup_elem(&exec_pins, &h.cgroup_id) : NULL;
	if (pin && put_there_by_runtime(task))
		h.pin_cpu = *pin;
	else if (!bpf_map_lookup_elem(&hold_candidates, &h.cgroup_id))
		return;
	if (!holding_allowed(h.held_ns))
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
	/*
	 * The agent may have exited between the check above and the record
	 * (its exit walked held before this entry was there): a SIGCONT to
	 * itself now cancels the pending stop, and nothing is left held.
	 */
	if (agent_gone) {
		bpf_send_signal(SIGCONT);
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

/* Resume one held task, if it is still the task that was held. */
static long release_held(struct bpf_map *map, __u32 *tgid, struct pw_held *h, void *ctx)
{
	struct task_struct *task = bpf_task_from_pid(*tgid);

	if (task) {
		if (task->start_boottime == h->start_boottime)
			bpf_send_signal_task(task, SIGCONT, PIDTYPE_TGID, 0);
		bpf_task_release(task);
	}
	bpf_map_delete_elem(map, tgid);
	return 0;
}

/*
 * The agent's process exits, however it dies: nothing is held from now on,
 * and every task it held resumes. Loaded only where the kernel has the
 * kfuncs (the loader looks in its BTF); other exits leave at the first test.
 */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(hold_release_at_agent_exit, struct task_struct *task)
{
	if (task->tgid != hold_agent_tgid || task->signal->live.counter)
		return 0;
	agent_gone = 1;
	bpf_for_each_map_elem(&held, release_held, NULL, 0);
	return 0;
}

#endif /* HOLD_BPF_H */
