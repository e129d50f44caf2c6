/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Kernel-version drift, in one place. Each fix names the kernel change it
 * covers; CO-RE picks the field that exists on the running kernel.
 */
#ifndef CORE_FIXES_BPF_H
#define CORE_FIXES_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>

/*
 * Linux 6.15 renamed kernfs_node::parent to __parent when the parent pointer
 * became RCU-protected (Sebastian Andrzej Siewior, "kernfs: Use RCU to access
 * kernfs_node::parent.", merged for 6.15). 6.1 and 6.12 still call it parent;
 * 6.18 (the development host) has __parent.
 */
struct kernfs_node___pre_6_15 {
	struct kernfs_node *parent;
} __attribute__((preserve_access_index));

static __always_inline struct kernfs_node *kernfs_node_parent(struct kernfs_node *kn)
{
	struct kernfs_node___pre_6_15 *old = (void *)kn;

	if (bpf_core_field_exists(old->parent))
		return BPF_CORE_READ(old, parent);
	return BPF_CORE_READ(kn, __parent);
}

#endif /* CORE_FIXES_BPF_H */
