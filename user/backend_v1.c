// SPDX-License-Identifier: GPL-2.0-only
/*
 * cgroup v1: cpuset.sched_load_balance. A CPU leaves load balancing only
 * when no load-balanced cpuset spans it: the root goes to 0, the host's
 * tasks move to a housekeeping cpuset (load balanced) that excludes the
 * isolated CPUs, and every cpuset that spans an isolated CPU goes to 0 -
 * the container's chain, but also, say, a sibling pod's cgroup that still
 * has every CPU. Their other CPUs stay balanced inside the housekeeping
 * domain. A CPU given back rejoins that domain at once, and a cpuset that
 * spans no isolated CPU any more is balanced again; when the last isolation
 * goes, all of it is undone: with the root at 0, separate balanced cpusets
 * stay separate domains, so only the root back at 1 really restores
 * balancing.
 *
 * Everything written back is compared first: a cpuset the agent turned to
 * 0 is turned back to 1 only if it still reads 0.
 */
#include "backend.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "cpuset_tasks.h"
#include "log.h"
#include "node.h"
#include "privileges.h"

#define HOUSEKEEPING "/pinwatch.housekeeping"
#define LB "cpuset.sched_load_balance"
/* Tasks fork while they move: a few passes empty a cpuset. */
#define MOVE_PASSES 5
/* How long a teardown waits for a runtime's task to leave the housekeeping cpuset. */
#define BUSY_WAITS 10
#define BUSY_WAIT_US 20000

static int v1_hierarchy(const struct pw_mounts *m)
{
	if (m->v1_cpuset.fd < 0 || m->v1_cpuset_hierarchy <= 0) {
		pw_err("the v1 backend needs the cgroup v1 cpuset hierarchy mounted");
		return -1;
	}
	return m->v1_cpuset_hierarchy;
}

static int hier(const struct pw_backend *b)
{
	return b->mounts->v1_cpuset_hierarchy;
}

static int root_fd(const struct pw_backend *b)
{
	return b->mounts->v1_cpuset.fd;
}

static void isolated(const struct pw_backend *b, struct pw_cpus *out)
{
	pw_journal_isolated_cpus(b->journal, "v1", out);
}

/*
 * cpuset.sched_load_balance of path: 0, 1, -ENOENT (gone), or another
 * -errno, said: a file the agent cannot read (a bind mount over it) is a
 * cpuset it cannot vouch for.
 */
static int read_lb(const struct pw_backend *b, const char *path)
{
	char buf[8];
	ssize_t n = pw_cgroup_read(root_fd(b), path, LB, buf, sizeof(buf));

	/* Gone, or going: the kernel answers ENODEV for a cgroup being removed. */
	if (n == -ENOENT || n == -ENODEV)
		return -ENOENT;
	if (n < 0) {
		pw_err("cannot read '%s%s/%s': %s", b->mounts->v1_cpuset.path, PW_Q(path), LB,
		       n == -EXDEV ? "not a cgroup file of that mount (a bind mount over it?)" :
				     strerror(-n));
		return n;
	}
	return !strcmp(buf, "1");
}

static int read_cpulist(const struct pw_backend *b, const char *path, const char *file,
			struct pw_cpus *cpus)
{
	char text[PW_CPULIST_LEN * 4];
	const char *why;

	if (pw_cgroup_read(root_fd(b), path, file, text, sizeof(text)) < 0)
		return -EIO;
	return pw_cpus_parse(text, strlen(text), cpus, &why);
}

/* The root's CPUs less every isolated one, as a cpulist; -EINVAL when none would be left. */
static int housekeeping_cpus(const struct pw_backend *b, char *buf, size_t size)
{
	struct pw_cpus cpus, iso;

	if (read_cpulist(b, "", "cpuset.cpus", &cpus))
		return -EIO;
	isolated(b, &iso);
	pw_cpus_andnot(&cpus, &iso);
	if (pw_cpus_empty(&cpus))
		return -EINVAL; /* the host keeps at least one CPU: the policy sees to it */
	pw_cpus_format(&cpus, buf, size);
	return 0;
}

/*
 * Move every task of cpuset from into cpuset to, runtimes' own processes
 * aside (counted in *busy), how many moved in *moved; the kernel threads
 * that stay in the root are remembered between moves. Returns how many
 * tasks (kernel threads aside) would not move, or -errno.
 */
static int move_tasks(struct pw_backend *b, const char *from, const char *to, int *busy, int *moved)
{
	struct pw_task_moves m;
	int err = pw_cpuset_move_tasks(root_fd(b), from, to, b->dry_run,
				       from[0] ? NULL : &b->root_unmovable, &m);

	*busy = m.busy;
	*moved = m.moved;
	return err < 0 ? err : m.failed;
}

static bool has_v1_entries(const struct pw_backend *b)
{
	for (size_t i = 0; i < pw_journal_count(b->journal); i++)
		if (!strcmp(pw_journal_at(b->journal, i)->backend, "v1"))
			return true;
	return false;
}

/*
 * Write value to a cpuset's LB. One gone (ENOENT) or being removed (ENODEV:
 * the kernel refuses writes to a cgroup going offline) is not an error: its
 * rmdir prunes it from the journal.
 */
static int write_lb(struct pw_backend *b, const char *path, const char *value)
{
	int err = pw_cgroup_write(b->mounts, hier(b), path, LB, value, b->dry_run);

	return err == -ENOENT || err == -ENODEV ? 0 : err;
}

/* Write 1 to path's LB if it still reads 0 (what we wrote); leave anything else. */
static int rebalance(struct pw_backend *b, const char *path)
{
	int lb = read_lb(b, path);

	if (lb == -ENOENT || lb == 1)
		return 0; /* gone, or someone balanced it already */
	if (lb < 0)
		return lb;
	return write_lb(b, path, "1");
}

static bool housekeeping_exists(const struct pw_backend *b)
{
	int fd = pw_open_beneath(root_fd(b), HOUSEKEEPING, O_RDONLY | O_DIRECTORY);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/*
 * The housekeeping cpuset's file (cpuset.cpus, cpuset.mems) to value, unless
 * it holds that already: a kept layout's memory nodes are not written again
 * (each write takes the kernel's cpuset lock, which the runtime starting the
 * container is waiting for too).
 */
static int set_housekeeping(struct pw_backend *b, const char *file, const char *value)
{
	char now[PW_CPULIST_LEN * 4];

	if (!b->dry_run && pw_cgroup_read(root_fd(b), HOUSEKEEPING, file, now, sizeof(now)) >= 0 &&
	    !strcmp(now, value))
		return 0;
	return pw_cgroup_write(b->mounts, hier(b), HOUSEKEEPING, file, value, b->dry_run);
}

/* The housekeeping cpuset at the root's CPUs less the isolated ones, the host's tasks in it. */
static int setup_housekeeping(struct pw_backend *b)
{
	char cpus[PW_CPULIST_LEN], mems[PW_CPULIST_LEN];
	int err, lb, busy, moved;

	b->idle_since_ms = 0;
	err = pw_journal_set_housekeeping(b->journal, HOUSEKEEPING);
	if (!err)
		err = housekeeping_cpus(b, cpus, sizeof(cpus));
	if (!err && pw_cgroup_read(root_fd(b), "", "cpuset.mems", mems, sizeof(mems)) < 0)
		err = -EIO;
	/* Kept from the last container (teardown): the host's tasks are in it already. */
	if (!err && (b->dry_run || !housekeeping_exists(b)))
		err = pw_cgroup_mkdir(b->mounts, hier(b), HOUSEKEEPING, b->dry_run);
	if (!err)
		err = set_housekeeping(b, "cpuset.mems", mems);
	if (!err)
		err = set_housekeeping(b, "cpuset.cpus", cpus);
	if (err)
		return err;
	/*
	 * A task forked while the host's tasks move is born where its parent
	 * was, in the root, free to run on the isolated CPUs (and its children
	 * after it): look again while a pass moved any.
	 */
	for (int pass = 0; pass < MOVE_PASSES; pass++) {
		err = move_tasks(b, "", HOUSEKEEPING, &busy, &moved);
		if (err < 0)
			return err;
		if (!moved || b->dry_run)
			break;
	}
	if (err > 0)
		pw_warn("%d of the host's tasks stay in the root cpuset: they may still run on the "
			"isolated CPUs",
			err);
	lb = read_lb(b, "");
	if (lb == 1 || b->dry_run)
		return pw_cgroup_write(b->mounts, hier(b), "", LB, "0", b->dry_run);
	return lb < 0 ? lb : 0;
}

/* Only the housekeeping cpuset's CPUs follow the journal (a CPU given back or taken). */
static int resize_housekeeping(struct pw_backend *b)
{
	char cpus[PW_CPULIST_LEN];
	int err = housekeeping_cpus(b, cpus, sizeof(cpus));

	return err ? err : set_housekeeping(b, "cpuset.cpus", cpus);
}

/* Whether cg must be out of balancing: it spans an isolated CPU (root and housekeeping aside). */
static bool spans(const struct pw_cgroup *cg, const struct pw_cpus *iso)
{
	return cg->cpus && strcmp(cg->path, "/") && strcmp(cg->path, HOUSEKEEPING) &&
	       pw_cpus_intersects(&cg->cpus->cpus, iso);
}

struct spanners {
	struct pw_backend *b;
	struct pw_cpus iso;
	const struct pw_cgroup **todo;
	size_t nr, cap;
	int err;
};

/* Collect the balanced cpusets that span an isolated CPU and are not in the journal yet. */
static int collect_spanner(struct pw_cgroup *cg, void *arg)
{
	struct spanners *s = arg;

	int lb;

	if (!spans(cg, &s->iso) || pw_journal_find_unbalanced(s->b->journal, cg->id, cg->path))
		return 0;
	lb = read_lb(s->b, cg->path);
	if (lb == 0 || lb == -ENOENT)
		return 0; /* already out of balancing (by someone else), or gone */
	if (lb < 0) {
		s->err = lb; /* it may balance the isolated CPU: the isolation is not whole */
		return 1;
	}
	if (s->nr == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		const struct pw_cgroup **t = realloc(s->todo, cap * sizeof(*t));

		if (!t) {
			s->err = -ENOMEM;
			return 1;
		}
		s->todo = t;
		s->cap = cap;
	}
	s->todo[s->nr++] = cg;
	return 0;
}

/*
 * The balanced cpusets spanning an isolated CPU, added to the journal (the
 * caller's batch: saved before any of them is written).
 */
static int journal_spanners(struct pw_backend *b, struct spanners *s)
{
	int err = 0;

	if (!b->node)
		return 0;
	isolated(b, &s->iso);
	pw_node_for_each_cgroup(b->node, collect_spanner, s);
	if (s->err)
		return s->err;
	for (size_t i = 0; i < s->nr && !err; i++)
		err = pw_journal_add_unbalanced(b->journal, s->todo[i]->path, s->todo[i]->id);
	return err;
}

/*
 * The journaled spanners to 0; entries the journal has that read 1 again
 * (a crash between journal and write, or a reset) are written again.
 */
static int write_spanners(struct pw_backend *b, const struct spanners *s)
{
	int err = 0;

	for (size_t i = 0; i < s->nr && !err; i++)
		err = write_lb(b, s->todo[i]->path, "0");
	for (size_t i = 0; i < pw_journal_unbalanced_count(b->journal) && !err; i++) {
		const struct pw_unbalanced *u = pw_journal_unbalanced_at(b->journal, i);

		if (read_lb(b, u->path) == 1)
			err = write_lb(b, u->path, "0");
	}
	return err;
}

/* Every balanced cpuset spanning an isolated CPU to 0: all of them journaled in one write, then written. */
static int unbalance_spanners(struct pw_backend *b)
{
	struct spanners s = { .b = b };
	int err;

	pw_journal_begin(b->journal);
	err = journal_spanners(b, &s);
	if (pw_journal_commit(b->journal) && !err)
		err = -EIO;
	if (!err)
		err = write_spanners(b, &s);
	free(s.todo);
	return err;
}

/*
 * Whether the cgroup at path is still the one of id (its directory's inode
 * number is its id): a path may be reused by another cgroup since.
 */
static bool same_cgroup(const struct pw_backend *b, const char *path, uint64_t id)
{
	struct stat st;
	int fd = pw_open_beneath(root_fd(b), path, O_PATH | O_DIRECTORY);
	bool same = fd >= 0 && !fstat(fd, &st) && (uint64_t)st.st_ino == id;

	if (fd >= 0)
		close(fd);
	return same;
}

/* Balance again what spans no isolated CPU any more; forget what is gone. */
static int rebalance_stale(struct pw_backend *b)
{
	struct pw_cpus iso, cpus;
	int err = 0;

	/*
	 * One journal write for them all: an entry still listed after its 1 was
	 * written only makes a later restore read it and leave it.
	 */
	pw_journal_begin(b->journal);
	isolated(b, &iso);
	for (size_t i = pw_journal_unbalanced_count(b->journal); i-- > 0 && !err;) {
		const struct pw_unbalanced *u = pw_journal_unbalanced_at(b->journal, i);
		const struct pw_cgroup *cg = b->node && u->cgroup_id ?
						     pw_node_find(b->node, hier(b), u->cgroup_id) :
						     NULL;
		bool still, gone = false;

		if (cg) {
			still = spans(cg, &iso);
		} else if (u->cgroup_id && !same_cgroup(b, u->path, u->cgroup_id)) {
			/* Its cgroup is gone: a cgroup at its path now is another one's. */
			still = false;
			gone = true;
		} else if (read_cpulist(b, u->path, "cpuset.cpus", &cpus) == 0) {
			still = pw_cpus_intersects(&cpus, &iso);
		} else {
			still = false; /* gone */
		}
		if (still)
			continue;
		err = gone ? 0 : rebalance(b, u->path);
		if (!err)
			err = pw_journal_remove_unbalanced(b->journal, u);
	}
	if (pw_journal_commit(b->journal) && !err)
		err = -EIO;
	return err;
}

/*
 * Whether the housekeeping cpuset, balancing back and at every CPU, is kept
 * a while for the next container: its layout then costs writes, not moving
 * every host task twice. -EAGAIN while it is kept.
 */
static int keep_layout(struct pw_backend *b)
{
	double now = pw_monotonic_ms();

	if (!b->keep_layout_ms || b->dry_run)
		return 0;
	if (!b->idle_since_ms) {
		b->idle_since_ms = now;
		pw_info("cpuset '%s' kept at every CPU for %.0f s, for the next container",
			HOUSEKEEPING, b->keep_layout_ms / 1000.0);
	}
	return now - b->idle_since_ms < b->keep_layout_ms ? -EAGAIN : 0;
}

/*
 * No v1 isolation left: balancing back at once, the housekeeping cpuset at
 * every CPU; the cpuset itself goes when keep_layout() lets it.
 */
static int teardown(struct pw_backend *b)
{
	char cpus[PW_CPULIST_LEN * 4];
	int err = 0, left = 1, busy = 0, moved;

	if (!pw_journal_housekeeping(b->journal) && !pw_journal_unbalanced_count(b->journal))
		return 0;
	/* Balancing back first; then the housekeeping cpuset confines no task any more. */
	if (pw_journal_housekeeping(b->journal))
		err = rebalance(b, "");
	if (!err)
		err = rebalance_stale(b);
	if (err)
		return err;
	if (!pw_journal_housekeeping(b->journal))
		return 0;
	/* Kept only at every CPU: a narrower one would still confine the host's tasks. */
	if (pw_cgroup_read(root_fd(b), "", "cpuset.cpus", cpus, sizeof(cpus)) >= 0 &&
	    !set_housekeeping(b, "cpuset.cpus", cpus)) {
		err = keep_layout(b);
		if (err)
			return err;
	}
	for (int pass = 0; pass < MOVE_PASSES && left > 0; pass++) {
		char one[16];

		left = move_tasks(b, HOUSEKEEPING, "", &busy, &moved);
		if (left >= 0)
			left += busy;
		if (!left && !b->dry_run)
			left = pw_cgroup_read(root_fd(b), HOUSEKEEPING, "cgroup.procs", one,
					      sizeof(one)) > 0;
	}
	/* A runtime's own task on its way into a container leaves within milliseconds. */
	for (int wait = 0; wait < BUSY_WAITS && busy > 0 && !b->dry_run; wait++) {
		usleep(BUSY_WAIT_US);
		if (move_tasks(b, HOUSEKEEPING, "", &busy, &moved) < 0)
			break;
	}
	/*
	 * Still there: the cpuset goes once it has left. Balancing is back
	 * already; the journal keeps the cpuset, and the caller tries again.
	 */
	if (busy > 0 && !b->dry_run) {
		pw_info("cpuset '%s' still holds %d runtime tasks on their way into a container; "
			"it is removed once they leave",
			HOUSEKEEPING, busy);
		return -EBUSY;
	}
	err = pw_cgroup_rmdir(b->mounts, hier(b), HOUSEKEEPING, b->dry_run);
	if (err)
		return err; /* the journal keeps it: the next restore tries again */
	b->idle_since_ms = 0;
	return pw_journal_set_housekeeping(b->journal, NULL);
}

static int v1_sync(struct pw_backend *b)
{
	int err;

	if (!has_v1_entries(b))
		return teardown(b);
	/*
	 * Every step is idempotent, so the same call completes a layout that a
	 * crash cut short, without undoing anything a running pod relies on.
	 */
	err = setup_housekeeping(b);
	if (!err)
		err = unbalance_spanners(b);
	if (!err)
		err = rebalance_stale(b);
	return err;
}

/*
 * One journal save before any kernel write: the isolation, and every
 * cpuset it makes span an isolated CPU. The layout is made once; later
 * isolations only resize it and write their new spanners.
 */
static int v1_apply(struct pw_backend *b, const struct pw_isolation *want)
{
	bool layout = !b->dry_run && read_lb(b, "") == 0 && housekeeping_exists(b);
	struct spanners s = { .b = b };
	int err;

	pw_journal_begin(b->journal);
	err = pw_journal_add(b->journal, want);
	if (!err)
		err = pw_journal_set_housekeeping(b->journal, HOUSEKEEPING);
	if (!err)
		err = journal_spanners(b, &s);
	if (pw_journal_commit(b->journal) && !err)
		err = -EIO;
	if (!err && layout)
		err = resize_housekeeping(b);
	else if (!err)
		err = setup_housekeeping(b);
	if (!err)
		err = write_spanners(b, &s);
	if (!err && !layout)
		err = rebalance_stale(b);
	free(s.todo);
	return err;
}

static int v1_enforce(struct pw_backend *b, const struct pw_isolation *iso)
{
	(void)iso;
	return v1_sync(b);
}

/*
 * One journal save, after the kernel writes: until then the journal still
 * lists what they undo, and a crash in between has it undone again.
 */
static int v1_revert(struct pw_backend *b, const struct pw_isolation *iso)
{
	int err, saved;

	pw_journal_begin(b->journal);
	err = pw_journal_remove(b->journal, iso->hierarchy, iso->cgroup_id);
	/* Its CPUs rejoin the housekeeping domain; the last one undoes the layout. */
	if (!err && !has_v1_entries(b)) {
		err = teardown(b);
	} else if (!err) {
		err = resize_housekeeping(b);
		if (!err)
			err = rebalance_stale(b);
	}
	saved = pw_journal_commit(b->journal);
	return err ? err : saved;
}

/* Note cg for the next flush: the observer records, the decision step writes. */
static int note_seen(struct pw_backend *b, const struct pw_cgroup *cg, bool removed)
{
	struct pw_cgroup_seen *seen;

	if (b->nr_seen == b->cap_seen) {
		size_t cap = b->cap_seen ? 2 * b->cap_seen : 64;

		seen = realloc(b->seen, cap * sizeof(*seen));
		if (!seen)
			return -ENOMEM;
		b->seen = seen;
		b->cap_seen = cap;
	}
	seen = &b->seen[b->nr_seen];
	seen->path = strdup(cg->path);
	if (!seen->path)
		return -ENOMEM;
	seen->id = cg->id;
	seen->removed = removed;
	b->nr_seen++;
	return 0;
}

/* Only what can matter: a change while v1 isolates, or a cpuset the journal has at 0. */
static int v1_cgroup_changed(struct pw_backend *b, const struct pw_cgroup *cg)
{
	if (cg->hierarchy != hier(b) ||
	    (!has_v1_entries(b) && !pw_journal_find_unbalanced(b->journal, cg->id, cg->path)))
		return 0;
	return note_seen(b, cg, false);
}

static int v1_cgroup_removed(struct pw_backend *b, const struct pw_cgroup *cg)
{
	if (cg->hierarchy != hier(b) || !pw_journal_find_unbalanced(b->journal, cg->id, cg->path))
		return 0;
	return note_seen(b, cg, true);
}

enum seen_action { SEEN_NOTHING, SEEN_UNBALANCE, SEEN_FORGET };

/* What a cgroup seen since the last flush needs now; balances it back first when it must. */
static enum seen_action seen_action(struct pw_backend *b, const struct pw_cgroup_seen *p,
				    const struct pw_cpus *iso, int *err)
{
	const struct pw_unbalanced *u = pw_journal_find_unbalanced(b->journal, p->id, p->path);
	const struct pw_cgroup *cg;
	int lb;

	if (p->removed)
		return u ? SEEN_FORGET : SEEN_NOTHING; /* nothing is left to restore */
	cg = b->node ? pw_node_find(b->node, hier(b), p->id) : NULL;
	if (!cg)
		return SEEN_NOTHING; /* gone since: its removal says the rest */
	if (!spans(cg, iso)) {
		if (!u)
			return SEEN_NOTHING;
		/* Still journaled until it is balanced again: a crash in between restores it. */
		lb = rebalance(b, cg->path);
		if (!lb)
			return SEEN_FORGET;
		if (!*err)
			*err = lb;
		return SEEN_NOTHING;
	}
	if (u)
		return SEEN_NOTHING;
	lb = read_lb(b, cg->path);
	/* Already out of balancing (by someone else), or gone: not ours to touch. */
	if (lb < 0 && lb != -ENOENT && !*err)
		*err = lb; /* said by read_lb; counted by the caller */
	return lb == 1 ? SEEN_UNBALANCE : SEEN_NOTHING;
}

/*
 * The decision on the cgroups seen since the last flush, one journal save
 * for them all: cpusets that span an isolated CPU now go to 0 after it,
 * those that no longer do are balanced back before it, and those removed
 * are forgotten in it.
 */
static int v1_flush(struct pw_backend *b)
{
	size_t n = b->nr_seen;
	struct pw_cpus iso;
	int err = 0;

	if (!n)
		return 0;
	isolated(b, &iso);
	pw_journal_begin(b->journal);
	for (size_t i = 0; i < n; i++) {
		struct pw_cgroup_seen *p = &b->seen[i];
		enum seen_action action = seen_action(b, p, &iso, &err);
		const struct pw_unbalanced *u =
			pw_journal_find_unbalanced(b->journal, p->id, p->path);
		bool write = false;
		int e = 0;

		if (action == SEEN_FORGET && u) {
			e = pw_journal_remove_unbalanced(b->journal, u);
		} else if (action == SEEN_UNBALANCE && !u) { /* seen twice in a turn: once */
			e = pw_journal_add_unbalanced(b->journal, p->path, p->id);
			write = !e;
		}
		if (e && !err)
			err = e;
		if (!write) {
			free(p->path);
			p->path = NULL;
		}
	}
	if (pw_journal_commit(b->journal) && !err)
		err = -EIO;
	for (size_t i = 0; i < n; i++) {
		struct pw_cgroup_seen *p = &b->seen[i];

		if (p->path && !err)
			err = write_lb(b, p->path, "0");
		free(p->path);
	}
	b->nr_seen = 0;
	return err;
}

const struct pw_backend_ops pw_backend_v1 = {
	.name = "v1",
	/*
	 * The override for the housekeeping cpuset's mkdir below the mode 0555
	 * root and for a delegated cpuset's files; CAP_SYS_NICE for moving
	 * root's tasks (their capabilities are more than the agent keeps).
	 */
	.held_caps = PW_CAP(CAP_DAC_OVERRIDE) | PW_CAP(CAP_SYS_NICE),
	.hierarchy = v1_hierarchy,
	.needs_every_cgroups_cpus = true,
	.apply = v1_apply,
	.enforce = v1_enforce,
	.revert = v1_revert,
	.sync = v1_sync,
	.cgroup_changed = v1_cgroup_changed,
	.cgroup_removed = v1_cgroup_removed,
	.flush = v1_flush,
};
