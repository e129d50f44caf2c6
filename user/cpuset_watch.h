/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which cgroups' CPUs changed, without a probe on any syscall: an inotify
 * watch (IN_MODIFY) on the cpuset.cpus of each cgroup. The kernel raises it
 * after every accepted write to the file (write, pwrite, writev, io_uring),
 * and not for a rejected one; what it costs falls on writes to the watched
 * files only.
 *
 * A watch is added before the file is read, so a write that lands between
 * the cgroup's mkdir and the watch is in what is read. Watches are bounded
 * by the kernel's fs.inotify.max_user_watches (shared by every process of
 * root's): past it a cgroup is not watched, said once and counted, and its
 * CPUs are read again at each rescan instead.
 */
#ifndef PW_CPUSET_WATCH_H
#define PW_CPUSET_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One watched file: the cgroup it belongs to, by (hierarchy, id). */
struct pw_watched {
	int wd;
	int hierarchy;
	uint64_t id; /* 0: removed, a hole until the next compaction */
};

struct pw_cpuset_watch {
	int fd;
	/* Sorted by wd (the kernel hands them out increasing): binary search. */
	struct pw_watched *entries;
	size_t count, holes, cap;
	unsigned long at_limit; /* watches refused at the kernel's bound */
	bool limit_said;
};

/* Closed: what pw_cpuset_watch_close() accepts before any open. */
#define PW_CPUSET_WATCH_CLOSED ((struct pw_cpuset_watch){ .fd = -1 })

/* An inotify instance, non-blocking. 0 or -errno (said). */
int pw_cpuset_watch_open(struct pw_cpuset_watch *w);
/* Close it and forget every watch; a closed one is fine. */
void pw_cpuset_watch_close(struct pw_cpuset_watch *w);

/*
 * Watch the cpuset.cpus of the cgroup whose directory is open at dir_fd.
 * Returns the watch descriptor, or -errno: -ENOENT (no such file: cpuset
 * is not enabled for it), -ENOSPC (at the bound: said once, counted).
 */
int pw_cpuset_watch_add(struct pw_cpuset_watch *w, int dir_fd, int hierarchy, uint64_t id);
/* Stop watching wd (a watch of a cgroup that is going away). */
void pw_cpuset_watch_remove(struct pw_cpuset_watch *w, int wd);

/*
 * Read what the kernel queued, calling changed() for each watched file
 * written since, and overflow() if the kernel's queue overflowed (changes
 * were lost: the caller rescans). Returns 0 or -errno.
 */
/* inotify reads (16 KiB each) per call at most: the rest waits for the next turn. */
#define PW_CPUSET_WATCH_READS 4

int pw_cpuset_watch_read(struct pw_cpuset_watch *w,
			 void (*changed)(void *ctx, int hierarchy, uint64_t id),
			 void (*overflow)(void *ctx), void *ctx);

#endif /* PW_CPUSET_WATCH_H */
