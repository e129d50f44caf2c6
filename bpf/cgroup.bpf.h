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

#endif /* CGROUP_BPF_H */
