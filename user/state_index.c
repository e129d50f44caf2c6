// SPDX-License-Identifier: GPL-2.0-only
/* An in-memory index of the runtimes' state directories. */
#include "state_index.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemons.h"
#include "log.h"
#include "safe_file.h"

#define NR_BUCKETS 1024

/* Roots scanned without being told: runc and crun by hand and under CRI-O, Docker's runc. */
static const struct pw_state_root default_roots[] = {
	{ "/run/runc", "runc", PW_STATE_RUNC },
	{ "/run/crun", "crun", PW_STATE_CRUN },
	{ "/run/docker/runtime-runc/moby", "runc", PW_STATE_RUNC },
};
/* containerd's runc shims keep one root per containerd namespace below this. */
#define CONTAINERD_RUNC_ROOTS "/run/containerd/runc"
/* containerd keeps each task's bundle in a directory per namespace below this. */
#define CONTAINERD_TASKS "/run/containerd/io.containerd.runtime.v2.task"
/* CRI-O keeps its containers' config.json here, by id. */
#define CRIO_CONTAINERS "/run/containers/storage/overlay-containers"

static uint64_t str_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

int pw_state_index_init(struct pw_state_index *idx, const struct pw_mounts *mounts)
{
	memset(idx, 0, sizeof(*idx));
	idx->mounts = mounts;
	idx->nr_buckets = NR_BUCKETS;
	idx->by_id = calloc(NR_BUCKETS, sizeof(*idx->by_id));
	idx->by_path[0] = calloc(NR_BUCKETS, sizeof(*idx->by_path[0]));
	idx->by_path[1] = calloc(NR_BUCKETS, sizeof(*idx->by_path[1]));
	if (!idx->by_id || !idx->by_path[0] || !idx->by_path[1]) {
		pw_state_index_free(idx);
		return -ENOMEM;
	}
	for (size_t i = 0; i < sizeof(default_roots) / sizeof(default_roots[0]); i++)
		idx->roots[idx->nr_roots++] = default_roots[i];
	return 0;
}

static void free_entry(struct pw_state_entry *e)
{
	free(e->id);
	free(e->path[0]);
	free(e->path[1]);
	free(e);
}

void pw_state_index_free(struct pw_state_index *idx)
{
	if (idx->by_id) {
		for (size_t i = 0; i < idx->nr_buckets; i++) {
			struct pw_state_entry *e = idx->by_id[i], *next;

			for (; e; e = next) {
				next = e->next_id;
				free_entry(e);
			}
		}
	}
	free(idx->by_id);
	free(idx->by_path[0]);
	free(idx->by_path[1]);
	idx->by_id = idx->by_path[0] = idx->by_path[1] = NULL;
	idx->count = 0;
}

const struct pw_state_root *pw_state_index_root(const struct pw_state_index *idx, const char *path)
{
	for (size_t i = 0; i < idx->nr_roots; i++)
		if (!strcmp(idx->roots[i].path, path))
			return &idx->roots[i];
	return NULL;
}

static bool add_root(struct pw_state_index *idx, const char *path, const char *runtime)
{
	struct pw_state_root *r;

	if (path[0] != '/' || strlen(path) >= sizeof(r->path) || strstr(path, "/..") ||
	    pw_state_index_root(idx, path) || idx->nr_roots == PW_MAX_STATE_ROOTS)
		return false;
	r = &idx->roots[idx->nr_roots++];
	snprintf(r->path, sizeof(r->path), "%s", path);
	snprintf(r->runtime, sizeof(r->runtime), "%s", runtime);
	r->format = !strcmp(runtime, "crun") ? PW_STATE_CRUN : PW_STATE_RUNC;
	return true;
}

bool pw_state_index_learn_root(struct pw_state_index *idx, const char *root, const char *runtime)
{
	return add_root(idx, root, runtime);
}

static struct pw_state_entry *find(const struct pw_state_index *idx,
				   const struct pw_state_root *root, const char *id)
{
	struct pw_state_entry *e = idx->by_id[str_hash(id) & (idx->nr_buckets - 1)];

	for (; e; e = e->next_id)
		if (e->root == root && !strcmp(e->id, id))
			return e;
	return NULL;
}

const struct pw_state_entry *pw_state_index_by_id(const struct pw_state_index *idx, const char *id)
{
	struct pw_state_entry *e = idx->by_id[str_hash(id) & (idx->nr_buckets - 1)];

	for (; e; e = e->next_id)
		if (!strcmp(e->id, id))
			return e;
	return NULL;
}

const struct pw_state_entry *pw_state_index_by_path(const struct pw_state_index *idx, bool v2,
						    const char *path)
{
	struct pw_state_entry *e = idx->by_path[v2][str_hash(path) & (idx->nr_buckets - 1)];

	for (; e; e = e->next_path[v2])
		if (e->path[v2] && !strcmp(e->path[v2], path))
			return e;
	return NULL;
}

static void unlink_entry(struct pw_state_index *idx, struct pw_state_entry *e)
{
	struct pw_state_entry **pp = &idx->by_id[str_hash(e->id) & (idx->nr_buckets - 1)];

	for (; *pp; pp = &(*pp)->next_id)
		if (*pp == e) {
			*pp = e->next_id;
			break;
		}
	for (int v2 = 0; v2 < 2; v2++) {
		if (!e->path[v2])
			continue;
		pp = &idx->by_path[v2][str_hash(e->path[v2]) & (idx->nr_buckets - 1)];
		for (; *pp; pp = &(*pp)->next_path[v2])
			if (*pp == e) {
				*pp = e->next_path[v2];
				break;
			}
	}
	idx->count--;
}

/* An absolute cgroup path below mount as a path relative to the hierarchy root. */
static char *relative_to(const struct pw_mount *mnt, const char *abs)
{
	size_t n;

	if (!mnt || !abs[0])
		return NULL;
	n = strlen(mnt->path);
	if (strncmp(abs, mnt->path, n) || (abs[n] != '/' && abs[n] != '\0'))
		return NULL;
	return strdup(abs[n] ? abs + n : "/");
}

/* Read ROOT/ID's state into a new entry. */
static int read_entry(struct pw_state_index *idx, const struct pw_state_root *root, const char *id,
		      struct pw_state_entry **out)
{
	const struct pw_mount *cpuset_mnt =
		pw_mounts_get(idx->mounts, pw_mounts_cpuset_hierarchy(idx->mounts));
	const struct pw_mount *v2_mnt = pw_mounts_get(idx->mounts, 0);
	struct pw_container_meta meta = {};
	struct pw_runtime_state st = {};
	char path[PW_META_PATH_LEN + PW_RUNTIME_ID_LEN + 16];
	struct pw_state_entry *e;
	const char *why;
	char *buf;
	size_t len;
	int err;

	snprintf(path, sizeof(path), "%s/%s/%s", root->path, id,
		 root->format == PW_STATE_CRUN ? "status" : "state.json");
	err = pw_read_trusted_file(path, PW_MAX_JSON_FILE, &buf, &len, &why);
	if (err)
		return err;
	err = root->format == PW_STATE_CRUN ? pw_parse_crun_status(buf, len, &st) :
					      pw_parse_runc_state(buf, len, &st, &meta);
	free(buf);
	if (err)
		return err;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->root = root;
	e->id = strdup(id);
	e->pid = st.pid;
	e->start_time = st.start_time;
	if (st.cgroup_rel[0]) {
		e->path[0] = strdup(st.cgroup_rel);
		e->path[1] = strdup(st.cgroup_rel);
	} else {
		/* On a pure cgroup2 host the cpuset hierarchy is cgroup2 itself. */
		e->path[0] = pw_mounts_cpuset_hierarchy(idx->mounts) ?
				     relative_to(cpuset_mnt, st.cgroup_v1_cpuset) :
				     relative_to(v2_mnt, st.cgroup_v2);
		e->path[1] = relative_to(v2_mnt, st.cgroup_v2);
	}
	if (!e->id) {
		free_entry(e);
		return -ENOMEM;
	}
	*out = e;
	return 0;
}

static void link_entry(struct pw_state_index *idx, struct pw_state_entry *e)
{
	size_t b = str_hash(e->id) & (idx->nr_buckets - 1);

	e->next_id = idx->by_id[b];
	idx->by_id[b] = e;
	for (int v2 = 0; v2 < 2; v2++) {
		if (!e->path[v2])
			continue;
		b = str_hash(e->path[v2]) & (idx->nr_buckets - 1);
		e->next_path[v2] = idx->by_path[v2][b];
		idx->by_path[v2][b] = e;
	}
	idx->count++;
}

int pw_state_index_add(struct pw_state_index *idx, const struct pw_state_root *root, const char *id)
{
	struct pw_state_entry *e = find(idx, root, id);
	int err;

	if (!pw_valid_container_id(id))
		return -EINVAL;
	if (e) {
		/* A new instance of the same id replaces what was read before. */
		unlink_entry(idx, e);
		free_entry(e);
	}
	if (idx->count >= PW_MAX_STATES) {
		idx->over_limit++;
		return -ENOSPC;
	}
	err = read_entry(idx, root, id, &e);
	if (err)
		return err;
	e->gen = idx->gen;
	link_entry(idx, e);
	return 0;
}

/* Every container directory of one root: known ones kept, new ones read. */
static void scan_root(struct pw_state_index *idx, const struct pw_state_root *root)
{
	const char *why;
	struct dirent *de;
	DIR *dir;
	int fd;

	fd = pw_open_trusted_dir(root->path, &why);
	if (fd < 0)
		return; /* most roots are absent on a given node */
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return;
	}
	while ((de = readdir(dir))) {
		struct pw_state_entry *e;

		if (de->d_type != DT_DIR || !pw_valid_container_id(de->d_name))
			continue;
		e = find(idx, root, de->d_name);
		if (e) {
			e->gen = idx->gen;
			continue;
		}
		pw_state_index_add(idx, root, de->d_name);
	}
	closedir(dir);
}

/* Call fn(idx, DIR/NAME) for each directory NAME (a valid id) of the trusted DIR. */
static void for_each_subdir(struct pw_state_index *idx, const char *dir_path,
			    void (*fn)(struct pw_state_index *idx, const char *path))
{
	char path[PW_META_PATH_LEN];
	const char *why;
	struct dirent *de;
	DIR *dir;
	int fd;

	fd = pw_open_trusted_dir(dir_path, &why);
	if (fd < 0)
		return;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return;
	}
	while ((de = readdir(dir))) {
		if (de->d_type != DT_DIR || !pw_valid_container_id(de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir_path, de->d_name);
		fn(idx, path);
	}
	closedir(dir);
}

/* containerd keeps a runc root per namespace: k8s.io, moby, default, ... */
static void add_runc_root(struct pw_state_index *idx, const char *path)
{
	add_root(idx, path, "runc");
}

static void add_bundle_root(struct pw_state_index *idx, const char *path, const char *suffix)
{
	struct pw_bundle_root *r;

	if (idx->nr_bundle_roots == PW_MAX_BUNDLE_ROOTS)
		return;
	r = &idx->bundle_roots[idx->nr_bundle_roots++];
	snprintf(r->path, sizeof(r->path), "%s", path);
	r->suffix = suffix;
}

static void add_containerd_namespace(struct pw_state_index *idx, const char *path)
{
	add_bundle_root(idx, path, "");
}

static void add_daemon_root(void *ctx, const char *root, const char *runtime)
{
	add_root(ctx, root, runtime);
}

/* The roots there now: a root that is not there costs no lookup. */
static void learn_roots(struct pw_state_index *idx)
{
	const char *why;
	int fd;

	/* A dockerd with an --exec-root of its own keeps its runc root there. */
	pw_daemon_roots(add_daemon_root, idx);
	for_each_subdir(idx, CONTAINERD_RUNC_ROOTS, add_runc_root);
	idx->nr_bundle_roots = 0;
	for_each_subdir(idx, CONTAINERD_TASKS, add_containerd_namespace);
	fd = pw_open_trusted_dir(CRIO_CONTAINERS, &why);
	if (fd >= 0) {
		close(fd);
		add_bundle_root(idx, CRIO_CONTAINERS, "/userdata");
	}
}

int pw_state_index_bundle(const struct pw_state_index *idx, const char *id, char *buf, size_t size)
{
	for (size_t i = 0; i < idx->nr_bundle_roots; i++) {
		const struct pw_bundle_root *r = &idx->bundle_roots[i];

		snprintf(buf, size, "%s/%s%s", r->path, id, r->suffix);
		if (!access(buf, F_OK))
			return 0;
	}
	return -ENOENT;
}

void pw_state_index_scan(struct pw_state_index *idx)
{
	idx->gen++;
	idx->over_limit = 0;
	learn_roots(idx);
	for (size_t i = 0; i < idx->nr_roots; i++)
		scan_root(idx, &idx->roots[i]);
	/* Gone from their root: the container was deleted. */
	for (size_t i = 0; i < idx->nr_buckets; i++) {
		struct pw_state_entry *e = idx->by_id[i], *next;

		for (; e; e = next) {
			next = e->next_id;
			if (e->gen != idx->gen) {
				unlink_entry(idx, e);
				free_entry(e);
			}
		}
	}
	if (idx->over_limit)
		pw_warn("more than %d containers in the runtimes' state directories: %lu were not "
			"read (they are named by their cgroup path only)",
			PW_MAX_STATES, idx->over_limit);
}

int pw_state_index_meta(const struct pw_state_entry *e, struct pw_container_meta *meta)
{
	char path[PW_META_PATH_LEN + PW_RUNTIME_ID_LEN + 16];
	struct pw_runtime_state st = {};
	const char *why;
	char *buf;
	size_t len;
	int err;

	/* crun keeps its own copy of config.json next to its status: the annotations are there. */
	snprintf(path, sizeof(path), "%s/%s/%s", e->root->path, e->id,
		 e->root->format == PW_STATE_CRUN ? "config.json" : "state.json");
	err = pw_read_trusted_file(path, PW_MAX_JSON_FILE, &buf, &len, &why);
	if (err)
		return err;
	err = e->root->format == PW_STATE_CRUN ? pw_parse_oci_config(buf, len, meta) :
						 pw_parse_runc_state(buf, len, &st, meta);
	free(buf);
	return err;
}
