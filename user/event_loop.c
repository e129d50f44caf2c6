// SPDX-License-Identifier: GPL-2.0-only
/* One epoll loop: ring buffer, signals, a tick, and the fds commands add. */
#include "event_loop.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <linux/types.h>

#include "clock.h"
#include "log.h"

#define DEFAULT_TICK_MS 100
#define MAX_FDS 64

struct watch {
	int fd;
	void (*on_ready)(void *ctx);
	void *ctx;
};

struct pw_loop {
	int epfd, sigfd, tickfd;
	struct ring_buffer *rb;
	void (*on_tick)(void *ctx);
	void *tick_ctx;
	void (*after_turn)(void *ctx);
	void *after_ctx;
	struct watch watches[MAX_FDS];
	int nr;
};

/*
 * signalfd for the signals that end a command the orderly way: SIGINT and
 * SIGTERM, and SIGHUP and SIGQUIT (a closed terminal, a session's end):
 * blocked, so only the fd sees them and nothing is cut short.
 */
static void stop_signals(sigset_t *mask)
{
	sigemptyset(mask);
	sigaddset(mask, SIGINT);
	sigaddset(mask, SIGTERM);
	sigaddset(mask, SIGHUP);
	sigaddset(mask, SIGQUIT);
}

int pw_block_stop_signals(void)
{
	sigset_t mask;

	stop_signals(&mask);
	return sigprocmask(SIG_BLOCK, &mask, NULL) ? -errno : 0;
}

static int add_epoll(int epfd, int fd, void *ptr)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = ptr };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

/* Markers for the loop's own fds in epoll's data. */
static char sig_marker, tick_marker, rb_marker;

int pw_loop_new(struct pw_loop **out)
{
	struct pw_loop *l = calloc(1, sizeof(*l));
	sigset_t mask;
	int err;

	*out = NULL;
	if (!l)
		return -ENOMEM;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	stop_signals(&mask);
	err = pw_block_stop_signals();
	l->sigfd = err ? -1 : signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	l->tickfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (l->epfd < 0 || l->sigfd < 0 || l->tickfd < 0) {
		err = -errno;
		goto fail;
	}
	err = add_epoll(l->epfd, l->sigfd, &sig_marker);
	if (!err)
		err = add_epoll(l->epfd, l->tickfd, &tick_marker);
	if (!err)
		err = pw_loop_set_tick(l, DEFAULT_TICK_MS, NULL, NULL);
	if (err)
		goto fail;
	*out = l;
	return 0;
fail:
	pw_err("cannot set up the event loop: %s", strerror(-err));
	pw_loop_free(l);
	return err;
}

void pw_loop_free(struct pw_loop *l)
{
	if (!l)
		return;
	if (l->tickfd >= 0)
		close(l->tickfd);
	if (l->sigfd >= 0)
		close(l->sigfd);
	if (l->epfd >= 0)
		close(l->epfd);
	free(l);
}

int pw_loop_add_fd(struct pw_loop *l, int fd, void (*on_ready)(void *ctx), void *ctx)
{
	struct watch *w = NULL;

	for (int i = 0; i < MAX_FDS && !w; i++)
		if (!l->watches[i].on_ready)
			w = &l->watches[i];
	if (!w)
		return -ENOSPC;
	w->fd = fd;
	w->on_ready = on_ready;
	w->ctx = ctx;
	if (add_epoll(l->epfd, fd, w)) {
		int err = -errno;

		w->on_ready = NULL;
		return err;
	}
	l->nr++;
	return 0;
}

void pw_loop_remove_fd(struct pw_loop *l, int fd)
{
	for (int i = 0; i < MAX_FDS; i++) {
		if (l->watches[i].on_ready && l->watches[i].fd == fd) {
			epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
			l->watches[i].on_ready = NULL;
			l->nr--;
			return;
		}
	}
}

void pw_loop_set_ringbuf(struct pw_loop *l, struct ring_buffer *rb)
{
	l->rb = rb;
	if (add_epoll(l->epfd, ring_buffer__epoll_fd(rb), &rb_marker))
		pw_err("cannot watch the ring buffer: %s; reading it on the tick only",
		       strerror(errno));
}

int pw_loop_set_tick(struct pw_loop *l, unsigned int tick_ms, void (*on_tick)(void *ctx), void *ctx)
{
	struct itimerspec tick = {
		.it_interval = { .tv_sec = tick_ms / 1000, .tv_nsec = (tick_ms % 1000) * 1000000L },
		.it_value = { .tv_sec = tick_ms / 1000, .tv_nsec = (tick_ms % 1000) * 1000000L },
	};

	l->on_tick = on_tick;
	l->tick_ctx = ctx;
	return timerfd_settime(l->tickfd, 0, &tick, NULL) ? -errno : 0;
}

void pw_loop_set_after_turn(struct pw_loop *l, void (*fn)(void *ctx), void *ctx)
{
	l->after_turn = fn;
	l->after_ctx = ctx;
}

int pw_loop_run(struct pw_loop *l, unsigned long duration_s)
{
	unsigned long long deadline =
		duration_s ? pw_monotonic_ns() / 1000000 + duration_s * 1000ULL : 0;
	struct epoll_event ready[16];
	bool done = false;
	int err = 0;

	while (!done) {
		int n = epoll_wait(l->epfd, ready, 16, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			pw_err("epoll_wait failed: %s", strerror(-err));
			break;
		}
		for (int i = 0; i < n; i++) {
			void *p = ready[i].data.ptr;

			if (p == &sig_marker) {
				done = true;
			} else if (p == &tick_marker) {
				__u64 expirations;

				if (read(l->tickfd, &expirations, sizeof(expirations)) < 0 &&
				    errno != EAGAIN)
					pw_warn("timer read failed: %s, ignoring", strerror(errno));
				if (l->on_tick)
					l->on_tick(l->tick_ctx);
				if (deadline && pw_monotonic_ns() / 1000000 >= deadline)
					done = true;
			} else if (p != &rb_marker) {
				struct watch *w = p;

				if (w->on_ready)
					w->on_ready(w->ctx);
			}
		}
		/* Batched records do not wake us: consume on every turn, tick included. */
		if (l->rb) {
			err = ring_buffer__consume(l->rb);
			if (err < 0) {
				pw_err("reading the ring buffer failed: %s", strerror(-err));
				break;
			}
			err = 0;
		}
		if (l->after_turn)
			l->after_turn(l->after_ctx);
	}
	return err;
}
