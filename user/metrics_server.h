/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The agent's HTTP endpoint for Prometheus (GET /metrics). It never blocks
 * the event loop: sockets are non-blocking, each client is a file
 * descriptor of the loop with a deadline, at most a handful at once, and a
 * response is written whole or, when the client does not read it, dropped
 * at the deadline. A slow or silent client costs the agent nothing.
 */
#ifndef PW_METRICS_SERVER_H
#define PW_METRICS_SERVER_H

#include <stdio.h>
#include <sys/socket.h>

struct pw_loop;
struct pw_metrics_server;

/*
 * Parse ADDR: "PORT" (127.0.0.1), "IPV4:PORT" or "[IPV6]:PORT". Says why
 * not and returns -EINVAL (a usage error) for anything else.
 */
int pw_metrics_parse_addr(const char *addr, struct sockaddr_storage *sa, socklen_t *len);

/*
 * Listen on addr (already parsed) and serve clients from loop; write_body
 * writes the metrics, given the scrapes answered (this one included).
 * -errno (said) when the address cannot be bound.
 */
int pw_metrics_server_start(struct pw_metrics_server **out, struct pw_loop *loop, const char *addr,
			    void (*write_body)(void *ctx, FILE *out, unsigned long long scrapes),
			    void *ctx);

/* Call on the loop's tick: clients past their deadline are closed. */
void pw_metrics_server_tick(struct pw_metrics_server *s);

/* Close every socket; NULL is fine. */
void pw_metrics_server_free(struct pw_metrics_server *s);

#endif /* PW_METRICS_SERVER_H */
