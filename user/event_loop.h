/* SPDX-License-Identifier: GPL-2.0-only */
/* The event loop shared by `pinwatch trace` and `pinwatch agent`. */
#ifndef PW_EVENT_LOOP_H
#define PW_EVENT_LOOP_H

struct ring_buffer;

/*
 * Block SIGINT and SIGTERM now, so one that comes before the loop runs waits
 * for it instead of being lost: a shell starts background jobs with SIGINT
 * ignored, and an ignored signal that is not blocked is dropped on arrival.
 */
int pw_block_stop_signals(void);

/* One more file descriptor for the loop to watch, e.g. a listening socket. */
struct pw_loop_fd {
	int fd;				/* -1: none */
	void (*on_ready)(void *ctx);	/* called when fd is readable */
	void *ctx;
};

/*
 * Wait in one epoll loop for ring buffer data (consumed through rb's
 * callback), SIGINT/SIGTERM, a 100 ms tick and extra (may be NULL), until a
 * signal or, when duration_s is not 0, that many seconds. 0, or -errno.
 */
int pw_run_event_loop(struct ring_buffer *rb, unsigned long duration_s,
		      const struct pw_loop_fd *extra);

#endif /* PW_EVENT_LOOP_H */
