// SPDX-License-Identifier: GPL-2.0-only
/*
 * cgroup v1: cpuset.sched_load_balance. A CPU leaves load balancing only
 * when no load-balanced cpuset spans it: the root goes to 0, the host's
 * tasks move to a housekeeping cpuset (load balanced) that excludes the
 * isolated CPUs, and every cpuset that spans an isolated CPU goes to 0 -
 * the container's chain, but also, say, a sibling pod's cgroup that still
 * has every CPU. Their other CPUs stay balanced inside the housekeeping
 * domain. A CPU given back rejoins that domain at once; when the last
 * isolation goes, all of it is undone: with the root at 0, separate
 * balanced cpusets stay separate domains, so only the root back at 1 really
 * restores balancing.
 */
#include "backend.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HOUSEKEEPING "/pinwatch.housekeeping"
#define LB "cpuset.sched_load_balance"

static int hierarchy(const struct pw_backend_ctx *ctx)
{
	return ctx->mounts->v1_cpuset_hierarchy;
}

/* The root's CPUs less every CPU isolated by v1 entries of the journal. */
static int housekeeping_cpus(const struct pw_backend_ctx *ctx, char *buf, size_t size)
{
	struct pw_cpus cpus, isolated;
	char text[PW_CPULIST_LEN * 4];
	const char *why;

	if (pw_cgroup_read(ctx->mounts->v1_cpuset_fd, "", "cpuset.cpus", text, sizeof(text)) < 0 ||
	    pw_cpus_parse(text, strlen(text), &cpus, &why))
		return -EIO;
	pw_cpus_clear(&isolated);
	for (int i = 0; i < ctx->journal->nr; i++)
		if (!strcmp(ctx->journal->items[i].backend, "v1"))
			pw_cpus_or(&isolated, &ctx->journal->items[i].cpus);
	for (size_t w = 0; w < PW_MAX_CPUS / 64; w++)
		cpus.bits[w] &= ~isolated.bits[w];
	if (pw_cpus_empty(&cpus))
		return -EINVAL; /* the host keeps at least one CPU */
	pw_cpus_format(&cpus, buf, size);
	return 0;
}

/*
 * Whether pid is still in cpuset from (its /proc/PID/cpuset). A runtime may
 * be moving its container's first task out of the root at this moment:
 * moving it again would steal it from its container.
 */
static bool still_in(const char *pid, const char *from)
{
	char path[64], cur[PW_META_PATH_LEN];
	FILE *f;
	bool same;

	snprintf(path, sizeof(path), "/proc/%.*s/cpuset", (int)strcspn(pid, "\n"), pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	same = fgets(cur, sizeof(cur), f) && (cur[strcspn(cur, "\n")] = '\0', 1) &&
	       !strcmp(cur, from[0] ? from : "/");
	fclose(f);
	return same;
}

/* Move every task of cgroup from into cgroup to; returns how many would not move. */
static int move_tasks(const struct pw_backend_ctx *ctx, const char *from, const char *to)
{
	int root = ctx->mounts->v1_cpuset_fd, in, out, failed = 0, moved = 0;
	char path[PW_META_PATH_LEN + 32], pid[32];
	FILE *f;

	snprintf(path, sizeof(path), "%s/cgroup.procs", from);
	in = pw_cgroup_open(root, path, O_RDONLY);
	if (in < 0)
		return in;
	f = fdopen(in, "r");
	if (!f) {
		close(in);
		return -errno;
	}
	snprintf(path, sizeof(path), "%s/cgroup.procs", to);
	while (fgets(pid, sizeof(pid), f)) {
		if (!still_in(pid, from))
			continue;
		if (ctx->dry_run) {
			moved++;
			continue;
		}
		out = pw_cgroup_open(root, path, O_WRONLY);
		/* Kernel threads bound to a CPU cannot move: they stay, as they must. */
		if (out < 0 || write(out, pid, strlen(pid)) < 0)
			failed++;
		else
			moved++;
		if (out >= 0)
			close(out);
	}
	fclose(f);
	fprintf(stderr, "pinwatch: %smoved %d tasks from cpuset '%s' to '%s' (%d could not move)\n",
		ctx->dry_run ? "dry run: would have " : "", moved, from[0] ? from : "/",
		to[0] ? to : "/", failed);
	return failed;
}

static bool has_v1_entries(const struct pw_journal *j)
{
	for (int i = 0; i < j->nr; i++)
		if (!strcmp(j->items[i].backend, "v1"))
			return true;
	return false;
}

static bool has_tasks(const struct pw_backend_ctx *ctx, const char *cgroup)
{
	char buf[16];

	return !ctx->dry_run &&
	       pw_cgroup_read(ctx->mounts->v1_cpuset_fd, cgroup, "cgroup.procs", buf, sizeof(buf)) > 0;
}

static int setup_housekeeping(struct pw_backend_ctx *ctx)
{
	char cpus[PW_CPULIST_LEN], mems[PW_CPULIST_LEN];
	int h = hierarchy(ctx), err;

	if (!ctx->journal->v1_housekeeping[0]) {
		snprintf(ctx->journal->v1_housekeeping, sizeof(ctx->journal->v1_housekeeping), "%s",
			 HOUSEKEEPING);
		err = pw_journal_save(ctx->journal);
		if (err)
			return err;
	}
	err = housekeeping_cpus(ctx, cpus, sizeof(cpus));
	if (!err && pw_cgroup_read(ctx->mounts->v1_cpuset_fd, "", "cpuset.mems", mems,
				   sizeof(mems)) < 0)
		err = -EIO;
	if (!err)
		err = pw_cgroup_mkdir(ctx->mounts, h, HOUSEKEEPING, ctx->dry_run);
	if (!err)
		err = pw_cgroup_write(ctx->mounts, h, HOUSEKEEPING, "cpuset.mems", mems, ctx->dry_run);
	if (!err)
		err = pw_cgroup_write(ctx->mounts, h, HOUSEKEEPING, "cpuset.cpus", cpus, ctx->dry_run);
	if (!err)
		move_tasks(ctx, "", HOUSEKEEPING);
	if (!err)
		err = pw_cgroup_write(ctx->mounts, h, "", LB, "0", ctx->dry_run);
	return err;
}

static void teardown_housekeeping(struct pw_backend_ctx *ctx)
{
	char cpus[PW_CPULIST_LEN * 4];
	int h = hierarchy(ctx), left = 1;

	/* Balancing back first; then the housekeeping cpuset confines no task any more. */
	pw_cgroup_write(ctx->mounts, h, "", LB, "1", ctx->dry_run);
	for (int i = ctx->journal->nr_unbalanced - 1; i >= 0; i--) {
		int err = pw_cgroup_write(ctx->mounts, h, ctx->journal->v1_unbalanced[i], LB, "1",
					  ctx->dry_run);

		if (err && err != -ENOENT)
			break;
		ctx->journal->nr_unbalanced = i;
	}
	pw_journal_save(ctx->journal);
	if (pw_cgroup_read(ctx->mounts->v1_cpuset_fd, "", "cpuset.cpus", cpus, sizeof(cpus)) >= 0)
		pw_cgroup_write(ctx->mounts, h, HOUSEKEEPING, "cpuset.cpus", cpus, ctx->dry_run);
	/* Tasks in it may fork while they move: a few passes empty it. */
	for (int pass = 0; pass < 5 && left; pass++)
		left = move_tasks(ctx, HOUSEKEEPING, "") || has_tasks(ctx, HOUSEKEEPING);
	if (pw_cgroup_rmdir(ctx->mounts, h, HOUSEKEEPING, ctx->dry_run))
		return; /* the journal keeps it: the next restore tries again */
	ctx->journal->v1_housekeeping[0] = '\0';
	pw_journal_save(ctx->journal);
}

static int resize_housekeeping(struct pw_backend_ctx *ctx)
{
	char cpus[PW_CPULIST_LEN];
	int err = housekeeping_cpus(ctx, cpus, sizeof(cpus));

	if (!err)
		err = pw_cgroup_write(ctx->mounts, hierarchy(ctx), HOUSEKEEPING, "cpuset.cpus", cpus,
				      ctx->dry_run);
	return err;
}

/* The CPUs of every v1 isolation in the journal. */
static void isolated_cpus(const struct pw_journal *j, struct pw_cpus *out)
{
	pw_cpus_clear(out);
	for (int i = 0; i < j->nr; i++)
		if (!strcmp(j->items[i].backend, "v1"))
			pw_cpus_or(out, &j->items[i].cpus);
}

int pw_v1_unbalance(struct pw_backend_ctx *ctx, const char *path)
{
	struct pw_journal *j = ctx->journal;
	char text[PW_CPULIST_LEN * 4], lb[8];
	struct pw_cpus cpus, isolated;
	const char *why;
	int err;

	isolated_cpus(j, &isolated);
	if (pw_cpus_empty(&isolated) || !strcmp(path, HOUSEKEEPING) || !path[0] ||
	    !strcmp(path, "/"))
		return 0;
	if (pw_cgroup_read(ctx->mounts->v1_cpuset_fd, path, LB, lb, sizeof(lb)) < 0 ||
	    strcmp(lb, "1") ||
	    pw_cgroup_read(ctx->mounts->v1_cpuset_fd, path, "cpuset.cpus", text, sizeof(text)) < 0 ||
	    pw_cpus_parse(text, strlen(text), &cpus, &why) || !pw_cpus_intersects(&cpus, &isolated))
		return 0;
	if (j->nr_unbalanced == PW_MAX_UNBALANCED)
		return -ENOSPC;
	snprintf(j->v1_unbalanced[j->nr_unbalanced++], PW_META_PATH_LEN, "%s", path);
	err = pw_journal_save(j);
	if (!err)
		err = pw_cgroup_write(ctx->mounts, hierarchy(ctx), path, LB, "0", ctx->dry_run);
	return err;
}

/* pw_v1_unbalance() for every cpuset below dir_fd (the cgroup at path). */
static int unbalance_tree(struct pw_backend_ctx *ctx, char *path, size_t len, int depth)
{
	int dir_fd, err = 0;
	struct dirent *de;
	DIR *dir;

	err = pw_v1_unbalance(ctx, path);
	if (err || depth > 32)
		return err;
	dir_fd = pw_cgroup_open(ctx->mounts->v1_cpuset_fd, len ? path : "", O_RDONLY | O_DIRECTORY);
	if (dir_fd < 0)
		return 0; /* gone meanwhile */
	dir = fdopendir(dir_fd);
	if (!dir) {
		close(dir_fd);
		return -errno;
	}
	while (!err && (de = readdir(dir))) {
		size_t n = strlen(de->d_name);

		if (de->d_type != DT_DIR || de->d_name[0] == '.' || len + 1 + n >= PW_META_PATH_LEN)
			continue;
		path[len] = '/';
		memcpy(path + len + 1, de->d_name, n + 1);
		err = unbalance_tree(ctx, path, len + 1 + n, depth + 1);
		path[len] = '\0';
	}
	closedir(dir);
	return err;
}

int pw_v1_apply(struct pw_backend_ctx *ctx, const struct pw_isolation *want)
{
	struct pw_journal *j = ctx->journal;
	struct pw_isolation *iso;
	int err;
	if (j->nr == PW_MAX_ISOLATED)
		return -ENOSPC;
	iso = &j->items[j->nr++];
	*iso = *want;
	iso->changed_levels = 0;
	err = pw_journal_save(j);
	if (err)
		return err;
	return pw_v1_enforce(ctx);
}

int pw_v1_enforce(struct pw_backend_ctx *ctx)
{
	char path[PW_META_PATH_LEN] = "";
	int err;

	if (!has_v1_entries(ctx->journal))
		return 0;
	/*
	 * Every step is idempotent, so the same call completes a layout that a
	 * crash cut short: the housekeeping cpuset at the root's CPUs less the
	 * isolated ones, the root's tasks in it, the root at 0, and every cpuset
	 * that spans an isolated CPU at 0.
	 */
	err = setup_housekeeping(ctx);
	if (!err)
		err = unbalance_tree(ctx, path, 0, 0);
	return err;
}

int pw_v1_revert(struct pw_backend_ctx *ctx, struct pw_isolation *iso)
{
	struct pw_journal *j = ctx->journal;
	int err;

	pw_journal_remove(j, iso);
	err = pw_journal_save(j);
	if (err)
		return err;
	/* Its CPUs rejoin the housekeeping domain; the last one undoes the layout. */
	if (has_v1_entries(j))
		return resize_housekeeping(ctx);
	pw_v1_cleanup(ctx);
	return 0;
}

void pw_v1_cleanup(struct pw_backend_ctx *ctx)
{
	if ((ctx->journal->v1_housekeeping[0] || ctx->journal->nr_unbalanced) &&
	    !has_v1_entries(ctx->journal))
		teardown_housekeeping(ctx);
}
