// SPDX-License-Identifier: GPL-2.0-only
/* The node's cgroups and containers: scans converge it, events keep it current. */
#include "node.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup_walk.h"
#include "clock.h"
#include "cpuset_watch.h"
#include "log.h"

/*
 * Cgroups made lately that are no container yet, or whose container's names
 * and opt-in are not final: their runtime's state may come (runc writes it
 * at the end of create, after the cgroup and its CPUs).
 */
#define PENDING 256
/* How long a new cgroup may wait for its runtime's state to name it. */
#define PENDING_NS (60ULL * 1000000000ULL)
/*
 * For this long after its mkdir, a pending cgroup is looked at on ticks
 * too: 100 ms after it, then after twice as long each time (7 looks in
 * 10 s, not 100: a burst of cgroups nobody names costs little).
 */
#define PENDING_TICK_NS (10ULL * 1000000000ULL)
#define PENDING_FIRST_WAIT_NS (100ULL * 1000000ULL)

/* Mkdirs that wait for a flush, at most this many (a full list is flushed). */
#define DEFERRED_ADDS 1024

struct deferred_add {
	int hierarchy;
	uint64_t id; /* 0: removed before it was added */
	uint64_t ktime_ns;
	char *path;
	size_t len;
};

struct pending {
	int hierarchy;
	uint64_t id;
	struct pw_cgroup_origin origin;
	uint64_t since_ns;
	uint64_t next_tick_ns; /* the tick's next look */
	uint64_t wait_ns;      /* and the wait before the one after it */
};

struct pw_node {
	struct pw_node_config cfg;
	struct pw_mounts mounts;
	int cpuset_h;
	struct pw_cgroup_table table;
	struct pw_cpuset_pool pool;
	struct pw_state_index states;
	struct pw_runtime_cmds cmds;
	struct pw_identity_sources sources;
	struct pw_node_observer obs;
	uint32_t gen;
	uint64_t identities; /* containers named, renamed or dropped, ever */
	bool needs_scan;
	unsigned long too_deep_said;
	const struct pw_runtime_cmd_seen *last_exec;
	struct pw_cpuset_watch watch; /* cfg.watch_cpus */
	struct pending pending[PENDING];
	unsigned int pending_next;
	struct deferred_add deferred[DEFERRED_ADDS];
	size_t nr_deferred;
	unsigned long unread; /* cgroups made and removed before they were read */
};

int pw_node_open(struct pw_node **out, const struct pw_node_config *cfg)
{
	struct pw_node *n = calloc(1, sizeof(*n));
	int err;

	*out = NULL;
	if (!n)
		return -ENOMEM;
	n->cfg = *cfg;
	n->watch = PW_CPUSET_WATCH_CLOSED;
	err = pw_mounts_open(&n->mounts);
	if (err) {
		pw_err("no cgroup v1 cpuset or cgroup2 mount found in /proc/self/mounts");
		free(n);
		return err;
	}
	n->cpuset_h = pw_mounts_cpuset_hierarchy(&n->mounts);
	err = pw_cgroup_table_init(&n->table);
	if (!err)
		err = pw_cpuset_pool_init(&n->pool);
	if (!err)
		err = pw_state_index_init(&n->states, &n->mounts);
	if (!err && cfg->watch_cpus)
		err = pw_cpuset_watch_open(&n->watch);
	if (err) {
		pw_node_free(n);
		return err;
	}
	n->sources = (struct pw_identity_sources){
		.mounts = &n->mounts,
		.states = &n->states,
		.cmds = &n->cmds,
	};
	*out = n;
	return 0;
}

static int release(struct pw_cgroup *cg, void *arg)
{
	struct pw_node *n = arg;

	if (cg->container) {
		pw_cpuset_put(&n->pool, cg->container->cpus);
		pw_container_free(cg->container);
		cg->container = NULL;
	}
	pw_cpuset_put(&n->pool, cg->cpus);
	cg->cpus = NULL;
	return 0;
}

void pw_node_free(struct pw_node *n)
{
	if (!n)
		return;
	pw_cgroup_table_for_each(&n->table, release, n);
	for (size_t i = 0; i < n->nr_deferred; i++)
		free(n->deferred[i].path);
	pw_cgroup_table_free(&n->table);
	pw_cpuset_pool_free(&n->pool);
	pw_state_index_free(&n->states);
	pw_runtime_cmds_free(&n->cmds);
	pw_cpuset_watch_close(&n->watch);
	pw_mounts_close(&n->mounts);
	free(n);
}

void pw_node_set_observer(struct pw_node *n, const struct pw_node_observer *obs)
{
	n->obs = *obs;
}

const struct pw_mounts *pw_node_mounts(const struct pw_node *n)
{
	return &n->mounts;
}

uint64_t pw_node_identities(const struct pw_node *n)
{
	return n->identities;
}

struct pw_cgroup *pw_node_find(const struct pw_node *n, int hierarchy, uint64_t id)
{
	return pw_cgroup_table_find(&n->table, hierarchy, id);
}

bool pw_node_needs_scan(const struct pw_node *n)
{
	return n->needs_scan;
}

const struct pw_runtime_cmd_seen *pw_node_last_exec(const struct pw_node *n)
{
	return n->last_exec;
}

static bool mapped(const struct pw_node *n, int hierarchy)
{
	if (hierarchy == n->cpuset_h)
		return pw_mounts_fd(&n->mounts, hierarchy) >= 0;
	return n->cfg.both_hierarchies && hierarchy == 0 && n->mounts.v2.fd >= 0;
}

/* Whether the CPUs of cg are wanted: the cpuset hierarchy only, all cgroups or containers. */
static bool wants_cpus(const struct pw_node *n, const struct pw_cgroup *cg)
{
	return cg->hierarchy == n->cpuset_h && (n->cfg.cpus_of_all || cg->container);
}

/*
 * Read a cpulist file of cg (through dir_fd, its open directory, unless -1)
 * into the pool; NULL when it cannot be read or parsed.
 */
static const struct pw_cpuset *read_cpuset(struct pw_node *n, const struct pw_cgroup *cg,
					   int dir_fd, const char *file)
{
	char buf[PW_CPULIST_LEN * 4];
	struct pw_cpus cpus;
	const char *why;
	ssize_t len;

	if (dir_fd >= 0)
		len = pw_read_at(dir_fd, file, buf, sizeof(buf));
	else
		len = pw_cgroup_read(pw_mounts_fd(&n->mounts, cg->hierarchy), cg->path, file, buf,
				     sizeof(buf));
	if (len < 0 || pw_cpus_parse(buf, len, &cpus, &why))
		return NULL;
	return pw_cpuset_get(&n->pool, &cpus);
}

/* Replace *slot with set (a new reference); true when it changed. The old one is in *old. */
static bool swap_cpuset(struct pw_node *n, const struct pw_cpuset **slot,
			const struct pw_cpuset *set, const struct pw_cpuset **old)
{
	*old = *slot;
	*slot = set;
	if (set == *old) {
		pw_cpuset_put(&n->pool, set);
		*old = NULL;
		return false;
	}
	return true;
}

static void update_cpus(struct pw_node *n, struct pw_cgroup *cg, int dir_fd)
{
	const char *eff = pw_mounts_effective_cpus_file(&n->mounts, cg->hierarchy);
	/* v1's legacy hierarchy: the asked CPUs are the effective ones, one file read once. */
	bool one_file = !strcmp(eff, "cpuset.cpus");
	const struct pw_cpuset *old, *set = NULL;

	if (!wants_cpus(n, cg))
		return;
	if (cg->container) {
		set = read_cpuset(n, cg, dir_fd, "cpuset.cpus");
		if (set && one_file)
			pw_cpuset_get(&n->pool, &set->cpus); /* a second reference, for cg->cpus */
		if (swap_cpuset(n, &cg->container->cpus, set, &old))
			pw_cpuset_put(&n->pool, old);
	}
	if (!cg->container || !one_file)
		set = read_cpuset(n, cg, dir_fd, eff);
	if (!swap_cpuset(n, &cg->cpus, set, &old))
		return;
	if (n->obs.cpus_changed)
		n->obs.cpus_changed(n->obs.ctx, cg, old);
	pw_cpuset_put(&n->pool, old);
}

/* cg becomes no container's. */
static void drop_container(struct pw_node *n, struct pw_cgroup *cg)
{
	struct pw_container *c = cg->container;

	if (!c)
		return;
	if (n->obs.container_removed)
		n->obs.container_removed(n->obs.ctx, c);
	cg->container = NULL;
	n->identities++;
	pw_cpuset_put(&n->pool, c->cpus);
	pw_container_free(c);
}

static bool identity_final(const struct pw_cgroup *cg)
{
	return cg->container && cg->container->meta_final;
}

static void remember_pending(struct pw_node *n, const struct pw_cgroup *cg,
			     const struct pw_cgroup_origin *origin)
{
	struct pending *p = &n->pending[n->pending_next++ % PENDING];

	p->hierarchy = cg->hierarchy;
	p->id = cg->id;
	p->origin = origin ? *origin : (struct pw_cgroup_origin){};
	p->origin.dir_fd = -1; /* the walk that held it is over by the retry */
	p->origin.owner_known = false;
	p->since_ns = pw_monotonic_ns();
	p->wait_ns = PENDING_FIRST_WAIT_NS;
	p->next_tick_ns = p->since_ns + p->wait_ns;
}

/* Work out who cg belongs to now, and tell the observer what changed. */
static void identify(struct pw_node *n, struct pw_cgroup *cg, const struct pw_cgroup_origin *origin)
{
	struct pw_container *old = cg->container, *c;

	c = pw_container_identify(&n->sources, cg, origin);
	/*
	 * Named from its runtime's exec and nothing found now: a look without
	 * that exec (a rescan) before the runtime wrote its state (runc does at
	 * the end of create) knows less, not otherwise. It stays named until
	 * its state names another, or its cgroup goes; dropped, its isolation
	 * would be undone under a container about to start.
	 */
	if (!c && old && old->source == PW_FROM_EXEC)
		return;
	if (!c) {
		drop_container(n, cg);
		return;
	}
	if (old && pw_container_same_identity(old, c)) {
		bool populated = c->populated != old->populated;

		old->populated = c->populated;
		pw_container_free(c);
		if (populated && n->obs.populated_changed)
			n->obs.populated_changed(n->obs.ctx, old);
		return;
	}
	if (old) {
		c->cpus = old->cpus;
		c->agent = old->agent;
		old->cpus = NULL;
	}
	cg->container = c;
	n->identities++;
	/*
	 * Its CPUs matter from now on: read before the observer hears of it.
	 * A container set up in full before its mkdir is read (crun: made,
	 * populated and pinned in a few microseconds) gets no later event that
	 * would bring them.
	 */
	if (!old)
		update_cpus(n, cg, origin ? origin->dir_fd : -1);
	if (n->obs.container_changed)
		n->obs.container_changed(n->obs.ctx, c, old);
	pw_container_free(old);
}

static void remove_cgroup(struct pw_node *n, struct pw_cgroup *cg)
{
	if (cg->wd >= 0)
		pw_cpuset_watch_remove(&n->watch, cg->wd);
	drop_container(n, cg);
	if (n->obs.cgroup_removed)
		n->obs.cgroup_removed(n->obs.ctx, cg);
	pw_cpuset_put(&n->pool, cg->cpus);
	cg->cpus = NULL;
	pw_cgroup_table_remove(&n->table, cg);
}

/* cg's directory, opened beneath its mount: -1 if it is gone or the path names a newer cgroup. */
static int open_cgroup_dir(const struct pw_node *n, const struct pw_cgroup *cg)
{
	int fd = pw_open_beneath(pw_mounts_fd(&n->mounts, cg->hierarchy), cg->path,
				 O_PATH | O_DIRECTORY);
	struct stat st;

	if (fd >= 0 && (fstat(fd, &st) || st.st_ino != cg->id)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Whether cg's cpuset.cpus is to be watched and is not yet. */
static bool needs_watch(const struct pw_node *n, const struct pw_cgroup *cg)
{
	return n->cfg.watch_cpus && cg->hierarchy == n->cpuset_h && cg->wd < 0;
}

/* Watch the cpuset.cpus of cg, its directory open at dir_fd. */
static void watch_cpus(struct pw_node *n, struct pw_cgroup *cg, int dir_fd)
{
	int wd;

	if (dir_fd < 0 || !needs_watch(n, cg))
		return;
	wd = pw_cpuset_watch_add(&n->watch, dir_fd, cg->hierarchy, cg->id);
	if (wd >= 0)
		cg->wd = wd;
}

/*
 * cg has no watch yet because its cpuset.cpus did not exist when it was
 * made: on cgroup2 the file appears only once the parent enables the
 * controller, which crun does after making the cgroup. Watch it now if it
 * exists, and read its CPUs: the runtime may have pinned it meanwhile,
 * unseen. True when a watch was added.
 */
static bool watch_late(struct pw_node *n, struct pw_cgroup *cg)
{
	const struct pw_mount *mnt = pw_mounts_get(&n->mounts, cg->hierarchy);
	int dir_fd, before = cg->wd;

	if (!mnt || !needs_watch(n, cg))
		return false;
	dir_fd = pw_open_beneath(mnt->fd, cg->path, O_PATH | O_DIRECTORY);
	if (dir_fd < 0)
		return false;
	watch_cpus(n, cg, dir_fd);
	if (cg->wd != before)
		update_cpus(n, cg, dir_fd);
	close(dir_fd);
	return cg->wd != before;
}

/* A cgroup new to the node: added, identified, its CPUs read. */
static struct pw_cgroup *add_cgroup(struct pw_node *n, int hierarchy, uint64_t id, const char *path,
				    size_t len, const struct pw_cgroup_origin *origin)
{
	struct pw_cgroup_origin here = *origin;
	int opened = -1;
	bool created;
	struct pw_cgroup *cg =
		pw_cgroup_table_insert(&n->table, hierarchy, id, path, len, &created);

	if (!cg || !created)
		return cg;
	cg->gen = n->gen;
	/* From an event: the directory opened once, for the watch and the reads. */
	if (here.dir_fd < 0 && needs_watch(n, cg))
		here.dir_fd = opened = open_cgroup_dir(n, cg);
	/* The watch before the first read: a write between the two is in what is read. */
	watch_cpus(n, cg, here.dir_fd);
	if (n->obs.cgroup_added)
		n->obs.cgroup_added(n->obs.ctx, cg);
	identify(n, cg, &here);
	if (!identity_final(cg))
		remember_pending(n, cg, &here);
	if (!cg->container)
		update_cpus(n, cg, here.dir_fd);
	if (opened >= 0)
		close(opened);
	return cg;
}

struct scan_arg {
	struct pw_node *n;
	int hierarchy;
};

static int scan_visit(const char *path, size_t len, int depth, int dir_fd, const struct stat *st,
		      void *arg)
{
	struct scan_arg *s = arg;
	struct pw_node *n = s->n;
	struct pw_cgroup_origin found = { .dir_fd = dir_fd,
					  .owner_known = true,
					  .owner = st->st_uid };
	struct pw_cgroup *cg;

	(void)depth;
	cg = pw_cgroup_table_find(&n->table, s->hierarchy, st->st_ino);
	/* A cgroup renamed meanwhile is a new place: forget the old record. */
	if (cg && (cg->path_len != len || memcmp(cg->path, path, len))) {
		remove_cgroup(n, cg);
		cg = NULL;
	}
	if (!cg) {
		add_cgroup(n, s->hierarchy, st->st_ino, path, len, &found);
		return 0;
	}
	cg->gen = n->gen;
	/* Not watched yet: at the watch bound before, or cpuset enabled for it since. */
	watch_cpus(n, cg, dir_fd);
	/* Known: what may have changed without an event reaching us. */
	if (cg->container) {
		if (cg->container->source == PW_FROM_EXEC)
			identify(n, cg, &found); /* the runtime's state confirms or corrects it */
		else if (cg->container->populated !=
			 pw_cgroup_populated(&n->mounts, cg->hierarchy, cg->path, dir_fd)) {
			cg->container->populated = !cg->container->populated;
			if (n->obs.populated_changed)
				n->obs.populated_changed(n->obs.ctx, cg->container);
		}
	}
	update_cpus(n, cg, dir_fd);
	return 0;
}

static int sweep(struct pw_cgroup *cg, void *arg)
{
	struct pw_node *n = arg;

	if (cg->gen != n->gen)
		remove_cgroup(n, cg);
	return 0;
}

/*
 * A runtime writes its state when its create is done: read it for the id
 * cg's path names from each active root (a few opens), unless the index has
 * it already. For a start whose runtime exec the agent did not see or did
 * not trust (crun in a mount namespace of its own), this is how it is named.
 */
static bool read_state_of(struct pw_node *n, const char *id)
{
	if (pw_state_index_by_id(&n->states, id))
		return false;
	for (size_t i = 0; i < n->states.nr_roots; i++)
		if (n->states.roots[i].active &&
		    !pw_state_index_add(&n->states, &n->states.roots[i], id))
			return true;
	return false;
}

void pw_node_look_again(struct pw_node *n, struct pw_cgroup *cg)
{
	/*
	 * Named again only from what is new: its state, now there (by its id,
	 * or, with no id known yet, by its path in the runtimes' state).
	 */
	if (!cg->container)
		identify(n, cg, NULL);
	else if (!identity_final(cg) && read_state_of(n, cg->container->id))
		identify(n, cg, NULL);
}

bool pw_node_naming(const struct pw_node *n, const struct pw_cgroup *cg)
{
	uint64_t now = pw_monotonic_ns();

	for (size_t i = 0; i < PENDING; i++) {
		const struct pending *p = &n->pending[i];

		if (p->id == cg->id && p->hierarchy == cg->hierarchy &&
		    now - p->since_ns <= PENDING_NS)
			return !identity_final(cg);
	}
	return false;
}

/* A cgroup made lately and not fully named: its runtime's state may name it now. */
static void retry_one(struct pw_node *n, struct pending *p, uint64_t now)
{
	struct pw_cgroup *cg = pw_cgroup_table_find(&n->table, p->hierarchy, p->id);

	if (!cg || identity_final(cg) || now - p->since_ns > PENDING_NS) {
		p->id = 0;
		return;
	}
	if (cg->container)
		read_state_of(n, cg->container->id);
	watch_late(n, cg);
	identify(n, cg, &p->origin);
	if (identity_final(cg))
		p->id = 0;
}

/*
 * Something happened that may name them (a runtime exec, a first task, a
 * scan): every one made before before_ns, now (a scan's own were just named
 * from what it read).
 */
static void retry_pending(struct pw_node *n, uint64_t before_ns)
{
	uint64_t now = pw_monotonic_ns();

	for (size_t i = 0; i < PENDING; i++)
		if (n->pending[i].id && n->pending[i].since_ns < before_ns)
			retry_one(n, &n->pending[i], now);
}

void pw_node_tick(struct pw_node *n)
{
	uint64_t now = pw_monotonic_ns();

	pw_node_flush(n);
	/* A start named by nothing but its path yet: its state may be there by now. */
	for (size_t i = 0; i < PENDING; i++) {
		struct pending *p = &n->pending[i];

		if (!p->id || now - p->since_ns >= PENDING_TICK_NS || now < p->next_tick_ns)
			continue;
		retry_one(n, p, now);
		p->wait_ns *= 2;
		p->next_tick_ns = now + p->wait_ns;
	}
}

int pw_node_scan(struct pw_node *n)
{
	int hierarchies[2] = { n->cpuset_h, 0 };
	unsigned long too_deep = 0, deeper;
	uint64_t started = pw_monotonic_ns();

	pw_node_flush(n);
	n->gen++;
	n->needs_scan = false;
	pw_state_index_scan(&n->states);
	for (int i = 0; i < 2; i++) {
		struct scan_arg s = { n, hierarchies[i] };

		if (i == 1 && (hierarchies[0] == 0 || !mapped(n, 0)))
			continue;
		if (!mapped(n, s.hierarchy))
			continue;
		pw_cgroup_walk(pw_mounts_fd(&n->mounts, s.hierarchy), scan_visit, &s, &deeper);
		too_deep += deeper;
	}
	pw_cgroup_table_for_each(&n->table, sweep, n);
	retry_pending(n, started);
	if (too_deep && too_deep != n->too_deep_said)
		pw_warn("%lu cgroups deeper than %d levels or with paths over PATH_MAX are not "
			"mapped",
			too_deep, PW_CGROUP_WALK_MAX_DEPTH);
	n->too_deep_said = too_deep;
	return 0;
}

/* A runtime exec: remember its command, and read the state it names if there is some. */
static void apply_exec(struct pw_node *n, const struct pw_event *ev)
{
	const struct pw_runtime_cmd_seen *s = pw_runtime_cmds_add(&n->cmds, ev);
	const struct pw_state_root *root;

	n->last_exec = s;
	if (!s)
		return;
	if (s->cmd.root[0])
		pw_state_index_learn_root(&n->states, s->cmd.root, s->cmd.runtime);
	/* create writes the state when it is done; start, kill, ... find it there. */
	root = s->cmd.root[0] ? pw_state_index_root(&n->states, s->cmd.root) : NULL;
	if (!s->cmd.creates && !pw_state_index_by_id(&n->states, s->cmd.id)) {
		if (root) {
			pw_state_index_add(&n->states, root, s->cmd.id);
		} else {
			for (size_t i = 0; i < n->states.nr_roots; i++)
				if (!strcmp(n->states.roots[i].runtime, s->cmd.runtime) &&
				    !pw_state_index_add(&n->states, &n->states.roots[i], s->cmd.id))
					break;
		}
	}
	retry_pending(n, UINT64_MAX);
}

struct cgroups_below {
	struct pw_node *n;
	const struct pw_cgroup *top;
};

/* The CPUs of a container below (strictly) a cgroup2 cgroup read again. */
static int update_container_below(struct pw_cgroup *o, void *arg)
{
	const struct cgroups_below *b = arg;
	const struct pw_cgroup *top = b->top;

	if (o != top && o->container && o->hierarchy == 0 && o->path_len > top->path_len &&
	    !memcmp(o->path, top->path, top->path_len) &&
	    (top->path_len == 1 || o->path[top->path_len] == '/'))
		update_cpus(b->n, o, -1);
	return 0;
}

/* cg's cpuset.cpus (or another CPU file of it) was written. */
static void cpus_written(struct pw_node *n, struct pw_cgroup *cg)
{
	update_cpus(n, cg, -1);
	/*
	 * On cgroup2 a cgroup's CPUs (and partitions) shape the effective CPUs
	 * of everything below it: read its containers' again. Below a user's
	 * own cgroup (delegated) everything is the user's: nothing to read, so
	 * its writes cost the agent one read, never a walk.
	 */
	if (cg->hierarchy == 0 && pw_cgroup_root_owned(&n->mounts, 0, cg->path, -1)) {
		struct cgroups_below below = { n, cg };

		pw_cgroup_table_for_each(&n->table, update_container_below, &below);
	}
}

static void apply_cpuset_write(struct pw_node *n, const struct pw_event *ev)
{
	struct pw_cgroup *cg =
		pw_cgroup_table_find(&n->table, ev->write->hierarchy_id, ev->write->target_id);

	/* Only accepted writes to the CPU files change CPUs. */
	if (cg && ev->write->ret >= 0 && ev->file.len >= 11 &&
	    !memcmp(ev->file.data, "cpuset.cpus", 11))
		cpus_written(n, cg);
}

static void watched_written(void *ctx, int hierarchy, uint64_t id)
{
	struct pw_node *n = ctx;
	struct pw_cgroup *cg = pw_cgroup_table_find(&n->table, hierarchy, id);

	if (cg)
		cpus_written(n, cg);
}

static void watch_overflowed(void *ctx)
{
	struct pw_node *n = ctx;

	n->needs_scan = true; /* writes were missed: the scan reads every cgroup's CPUs */
}

void pw_node_watch_counts(const struct pw_node *n, unsigned long *held, unsigned long *refused)
{
	*held = n->watch.count - n->watch.holes;
	*refused = n->watch.at_limit;
}

int pw_node_watch_fd(const struct pw_node *n)
{
	return n->watch.fd;
}

void pw_node_read_watch(struct pw_node *n)
{
	int err;

	pw_node_flush(n);
	err = pw_cpuset_watch_read(&n->watch, watched_written, watch_overflowed, n);
	if (err) {
		pw_warn("cannot read the cpuset watches: %s; rescanning", strerror(-err));
		n->needs_scan = true;
	}
}

void pw_node_flush(struct pw_node *n)
{
	for (size_t i = 0; i < n->nr_deferred; i++) {
		struct deferred_add *d = &n->deferred[i];
		struct pw_cgroup_origin origin = { .ktime_ns = d->ktime_ns, .dir_fd = -1 };

		if (d->id)
			add_cgroup(n, d->hierarchy, d->id, d->path, d->len, &origin);
		free(d->path);
	}
	n->nr_deferred = 0;
}

unsigned long pw_node_unread_cgroups(const struct pw_node *n)
{
	return n->unread;
}

static void defer_add(struct pw_node *n, const struct pw_event *ev)
{
	struct deferred_add *d;
	char *path = strndup(ev->path.data, ev->path.len);

	if (!path) {
		n->needs_scan = true; /* the scan finds it */
		return;
	}
	if (n->nr_deferred == DEFERRED_ADDS)
		pw_node_flush(n);
	d = &n->deferred[n->nr_deferred++];
	*d = (struct deferred_add){ ev->cgroup->hierarchy_id, ev->cgroup->id, ev->hdr->ktime_ns,
				    path, ev->path.len };
}

/* A removal of a cgroup whose mkdir still waits: it is never read. */
static bool cancel_deferred_add(struct pw_node *n, int hierarchy, uint64_t id)
{
	for (size_t i = n->nr_deferred; i-- > 0;) {
		struct deferred_add *d = &n->deferred[i];

		if (d->id == id && d->hierarchy == hierarchy) {
			d->id = 0;
			n->unread++;
			return true;
		}
	}
	return false;
}

void pw_node_apply(struct pw_node *n, const struct pw_event *ev)
{
	struct pw_cgroup_origin origin;
	struct pw_cgroup *cg;

	if (ev->type != PW_EV_CGROUP_MKDIR && ev->type != PW_EV_CGROUP_RMDIR)
		pw_node_flush(n);
	switch (ev->type) {
	case PW_EV_CGROUP_MKDIR:
		if (!mapped(n, ev->cgroup->hierarchy_id))
			break;
		/* A cut path is no path to act on: the scan reads the real one. */
		if (ev->cgroup->flags & PW_F_PATH_TRUNCATED) {
			n->needs_scan = true;
			break;
		}
		if (n->cfg.defer_adds) {
			defer_add(n, ev);
			break;
		}
		origin = (struct pw_cgroup_origin){ .ktime_ns = ev->hdr->ktime_ns, .dir_fd = -1 };
		add_cgroup(n, ev->cgroup->hierarchy_id, ev->cgroup->id, ev->path.data, ev->path.len,
			   &origin);
		break;
	case PW_EV_CGROUP_RMDIR:
		if (cancel_deferred_add(n, ev->cgroup->hierarchy_id, ev->cgroup->id))
			break;
		cg = pw_cgroup_table_find(&n->table, ev->cgroup->hierarchy_id, ev->cgroup->id);
		if (cg)
			remove_cgroup(n, cg);
		break;
	case PW_EV_CGROUP_POPULATED:
		cg = pw_cgroup_table_find(&n->table, ev->cgroup->hierarchy_id, ev->cgroup->id);
		if (!cg)
			break;
		/* Its first task may be the container's init. */
		if (!identity_final(cg) && (ev->cgroup->flags & PW_F_POPULATED))
			retry_pending(n, UINT64_MAX);
		/*
		 * Unwatched: its cpuset.cpus may exist by now (cgroup2, crun), or
		 * the watch bound was reached; v1 runtimes pin before the first task.
		 */
		if (needs_watch(n, cg) && (ev->cgroup->flags & PW_F_POPULATED) &&
		    !watch_late(n, cg))
			update_cpus(n, cg, -1);
		if (!cg->container)
			break;
		if (cg->container->populated != !!(ev->cgroup->flags & PW_F_POPULATED)) {
			cg->container->populated = !cg->container->populated;
			if (n->obs.populated_changed)
				n->obs.populated_changed(n->obs.ctx, cg->container);
		}
		break;
	case PW_EV_EXEC:
		apply_exec(n, ev);
		break;
	case PW_EV_CPUSET_WRITE:
		apply_cpuset_write(n, ev);
		break;
	default:
		break;
	}
}

struct each_arg {
	struct pw_node *n;
	int (*cgroup_fn)(struct pw_cgroup *cg, void *arg);
	int (*container_fn)(struct pw_container *c, void *arg);
	void *arg;
};

static int each_visit(struct pw_cgroup *cg, void *arg)
{
	struct each_arg *e = arg;

	if (cg->hierarchy != e->n->cpuset_h)
		return 0;
	if (e->cgroup_fn)
		return e->cgroup_fn(cg, e->arg);
	return cg->container ? e->container_fn(cg->container, e->arg) : 0;
}

int pw_node_for_each_cgroup(struct pw_node *n, int (*fn)(struct pw_cgroup *cg, void *arg),
			    void *arg)
{
	struct each_arg e = { .n = n, .cgroup_fn = fn, .arg = arg };

	return pw_cgroup_table_for_each(&n->table, each_visit, &e);
}

int pw_node_for_each_container(struct pw_node *n, int (*fn)(struct pw_container *c, void *arg),
			       void *arg)
{
	struct each_arg e = { .n = n, .container_fn = fn, .arg = arg };

	return pw_cgroup_table_for_each(&n->table, each_visit, &e);
}

struct by_id_arg {
	const char *id;
	struct pw_container *found;
};

static int match_id(struct pw_container *c, void *arg)
{
	struct by_id_arg *a = arg;

	if (strcmp(c->id, a->id))
		return 0;
	a->found = c;
	return 1;
}

struct pw_container *pw_node_container_by_id(struct pw_node *n, const char *id)
{
	struct by_id_arg a = { id, NULL };

	pw_node_for_each_container(n, match_id, &a);
	return a.found;
}

static int count_one(struct pw_cgroup *cg, void *arg)
{
	unsigned long *counts = arg;

	counts[0]++;
	counts[1] += cg->container != NULL;
	return 0;
}

void pw_node_counts(struct pw_node *n, unsigned long *cgroups, unsigned long *containers)
{
	unsigned long counts[2] = { 0, 0 };

	pw_node_for_each_cgroup(n, count_one, counts);
	*cgroups = counts[0];
	*containers = counts[1];
}
