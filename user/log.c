// SPDX-License-Identifier: GPL-2.0-only
/* The one way pinwatch writes diagnostics. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"

static enum pw_log_level max_level = PW_LOG_INFO;
static const char *log_context;

void pw_log_set_level(enum pw_log_level level)
{
	max_level = level;
}

void pw_log_set_context(const char *context)
{
	log_context = context;
}

void pw_log(enum pw_log_level level, const char *fmt, ...)
{
	/* A caller may print errno after us: keep it as it was. */
	int saved = errno;
	char line[4096];
	va_list ap;

	if (level > max_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One fprintf per line: lines from different places never interleave. */
	fprintf(stderr, "pinwatch: %s%s%s\n", log_context ? log_context : "",
		log_context ? ": " : "", line);
	errno = saved;
}

const char *pw_log_quote(const char *s, char *buf, size_t size)
{
	char *escaped = NULL;
	size_t len = 0;
	FILE *mem;

	if (size == 0)
		return "";
	if (!s) {
		snprintf(buf, size, "(null)");
		return buf;
	}
	mem = open_memstream(&escaped, &len);
	if (!mem) {
		snprintf(buf, size, "?");
		return buf;
	}
	text_escape(mem, s, strlen(s));
	fclose(mem);
	if (len < size) {
		memcpy(buf, escaped, len + 1);
	} else {
		/* Escapes are ASCII: cutting the escaped text never splits a character... */
		size_t keep = size > 4 ? size - 4 : 0;

		/* ...except valid UTF-8 passed through: back up to a character start. */
		while (keep > 0 && ((unsigned char)escaped[keep] & 0xc0) == 0x80)
			keep--;
		memcpy(buf, escaped, keep);
		snprintf(buf + keep, size - keep, "...");
	}
	free(escaped);
	return buf;
}
