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
 *
 * A container's CPUs are its own (the policy isolates exclusive CPUs only),
 * so adding them to, and removing them from, a shared ancestor's exclusive
 * set never touches another isolation's CPUs: the whole plan is journaled
 * once, before the first write, and undoing any prefix of it is safe.
 */
#include "backend.h"

#include <errno.h>
#include <limits.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "privileges.h"

#define EXCL "cpuset.cpus.exclusive"
#define PARTITION "cpuset.cpus.partition"

static int v2_hierarchy(const struct pw_mounts *m)
{
	return m->v2.fd < 0 ? -1 : 0;
}

/*
 * Remote partitions came with cpuset.cpus.exclusive and the root's
 * cpuset.cpus.isolated (6.7; RHEL 9's 5.14 has them backported): the files
 * say, never the kernel's version. Without them (Debian 12's and Amazon
 * Linux 2023's 6.1) a local partition would need every ancestor to be one,
 * which a kubelet layout cannot give: load balancing stays on.
 */
static const char *v2_unsupported(const struct pw_mounts *m)
{
	if (m->v2.fd < 0 || faccessat(m->v2.fd, "cpuset.cpus.isolated", F_OK, 0))
		return "this kernel has no cpuset.cpus.exclusive (cgroup v2 remote partitions: "
		       "6.7 or a backport)";
	return NULL;
}

/* Add cpus to (add) or take them from the exclusive set of the cgroup at path. */
static int update_exclusive(struct pw_backend *b, const char *path, const struct pw_cpus *cpus,
			    bool add)
{
	char current[PW_CPULIST_LEN * 4], next[PW_CPULIST_LEN];
	ssize_t n = pw_cgroup_read(b->mounts->v2.fd, path, EXCL, current, sizeof(current));
	struct pw_cpus set;
	const char *why;

	if (n < 0)
		return (int)n;
	if (pw_cpus_parse(current, strlen(current), &set, &why))
		return -EIO;
	/* Only what is missing (or still there) is written: the same call completes or undoes. */
	if (add ? pw_cpus_subset(cpus, &set) : !pw_cpus_intersects(cpus, &set))
		return 0;
	if (add)
		pw_cpus_or(&set, cpus);
	else
		pw_cpus_andnot(&set, cpus);
	pw_cpus_format(&set, next, sizeof(next));
	return pw_cgroup_write(b->mounts, 0, path, EXCL, next[0] ? next : "\n", b->dry_run);
}

static int v2_enforce(struct pw_backend *b, const struct pw_isolation *iso)
{
	char prefix[PATH_MAX], buf[PW_CPULIST_LEN * 4];
	int levels = pw_path_level(iso->path), err;
	bool raised;

	if (levels < 1)
		return -EINVAL; /* the root is no container */
	/* The plan first: every level and the partition, then the writes. */
	err = pw_journal_set_v2_progress(b->journal, iso->hierarchy, iso->cgroup_id, levels, true);
	if (err)
		return err;
	for (int level = 1; level <= levels; level++) {
		pw_path_prefix(iso->path, level, prefix, sizeof(prefix));
		err = update_exclusive(b, prefix, &iso->cpus, true);
		if (err)
			return err;
	}
	if (!b->dry_run &&
	    pw_cgroup_read(b->mounts->v2.fd, iso->path, PARTITION, buf, sizeof(buf)) >= 0 &&
	    !strcmp(buf, "isolated"))
		return 0;
	raised = pw_raise_capability(CAP_SYS_ADMIN);
	err = pw_cgroup_write(b->mounts, 0, iso->path, PARTITION, "isolated", b->dry_run);
	if (raised)
		pw_lower_capability(CAP_SYS_ADMIN);
	if (err || b->dry_run)
		return err;
	/* Refusal shows only in what reads back: "isolated invalid (<reason>)". */
	if (pw_cgroup_read(b->mounts->v2.fd, iso->path, PARTITION, buf, sizeof(buf)) < 0)
		return -EIO;
	if (strcmp(buf, "isolated")) {
		pw_err("the kernel did not make '%s%s' an isolated partition: %s reads '%s'",
		       b->mounts->v2.path, PW_Q(iso->path), PARTITION, PW_Q(buf));
		return -EINVAL;
	}
	return 0;
}

static int v2_apply(struct pw_backend *b, const struct pw_isolation *want)
{
	char buf[PW_CPULIST_LEN * 4];
	struct pw_isolation iso = *want;
	int err;

	if (pw_cgroup_read(b->mounts->v2.fd, want->path, EXCL, buf, sizeof(buf)) < 0) {
		pw_err("'%s%s' has no %s: the v2 backend needs a kernel of 6.7 or later",
		       b->mounts->v2.path, PW_Q(want->path), EXCL);
		return -EOPNOTSUPP;
	}
	/* The whole plan in one journal write: enforce then finds it there. */
	iso.exclusive_levels = pw_path_level(want->path);
	iso.partition = true;
	err = pw_journal_add(b->journal, &iso);
	if (!err)
		err = v2_enforce(b, &iso);
	return err;
}

static int v2_revert(struct pw_backend *b, const struct pw_isolation *iso)
{
	char prefix[PATH_MAX], buf[64];
	int err;

	/* The leaf back to member first: a partition cannot lose its exclusive CPUs. */
	if (iso->partition &&
	    pw_cgroup_read(b->mounts->v2.fd, iso->path, PARTITION, buf, sizeof(buf)) >= 0 &&
	    !strncmp(buf, "isolated", 8)) {
		err = pw_cgroup_write(b->mounts, 0, iso->path, PARTITION, "member", b->dry_run);
		if (err && err != -ENOENT)
			return err;
	}
	for (int level = iso->exclusive_levels; level >= 1; level--) {
		pw_path_prefix(iso->path, level, prefix, sizeof(prefix));
		err = update_exclusive(b, prefix, &iso->cpus, false);
		if (err && err != -ENOENT)
			return err;
	}
	return pw_journal_remove(b->journal, iso->hierarchy, iso->cgroup_id);
}

static int v2_sync(struct pw_backend *b)
{
	(void)b;
	return 0; /* partitions share nothing the journal must set up */
}

const struct pw_backend_ops pw_backend_v2 = {
	.name = "v2",
	/*
	 * The override for a delegated cgroup's files; CAP_SYS_ADMIN, without
	 * which the kernel reads a remote partition back "isolated invalid
	 * (Enable partition not permitted)".
	 */
	.held_caps = PW_CAP(CAP_DAC_OVERRIDE) | PW_CAP(CAP_SYS_ADMIN),
	.unsupported = v2_unsupported,
	.hierarchy = v2_hierarchy,
	.apply = v2_apply,
	.enforce = v2_enforce,
	.revert = v2_revert,
	.sync = v2_sync,
};
