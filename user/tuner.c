// SPDX-License-Identifier: GPL-2.0-only
/* Apply, follow and revert the knobs of containers, journal first. */
#include "tuner.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "irq_affinity.h"
#include "irqbalance.h"
#include "log.h"

struct pw_tuner_watch {
	int wd;
	int hierarchy;
	uint64_t id;
};

/* Where a per-file knob's values live, and what it writes. */
struct file_knob {
	bool per_cpu; /* one value per CPU of the container; else one, the cgroup's (target -1) */
	ssize_t (*read)(const struct pw_tuner *tu, const struct pw_tuning *t, int target, char *buf,
			size_t size);
	int (*write)(const struct pw_tuner *tu, const struct pw_tuning *t, int target,
		     const char *value);
	void (*value)(const struct pw_tuner *tu, const struct pw_tuning *t, char *buf, size_t size);
	/* Whether target can take value at all, said when not; NULL: the write says. */
	int (*check)(const struct pw_tuner *tu, int target, const char *value);
};

/* v1: the cpu controller's hierarchy keeps the container at the same path as its cpuset. */
static bool quota_v1(const struct pw_tuner *tu, const struct pw_tuning *t)
{
	return t->hierarchy != 0 && pw_mounts_cpu_hierarchy(tu->mounts) != 0;
}

static const char *quota_file(const struct pw_tuner *tu, const struct pw_tuning *t)
{
	return quota_v1(tu, t) ? "cpu.cfs_quota_us" : "cpu.max";
}

static int quota_hierarchy(const struct pw_tuner *tu, const struct pw_tuning *t)
{
	return quota_v1(tu, t) ? pw_mounts_cpu_hierarchy(tu->mounts) : 0;
}

/* Target 0 is the container's cgroup, 1 its pod's (the parent kubelet made). */
static void quota_cgroup(const struct pw_tuning *t, int target, char *buf, size_t size)
{
	const char *slash = strrchr(t->path, '/');

	if (target == 1 && slash && slash != t->path)
		snprintf(buf, size, "%.*s", (int)(slash - t->path), t->path);
	else
		snprintf(buf, size, "%s", t->path);
}

static ssize_t quota_read(const struct pw_tuner *tu, const struct pw_tuning *t, int target,
			  char *buf, size_t size)
{
	int fd = pw_mounts_fd(tu->mounts, quota_hierarchy(tu, t));
	char cg[PATH_MAX];

	quota_cgroup(t, target, cg, sizeof(cg));
	return fd < 0 ? -ENOENT : pw_cgroup_read(fd, cg, quota_file(tu, t), buf, size);
}

static int quota_write(const struct pw_tuner *tu, const struct pw_tuning *t, int target,
		       const char *value)
{
	char cg[PATH_MAX];

	quota_cgroup(t, target, cg, sizeof(cg));
	return pw_cgroup_write(tu->mounts, quota_hierarchy(tu, t), cg, quota_file(tu, t), value,
			       tu->files.dry_run);
}

static void quota_value(const struct pw_tuner *tu, const struct pw_tuning *t, char *buf,
			size_t size)
{
	/* cgroup2 keeps the period when only the quota is written. */
	snprintf(buf, size, "%s", quota_v1(tu, t) ? "-1" : "max");
}

#define GOVERNORS_FILE "cpufreq/scaling_available_governors"

/* The per-CPU knobs' file, beneath each /sys/devices/system/cpu/cpuN. */
static const char *const cpu_files[PW_NR_KNOBS] = {
	[PW_KNOB_CSTATES] = "power/pm_qos_resume_latency_us",
	[PW_KNOB_GOVERNOR] = "cpufreq/scaling_governor",
};

static void cpu_file(char *rel, size_t size, int cpu, const char *name)
{
	snprintf(rel, size, "devices/system/cpu/cpu%d/%s", cpu, name);
}

static ssize_t cpu_read(const struct pw_tuner *tu, const struct pw_tuning *t, int cpu, char *buf,
			size_t size)
{
	char rel[96];

	cpu_file(rel, sizeof(rel), cpu, cpu_files[t->knob]);
	return pw_read_beneath(tu->files.sys_fd, rel, buf, size);
}

static int cpu_write(const struct pw_tuner *tu, const struct pw_tuning *t, int cpu,
		     const char *value)
{
	char rel[96];

	cpu_file(rel, sizeof(rel), cpu, cpu_files[t->knob]);
	return pw_kernel_write(&tu->files, tu->files.sys_fd, rel, value, 0);
}

static void cstates_value(const struct pw_tuner *tu, const struct pw_tuning *t, char *buf,
			  size_t size)
{
	(void)tu;
	pw_knob_cstates_value(t->value, buf, size);
}

/* A governor the CPU lacks is refused by name before anything is saved or written. */
static int governor_check(const struct pw_tuner *tu, int cpu, const char *value)
{
	char rel[96], governors[512];
	size_t len = strlen(value);
	const char *p = governors;

	cpu_file(rel, sizeof(rel), cpu, GOVERNORS_FILE);
	if (pw_read_beneath(tu->files.sys_fd, rel, governors, sizeof(governors)) < 0)
		return 0; /* the write says what is wrong */
	while ((p = strstr(p, value)) &&
	       !((p == governors || p[-1] == ' ') && (p[len] == ' ' || !p[len])))
		p += len;
	if (p)
		return 0;
	pw_err("CPU %d has no cpufreq governor %s (it has: %s)", cpu, PW_Q(value), PW_Q(governors));
	return -EINVAL;
}

static void governor_value(const struct pw_tuner *tu, const struct pw_tuning *t, char *buf,
			   size_t size)
{
	(void)tu;
	snprintf(buf, size, "%s", t->value);
}

static const struct file_knob file_knobs[PW_NR_KNOBS] = {
	[PW_KNOB_QUOTA] = { false, quota_read, quota_write, quota_value, NULL },
	[PW_KNOB_CSTATES] = { true, cpu_read, cpu_write, cstates_value, NULL },
	[PW_KNOB_GOVERNOR] = { true, cpu_read, cpu_write, governor_value, governor_check },
};

/* Whether a value read back is the one written: cgroup2's cpu.max adds the period. */
static bool holds(const char *read, const char *set)
{
	size_t len = strlen(set);

	return !strncmp(read, set, len) && (read[len] == '\0' || read[len] == ' ');
}

/* "ID12 knob", for messages. */
static const char *tuning_name(const struct pw_tuning *t, char *buf, size_t size)
{
	snprintf(buf, size, "%.12s %s", PW_Q(t->container_id), pw_knob_name(t->knob));
	return buf;
}

/* Follow rewrites of a tuned container's quota file. */
static void watch_quota(struct pw_tuner *tu, const struct pw_tuning *t)
{
	const struct pw_mount *mnt = pw_mounts_get(tu->mounts, quota_hierarchy(tu, t));
	char path[PATH_MAX];
	int wd;

	if (tu->watch_fd < 0 || !mnt)
		return;
	snprintf(path, sizeof(path), "%s%s/%s", mnt->path, t->path, quota_file(tu, t));
	wd = inotify_add_watch(tu->watch_fd, path, IN_MODIFY | IN_DONT_FOLLOW);
	if (wd < 0) {
		pw_warn("cannot follow rewrites of '%s': %s", PW_Q(path), strerror(errno));
		return;
	}
	if (tu->nr_watches == tu->cap_watches) {
		size_t cap = tu->cap_watches ? tu->cap_watches * 2 : 8;
		struct pw_tuner_watch *w = realloc(tu->watches, cap * sizeof(*w));

		if (!w) {
			inotify_rm_watch(tu->watch_fd, wd);
			return;
		}
		tu->watches = w;
		tu->cap_watches = cap;
	}
	tu->watches[tu->nr_watches++] = (struct pw_tuner_watch){ wd, t->hierarchy, t->cgroup_id };
}

static void unwatch_quota(struct pw_tuner *tu, int hierarchy, uint64_t id)
{
	for (size_t i = 0; i < tu->nr_watches; i++)
		if (tu->watches[i].hierarchy == hierarchy && tu->watches[i].id == id) {
			inotify_rm_watch(tu->watch_fd, tu->watches[i].wd);
			tu->watches[i] = tu->watches[--tu->nr_watches];
			return;
		}
}

#define FIRST_TARGET -2
#define NO_TARGET -2

/* The targets of t after prev (FIRST_TARGET: the first): its CPUs, or its cgroups; NO_TARGET at the end. */
static int next_target(const struct pw_tuning *t, int prev)
{
	if (!file_knobs[t->knob].per_cpu)
		return prev == FIRST_TARGET ? 0 : prev == 0 && t->with_parent ? 1 : NO_TARGET;
	prev = pw_cpus_next(&t->cpus, prev < 0 ? -1 : prev);
	return prev < 0 ? NO_TARGET : prev;
}

/*
 * The pod's quota is shared by its containers: another container of the pod
 * whose quota is lifted (other than t), or NULL.
 */
static const struct pw_tuning *pod_sibling(const struct pw_tuner *tu, const struct pw_tuning *t)
{
	char mine[PATH_MAX], theirs[PATH_MAX];

	if (t->knob != PW_KNOB_QUOTA || !t->with_parent)
		return NULL;
	quota_cgroup(t, 1, mine, sizeof(mine));
	for (size_t i = 0; i < pw_journal_tuning_count(tu->journal); i++) {
		const struct pw_tuning *o = pw_journal_tuning_at(tu->journal, i);

		if (o == t || o->knob != PW_KNOB_QUOTA || !o->with_parent ||
		    o->hierarchy != t->hierarchy)
			continue;
		quota_cgroup(o, 1, theirs, sizeof(theirs));
		if (!strcmp(mine, theirs))
			return o;
	}
	return NULL;
}

static const struct pw_knob_saved *saved_of(const struct pw_tuning *t, int target)
{
	for (size_t i = 0; i < t->nr_saved; i++)
		if (t->saved[i].target == target)
			return &t->saved[i];
	return NULL;
}

/*
 * Make the kernel hold what t says on every target: a target not yet
 * changed, or changed since by someone else, is saved as it is now (the
 * value to restore), then written, then read back.
 */
static int enforce_file_knob(struct pw_tuner *tu, const struct pw_tuning *t)
{
	const struct file_knob *fk = &file_knobs[t->knob];
	char set[PW_KNOB_VALUE_LEN];
	int hierarchy = t->hierarchy, err = 0;
	uint64_t id = t->cgroup_id;
	enum pw_knob knob = t->knob;

	fk->value(tu, t, set, sizeof(set));
	for (int target = next_target(t, FIRST_TARGET); target != NO_TARGET;
	     target = next_target(t, target)) {
		struct pw_knob_saved s = { .target = target };
		const struct pw_knob_saved *was = saved_of(t, target);
		const struct pw_tuning *sibling = target == 1 ? pod_sibling(tu, t) : NULL;
		const struct pw_knob_saved *pod_was = sibling ? saved_of(sibling, 1) : NULL;
		char now[PW_KNOB_OLD_LEN];
		ssize_t n = fk->read(tu, t, target, now, sizeof(now));

		if (n < 0) {
			err = n;
			break;
		}
		if (was && holds(now, was->set))
			continue;
		if (fk->check) {
			err = fk->check(tu, target, set);
			if (err)
				break;
		}
		/* The pod's quota as it was before any of its containers: not its lifted one. */
		snprintf(s.old, sizeof(s.old), "%s",
			 pod_was && holds(now, pod_was->set) ? pod_was->old : now);
		snprintf(s.set, sizeof(s.set), "%s", set);
		if (was)
			pw_info("%s was rewritten to '%s' (not by the agent): applied again",
				tuning_name(t, (char[64]){ 0 }, 64), now);
		/* Journal first: a crash after the write still knows what to put back. */
		err = pw_journal_tuning_save(tu->journal, hierarchy, id, knob, &s);
		if (!err)
			err = fk->write(tu, t, target, set);
		if (!err && !tu->files.dry_run) {
			n = fk->read(tu, t, target, now, sizeof(now));
			if (n >= 0 && !holds(now, set)) {
				pw_err("%s: read back '%s' after writing '%s'",
				       tuning_name(t, (char[64]){ 0 }, 64), now, set);
				err = -EIO;
			}
		}
		if (err)
			break;
		/* The journal may have moved its entries. */
		t = pw_journal_find_tuning(tu->journal, hierarchy, id, knob);
	}
	return err;
}

/* Undo t where it still holds what was written, and drop it from the journal. */
static int revert_tuning(struct pw_tuner *tu, const struct pw_tuning *t, const char *why)
{
	int hierarchy = t->hierarchy, err = 0;
	uint64_t id = t->cgroup_id;
	enum pw_knob knob = t->knob;
	char name[64];

	pw_info("revert %s of %.12s: %s", pw_knob_name(knob), PW_Q(t->container_id), why);
	tuning_name(t, name, sizeof(name));
	if (knob == PW_KNOB_QUOTA)
		unwatch_quota(tu, hierarchy, id);
	if (knob == PW_KNOB_IRQ) {
		pw_journal_remove_tuning(tu->journal, hierarchy, id, knob);
		return pw_irq_affinity_sync(&tu->irqs);
	}
	for (size_t i = 0; i < t->nr_saved; i++) {
		const struct pw_knob_saved *s = &t->saved[i];
		char now[PW_KNOB_OLD_LEN];
		ssize_t n = file_knobs[knob].read(tu, t, s->target, now, sizeof(now));
		int werr;

		/* Gone with its cgroup (quota): nothing is left to restore. */
		if (n == -ENOENT || n == -ENODEV)
			continue;
		if (n < 0) {
			err = err ? err : (int)n;
			continue;
		}
		/* Another container of the pod still runs without a quota: the pod's stays lifted. */
		if (s->target == 1 && pod_sibling(tu, t))
			continue;
		if (!holds(now, s->set)) {
			/* Not written yet (a cut apply) is nothing to undo; anything else is theirs. */
			if (!holds(now, s->old))
				pw_warn("%s: '%s' is left as it is: it was changed from '%s' by "
					"someone else",
					name, now, s->set);
			continue;
		}
		werr = file_knobs[knob].write(tu, t, s->target, s->old);
		if (werr && werr != -ENOENT && werr != -ENODEV)
			err = err ? err : werr;
	}
	if (err) {
		tu->errors++;
		pw_err("revert of %s failed: %s; the journal keeps it", name, strerror(-err));
		return err;
	}
	return pw_journal_remove_tuning(tu->journal, hierarchy, id, knob);
}

/*
 * A knob this host does not offer (no cpufreq, no PM QoS file), or whose
 * files are read-only here (a container's /sys and /proc/irq are, unless
 * privileged): said once, not tried again.
 */
static bool unavailable(struct pw_tuner *tu, enum pw_knob k, int err)
{
	if ((err != -ENOENT && err != -EROFS) || k == PW_KNOB_QUOTA)
		return false;
	if (!tu->unavailable_said[k])
		pw_warn("%s is not applied: %s", pw_knob_name(k),
			err == -EROFS ? "its files are read-only here (in a container, /sys and "
					"/proc/irq are, unless it is privileged: docs/DEPLOY.md)" :
					"this kernel or machine does not offer it (no such file)");
	tu->unavailable_said[k] = true;
	return true;
}

/*
 * Whether c's parent cgroup is its pod's (kubelet's "pod<uid>", or
 * "...-pod<uid_with_underscores>.slice" under systemd), whose quota is
 * the sum of its containers' limits and throttles them as much.
 */
static bool parent_is_pod(const struct pw_container *c)
{
	const char *end = strrchr(c->cg->path, '/'), *start;
	char parent[256];

	if (!c->pod_uid || !end || end == c->cg->path)
		return false;
	for (start = end; start > c->cg->path && start[-1] != '/'; start--)
		;
	snprintf(parent, sizeof(parent), "%.*s", (int)(end - start), start);
	for (char *p = parent; *p; p++)
		if (*p == '_')
			*p = '-';
	return strstr(parent, c->pod_uid) != NULL;
}

static int apply(struct pw_tuner *tu, const struct pw_container *c, enum pw_knob k,
		 const char *value, const char *why)
{
	struct pw_tuning want = {
		.container_id = (char *)c->id,
		.path = c->cg->path,
		.hierarchy = c->cg->hierarchy,
		.cgroup_id = c->cg->id,
		.knob = k,
		.cpus = c->cg->cpus->cpus,
		.with_parent = k == PW_KNOB_QUOTA && parent_is_pod(c),
	};
	const struct pw_tuning *t;
	char cpus[PW_CPULIST_LEN];
	int err;

	pw_cpus_format(&want.cpus, cpus, sizeof(cpus));
	snprintf(want.value, sizeof(want.value), "%s", value);
	pw_info("apply %s: %s to %.12s on CPUs %s (%s)", pw_knob_name(k), value, PW_Q(c->id), cpus,
		why);
	err = pw_journal_add_tuning(tu->journal, &want);
	if (err)
		return err;
	t = pw_journal_find_tuning(tu->journal, want.hierarchy, want.cgroup_id, k);
	/* Watched before it is read: a rewrite after the read is an event, never lost. */
	if (k == PW_KNOB_QUOTA)
		watch_quota(tu, t);
	if (k == PW_KNOB_IRQ)
		err = pw_irq_affinity_sync(&tu->irqs);
	else
		err = enforce_file_knob(tu, t);
	if (!err)
		return 0;
	if (!unavailable(tu, k, err)) {
		tu->errors++;
		pw_err("applying %s to %.12s failed: %s; undoing what was done", pw_knob_name(k),
		       PW_Q(c->id), strerror(-err));
	}
	t = pw_journal_find_tuning(tu->journal, want.hierarchy, want.cgroup_id, k);
	if (t)
		revert_tuning(tu, t, "it could not be applied");
	return err;
}

void pw_tuner_update(struct pw_tuner *tu, const struct pw_container *c,
		     const struct pw_knob_wants *wants, const char *why)
{
	for (int k = 0; k < PW_NR_KNOBS; k++) {
		const struct pw_tuning *t =
			pw_journal_find_tuning(tu->journal, c->cg->hierarchy, c->cg->id, k);
		const char *value = wants && wants->value[k][0] ? wants->value[k] : NULL;

		/* The quota is the cgroup's: new CPUs leave it as it is. */
		if (t && value && !strcmp(t->value, value) && c->cg->cpus &&
		    (k == PW_KNOB_QUOTA || pw_cpus_equal(&t->cpus, &c->cg->cpus->cpus)))
			continue;
		if (t && revert_tuning(tu, t, value ? "its value or CPUs changed" : why))
			continue;
		if (value && tu->unavailable_said[k])
			continue;
		if (value && c->cg->cpus)
			apply(tu, c, k, value, why);
	}
}

bool pw_tuner_has(const struct pw_tuner *tu, int hierarchy, uint64_t id)
{
	for (int k = 0; k < PW_NR_KNOBS; k++)
		if (pw_journal_find_tuning(tu->journal, hierarchy, id, k))
			return true;
	return false;
}

void pw_tuner_revert_gone(struct pw_tuner *tu,
			  bool (*exists)(void *ctx, int hierarchy, uint64_t id), void *ctx)
{
	for (size_t i = pw_journal_tuning_count(tu->journal); i-- > 0;) {
		const struct pw_tuning *t = pw_journal_tuning_at(tu->journal, i);

		if (t && !exists(ctx, t->hierarchy, t->cgroup_id))
			revert_tuning(tu, t, "its container is gone");
	}
}

void pw_tuner_enforce_all(struct pw_tuner *tu)
{
	for (size_t i = pw_journal_tuning_count(tu->journal); i-- > 0;) {
		const struct pw_tuning *t = pw_journal_tuning_at(tu->journal, i);

		if (!t || t->knob == PW_KNOB_IRQ)
			continue;
		if (t->knob == PW_KNOB_QUOTA)
			watch_quota(tu, t);
		if (enforce_file_knob(tu, t)) {
			tu->errors++;
			t = pw_journal_tuning_at(tu->journal, i);
			revert_tuning(tu, t, "it could not be completed");
		}
	}
}

int pw_tuner_revert_all(struct pw_tuner *tu, const char *why)
{
	int first = 0, err;

	/* Every IRQ entry first, then one give-back of every IRQ (and those a crash left). */
	pw_journal_begin(tu->journal);
	for (size_t i = pw_journal_tuning_count(tu->journal); i-- > 0;) {
		const struct pw_tuning *t = pw_journal_tuning_at(tu->journal, i);

		if (t->knob != PW_KNOB_IRQ)
			continue;
		pw_info("revert %s of %.12s: %s", pw_knob_name(t->knob), PW_Q(t->container_id),
			why);
		pw_journal_remove_tuning(tu->journal, t->hierarchy, t->cgroup_id, t->knob);
	}
	first = pw_journal_commit(tu->journal);
	err = pw_irq_affinity_sync(&tu->irqs);
	if (err && !first)
		first = err;
	for (size_t i = pw_journal_tuning_count(tu->journal); i-- > 0;) {
		err = revert_tuning(tu, pw_journal_tuning_at(tu->journal, i), why);
		if (err && !first)
			first = err;
	}
	return first;
}

void pw_tuner_read_watches(struct pw_tuner *tu)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	while ((n = read(tu->watch_fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			p += sizeof(*ev) + ev->len;
			for (size_t i = 0; i < tu->nr_watches; i++) {
				const struct pw_tuning *t;

				if (tu->watches[i].wd != ev->wd)
					continue;
				t = pw_journal_find_tuning(tu->journal, tu->watches[i].hierarchy,
							   tu->watches[i].id, PW_KNOB_QUOTA);
				if (t && enforce_file_knob(tu, t))
					tu->errors++;
				break;
			}
		}
	}
}

void pw_tuner_rescan(struct pw_tuner *tu)
{
	/* A crash's leftovers too: saved IRQs, an irqbalance ban. */
	bool irqs = pw_journal_irq_count(tu->journal) > 0 || pw_journal_irqbalance(tu->journal);

	for (size_t i = 0; !irqs && i < pw_journal_tuning_count(tu->journal); i++)
		irqs = pw_journal_tuning_at(tu->journal, i)->knob == PW_KNOB_IRQ;
	if (irqs && pw_irq_affinity_sync(&tu->irqs))
		tu->errors++;
}

int pw_tuner_open(struct pw_tuner *tu, const struct pw_tuner_config *cfg)
{
	int err;

	memset(tu, 0, sizeof(*tu));
	tu->watch_fd = -1;
	tu->journal = cfg->journal;
	tu->mounts = cfg->mounts;
	tu->host = *cfg->host;
	err = pw_kernel_files_open(&tu->files, cfg->proc, cfg->sys);
	if (err)
		return err;
	tu->files.dry_run = cfg->dry_run;
	tu->irqs.journal = tu->journal;
	tu->irqs.files = &tu->files;
	tu->irqs.host = &tu->host;
	/* The host's irqbalance is only the real /proc's, never a test's fake one. */
	tu->irqs.irqbalance_dir = cfg->proc ? NULL : PW_IRQBALANCE_DIR;
	if (cfg->follow) {
		tu->watch_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (tu->watch_fd < 0) {
			err = -errno;
			pw_err("cannot follow quota rewrites: inotify: %s", strerror(-err));
			pw_kernel_files_close(&tu->files);
			return err;
		}
	}
	return 0;
}

void pw_tuner_close(struct pw_tuner *tu)
{
	if (!tu->journal)
		return;
	if (tu->watch_fd >= 0)
		close(tu->watch_fd);
	pw_kernel_files_close(&tu->files);
	free(tu->watches);
	pw_irq_affinity_free(&tu->irqs);
	memset(tu, 0, sizeof(*tu));
	tu->watch_fd = -1;
}

void pw_tuner_counts(const struct pw_tuner *tu, struct pw_knob_counts *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < pw_journal_tuning_count(tu->journal); i++)
		out->applied[pw_journal_tuning_at(tu->journal, i)->knob]++;
	out->irqs_moved = pw_journal_irq_count(tu->journal);
	out->irqs_unmovable = tu->irqs.nr_unmovable;
	out->errors = tu->errors;
}
