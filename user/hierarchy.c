// SPDX-License-Identifier: GPL-2.0-only
/* Hierarchy id to controller names, from /proc/cgroups. */
#include "hierarchy.h"

#include <string.h>

void pw_hierarchies_parse(struct pw_hierarchies *h, FILE *proc_cgroups)
{
	char line[256], subsys[64];
	int id, num, enabled;

	memset(h, 0, sizeof(*h));
	while (fgets(line, sizeof(line), proc_cgroups)) {
		char *name;
		size_t used;

		if (line[0] == '#')
			continue;
		if (sscanf(line, "%63s %d %d %d", subsys, &id, &num, &enabled) != 4)
			continue;
		/* 0 is cgroup2 (or unmounted): it has a fixed name. */
		if (id <= 0 || id >= PW_MAX_HIERARCHIES || !enabled)
			continue;
		if (!strcmp(subsys, "cpuset"))
			h->cpuset_id = id;
		name = h->names[id];
		used = strlen(name);
		/* Several controllers may share one hierarchy: "cpu,cpuacct". */
		snprintf(name + used, PW_HIERARCHY_NAME_LEN - used, "%s%s", used ? "," : "",
			 subsys);
	}
}

void pw_hierarchies_load(struct pw_hierarchies *h)
{
	FILE *f = fopen("/proc/cgroups", "re");

	memset(h, 0, sizeof(*h));
	if (!f)
		return;
	pw_hierarchies_parse(h, f);
	fclose(f);
}

const char *pw_hierarchy_name(const struct pw_hierarchies *h, int id)
{
	if (id == 0)
		return "cgroup2";
	if (id < 0 || id >= PW_MAX_HIERARCHIES)
		return "";
	return h->names[id];
}
