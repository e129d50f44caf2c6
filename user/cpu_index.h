/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which containers are on which CPU: the agent's index, so a change to one
 * container looks again at exactly the containers whose CPUs overlap it,
 * and exclusivity is a look at a few short lists, not a scan of the node.
 */
#ifndef PW_CPU_INDEX_H
#define PW_CPU_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "cpulist.h"

struct pw_container;
struct pw_cpu_index_entry;

struct pw_cpu_index_node {
	struct pw_cpu_index_node *prev, *next;
	struct pw_cpu_index_entry *entry;
	int cpu;
};

struct pw_cpu_index_entry {
	struct pw_container *c;
	uint64_t visit; /* the walk that last reached it */
	size_t nr;
	struct pw_cpu_index_node nodes[];
};

struct pw_cpu_index {
	struct pw_cpu_index_node **heads; /* per CPU, the first node */
	int nr_cpus;			  /* heads allocated */
	uint64_t visit;
};

void pw_cpu_index_init(struct pw_cpu_index *idx);
/* Free the index and every entry still on it. */
void pw_cpu_index_free(struct pw_cpu_index *idx);

/* Put c on cpus; the handle removes it again. NULL when out of memory. */
struct pw_cpu_index_entry *pw_cpu_index_add(struct pw_cpu_index *idx, struct pw_container *c,
					    const struct pw_cpus *cpus);
/* NULL is fine. */
void pw_cpu_index_remove(struct pw_cpu_index *idx, struct pw_cpu_index_entry *e);

/* A container other than c on any CPU of cpus, or NULL when c is alone there. */
struct pw_container *pw_cpu_index_other(const struct pw_cpu_index *idx,
					const struct pw_container *c, const struct pw_cpus *cpus);

/* Call fn once for each container on any CPU of cpus. fn must not change the index. */
void pw_cpu_index_for_each(struct pw_cpu_index *idx, const struct pw_cpus *cpus,
			   void (*fn)(struct pw_container *c, void *arg), void *arg);

#endif /* PW_CPU_INDEX_H */
