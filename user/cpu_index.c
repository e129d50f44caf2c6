// SPDX-License-Identifier: GPL-2.0-only
/* Per-CPU lists of containers. */
#include "cpu_index.h"

#include <stdlib.h>
#include <string.h>

void pw_cpu_index_init(struct pw_cpu_index *idx)
{
	memset(idx, 0, sizeof(*idx));
}

void pw_cpu_index_free(struct pw_cpu_index *idx)
{
	/* Whatever is still on the index goes with it. */
	for (int cpu = 0; cpu < idx->nr_cpus; cpu++)
		while (idx->heads[cpu])
			pw_cpu_index_remove(idx, idx->heads[cpu]->entry);
	free(idx->heads);
	memset(idx, 0, sizeof(*idx));
}

static int ensure_cpu(struct pw_cpu_index *idx, int cpu)
{
	int nr = idx->nr_cpus ? idx->nr_cpus : 64;
	struct pw_cpu_index_node **h;

	if (cpu < idx->nr_cpus)
		return 0;
	while (nr <= cpu)
		nr *= 2;
	h = realloc(idx->heads, nr * sizeof(*h));
	if (!h)
		return -1;
	memset(h + idx->nr_cpus, 0, (nr - idx->nr_cpus) * sizeof(*h));
	idx->heads = h;
	idx->nr_cpus = nr;
	return 0;
}

struct pw_cpu_index_entry *pw_cpu_index_add(struct pw_cpu_index *idx, struct pw_container *c,
					    const struct pw_cpus *cpus)
{
	size_t n = pw_cpus_count(cpus), i = 0;
	struct pw_cpu_index_entry *e;

	e = calloc(1, sizeof(*e) + n * sizeof(e->nodes[0]));
	if (!e)
		return NULL;
	e->c = c;
	e->nr = n;
	pw_cpus_for_each(cpu, cpus)
	{
		struct pw_cpu_index_node *node = &e->nodes[i++];

		if (ensure_cpu(idx, cpu)) {
			e->nr = i - 1;
			pw_cpu_index_remove(idx, e);
			return NULL;
		}
		node->entry = e;
		node->cpu = cpu;
		node->prev = NULL;
		node->next = idx->heads[cpu];
		if (node->next)
			node->next->prev = node;
		idx->heads[cpu] = node;
	}
	return e;
}

void pw_cpu_index_remove(struct pw_cpu_index *idx, struct pw_cpu_index_entry *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->nr; i++) {
		struct pw_cpu_index_node *node = &e->nodes[i];

		if (node->prev)
			node->prev->next = node->next;
		else
			idx->heads[node->cpu] = node->next;
		if (node->next)
			node->next->prev = node->prev;
	}
	free(e);
}

struct pw_container *pw_cpu_index_other(const struct pw_cpu_index *idx,
					const struct pw_container *c, const struct pw_cpus *cpus)
{
	pw_cpus_for_each(cpu, cpus)
	{
		if (cpu >= idx->nr_cpus)
			break;
		for (struct pw_cpu_index_node *n = idx->heads[cpu]; n; n = n->next)
			if (n->entry->c != c)
				return n->entry->c;
	}
	return NULL;
}

void pw_cpu_index_for_each(struct pw_cpu_index *idx, const struct pw_cpus *cpus,
			   void (*fn)(struct pw_container *c, void *arg), void *arg)
{
	uint64_t visit = ++idx->visit;

	pw_cpus_for_each(cpu, cpus)
	{
		if (cpu >= idx->nr_cpus)
			break;
		for (struct pw_cpu_index_node *n = idx->heads[cpu]; n; n = n->next) {
			if (n->entry->visit == visit)
				continue;
			n->entry->visit = visit;
			fn(n->entry->c, arg);
		}
	}
}
