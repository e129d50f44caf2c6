// SPDX-License-Identifier: GPL-2.0-only
/*
 * Selectors (an operator's globs) against names containers choose: the
 * input is "GLOB\0NAMESPACE\0POD\0NAME\0PATH", any part may be missing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup_table.h"
#include "policy.h"

static char *part(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *nul = memchr(*p, '\0', end - *p);
	size_t n = nul ? (size_t)(nul - *p) : (size_t)(end - *p);
	char *s = strndup((const char *)*p, n);

	*p += nul ? n + 1 : n;
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	char *glob = part(&p, end), *path;
	struct pw_policy policy = {};
	struct pw_container c = { .workload = true, .root_owned = true };
	struct pw_cgroup *cg;

	c.namespace = part(&p, end);
	c.pod = part(&p, end);
	c.name = part(&p, end);
	path = part(&p, end);
	cg = calloc(1, sizeof(*cg) + strlen(path) + 1);
	strcpy(cg->path, path);
	cg->path_len = strlen(path);
	c.cg = cg;
	pw_policy_add(policy.pods, &policy.nr_pods, glob, "--select-pod");
	pw_policy_add(policy.cgroups, &policy.nr_cgroups, glob, "--select-cgroup");
	pw_policy_selected(&policy, &c);
	free(glob);
	free(path);
	free(cg);
	free(c.namespace);
	free(c.pod);
	free(c.name);
	return 0;
}
