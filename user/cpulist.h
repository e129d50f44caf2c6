/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * CPU sets as the kernel writes them in cpuset files ("0-3,8,10-11"):
 * parsing with errors that name the input, formatting, set operations.
 */
#ifndef PW_CPULIST_H
#define PW_CPULIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hash_table.h"

/* The kernel's largest NR_CPUS on x86-64 is 8192. */
#define PW_MAX_CPUS 8192

struct pw_cpus {
	uint64_t bits[PW_MAX_CPUS / 64];
};

/*
 * Parse a cpulist of len bytes (not NUL-terminated; surrounding whitespace
 * and one trailing newline allowed; empty means no CPU). Returns 0, or
 * -EINVAL with a reason in *why (a static string) for a malformed list,
 * a reversed range or a CPU number >= PW_MAX_CPUS.
 */
int pw_cpus_parse(const char *s, size_t len, struct pw_cpus *cpus, const char **why);

/*
 * Write the canonical cpulist ("0-3,8") into buf; "" for an empty set. A list
 * that does not fit ends in ",..." (PW_CPULIST_LEN fits any realistic set).
 */
#define PW_CPULIST_LEN 256
void pw_cpus_format(const struct pw_cpus *cpus, char *buf, size_t size);

/*
 * A CPU mask as /proc/irq/default_smp_affinity holds it: hex words of 32
 * CPUs, highest first, comma-separated ("3", "00000000,0000000f"). Parse
 * errors and limits as pw_cpus_parse(). Formatted in as many words as the
 * highest CPU needs (at least one); PW_CPUMASK_LEN fits every CPU.
 */
#define PW_CPUMASK_LEN (PW_MAX_CPUS / 32 * 9 + 1)
int pw_cpus_parse_mask(const char *s, size_t len, struct pw_cpus *cpus, const char **why);
void pw_cpus_format_mask(const struct pw_cpus *cpus, char *buf, size_t size);

void pw_cpus_clear(struct pw_cpus *cpus);
void pw_cpus_set(struct pw_cpus *cpus, unsigned int cpu);
bool pw_cpus_test(const struct pw_cpus *cpus, unsigned int cpu);
bool pw_cpus_empty(const struct pw_cpus *cpus);
bool pw_cpus_equal(const struct pw_cpus *a, const struct pw_cpus *b);
bool pw_cpus_intersects(const struct pw_cpus *a, const struct pw_cpus *b);
unsigned int pw_cpus_count(const struct pw_cpus *cpus);
/* dst |= src */
void pw_cpus_or(struct pw_cpus *dst, const struct pw_cpus *src);
/* dst &= src */
void pw_cpus_and(struct pw_cpus *dst, const struct pw_cpus *src);
/* dst &= ~src */
void pw_cpus_andnot(struct pw_cpus *dst, const struct pw_cpus *src);
/* Whether every CPU of a is in b. */
bool pw_cpus_subset(const struct pw_cpus *a, const struct pw_cpus *b);
/* The first CPU of cpus after prev (-1 for the first); -1 when there is none. */
int pw_cpus_next(const struct pw_cpus *cpus, int prev);

#define pw_cpus_for_each(cpu, cpus)                                                                \
	for (int cpu = pw_cpus_next((cpus), -1); cpu >= 0; cpu = pw_cpus_next((cpus), cpu))

/*
 * Interned CPU sets: most cgroups of a node share a handful of cpusets, so
 * each cgroup holds a pointer to one shared, reference-counted copy instead
 * of its own 1 KiB bitmap. Equal sets are the same pointer.
 */
struct pw_cpuset {
	struct pw_cpus cpus;
	struct pw_hash_link link; /* by the CPUs' hash */
	unsigned long refs;
};

struct pw_cpuset_pool {
	struct pw_hash_table sets;
};

int pw_cpuset_pool_init(struct pw_cpuset_pool *pool);
/* Every set must have been put back; frees what is left anyway. */
void pw_cpuset_pool_free(struct pw_cpuset_pool *pool);
/* The shared copy of cpus, with a reference; NULL when out of memory. */
const struct pw_cpuset *pw_cpuset_get(struct pw_cpuset_pool *pool, const struct pw_cpus *cpus);
/* Drop a reference (NULL is ignored). */
void pw_cpuset_put(struct pw_cpuset_pool *pool, const struct pw_cpuset *set);

/* The CPUs this host has online: /sys/devices/system/cpu/online. 0 or -errno. */
int pw_cpus_online(struct pw_cpus *cpus);

/* A command's CPU-list option (e.g. "--cpus"): parsed, not empty; else said, naming it. */
int pw_cpus_parse_option(const char *arg, const char *option, struct pw_cpus *out);

#endif /* PW_CPULIST_H */
