/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one event loop of trace and agent: the ring buffer, the stop signals
 * (SIGINT, SIGTERM, SIGHUP, SIGQUIT) through a signalfd, a tick, and any
 * other fd a command adds (inotify, the metrics socket). It never sleeps to
 * wait: everything arrives through epoll.
 */
#ifndef PW_EVENT_LOOP_H
#define PW_EVENT_LOOP_H

struct ring_buffer;
struct pw_loop;

/*
 * Block the stop signals now, so one that comes before the loop runs waits
 * for it instead of being lost (or killing the process before it can put
 * anything back): a shell starts background jobs with SIGINT ignored, and
 * an ignored signal that is not blocked is dropped on arrival.
 */
int pw_block_stop_signals(void);

int pw_loop_new(struct pw_loop **out);
/* NULL is fine. */
void pw_loop_free(struct pw_loop *l);

/* Call on_ready(ctx) whenever fd is readable. 0 or -errno. */
int pw_loop_add_fd(struct pw_loop *l, int fd, void (*on_ready)(void *ctx), void *ctx);
/* Stop watching fd (before closing it). */
void pw_loop_remove_fd(struct pw_loop *l, int fd);

/* Consume rb on every turn: batched (no-wakeup) records are read at the latest on the tick. */
void pw_loop_set_ringbuf(struct pw_loop *l, struct ring_buffer *rb);

/* Call on_tick(ctx) every tick_ms (default 100 ms, without a callback). */
int pw_loop_set_tick(struct pw_loop *l, unsigned int tick_ms, void (*on_tick)(void *ctx),
		     void *ctx);

/* Call fn(ctx) after every turn, once what arrived has been handled. */
void pw_loop_set_after_turn(struct pw_loop *l, void (*fn)(void *ctx), void *ctx);

/* Run until a stop signal or, when duration_s is not 0, that many seconds. 0 or -errno. */
int pw_loop_run(struct pw_loop *l, unsigned long duration_s);

#endif /* PW_EVENT_LOOP_H */
