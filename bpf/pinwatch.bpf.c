// SPDX-License-Identifier: GPL-2.0
/*
 * pinwatch kernel side: cgroup lifecycle, container runtime execs and writes
 * to cpuset files, streamed to user space through one ring buffer.
 *
 * Tracepoints only: the development kernel refuses fentry and has no kprobes.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "pinwatch.h"
#include "cgroup.bpf.h"
#include "core_fixes.bpf.h"
#include "emit.bpf.h"
#include "hold.bpf.h"
#include "hold_trace.bpf.h"

#define S_IWGRP 00020
#define S_IWOTH 00002
#define OVERLAYFS_SUPER_MAGIC 0x794c7630
#define CPUSET_PREFIX "cpuset."
#define CPUSET_PREFIX_LEN (sizeof(CPUSET_PREFIX) - 1)
/* Longest exec filename whose basename is looked up as a runtime name. */
#define EXEC_FILENAME_LEN 256

/* Set by the loader between open and load. */
const volatile bool all_hierarchies = false;
/*
 * The agent maps one hierarchy (v1's cpuset one, or cgroup2): cgroup
 * events of the other are never sent (on a hybrid node, cgroup2's churn
 * then costs it only this test). -1: every hierarchy that can carry cpusets.
 */
const volatile int only_hierarchy = -1;
/*
 * Runtime execs that are not trusted reach user space only where someone
 * reads them (trace shows them, marked); the agent never acts on one, so
 * they are not sent to it: no user can make it work by naming a binary
 * "runc".
 */
const volatile bool emit_untrusted_execs = true;
/* Runtime execs that were not trusted, by reason (enum pw_untrusted): the agent says them. */
__u64 untrusted_execs[PW_UNTRUSTED_MAX] = {};

/* Approximate count of writes stashed at sys_enter and not yet seen at sys_exit. */
__u64 pending_writes_count = 0;

/* Basenames of container runtime binaries, filled by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, char[PW_RUNTIME_NAME_LEN]);
	__type(value, __u8);
} runtime_names SEC(".maps");

/*
 * cpuset writes seen at sys_enter, keyed by thread id, completed with the
 * return value at sys_exit. LRU: an entry whose exit never comes (program
 * attached mid-syscall) cannot leak a slot for ever.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct pw_cpuset_write_event);
} pending_writes SEC(".maps");

/*
 * Per-CPU scratch space: events are too large for the 512-byte BPF stack, and
 * bounded copies at a variable offset need a destination twice the copy size
 * so the verifier can prove every copy stays inside it. Cleared before each
 * use: a record never carries bytes of an earlier write.
 */
struct write_scratch {
	struct pw_cpuset_write_event ev;
	char value[2 * PW_VALUE_LEN];
	struct path_scratch path;
};

struct exec_scratch {
	char filename[EXEC_FILENAME_LEN];
	struct path_scratch cwd;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct write_scratch);
} write_scratch SEC(".maps");

/* What a scratch area is cleared from (too large for an inline memset). */
static const char zeroes[sizeof(struct write_scratch)];

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct exec_scratch);
} exec_scratch SEC(".maps");

/*
 * Where cgroup events are built: the record is sent cut after its path's NUL
 * (a typical path is a quarter of PW_PATH_LEN), so a ring buffer of a given
 * size holds about three times as many, and a reserved record has a fixed size.
 */
struct cgroup_scratch {
	struct path_scratch path;
	struct pw_cgroup_event ev;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cgroup_scratch);
} cgroup_scratch SEC(".maps");

/*
 * Copy a kernel string into a fixed buffer; return its length without the NUL
 * and set *truncated when the source did not fit.
 */
static __always_inline __u32 read_kernel_str(char *dst, __u32 size, const char *src,
					     bool *truncated)
{
	long n = bpf_probe_read_kernel_str(dst, size, src);
	char next = 0;

	if (n <= 0) {
		dst[0] = '\0';
		return 0;
	}
	/* A full buffer is only truncated if the source goes on past it. */
	if (n == size && !bpf_probe_read_kernel(&next, 1, src + size - 1) && next)
		*truncated = true;
	return n - 1;
}

static __always_inline int handle_cgroup(struct cgroup *cgrp, __u32 type, __u32 extra_flags)
{
	struct cgroup_scratch *s;
	struct pw_cgroup_event *e;
	bool truncated = false;
	__u32 zero = 0, size;

	/* --all-hierarchies aside, only the hierarchies that can carry cpusets. */
	if (!all_hierarchies && !cgroup_carries_cpusets(cgrp))
		return 0;
	if (only_hierarchy >= 0 && cgroup_hierarchy(cgrp) != only_hierarchy)
		return 0;
	s = bpf_map_lookup_elem(&cgroup_scratch, &zero);
	if (!s)
		return 0;
	e = &s->ev;
	e->hierarchy_id = cgroup_hierarchy(cgrp);
	e->level = BPF_CORE_READ(cgrp, level);
	e->id = cgroup_id_of(cgrp);
	/* From its kernfs names, not the tracepoint's string: a long path keeps its end. */
	e->path_len =
		build_cgroup_path(&s->path, BPF_CORE_READ(cgrp, kn), e->level, e->path, &truncated);
	e->flags = (truncated ? PW_F_PATH_TRUNCATED : 0) | extra_flags;
	size = PW_CGROUP_EVENT_SIZE(e->path_len);
	if (size > sizeof(*e))
		size = sizeof(*e);
	begin_event(&e->hdr, type, size);
	output_event(e, type, size,
		     urgent_populated_events && type == PW_EV_CGROUP_POPULATED ? WAKE_NOW :
										 WAKE_BATCHED);
	return 0;
}

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(cgroup_mkdir, struct cgroup *cgrp, const char *path)
{
	hold_mark(cgrp);
	return handle_cgroup(cgrp, PW_EV_CGROUP_MKDIR, 0);
}

SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(cgroup_rmdir, struct cgroup *cgrp, const char *path)
{
	hold_unmark(cgrp);
	return handle_cgroup(cgrp, PW_EV_CGROUP_RMDIR, 0);
}

/*
 * A container's process exits before its cgroup is removed, and a failed
 * start may leave the cgroup behind: unpopulated is when its CPUs are free.
 */
SEC("tp_btf/cgroup_notify_populated")
int BPF_PROG(cgroup_notify_populated, struct cgroup *cgrp, const char *path, int val)
{
	return handle_cgroup(cgrp, PW_EV_CGROUP_POPULATED, val ? PW_F_POPULATED : 0);
}

/*
 * The new comm names a runtime: runc re-executes itself (runc init) inside
 * the container's cgroup on cgroup2 before the workload's own exec, from a
 * sealed copy of its binary whose comm reads "memfd:runc_cloned:/...". That
 * exec is not held: the workload's is. The name runs up to '_' or ':'.
 */
static __always_inline bool comm_is_runtime(void)
{
	char comm[PW_COMM_LEN] = {}, name[PW_RUNTIME_NAME_LEN] = {};

	bpf_get_current_comm(comm, sizeof(comm));
	if (comm[0] != 'm' || comm[1] != 'e' || comm[2] != 'm' || comm[3] != 'f' ||
	    comm[4] != 'd' || comm[5] != ':') {
		__builtin_memcpy(name, comm, sizeof(comm));
		return bpf_map_lookup_elem(&runtime_names, name);
	}
	for (__u32 i = 0; i < PW_COMM_LEN - 6; i++) {
		char ch = comm[6 + i];

		if (!ch || ch == '_' || ch == ':')
			break;
		name[i] = ch;
	}
	return bpf_map_lookup_elem(&runtime_names, name);
}

/*
 * Why an exec may not teach anything (enum pw_untrusted), or 0: a process
 * of the host (root of the initial user namespace, in the host's mount and
 * pid namespaces) ran a binary of the host (root's, writable by root alone,
 * not on an overlay, where containers' images are).
 */
struct exec_who {
	__u32 uid, euid, exe_uid, exe_mode, untrusted;
};

static __always_inline __u32 exec_untrusted(struct task_struct *task, struct linux_binprm *bprm,
					    const struct exec_who *e)
{
	/*
	 * The host's mount namespace is PID 1's (what /proc/1/ns/mnt names):
	 * the reaper of the initial pid namespace, level 0 of every task's pids.
	 */
	unsigned int host_mnt_ns = BPF_CORE_READ(task, thread_pid, numbers[0].ns, child_reaper,
						 nsproxy, mnt_ns, ns.inum);

	if (e->uid || e->euid)
		return PW_UNTRUSTED_UID;
	if (BPF_CORE_READ(task, cred, user_ns, level) != 0)
		return PW_UNTRUSTED_USER_NS;
	if (BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum) != host_mnt_ns)
		return PW_UNTRUSTED_MNT_NS;
	if (BPF_CORE_READ(task, thread_pid, level) != 0)
		return PW_UNTRUSTED_PID_NS;
	if (e->exe_uid != 0 || (e->exe_mode & (S_IWGRP | S_IWOTH)))
		return PW_UNTRUSTED_EXE_OWNER;
	if (BPF_CORE_READ(bprm, file, f_inode, i_sb, s_magic) == OVERLAYFS_SUPER_MAGIC)
		return PW_UNTRUSTED_EXE_FS;
	return PW_UNTRUSTED_NONE;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_process_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	char name[PW_RUNTIME_NAME_LEN] = {};
	const char *filename = BPF_CORE_READ(bprm, filename);
	struct exec_scratch *scratch;
	unsigned long arg_start, arg_end, args_len;
	struct pw_exec_event *e;
	struct exec_who who;
	struct mm_struct *mm;
	__u32 zero = 0, base = 0, flags = 0;
	bool cwd_cut = false;
	long n;

	scratch = bpf_map_lookup_elem(&exec_scratch, &zero);
	if (!scratch)
		return 0;
	n = bpf_probe_read_kernel_str(scratch->filename, sizeof(scratch->filename), filename);
	if (n <= 0)
		return 0;
	for (__u32 i = 0; i < EXEC_FILENAME_LEN; i++) {
		if (i >= n)
			break;
		if (scratch->filename[i] == '/')
			base = i + 1;
	}
	/* A basename that fills the key is longer than any runtime name. */
	n = bpf_probe_read_kernel_str(name, sizeof(name), filename + base);
	if (n <= 1 || n >= (long)sizeof(name) || !bpf_map_lookup_elem(&runtime_names, name)) {
		/* Not a runtime: a runtime running a copy of itself, or perhaps a workload to hold. */
		if (!hold_note_reexec(task, bprm) && !comm_is_runtime())
			hold_at_exec(task);
		return 0;
	}

	/* Who ran what: decided here, where neither can change under us. */
	who.uid = BPF_CORE_READ(task, cred, uid.val);
	who.euid = BPF_CORE_READ(task, cred, euid.val);
	who.exe_uid = BPF_CORE_READ(bprm, file, f_inode, i_uid.val);
	who.exe_mode = BPF_CORE_READ(bprm, file, f_inode, i_mode);
	who.untrusted = exec_untrusted(task, bprm, &who);
	if (who.untrusted == PW_UNTRUSTED_NONE) {
		flags |= PW_F_TRUSTED;
		hold_note_runtime(task, bprm);
	} else {
		if (who.untrusted < PW_UNTRUSTED_MAX)
			__sync_fetch_and_add(&untrusted_execs[who.untrusted], 1);
		if (!emit_untrusted_execs)
			return 0;
	}
	e = reserve_event(PW_EV_EXEC, sizeof(*e));
	if (!e)
		return 0;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->uid = who.uid;
	e->euid = who.euid;
	e->exe_uid = who.exe_uid;
	e->exe_mode = who.exe_mode;
	e->untrusted = who.untrusted;
	__builtin_memcpy(e->filename, name, sizeof(e->filename));

	/* argv lives in the new image's memory, between arg_start and arg_end. */
	mm = BPF_CORE_READ(task, mm);
	arg_start = BPF_CORE_READ(mm, arg_start);
	arg_end = BPF_CORE_READ(mm, arg_end);
	args_len = arg_end > arg_start ? arg_end - arg_start : 0;
	if (args_len > PW_ARGS_LEN) {
		args_len = PW_ARGS_LEN;
		flags |= PW_F_ARGS_TRUNCATED;
	}
	if (bpf_probe_read_user(e->args, args_len, (void *)arg_start))
		args_len = 0;
	e->args_len = args_len;
	e->cwd_len = build_dir_path(&scratch->cwd, &task->fs->pwd, e->cwd, &cwd_cut);
	e->pad = 0;
	if (cwd_cut)
		flags |= PW_F_PATH_TRUNCATED;
	e->flags = flags;
	submit_event(e, PW_EV_EXEC, WAKE_NOW);
	return 0;
}

/*
 * The struct file behind fd in the current task, or NULL. The BTF task
 * pointer lets task->files->fdt be walked with plain loads, even from a
 * classic tracepoint program; only the fd array (pointers to pointers, which
 * BTF does not type) needs a probe read. Four helper calls fewer per write
 * than BPF_CORE_READ all the way (docs/PERFORMANCE.md).
 */
static __always_inline struct file *current_fd_file(unsigned long fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = task->files->fdt;
	struct file *file = NULL;

	if (fd >= fdt->max_fds)
		return NULL;
	bpf_probe_read_kernel(&file, sizeof(file), &fdt->fd[fd]);
	return file;
}

/*
 * Whether kn is a cgroupfs file named cpuset.*; its name is left in
 * file_name (the caller's scratch) either way.
 */
static __always_inline bool is_cpuset_file(struct kernfs_node *kn, char *file_name)
{
	bool truncated = false;

	if (!kn)
		return false;
	read_kernel_str(file_name, PW_FILE_LEN, BPF_CORE_READ(kn, name), &truncated);
	for (int i = 0; i < CPUSET_PREFIX_LEN; i++)
		if (file_name[i] != CPUSET_PREFIX[i])
			return false;
	return true;
}

/*
 * Begin the record of a write to the cpuset file kn in the cleared scratch:
 * header, file, target cgroup and its path. The value and the return value
 * are the caller's: each probe mode finds them somewhere else.
 */
static __always_inline void begin_write(struct write_scratch *s, struct kernfs_node *kn,
					__u32 syscall)
{
	struct kernfs_node *dir = kernfs_node_parent(kn);
	struct cgroup *cgrp = kn_cgroup(dir);
	bool truncated = false;

	/* Only writes to cpuset files get here: clearing is cheap, and no stale byte leaks. */
	bpf_probe_read_kernel(s, sizeof(*s), zeroes);
	read_kernel_str(s->ev.file, PW_FILE_LEN, BPF_CORE_READ(kn, name), &truncated);
	begin_event(&s->ev.hdr, PW_EV_CPUSET_WRITE, sizeof(s->ev));
	s->ev.syscall = syscall;
	s->ev.target_id = BPF_CORE_READ(dir, id);
	s->ev.hierarchy_id = cgroup_hierarchy(cgrp);
	s->ev.level = BPF_CORE_READ(cgrp, level);
	s->ev.path_len = build_cgroup_path(&s->path, dir, s->ev.level, s->ev.path, &truncated);
	if (truncated)
		s->ev.flags |= PW_F_PATH_TRUNCATED;
}

/* Append up to len user bytes at s->value[*off]; false once value is full. */
static __always_inline bool append_user_bytes(struct write_scratch *s, __u32 *off, const void *src,
					      __u64 len)
{
	__u32 room = PW_VALUE_LEN - *off;

	if (len > room) {
		len = room;
		s->ev.flags |= PW_F_VALUE_TRUNCATED;
	}
	if (len > PW_VALUE_LEN)
		return false;
	if (bpf_probe_read_user(&s->value[*off & (PW_VALUE_LEN - 1)], len, src))
		return false;
	*off += len;
	return *off < PW_VALUE_LEN;
}

static __always_inline void copy_iovecs(struct write_scratch *s, __u32 *off,
					const struct iovec *iov, unsigned long vlen)
{
	struct iovec vec;

	if (vlen > PW_MAX_IOVECS)
		s->ev.flags |= PW_F_VALUE_TRUNCATED;
	for (__u32 i = 0; i < PW_MAX_IOVECS; i++) {
		if (i >= vlen)
			break;
		if (bpf_probe_read_user(&vec, sizeof(vec), &iov[i]))
			break;
		if (!append_user_bytes(s, off, vec.iov_base, vec.iov_len))
			break;
	}
}

/*
 * Tracepoint mode: the hot path, on every write on the node. A file that is
 * not on a cgroup filesystem leaves after the fd lookup and one superblock
 * read: with plain loads where the kernel has bpf_rdonly_cast() (cast), with
 * helper calls in the _legacy programs the loader picks on older kernels.
 */
static __always_inline int handle_write_enter(struct trace_event_raw_sys_enter *ctx, __u32 syscall,
					      bool cast)
{
	const void *buf = (const void *)ctx->args[1];
	unsigned long count_or_vlen = ctx->args[2];
	struct file *file = current_fd_file(ctx->args[0]);
	struct write_scratch *s;
	struct kernfs_node *kn;
	__u32 zero = 0, off = 0, tid;

	kn = cast ? cgroupfs_file_node_cast(file) : cgroupfs_file_node(file);
	if (!kn)
		return 0;
	s = bpf_map_lookup_elem(&write_scratch, &zero);
	if (!s || !is_cpuset_file(kn, s->ev.file))
		return 0;
	begin_write(s, kn, syscall);

	if (syscall == PW_SYS_WRITEV)
		copy_iovecs(s, &off, buf, count_or_vlen);
	else
		append_user_bytes(s, &off, buf, count_or_vlen);
	s->ev.value_len = off & (2 * PW_VALUE_LEN - 1);
	bpf_probe_read_kernel(s->ev.value, sizeof(s->ev.value), s->value);

	tid = s->ev.hdr.tid;
	if (bpf_map_update_elem(&pending_writes, &tid, &s->ev, BPF_ANY)) {
		/* Seen but never emitted: a map error, and the event is lost. */
		count_map_error(PW_MAP_ERR_PENDING_WRITES);
		drop_event(PW_EV_CPUSET_WRITE);
	} else {
		__sync_fetch_and_add(&pending_writes_count, 1);
	}
	return 0;
}

static __always_inline int handle_write_exit(long ret)
{
	struct pw_cpuset_write_event *e;
	__u32 tid;

	/* The hot path for every other write: one load. */
	if (!pending_writes_count)
		return 0;
	tid = (__u32)bpf_get_current_pid_tgid();
	e = bpf_map_lookup_elem(&pending_writes, &tid);
	if (!e)
		return 0;
	e->ret = ret;
	e->hdr.ktime_ns = bpf_ktime_get_ns();
	output_event(e, PW_EV_CPUSET_WRITE, sizeof(*e), WAKE_GAPPED);
	bpf_map_delete_elem(&pending_writes, &tid);
	__sync_fetch_and_sub(&pending_writes_count, 1);
	return 0;
}

SEC("tp/syscalls/sys_enter_write")
int sys_enter_write(struct trace_event_raw_sys_enter *ctx)
{
	return handle_write_enter(ctx, PW_SYS_WRITE, true);
}

SEC("tp/syscalls/sys_enter_write")
int sys_enter_write_legacy(struct trace_event_raw_sys_enter *ctx)
{
	return handle_write_enter(ctx, PW_SYS_WRITE, false);
}

SEC("tp/syscalls/sys_enter_pwrite64")
int sys_enter_pwrite64(struct trace_event_raw_sys_enter *ctx)
{
	return handle_write_enter(ctx, PW_SYS_PWRITE64, true);
}

SEC("tp/syscalls/sys_enter_pwrite64")
int sys_enter_pwrite64_legacy(struct trace_event_raw_sys_enter *ctx)
{
	return handle_write_enter(ctx, PW_SYS_PWRITE64, false);
}

SEC("tp/syscalls/sys_enter_writev")
int sys_enter_writev(struct trace_event_raw_sys_enter *ctx)
{
	return handle_write_enter(ctx, PW_SYS_WRITEV, true);
}

SEC("tp/syscalls/sys_enter_writev")
int sys_enter_writev_legacy(struct trace_event_raw_sys_enter *ctx)
{
	return handle_write_enter(ctx, PW_SYS_WRITEV, false);
}

SEC("tp/syscalls/sys_exit_write")
int sys_exit_write(struct trace_event_raw_sys_exit *ctx)
{
	return handle_write_exit(ctx->ret);
}

SEC("tp/syscalls/sys_exit_pwrite64")
int sys_exit_pwrite64(struct trace_event_raw_sys_exit *ctx)
{
	return handle_write_exit(ctx->ret);
}

SEC("tp/syscalls/sys_exit_writev")
int sys_exit_writev(struct trace_event_raw_sys_exit *ctx)
{
	return handle_write_exit(ctx->ret);
}

/*
 * Handler mode: fexit on cgroup_file_write(), the one handler behind every
 * write to a cgroup v1 or v2 file, whichever way it came (write, pwrite,
 * writev, io_uring, splice). It runs for writes to cgroup files only, so
 * the node's other syscalls pay nothing, and it has the written bytes (in a
 * kernel buffer by then) and the return value in one place: no stash.
 * Loaded only where the kernel allows fentry (the loader probes).
 */
SEC("fexit/cgroup_file_write")
int BPF_PROG(cgroup_file_write_exit, struct kernfs_open_file *of, char *buf, size_t nbytes,
	     loff_t off, ssize_t ret)
{
	struct kernfs_node *kn = BPF_CORE_READ(of, kn);
	struct write_scratch *s;
	__u32 zero = 0;
	long n;

	s = bpf_map_lookup_elem(&write_scratch, &zero);
	if (!s || !is_cpuset_file(kn, s->ev.file))
		return 0;
	begin_write(s, kn, PW_SYS_UNKNOWN);
	/*
	 * kernfs hands the handler a NUL-terminated copy, which the cpuset
	 * handlers strip of surrounding whitespace in place: read it as a
	 * string (up to PW_VALUE_LEN bytes and the NUL), as the handler saw it.
	 */
	n = bpf_probe_read_kernel_str(s->value, PW_VALUE_LEN + 1, buf);
	if (n > 0) {
		s->ev.value_len = (n - 1) & (2 * PW_VALUE_LEN - 1);
		bpf_probe_read_kernel(s->ev.value, sizeof(s->ev.value), s->value);
	}
	if (nbytes > PW_VALUE_LEN)
		s->ev.flags |= PW_F_VALUE_TRUNCATED;
	s->ev.ret = ret;
	output_event(&s->ev, PW_EV_CPUSET_WRITE, sizeof(s->ev), WAKE_GAPPED);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
