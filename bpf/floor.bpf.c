// SPDX-License-Identifier: GPL-2.0-only
/*
 * The benchmark's floor: empty programs on exactly the hooks pinwatch trace
 * attaches by default, so `make bench` can tell what attaching costs from
 * what the programs do. The syscall tracepoints are trace's tracepoint
 * mode, the fexit its fentry mode; the BTF tracepoints both. Not part of
 * pinwatch; loaded by tests/helpers/bpf_floor.c.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

/* An empty program named name on hook: it attaches, and does nothing. */
#define EMPTY_PROGRAM(hook, name)                                                                  \
	SEC(hook)                                                                                  \
	int name(void *ctx)                                                                        \
	{                                                                                          \
		return 0;                                                                          \
	}

EMPTY_PROGRAM("tp/syscalls/sys_enter_write", floor_enter_write)
EMPTY_PROGRAM("tp/syscalls/sys_enter_pwrite64", floor_enter_pwrite64)
EMPTY_PROGRAM("tp/syscalls/sys_enter_writev", floor_enter_writev)
EMPTY_PROGRAM("tp/syscalls/sys_exit_write", floor_exit_write)
EMPTY_PROGRAM("tp/syscalls/sys_exit_pwrite64", floor_exit_pwrite64)
EMPTY_PROGRAM("tp/syscalls/sys_exit_writev", floor_exit_writev)
EMPTY_PROGRAM("tp_btf/cgroup_mkdir", floor_cgroup_mkdir)
EMPTY_PROGRAM("tp_btf/cgroup_rmdir", floor_cgroup_rmdir)
EMPTY_PROGRAM("tp_btf/cgroup_notify_populated", floor_cgroup_notify_populated)
EMPTY_PROGRAM("tp_btf/sched_process_exec", floor_sched_process_exec)
EMPTY_PROGRAM("tp_btf/signal_generate", floor_signal_generate)

SEC("fexit/cgroup_file_write")
int BPF_PROG(floor_cgroup_file_write)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
