/* SPDX-License-Identifier: GPL-2.0-only */
/* The event loop shared by `pinwatch trace` and `pinwatch agent`. */
#ifndef PW_EVENT_LOOP_H
#define PW_EVENT_LOOP_H

struct ring_buffer;

/*
 * Wait in one epoll loop for ring buffer data (consumed through rb's
 * callback), SIGINT/SIGTERM and a 100 ms tick, until a signal or, when
 * duration_s is not 0, that many seconds. 0, or -errno.
 */
int pw_run_event_loop(struct ring_buffer *rb, unsigned long duration_s);

#endif /* PW_EVENT_LOOP_H */
