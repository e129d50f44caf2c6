/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Loading pinwatch's BPF programs: preflight checks, open, configure, load,
 * attach. Every failure is reported as one line that says what failed and
 * what to do; libbpf's own output shows only with verbose.
 */
#ifndef PW_LOADER_H
#define PW_LOADER_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#include "pinwatch.h"

struct pinwatch_bpf;

/* How cpuset writes are seen (trace): the mode asked for, or the one in use. */
enum pw_probe {
	PW_PROBE_NONE = 0, /* cpuset write events not asked for (the agent) */
	PW_PROBE_AUTO,	   /* fentry where the kernel allows it, else tracepoints */
	PW_PROBE_TRACEPOINT,
	PW_PROBE_FENTRY,
};

/* "tracepoint", "fentry", ... */
const char *pw_probe_name(enum pw_probe probe);

struct pw_loader_opts {
	bool all_hierarchies; /* cgroup events from every hierarchy */
	/* cgroup events only from hierarchy (its id, 0 for cgroup2): the one the agent maps */
	bool one_hierarchy;
	int hierarchy;
	unsigned int types_mask; /* bit N: attach what event type N needs */
	/* runtime basenames whose execs are reported (runtimes.h's, --runtime's) */
	const char *const *runtimes;
	size_t nr_runtimes;
	const char *btf_path;	      /* NULL: the running kernel's BTF */
	bool verbose;		      /* show libbpf's messages */
	unsigned int ringbuf_size;    /* bytes, a power of two; 0: the default (4 MiB) */
	bool urgent_populated_events; /* wake the reader on every populated event (the agent) */
	/*
	 * With PW_EV_CPUSET_WRITE: the syscall tracepoints (write, pwrite64,
	 * writev: every write on the node pays), or fexit on the cgroup file
	 * write handler (only writes to cgroup files pay; io_uring's too).
	 */
	enum pw_probe probe;
	/* Hold first execs in marked cgroups of hold_hierarchy (agent --hold: bpf/hold.bpf.h). */
	bool hold;
	int hold_hierarchy; /* the v1 cpuset hierarchy's id, or 0 for cgroup2 */
	/* Runtime execs that are not trusted are not sent (the agent: it never acts on them). */
	bool trusted_execs_only;
};

/* The hold maps' fds (bpf/hold.bpf.h): candidate cgroups, held tasks, the hold_events ring. */
void pw_loader_hold_fds(const struct pinwatch_bpf *skel, int *candidates, int *held, int *events);

/* The exec CPU affinity map's fd, and its entry count in the mapped .bss (bpf/hold.bpf.h). */
int pw_loader_exec_pins_fd(const struct pinwatch_bpf *skel);
__u32 *pw_loader_exec_pins_count(struct pinwatch_bpf *skel);

/* The kernel side's count of marks made and tasks held, in the mapped .bss (read atomically). */
const __u64 *pw_loader_hold_changes(const struct pinwatch_bpf *skel);

/* The agent is alive at CLOCK_MONOTONIC now_ns: the kernel side may hold (bpf/hold.bpf.h). */
void pw_loader_heartbeat(struct pinwatch_bpf *skel, __u64 now_ns);

/*
 * Where the guardian writes its heartbeat: a word of the mapped .bss, which
 * a child forked after start inherits (bpf/hold.bpf.h holds nothing unless
 * it is fresh too).
 */
__u64 *pw_loader_guardian_heartbeat(struct pinwatch_bpf *skel);

/*
 * Whether the kernel side itself resumes every held task when the agent's
 * process exits, however it dies (the kernel has bpf_send_signal_task()).
 */
bool pw_loader_hold_released_at_exit(const struct pinwatch_bpf *skel);

/* Longest runtime basename the BPF side can match. */
#define PW_RUNTIME_NAME_MAX (PW_RUNTIME_NAME_LEN - 1)

/*
 * Check that name can be a runtime basename (1 to PW_RUNTIME_NAME_MAX bytes,
 * no '/'); say why not, naming it, and return -EINVAL.
 */
int pw_check_runtime_name(const char *name);

/* libbpf's messages on stderr only when verbose (they are libbpf's, not ours). */
void pw_loader_libbpf_verbose(bool verbose);

/* A libbpf or errno error (negative) in words. */
const char *pw_loader_errstr(int err);

/* Open, load and attach; on failure print one line and return -errno. */
int pw_loader_start(const struct pw_loader_opts *opts, struct pinwatch_bpf **skel);

/* Which probe mode sees cpuset writes in a started skeleton (PW_PROBE_NONE: none). */
enum pw_probe pw_loader_probe(const struct pinwatch_bpf *skel);

/* Detach and free; accepts NULL. */
void pw_loader_stop(struct pinwatch_bpf *skel);

/* Runtime execs the kernel side found untrusted so far, by enum pw_untrusted (mapped). */
void pw_loader_untrusted_execs(const struct pinwatch_bpf *skel, __u64 out[PW_UNTRUSTED_MAX]);

/* Events the kernel side lost so far (all types): a mapped global, no syscall. */
__u64 pw_loader_lost_events(const struct pinwatch_bpf *skel);

/* The ring buffer map's fd. */
int pw_loader_events_fd(const struct pinwatch_bpf *skel);

/*
 * The kernel side's counters, summed over CPUs: events[type * PW_CNT_MAX +
 * enum pw_counter] and map_errors[enum pw_map_error]. 0 or -errno.
 */
int pw_loader_read_counters(const struct pinwatch_bpf *skel, __u64 events[PW_COUNTERS_LEN],
			    __u64 map_errors[PW_MAP_ERR_MAX]);

#endif /* PW_LOADER_H */
