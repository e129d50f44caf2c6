/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading JSON that others wrote (runtime state, bundles, the journal):
 * exactly one object, nested at most so deep, nothing after it. json-c
 * (Debian's libjson-c) does the parsing.
 */
#ifndef PW_JSON_READER_H
#define PW_JSON_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

/*
 * Parse len bytes (not necessarily NUL-terminated) as one JSON object nested
 * at most max_depth deep, with only white space after it. NULL otherwise,
 * with a static reason in *why (may be NULL). The caller puts the object.
 */
json_object *pw_json_parse_object(const char *buf, size_t len, int max_depth, const char **why);

/* A string member of obj, or NULL (obj may be NULL). */
const char *pw_json_member_str(json_object *obj, const char *key);

/* An integer member of obj into *out; false when missing or not an integer. */
bool pw_json_member_int(json_object *obj, const char *key, int64_t *out);

#endif /* PW_JSON_READER_H */
