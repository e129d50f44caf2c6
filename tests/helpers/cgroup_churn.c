// SPDX-License-Identifier: GPL-2.0-only
/*
 * cgroup_churn DIR N: N times, as fast as the machine does it, make a cgroup
 * below DIR, write the parent's CPUs to its cpuset.cpus (where it has one),
 * and remove it. Prints the operations made and the seconds they took. The
 * benchmark's churn: a node's pod churn, compressed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	char path[4096], file[4200], cpus[256] = "";
	long n = argc == 3 ? atol(argv[2]) : 0, ops = 0;
	double start;
	int fd;

	if (n <= 0) {
		fprintf(stderr, "usage: cgroup_churn DIR N (N > 0)\n");
		return 2;
	}
	snprintf(file, sizeof(file), "%s/cpuset.cpus", argv[1]);
	fd = open(file, O_RDONLY);
	if (fd >= 0) {
		ssize_t len = read(fd, cpus, sizeof(cpus) - 1);

		cpus[len > 0 ? len : 0] = '\0';
		close(fd);
	}
	start = now_s();
	for (long i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/c%ld", argv[1], i);
		if (mkdir(path, 0755)) {
			fprintf(stderr, "cgroup_churn: mkdir '%s': %s\n", path, strerror(errno));
			return 1;
		}
		ops++;
		snprintf(file, sizeof(file), "%s/cpuset.cpus", path);
		fd = cpus[0] ? open(file, O_WRONLY) : -1;
		if (fd >= 0) {
			if (write(fd, cpus, strlen(cpus)) > 0)
				ops++;
			close(fd);
		}
		if (rmdir(path)) {
			fprintf(stderr, "cgroup_churn: rmdir '%s': %s\n", path, strerror(errno));
			return 1;
		}
		ops++;
	}
	printf("%ld %.3f\n", ops, now_s() - start);
	return 0;
}
