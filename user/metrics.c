// SPDX-License-Identifier: GPL-2.0-only
/* Prometheus text metrics over a minimal HTTP/1.0 responder. */
#include "metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "event.h"
#include "log.h"
#include "parse.h"

static const double bucket_le[PW_LATENCY_BUCKETS] = {
	0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 1,
};

void pw_metrics_observe_latency(struct pw_metrics *m, double seconds)
{
	m->latency_count++;
	m->latency_sum += seconds;
	for (int i = 0; i < PW_LATENCY_BUCKETS; i++)
		if (seconds <= bucket_le[i])
			m->latency_buckets[i]++;
}

void pw_metrics_count_refusal(struct pw_metrics *m, const char *label)
{
	for (int i = 0; i < PW_REFUSAL_LABELS; i++) {
		if (!m->refusals_by[i].label)
			m->refusals_by[i].label = label;
		if (m->refusals_by[i].label == label) {
			m->refusals_by[i].count++;
			return;
		}
	}
}

static void metric(FILE *out, const char *name, const char *type, const char *help,
		   unsigned long long value)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name, type, name, value);
}

void pw_metrics_write(FILE *out, const struct pw_metrics_view *v)
{
	const struct pw_metrics *m = v->m;

	metric(out, "pinwatch_containers_tracked", "gauge",
	       "Containers in the hierarchy that carries cpusets.", v->containers);
	metric(out, "pinwatch_isolated_containers", "gauge",
	       "Containers whose CPUs are out of load balancing.", v->isolated_containers);
	metric(out, "pinwatch_isolated_cpus", "gauge", "CPUs out of load balancing.",
	       v->isolated_cpus);
	metric(out, "pinwatch_applies_total", "counter", "Isolations applied.", m->applies);
	metric(out, "pinwatch_reverts_total", "counter", "Isolations restored.", m->reverts);
	fputs("# HELP pinwatch_refusals_total Selected containers refused, by reason.\n"
	      "# TYPE pinwatch_refusals_total counter\n",
	      out);
	for (int i = 0; i < PW_REFUSAL_LABELS && m->refusals_by[i].label; i++)
		fprintf(out, "pinwatch_refusals_total{reason=\"%s\"} %llu\n",
			m->refusals_by[i].label, (unsigned long long)m->refusals_by[i].count);
	metric(out, "pinwatch_errors_total", "counter",
	       "Kernel changes (isolations, restores, cpuset updates) that failed.", m->errors);
	metric(out, "pinwatch_resyncs_total", "counter",
	       "Full rescans of the node (start, lost events, periodic).", m->resyncs);
	fputs("# HELP pinwatch_ringbuf_dropped_total Kernel events lost because the ring buffer "
	      "was full, by event type.\n# TYPE pinwatch_ringbuf_dropped_total counter\n",
	      out);
	for (int t = 1; t < PW_EV_TYPE_MAX; t++)
		fprintf(out, "pinwatch_ringbuf_dropped_total{type=\"%s\"} %llu\n",
			pw_event_type_name(t),
			(unsigned long long)v->kernel[t * PW_CNT_MAX + PW_CNT_DROPPED]);
	fputs("# HELP pinwatch_bpf_map_update_errors_total Kernel-side map updates that failed "
	      "(not ring buffer drops), by map.\n"
	      "# TYPE pinwatch_bpf_map_update_errors_total counter\n",
	      out);
	for (int i = 0; i < PW_MAP_ERR_MAX; i++)
		fprintf(out, "pinwatch_bpf_map_update_errors_total{map=\"%s\"} %llu\n",
			pw_map_error_name(i), (unsigned long long)v->map_errors[i]);
	fputs("# HELP pinwatch_apply_latency_seconds From the pinning cpuset write to isolation "
	      "applied.\n# TYPE pinwatch_apply_latency_seconds histogram\n",
	      out);
	for (int i = 0; i < PW_LATENCY_BUCKETS; i++)
		fprintf(out, "pinwatch_apply_latency_seconds_bucket{le=\"%g\"} %llu\n",
			bucket_le[i], (unsigned long long)m->latency_buckets[i]);
	fprintf(out, "pinwatch_apply_latency_seconds_bucket{le=\"+Inf\"} %llu\n",
		(unsigned long long)m->latency_count);
	fprintf(out, "pinwatch_apply_latency_seconds_sum %.9f\n", m->latency_sum);
	fprintf(out, "pinwatch_apply_latency_seconds_count %llu\n",
		(unsigned long long)m->latency_count);
}

int pw_metrics_listen(const char *addr)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	const char *colon = strrchr(addr, ':'), *port_str = colon ? colon + 1 : addr;
	char host[64] = "127.0.0.1";
	unsigned long port;
	int fd, one = 1;

	if (parse_ulong_range(port_str, "--metrics port", 1, 65535, &port))
		return -EINVAL;
	if (colon && (size_t)(colon - addr) >= sizeof(host)) {
		pw_err("invalid --metrics '%s': address too long", addr);
		return -EINVAL;
	}
	if (colon)
		snprintf(host, sizeof(host), "%.*s", (int)(colon - addr), addr);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		pw_err("invalid --metrics '%s': expected PORT or IPV4:PORT", addr);
		return -EINVAL;
	}
	sa.sin_port = htons(port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 8)) {
		int err = -errno;

		pw_err("cannot serve metrics on '%s': %s", addr, strerror(-err));
		close(fd);
		return err;
	}
	return fd;
}

void pw_metrics_serve(int listen_fd, const struct pw_metrics_view *v)
{
	struct timeval timeout = { .tv_usec = 200000 };
	char request[1024], *body = NULL;
	size_t size = 0;
	FILE *mem;
	int fd;

	fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	/* A client that does not send or read must not stall the agent. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
	if (read(fd, request, sizeof(request)) < 0)
		goto cleanup;
	mem = open_memstream(&body, &size);
	if (!mem)
		goto cleanup;
	fputs("HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n\r\n", mem);
	pw_metrics_write(mem, v);
	fclose(mem);
	/* A client that went away gets nothing more: the next one asks again. */
	if (write(fd, body, size) < 0)
		pw_warn("metrics client: %s, ignoring", strerror(errno));
cleanup:
	free(body);
	close(fd);
}
