// SPDX-License-Identifier: GPL-2.0-only
/*
 * The cost of one syscall: N one-byte writes to /dev/null, or N getppid(2)
 * calls (a syscall pinwatch does not look at), timed with CLOCK_MONOTONIC.
 * Prints nanoseconds per call. Used by scripts/bench.sh to measure what
 * pinwatch's syscall tracepoints add to every syscall on a node.
 *
 * Usage: write_loop N [write|getppid]
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec start, end;
	long n = argc > 1 ? atol(argv[1]) : 0;
	bool other = argc > 2 && !strcmp(argv[2], "getppid");
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	char byte = 'x';

	if (n <= 0 || fd < 0 || (argc > 2 && !other && strcmp(argv[2], "write"))) {
		fprintf(stderr, "usage: write_loop N [write|getppid] (N > 0)\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (long i = 0; i < n; i++) {
		if (other)
			syscall(SYS_getppid); /* not getppid(): no libc caching, a real syscall */
		else if (write(fd, &byte, 1) != 1)
			return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	printf("%.1f\n", ((end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec)) / n);
	close(fd);
	return 0;
}
