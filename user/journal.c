// SPDX-License-Identifier: GPL-2.0-only
/* The agent's crash-safe state file. */
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#define STATE_FILE "state.json"
#define STATE_VERSION 1

static const char *member_str(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int64_t member_int(json_object *o, const char *key, bool *ok)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int)) {
		*ok = false;
		return 0;
	}
	return json_object_get_int64(v);
}

/* One "isolated" entry; false (with *why) when a field is missing or malformed. */
static bool parse_item(json_object *o, struct pw_isolation *it, const char **why)
{
	const char *id = member_str(o, "container_id"), *path = member_str(o, "path"),
		   *backend = member_str(o, "backend"), *cpus = member_str(o, "cpus");
	bool ok = true;

	memset(it, 0, sizeof(*it));
	it->hierarchy = member_int(o, "hierarchy", &ok);
	it->cgroup_id = member_int(o, "cgroup_id", &ok);
	it->changed_levels = member_int(o, "changed_levels", &ok);
	if (!ok || !id || !path || !backend || !cpus) {
		*why = "an isolated entry lacks a field";
		return false;
	}
	if (strlen(id) >= sizeof(it->container_id) || strlen(path) >= sizeof(it->path) ||
	    path[0] != '/' || strstr(path, "/..") ||
	    (strcmp(backend, "v1") && strcmp(backend, "v2"))) {
		*why = "an isolated entry has a bad container_id, path or backend";
		return false;
	}
	if (pw_cpus_parse(cpus, strlen(cpus), &it->cpus, why))
		return false;
	strcpy(it->container_id, id);
	strcpy(it->path, path);
	strcpy(it->backend, backend);
	return true;
}

int pw_journal_load(struct pw_journal *j, const char *dir)
{
	json_object *root = NULL, *items;
	const char *why = NULL, *hk;
	int err = 0;

	memset(j, 0, sizeof(*j));
	if (snprintf(j->file, sizeof(j->file), "%s/%s", dir, STATE_FILE) >= (int)sizeof(j->file))
		return -ENAMETOOLONG;
	if (access(j->file, F_OK) && errno == ENOENT)
		return 0;
	root = json_object_from_file(j->file);
	if (!root || !json_object_is_type(root, json_type_object)) {
		why = "not a JSON object";
		goto bad;
	}
	hk = member_str(root, "v1_housekeeping");
	if (hk) {
		if (strlen(hk) >= sizeof(j->v1_housekeeping) || hk[0] != '/' || strstr(hk, "/..")) {
			why = "bad v1_housekeeping";
			goto bad;
		}
		strcpy(j->v1_housekeeping, hk);
	}
	if (json_object_object_get_ex(root, "v1_unbalanced", &items) &&
	    json_object_is_type(items, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(items); i++) {
			const char *path = json_object_get_string(json_object_array_get_idx(items, i));

			if (j->nr_unbalanced == PW_MAX_UNBALANCED || !path || path[0] != '/' ||
			    strstr(path, "/..") || strlen(path) >= PW_META_PATH_LEN) {
				why = "bad v1_unbalanced";
				goto bad;
			}
			strcpy(j->v1_unbalanced[j->nr_unbalanced++], path);
		}
	}
	if (!json_object_object_get_ex(root, "isolated", &items) ||
	    !json_object_is_type(items, json_type_array)) {
		why = "no \"isolated\" array";
		goto bad;
	}
	for (size_t i = 0; i < json_object_array_length(items); i++) {
		if (j->nr == PW_MAX_ISOLATED) {
			why = "too many isolated entries";
			goto bad;
		}
		if (!parse_item(json_object_array_get_idx(items, i), &j->items[j->nr], &why))
			goto bad;
		j->nr++;
	}
	json_object_put(root);
	return 0;
bad:
	fprintf(stderr, "pinwatch: cannot use the journal '%s': %s; it is left as it is "
			"(fix or remove it, then run pinwatch restore)\n",
		j->file, why);
	json_object_put(root);
	err = -EINVAL;
	return err;
}

static json_object *item_json(const struct pw_isolation *it)
{
	json_object *o = json_object_new_object();
	char cpus[PW_CPULIST_LEN];

	pw_cpus_format(&it->cpus, cpus, sizeof(cpus));
	json_object_object_add(o, "container_id", json_object_new_string(it->container_id));
	json_object_object_add(o, "path", json_object_new_string(it->path));
	json_object_object_add(o, "hierarchy", json_object_new_int(it->hierarchy));
	json_object_object_add(o, "cgroup_id", json_object_new_int64((int64_t)it->cgroup_id));
	json_object_object_add(o, "backend", json_object_new_string(it->backend));
	json_object_object_add(o, "cpus", json_object_new_string(cpus));
	json_object_object_add(o, "changed_levels", json_object_new_int64(it->changed_levels));
	return o;
}

int pw_journal_save(const struct pw_journal *j)
{
	json_object *root = json_object_new_object(), *items = json_object_new_array();
	char tmp[PATH_MAX + 8], dir[PATH_MAX];
	const char *text;
	int fd = -1, dfd, err = 0;
	size_t len;

	json_object_object_add(root, "version", json_object_new_int(STATE_VERSION));
	json_object_object_add(root, "v1_housekeeping",
			       j->v1_housekeeping[0] ? json_object_new_string(j->v1_housekeeping) :
						       NULL);
	for (int i = 0; i < j->nr; i++)
		json_object_array_add(items, item_json(&j->items[i]));
	json_object_object_add(root, "isolated", items);
	items = json_object_new_array();
	for (int i = 0; i < j->nr_unbalanced; i++)
		json_object_array_add(items, json_object_new_string(j->v1_unbalanced[i]));
	json_object_object_add(root, "v1_unbalanced", items);
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY);

	snprintf(dir, sizeof(dir), "%s", j->file);
	*strrchr(dir, '/') = '\0';
	if (mkdir(dir, 0700) && errno != EEXIST) {
		err = -errno;
		goto cleanup;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", j->file);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		err = -errno;
		goto cleanup;
	}
	len = strlen(text);
	if (write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1 || fsync(fd)) {
		err = -errno;
		goto cleanup;
	}
	if (rename(tmp, j->file)) {
		err = -errno;
		goto cleanup;
	}
	/* The rename itself must reach the disk before the change it announces. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
cleanup:
	if (fd >= 0)
		close(fd);
	if (err)
		fprintf(stderr, "pinwatch: cannot write the journal '%s': %s\n", j->file,
			strerror(-err));
	json_object_put(root);
	return err;
}

struct pw_isolation *pw_journal_find(struct pw_journal *j, int hierarchy, uint64_t cgroup_id)
{
	for (int i = 0; i < j->nr; i++)
		if (j->items[i].hierarchy == hierarchy && j->items[i].cgroup_id == cgroup_id)
			return &j->items[i];
	return NULL;
}

void pw_journal_remove(struct pw_journal *j, struct pw_isolation *iso)
{
	int i = iso - j->items;

	if (i < 0 || i >= j->nr)
		return;
	memmove(&j->items[i], &j->items[i + 1], (j->nr - i - 1) * sizeof(j->items[0]));
	j->nr--;
}
