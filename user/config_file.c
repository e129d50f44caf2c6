// SPDX-License-Identifier: GPL-2.0-only
/* Long options from a config file, line by line, through the command's own parser. */
#include "config_file.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "safe_file.h"

/* More than any real configuration: a bound on what is read. */
#define CONFIG_MAX_BYTES (64 * 1024)
#define NAME_MAX_LEN 64

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

static const struct option *find_option(const struct option *opts, const char *name)
{
	for (; opts->name; opts++)
		if (!strcmp(opts->name, name))
			return opts;
	return NULL;
}

/* One line, already without its comment: 0, or -EINVAL after saying why. */
static int apply_line(char *line, const char *where, const char *cmd, const struct option *opts,
		      int (*apply)(int argc, char **argv, void *ctx), void *ctx)
{
	char flag[NAME_MAX_LEN + 3], *eq = strchr(line, '='), *name = line, *value = NULL;
	char *argv[4] = { (char *)cmd, flag, NULL, NULL };
	const struct option *o;
	int err;

	if (eq) {
		*eq = '\0';
		value = trim(eq + 1);
	}
	name = trim(name);
	o = strlen(name) <= NAME_MAX_LEN ? find_option(opts, name) : NULL;
	if (!o || !strcmp(name, "help") || !strcmp(name, "config")) {
		pw_err("%s: unknown setting '%s' (the settings are %s's long options)", where,
		       PW_Q(name), cmd);
		return -EINVAL;
	}
	snprintf(flag, sizeof(flag), "--%s", name);
	if (o->has_arg == no_argument) {
		if (value && strcmp(value, "true")) {
			pw_err("%s: '%s' takes no value but true, got '%s'", where, name,
			       PW_Q(value));
			return -EINVAL;
		}
	} else if (!value || !*value) {
		pw_err("%s: '%s' needs a value ('%s = VALUE')", where, name, name);
		return -EINVAL;
	} else {
		argv[2] = value;
	}
	/* What the parser says of the line is said of the line. */
	pw_log_set_context(where);
	err = apply(argv[2] ? 3 : 2, argv, ctx);
	pw_log_set_context(NULL);
	return err ? -EINVAL : 0;
}

int pw_config_file_apply(const char *path, const char *cmd, const struct option *opts,
			 int (*apply)(int argc, char **argv, void *ctx), void *ctx, char **text)
{
	char *line, *next, where[PW_Q_LEN + 32];
	const char *why = NULL;
	size_t len;
	int err, n = 0;

	*text = NULL;
	err = pw_read_trusted_file(path, CONFIG_MAX_BYTES, text, &len, &why);
	if (err == -ENOENT)
		return err;
	if (err) {
		pw_err("cannot use config file '%s': %s", PW_Q(path), why ? why : strerror(-err));
		return err;
	}
	if (strlen(*text) != len) {
		pw_err("config file '%s' holds a NUL byte", PW_Q(path));
		return -EINVAL;
	}
	for (line = *text; line && !err; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		n++;
		line[strcspn(line, "#")] = '\0';
		line = trim(line);
		if (!*line)
			continue;
		snprintf(where, sizeof(where), "%s line %d", PW_Q(path), n);
		err = apply_line(line, where, cmd, opts, apply, ctx);
	}
	return err;
}
