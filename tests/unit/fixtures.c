// SPDX-License-Identifier: GPL-2.0-only
/* In-memory containers for the unit tests. */
#include "fixtures.h"

#include <stdlib.h>
#include <string.h>

void fx_init(struct fx *fx)
{
	memset(fx, 0, sizeof(*fx));
	pw_cpuset_pool_init(&fx->pool);
}

void fx_free(struct fx *fx)
{
	for (int i = 0; i < fx->n; i++) {
		struct pw_container *c = fx->c[i];
		struct pw_cgroup *cg = c->cg;

		pw_cpuset_put(&fx->pool, cg->cpus);
		pw_cpuset_put(&fx->pool, c->cpus);
		pw_container_free(c);
		free(cg);
	}
	pw_cpuset_pool_free(&fx->pool);
}

struct pw_cpus fx_cpus(const char *list)
{
	struct pw_cpus cpus;
	const char *why;

	pw_cpus_parse(list, strlen(list), &cpus, &why);
	return cpus;
}

struct pw_container *fx_container(struct fx *fx, uint64_t id, const char *path, const char *cpus,
				  bool opted_in)
{
	size_t len = strlen(path);
	struct pw_cgroup *cg = calloc(1, sizeof(*cg) + len + 1);
	struct pw_container *c = calloc(1, sizeof(*c));
	struct pw_cpus set = fx_cpus(cpus);
	char name[80];

	memcpy(cg->path, path, len + 1);
	cg->path_len = len;
	cg->id = id;
	cg->hierarchy = 3;
	cg->cpus = pw_cpuset_get(&fx->pool, &set);
	snprintf(name, sizeof(name), "%064llx", (unsigned long long)id);
	c->cg = cg;
	c->id = strdup(name);
	c->id_owned = true;
	c->workload = true;
	c->populated = true;
	c->root_owned = true;
	c->lb_disable = opted_in;
	c->cpus = pw_cpuset_get(&fx->pool, &set);
	cg->container = c;
	fx->c[fx->n++] = c;
	return c;
}

const struct pw_cpuset *fx_set_cpus(struct fx *fx, struct pw_container *c, const char *cpus)
{
	struct pw_cpus set = fx_cpus(cpus);
	const struct pw_cpuset *old = c->cg->cpus;

	c->cg->cpus = pw_cpuset_get(&fx->pool, &set);
	return old;
}

struct pw_container *fx_find(void *arg, int hierarchy, uint64_t id)
{
	struct fx *fx = arg;

	for (int i = 0; i < fx->n; i++)
		if (!fx->gone[i] && fx->c[i]->cg->hierarchy == hierarchy && fx->c[i]->cg->id == id)
			return fx->c[i];
	return NULL;
}

void fx_remove(struct fx *fx, struct pw_container *c)
{
	for (int i = 0; i < fx->n; i++)
		if (fx->c[i] == c)
			fx->gone[i] = true;
}
