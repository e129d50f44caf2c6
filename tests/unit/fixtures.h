/* SPDX-License-Identifier: GPL-2.0-only */
/* Containers made in memory, for the policy and engine tests: no kernel involved. */
#ifndef PW_UNIT_FIXTURES_H
#define PW_UNIT_FIXTURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "container.h"
#include "cpulist.h"

#define FX_MAX 64

struct fx {
	struct pw_cpuset_pool pool;
	struct pw_container *c[FX_MAX];
	bool gone[FX_MAX]; /* removed from the "node", still to be freed */
	int n;
};

void fx_init(struct fx *fx);
void fx_free(struct fx *fx);

/* A running workload container at path in hierarchy 3 with cgroup id, on cpus. */
struct pw_container *fx_container(struct fx *fx, uint64_t id, const char *path, const char *cpus,
				  bool opted_in);

/* Change c's CPUs (as a cpuset write would); returns the old set, which the caller puts. */
const struct pw_cpuset *fx_set_cpus(struct fx *fx, struct pw_container *c, const char *cpus);

/* The container of (hierarchy, id) still on the "node", or NULL (an engine's find). */
struct pw_container *fx_find(void *fx, int hierarchy, uint64_t id);

/* Take c off the "node" (it is freed with the fixture). */
void fx_remove(struct fx *fx, struct pw_container *c);

/* A set of CPUs from a cpulist. */
struct pw_cpus fx_cpus(const char *list);

/*
 * A fake /proc and /sys for the knobs, in a new directory (its path in root):
 * four CPUs, each with a PM QoS resume latency of 0 and, but CPU 3, cpufreq
 * (schedutil of performance, powersave, schedutil); IRQ 10 on CPUs 0-3, 11
 * on 2, 12 on 0; the default affinity f.
 */
void fx_fake_kernel(char *root, size_t size);
/* Write text to root/rel, making its directories. */
void fx_put(const char *root, const char *rel, const char *text);
/* The first line of root/rel, without its newline ("(missing)"), in a static buffer. */
const char *fx_get(const char *root, const char *rel);
/* rm -rf root. */
void fx_remove_tree(const char *root);

#endif /* PW_UNIT_FIXTURES_H */
