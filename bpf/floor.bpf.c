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

SEC("tp/syscalls/sys_enter_write")
int floor_enter_write(void *ctx)
{
	return 0;
}

SEC("tp/syscalls/sys_enter_pwrite64")
int floor_enter_pwrite64(void *ctx)
{
	return 0;
}

SEC("tp/syscalls/sys_enter_writev")
int floor_enter_writev(void *ctx)
{
	return 0;
}

SEC("tp/syscalls/sys_exit_write")
int floor_exit_write(void *ctx)
{
	return 0;
}

SEC("tp/syscalls/sys_exit_pwrite64")
int floor_exit_pwrite64(void *ctx)
{
	return 0;
}

SEC("tp/syscalls/sys_exit_writev")
int floor_exit_writev(void *ctx)
{
	return 0;
}

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(floor_cgroup_mkdir)
{
	return 0;
}

SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(floor_cgroup_rmdir)
{
	return 0;
}

SEC("tp_btf/cgroup_notify_populated")
int BPF_PROG(floor_cgroup_notify_populated)
{
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(floor_sched_process_exec)
{
	return 0;
}

SEC("tp_btf/signal_generate")
int BPF_PROG(floor_signal_generate)
{
	return 0;
}

SEC("fexit/cgroup_file_write")
int BPF_PROG(floor_cgroup_file_write)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
