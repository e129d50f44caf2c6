// SPDX-License-Identifier: GPL-2.0-only
/* The one way pinwatch writes diagnostics. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "escape.h"
#include "json_writer.h"

static enum pw_log_level max_level = PW_LOG_INFO;
static enum pw_log_format log_format = PW_LOG_PLAIN;
static const char *log_context;

static const char *const level_names[] = {
	[PW_LOG_ERROR] = "error",
	[PW_LOG_WARN] = "warn",
	[PW_LOG_INFO] = "info",
	[PW_LOG_DEBUG] = "debug",
};

/* syslog(3) priorities, as journald reads them from a "<N>" prefix. */
static const int level_priorities[] = {
	[PW_LOG_ERROR] = 3,
	[PW_LOG_WARN] = 4,
	[PW_LOG_INFO] = 6,
	[PW_LOG_DEBUG] = 7,
};

void pw_log_set_format(enum pw_log_format format)
{
	log_format = format;
}

/* Whether stderr is journald's stream: $JOURNAL_STREAM names its device and inode. */
static bool stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	return env && sscanf(env, "%llu:%llu", &dev, &ino) == 2 && !fstat(STDERR_FILENO, &st) &&
	       (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

int pw_log_format_parse(const char *s, enum pw_log_format *format)
{
	if (!strcmp(s, "text"))
		*format = stderr_is_journal() ? PW_LOG_JOURNAL : PW_LOG_STAMPED;
	else if (!strcmp(s, "json"))
		*format = PW_LOG_JSON;
	else
		return -EINVAL;
	return 0;
}

/* Now, RFC 3339 UTC with milliseconds. */
static void timestamp(char *buf, size_t size)
{
	struct timespec now;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, size - n, ".%03ldZ", now.tv_nsec / 1000000);
}

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
	char line[4096], stamp[40], *text = NULL;
	struct pw_json json;
	size_t size = 0;
	va_list ap;
	FILE *mem;

	if (level > max_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	mem = open_memstream(&text, &size);
	if (!mem) {
		fprintf(stderr, "pinwatch: %s\n", line);
		errno = saved;
		return;
	}
	switch (log_format) {
	case PW_LOG_PLAIN:
		break;
	case PW_LOG_STAMPED:
		timestamp(stamp, sizeof(stamp));
		fprintf(mem, "%s %-5s ", stamp, level_names[level]);
		break;
	case PW_LOG_JOURNAL:
		fprintf(mem, "<%d>", level_priorities[level]);
		break;
	case PW_LOG_JSON:
		/* Names in the message are escaped already (PW_Q); the JSON writer makes it JSON. */
		timestamp(stamp, sizeof(stamp));
		pw_json_init(&json, mem);
		pw_json_object_begin(&json, NULL);
		pw_json_string(&json, "time", stamp);
		pw_json_string(&json, "level", level_names[level]);
		if (log_context) {
			char msg[sizeof(line) + 128];

			snprintf(msg, sizeof(msg), "%s: %s", log_context, line);
			pw_json_string(&json, "msg", msg);
		} else {
			pw_json_string(&json, "msg", line);
		}
		pw_json_object_end(&json);
		break;
	}
	if (log_format != PW_LOG_JSON)
		fprintf(mem, "pinwatch: %s%s%s\n", log_context ? log_context : "",
			log_context ? ": " : "", line);
	fclose(mem);
	/* One write per line: lines from different places never interleave. */
	fputs(text, stderr);
	free(text);
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
	pw_text_escape(mem, s, strlen(s));
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
