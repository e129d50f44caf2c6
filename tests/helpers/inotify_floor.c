// SPDX-License-Identifier: GPL-2.0-only
/*
 * inotify_floor FILE: the least any agent does for a change of a
 * container's cpuset.cpus: wake on inotify's IN_MODIFY, read the events
 * waiting, read the file once for them (open, read, close). Says "watching"
 * on stdout, then runs until SIGINT or SIGTERM and prints how many wakeups
 * and events it read (a shell's `echo >` can raise more than one event per
 * write). The footprint benchmark's floor for the agent's CPU per change.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	/* No SA_RESTART: the blocked read returns EINTR on the signal. */
	struct sigaction sa = { .sa_handler = on_signal };
	char events[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	char text[256];
	unsigned long wakeups = 0, nr_events = 0;
	int in, fd;

	if (argc != 2) {
		fprintf(stderr, "usage: inotify_floor FILE\n");
		return 2;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	in = inotify_init1(IN_CLOEXEC);
	if (in < 0 || inotify_add_watch(in, argv[1], IN_MODIFY) < 0) {
		fprintf(stderr, "inotify_floor: cannot watch '%s': %s\n", argv[1], strerror(errno));
		return 1;
	}
	printf("watching %s\n", argv[1]);
	fflush(stdout);
	while (!stop) {
		ssize_t n = read(in, events, sizeof(events));

		if (n <= 0)
			continue;
		wakeups++;
		for (char *p = events; p < events + n;
		     p += sizeof(struct inotify_event) + ((struct inotify_event *)p)->len)
			nr_events++;
		fd = open(argv[1], O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (read(fd, text, sizeof(text)) < 0)
				fprintf(stderr, "inotify_floor: cannot read '%s': %s\n", argv[1],
					strerror(errno));
			close(fd);
		}
	}
	printf("%lu wakeups, %lu events\n", wakeups, nr_events);
	return 0;
}
