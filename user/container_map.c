// SPDX-License-Identifier: GPL-2.0-only
/* The cgroup table, container identity and CPUs, fed by a scan and by events. */
#include "container_map.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NR_BUCKETS 4096
/* Deeper cgroups are not walked by the scan (kubepods containers sit at 4-6). */
#define MAX_SCAN_DEPTH 32

int pw_map_init(struct pw_container_map *map, const struct pw_cpus *reserved)
{
	int err;

	memset(map, 0, sizeof(*map));
	err = pw_mounts_open(&map->mounts);
	if (err) {
		fprintf(stderr, "pinwatch: no cgroup v1 cpuset or cgroup2 mount found in "
				"/proc/self/mounts\n");
		return err;
	}
	map->buckets = calloc(NR_BUCKETS, sizeof(*map->buckets));
	if (!map->buckets) {
		pw_mounts_close(&map->mounts);
		return -ENOMEM;
	}
	map->nr_buckets = NR_BUCKETS;
	if (reserved)
		map->reserved = *reserved;
	return 0;
}

static void free_container(struct pw_container *c)
{
	if (!c)
		return;
	free(c->path);
	free(c);
}

void pw_map_free(struct pw_container_map *map)
{
	if (!map || !map->buckets)
		return;
	for (size_t i = 0; i < map->nr_buckets; i++) {
		struct pw_container *c = map->buckets[i], *next;

		for (; c; c = next) {
			next = c->next;
			free_container(c);
		}
	}
	free(map->buckets);
	map->buckets = NULL;
	free(map->states);
	map->states = NULL;
	pw_mounts_close(&map->mounts);
}

static size_t bucket_of(const struct pw_container_map *map, int hierarchy, uint64_t id)
{
	uint64_t h = id * 0x9e3779b97f4a7c15ULL ^ (uint64_t)hierarchy;

	return (h >> 20) & (map->nr_buckets - 1);
}

struct pw_container *pw_map_find(const struct pw_container_map *map, int hierarchy, uint64_t id)
{
	struct pw_container *c = map->buckets[bucket_of(map, hierarchy, id)];

	for (; c; c = c->next)
		if (c->hierarchy == hierarchy && c->id == id)
			return c;
	return NULL;
}

/* Only the hierarchies that carry cpusets are mapped. */
static bool hierarchy_mapped(const struct pw_container_map *map, int hierarchy)
{
	return pw_mounts_fd(&map->mounts, hierarchy) >= 0;
}

static void read_cpus(struct pw_container_map *map, struct pw_container *c)
{
	int fd = pw_mounts_fd(&map->mounts, c->hierarchy);
	/* v1 and v2 name the effective set differently. */
	const char *eff_name = c->hierarchy == 0 ? "cpuset.cpus.effective" : "cpuset.effective_cpus";
	char buf[PW_CPULIST_LEN * 4];
	const char *why;

	c->cpus_known = false;
	if (pw_cgroup_read(fd, c->path, "cpuset.cpus", buf, sizeof(buf)) < 0 ||
	    pw_cpus_parse(buf, strlen(buf), &c->cpus, &why))
		return;
	if (pw_cgroup_read(fd, c->path, eff_name, buf, sizeof(buf)) < 0 ||
	    pw_cpus_parse(buf, strlen(buf), &c->effective, &why))
		return;
	c->cpus_known = true;
}

/*
 * The runtime create/run whose cgroupsPath is this path, if one is
 * remembered, else a container of the runtimes' state directories.
 */
static struct pw_pending_cmd *pending_for_path(struct pw_container_map *map, const char *path)
{
	for (size_t i = 0; i < PW_MAP_PENDING_CMDS; i++) {
		struct pw_pending_cmd *p = &map->pending[i];

		if (p->cmd.id[0] && !strcmp(p->cgroup_path, path))
			return p;
	}
	for (size_t i = 0; i < map->nr_states; i++)
		if (!strcmp(map->states[i].cgroup_path, path))
			return &map->states[i];
	return NULL;
}

/* Record where cmd's bundle puts its cgroup; false when the bundle does not say. */
static bool resolve_bundle(struct pw_pending_cmd *p)
{
	return pw_meta_from_bundle(p->cmd.bundle, &p->meta) == 0 && p->meta.cgroups_path[0] &&
	       pw_cgroups_path_resolve(p->meta.cgroups_path, p->cgroup_path,
				       sizeof(p->cgroup_path)) == 0;
}

/* One container of a runtime state directory: keep it if its bundle names its cgroup. */
static int add_state(const char *id, const char *runtime, const char *root, void *arg)
{
	struct pw_container_map *map = arg;
	struct pw_pending_cmd *p;
	struct pw_container_meta meta = {};

	if (map->nr_states == PW_MAP_MAX_STATES)
		return 1;
	if (pw_meta_from_state(id, root, &meta) || !meta.bundle[0])
		return 0;
	if (map->nr_states == map->cap_states) {
		size_t cap = map->cap_states ? map->cap_states * 2 : 16;

		p = realloc(map->states, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		map->states = p;
		map->cap_states = cap;
	}
	p = &map->states[map->nr_states];
	memset(p, 0, sizeof(*p));
	snprintf(p->cmd.runtime, sizeof(p->cmd.runtime), "%s", runtime);
	snprintf(p->cmd.id, sizeof(p->cmd.id), "%s", id);
	snprintf(p->cmd.root, sizeof(p->cmd.root), "%s", root);
	snprintf(p->cmd.bundle, sizeof(p->cmd.bundle), "%s", meta.bundle);
	if (resolve_bundle(p))
		map->nr_states++;
	return 0;
}

/* Who this cgroup belongs to: its path first, else a runtime command that named it. */
static void identify(struct pw_container_map *map, struct pw_container *c)
{
	struct pw_pending_cmd *p = pending_for_path(map, c->path);

	if (!pw_identity_from_path(c->path, strlen(c->path), &c->identity)) {
		c->is_container = true;
		c->workload = c->identity.workload;
		snprintf(c->container_id, sizeof(c->container_id), "%s", c->identity.container_id);
		snprintf(c->runtime, sizeof(c->runtime), "%s",
			 c->identity.runtime ? c->identity.runtime : "");
	} else if (p) {
		c->is_container = true;
		c->workload = true;
		snprintf(c->container_id, sizeof(c->container_id), "%s", p->cmd.id);
	} else {
		return;
	}
	if (p && !strcmp(p->cmd.id, c->container_id)) {
		snprintf(c->oci_runtime, sizeof(c->oci_runtime), "%s", p->cmd.runtime);
		if (p->meta.bundle[0]) {
			c->meta = p->meta;
			c->meta_found = true;
		}
	}
	if (!c->meta_found)
		c->meta_found = !pw_meta_from_state(c->container_id, p ? p->cmd.root : NULL, &c->meta);
	if (c->meta_found) {
		if (c->meta.sandbox)
			c->workload = false;
		if (c->meta.engine[0])
			snprintf(c->runtime, sizeof(c->runtime), "%s", c->meta.engine);
		if (!c->identity.pod_uid[0] && c->meta.pod_uid[0])
			snprintf(c->identity.pod_uid, sizeof(c->identity.pod_uid), "%s",
				 c->meta.pod_uid);
	}
	if (!c->runtime[0])
		snprintf(c->runtime, sizeof(c->runtime), "%s", c->oci_runtime);
	read_cpus(map, c);
}

/* Insert (hierarchy, id) at path unless it is there already: events and the scan merge here. */
static struct pw_container *insert(struct pw_container_map *map, int hierarchy, uint64_t id,
				   const char *path, size_t len)
{
	struct pw_container *c = pw_map_find(map, hierarchy, id);
	size_t b;

	if (c)
		return c;
	if (map->count >= PW_MAP_MAX_CGROUPS) {
		if (map->over_limit++ == 0)
			fprintf(stderr, "pinwatch: more than %d cgroups: later ones are not mapped\n",
				PW_MAP_MAX_CGROUPS);
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->path = strndup(path, len);
	if (!c->path) {
		free(c);
		return NULL;
	}
	c->hierarchy = hierarchy;
	c->id = id;
	b = bucket_of(map, hierarchy, id);
	c->next = map->buckets[b];
	map->buckets[b] = c;
	map->count++;
	identify(map, c);
	return c;
}

static void remove_cgroup(struct pw_container_map *map, int hierarchy, uint64_t id)
{
	struct pw_container **pp = &map->buckets[bucket_of(map, hierarchy, id)];

	for (; *pp; pp = &(*pp)->next) {
		if ((*pp)->hierarchy == hierarchy && (*pp)->id == id) {
			struct pw_container *c = *pp;

			*pp = c->next;
			free_container(c);
			map->count--;
			return;
		}
	}
}

bool pw_map_populated(const struct pw_container_map *map, const struct pw_container *c)
{
	int fd = pw_mounts_fd(&map->mounts, c->hierarchy);
	char buf[256];

	/* cgroup2 says so in cgroup.events; a v1 cgroup has tasks or not. */
	if (c->hierarchy == 0)
		return pw_cgroup_read(fd, c->path, "cgroup.events", buf, sizeof(buf)) > 0 &&
		       strstr(buf, "populated 1");
	return pw_cgroup_read(fd, c->path, "cgroup.procs", buf, sizeof(buf)) > 0;
}

/* Walk dir_fd (the cgroup at path) and everything below it. */
static void scan_dir(struct pw_container_map *map, int hierarchy, int dir_fd, char *path,
		     size_t len, int depth)
{
	struct dirent *de;
	struct stat st;
	DIR *dir;

	if (fstat(dir_fd, &st) == 0) {
		struct pw_container *c = insert(map, hierarchy, st.st_ino, len ? path : "/",
						len ? len : 1);

		/*
		 * A container found empty has exited (or failed to start): a live
		 * one's runtime puts its first task in before it runs. Events only
		 * see a cgroup empty before that, so only the scan decides this.
		 */
		if (c && c->is_container)
			c->exited = !pw_map_populated(map, c);
	}
	if (depth >= MAX_SCAN_DEPTH)
		goto close_fd;
	dir = fdopendir(dir_fd);
	if (!dir)
		goto close_fd;
	while ((de = readdir(dir))) {
		size_t name_len = strlen(de->d_name);
		int child;

		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (len + 1 + name_len >= PATH_MAX)
			continue;
		path[len] = '/';
		memcpy(path + len + 1, de->d_name, name_len + 1);
		child = openat(dirfd(dir), de->d_name,
			       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (child >= 0)
			scan_dir(map, hierarchy, child, path, len + 1 + name_len, depth + 1);
		path[len] = '\0';
	}
	closedir(dir);
	return;
close_fd:
	close(dir_fd);
}

int pw_map_scan(struct pw_container_map *map)
{
	int hierarchies[2] = { map->mounts.v1_cpuset_hierarchy, 0 };
	char path[PATH_MAX];

	/* Containers with any cgroupsPath are known by their runtime's state. */
	map->nr_states = 0;
	pw_for_each_state(add_state, map);

	for (int i = 0; i < 2; i++) {
		int root = pw_mounts_fd(&map->mounts, hierarchies[i]), fd;

		if (root < 0)
			continue;
		fd = pw_cgroup_open(root, "", O_RDONLY | O_DIRECTORY);
		if (fd < 0)
			continue;
		path[0] = '\0';
		scan_dir(map, hierarchies[i], fd, path, 0, 0);
	}
	return 0;
}

/* A runtime's create/run: remember where its container's cgroup will be. */
static void remember_cmd(struct pw_container_map *map, const struct pw_event *ev)
{
	struct pw_runtime_cmd cmd;
	struct pw_pending_cmd *p;
	char cwd_link[64];
	ssize_t n;

	map->last_exec = NULL;
	/* Only a create or run takes a slot: runtimes are exec'd often for other work. */
	if (pw_runtime_cmd_parse(ev->exec->filename, &ev->args, &cmd))
		return;
	p = &map->pending[map->pending_next++ % PW_MAP_PENDING_CMDS];
	memset(p, 0, sizeof(*p));
	p->cmd = cmd;
	/* Without --bundle the bundle is the runtime's working directory. */
	if (!p->cmd.bundle[0]) {
		snprintf(cwd_link, sizeof(cwd_link), "/proc/%u/cwd", ev->hdr->pid);
		n = readlink(cwd_link, p->cmd.bundle, sizeof(p->cmd.bundle) - 1);
		p->cmd.bundle[n > 0 ? n : 0] = '\0';
	}
	resolve_bundle(p);
	map->last_exec = p;
}

void pw_map_apply(struct pw_container_map *map, const struct pw_event *ev)
{
	struct pw_container *c;

	switch (ev->type) {
	case PW_EV_CGROUP_MKDIR:
		if (hierarchy_mapped(map, ev->cgroup->hierarchy_id))
			insert(map, ev->cgroup->hierarchy_id, ev->cgroup->id, ev->path.data,
			       ev->path.len);
		break;
	case PW_EV_CGROUP_RMDIR:
		remove_cgroup(map, ev->cgroup->hierarchy_id, ev->cgroup->id);
		break;
	case PW_EV_EXEC:
		remember_cmd(map, ev);
		break;
	case PW_EV_CPUSET_WRITE:
		c = pw_map_find(map, ev->write->hierarchy_id, ev->write->target_id);
		if (c && c->is_container && ev->write->ret >= 0) {
			read_cpus(map, c);
			c->refusal_logged = false; /* new CPUs, a new verdict */
		}
		break;
	case PW_EV_CGROUP_POPULATED:
		c = pw_map_find(map, ev->cgroup->hierarchy_id, ev->cgroup->id);
		if (c)
			c->exited = !(ev->cgroup->flags & PW_F_POPULATED);
		break;
	default:
		break;
	}
}

static const char *nonempty(const char *s)
{
	return s && s[0] ? s : NULL;
}

void pw_map_context(struct pw_container_map *map, const struct pw_event *ev,
		    struct pw_event_context *ctx)
{
	const struct pw_container *c = NULL;

	memset(ctx, 0, sizeof(*ctx));
	switch (ev->type) {
	case PW_EV_CGROUP_MKDIR:
	case PW_EV_CGROUP_RMDIR:
		c = pw_map_find(map, ev->cgroup->hierarchy_id, ev->cgroup->id);
		break;
	case PW_EV_CPUSET_WRITE:
		c = pw_map_find(map, ev->write->hierarchy_id, ev->write->target_id);
		break;
	case PW_EV_EXEC:
		/* The create/run pw_map_apply() just remembered, if this exec was one. */
		if (map->last_exec) {
			const struct pw_pending_cmd *p = map->last_exec;

			ctx->container_id = p->cmd.id;
			ctx->runtime = nonempty(p->meta.engine) ? p->meta.engine : p->cmd.runtime;
			ctx->pod = nonempty(p->meta.pod);
			ctx->namespace = nonempty(p->meta.namespace);
			ctx->container = nonempty(p->meta.container);
		}
		return;
	default:
		return;
	}
	if (!c || !c->is_container)
		return;
	ctx->container_id = c->container_id;
	ctx->runtime = nonempty(c->runtime);
	ctx->qos = c->identity.qos;
	if (c->meta_found) {
		ctx->pod = nonempty(c->meta.pod);
		ctx->namespace = nonempty(c->meta.namespace);
		ctx->container = nonempty(c->meta.container);
	}
}

int pw_map_for_each_container(struct pw_container_map *map,
			      int (*fn)(struct pw_container *c, void *arg), void *arg)
{
	int hierarchy = pw_mounts_cpuset_hierarchy(&map->mounts), ret;

	for (size_t i = 0; i < map->nr_buckets; i++) {
		for (struct pw_container *c = map->buckets[i]; c; c = c->next) {
			if (!c->is_container || c->hierarchy != hierarchy)
				continue;
			ret = fn(c, arg);
			if (ret)
				return ret;
		}
	}
	return 0;
}

bool pw_map_exclusive(struct pw_container_map *map, const struct pw_container *c,
		      const struct pw_container **other)
{
	*other = NULL;
	if (!c->cpus_known || pw_cpus_empty(&c->effective) ||
	    pw_cpus_intersects(&c->effective, &map->reserved))
		return false;
	for (size_t i = 0; i < map->nr_buckets; i++) {
		for (const struct pw_container *o = map->buckets[i]; o; o = o->next) {
			if (o == c || !o->is_container || !o->workload || !o->cpus_known ||
			    o->hierarchy != c->hierarchy)
				continue;
			if (pw_cpus_intersects(&c->effective, &o->effective)) {
				*other = o;
				return false;
			}
		}
	}
	return true;
}
