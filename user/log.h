/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Diagnostics: one helper for every line pinwatch writes to stderr. Names
 * that containers and local users choose (cgroup paths, pod names, argv)
 * go through PW_Q(), which escapes them for a terminal, so no name can fake
 * a log line or move the cursor.
 */
#ifndef PW_LOG_H
#define PW_LOG_H

#include <stddef.h>

enum pw_log_level {
	PW_LOG_ERROR,
	PW_LOG_WARN,
	PW_LOG_INFO,
	PW_LOG_DEBUG,
};

void pw_log(enum pw_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define pw_err(...) pw_log(PW_LOG_ERROR, __VA_ARGS__)
#define pw_warn(...) pw_log(PW_LOG_WARN, __VA_ARGS__)
#define pw_info(...) pw_log(PW_LOG_INFO, __VA_ARGS__)
#define pw_debug(...) pw_log(PW_LOG_DEBUG, __VA_ARGS__)

/* Lines above this level are not written (default: info). */
void pw_log_set_level(enum pw_log_level level);

/* How lines look. Commands run by hand write plain lines; the agent, a daemon, stamps them. */
enum pw_log_format {
	PW_LOG_PLAIN,	/* "pinwatch: message" */
	PW_LOG_STAMPED, /* "2026-11-29T18:40:25.123Z info pinwatch: message" */
	PW_LOG_JOURNAL, /* "<6>pinwatch: message": journald keeps the time and the level */
	PW_LOG_JSON,	/* {"time":...,"level":"info","msg":"message"} */
};

void pw_log_set_format(enum pw_log_format format);

/* "text" (stamped, or for journald when stderr is the journal's stream) or "json". */
int pw_log_format_parse(const char *s, enum pw_log_format *format);

/* Where the next lines come from ("FILE line N"), put before each; NULL: none. */
void pw_log_set_context(const char *context);

/* Room for one quoted name in a log line: longer ones keep their head and end in "...". */
#define PW_Q_LEN 512

/*
 * s escaped for a terminal (see pw_text_escape()) into buf, cut with "..." when
 * it does not fit; "(null)" for NULL. Returns buf.
 */
const char *pw_log_quote(const char *s, char *buf, size_t size);

/* An untrusted string, escaped, valid until the end of the enclosing statement's block. */
#define PW_Q(s) pw_log_quote((s), (char[PW_Q_LEN]){ 0 }, PW_Q_LEN)

#endif /* PW_LOG_H */
