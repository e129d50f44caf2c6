/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The cgroup mounts, and safe access below them. Paths come from cgroup
 * names that containers choose: every open resolves beneath the mount's
 * directory fd and refuses symlinks (openat2 RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS), and a file opened for writing must be a cgroup file
 * on that very mount (fstatfs magic and mount id), so a bind mount over a
 * cgroup file cannot redirect the agent's write.
 */
#ifndef PW_CGROUPFS_H
#define PW_CGROUPFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "beneath.h"
#include "hierarchy.h"

#define PW_MOUNT_PATH_LEN 256

struct pw_mount {
	char path[PW_MOUNT_PATH_LEN]; /* "" when not mounted */
	int fd;			      /* O_PATH directory fd, -1 when absent */
	uint64_t mnt_id;	      /* the mount's id (statx STATX_MNT_ID) */
};

struct pw_mounts {
	struct pw_mount v1_cpuset, v2;
	int v1_cpuset_hierarchy; /* hierarchy id of v1 cpuset; -1 if none */
	bool v1_cpuset_v2_mode;	 /* mounted with cpuset_v2_mode: effective CPUs apart */
	/* The v1 cpu controller's (CFS quota), and its hierarchy id; -1 if none. */
	struct pw_mount v1_cpu;
	int v1_cpu_hierarchy;
	struct pw_hierarchies hierarchies;
};

/* Find and open the v1 cpuset, v1 cpu and cgroup2 mounts; -ENOENT if neither cpuset nor cgroup2 exists. */
int pw_mounts_open(struct pw_mounts *m);
void pw_mounts_close(struct pw_mounts *m);

/*
 * The file with the CPUs the kernel gives a cpuset of hierarchy (0 for
 * cgroup2): cgroup2's cpuset.cpus.effective; v1's cpuset.cpus itself
 * (the legacy hierarchy keeps every cpuset's CPUs within its parent's and
 * edits them on hotplug: they are the effective ones, one read), unless
 * mounted with cpuset_v2_mode (cpuset.effective_cpus).
 */
const char *pw_mounts_effective_cpus_file(const struct pw_mounts *m, int hierarchy);

/* The mount of hierarchy (0 for cgroup2), or NULL if we have none. */
const struct pw_mount *pw_mounts_get(const struct pw_mounts *m, int hierarchy);

/* The directory fd of hierarchy (0 for cgroup2), or -1 if we have none. */
int pw_mounts_fd(const struct pw_mounts *m, int hierarchy);

/* The hierarchy that carries the cpu controller's files: v1 cpu where mounted, else cgroup2 (0). */
int pw_mounts_cpu_hierarchy(const struct pw_mounts *m);

/* The hierarchy that carries cpuset files: v1 cpuset where mounted, else cgroup2 (0). */
int pw_mounts_cpuset_hierarchy(const struct pw_mounts *m);

/*
 * Take the host's lock: an exclusive flock on the root directory of the
 * hierarchy that carries cpusets. The settings the agent changes are the
 * host's (the root's load balancing, partitions), so one agent or restore
 * at a time manages them, whatever its state directory. Returns the fd that
 * holds the lock (closing it releases it), -EBUSY when another holds it
 * (said), or -errno.
 */
int pw_mounts_lock_host(const struct pw_mounts *m);

/* Cgroup file rel/name beneath root_fd (a mount), as pw_read_beneath() reads. */
ssize_t pw_cgroup_read(int root_fd, const char *rel, const char *name, char *buf, size_t size);

/* Nanoseconds spent inside write(2) on cgroup files, ever (what the kernel itself took). */
uint64_t pw_cgroup_write_ns(void);

/*
 * Write value to cgroup file rel/name of hierarchy with one write(2), after
 * checking that the file is a cgroup file on that hierarchy's mount. The
 * result is logged with path and value, success or failure: every change
 * the agent makes to the kernel leaves a line. dry_run logs and writes
 * nothing. Returns 0 or -errno.
 */
int pw_cgroup_write(const struct pw_mounts *m, int hierarchy, const char *rel, const char *name,
		    const char *value, bool dry_run);

/*
 * Whether the cgroup rel has tasks: cgroup2 says so in cgroup.events
 * (itself or below); a v1 cgroup has tasks in its cgroup.procs or not.
 * dir_fd, when not -1, is the cgroup's open directory and rel is not used.
 */
bool pw_cgroup_populated(const struct pw_mounts *m, int hierarchy, const char *rel, int dir_fd);

/*
 * Whether the directory of cgroup rel (or dir_fd, when not -1) belongs to
 * root: a cgroup a user may create (a delegated subtree) is a user's.
 */
bool pw_cgroup_root_owned(const struct pw_mounts *m, int hierarchy, const char *rel, int dir_fd);

/* mkdir rel beneath hierarchy's mount; 0 if it exists. */
int pw_cgroup_mkdir(const struct pw_mounts *m, int hierarchy, const char *rel, bool dry_run);

/* rmdir rel beneath hierarchy's mount; 0 if it is already gone. */
int pw_cgroup_rmdir(const struct pw_mounts *m, int hierarchy, const char *rel, bool dry_run);

#endif /* PW_CGROUPFS_H */
