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

struct pw_loader_opts {
	bool all_hierarchies;	     /* cgroup events from every hierarchy */
	unsigned int types_mask;     /* bit N: attach what event type N needs */
	const char *const *runtimes; /* extra runtime basenames (--runtime) */
	size_t nr_runtimes;
	const char *btf_path;	   /* NULL: the running kernel's BTF */
	bool verbose;		   /* show libbpf's messages */
	unsigned int ringbuf_size; /* bytes, a power of two; 0: the default (4 MiB) */
	bool urgent_cgroup_events; /* wake the reader on every cgroup event (the agent) */
};

/* Longest runtime basename the BPF side can match. */
#define PW_RUNTIME_NAME_MAX (PW_RUNTIME_NAME_LEN - 1)

/*
 * Check that name can be a runtime basename (1 to PW_RUNTIME_NAME_MAX bytes,
 * no '/'); say why not, naming it, and return -EINVAL.
 */
int pw_check_runtime_name(const char *name);

/* Open, load and attach; on failure print one line and return -errno. */
int pw_loader_start(const struct pw_loader_opts *opts, struct pinwatch_bpf **skel);

/* Detach and free; accepts NULL. */
void pw_loader_stop(struct pinwatch_bpf *skel);

/* The ring buffer map's fd. */
int pw_loader_events_fd(const struct pinwatch_bpf *skel);

/*
 * The kernel side's counters, summed over CPUs: events[type * PW_CNT_MAX +
 * enum pw_counter] and map_errors[enum pw_map_error]. 0 or -errno.
 */
int pw_loader_read_counters(const struct pinwatch_bpf *skel, __u64 events[PW_COUNTERS_LEN],
			    __u64 map_errors[PW_MAP_ERR_MAX]);

#endif /* PW_LOADER_H */
