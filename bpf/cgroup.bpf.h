/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Accessors for cgroups as the kernel keeps them, each documented once, so
 * no program repeats a BPF_CORE_READ chain. Kernel-version drift goes
 * through core_fixes.bpf.h.
 */
#ifndef CGROUP_BPF_H
#define CGROUP_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "core_fixes.bpf.h"
#include "pinwatch.h"

#define CGROUP_SUPER_MAGIC 0x27e0eb
#define CGROUP2_SUPER_MAGIC 0x63677270

/* The hierarchy of cgrp: 0 is cgroup2, each v1 hierarchy has its own id (all kernels). */
static __always_inline __s32 cgroup_hierarchy(struct cgroup *cgrp)
{
	return BPF_CORE_READ(cgrp, root, hierarchy_id);
}

/*
 * Whether cgrp's hierarchy can carry cpusets: cgroup2, or the v1 hierarchy
 * whose subsys_mask has the cpuset controller. The bit comes from enum
 * cgroup_subsys_id through CO-RE, not a constant.
 */
static __always_inline bool cgroup_carries_cpusets(struct cgroup *cgrp)
{
	struct cgroup_root *root = BPF_CORE_READ(cgrp, root);

	if (BPF_CORE_READ(root, hierarchy_id) == 0)
		return true;
	return BPF_CORE_READ(root, subsys_mask) &
	       (1U << bpf_core_enum_value(enum cgroup_subsys_id, cpuset_cgrp_id));
}

/* The id user space sees for cgrp: its directory's kernfs node id (the inode number). */
static __always_inline __u64 cgroup_id_of(struct cgroup *cgrp)
{
	return BPF_CORE_READ(cgrp, kn, id);
}

/*
 * The cgroup of task that carries its CPUs: its cgroup of the v1 cpuset
 * hierarchy when cpusets are bound there, else its cgroup2 cgroup (not the
 * cpuset css's, which is the nearest ancestor with the controller enabled).
 */
static __always_inline struct cgroup *task_cpuset_cgroup(struct task_struct *task)
{
	struct cgroup *cgrp = BPF_CORE_READ(
		task, cgroups, subsys[bpf_core_enum_value(enum cgroup_subsys_id, cpuset_cgrp_id)],
		cgroup);

	if (cgroup_hierarchy(cgrp) == 0)
		return BPF_CORE_READ(task, cgroups, dfl_cgrp);
	return cgrp;
}

/* The cgroup of a cgroup directory's kernfs node: kernfs keeps it in priv. */
static __always_inline struct cgroup *kn_cgroup(struct kernfs_node *dir)
{
	return BPF_CORE_READ(dir, priv);
}

/*
 * The kernfs node of the file open as file, when it is a file on a cgroup
 * filesystem (v1 or v2); NULL for every other file. On kernfs an inode's
 * i_private is its kernfs_node.
 */
static __always_inline struct kernfs_node *cgroupfs_file_node(struct file *file)
{
	unsigned long magic;

	if (!file)
		return NULL;
	magic = BPF_CORE_READ(file, f_inode, i_sb, s_magic);
	if (magic != CGROUP_SUPER_MAGIC && magic != CGROUP2_SUPER_MAGIC)
		return NULL;
	return BPF_CORE_READ(file, f_inode, i_private);
}

/*
 * bpf_rdonly_cast() (6.2+) types a kernel pointer so that its fields are
 * read with plain loads the kernel guards against faults, not a helper call
 * each. Weak: on older kernels the loader picks programs that do not call it.
 */
extern void *bpf_rdonly_cast(const void *obj__ign, __u32 btf_id) __ksym __weak;

/* cgroupfs_file_node() with plain loads: ~70 ns less per write on the node. */
static __always_inline struct kernfs_node *cgroupfs_file_node_cast(struct file *file)
{
	struct inode *inode;
	unsigned long magic;

	if (!file)
		return NULL;
	inode = ((struct file *)bpf_rdonly_cast(file, bpf_core_type_id_kernel(struct file)))
			->f_inode;
	magic = inode->i_sb->s_magic;
	if (magic != CGROUP_SUPER_MAGIC && magic != CGROUP2_SUPER_MAGIC)
		return NULL;
	return inode->i_private;
}

/* Longest kernfs name (NAME_MAX plus its NUL). */
#define KN_NAME_LEN 256

/*
 * Scratch for build_cgroup_path(): the path is built at a variable offset,
 * so the verifier needs a buffer twice the size of what is copied out.
 */
struct path_scratch {
	char buf[2 * PW_PATH_LEN];
	char name[KN_NAME_LEN];
};

/*
 * The path of the cgroup whose directory is dir (at level below its
 * hierarchy's root), as cgroup:cgroup_mkdir reports it ("/" for the root),
 * into dst (PW_PATH_LEN bytes, NUL-terminated); returns its length.
 *
 * Built from the leaf up, each parent put in front while it fits: what does
 * not fit (deeper than PW_MAX_CGROUP_DEPTH, longer than PW_PATH_LEN - 1
 * bytes) is cut from the top, never from the end, so the container's own
 * name is kept, and *truncated is set. One loop, one choice per level: the
 * verifier walks it in a few states.
 */
static __always_inline __u32 build_cgroup_path(struct path_scratch *ps, struct kernfs_node *dir,
					       __s32 level, char *dst, bool *truncated)
{
	__u32 pos = PW_PATH_LEN - 1, len;
	long n;

	if (level > PW_MAX_CGROUP_DEPTH)
		*truncated = true;
	for (__u32 i = 0; i < PW_MAX_CGROUP_DEPTH; i++) {
		if (i >= level || !dir)
			break;
		n = bpf_probe_read_kernel_str(ps->name, sizeof(ps->name), BPF_CORE_READ(dir, name));
		if (n <= 1)
			break;
		n--; /* without its NUL */
		if (n + 1 > pos) {
			*truncated = true;
			break;
		}
		pos -= n;
		/* Keep clang from dropping the masks the verifier needs. */
		barrier_var(pos);
		bpf_probe_read_kernel(&ps->buf[pos & (PW_PATH_LEN - 1)], n & (KN_NAME_LEN - 1),
				      ps->name);
		pos--;
		barrier_var(pos);
		ps->buf[pos & (PW_PATH_LEN - 1)] = '/';
		dir = kernfs_node_parent(dir);
	}
	if (pos == PW_PATH_LEN - 1) {
		/* The root, or nothing could be read: "/". */
		pos--;
		ps->buf[pos] = '/';
	}
	len = (PW_PATH_LEN - 1 - pos) & (PW_PATH_LEN - 1);
	barrier_var(pos);
	bpf_probe_read_kernel(dst, len, &ps->buf[pos & (PW_PATH_LEN - 1)]);
	dst[len & (PW_PATH_LEN - 1)] = '\0';
	return len;
}

/* Components of a working directory the exec event rebuilds, mounts crossed aside. */
#define PW_MAX_DIR_DEPTH 24

/*
 * The path of a directory (a struct path: dentry and mount) as its task's
 * mount namespace names it, into dst (PW_PATH_LEN bytes, NUL-terminated);
 * returns its length. Built from the leaf up like build_cgroup_path(), cut
 * from the top when too deep or long (*truncated). At a mount's root the
 * walk goes on at its mountpoint in the parent mount; at the namespace's
 * root mount it stops. One choice per turn: a name, or a mount crossed.
 */
static __always_inline __u32 build_dir_path(struct path_scratch *ps, const struct path *dir,
					    char *dst, bool *truncated)
{
	struct dentry *dentry = BPF_CORE_READ(dir, dentry), *parent;
	struct vfsmount *vfsmnt = BPF_CORE_READ(dir, mnt);
	struct mount *mnt = (void *)vfsmnt - bpf_core_field_offset(struct mount, mnt), *up;
	__u32 pos = PW_PATH_LEN - 1, len, i;
	long n;

	for (i = 0; i < PW_MAX_DIR_DEPTH; i++) {
		/* At a mount's root: on at its mountpoint, one mount down (a stack is rare). */
		if (dentry == BPF_CORE_READ(vfsmnt, mnt_root)) {
			up = BPF_CORE_READ(mnt, mnt_parent);
			if (!up || up == mnt)
				break; /* the namespace's root */
			dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = up;
			vfsmnt = (void *)mnt + bpf_core_field_offset(struct mount, mnt);
		}
		parent = BPF_CORE_READ(dentry, d_parent);
		if (!parent || parent == dentry)
			break;
		n = bpf_probe_read_kernel_str(ps->name, sizeof(ps->name),
					      BPF_CORE_READ(dentry, d_name.name));
		if (n <= 1)
			break;
		n--;
		if (n + 1 > pos) {
			*truncated = true;
			break;
		}
		pos -= n;
		barrier_var(pos);
		bpf_probe_read_kernel(&ps->buf[pos & (PW_PATH_LEN - 1)], n & (KN_NAME_LEN - 1),
				      ps->name);
		pos--;
		barrier_var(pos);
		ps->buf[pos & (PW_PATH_LEN - 1)] = '/';
		dentry = parent;
	}
	if (i == PW_MAX_DIR_DEPTH)
		*truncated = true;
	if (pos == PW_PATH_LEN - 1) {
		pos--;
		ps->buf[pos] = '/';
	}
	len = (PW_PATH_LEN - 1 - pos) & (PW_PATH_LEN - 1);
	barrier_var(pos);
	bpf_probe_read_kernel(dst, len, &ps->buf[pos & (PW_PATH_LEN - 1)]);
	dst[len & (PW_PATH_LEN - 1)] = '\0';
	return len;
}

#endif /* CGROUP_BPF_H */
