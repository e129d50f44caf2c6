// SPDX-License-Identifier: GPL-2.0-only
/* A hash table of cgroups keyed by (hierarchy, id), grown as it fills. */
#include "cgroup_table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define MIN_BUCKETS 1024

int pw_cgroup_table_init(struct pw_cgroup_table *t)
{
	memset(t, 0, sizeof(*t));
	t->buckets = calloc(MIN_BUCKETS, sizeof(*t->buckets));
	if (!t->buckets)
		return -ENOMEM;
	t->nr_buckets = MIN_BUCKETS;
	return 0;
}

void pw_cgroup_table_free(struct pw_cgroup_table *t)
{
	if (!t || !t->buckets)
		return;
	for (size_t i = 0; i < t->nr_buckets; i++) {
		struct pw_cgroup *cg = t->buckets[i], *next;

		for (; cg; cg = next) {
			next = cg->hnext;
			free(cg);
		}
	}
	free(t->buckets);
	t->buckets = NULL;
	t->count = 0;
}

static size_t bucket_of(size_t nr_buckets, int hierarchy, uint64_t id)
{
	uint64_t h = (id ^ ((uint64_t)hierarchy << 56)) * 0x9e3779b97f4a7c15ULL;

	return (h >> 32) & (nr_buckets - 1);
}

struct pw_cgroup *pw_cgroup_table_find(const struct pw_cgroup_table *t, int hierarchy, uint64_t id)
{
	struct pw_cgroup *cg = t->buckets[bucket_of(t->nr_buckets, hierarchy, id)];

	for (; cg; cg = cg->hnext)
		if (cg->id == id && cg->hierarchy == hierarchy)
			return cg;
	return NULL;
}

static void grow(struct pw_cgroup_table *t)
{
	size_t nr = t->nr_buckets * 2;
	struct pw_cgroup **b = calloc(nr, sizeof(*b));

	if (!b)
		return; /* longer chains, still correct */
	for (size_t i = 0; i < t->nr_buckets; i++) {
		struct pw_cgroup *cg = t->buckets[i], *next;

		for (; cg; cg = next) {
			size_t k = bucket_of(nr, cg->hierarchy, cg->id);

			next = cg->hnext;
			cg->hnext = b[k];
			b[k] = cg;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->nr_buckets = nr;
}

struct pw_cgroup *pw_cgroup_table_insert(struct pw_cgroup_table *t, int hierarchy, uint64_t id,
					 const char *path, size_t len, bool *created)
{
	struct pw_cgroup *cg = pw_cgroup_table_find(t, hierarchy, id);
	size_t b;

	*created = false;
	if (cg)
		return cg;
	if (t->count >= PW_MAX_CGROUPS) {
		if (t->over_limit++ == 0)
			pw_warn("more than %d cgroups: later ones are not mapped (a rescan "
				"tries again)",
				PW_MAX_CGROUPS);
		return NULL;
	}
	cg = calloc(1, sizeof(*cg) + len + 1);
	if (!cg)
		return NULL;
	cg->hierarchy = hierarchy;
	cg->id = id;
	cg->path_len = len;
	cg->wd = -1;
	memcpy(cg->path, path, len);
	cg->path[len] = '\0';
	if (t->count >= t->nr_buckets)
		grow(t);
	b = bucket_of(t->nr_buckets, hierarchy, id);
	cg->hnext = t->buckets[b];
	t->buckets[b] = cg;
	t->count++;
	*created = true;
	return cg;
}

void pw_cgroup_table_remove(struct pw_cgroup_table *t, struct pw_cgroup *cg)
{
	struct pw_cgroup **pp = &t->buckets[bucket_of(t->nr_buckets, cg->hierarchy, cg->id)];

	for (; *pp; pp = &(*pp)->hnext) {
		if (*pp == cg) {
			*pp = cg->hnext;
			free(cg);
			t->count--;
			return;
		}
	}
}

int pw_cgroup_table_for_each(struct pw_cgroup_table *t, int (*fn)(struct pw_cgroup *cg, void *arg),
			     void *arg)
{
	for (size_t i = 0; i < t->nr_buckets; i++) {
		struct pw_cgroup *cg = t->buckets[i], *next;

		for (; cg; cg = next) {
			int ret;

			next = cg->hnext;
			ret = fn(cg, arg);
			if (ret)
				return ret;
		}
	}
	return 0;
}

struct pw_cgroup *pw_cgroup_table_find_path(const struct pw_cgroup_table *t, int hierarchy,
					    const char *path)
{
	for (size_t i = 0; i < t->nr_buckets; i++)
		for (struct pw_cgroup *cg = t->buckets[i]; cg; cg = cg->hnext)
			if (cg->hierarchy == hierarchy && !strcmp(cg->path, path))
				return cg;
	return NULL;
}
