// SPDX-License-Identifier: GPL-2.0-only
/* The agent's isolation policy: annotations and operator selectors. */
#include "policy.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

int pw_policy_add(const char **list, int *nr, const char *glob, const char *flag)
{
	if (*nr == PW_MAX_SELECTORS) {
		fprintf(stderr, "pinwatch: too many %s selectors: at most %d\n", flag,
			PW_MAX_SELECTORS);
		return -EINVAL;
	}
	list[(*nr)++] = glob;
	return 0;
}

/* "NS/POD" matches the pod; "NS/POD/CONTAINER" one container of it. */
static bool pod_selected(const char *glob, const struct pw_container *c)
{
	char name[3 * PW_NAME_LEN];
	const char *slash = strchr(glob, '/');
	bool with_container = slash && strchr(slash + 1, '/');

	if (!c->meta_found || !c->meta.pod[0])
		return false;
	if (with_container)
		snprintf(name, sizeof(name), "%s/%s/%s", c->meta.namespace, c->meta.pod,
			 c->meta.container);
	else
		snprintf(name, sizeof(name), "%s/%s", c->meta.namespace, c->meta.pod);
	return fnmatch(glob, name, FNM_PATHNAME) == 0;
}

const char *pw_policy_reason(const struct pw_policy *p, const struct pw_container *c)
{
	if (!c->is_container || !c->workload)
		return NULL;
	if (c->meta_found && c->meta.lb_disable)
		return "annotation cpu-load-balancing.crio.io: disable";
	for (int i = 0; i < p->nr_pods; i++)
		if (pod_selected(p->pods[i], c))
			return "--select-pod";
	for (int i = 0; i < p->nr_cgroups; i++)
		if (fnmatch(p->cgroups[i], c->path, 0) == 0)
			return "--select-cgroup";
	if (p->all_exclusive)
		return "--select-exclusive";
	return NULL;
}
