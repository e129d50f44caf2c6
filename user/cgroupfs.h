/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The cgroup mounts and safe access below them. Paths come from cgroup names
 * that containers choose: every open resolves beneath the mount's directory
 * fd and refuses symlinks (openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS).
 */
#ifndef PW_CGROUPFS_H
#define PW_CGROUPFS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define PW_MOUNT_PATH_LEN 256

struct pw_mounts {
	char v1_cpuset[PW_MOUNT_PATH_LEN]; /* "" when not mounted */
	int v1_cpuset_hierarchy;	   /* hierarchy id of v1 cpuset; -1 if none */
	char v2[PW_MOUNT_PATH_LEN];	   /* "" when not mounted */
	int v1_cpuset_fd, v2_fd;	   /* O_PATH directory fds, -1 when absent */
};

/* Find and open the v1 cpuset and cgroup2 mounts; -ENOENT if neither exists. */
int pw_mounts_open(struct pw_mounts *m);
void pw_mounts_close(struct pw_mounts *m);

/* The directory fd of hierarchy (0 for cgroup2), or -1 if we have none. */
int pw_mounts_fd(const struct pw_mounts *m, int hierarchy);

/* The hierarchy that carries cpuset files: v1 cpuset where mounted, else cgroup2 (0). */
int pw_mounts_cpuset_hierarchy(const struct pw_mounts *m);

/*
 * Open rel (a cgroup path as the kernel reports it, "/a/b", optionally with
 * "/file" appended) beneath root_fd, refusing symlinks and escapes.
 */
int pw_cgroup_open(int root_fd, const char *rel, int flags);

/*
 * Read at most size-1 bytes of cgroup file rel/name into buf, NUL-terminated,
 * one trailing newline removed. Returns the length or -errno.
 */
ssize_t pw_cgroup_read(int root_fd, const char *rel, const char *name, char *buf, size_t size);

/*
 * Write value to cgroup file rel/name with one write(2). The result is
 * logged on stderr with path and value, success or failure: the agent's
 * every change to the kernel leaves a line. dry_run logs and writes nothing.
 * Returns 0 or -errno.
 */
int pw_cgroup_write(const struct pw_mounts *m, int hierarchy, const char *rel, const char *name,
		    const char *value, bool dry_run);

/*
 * Test hook (PINWATCH_CRASH_AFTER_WRITES in the agent's environment): after
 * that many cgroup writes, the next one exits the process at once, as
 * kill -9 would, to prove the journal against crashes at every step.
 */
void pw_cgroup_crash_after(long writes);

/* mkdir rel beneath hierarchy's mount (0700 is ignored by cgroupfs); 0 if it exists. */
int pw_cgroup_mkdir(const struct pw_mounts *m, int hierarchy, const char *rel, bool dry_run);

/* rmdir rel beneath hierarchy's mount; 0 if it is already gone. */
int pw_cgroup_rmdir(const struct pw_mounts *m, int hierarchy, const char *rel, bool dry_run);

#endif /* PW_CGROUPFS_H */
