// SPDX-License-Identifier: GPL-2.0-only
/* Config files: one long option per line, through the command's own parser. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_file.h"
#include "unit.h"

static const struct option opts[] = {
	{ "reserved", required_argument, NULL, 1 },
	{ "select-exclusive", no_argument, NULL, 2 },
	{ "help", no_argument, NULL, 'h' },
	{},
};

struct seen {
	char text[512];
	int refuse_at; /* 1-based call that apply() refuses; 0: none */
	int calls;
};

static int record(int argc, char **argv, void *ctx)
{
	struct seen *s = ctx;
	size_t n = strlen(s->text);

	s->calls++;
	for (int i = 0; i < argc; i++)
		n += snprintf(s->text + n, sizeof(s->text) - n, "%s%s", argv[i],
			      i + 1 < argc ? " " : "|");
	return s->calls == s->refuse_at ? -EINVAL : 0;
}

/* Apply a file holding text; the result, with what apply() saw in s. */
static int apply_text(const char *text, struct seen *s)
{
	char *dir = unit_dir_with_file("agent.conf", text), path[4096], *kept = NULL;
	int err;

	snprintf(path, sizeof(path), "%s/agent.conf", dir);
	err = pw_config_file_apply(path, "agent", opts, record, s, &kept);
	free(kept);
	unit_remove_dir(dir, "agent.conf");
	return err;
}

UNIT_TEST(config_lines_become_options)
{
	struct seen s = {};

	CHECK_INT(apply_text("# comment\n\n  reserved = 0-1  # the host's\nselect-exclusive\n"
			     "select-exclusive = true\n",
			     &s),
		  0);
	CHECK_STR(s.text,
		  "agent --reserved 0-1|agent --select-exclusive|agent --select-exclusive|");
}

UNIT_TEST(config_bad_lines_stop_the_read)
{
	struct seen s = {};

	CHECK_INT(apply_text("reserved = 0\nbogus = 1\nreserved = 1\n", &s), -EINVAL);
	CHECK_STR(s.text, "agent --reserved 0|");
	memset(&s, 0, sizeof(s));
	CHECK_INT(apply_text("reserved =\n", &s), -EINVAL);
	CHECK_INT(apply_text("select-exclusive = false\n", &s), -EINVAL);
	CHECK_INT(apply_text("help\n", &s), -EINVAL);
	CHECK_INT(s.calls, 0);
	/* What the parser refuses stops the read too. */
	s.refuse_at = 1;
	CHECK_INT(apply_text("reserved = x\nreserved = 1\n", &s), -EINVAL);
	CHECK_INT(s.calls, 1);
}

UNIT_TEST(config_missing_file_is_enoent)
{
	struct seen s = {};
	char *kept = NULL;

	CHECK_INT(pw_config_file_apply("/nonexistent/agent.conf", "agent", opts, record, &s, &kept),
		  -ENOENT);
	free(kept);
}
