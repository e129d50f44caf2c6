// SPDX-License-Identifier: GPL-2.0-only
/*
 * The cost of one write(2) to /dev/null: N writes of one byte, timed with
 * CLOCK_MONOTONIC. Prints nanoseconds per write. Used by scripts/bench.sh to
 * measure what pinwatch's syscall tracepoints add to every write on a node.
 *
 * Usage: write_loop N
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec start, end;
	long n = argc > 1 ? atol(argv[1]) : 0;
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	char byte = 'x';

	if (n <= 0 || fd < 0) {
		fprintf(stderr, "usage: write_loop N (N > 0)\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (long i = 0; i < n; i++)
		if (write(fd, &byte, 1) != 1)
			return 1;
	clock_gettime(CLOCK_MONOTONIC, &end);
	printf("%.1f\n", ((end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec)) / n);
	close(fd);
	return 0;
}
