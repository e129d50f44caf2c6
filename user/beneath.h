/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Opens and reads beneath a directory fd that refuse symlinks, magic links,
 * mount crossings and escapes (openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS
 * | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV): the one way pinwatch opens a
 * cgroup's files and the kernel's own under /proc and /sys, whose names
 * (a cgroup's, a path from an event) others choose.
 */
#ifndef PW_BENEATH_H
#define PW_BENEATH_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Open rel beneath root_fd ("/a/b" and "a/b" alike; "" or "/" is root_fd's
 * directory itself). An fd, or -errno.
 */
int pw_open_beneath(int root_fd, const char *rel, int flags);

/*
 * Read at most size-1 bytes of file path beneath root_fd into buf,
 * NUL-terminated, one trailing newline removed. The length, or -errno.
 */
ssize_t pw_read_beneath(int root_fd, const char *path, char *buf, size_t size);

/* The same for name, one component in the directory dir_fd (not a symlink). */
ssize_t pw_read_at(int dir_fd, const char *name, char *buf, size_t size);

#endif /* PW_BENEATH_H */
