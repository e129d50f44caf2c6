/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The event ABI shared by the BPF program and the user-space loader.
 *
 * Fixed-size records, no pointers, fixed-width types only. Every record starts
 * with struct pw_event_header. Event numbers are part of the ABI: never reuse
 * or renumber one, only append. Sizes are pinned with _Static_assert on both
 * sides so a layout change cannot slip through one side silently.
 */
#ifndef PINWATCH_H
#define PINWATCH_H

enum pw_event_type {
	PW_EV_CGROUP_MKDIR = 1,
	PW_EV_CGROUP_RMDIR = 2,
	PW_EV_EXEC = 3,
	PW_EV_CPUSET_WRITE = 4,
	PW_EV_CGROUP_POPULATED = 5, /* populated or unpopulated: see PW_F_POPULATED */
	PW_EV_HOLD = 6,		    /* a task stopped at its exec by agent --hold (its signal) */
	PW_EV_RELEASE = 7,	    /* the SIGCONT that ends such a stop */
	PW_EV_NOISE = 8,	    /* not its owner ran on a watched CPU (bpf/noise.bpf.c) */
	PW_EV_TYPE_MAX,		    /* one past the last event number */
};

/* Counters kept per event type in a per-CPU array, see counter_index(). */
enum pw_counter {
	PW_CNT_SEEN = 0,    /* matched every kernel-side filter */
	PW_CNT_EMITTED = 1, /* written to the ring buffer */
	PW_CNT_DROPPED = 2, /* ring buffer full: the event is lost */
	PW_CNT_MAX,
};
#define PW_COUNTERS_LEN (PW_EV_TYPE_MAX * PW_CNT_MAX)

/*
 * Kernel-side map updates that failed, counted apart from ring buffer drops
 * (a full ring buffer and a full map call for different remedies).
 */
enum pw_map_error {
	PW_MAP_ERR_PENDING_WRITES = 0,	/* a cpuset write could not be stashed at sys_enter */
	PW_MAP_ERR_HOLD_CANDIDATES = 1, /* a new cgroup could not be marked: its first exec runs */
	PW_MAP_ERR_HELD = 2,		/* a task could not be recorded: it was not held */
	PW_MAP_ERR_HOLDS_SEEN = 3,	/* trace: a hold whose release it will not report */
	PW_MAP_ERR_MAX,
};

/*
 * Which syscall a cpuset write came through. Unknown where it is seen at
 * the cgroup file write handler (fentry mode): any way in looks the same.
 */
enum pw_write_syscall {
	PW_SYS_UNKNOWN = 0,
	PW_SYS_WRITE = 1,
	PW_SYS_PWRITE64 = 2,
	PW_SYS_WRITEV = 3,
};

/* Bits in the flags field of an event: a bounded copy was cut short. */
#define PW_F_PATH_TRUNCATED (1U << 0)
#define PW_F_VALUE_TRUNCATED (1U << 1)
#define PW_F_ARGS_TRUNCATED (1U << 2)
/* cgroup_populated: the cgroup now has tasks (set) or has none left (clear). */
#define PW_F_POPULATED (1U << 3)
/*
 * exec: a process of the host ran a binary of the host (enum pw_untrusted
 * says what else it was). Only such an exec may name a container: anyone
 * can name a binary "runc", and uid 0 and a root-owned file are both true
 * inside any root container without a user namespace.
 */
#define PW_F_TRUSTED (1U << 4)

/*
 * Why an exec is not trusted, the first rule it fails (decided in the
 * kernel side at the exec, where nothing can change under it).
 */
enum pw_untrusted {
	PW_UNTRUSTED_NONE = 0,
	PW_UNTRUSTED_UID = 1,	    /* uid or euid not 0 */
	PW_UNTRUSTED_USER_NS = 2,   /* not in the initial user namespace */
	PW_UNTRUSTED_MNT_NS = 3,    /* not in the host's mount namespace (a container) */
	PW_UNTRUSTED_PID_NS = 4,    /* not in the initial pid namespace */
	PW_UNTRUSTED_EXE_OWNER = 5, /* the binary is not root's, or others may write it */
	PW_UNTRUSTED_EXE_FS = 6,    /* the binary is on an overlay: a container's image */
	PW_UNTRUSTED_MAX,
};

#define PW_COMM_LEN 16
/* Power-of-two buffer sizes let the BPF side bound offsets with a mask. */
#define PW_PATH_LEN 512
#define PW_VALUE_LEN 256
#define PW_ARGS_LEN 1024
/* cpuset.cpus.exclusive.effective is 31 bytes: room for every cpuset file. */
#define PW_FILE_LEN 64
#define PW_RUNTIME_NAME_LEN 32
/* Deepest cgroup whose path the write event rebuilds component by component. */
#define PW_MAX_CGROUP_DEPTH 16
/* iovecs of one writev(2) whose bytes are copied. */
#define PW_MAX_IOVECS 4

struct pw_event_header {
	__u32 type;	 /* enum pw_event_type */
	__u32 size;	 /* bytes of the whole record */
	__u64 ktime_ns;	 /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u32 pid;	 /* thread group id, what ps calls PID */
	__u32 tid;	 /* thread id */
	__u64 cgroup_id; /* the current task's cgroup v2 id */
	char comm[PW_COMM_LEN];
};

/*
 * cgroup:cgroup_mkdir, cgroup:cgroup_rmdir and cgroup:cgroup_notify_populated.
 * Sent cut after the path's NUL: hdr.size is PW_CGROUP_EVENT_SIZE(path_len),
 * and no byte of path past it is in the record.
 */
struct pw_cgroup_event {
	struct pw_event_header hdr;
	__s32 hierarchy_id; /* 0 is cgroup2, each v1 hierarchy has its own */
	__s32 level;	    /* depth below the hierarchy root */
	__u64 id;	    /* kernfs node id of the cgroup directory */
	__u32 flags;	    /* PW_F_* */
	__u32 path_len;	    /* bytes in path, without the NUL */
	char path[PW_PATH_LEN];
};

#define PW_CGROUP_EVENT_SIZE(path_len)                                                             \
	(__builtin_offsetof(struct pw_cgroup_event, path) + (path_len) + 1)

/*
 * noise (bpf/noise.bpf.c, trace --type noise): a task or kernel thread that
 * is not the CPU's owner was switched out of a watched CPU; sent at its
 * first switch there, then at most once a second while it goes on. The
 * header is the intruder's, its cgroup_id its cgroup of the cpuset-bearing
 * hierarchy (hierarchy_id).
 */
struct pw_noise_event {
	struct pw_event_header hdr;
	__u32 cpu;
	__u32 kind; /* enum pw_noise_kind (pinwatch_noise.h) */
	__u32 ppid;
	__s32 hierarchy_id;
	__u64 owner_cgroup; /* the CPU's owner, 0 when none */
	__u64 switches;	    /* since its last event */
	__u64 run_ns;	    /* its stints there since its last event */
	char parent_comm[PW_COMM_LEN];
};

/*
 * signal:signal_generate, as trace sees the agent's holds (bpf/hold_trace.bpf.h):
 * PW_EV_HOLD is a SIGSTOP a task gets from the kernel side of itself (what
 * agent --hold's bpf_send_signal() is; no process can send that), PW_EV_RELEASE
 * the first SIGCONT such a task gets after, from whoever sends it. The header
 * is the sender's (for a hold, the held task itself); target_* and the cgroup
 * are the held task's. Sent cut after the path's NUL, like pw_cgroup_event.
 */
struct pw_hold_signal_event {
	struct pw_event_header hdr;
	__u32 target_pid; /* thread group id of the held task */
	__u32 flags;	  /* PW_F_PATH_TRUNCATED */
	__u64 held_ns;	  /* release: how long it was stopped; 0 for a hold */
	char target_comm[PW_COMM_LEN];
	__s32 hierarchy_id; /* its cgroup of the cpuset hierarchy (cgroup2 on pure v2) */
	__s32 level;
	__u64 id;
	__u32 pad;
	__u32 path_len; /* bytes in path, without the NUL */
	char path[PW_PATH_LEN];
};

#define PW_HOLD_SIGNAL_EVENT_SIZE(path_len)                                                        \
	(__builtin_offsetof(struct pw_hold_signal_event, path) + (path_len) + 1)

/* sched:sched_process_exec of a container runtime. */
struct pw_exec_event {
	struct pw_event_header hdr;
	__u32 ppid;
	__u32 flags;	 /* PW_F_* */
	__u32 args_len;	 /* bytes in args: NUL-separated argv strings */
	__u32 uid;	 /* the task's real uid */
	__u32 euid;	 /* the task's effective uid */
	__u32 exe_uid;	 /* the owner of the executed file */
	__u32 exe_mode;	 /* its mode bits (type and permissions) */
	__u32 untrusted; /* enum pw_untrusted */
	__u32 cwd_len;	 /* bytes in cwd, without the NUL */
	__u32 pad;
	char filename[PW_RUNTIME_NAME_LEN]; /* basename that matched */
	char args[PW_ARGS_LEN];
	/*
	 * The working directory as the task's mount namespace has it (cut from
	 * the top when long: PW_F_PATH_TRUNCATED): runc and crun started
	 * without --bundle, and containerd's shims, run in their bundle.
	 */
	char cwd[PW_PATH_LEN];
};

/* A write to a cgroupfs file named cpuset.* (write(2), pwrite64(2), writev(2), io_uring...). */
struct pw_cpuset_write_event {
	struct pw_event_header hdr;
	__s64 ret;	    /* the write's return value: bytes or -errno */
	__u64 target_id;    /* kernfs node id of the target cgroup */
	__s32 hierarchy_id; /* of the target cgroup */
	__s32 level;	    /* of the target cgroup */
	__u32 syscall;	    /* enum pw_write_syscall */
	__u32 flags;	    /* PW_F_* */
	__u32 value_len;    /* bytes copied into value */
	__u32 path_len;	    /* bytes in path, without the NUL */
	char file[PW_FILE_LEN];
	char value[PW_VALUE_LEN];
	char path[PW_PATH_LEN];
};

/*
 * A task the kernel side stopped at its exec (the agent's --hold): the value
 * of the held map, keyed by its thread group id, and the record of the
 * separate hold_events ring the agent reads. start_boottime tells this task
 * from a later one that reuses its pid.
 */
struct pw_held {
	__u64 cgroup_id;      /* its cgroup in the hold hierarchy */
	__u64 held_ns;	      /* bpf_ktime_get_ns() when it was stopped */
	__u64 start_boottime; /* task->start_boottime, ns since boot */
	/*
	 * Not 0: a process a runtime's exec put into an isolated container
	 * (kubectl exec), held to be pinned to CPU pin_cpu - 1, not a start.
	 */
	__u32 pin_cpu;
	__u32 pad;
};

struct pw_hold_event {
	__u32 pid; /* thread group id */
	__u32 pad;
	struct pw_held held;
	char comm[PW_COMM_LEN];
};

_Static_assert(sizeof(struct pw_event_header) == 48, "pw_event_header layout changed");
_Static_assert(sizeof(struct pw_cgroup_event) == 48 + 24 + PW_PATH_LEN,
	       "pw_cgroup_event layout changed");
_Static_assert(sizeof(struct pw_exec_event) ==
		       48 + 40 + PW_RUNTIME_NAME_LEN + PW_ARGS_LEN + PW_PATH_LEN,
	       "pw_exec_event layout changed");
_Static_assert(sizeof(struct pw_cpuset_write_event) ==
		       48 + 40 + PW_FILE_LEN + PW_VALUE_LEN + PW_PATH_LEN,
	       "pw_cpuset_write_event layout changed");
_Static_assert(sizeof(struct pw_hold_event) == 40 + PW_COMM_LEN, "pw_hold_event layout changed");
_Static_assert(sizeof(struct pw_hold_signal_event) == 48 + 56 + PW_PATH_LEN,
	       "pw_hold_signal_event layout changed");

#endif /* PINWATCH_H */
