// SPDX-License-Identifier: GPL-2.0-only
/*
 * The benchmark's floor: empty programs on exactly the hooks pinwatch trace
 * attaches, so `make bench` can tell what attaching costs from what the
 * programs do. Not part of pinwatch; loaded by tests/helpers/bpf_floor.c.
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

SEC("fexit/cgroup_file_write")
int BPF_PROG(floor_cgroup_file_write)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
