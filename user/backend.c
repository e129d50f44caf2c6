// SPDX-License-Identifier: GPL-2.0-only
/* Choosing a backend, and the path arithmetic both use. */
#include "backend.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static const struct pw_backend_ops *const backends[] = { &pw_backend_v1, &pw_backend_v2 };

const struct pw_backend_ops *pw_backend_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (!strcmp(backends[i]->name, name))
			return backends[i];
	return NULL;
}

int pw_backend_choose(const struct pw_mounts *m, const char *asked,
		      const struct pw_backend_ops **ops)
{
	const struct pw_backend_ops *have =
		pw_mounts_cpuset_hierarchy(m) ? &pw_backend_v1 : &pw_backend_v2;
	const struct pw_backend_ops *want =
		strcmp(asked, "auto") ? pw_backend_by_name(asked) : have;

	if (!want) {
		pw_err("invalid --backend '%s': expected auto, v1 or v2", asked);
		return -EINVAL;
	}
	if (want != have) {
		pw_err("--backend %s: this host's cpusets are on cgroup %s", asked, have->name);
		return -EINVAL;
	}
	if (want->hierarchy(m) < 0)
		return -EOPNOTSUPP;
	*ops = want;
	return 0;
}

const char *pw_backend_unsupported(const struct pw_backend_ops *ops, const struct pw_mounts *m)
{
	return ops->unsupported ? ops->unsupported(m) : NULL;
}

void pw_backend_release(struct pw_backend *b)
{
	for (size_t i = 0; i < b->nr_seen; i++)
		free(b->seen[i].path);
	free(b->seen);
	b->seen = NULL;
	b->nr_seen = b->cap_seen = 0;
	pw_unmovable_tasks_free(&b->root_unmovable);
}

int pw_path_level(const char *path)
{
	int level = 0;

	for (const char *p = path; *p; p++)
		if (*p == '/' && p[1] && p[1] != '/')
			level++;
	return level;
}

void pw_path_prefix(const char *path, int level, char *buf, size_t size)
{
	const char *p = path;

	for (int n = 0; *p; p++) {
		if (*p == '/' && p != path && ++n == level)
			break;
	}
	if (level >= pw_path_level(path))
		p = path + strlen(path);
	snprintf(buf, size, "%.*s", (int)(p - path), path);
}
