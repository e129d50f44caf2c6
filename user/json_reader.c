// SPDX-License-Identifier: GPL-2.0-only
/* Strict, bounded parsing of JSON objects with json-c. */
#include "json_reader.h"

#include <stdbool.h>
#include <stdint.h>

static bool only_space(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\n' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

json_object *pw_json_parse_object(const char *buf, size_t len, int max_depth, const char **why)
{
	struct json_tokener *tok = json_tokener_new_ex(max_depth);
	const char *reason = NULL;
	json_object *obj;
	size_t end;

	if (!tok) {
		if (why)
			*why = "out of memory";
		return NULL;
	}
	obj = json_tokener_parse_ex(tok, buf, len);
	end = json_tokener_get_parse_end(tok);
	if (!obj || json_tokener_get_error(tok) != json_tokener_success)
		reason = len == 0 ? "it is empty" :
			 json_tokener_get_error(tok) == json_tokener_error_depth ?
				    "it is nested too deep" :
				    "it is not valid JSON (cut short?)";
	else if (!json_object_is_type(obj, json_type_object))
		reason = "it is not a JSON object";
	else if (end > len || !only_space(buf + end, len - end))
		reason = "there is more after the JSON object";
	json_tokener_free(tok);
	if (reason) {
		json_object_put(obj);
		if (why)
			*why = reason;
		return NULL;
	}
	return obj;
}

const char *pw_json_member_str(json_object *obj, const char *key)
{
	json_object *v;

	if (!obj || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

bool pw_json_member_int(json_object *obj, const char *key, int64_t *out)
{
	json_object *v;

	if (!obj || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return false;
	*out = json_object_get_int64(v);
	return true;
}
