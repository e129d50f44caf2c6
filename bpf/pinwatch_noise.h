/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The event ABI of the noise counters (bpf/noise.bpf.c, user/noise_counters.c): what
 * runs on a watched CPU that is not its owner, counted at each context
 * switch there by a BPF program on a software perf event opened for that CPU
 * alone. No other CPU runs it: a tracepoint program would run on every
 * context switch of the node.
 */
#ifndef PW_PINWATCH_NOISE_H
#define PW_PINWATCH_NOISE_H

#define PW_NOISE_MAX_CPUS 1024
/* Distinct intruders (CPU, pid) kept between two reads; more are counted, not named. */
#define PW_NOISE_MAX_TASKS 4096
#define PW_NOISE_COMM_LEN 16
/* An intruder's events (emit_events): its first switch, then at most one a second. */
#define PW_NOISE_EVENT_INTERVAL_NS 1000000000ULL
#define PW_NOISE_RINGBUF_SIZE (256 * 1024)

/* A watched CPU: set by user space, read at each switch there. */
struct pw_noise_cpu_conf {
	__u64 owner_cgroup; /* the owner's cgroup id in the cpuset-bearing hierarchy; 0: none */
	__u32 watched;
	__u32 pad;
};

/*
 * What ran on one CPU, by whom, since the counters began (user space takes
 * deltas). The idle task is not seen: a switch out of it does not reach a
 * context-switch perf program.
 */
struct pw_noise_cpu_counts {
	__u64 last_switch_ns;
	__u64 own_switches, own_ns;	    /* the owner's tasks */
	__u64 task_switches, task_ns;	    /* other tasks: intruders */
	__u64 kthread_switches, kthread_ns; /* kernel threads */
	__u64 unnamed;			    /* intruders not named: the task map was full */
	__u64 events_dropped;		    /* emit_events: the ring buffer was full */
};

enum pw_noise_kind {
	PW_NOISE_TASK = 1,    /* a task of the host or of another container */
	PW_NOISE_KTHREAD = 2, /* a kernel thread (kworker, ksoftirqd, migration, rcu...) */
};

struct pw_noise_task_key {
	__u32 cpu;
	__u32 pid; /* the thread's */
};

struct pw_noise_task {
	__u32 tgid, ppid;
	__u32 kind; /* enum pw_noise_kind */
	__s32 hierarchy_id;
	__u64 cgroup_id; /* its cgroup in the cpuset-bearing hierarchy */
	__u64 switches, run_ns;
	/* emit_events: when its last event left, and what came since */
	__u64 last_event_ns, event_switches, event_run_ns;
	char comm[PW_NOISE_COMM_LEN];
	char parent_comm[PW_NOISE_COMM_LEN];
};

#endif /* PW_PINWATCH_NOISE_H */
