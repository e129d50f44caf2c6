// SPDX-License-Identifier: GPL-2.0-only
/* User-side event filters. */
#include "filter.h"

#include <string.h>

static bool bytes_equal(const struct pw_bytes *b, const char *s)
{
	size_t n = strlen(s);

	return b->len == n && memcmp(b->data, s, n) == 0;
}

static bool bytes_start_with(const struct pw_bytes *b, const char *prefix)
{
	size_t n = strlen(prefix);

	return b->len >= n && memcmp(b->data, prefix, n) == 0;
}

bool pw_filter_match(const struct pw_filter *f, const struct pw_event *ev)
{
	if (!(f->types_mask & (1U << ev->type)))
		return false;
	/* Exec events carry no cgroup path: a --cgroup filter excludes them. */
	if (f->cgroup_prefix && (!ev->path.data || !bytes_start_with(&ev->path, f->cgroup_prefix)))
		return false;
	if (f->comm && !bytes_equal(&ev->comm, f->comm))
		return false;
	return true;
}
