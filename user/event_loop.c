// SPDX-License-Identifier: GPL-2.0-only
/* The one epoll loop of trace and agent: ring buffer, signals, a tick. */
#include "event_loop.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <linux/types.h>

/* The reader's tick: batched (no-wakeup) events wait at most this long. */
#define TICK_MS 100

/* signalfd for SIGINT and SIGTERM, which are blocked so only the fd sees them. */
static void stop_signals(sigset_t *mask)
{
	sigemptyset(mask);
	sigaddset(mask, SIGINT);
	sigaddset(mask, SIGTERM);
}

int pw_block_stop_signals(void)
{
	sigset_t mask;

	stop_signals(&mask);
	return sigprocmask(SIG_BLOCK, &mask, NULL) ? -errno : 0;
}

static int open_signalfd(void)
{
	sigset_t mask;
	int err = pw_block_stop_signals();

	if (err)
		return err;
	stop_signals(&mask);
	return signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
}

static int open_tick_timer(void)
{
	struct itimerspec tick = {
		.it_interval = { .tv_nsec = TICK_MS * 1000000L },
		.it_value = { .tv_nsec = TICK_MS * 1000000L },
	};
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);

	if (fd >= 0 && timerfd_settime(fd, 0, &tick, NULL)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int add_epoll(int epfd, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

static unsigned long long monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

int pw_run_event_loop(struct ring_buffer *rb, unsigned long duration_s,
		      const struct pw_loop_fd *extra)
{
	int epfd = -1, sigfd = -1, tickfd = -1, rbfd = ring_buffer__epoll_fd(rb), err;
	unsigned long long deadline = duration_s ? monotonic_ms() + duration_s * 1000ULL : 0;
	struct epoll_event ready[4];
	bool done = false;

	epfd = epoll_create1(EPOLL_CLOEXEC);
	sigfd = open_signalfd();
	tickfd = open_tick_timer();
	if (epfd < 0 || sigfd < 0 || tickfd < 0) {
		err = -errno;
		fprintf(stderr, "pinwatch: cannot set up the event loop: %s\n", strerror(errno));
		goto cleanup;
	}
	err = add_epoll(epfd, rbfd);
	if (!err)
		err = add_epoll(epfd, sigfd);
	if (!err)
		err = add_epoll(epfd, tickfd);
	if (!err && extra && extra->fd >= 0)
		err = add_epoll(epfd, extra->fd);
	if (err) {
		fprintf(stderr, "pinwatch: cannot set up the event loop: %s\n", strerror(-err));
		goto cleanup;
	}

	while (!done) {
		int n = epoll_wait(epfd, ready, 4, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			fprintf(stderr, "pinwatch: epoll_wait failed: %s\n", strerror(errno));
			goto cleanup;
		}
		for (int i = 0; i < n; i++) {
			if (ready[i].data.fd == sigfd) {
				done = true;
			} else if (extra && ready[i].data.fd == extra->fd) {
				extra->on_ready(extra->ctx);
			} else if (ready[i].data.fd == tickfd) {
				__u64 expirations;

				if (read(tickfd, &expirations, sizeof(expirations)) < 0 &&
				    errno != EAGAIN)
					fprintf(stderr, "pinwatch: timer read failed: %s, ignoring\n",
						strerror(errno));
				if (deadline && monotonic_ms() >= deadline)
					done = true;
			}
		}
		/* Batched events do not wake us: consume on every turn, tick included. */
		err = ring_buffer__consume(rb);
		if (err < 0) {
			fprintf(stderr, "pinwatch: reading the ring buffer failed: %s\n",
				strerror(-err));
			goto cleanup;
		}
		err = 0;
		fflush(stdout);
	}

cleanup:
	if (tickfd >= 0)
		close(tickfd);
	if (sigfd >= 0)
		close(sigfd);
	if (epfd >= 0)
		close(epfd);
	return err;
}

