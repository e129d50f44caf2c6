/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one JSON writer of pinwatch: trace events, ps rows, counters and logs
 * all go through it. Values are untrusted bytes: strings are escaped with
 * pw_json_escape() (valid UTF-8 out, whatever comes in), so every line it
 * writes parses.
 */
#ifndef PW_JSON_WRITER_H
#define PW_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Objects and arrays nest at most this deep. */
#define PW_JSON_MAX_DEPTH 16

struct pw_json {
	FILE *out;
	int depth;
	/* Bit d: the container at depth d already holds a member (a comma comes next). */
	uint32_t has_member;
};

void pw_json_init(struct pw_json *j, FILE *out);

/*
 * Every value takes a key: a member name inside an object, NULL at the top
 * level and inside an array.
 */
void pw_json_object_begin(struct pw_json *j, const char *key);
/* Closing the top-level value ends the line. */
void pw_json_object_end(struct pw_json *j);
void pw_json_array_begin(struct pw_json *j, const char *key);
void pw_json_array_end(struct pw_json *j);

/* A string of len bytes (not NUL-terminated, may hold anything). */
void pw_json_bytes(struct pw_json *j, const char *key, const char *s, size_t len);
/* A string, or null when s is NULL. */
void pw_json_string(struct pw_json *j, const char *key, const char *s);
/* A string, or null when s is NULL or empty. */
void pw_json_string_or_null(struct pw_json *j, const char *key, const char *s);
void pw_json_int(struct pw_json *j, const char *key, long long v);
void pw_json_uint(struct pw_json *j, const char *key, unsigned long long v);
void pw_json_double(struct pw_json *j, const char *key, double v);
void pw_json_bool(struct pw_json *j, const char *key, bool v);
void pw_json_null(struct pw_json *j, const char *key);

#endif /* PW_JSON_WRITER_H */
