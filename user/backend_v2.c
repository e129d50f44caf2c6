// SPDX-License-Identifier: GPL-2.0-only
/*
 * cgroup v2 (kernel >= 6.7): a remote isolated partition. Top down, each
 * ancestor's cpuset.cpus.exclusive gains the CPUs; the leaf's becomes
 * exactly them and its cpuset.cpus.partition "isolated". The kernel reports
 * a refused partition by reading back "isolated invalid (<reason>)", not by
 * a write error: every write is read back. Restore is bottom up: "member",
 * then the CPUs leave every ancestor's exclusive set (an empty set is
 * written as a newline): CPUs left in one would make the next partition
 * invalid.
 */
#include "backend.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define EXCL "cpuset.cpus.exclusive"
#define PARTITION "cpuset.cpus.partition"

/* a |= b (add) or a &= ~b (remove), as a cpulist to write ("\n" when empty). */
static void combine(const char *current, const struct pw_cpus *cpus, bool add, char *out,
		    size_t size)
{
	struct pw_cpus set;
	const char *why;

	if (pw_cpus_parse(current, strlen(current), &set, &why))
		pw_cpus_clear(&set);
	for (size_t w = 0; w < PW_MAX_CPUS / 64; w++)
		set.bits[w] = add ? set.bits[w] | cpus->bits[w] : set.bits[w] & ~cpus->bits[w];
	pw_cpus_format(&set, out, size);
	if (!out[0])
		snprintf(out, size, "\n");
}

static int update_exclusive(struct pw_backend_ctx *ctx, const char *path,
			    const struct pw_cpus *cpus, bool add)
{
	char current[PW_CPULIST_LEN * 4], next[PW_CPULIST_LEN];
	ssize_t n = pw_cgroup_read(ctx->mounts->v2_fd, path, EXCL, current, sizeof(current));

	if (n < 0)
		return (int)n;
	combine(current, cpus, add, next, sizeof(next));
	return pw_cgroup_write(ctx->mounts, 0, path, EXCL, next, ctx->dry_run);
}

int pw_v2_apply(struct pw_backend_ctx *ctx, const struct pw_isolation *want)
{
	struct pw_journal *j = ctx->journal;
	char buf[PW_CPULIST_LEN * 4];
	struct pw_isolation *iso;

	if (pw_cgroup_read(ctx->mounts->v2_fd, want->path, EXCL, buf, sizeof(buf)) < 0) {
		fprintf(stderr, "pinwatch: '%s%s' has no %s: the v2 backend needs a kernel of 6.7 "
				"or later\n",
			ctx->mounts->v2, want->path, EXCL);
		return -EOPNOTSUPP;
	}
	if (j->nr == PW_MAX_ISOLATED)
		return -ENOSPC;
	iso = &j->items[j->nr++];
	*iso = *want;
	iso->changed_levels = 0;
	return pw_v2_enforce(ctx, iso);
}

int pw_v2_enforce(struct pw_backend_ctx *ctx, struct pw_isolation *iso)
{
	struct pw_journal *j = ctx->journal;
	char prefix[PW_META_PATH_LEN], buf[PW_CPULIST_LEN * 4];
	int levels = pw_path_level(iso->path), err;

	/* Adding CPUs to a set that has them, and "isolated" again, change nothing: idempotent. */
	for (int level = 1; level <= levels && level <= 32; level++) {
		pw_path_prefix(iso->path, level, prefix, sizeof(prefix));
		iso->changed_levels |= 1U << (level - 1);
		err = pw_journal_save(j);
		if (!err)
			err = update_exclusive(ctx, prefix, &iso->cpus, true);
		if (err)
			return err;
	}
	err = pw_cgroup_write(ctx->mounts, 0, iso->path, PARTITION, "isolated", ctx->dry_run);
	if (err || ctx->dry_run)
		return err;
	/* Refusal shows only in what reads back: "isolated invalid (<reason>)". */
	if (pw_cgroup_read(ctx->mounts->v2_fd, iso->path, PARTITION, buf, sizeof(buf)) < 0)
		return -EIO;
	if (strcmp(buf, "isolated")) {
		fprintf(stderr, "pinwatch: the kernel did not make '%s%s' an isolated partition: "
				"%s reads '%s'\n",
			ctx->mounts->v2, iso->path, PARTITION, buf);
		return -EINVAL;
	}
	return 0;
}

int pw_v2_revert(struct pw_backend_ctx *ctx, struct pw_isolation *iso)
{
	struct pw_journal *j = ctx->journal;
	char prefix[PW_META_PATH_LEN];
	int levels = pw_path_level(iso->path), err;

	/* The leaf back to member first: a partition cannot lose its exclusive CPUs. */
	if (iso->changed_levels & (1U << (levels - 1))) {
		err = pw_cgroup_write(ctx->mounts, 0, iso->path, PARTITION, "member", ctx->dry_run);
		if (err && err != -ENOENT)
			return err;
	}
	for (int level = levels < 32 ? levels : 32; level >= 1; level--) {
		if (!(iso->changed_levels & (1U << (level - 1))))
			continue;
		pw_path_prefix(iso->path, level, prefix, sizeof(prefix));
		err = update_exclusive(ctx, prefix, &iso->cpus, false);
		if (err && err != -ENOENT)
			return err;
	}
	pw_journal_remove(j, iso);
	return pw_journal_save(j);
}
