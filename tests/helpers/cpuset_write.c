// SPDX-License-Identifier: GPL-2.0-only
/*
 * Write a value to a file with one write(2), pwrite64(2) or writev(2), and
 * report the syscall's result: the tests check that pinwatch reports the
 * same bytes and the same return value.
 *
 * Usage: cpuset_write write|pwrite|writev FILE VALUE
 * Prints "ret=N" (and "errno=NAME" on failure); exits 0 on success, 1 when
 * the syscall failed, 2 on bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *mode, *path, *value;
	struct iovec iov[2];
	size_t len, half;
	ssize_t ret;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: cpuset_write write|pwrite|writev FILE VALUE\n");
		return 2;
	}
	mode = argv[1];
	path = argv[2];
	value = argv[3];
	len = strlen(value);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "cpuset_write: cannot open '%s': %s\n", path, strerror(errno));
		return 2;
	}
	if (!strcmp(mode, "write")) {
		ret = write(fd, value, len);
	} else if (!strcmp(mode, "pwrite")) {
		ret = pwrite(fd, value, len, 0);
	} else if (!strcmp(mode, "writev")) {
		/* Two pieces: the tracer must join them into one value. */
		half = len / 2;
		iov[0] = (struct iovec){ .iov_base = (void *)value, .iov_len = half };
		iov[1] =
			(struct iovec){ .iov_base = (void *)(value + half), .iov_len = len - half };
		ret = writev(fd, iov, 2);
	} else {
		fprintf(stderr, "cpuset_write: unknown mode '%s'\n", mode);
		close(fd);
		return 2;
	}
	if (ret < 0) {
		printf("ret=-%d errno=%s\n", errno, strerrorname_np(errno));
		close(fd);
		return 1;
	}
	printf("ret=%zd\n", ret);
	close(fd);
	return 0;
}
