// SPDX-License-Identifier: GPL-2.0-only
/* `pinwatch trace`: options, the event loop and the closing counters. */
#include "trace.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "event.h"
#include "event_loop.h"
#include "filter.h"
#include "format.h"
#include "loader.h"
#include "log.h"
#include "node.h"
#include "parse.h"
#include "privileges.h"

#define MAX_DURATION_S (365UL * 24 * 3600)
#define MAX_RUNTIMES 32

static const char usage[] =
	"Usage: pinwatch trace [OPTIONS]\n"
	"\n"
	"Stream container runtime execs, cgroup mkdir/rmdir and writes to cpuset files,\n"
	"live, from the kernel. Runs as root. Ends on Ctrl-C, SIGTERM or --duration and\n"
	"prints the event counters (seen, emitted, dropped) to stderr.\n"
	"\n"
	"Options:\n"
	"  -j, --json              one JSON object per line (schema: docs/EVENTS.md)\n"
	"  -t, --type LIST         only these event types, comma-separated:\n"
	"                          cgroup_mkdir, cgroup_rmdir, cgroup_populated,\n"
	"                          exec, cpuset_write\n"
	"  -c, --cgroup PREFIX     only events whose cgroup path starts with PREFIX\n"
	"      --comm NAME         only events from tasks whose comm is NAME\n"
	"  -d, --duration SECONDS  stop after SECONDS (1 to 31536000)\n"
	"  -r, --runtime NAME      also watch execs of binary NAME (repeatable)\n"
	"  -a, --all-hierarchies   cgroup events of every hierarchy, not only the\n"
	"                          cpuset-bearing ones (v1 cpuset and cgroup2)\n"
	"      --btf FILE          kernel BTF to use instead of /sys/kernel/btf/vmlinux\n"
	"  -v, --verbose           show libbpf's messages\n"
	"  -h, --help              show this help\n"
	"\n"
	"Examples:\n"
	"  pinwatch trace                        # everything, as a table\n"
	"  pinwatch trace --json --type cpuset_write\n"
	"  pinwatch trace --cgroup /kubepods --duration 60\n"
	"  pinwatch trace --runtime my-runc-wrapper\n";

enum { OPT_COMM = 256, OPT_BTF };

static const struct option long_options[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "type", required_argument, NULL, 't' },
	{ "cgroup", required_argument, NULL, 'c' },
	{ "comm", required_argument, NULL, OPT_COMM },
	{ "duration", required_argument, NULL, 'd' },
	{ "runtime", required_argument, NULL, 'r' },
	{ "all-hierarchies", no_argument, NULL, 'a' },
	{ "btf", required_argument, NULL, OPT_BTF },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{},
};

struct trace_opts {
	struct pw_loader_opts loader;
	struct pw_filter filter;
	bool json;
	unsigned long duration_s; /* 0: until a signal */
	const char *runtimes[MAX_RUNTIMES];
};

struct trace_ctx {
	struct pw_filter filter;
	struct pw_format format;
	struct pw_node *node; /* NULL: container columns stay empty */
	__u64 malformed;
};

/* 0 to run, 1 for --help, or -EINVAL after saying what was wrong. */
static int parse_args(int argc, char **argv, struct trace_opts *o)
{
	unsigned long value;
	int opt;

	memset(o, 0, sizeof(*o));
	o->filter.types_mask = PW_ALL_TYPES_MASK;
	o->loader.runtimes = o->runtimes;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":jt:c:d:r:avh", long_options, NULL)) != -1) {
		switch (opt) {
		case 'j':
			o->json = true;
			break;
		case 't':
			if (parse_event_types(optarg, &o->filter.types_mask))
				return -EINVAL;
			break;
		case 'c':
			o->filter.cgroup_prefix = optarg;
			break;
		case OPT_COMM:
			if (strlen(optarg) == 0 || strlen(optarg) >= PW_COMM_LEN) {
				pw_err("invalid --comm '%s': a comm is 1 to %d bytes", PW_Q(optarg),
				       PW_COMM_LEN - 1);
				return -EINVAL;
			}
			o->filter.comm = optarg;
			break;
		case 'd':
			if (parse_ulong_range(optarg, "--duration", 1, MAX_DURATION_S, &value))
				return -EINVAL;
			o->duration_s = value;
			break;
		case 'r':
			if (pw_check_runtime_name(optarg))
				return -EINVAL;
			if (o->loader.nr_runtimes == MAX_RUNTIMES) {
				pw_err("too many --runtime names: at most %d", MAX_RUNTIMES);
				return -EINVAL;
			}
			o->runtimes[o->loader.nr_runtimes++] = optarg;
			break;
		case 'a':
			o->loader.all_hierarchies = true;
			break;
		case OPT_BTF:
			o->loader.btf_path = optarg;
			break;
		case 'v':
			o->loader.verbose = true;
			break;
		case 'h':
			return 1;
		default:
			return pw_bad_option(opt, argv, "trace");
		}
	}
	if (pw_no_operands(argc, argv, "trace"))
		return -EINVAL;
	o->loader.types_mask = o->filter.types_mask;
	return 0;
}

static void context_of_container(const struct pw_container *c, struct pw_event_context *ctx)
{
	ctx->container_id = c->id;
	ctx->runtime = c->engine ? c->engine : c->oci_runtime;
	ctx->pod = c->pod;
	ctx->namespace = c->namespace;
	ctx->container = c->name;
	ctx->qos = c->qos;
}

static const char *nonempty(const char *s)
{
	return s && s[0] ? s : NULL;
}

/* What the node knows of the container an event is about. */
static void context_of(struct pw_node *n, const struct pw_event *ev, struct pw_event_context *ctx)
{
	const struct pw_runtime_cmd_seen *s;
	const struct pw_cgroup *cg = NULL;
	struct pw_container *c;

	memset(ctx, 0, sizeof(*ctx));
	switch (ev->type) {
	case PW_EV_CGROUP_MKDIR:
	case PW_EV_CGROUP_RMDIR:
	case PW_EV_CGROUP_POPULATED:
		cg = pw_node_find(n, ev->cgroup->hierarchy_id, ev->cgroup->id);
		break;
	case PW_EV_CPUSET_WRITE:
		cg = pw_node_find(n, ev->write->hierarchy_id, ev->write->target_id);
		break;
	case PW_EV_EXEC:
		s = pw_node_last_exec(n);
		if (!s)
			return;
		c = pw_node_container_by_id(n, s->cmd.id);
		if (c && !s->cmd.creates) {
			context_of_container(c, ctx);
			return;
		}
		/* A create or run: what its bundle says of the container it makes. */
		ctx->container_id = s->cmd.id;
		ctx->runtime = nonempty(s->meta.engine) ? s->meta.engine : s->cmd.runtime;
		ctx->pod = nonempty(s->meta.pod);
		ctx->namespace = nonempty(s->meta.namespace);
		ctx->container = nonempty(s->meta.container);
		return;
	default:
		return;
	}
	if (cg && cg->container)
		context_of_container(cg->container, ctx);
}

static int handle_event(void *ctx, void *data, size_t size)
{
	struct trace_ctx *t = ctx;
	struct pw_event_context ectx;
	struct pw_event ev;

	if (pw_event_decode(data, size, &ev)) {
		t->malformed++;
		return 0;
	}
	/* A removed cgroup is reported with what the node knew, then forgotten. */
	if (t->node && ev.type != PW_EV_CGROUP_RMDIR)
		pw_node_apply(t->node, &ev);
	if (pw_filter_match(&t->filter, &ev)) {
		if (t->node)
			context_of(t->node, &ev, &ectx);
		pw_format_event(&t->format, &ev, t->node ? &ectx : NULL);
	}
	if (t->node && ev.type == PW_EV_CGROUP_RMDIR)
		pw_node_apply(t->node, &ev);
	return 0;
}

static void flush_output(void *ctx)
{
	(void)ctx;
	fflush(stdout);
}

static void print_counters(const struct pinwatch_bpf *skel, __u64 malformed)
{
	__u64 c[PW_COUNTERS_LEN], errors[PW_MAP_ERR_MAX], seen = 0, emitted = 0, dropped = 0;

	if (pw_loader_read_counters(skel, c, errors)) {
		pw_err("cannot read the event counters");
		return;
	}
	for (int t = 1; t < PW_EV_TYPE_MAX; t++) {
		seen += c[t * PW_CNT_MAX + PW_CNT_SEEN];
		emitted += c[t * PW_CNT_MAX + PW_CNT_EMITTED];
		dropped += c[t * PW_CNT_MAX + PW_CNT_DROPPED];
	}
	pw_info("events seen %" PRIu64 ", emitted %" PRIu64 ", dropped %" PRIu64, (uint64_t)seen,
		(uint64_t)emitted, (uint64_t)dropped);
	for (int t = 1; t < PW_EV_TYPE_MAX; t++)
		pw_info("  %-16s seen %" PRIu64 ", emitted %" PRIu64 ", dropped %" PRIu64,
			pw_event_type_name(t), (uint64_t)c[t * PW_CNT_MAX + PW_CNT_SEEN],
			(uint64_t)c[t * PW_CNT_MAX + PW_CNT_EMITTED],
			(uint64_t)c[t * PW_CNT_MAX + PW_CNT_DROPPED]);
	for (int i = 0; i < PW_MAP_ERR_MAX; i++)
		if (errors[i])
			pw_warn("  map %s: %" PRIu64 " updates failed", pw_map_error_name(i),
				(uint64_t)errors[i]);
	if (malformed)
		pw_warn("%" PRIu64 " malformed records ignored", (uint64_t)malformed);
}

int cmd_trace(int argc, char **argv)
{
	const struct pw_node_config node_cfg = { .both_hierarchies = true };
	struct pinwatch_bpf *skel = NULL;
	struct ring_buffer *rb = NULL;
	struct pw_hierarchies hierarchies;
	struct pw_loop *loop = NULL;
	struct trace_opts opts;
	struct trace_ctx ctx = {};
	int err;

	pw_block_stop_signals();
	err = parse_args(argc, argv, &opts);
	if (err > 0) {
		fputs(usage, stdout);
		return 0;
	}
	if (err)
		return 2;

	err = pw_loader_start(&opts.loader, &skel);
	if (err)
		return 1;

	/* Attached: nothing from here on needs a capability. */
	if (pw_drop_privileges(0, 0)) {
		err = -EPERM;
		goto cleanup;
	}
	pw_hierarchies_load(&hierarchies);
	/*
	 * Scan after attaching: a cgroup made during the scan is both scanned and
	 * seen as an event, and the node merges the two by cgroup id.
	 */
	if (pw_node_open(&ctx.node, &node_cfg) == 0)
		pw_node_scan(ctx.node);
	else
		pw_warn("container columns stay empty, ignoring");
	ctx.filter = opts.filter;
	ctx.format = (struct pw_format){
		.out = stdout,
		.json = opts.json,
		.realtime_offset_ns = pw_realtime_offset_ns(),
		.hierarchies = &hierarchies,
	};
	rb = ring_buffer__new(pw_loader_events_fd(skel), handle_event, &ctx, NULL);
	if (!rb) {
		err = -errno;
		pw_err("cannot open the ring buffer: %s", strerror(-err));
		goto cleanup;
	}
	err = pw_loop_new(&loop);
	if (err)
		goto cleanup;
	pw_loop_set_ringbuf(loop, rb);
	pw_loop_set_after_turn(loop, flush_output, NULL);

	pw_format_header(&ctx.format);
	fflush(stdout);
	pw_info("tracing, Ctrl-C to stop");
	err = pw_loop_run(loop, opts.duration_s);
	print_counters(skel, ctx.malformed);

cleanup:
	pw_loop_free(loop);
	ring_buffer__free(rb);
	pw_node_free(ctx.node);
	pw_loader_stop(skel);
	return err ? 1 : 0;
}
