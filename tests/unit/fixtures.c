// SPDX-License-Identifier: GPL-2.0-only
/* In-memory containers for the unit tests. */
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "unit.h"

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

void fx_put(const char *root, const char *rel, const char *text)
{
	char path[256], dir[256];
	FILE *file;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *p = strchr(path + strlen(root) + 1, '/'); p; p = strchr(p + 1, '/')) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(p - path), path);
		mkdir(dir, 0755);
	}
	file = fopen(path, "w");
	if (!file) {
		unit_fail(__FILE__, __LINE__, "cannot make %s", path);
		return;
	}
	fputs(text, file);
	fclose(file);
}

const char *fx_get(const char *root, const char *rel)
{
	static char buf[128];
	char path[256];
	FILE *file;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	buf[0] = '\0';
	file = fopen(path, "r");
	if (!file)
		return "(missing)";
	if (!fgets(buf, sizeof(buf), file))
		buf[0] = '\0';
	fclose(file);
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

void fx_fake_kernel(char *root, size_t size)
{
	snprintf(root, size, "/tmp/pwunit-kernel-XXXXXX");
	if (!mkdtemp(root)) {
		unit_fail(__FILE__, __LINE__, "mkdtemp");
		return;
	}
	fx_put(root, "proc/irq/default_smp_affinity", "f\n");
	fx_put(root, "proc/irq/10/smp_affinity_list", "0-3\n");
	fx_put(root, "proc/irq/11/smp_affinity_list", "2\n");
	fx_put(root, "proc/irq/12/smp_affinity_list", "0\n");
	for (int cpu = 0; cpu < 4; cpu++) {
		char rel[96];

		snprintf(rel, sizeof(rel),
			 "sys/devices/system/cpu/cpu%d/power/pm_qos_resume_latency_us", cpu);
		fx_put(root, rel, "0\n");
		if (cpu == 3)
			continue;
		snprintf(rel, sizeof(rel), "sys/devices/system/cpu/cpu%d/cpufreq/scaling_governor",
			 cpu);
		fx_put(root, rel, "schedutil\n");
		snprintf(rel, sizeof(rel),
			 "sys/devices/system/cpu/cpu%d/cpufreq/scaling_available_governors", cpu);
		fx_put(root, rel, "performance powersave schedutil\n");
	}
}

void fx_remove_tree(const char *root)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd))
		unit_fail(__FILE__, __LINE__, "cannot remove %s", root);
}
