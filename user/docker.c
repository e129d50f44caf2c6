// SPDX-License-Identifier: GPL-2.0-only
/* Docker's name for a container, found through its bundle. */
#include "docker.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "json_reader.h"
#include "runtime_state.h"
#include "safe_file.h"

#define MAX_JSON_DEPTH 32
#define HOSTNAME_FILE "/hostname"

static const char *str_of(json_object *obj, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int pw_docker_dir_from_config(const char *buf, size_t len, const char *id, char *dir, size_t size)
{
	json_object *config = pw_json_parse_object(buf, len, MAX_JSON_DEPTH, NULL), *mounts;
	size_t id_len = strlen(id), n;
	int err = -ENOENT;

	if (!config)
		return -EINVAL;
	if (!json_object_object_get_ex(config, "mounts", &mounts) ||
	    !json_object_is_type(mounts, json_type_array))
		goto out;
	for (size_t i = 0; i < json_object_array_length(mounts); i++) {
		json_object *m = json_object_array_get_idx(mounts, i);
		const char *dst = str_of(m, "destination"), *src = str_of(m, "source");

		if (!dst || !src || strcmp(dst, "/etc/hostname"))
			continue;
		/* ".../<id>/hostname": the directory must be the container's own. */
		n = strlen(src);
		if (src[0] != '/' || n < id_len + sizeof(HOSTNAME_FILE) ||
		    strcmp(src + n - strlen(HOSTNAME_FILE), HOSTNAME_FILE) ||
		    src[n - strlen(HOSTNAME_FILE) - id_len - 1] != '/' ||
		    strncmp(src + n - strlen(HOSTNAME_FILE) - id_len, id, id_len)) {
			err = -EINVAL;
			break;
		}
		n -= strlen(HOSTNAME_FILE);
		err = n < size ? 0 : -ENAMETOOLONG;
		if (!err)
			snprintf(dir, size, "%.*s", (int)n, src);
		break;
	}
out:
	json_object_put(config);
	return err;
}

int pw_docker_name_from_record(const char *buf, size_t len, char *name, size_t size)
{
	json_object *record = pw_json_parse_object(buf, len, MAX_JSON_DEPTH, NULL);
	const char *s;
	int err = -ENOENT;

	if (!record)
		return -EINVAL;
	s = str_of(record, "Name");
	if (s && *s == '/')
		s++; /* the Docker API's "/web" */
	if (s && *s) {
		err = strlen(s) < size ? 0 : -ENAMETOOLONG;
		if (!err)
			snprintf(name, size, "%s", s);
	}
	json_object_put(record);
	return err;
}

int pw_docker_name(const char *bundle, const char *id, char *name, size_t size)
{
	char path[PW_META_PATH_LEN + 32], dir[PW_META_PATH_LEN];
	const char *why;
	char *buf = NULL;
	size_t len;
	int err;

	if (bundle[0] != '/' || !pw_valid_container_id(id))
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	err = pw_read_trusted_file(path, PW_MAX_JSON_FILE, &buf, &len, &why);
	if (!err)
		err = pw_docker_dir_from_config(buf, len, id, dir, sizeof(dir));
	free(buf);
	buf = NULL;
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/config.v2.json", dir);
	err = pw_read_trusted_file(path, PW_MAX_JSON_FILE, &buf, &len, &why);
	if (!err)
		err = pw_docker_name_from_record(buf, len, name, size);
	free(buf);
	return err;
}
