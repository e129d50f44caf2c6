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

#include "clock.h"
#include "json_reader.h"
#include "log.h"
#include "runtime_procs.h"
#include "safe_file.h"

#define MIN_BUCKETS 1024

int pw_state_index_init(struct pw_state_index *idx, const struct pw_mounts *mounts)
{
	memset(idx, 0, sizeof(*idx));
	idx->mounts = mounts;
	if (pw_hash_init(&idx->by_id, MIN_BUCKETS) || pw_hash_init(&idx->by_path[0], MIN_BUCKETS) ||
	    pw_hash_init(&idx->by_path[1], MIN_BUCKETS)) {
		pw_state_index_free(idx);
		return -ENOMEM;
	}
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
	struct pw_hash_link *link, *tmp;
	size_t i;

	if (idx->by_id.buckets)
		pw_hash_for_each(&idx->by_id, i, link, tmp)
			free_entry(pw_hash_entry(link, struct pw_state_entry, by_id));
	pw_hash_free(&idx->by_id);
	pw_hash_free(&idx->by_path[0]);
	pw_hash_free(&idx->by_path[1]);
}

const struct pw_state_root *pw_state_index_root(const struct pw_state_index *idx, const char *path)
{
	for (size_t i = 0; i < idx->nr_roots; i++)
		if (idx->roots[i].active && !strcmp(idx->roots[i].path, path))
			return &idx->roots[i];
	return NULL;
}

/*
 * The slot of root path, made (or an inactive one of the same path made
 * active again) when new; NULL for a bad path or when every slot is taken.
 * Slots never move: entries point to their root.
 */
static struct pw_state_root *add_root(struct pw_state_index *idx, const char *path,
				      const char *runtime, const char *engine)
{
	struct pw_state_root *r = NULL;

	if (path[0] != '/' || strlen(path) >= sizeof(r->path) || strstr(path, "/.."))
		return NULL;
	for (size_t i = 0; i < idx->nr_roots; i++)
		if (!strcmp(idx->roots[i].path, path))
			r = &idx->roots[i];
	if (!r) {
		if (idx->nr_roots == PW_MAX_STATE_ROOTS)
			return NULL;
		r = &idx->roots[idx->nr_roots++];
		snprintf(r->path, sizeof(r->path), "%s", path);
	}
	snprintf(r->runtime, sizeof(r->runtime), "%s", runtime);
	if (engine)
		snprintf(r->engine, sizeof(r->engine), "%s", engine);
	r->format = !strcmp(runtime, "crun") ? PW_STATE_CRUN : PW_STATE_RUNC;
	r->active = true;
	return r;
}

bool pw_state_index_learn_root(struct pw_state_index *idx, const char *root, const char *runtime)
{
	bool known = pw_state_index_root(idx, root);
	struct pw_state_root *r = add_root(idx, root, runtime, NULL);

	if (r && !known)
		r->learned_ns = pw_monotonic_ns();
	else if (r && r->learned_ns)
		r->learned_ns = pw_monotonic_ns();
	return r && !known;
}

#define entry_of(link, member) pw_hash_entry(link, struct pw_state_entry, member)

static struct pw_state_entry *find(const struct pw_state_index *idx,
				   const struct pw_state_root *root, const char *id)
{
	struct pw_hash_link *l;

	for (l = pw_hash_first(&idx->by_id, pw_hash_str(id)); l; l = pw_hash_next(l))
		if (entry_of(l, by_id)->root == root && !strcmp(entry_of(l, by_id)->id, id))
			return entry_of(l, by_id);
	return NULL;
}

const struct pw_state_entry *pw_state_index_by_id(const struct pw_state_index *idx, const char *id)
{
	struct pw_hash_link *l;

	for (l = pw_hash_first(&idx->by_id, pw_hash_str(id)); l; l = pw_hash_next(l))
		if (!strcmp(entry_of(l, by_id)->id, id))
			return entry_of(l, by_id);
	return NULL;
}

const struct pw_state_entry *pw_state_index_by_path(const struct pw_state_index *idx, bool v2,
						    const char *path)
{
	struct pw_hash_link *l;

	for (l = pw_hash_first(&idx->by_path[v2], pw_hash_str(path)); l; l = pw_hash_next(l))
		if (!strcmp(entry_of(l, by_path[v2])->path[v2], path))
			return entry_of(l, by_path[v2]);
	return NULL;
}

static void unlink_entry(struct pw_state_index *idx, struct pw_state_entry *e)
{
	pw_hash_del(&idx->by_id, &e->by_id);
	for (int v2 = 0; v2 < 2; v2++)
		if (e->path[v2])
			pw_hash_del(&idx->by_path[v2], &e->by_path[v2]);
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
	pw_hash_add(&idx->by_id, &e->by_id, pw_hash_str(e->id));
	for (int v2 = 0; v2 < 2; v2++)
		if (e->path[v2])
			pw_hash_add(&idx->by_path[v2], &e->by_path[v2], pw_hash_str(e->path[v2]));
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
	if (idx->by_id.count >= PW_MAX_STATES) {
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

/*
 * A state directory that is there but cannot be read (no CAP_DAC_READ_SEARCH
 * for a root-only one, an owner or a filesystem not trusted): said once per
 * directory, since its containers go unnamed. Most roots are simply absent
 * on a given node: that is not said.
 */
static int open_state_dir(struct pw_state_index *idx, const char *path)
{
	const char *why = "";
	uint64_t h;
	int fd = pw_open_trusted_dir(path, &why);
	size_t i;

	if (fd >= 0 || fd == -ENOENT)
		return fd;
	h = pw_hash_str(path);
	for (i = 0; i < idx->nr_said_unreadable; i++)
		if (idx->said_unreadable[i] == h)
			return fd;
	if (idx->nr_said_unreadable < PW_MAX_STATE_ROOTS)
		idx->said_unreadable[idx->nr_said_unreadable++] = h;
	if (fd == -EACCES)
		pw_warn("cannot read the runtime state in '%s': %s (CAP_DAC_READ_SEARCH is needed "
			"for a root-only directory); its containers are named by their cgroup path "
			"only",
			PW_Q(path), strerror(-fd));
	else
		pw_warn("runtime state in '%s' is not read: %s, %s; its containers are named by "
			"their cgroup path only",
			PW_Q(path), why, strerror(-fd));
	return fd;
}

/* Every container directory of one root: known ones kept, new ones read. */
static void scan_root(struct pw_state_index *idx, struct pw_state_root *root)
{
	struct dirent *de;
	DIR *dir;
	int fd;

	fd = open_state_dir(idx, root->path);
	if (fd < 0)
		return;
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
			root->containers++;
			continue;
		}
		if (!pw_state_index_add(idx, root, de->d_name))
			root->containers++;
	}
	closedir(dir);
}

/*
 * Call fn(idx, DIR/NAME, arg) for each directory NAME (a valid name) of the
 * trusted DIR, until fn says it is done (true).
 */
static void for_each_subdir(struct pw_state_index *idx, const char *dir_path,
			    bool (*fn)(struct pw_state_index *idx, const char *path,
				       const void *arg),
			    const void *arg)
{
	char path[PW_META_PATH_LEN];
	struct dirent *de;
	DIR *dir;
	int fd;

	fd = open_state_dir(idx, dir_path);
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
		if (snprintf(path, sizeof(path), "%s/%s", dir_path, de->d_name) <
			    (int)sizeof(path) &&
		    fn(idx, path, arg))
			break;
	}
	closedir(dir);
}

struct root_arg {
	const char *runtime, *engine, *suffix;
};

static bool add_place_root(struct pw_state_index *idx, const char *path, const void *arg)
{
	const struct root_arg *a = arg;

	add_root(idx, path, a->runtime, a->engine);
	return false;
}

/*
 * containerd's runc shim keeps the runc root it was given (a runtime option:
 * k3s and others set one) in each task's options.json: one task of a
 * namespace (".../io.containerd.runtime.v2.task/NS/ID") says where that
 * namespace's runc states are (ROOT/NS). Done at the first options.json read.
 */
static bool learn_runc_root(struct pw_state_index *idx, const char *task_dir, const void *ns)
{
	char path[PW_META_PATH_LEN + 64], root[PW_META_PATH_LEN];
	const char *why, *value;
	json_object *options;
	size_t len;
	char *buf;

	snprintf(path, sizeof(path), "%s/options.json", task_dir);
	if (pw_read_trusted_file(path, PW_MAX_JSON_FILE, &buf, &len, &why))
		return false;
	options = pw_json_parse_object(buf, len, 4, NULL);
	value = options ? pw_json_member_str(options, "root") : NULL;
	if (value &&
	    snprintf(root, sizeof(root), "%s%s", value, (const char *)ns) < (int)sizeof(root))
		add_root(idx, root, "runc", "containerd");
	json_object_put(options);
	free(buf);
	return true;
}

static bool add_bundle_root(struct pw_state_index *idx, const char *path, const void *arg)
{
	const struct root_arg *a = arg;
	const char *ns = strrchr(path, '/');
	struct pw_bundle_root *r;

	for (size_t i = 0; i < idx->nr_bundle_roots; i++)
		if (!strcmp(idx->bundle_roots[i].path, path))
			return false;
	if (idx->nr_bundle_roots == PW_MAX_BUNDLE_ROOTS || strlen(path) >= sizeof(r->path))
		return false;
	r = &idx->bundle_roots[idx->nr_bundle_roots++];
	snprintf(r->path, sizeof(r->path), "%s", path);
	r->suffix = a->suffix;
	if (a->engine && !strcmp(a->engine, "containerd") && ns)
		for_each_subdir(idx, path, learn_runc_root, ns);
	return false;
}

/* A runtime's state root (runtimes.h): the root itself, or one per namespace below it. */
static void sink_state_root(void *ctx, const char *root, const char *oci_runtime,
			    const char *engine, bool per_namespace)
{
	struct root_arg a = { oci_runtime, engine, NULL };

	if (per_namespace)
		for_each_subdir(ctx, root, add_place_root, &a);
	else if (pw_trusted_path_exists(root))
		add_place_root(ctx, root, &a);
}

/* An engine's bundle directory: the directory itself, or one per namespace below it. */
static void sink_bundle_root(void *ctx, const char *dir, const char *suffix, const char *engine,
			     bool per_namespace)
{
	struct root_arg a = { NULL, engine, suffix };

	if (per_namespace)
		for_each_subdir(ctx, dir, add_bundle_root, &a);
	else if (pw_trusted_path_exists(dir))
		add_bundle_root(ctx, dir, &a);
}

/*
 * The places there now: each runtime's defaults, what its trusted processes
 * name, and the roots trusted execs taught that still hold containers or
 * were named lately. A place that is not there costs no lookup later.
 */
static void learn_roots(struct pw_state_index *idx)
{
	const struct pw_place_sink sink = { idx, sink_state_root, sink_bundle_root };
	uint64_t now = pw_monotonic_ns();

	for (size_t i = 0; i < idx->nr_roots; i++) {
		struct pw_state_root *r = &idx->roots[i];

		r->active = r->learned_ns &&
			    (r->containers || now - r->learned_ns < PW_LEARNED_ROOT_TTL_NS);
		r->containers = 0;
	}
	idx->nr_bundle_roots = 0;
	pw_runtimes_default_places(&sink);
	pw_runtime_procs_places(&sink);
}

int pw_state_index_bundle(const struct pw_state_index *idx, const char *id, char *buf, size_t size)
{
	for (size_t i = 0; i < idx->nr_bundle_roots; i++) {
		const struct pw_bundle_root *r = &idx->bundle_roots[i];

		snprintf(buf, size, "%s/%s%s", r->path, id, r->suffix);
		if (pw_trusted_path_exists(buf))
			return 0;
	}
	return -ENOENT;
}

void pw_state_index_scan(struct pw_state_index *idx)
{
	struct pw_hash_link *link, *tmp;
	size_t i;

	idx->gen++;
	idx->over_limit = 0;
	learn_roots(idx);
	for (i = 0; i < idx->nr_roots; i++)
		if (idx->roots[i].active)
			scan_root(idx, &idx->roots[i]);
	/* Gone from their root: the container was deleted. */
	pw_hash_for_each(&idx->by_id, i, link, tmp)
	{
		struct pw_state_entry *e = entry_of(link, by_id);

		if (e->gen != idx->gen) {
			unlink_entry(idx, e);
			free_entry(e);
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
