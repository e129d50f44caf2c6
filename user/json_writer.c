// SPDX-License-Identifier: GPL-2.0-only
/* JSON lines: one value per line, escaped strings, no allocation. */
#include "json_writer.h"

#include <math.h>
#include <string.h>

#include "escape.h"

void pw_json_init(struct pw_json *j, FILE *out)
{
	j->out = out;
	j->depth = 0;
	j->has_member = 0;
}

/* The comma and the "key": that come before a value at the current depth. */
static void before_value(struct pw_json *j, const char *key)
{
	uint32_t bit = 1U << j->depth;

	if (j->depth > 0 && (j->has_member & bit))
		fputc(',', j->out);
	j->has_member |= bit;
	if (key) {
		fputc('"', j->out);
		pw_json_escape(j->out, key, strlen(key));
		fputs("\":", j->out);
	}
}

static void open_container(struct pw_json *j, const char *key, char c)
{
	before_value(j, key);
	fputc(c, j->out);
	if (j->depth < PW_JSON_MAX_DEPTH - 1)
		j->depth++;
	j->has_member &= ~(1U << j->depth);
}

static void close_container(struct pw_json *j, char c)
{
	fputc(c, j->out);
	if (j->depth > 0)
		j->depth--;
	if (j->depth == 0) {
		fputc('\n', j->out);
		j->has_member = 0;
	}
}

void pw_json_object_begin(struct pw_json *j, const char *key)
{
	open_container(j, key, '{');
}

void pw_json_object_end(struct pw_json *j)
{
	close_container(j, '}');
}

void pw_json_array_begin(struct pw_json *j, const char *key)
{
	open_container(j, key, '[');
}

void pw_json_array_end(struct pw_json *j)
{
	close_container(j, ']');
}

void pw_json_bytes(struct pw_json *j, const char *key, const char *s, size_t len)
{
	before_value(j, key);
	fputc('"', j->out);
	pw_json_escape(j->out, s, len);
	fputc('"', j->out);
}

void pw_json_string(struct pw_json *j, const char *key, const char *s)
{
	if (s)
		pw_json_bytes(j, key, s, strlen(s));
	else
		pw_json_null(j, key);
}

void pw_json_string_or_null(struct pw_json *j, const char *key, const char *s)
{
	pw_json_string(j, key, s && s[0] ? s : NULL);
}

void pw_json_int(struct pw_json *j, const char *key, long long v)
{
	before_value(j, key);
	fprintf(j->out, "%lld", v);
}

void pw_json_uint(struct pw_json *j, const char *key, unsigned long long v)
{
	before_value(j, key);
	fprintf(j->out, "%llu", v);
}

void pw_json_double(struct pw_json *j, const char *key, double v)
{
	/* JSON has no NaN or infinity. */
	if (!isfinite(v)) {
		pw_json_null(j, key);
		return;
	}
	before_value(j, key);
	fprintf(j->out, "%.9g", v);
}

void pw_json_bool(struct pw_json *j, const char *key, bool v)
{
	before_value(j, key);
	fputs(v ? "true" : "false", j->out);
}

void pw_json_null(struct pw_json *j, const char *key)
{
	before_value(j, key);
	fputs("null", j->out);
}
