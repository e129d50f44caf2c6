// SPDX-License-Identifier: GPL-2.0-only
/*
 * Write a value to a file with one write(2), pwrite64(2), writev(2) or an
 * io_uring IORING_OP_WRITE (no write syscall at all), and report the
 * result: the tests check that pinwatch reports the same bytes and the same
 * return value.
 *
 * Usage: cpuset_write write|pwrite|writev|uring FILE VALUE
 * Prints "ret=N" (and "errno=NAME" on failure); exits 0 on success, 1 when
 * the syscall failed, 2 on bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

/*
 * One IORING_OP_WRITE through a ring of one entry, with the raw syscalls
 * (no liburing): the result is the completion's res (bytes or -errno).
 */
static ssize_t uring_write(int fd, const char *value, size_t len)
{
	struct io_uring_params p = {};
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	unsigned int *sq_tail, *sq_array, *cq_head;
	size_t sq_size, cq_size;
	void *sq, *cq, *sqes;
	ssize_t ret;
	int ring;

	ring = syscall(__NR_io_uring_setup, 1, &p);
	if (ring < 0)
		return -errno;
	sq_size = p.sq_off.array + p.sq_entries * sizeof(unsigned int);
	cq_size = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	sq = mmap(NULL, sq_size, PROT_READ | PROT_WRITE, MAP_SHARED, ring, IORING_OFF_SQ_RING);
	cq = mmap(NULL, cq_size, PROT_READ | PROT_WRITE, MAP_SHARED, ring, IORING_OFF_CQ_RING);
	sqes = mmap(NULL, p.sq_entries * sizeof(*sqe), PROT_READ | PROT_WRITE, MAP_SHARED, ring,
		    IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED) {
		close(ring);
		return -ENOMEM;
	}
	sqe = sqes;
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_WRITE;
	sqe->fd = fd;
	sqe->addr = (unsigned long)value;
	sqe->len = len;
	sq_array = (unsigned int *)((char *)sq + p.sq_off.array);
	sq_tail = (unsigned int *)((char *)sq + p.sq_off.tail);
	sq_array[0] = 0;
	__atomic_store_n(sq_tail, *sq_tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, ring, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0) {
		ret = -errno;
	} else {
		cq_head = (unsigned int *)((char *)cq + p.cq_off.head);
		cqe = (struct io_uring_cqe *)((char *)cq + p.cq_off.cqes);
		ret = cqe[*cq_head & (p.cq_entries - 1)].res;
		__atomic_store_n(cq_head, *cq_head + 1, __ATOMIC_RELEASE);
	}
	close(ring);
	return ret;
}

int main(int argc, char **argv)
{
	const char *mode, *path, *value;
	struct iovec iov[2];
	size_t len, half;
	ssize_t ret;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: cpuset_write write|pwrite|writev|uring FILE VALUE\n");
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
	} else if (!strcmp(mode, "uring")) {
		ret = uring_write(fd, value, len);
		if (ret < 0) {
			errno = (int)-ret;
			ret = -1;
		}
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
