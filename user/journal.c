// SPDX-License-Identifier: GPL-2.0-only
/* The agent's crash-safe state file, owned by this file alone. */
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json_reader.h"
#include "clock.h"
#include "log.h"

#define STATE_FILE "state.json"
#define STATE_TMP "state.json.tmp"
#define STATE_VERSION 2
/* Nesting of a real journal is 3 deep. */
#define MAX_JSON_DEPTH 8

/* Buckets of the index of unbalanced cpusets by cgroup id (a power of two). */
#define UNBALANCED_BUCKETS 4096

struct pw_journal {
	enum pw_journal_mode mode;
	int dir_fd; /* -1 in memory */
	char file[PATH_MAX];
	int batch;	  /* nesting of begin/commit */
	bool dirty;	  /* changed inside a batch */
	size_t skipped;	  /* entries the loader could not use */
	uint64_t gen;	  /* changes made, ever */
	uint64_t saves;	  /* files written (each two fsyncs), ever */
	uint64_t save_ns; /* time those took */
	char *housekeeping;
	struct pw_isolation *items;
	size_t nr, cap;
	struct pw_unbalanced *unbalanced;
	size_t nr_unbalanced, cap_unbalanced;
	/*
	 * The unbalanced cpusets by cgroup id: a node may have thousands, and
	 * every cpuset change asks about one of them. Entries of a version 1
	 * journal have no id (0) and are looked up by path; without_id
	 * counts them.
	 */
	struct pw_hash_table unbalanced_by_id;
	size_t without_id;
	struct pw_tuning *tunings;
	size_t nr_tunings, cap_tunings;
	struct pw_irq_saved *irqs;
	size_t nr_irqs, cap_irqs;
	struct pw_irqbalance_ban irqbalance;
	bool has_irqbalance;
};

static void free_item(struct pw_isolation *it)
{
	free(it->container_id);
	free(it->path);
}

static void free_tuning(struct pw_tuning *t)
{
	free(t->container_id);
	free(t->path);
	free(t->saved);
}

void pw_journal_close(struct pw_journal *j)
{
	if (!j)
		return;
	for (size_t i = 0; i < j->nr_tunings; i++)
		free_tuning(&j->tunings[i]);
	free(j->tunings);
	free(j->irqs);
	for (size_t i = 0; i < j->nr; i++)
		free_item(&j->items[i]);
	for (size_t i = 0; i < j->nr_unbalanced; i++)
		free(j->unbalanced[i].path);
	free(j->items);
	free(j->unbalanced);
	pw_hash_free(&j->unbalanced_by_id);
	free(j->housekeeping);
	if (j->dir_fd >= 0)
		close(j->dir_fd); /* and with it the lock */
	free(j);
}

const char *pw_journal_file(const struct pw_journal *j)
{
	return j->file;
}

bool pw_journal_path_valid(const char *p)
{
	size_t len;

	if (!p || p[0] != '/' || (len = strlen(p)) >= PATH_MAX)
		return false;
	/* A component "." or ".." (not a name that starts with them: "..evil" is a cgroup's). */
	for (const char *c = p; c && *c; c = strchr(c + 1, '/')) {
		const char *name = c + 1;
		size_t n = strcspn(name, "/");

		if ((n == 1 && name[0] == '.') || (n == 2 && name[0] == '.' && name[1] == '.') ||
		    (n == 0 && name[0] == '/'))
			return false;
	}
	return true;
}

static bool valid_path(const char *p)
{
	return pw_journal_path_valid(p);
}

/* A container id as the journal keeps one (both sides). */
static bool valid_id(const char *id)
{
	return id && strlen(id) <= 128;
}

static const char *member_str(json_object *o, const char *key)
{
	return pw_json_member_str(o, key);
}

static bool member_int(json_object *o, const char *key, int64_t *out)
{
	return pw_json_member_int(o, key, out);
}

static int grow(void **array, size_t *cap, size_t need, size_t elem)
{
	size_t cap2 = *cap ? *cap * 2 : 16;
	void *p;

	if (need <= *cap)
		return 0;
	while (cap2 < need)
		cap2 *= 2;
	p = realloc(*array, cap2 * elem);
	if (!p)
		return -ENOMEM;
	*array = p;
	*cap = cap2;
	return 0;
}

/* Put entry i (already in the array) on the index. */
static void index_add(struct pw_journal *j, size_t i)
{
	struct pw_unbalanced *u = &j->unbalanced[i];

	if (u->cgroup_id)
		pw_hash_add(&j->unbalanced_by_id, &u->link, u->cgroup_id);
	else
		j->without_id++;
}

/* Take entry i off the index. */
static void index_remove(struct pw_journal *j, size_t i)
{
	struct pw_unbalanced *u = &j->unbalanced[i];

	if (u->cgroup_id)
		pw_hash_del(&j->unbalanced_by_id, &u->link);
	else
		j->without_id--;
}

/* Room for more unbalanced entries; when the array moves, its links are put on the index again. */
static int grow_unbalanced(struct pw_journal *j, size_t need)
{
	size_t cap = j->cap_unbalanced;

	if (grow((void **)&j->unbalanced, &j->cap_unbalanced, need, sizeof(*j->unbalanced)))
		return -ENOMEM;
	if (j->cap_unbalanced == cap)
		return 0;
	pw_hash_clear(&j->unbalanced_by_id);
	j->without_id = 0;
	for (size_t i = 0; i < j->nr_unbalanced; i++)
		index_add(j, i);
	return 0;
}

/*
 * v2 progress from a version 1 journal's changed_levels, a bitmask whose
 * bit L-1 said level L was changed: levels were changed top down, so the
 * count of low bits set is how far it got.
 */
static int levels_from_mask(int64_t mask, int levels)
{
	int n = 0;

	while (n < 63 && n < levels && (mask >> n) & 1)
		n++;
	return n;
}

static int path_levels(const char *path)
{
	int level = 0;

	for (const char *p = path; *p; p++)
		if (*p == '/' && p[1] && p[1] != '/')
			level++;
	return level;
}

/* One "isolated" entry; false (with *why) when a field is missing or malformed. */
static bool parse_item(json_object *o, struct pw_isolation *it, const char **why)
{
	const char *id = member_str(o, "container_id"), *path = member_str(o, "path"),
		   *backend = member_str(o, "backend"), *cpus = member_str(o, "cpus");
	int64_t hierarchy, cgroup_id, v;
	json_object *b;

	memset(it, 0, sizeof(*it));
	if (!id || !path || !backend || !cpus || !member_int(o, "hierarchy", &hierarchy) ||
	    !member_int(o, "cgroup_id", &cgroup_id)) {
		*why = "an isolated entry lacks a field";
		return false;
	}
	if (!valid_id(id) || !valid_path(path) || hierarchy < 0 || hierarchy > 64 ||
	    (strcmp(backend, "v1") && strcmp(backend, "v2"))) {
		*why = "an isolated entry has a bad container_id, path, hierarchy or backend";
		return false;
	}
	if (pw_cpus_parse(cpus, strlen(cpus), &it->cpus, why))
		return false;
	it->hierarchy = hierarchy;
	it->cgroup_id = cgroup_id;
	strcpy(it->backend, backend);
	if (member_int(o, "exclusive_levels", &v)) {
		if (v < 0 || v > path_levels(path)) {
			*why = "an isolated entry has a bad exclusive_levels";
			return false;
		}
		it->exclusive_levels = v;
		it->partition =
			json_object_object_get_ex(o, "partition", &b) && json_object_get_boolean(b);
	} else if (member_int(o, "changed_levels", &v)) {
		/* Written by version 1: leaf changed means the partition was next. */
		it->exclusive_levels = levels_from_mask(v, path_levels(path));
		it->partition = it->exclusive_levels == path_levels(path);
	}
	it->container_id = strdup(id);
	it->path = strdup(path);
	if (!it->container_id || !it->path) {
		free_item(it);
		*why = "out of memory";
		return false;
	}
	return true;
}

static bool parse_unbalanced(json_object *v, struct pw_unbalanced *u)
{
	const char *path;
	int64_t id = 0;

	/* Version 1 listed paths; version 2 lists {path, cgroup_id}. */
	if (json_object_is_type(v, json_type_string))
		path = json_object_get_string(v);
	else if (json_object_is_type(v, json_type_object) && member_int(v, "cgroup_id", &id))
		path = member_str(v, "path");
	else
		return false;
	if (!valid_path(path))
		return false;
	u->path = strdup(path);
	u->cgroup_id = id;
	return u->path != NULL;
}

/* A value read from a kernel file and written back to it: short, one line, plain characters. */
static bool valid_knob_text(const char *s, size_t size)
{
	return s && strlen(s) < size &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 /_.:-") ==
		       strlen(s);
}

static bool parse_saved(json_object *o, struct pw_knob_saved *s)
{
	const char *old = member_str(o, "old"), *set = member_str(o, "set");
	int64_t target;

	if (!member_int(o, "target", &target) || target < 0 || target >= PW_MAX_CPUS ||
	    !valid_knob_text(old, sizeof(s->old)) || !valid_knob_text(set, sizeof(s->set)))
		return false;
	s->target = target;
	strcpy(s->old, old);
	strcpy(s->set, set);
	return true;
}

/* One "tuned" entry; false (with *why) when a field is missing or malformed. */
static bool parse_tuning(json_object *o, struct pw_tuning *t, const char **why)
{
	const char *id = member_str(o, "container_id"), *path = member_str(o, "path"),
		   *knob = member_str(o, "knob"), *value = member_str(o, "value"),
		   *cpus = member_str(o, "cpus"), *unused;
	int64_t hierarchy, cgroup_id;
	json_object *saved, *flag;
	int k;

	memset(t, 0, sizeof(*t));
	*why = "a tuned entry lacks a field or has a bad one";
	if (!id || !path || !knob || !value || !cpus || !member_int(o, "hierarchy", &hierarchy) ||
	    !member_int(o, "cgroup_id", &cgroup_id) ||
	    !json_object_object_get_ex(o, "saved", &saved) ||
	    !json_object_is_type(saved, json_type_array))
		return false;
	k = pw_knob_by_name(knob);
	if (!valid_id(id) || !valid_path(path) || hierarchy < 0 || hierarchy > 64 || k < 0 ||
	    strlen(value) >= sizeof(t->value) || !pw_knob_value_valid(k, value, &unused))
		return false;
	if (pw_cpus_parse(cpus, strlen(cpus), &t->cpus, why))
		return false;
	t->knob = k;
	t->hierarchy = hierarchy;
	t->cgroup_id = cgroup_id;
	strcpy(t->value, value);
	t->with_parent =
		json_object_object_get_ex(o, "with_parent", &flag) && json_object_get_boolean(flag);
	t->nr_saved = json_object_array_length(saved);
	if (t->nr_saved > PW_MAX_CPUS + 1) {
		*why = "a tuned entry saves more values than there are CPUs";
		return false;
	}
	t->saved = calloc(t->nr_saved ? t->nr_saved : 1, sizeof(*t->saved));
	t->container_id = strdup(id);
	t->path = strdup(path);
	if (!t->saved || !t->container_id || !t->path) {
		free_tuning(t);
		*why = "out of memory";
		return false;
	}
	for (size_t i = 0; i < t->nr_saved; i++)
		if (!parse_saved(json_object_array_get_idx(saved, i), &t->saved[i])) {
			free_tuning(t);
			*why = "a tuned entry has a bad saved value";
			return false;
		}
	return true;
}

static bool parse_irq(json_object *o, struct pw_irq_saved *s)
{
	const char *old = member_str(o, "old"), *set = member_str(o, "set"), *why;
	int64_t irq;

	if (!member_int(o, "irq", &irq) || irq < -1 || irq >= (1 << 20) || !old || !set ||
	    pw_cpus_parse(old, strlen(old), &s->old, &why) ||
	    pw_cpus_parse(set, strlen(set), &s->set, &why))
		return false;
	s->irq = irq;
	return true;
}

static bool parse_irqbalance(json_object *o, struct pw_irqbalance_ban *b)
{
	const char *base = member_str(o, "base"), *banned = member_str(o, "banned"), *why;
	int64_t pid;

	if (!member_int(o, "pid", &pid) || pid <= 0 || pid >= (1 << 22) || !base || !banned ||
	    pw_cpus_parse(base, strlen(base), &b->base, &why) ||
	    pw_cpus_parse(banned, strlen(banned), &b->banned, &why))
		return false;
	b->pid = pid;
	return true;
}

/*
 * An entry the loader cannot use: skipped and named (the first one of each
 * kind, and how many), never a reason to refuse the rest of the journal and
 * leave the node as a crash left it. Said once the journal is read.
 */
static void skipped(struct pw_journal *j, const char *kind, const char *why)
{
	if (!j->skipped++)
		pw_warn("journal '%s': a %s entry cannot be used (%s): it is skipped", j->file,
			kind, why);
}

/* The knobs' part of the journal: absent in a journal written before knobs. */
static int parse_knobs(struct pw_journal *j, json_object *root, const char **why)
{
	json_object *items;

	if (json_object_object_get_ex(root, "tuned", &items)) {
		size_t n = json_object_is_type(items, json_type_array) ?
				   json_object_array_length(items) :
				   0;

		if (!json_object_is_type(items, json_type_array)) {
			*why = "tuned is not an array";
			return -EINVAL;
		}
		if (grow((void **)&j->tunings, &j->cap_tunings, n, sizeof(*j->tunings)))
			return -ENOMEM;
		for (size_t i = 0; i < n; i++) {
			const char *bad;

			if (!parse_tuning(json_object_array_get_idx(items, i),
					  &j->tunings[j->nr_tunings], &bad)) {
				skipped(j, "tuned", bad);
				continue;
			}
			j->nr_tunings++;
		}
	}
	if (json_object_object_get_ex(root, "irqbalance", &items)) {
		if (parse_irqbalance(items, &j->irqbalance))
			j->has_irqbalance = true;
		else
			skipped(j, "irqbalance", "not a pid with two CPU lists");
	}
	if (json_object_object_get_ex(root, "irq_saved", &items)) {
		size_t n;

		if (!json_object_is_type(items, json_type_array)) {
			*why = "irq_saved is not an array";
			return -EINVAL;
		}
		n = json_object_array_length(items);
		if (grow((void **)&j->irqs, &j->cap_irqs, n, sizeof(*j->irqs)))
			return -ENOMEM;
		for (size_t i = 0; i < n; i++) {
			if (!parse_irq(json_object_array_get_idx(items, i), &j->irqs[j->nr_irqs])) {
				skipped(j, "irq_saved", "not an IRQ with two CPU lists");
				continue;
			}
			j->nr_irqs++;
		}
	}
	return 0;
}

static int parse_journal(struct pw_journal *j, json_object *root, const char **why)
{
	json_object *items;
	const char *hk;

	if (!json_object_is_type(root, json_type_object)) {
		*why = "not a JSON object";
		return -EINVAL;
	}
	hk = member_str(root, "v1_housekeeping");
	if (hk) {
		if (!valid_path(hk)) {
			*why = "bad v1_housekeeping";
			return -EINVAL;
		}
		j->housekeeping = strdup(hk);
	}
	if (json_object_object_get_ex(root, "v1_unbalanced", &items)) {
		size_t n;

		if (!json_object_is_type(items, json_type_array)) {
			*why = "v1_unbalanced is not an array";
			return -EINVAL;
		}
		n = json_object_array_length(items);
		if (grow_unbalanced(j, n))
			return -ENOMEM;
		for (size_t i = 0; i < n; i++) {
			if (!parse_unbalanced(json_object_array_get_idx(items, i),
					      &j->unbalanced[j->nr_unbalanced])) {
				skipped(j, "v1_unbalanced",
					"not an absolute cgroup path with its id");
				continue;
			}
			/* A journal never lists one cpuset twice (older ones did). */
			if (pw_journal_find_unbalanced(j, j->unbalanced[j->nr_unbalanced].cgroup_id,
						       j->unbalanced[j->nr_unbalanced].path)) {
				free(j->unbalanced[j->nr_unbalanced].path);
				continue;
			}
			index_add(j, j->nr_unbalanced);
			j->nr_unbalanced++;
		}
	}
	if (!json_object_object_get_ex(root, "isolated", &items) ||
	    !json_object_is_type(items, json_type_array)) {
		*why = "no \"isolated\" array";
		return -EINVAL;
	}
	if (grow((void **)&j->items, &j->cap, json_object_array_length(items), sizeof(*j->items)))
		return -ENOMEM;
	for (size_t i = 0; i < json_object_array_length(items); i++) {
		const char *bad;

		if (!parse_item(json_object_array_get_idx(items, i), &j->items[j->nr], &bad)) {
			skipped(j, "isolated", bad);
			continue;
		}
		j->nr++;
	}
	return parse_knobs(j, root, why);
}

/* Read and parse state.json in the open directory; a missing file is an empty journal. */
static int load(struct pw_journal *j)
{
	json_object *root = NULL;
	const char *why = NULL;
	char *buf = NULL;
	struct stat st;
	size_t used = 0;
	ssize_t n;
	int fd, err = 0;

	/* Never through a symlink, never waiting on a FIFO. */
	fd = openat(j->dir_fd, STATE_FILE, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0) {
		err = -errno;
		why = err == -ELOOP ? "it is a symlink" : strerror(-err);
		goto bad;
	}
	if (fstat(fd, &st)) {
		err = -errno;
		why = strerror(-err);
		goto bad;
	}
	if (!S_ISREG(st.st_mode)) {
		err = -EINVAL;
		why = "it is not a regular file (a FIFO, a device or a directory)";
		goto bad;
	}
	if (st.st_size > PW_MAX_JOURNAL_FILE) {
		err = -EFBIG;
		why = "it is larger than 64 MiB";
		goto bad;
	}
	buf = malloc(st.st_size + 1);
	if (!buf) {
		err = -ENOMEM;
		why = "out of memory";
		goto bad;
	}
	/* It cannot grow past what was allocated: read at most st_size. */
	while (used < (size_t)st.st_size && (n = read(fd, buf + used, st.st_size - used)) > 0)
		used += n;
	if (used < (size_t)st.st_size) {
		err = -EIO;
		why = "it could not be read whole";
		goto bad;
	}
	root = pw_json_parse_object(buf, used, MAX_JSON_DEPTH, &why);
	if (!root) {
		err = -EINVAL;
		goto bad;
	}
	err = parse_journal(j, root, &why);
	if (err)
		goto bad;
	if (j->skipped > 1)
		pw_warn("journal '%s': %zu entries in all were skipped; what they held, a rescan "
			"finds or nobody needs",
			j->file, j->skipped);
	goto cleanup;
bad:
	pw_err("cannot use the journal '%s': %s; it is left as it is (look at it, fix or remove "
	       "it, then run pinwatch restore)",
	       j->file, why ? why : strerror(-err));
cleanup:
	json_object_put(root);
	free(buf);
	if (fd >= 0)
		close(fd);
	return err;
}

/* WRITE: make, check and lock the state directory. */
static int open_dir(struct pw_journal *j, const char *dir)
{
	struct stat st;
	int fd;

	if (mkdir(dir, 0700) && errno != EEXIST) {
		int err = -errno;

		if (err == -ENOENT)
			pw_err("cannot use state directory '%s': its parent directory does not exist",
			       dir);
		else
			pw_err("cannot make state directory '%s': %s", dir, strerror(-err));
		return err;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int err = -errno;

		pw_err("cannot use state directory '%s': %s", dir,
		       err == -ENOTDIR ? "it is not a directory" :
		       err == -ELOOP   ? "it is a symlink" :
					 strerror(-err));
		return err;
	}
	if (fstat(fd, &st) || st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		pw_err("cannot use state directory '%s': it must belong to the agent's user and be "
		       "writable by it alone (a journal planted there would steer the agent)",
		       dir);
		close(fd);
		return -EPERM;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int err = -errno;

		pw_err("state directory '%s' is in use by another pinwatch agent or restore%s", dir,
		       err == -EWOULDBLOCK ? "" : ": cannot lock it");
		close(fd);
		return err == -EWOULDBLOCK ? -EBUSY : err;
	}
	j->dir_fd = fd;
	return 0;
}

/* READ: the directory if it is there; missing is an empty journal. */
static int open_dir_read(struct pw_journal *j, const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0) {
		int err = -errno;

		pw_err("cannot read the agent's journal in '%s': %s", dir, strerror(-err));
		return err;
	}
	j->dir_fd = fd;
	return 0;
}

int pw_journal_open(struct pw_journal **out, const char *dir, enum pw_journal_mode mode)
{
	struct pw_journal *j = calloc(1, sizeof(*j));
	int err = 0;

	*out = NULL;
	if (!j)
		return -ENOMEM;
	j->mode = mode;
	j->dir_fd = -1;
	err = pw_hash_init(&j->unbalanced_by_id, UNBALANCED_BUCKETS);
	if (err) {
		free(j);
		return err;
	}
	if (snprintf(j->file, sizeof(j->file), "%s/%s", dir, STATE_FILE) >=
	    (int)sizeof(j->file) - 8) {
		pw_err("state directory '%.64s...' is too long: at most %d bytes", dir,
		       PATH_MAX - 32);
		free(j);
		return -ENAMETOOLONG;
	}
	if (mode == PW_JOURNAL_WRITE)
		err = open_dir(j, dir);
	else if (mode == PW_JOURNAL_READ)
		err = open_dir_read(j, dir);
	if (!err && j->dir_fd >= 0)
		err = load(j);
	if (err) {
		pw_journal_close(j);
		return err;
	}
	*out = j;
	return 0;
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
	json_object_object_add(o, "exclusive_levels", json_object_new_int(it->exclusive_levels));
	json_object_object_add(o, "partition", json_object_new_boolean(it->partition));
	return o;
}

static json_object *tunings_json(const struct pw_journal *j)
{
	json_object *items = json_object_new_array();

	for (size_t i = 0; i < j->nr_tunings; i++) {
		const struct pw_tuning *t = &j->tunings[i];
		json_object *o = json_object_new_object(), *saved = json_object_new_array();
		char cpus[PW_CPULIST_LEN];

		pw_cpus_format(&t->cpus, cpus, sizeof(cpus));
		json_object_object_add(o, "container_id", json_object_new_string(t->container_id));
		json_object_object_add(o, "path", json_object_new_string(t->path));
		json_object_object_add(o, "hierarchy", json_object_new_int(t->hierarchy));
		json_object_object_add(o, "cgroup_id",
				       json_object_new_int64((int64_t)t->cgroup_id));
		json_object_object_add(o, "knob", json_object_new_string(pw_knob_name(t->knob)));
		json_object_object_add(o, "value", json_object_new_string(t->value));
		json_object_object_add(o, "cpus", json_object_new_string(cpus));
		json_object_object_add(o, "with_parent", json_object_new_boolean(t->with_parent));
		for (size_t s = 0; s < t->nr_saved; s++) {
			json_object *v = json_object_new_object();

			json_object_object_add(v, "target",
					       json_object_new_int(t->saved[s].target));
			json_object_object_add(v, "old", json_object_new_string(t->saved[s].old));
			json_object_object_add(v, "set", json_object_new_string(t->saved[s].set));
			json_object_array_add(saved, v);
		}
		json_object_object_add(o, "saved", saved);
		json_object_array_add(items, o);
	}
	return items;
}

static json_object *journal_json(const struct pw_journal *j)
{
	json_object *root = json_object_new_object(), *items = json_object_new_array();

	json_object_object_add(root, "version", json_object_new_int(STATE_VERSION));
	json_object_object_add(root, "v1_housekeeping",
			       j->housekeeping ? json_object_new_string(j->housekeeping) : NULL);
	for (size_t i = 0; i < j->nr; i++)
		json_object_array_add(items, item_json(&j->items[i]));
	json_object_object_add(root, "isolated", items);
	items = json_object_new_array();
	for (size_t i = 0; i < j->nr_unbalanced; i++) {
		json_object *u = json_object_new_object();

		json_object_object_add(u, "path", json_object_new_string(j->unbalanced[i].path));
		json_object_object_add(u, "cgroup_id",
				       json_object_new_int64((int64_t)j->unbalanced[i].cgroup_id));
		json_object_array_add(items, u);
	}
	json_object_object_add(root, "v1_unbalanced", items);
	json_object_object_add(root, "tuned", tunings_json(j));
	items = json_object_new_array();
	for (size_t i = 0; i < j->nr_irqs; i++) {
		json_object *o = json_object_new_object();
		char list[PW_CPULIST_LEN];

		json_object_object_add(o, "irq", json_object_new_int(j->irqs[i].irq));
		pw_cpus_format(&j->irqs[i].old, list, sizeof(list));
		json_object_object_add(o, "old", json_object_new_string(list));
		pw_cpus_format(&j->irqs[i].set, list, sizeof(list));
		json_object_object_add(o, "set", json_object_new_string(list));
		json_object_array_add(items, o);
	}
	json_object_object_add(root, "irq_saved", items);
	if (j->has_irqbalance) {
		json_object *o = json_object_new_object();
		char list[PW_CPULIST_LEN];

		json_object_object_add(o, "pid", json_object_new_int(j->irqbalance.pid));
		pw_cpus_format(&j->irqbalance.base, list, sizeof(list));
		json_object_object_add(o, "base", json_object_new_string(list));
		pw_cpus_format(&j->irqbalance.banned, list, sizeof(list));
		json_object_object_add(o, "banned", json_object_new_string(list));
		json_object_object_add(root, "irqbalance", o);
	}
	return root;
}

/* write(2) until all of it is written; a short write without errno is ENOSPC. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -ENOSPC;
		buf += n;
		len -= n;
	}
	return 0;
}

/* Write the journal: temp file, fsync, rename, fsync of the directory. */
static int save(struct pw_journal *j)
{
	json_object *root;
	const char *text;
	int fd = -1, err = 0;
	uint64_t started;

	j->gen++;
	if (j->mode != PW_JOURNAL_WRITE)
		return 0;
	if (j->batch) {
		j->dirty = true;
		return 0;
	}
	j->dirty = false;
	j->saves++;
	started = pw_monotonic_ns();
	root = journal_json(j);
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY);
	if (!text) {
		err = -ENOMEM;
		goto cleanup;
	}
	/* Never written what could not be read back: the change it announces is not made. */
	if (strlen(text) + 1 > PW_MAX_JOURNAL_FILE) {
		err = -EFBIG;
		goto cleanup;
	}
	fd = openat(j->dir_fd, STATE_TMP, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		    0600);
	if (fd < 0) {
		err = -errno;
		goto cleanup;
	}
	err = write_all(fd, text, strlen(text));
	if (!err)
		err = write_all(fd, "\n", 1);
	if (!err && fsync(fd))
		err = -errno;
	if (!err && renameat(j->dir_fd, STATE_TMP, j->dir_fd, STATE_FILE))
		err = -errno;
	/* The rename itself must reach the disk before the change it announces. */
	if (!err && fsync(j->dir_fd))
		err = -errno;
cleanup:
	if (fd >= 0)
		close(fd);
	if (err)
		pw_err("cannot write the journal '%s': %s", j->file, strerror(-err));
	json_object_put(root);
	j->save_ns += pw_monotonic_ns() - started;
	return err;
}

void pw_journal_begin(struct pw_journal *j)
{
	j->batch++;
}

int pw_journal_commit(struct pw_journal *j)
{
	if (j->batch > 0 && --j->batch == 0 && j->dirty)
		return save(j);
	return 0;
}

uint64_t pw_journal_saves(const struct pw_journal *j)
{
	return j->saves;
}

uint64_t pw_journal_save_ns(const struct pw_journal *j)
{
	return j->save_ns;
}

uint64_t pw_journal_generation(const struct pw_journal *j)
{
	return j ? j->gen : 0;
}

size_t pw_journal_count(const struct pw_journal *j)
{
	return j->nr;
}

const struct pw_isolation *pw_journal_at(const struct pw_journal *j, size_t i)
{
	return i < j->nr ? &j->items[i] : NULL;
}

static struct pw_isolation *find(const struct pw_journal *j, int hierarchy, uint64_t cgroup_id)
{
	for (size_t i = 0; i < j->nr; i++)
		if (j->items[i].hierarchy == hierarchy && j->items[i].cgroup_id == cgroup_id)
			return &j->items[i];
	return NULL;
}

const struct pw_isolation *pw_journal_find(const struct pw_journal *j, int hierarchy,
					   uint64_t cgroup_id)
{
	return find(j, hierarchy, cgroup_id);
}

void pw_journal_isolated_cpus(const struct pw_journal *j, const char *backend, struct pw_cpus *out)
{
	pw_cpus_clear(out);
	for (size_t i = 0; i < j->nr; i++)
		if (!backend || !strcmp(j->items[i].backend, backend))
			pw_cpus_or(out, &j->items[i].cpus);
}

/* What the writer will not write, the loader would not read: said, by path. */
static int refuse_path(const struct pw_journal *j, const char *what, const char *path)
{
	pw_err("journal '%s': %s '%s' is not a cgroup path it can read back; not recorded, "
	       "so not changed",
	       j->file, what, PW_Q(path ? path : "(none)"));
	return -EINVAL;
}

int pw_journal_add(struct pw_journal *j, const struct pw_isolation *iso)
{
	struct pw_isolation *it;

	if (!valid_path(iso->path) || !valid_id(iso->container_id))
		return refuse_path(j, "isolation of", iso->path);
	if (find(j, iso->hierarchy, iso->cgroup_id))
		return -EEXIST;
	if (grow((void **)&j->items, &j->cap, j->nr + 1, sizeof(*j->items)))
		return -ENOMEM;
	it = &j->items[j->nr];
	*it = *iso;
	it->container_id = strdup(iso->container_id);
	it->path = strdup(iso->path);
	if (!it->container_id || !it->path) {
		free_item(it);
		return -ENOMEM;
	}
	j->nr++;
	return save(j);
}

int pw_journal_remove(struct pw_journal *j, int hierarchy, uint64_t cgroup_id)
{
	struct pw_isolation *it = find(j, hierarchy, cgroup_id);
	size_t i;

	if (!it)
		return 0;
	i = it - j->items;
	free_item(it);
	memmove(&j->items[i], &j->items[i + 1], (j->nr - i - 1) * sizeof(j->items[0]));
	j->nr--;
	return save(j);
}

int pw_journal_set_v2_progress(struct pw_journal *j, int hierarchy, uint64_t cgroup_id,
			       int exclusive_levels, bool partition)
{
	struct pw_isolation *it = find(j, hierarchy, cgroup_id);

	if (!it)
		return -ENOENT;
	if (it->exclusive_levels == exclusive_levels && it->partition == partition)
		return 0;
	it->exclusive_levels = exclusive_levels;
	it->partition = partition;
	return save(j);
}

const char *pw_journal_housekeeping(const struct pw_journal *j)
{
	return j->housekeeping;
}

int pw_journal_set_housekeeping(struct pw_journal *j, const char *path)
{
	char *copy = NULL;

	if ((!path && !j->housekeeping) ||
	    (path && j->housekeeping && !strcmp(path, j->housekeeping)))
		return 0;
	if (path && !valid_path(path))
		return refuse_path(j, "housekeeping cpuset", path);
	if (path) {
		copy = strdup(path);
		if (!copy)
			return -ENOMEM;
	}
	free(j->housekeeping);
	j->housekeeping = copy;
	return save(j);
}

size_t pw_journal_unbalanced_count(const struct pw_journal *j)
{
	return j->nr_unbalanced;
}

const struct pw_unbalanced *pw_journal_unbalanced_at(const struct pw_journal *j, size_t i)
{
	return i < j->nr_unbalanced ? &j->unbalanced[i] : NULL;
}

const struct pw_unbalanced *pw_journal_find_unbalanced(const struct pw_journal *j,
						       uint64_t cgroup_id, const char *path)
{
	struct pw_hash_link *l;

	for (l = cgroup_id ? pw_hash_first(&j->unbalanced_by_id, cgroup_id) : NULL; l;
	     l = pw_hash_next(l))
		if (pw_hash_entry(l, struct pw_unbalanced, link)->cgroup_id == cgroup_id)
			return pw_hash_entry(l, struct pw_unbalanced, link);
	/* Only entries a version 1 journal left without id are looked up by path. */
	for (size_t i = 0; j->without_id && path && i < j->nr_unbalanced; i++)
		if (!j->unbalanced[i].cgroup_id && !strcmp(j->unbalanced[i].path, path))
			return &j->unbalanced[i];
	return NULL;
}

int pw_journal_add_unbalanced(struct pw_journal *j, const char *path, uint64_t cgroup_id)
{
	struct pw_unbalanced *u;

	if (pw_journal_find_unbalanced(j, cgroup_id, path))
		return 0;
	if (!valid_path(path))
		return refuse_path(j, "unbalanced cpuset", path);
	if (grow_unbalanced(j, j->nr_unbalanced + 1))
		return -ENOMEM;
	u = &j->unbalanced[j->nr_unbalanced];
	u->path = strdup(path);
	if (!u->path)
		return -ENOMEM;
	u->cgroup_id = cgroup_id;
	index_add(j, j->nr_unbalanced);
	j->nr_unbalanced++;
	return save(j);
}

int pw_journal_remove_unbalanced(struct pw_journal *j, const struct pw_unbalanced *u)
{
	size_t i = u - j->unbalanced, last = j->nr_unbalanced - 1;

	if (i >= j->nr_unbalanced)
		return -EINVAL;
	index_remove(j, i);
	free(j->unbalanced[i].path);
	/* Order does not matter: the last one takes its place, on the index too. */
	if (i != last) {
		index_remove(j, last);
		j->unbalanced[i] = j->unbalanced[last];
		index_add(j, i);
	}
	j->nr_unbalanced--;
	return save(j);
}

size_t pw_journal_tuning_count(const struct pw_journal *j)
{
	return j->nr_tunings;
}

const struct pw_tuning *pw_journal_tuning_at(const struct pw_journal *j, size_t i)
{
	return i < j->nr_tunings ? &j->tunings[i] : NULL;
}

static struct pw_tuning *find_tuning(const struct pw_journal *j, int hierarchy, uint64_t cgroup_id,
				     enum pw_knob knob)
{
	for (size_t i = 0; i < j->nr_tunings; i++)
		if (j->tunings[i].hierarchy == hierarchy && j->tunings[i].cgroup_id == cgroup_id &&
		    j->tunings[i].knob == knob)
			return &j->tunings[i];
	return NULL;
}

const struct pw_tuning *pw_journal_find_tuning(const struct pw_journal *j, int hierarchy,
					       uint64_t cgroup_id, enum pw_knob knob)
{
	return find_tuning(j, hierarchy, cgroup_id, knob);
}

int pw_journal_add_tuning(struct pw_journal *j, const struct pw_tuning *t)
{
	struct pw_tuning *it;

	if (!valid_path(t->path) || !valid_id(t->container_id))
		return refuse_path(j, "tuning of", t->path);
	if (find_tuning(j, t->hierarchy, t->cgroup_id, t->knob))
		return -EEXIST;
	if (grow((void **)&j->tunings, &j->cap_tunings, j->nr_tunings + 1, sizeof(*j->tunings)))
		return -ENOMEM;
	it = &j->tunings[j->nr_tunings];
	*it = *t;
	it->container_id = strdup(t->container_id);
	it->path = strdup(t->path);
	it->saved = calloc(t->nr_saved ? t->nr_saved : 1, sizeof(*it->saved));
	if (!it->container_id || !it->path || !it->saved) {
		free_tuning(it);
		return -ENOMEM;
	}
	if (t->nr_saved)
		memcpy(it->saved, t->saved, t->nr_saved * sizeof(*it->saved));
	j->nr_tunings++;
	return save(j);
}

int pw_journal_tuning_save(struct pw_journal *j, int hierarchy, uint64_t cgroup_id,
			   enum pw_knob knob, const struct pw_knob_saved *s)
{
	struct pw_tuning *t = find_tuning(j, hierarchy, cgroup_id, knob);
	struct pw_knob_saved *saved;
	size_t i;

	if (!t)
		return -ENOENT;
	for (i = 0; i < t->nr_saved && t->saved[i].target != s->target; i++)
		;
	if (i == t->nr_saved) {
		saved = realloc(t->saved, (t->nr_saved + 1) * sizeof(*saved));
		if (!saved)
			return -ENOMEM;
		t->saved = saved;
		t->nr_saved++;
	} else if (!memcmp(&t->saved[i], s, sizeof(*s))) {
		return 0;
	}
	t->saved[i] = *s;
	return save(j);
}

int pw_journal_remove_tuning(struct pw_journal *j, int hierarchy, uint64_t cgroup_id,
			     enum pw_knob knob)
{
	struct pw_tuning *t = find_tuning(j, hierarchy, cgroup_id, knob);
	size_t i;

	if (!t)
		return 0;
	i = t - j->tunings;
	free_tuning(t);
	memmove(&j->tunings[i], &j->tunings[i + 1], (j->nr_tunings - i - 1) * sizeof(*t));
	j->nr_tunings--;
	return save(j);
}

size_t pw_journal_irq_count(const struct pw_journal *j)
{
	return j->nr_irqs;
}

const struct pw_irq_saved *pw_journal_irq_at(const struct pw_journal *j, size_t i)
{
	return i < j->nr_irqs ? &j->irqs[i] : NULL;
}

const struct pw_irq_saved *pw_journal_find_irq(const struct pw_journal *j, int irq)
{
	for (size_t i = 0; i < j->nr_irqs; i++)
		if (j->irqs[i].irq == irq)
			return &j->irqs[i];
	return NULL;
}

int pw_journal_save_irq(struct pw_journal *j, const struct pw_irq_saved *s)
{
	struct pw_irq_saved *it = (struct pw_irq_saved *)pw_journal_find_irq(j, s->irq);

	if (it && pw_cpus_equal(&it->old, &s->old) && pw_cpus_equal(&it->set, &s->set))
		return 0;
	if (!it) {
		if (grow((void **)&j->irqs, &j->cap_irqs, j->nr_irqs + 1, sizeof(*j->irqs)))
			return -ENOMEM;
		it = &j->irqs[j->nr_irqs++];
	}
	*it = *s;
	return save(j);
}

int pw_journal_remove_irq(struct pw_journal *j, int irq)
{
	const struct pw_irq_saved *it = pw_journal_find_irq(j, irq);
	size_t i;

	if (!it)
		return 0;
	i = it - j->irqs;
	/* Order does not matter: the last one takes its place. */
	j->irqs[i] = j->irqs[--j->nr_irqs];
	return save(j);
}

const struct pw_irqbalance_ban *pw_journal_irqbalance(const struct pw_journal *j)
{
	return j->has_irqbalance ? &j->irqbalance : NULL;
}

int pw_journal_save_irqbalance(struct pw_journal *j, const struct pw_irqbalance_ban *b)
{
	if (j->has_irqbalance && j->irqbalance.pid == b->pid &&
	    pw_cpus_equal(&j->irqbalance.base, &b->base) &&
	    pw_cpus_equal(&j->irqbalance.banned, &b->banned))
		return 0;
	j->irqbalance = *b;
	j->has_irqbalance = true;
	return save(j);
}

int pw_journal_clear_irqbalance(struct pw_journal *j)
{
	if (!j->has_irqbalance)
		return 0;
	j->has_irqbalance = false;
	return save(j);
}
