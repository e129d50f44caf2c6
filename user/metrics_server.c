// SPDX-License-Identifier: GPL-2.0-only
/* A minimal, non-blocking HTTP/1.0 responder for GET /metrics. */
#include "metrics_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "event_loop.h"
#include "log.h"
#include "parse.h"

/* Clients served at once; more are turned away (the next scrape asks again). */
#define MAX_CLIENTS 8
/* A client has this long to send its request and read the answer. */
#define DEADLINE_MS 1000
/*
 * The metrics are made at most this often, whatever the scrapes: a scrape
 * walks every cgroup and reads the kernel side's counters (~30 syscalls),
 * and anyone who can reach the port may ask in a loop.
 */
#define CACHE_MS 1000
#define REQUEST_MAX 2048

struct pw_metrics_server;

struct client {
	struct pw_metrics_server *server;
	int fd; /* -1: free */
	unsigned long long deadline_ms;
	size_t got;
	char request[REQUEST_MAX];
	char *response;
	size_t len, sent;
};

struct pw_metrics_server {
	struct pw_loop *loop;
	int listen_fd;
	void (*write_body)(void *ctx, FILE *out, unsigned long long scrapes);
	void *ctx;
	struct client clients[MAX_CLIENTS];
	char *body; /* the metrics as last made, and when */
	size_t body_len;
	unsigned long long body_ms;
	unsigned long long scrapes; /* GET /metrics answered, this one included */
	unsigned long refused;
};

int pw_metrics_parse_addr(const char *addr, struct sockaddr_storage *sa, socklen_t *len)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)sa;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)sa;
	const char *colon = strrchr(addr, ':'), *port_str = colon ? colon + 1 : addr;
	char host[64] = "127.0.0.1";
	unsigned long port;
	size_t host_len;

	memset(sa, 0, sizeof(*sa));
	if (pw_parse_ulong_range(port_str, "--metrics port", 1, 65535, &port))
		return -EINVAL;
	if (colon) {
		host_len = colon - addr;
		/* "[::1]:9100": the brackets keep an IPv6 address's colons apart from the port's. */
		if (host_len >= 2 && addr[0] == '[' && addr[host_len - 1] == ']') {
			addr++;
			host_len -= 2;
		}
		if (host_len == 0 || host_len >= sizeof(host)) {
			pw_err("invalid --metrics '%s': expected PORT, IPV4:PORT or [IPV6]:PORT",
			       PW_Q(addr));
			return -EINVAL;
		}
		snprintf(host, sizeof(host), "%.*s", (int)host_len, addr);
	}
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(port);
		*len = sizeof(*v4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(port);
		*len = sizeof(*v6);
		return 0;
	}
	pw_err("invalid --metrics '%s': expected PORT, IPV4:PORT or [IPV6]:PORT", PW_Q(addr));
	return -EINVAL;
}

static void close_client(struct client *c)
{
	struct pw_metrics_server *s = c->server;

	pw_loop_remove_fd(s->loop, c->fd);
	close(c->fd);
	free(c->response);
	memset(c, 0, sizeof(*c));
	c->server = s;
	c->fd = -1;
}

/* Write what is left of the answer without waiting; close once it is all out. */
static void send_some(struct client *c)
{
	while (c->sent < c->len) {
		ssize_t n = send(c->fd, c->response + c->sent, c->len - c->sent,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EAGAIN)
			return; /* the tick tries again until the deadline */
		if (n <= 0)
			break;
		c->sent += n;
	}
	close_client(c);
}

/* The request line is there: answer it. Only GET /metrics is known. */
static void answer(struct client *c)
{
	struct pw_metrics_server *s = c->server;
	size_t size = 0, path_len = strcspn(c->request + 4, " ?\r\n");
	bool metrics = !strncmp(c->request, "GET ", 4) && path_len == 8 &&
		       !strncmp(c->request + 4, "/metrics", 8);
	FILE *mem = open_memstream(&c->response, &size);

	if (!mem) {
		close_client(c);
		return;
	}
	if (metrics) {
		unsigned long long now = pw_monotonic_ns() / 1000000;

		s->scrapes++;
		if (!s->body || now - s->body_ms >= CACHE_MS) {
			FILE *body;

			free(s->body);
			s->body = NULL;
			s->body_len = 0;
			body = open_memstream(&s->body, &s->body_len);
			if (body) {
				s->write_body(s->ctx, body, s->scrapes);
				fclose(body);
				s->body_ms = now;
			}
		}
		fputs("HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n\r\n", mem);
		if (s->body)
			fwrite(s->body, 1, s->body_len, mem);
	} else {
		fputs("HTTP/1.0 404 Not Found\r\nContent-Type: text/plain\r\n\r\n"
		      "pinwatch serves its metrics at /metrics\n",
		      mem);
	}
	fclose(mem);
	c->len = size;
	send_some(c);
}

static void on_client(void *ctx)
{
	struct client *c = ctx;
	ssize_t n;

	if (c->response)
		return; /* answered: only the rest of the answer is pending */
	n = recv(c->fd, c->request + c->got, REQUEST_MAX - 1 - c->got, MSG_DONTWAIT);
	if (n < 0 && errno == EAGAIN)
		return;
	if (n <= 0) {
		close_client(c);
		return;
	}
	c->got += n;
	c->request[c->got] = '\0';
	/* The request line is all we need: answer at its end (or when the buffer is full). */
	if (strchr(c->request, '\n') || c->got == REQUEST_MAX - 1)
		answer(c);
}

/*
 * A free client slot; when all are taken, the one of the oldest client that
 * has not even asked yet (silent connections must not starve real scrapes).
 */
static struct client *free_slot(struct pw_metrics_server *s)
{
	struct client *oldest = NULL;

	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = &s->clients[i];

		if (c->fd < 0)
			return c;
		if (!c->response && (!oldest || c->deadline_ms < oldest->deadline_ms))
			oldest = c;
	}
	if (oldest)
		close_client(oldest);
	return oldest;
}

static void on_listen(void *ctx)
{
	struct pw_metrics_server *s = ctx;
	struct client *c;
	int fd;

	while ((fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		c = free_slot(s);
		if (!c || pw_loop_add_fd(s->loop, fd, on_client, c)) {
			if (s->refused++ == 0)
				pw_warn("metrics: more than %d clients at once, turning some away",
					MAX_CLIENTS);
			close(fd);
			continue;
		}
		c->fd = fd;
		c->deadline_ms = pw_monotonic_ns() / 1000000 + DEADLINE_MS;
	}
}

int pw_metrics_server_start(struct pw_metrics_server **out, struct pw_loop *loop, const char *addr,
			    void (*write_body)(void *ctx, FILE *out, unsigned long long scrapes),
			    void *ctx)
{
	struct pw_metrics_server *s;
	struct sockaddr_storage sa;
	socklen_t len;
	int one = 1, err;

	*out = NULL;
	err = pw_metrics_parse_addr(addr, &sa, &len);
	if (err)
		return err;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->loop = loop;
	s->write_body = write_body;
	s->ctx = ctx;
	for (int i = 0; i < MAX_CLIENTS; i++) {
		s->clients[i].server = s;
		s->clients[i].fd = -1;
	}
	s->listen_fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->listen_fd < 0) {
		err = -errno;
		goto fail;
	}
	setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s->listen_fd, (struct sockaddr *)&sa, len) || listen(s->listen_fd, 16)) {
		err = -errno;
		goto fail;
	}
	err = pw_loop_add_fd(loop, s->listen_fd, on_listen, s);
	if (err)
		goto fail;
	*out = s;
	return 0;
fail:
	pw_err("cannot serve metrics on '%s': %s", PW_Q(addr), strerror(-err));
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	free(s);
	return err;
}

void pw_metrics_server_tick(struct pw_metrics_server *s)
{
	unsigned long long now = pw_monotonic_ns() / 1000000;

	if (!s)
		return;
	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = &s->clients[i];

		if (c->fd < 0)
			continue;
		if (now >= c->deadline_ms)
			close_client(c); /* too slow to ask, or to read the answer */
		else if (c->response)
			send_some(c);
	}
}

void pw_metrics_server_free(struct pw_metrics_server *s)
{
	if (!s)
		return;
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (s->clients[i].fd >= 0)
			close_client(&s->clients[i]);
	pw_loop_remove_fd(s->loop, s->listen_fd);
	close(s->listen_fd);
	free(s->body);
	free(s);
}
