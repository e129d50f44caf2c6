// SPDX-License-Identifier: GPL-2.0-only
/* Opens and reads beneath a directory fd: no symlink, no escape, no other mount. */
#include "beneath.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

int pw_open_beneath(int root_fd, const char *rel, int flags)
{
	struct open_how how = {
		.flags = flags | O_CLOEXEC,
		/* No crossing into another mount either: a bind mount over a cgroup file is one. */
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
			   RESOLVE_NO_XDEV,
	};
	int fd;

	if (root_fd < 0)
		return -EBADF;
	/* Relative to the mount: "/a/b" -> "a/b", the root itself is ".". */
	while (*rel == '/')
		rel++;
	fd = syscall(SYS_openat2, root_fd, *rel ? rel : ".", &how, sizeof(how));
	return fd < 0 ? -errno : fd;
}

/* Read an open file into buf, NUL-terminated, one trailing newline removed; closes fd. */
static ssize_t read_and_close(int fd, char *buf, size_t size)
{
	ssize_t n;

	if (fd < 0)
		return fd;
	n = read(fd, buf, size - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return n;
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return n;
}

ssize_t pw_read_beneath(int root_fd, const char *path, char *buf, size_t size)
{
	return read_and_close(pw_open_beneath(root_fd, path, O_RDONLY), buf, size);
}

ssize_t pw_read_at(int dir_fd, const char *name, char *buf, size_t size)
{
	int fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	return read_and_close(fd < 0 ? -errno : fd, buf, size);
}
