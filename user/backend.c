// SPDX-License-Identifier: GPL-2.0-only
/* What both backends share: path levels and revert dispatch. */
#include "backend.h"

#include <stdio.h>
#include <string.h>

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

int pw_backend_apply(struct pw_backend_ctx *ctx, const struct pw_isolation *want)
{
	return strcmp(want->backend, "v1") ? pw_v2_apply(ctx, want) : pw_v1_apply(ctx, want);
}

int pw_backend_revert(struct pw_backend_ctx *ctx, struct pw_isolation *iso)
{
	return strcmp(iso->backend, "v1") ? pw_v2_revert(ctx, iso) : pw_v1_revert(ctx, iso);
}
