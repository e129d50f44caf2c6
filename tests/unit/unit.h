/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A minimal unit test harness. UNIT_TEST(name) registers a test; CHECK*
 * record a failure with file and line and go on, so one run shows every
 * broken expectation. The runner prints "ok - name" or "not ok - name" per
 * test, which tests/run.sh counts.
 */
#ifndef PW_UNIT_H
#define PW_UNIT_H

#include <stdio.h>
#include <string.h>

typedef void (*unit_fn)(void);

void unit_register(const char *name, unit_fn fn);
void unit_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define UNIT_TEST(fn)                                                                              \
	static void fn(void);                                                                      \
	__attribute__((constructor)) static void register_##fn(void)                               \
	{                                                                                          \
		unit_register(#fn, fn);                                                            \
	}                                                                                          \
	static void fn(void)

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			unit_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);                         \
	} while (0)

#define CHECK_INT(got, want)                                                                       \
	do {                                                                                       \
		long long got_ = (got), want_ = (want);                                            \
		if (got_ != want_)                                                                 \
			unit_fail(__FILE__, __LINE__, "%s is %lld, want %lld", #got, got_, want_); \
	} while (0)

#define CHECK_STR(got, want)                                                                       \
	do {                                                                                       \
		const char *got_ = (got), *want_ = (want);                                         \
		if (!got_ || strcmp(got_, want_))                                                  \
			unit_fail(__FILE__, __LINE__, "%s is \"%s\", want \"%s\"", #got,           \
				  got_ ? got_ : "(null)", want_);                                  \
	} while (0)

/*
 * Run fn(out, arg) into a memory stream and return the text it wrote
 * (malloc'd, NUL-terminated; the caller frees it).
 */
char *unit_capture(void (*fn)(FILE *out, const void *arg), const void *arg);

/* A new directory holding one file name with text (malloc'd path of the directory). */
char *unit_dir_with_file(const char *name, const char *text);

/* Remove the file name and the directory from unit_dir_with_file(), and free dir. */
void unit_remove_dir(char *dir, const char *name);

#endif /* PW_UNIT_H */
