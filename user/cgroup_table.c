// SPDX-License-Identifier: GPL-2.0-only
/* The node's cgroups keyed by (hierarchy, id), on the one hash table. */
#include "cgroup_table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define MIN_BUCKETS 1024

int pw_cgroup_table_init(struct pw_cgroup_table *t)
{
	memset(t, 0, sizeof(*t));
	return pw_hash_init(&t->by_id, MIN_BUCKETS);
}

void pw_cgroup_table_free(struct pw_cgroup_table *t)
{
	struct pw_hash_link *link, *tmp;
	size_t i;

	if (!t || !t->by_id.buckets)
		return;
	pw_hash_for_each(&t->by_id, i, link, tmp) free(pw_hash_entry(link, struct pw_cgroup, link));
	pw_hash_free(&t->by_id);
}

/* Ids are unique within a hierarchy; the hierarchy in the top bits keeps them apart. */
static uint64_t key_hash(int hierarchy, uint64_t id)
{
	return id ^ ((uint64_t)hierarchy << 56);
}

struct pw_cgroup *pw_cgroup_table_find(const struct pw_cgroup_table *t, int hierarchy, uint64_t id)
{
	struct pw_hash_link *link;

	for (link = pw_hash_first(&t->by_id, key_hash(hierarchy, id)); link;
	     link = pw_hash_next(link)) {
		struct pw_cgroup *cg = pw_hash_entry(link, struct pw_cgroup, link);

		if (cg->id == id && cg->hierarchy == hierarchy)
			return cg;
	}
	return NULL;
}

struct pw_cgroup *pw_cgroup_table_insert(struct pw_cgroup_table *t, int hierarchy, uint64_t id,
					 const char *path, size_t len, bool *created)
{
	struct pw_cgroup *cg = pw_cgroup_table_find(t, hierarchy, id);

	*created = false;
	if (cg)
		return cg;
	if (t->by_id.count >= PW_MAX_CGROUPS) {
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
	pw_hash_add(&t->by_id, &cg->link, key_hash(hierarchy, id));
	*created = true;
	return cg;
}

void pw_cgroup_table_remove(struct pw_cgroup_table *t, struct pw_cgroup *cg)
{
	pw_hash_del(&t->by_id, &cg->link);
	free(cg);
}

int pw_cgroup_table_for_each(struct pw_cgroup_table *t, int (*fn)(struct pw_cgroup *cg, void *arg),
			     void *arg)
{
	struct pw_hash_link *link, *tmp;
	size_t i;

	pw_hash_for_each(&t->by_id, i, link, tmp)
	{
		int ret = fn(pw_hash_entry(link, struct pw_cgroup, link), arg);

		if (ret)
			return ret;
	}
	return 0;
}

struct pw_cgroup *pw_cgroup_table_find_path(const struct pw_cgroup_table *t, int hierarchy,
					    const char *path)
{
	struct pw_hash_link *link, *tmp;
	size_t i;

	pw_hash_for_each(&t->by_id, i, link, tmp)
	{
		struct pw_cgroup *cg = pw_hash_entry(link, struct pw_cgroup, link);

		if (cg->hierarchy == hierarchy && !strcmp(cg->path, path))
			return cg;
	}
	return NULL;
}
