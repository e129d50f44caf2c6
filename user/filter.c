// SPDX-License-Identifier: GPL-2.0-only
/* User-side event filters. */
#include "filter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

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

/* Every event type's name, comma-separated, into buf: the --type error lists them. */
static void type_names(char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int t = 1; t < PW_EV_TYPE_MAX && len < size; t++) {
		const char *name = pw_event_type_name(t);

		if (name)
			len += snprintf(buf + len, size - len, "%s%s", len ? ", " : "", name);
	}
}

int pw_filter_parse_types(const char *s, unsigned int *mask)
{
	char *copy = strdup(s), *save = NULL, *tok, names[256];
	enum pw_event_type type;
	int err = 0;

	if (!copy)
		return -ENOMEM;
	*mask = 0;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		type = pw_event_type_from_name(tok);
		if (!type) {
			type_names(names, sizeof(names));
			pw_err("unknown event type '%s' in --type: expected one of %s", PW_Q(tok),
			       names);
			err = -EINVAL;
			goto cleanup;
		}
		*mask |= 1U << type;
	}
	if (!*mask) {
		pw_err("--type '%s' names no event type", PW_Q(s));
		err = -EINVAL;
	}
cleanup:
	free(copy);
	return err;
}
