// SPDX-License-Identifier: GPL-2.0-only
/* `pinwatch trace`: options, the event loop and the closing counters. */
#include "trace.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "clock.h"
#include "event.h"
#include "event_loop.h"
#include "filter.h"
#include "format.h"
#include "loader.h"
#include "log.h"
#include "noise_counters.h"
#include "node.h"
#include "parse.h"
#include "privileges.h"
#include "quiet.h"
#include "runtimes.h"

#define MAX_DURATION_S (365UL * 24 * 3600)
/* The nice value trace runs at unless told (--nice): below the node's own work. */
#define DEFAULT_NICE 10
#define MAX_RUNTIMES 32

static const char usage[] =
	"Usage: pinwatch trace [OPTIONS]\n"
	"\n"
	"Stream container runtime execs, cgroup mkdir/rmdir, writes to cpuset files and\n"
	"the agent's holds of first execs, live, from the kernel. Runs as root. Ends on\n"
	"Ctrl-C, SIGTERM or --duration and prints the event counters (seen, emitted,\n"
	"dropped) to stderr.\n"
	"\n"
	"Options:\n"
	"  -j, --json              one JSON object per line (schema: docs/EVENTS.md)\n"
	"  -w, --wide              the table's DETAIL whole (default: lines fit 120\n"
	"                          columns, a long command line cut, marked with an ellipsis)\n"
	"  -t, --type LIST         only these event types, comma-separated:\n"
	"                          cgroup_mkdir, cgroup_rmdir, cgroup_populated,\n"
	"                          exec, cpuset_write, hold, release (the default:\n"
	"                          all of them), noise (only when asked: what runs on\n"
	"                          the isolated CPUs that is not their container, an\n"
	"                          event per intruder, at most one a second)\n"
	"      --noise-cpus LIST   with --type noise: watch these CPUs (default: the\n"
	"                          ones the agent's journal isolates)\n"
	"      --state-dir DIR     with --type noise: the agent's journal, whose\n"
	"                          containers own their CPUs (default /run/pinwatch)\n"
	"  -c, --cgroup PREFIX     only events whose cgroup path starts with PREFIX\n"
	"      --comm NAME         only events from tasks whose comm is NAME\n"
	"      --container ID|NAME only events of that container (its id, a prefix of\n"
	"                          it, or its name), its runtime's execs included\n"
	"  -d, --duration SECONDS  stop after SECONDS (1 to 31536000)\n"
	"  -r, --runtime NAME      also watch execs of binary NAME (repeatable)\n"
	"  -a, --all-hierarchies   cgroup events of every hierarchy, not only the\n"
	"                          cpuset-bearing ones (v1 cpuset and cgroup2)\n"
	"      --probe MODE        how cpuset writes are seen: fentry (on the cgroup\n"
	"                          file write handler: only cgroup writes pay, io_uring\n"
	"                          seen), tracepoint (write syscalls: every write pays),\n"
	"                          or auto (default: fentry where the kernel allows it)\n"
	"      --nice N            read and print at nice N at least, 0 to 19 (default\n"
	"                          10: the node's own work comes first; 0: as started)\n"
	"      --btf FILE          kernel BTF to use instead of /sys/kernel/btf/vmlinux\n"
	"  -v, --verbose           show libbpf's messages\n"
	"  -h, --help              show this help\n"
	"\n"
	"Examples:\n"
	"  pinwatch trace                        # everything, as a table\n"
	"  pinwatch trace --json --type cpuset_write\n"
	"  pinwatch trace --cgroup /kubepods --duration 60\n"
	"  pinwatch trace --runtime my-runc-wrapper\n"
	"  pinwatch trace --type noise,cpuset_write\n";

enum {
	OPT_COMM = 256,
	OPT_BTF,
	OPT_PROBE,
	OPT_CONTAINER,
	OPT_NOISE_CPUS,
	OPT_STATE_DIR,
	OPT_NICE,
};

static const struct option long_options[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "wide", no_argument, NULL, 'w' },
	{ "type", required_argument, NULL, 't' },
	{ "cgroup", required_argument, NULL, 'c' },
	{ "comm", required_argument, NULL, OPT_COMM },
	{ "container", required_argument, NULL, OPT_CONTAINER },
	{ "duration", required_argument, NULL, 'd' },
	{ "runtime", required_argument, NULL, 'r' },
	{ "all-hierarchies", no_argument, NULL, 'a' },
	{ "btf", required_argument, NULL, OPT_BTF },
	{ "probe", required_argument, NULL, OPT_PROBE },
	{ "noise-cpus", required_argument, NULL, OPT_NOISE_CPUS },
	{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
	{ "nice", required_argument, NULL, OPT_NICE },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{},
};

struct trace_opts {
	struct pw_loader_opts loader;
	struct pw_filter filter;
	bool json, wide;
	const char *container;	   /* --container: an id, a prefix of one, or a name */
	struct pw_cpus noise_cpus; /* --noise-cpus */
	bool noise_cpus_given;
	const char *state_dir;	  /* --state-dir */
	unsigned long duration_s; /* 0: until a signal */
	unsigned long nice;	  /* --nice: the least nice value to run at */
	/* Runtime names whose execs are reported: the table's, then --runtime's. */
	const char *runtimes[PW_RUNTIME_EXECS_MAX + MAX_RUNTIMES];
};

struct trace_ctx {
	struct pw_filter filter;
	const char *container; /* --container, or NULL */
	struct pw_format format;
	struct pw_node *node; /* NULL: container columns stay empty */
	const struct pinwatch_bpf *skel;
	struct pw_noise_counters *noise; /* --type noise */
	__u64 noise_events;
	__u64 malformed;
	__u64 lost_said;	       /* the kernel side's lost_events when last said */
	__u64 dropped[PW_EV_TYPE_MAX]; /* per type, when last said */
};

static int parse_probe(const char *arg, enum pw_probe *probe)
{
	static const enum pw_probe modes[] = { PW_PROBE_AUTO, PW_PROBE_TRACEPOINT,
					       PW_PROBE_FENTRY };

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(arg, pw_probe_name(modes[i]))) {
			*probe = modes[i];
			return 0;
		}
	pw_err("invalid --probe '%s': expected auto, tracepoint or fentry", PW_Q(arg));
	return -EINVAL;
}

/* 0 to run, 1 for --help, or -EINVAL after saying what was wrong. */
static int parse_args(int argc, char **argv, struct trace_opts *o)
{
	unsigned long value;
	int opt;

	memset(o, 0, sizeof(*o));
	o->filter.types_mask = pw_event_default_types();
	o->state_dir = PW_DEFAULT_STATE_DIR;
	o->loader.probe = PW_PROBE_AUTO;
	o->nice = DEFAULT_NICE;
	o->loader.runtimes = o->runtimes;
	o->loader.nr_runtimes = pw_runtimes_execs(o->runtimes, PW_RUNTIME_EXECS_MAX);
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":jwt:c:d:r:avh", long_options, NULL)) != -1) {
		switch (opt) {
		case 'j':
			o->json = true;
			break;
		case 'w':
			o->wide = true;
			break;
		case 't':
			if (pw_filter_parse_types(optarg, &o->filter.types_mask))
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
			if (pw_parse_ulong_range(optarg, "--duration", 1, MAX_DURATION_S, &value))
				return -EINVAL;
			o->duration_s = value;
			break;
		case 'r':
			if (pw_check_runtime_name(optarg))
				return -EINVAL;
			if (o->loader.nr_runtimes == sizeof(o->runtimes) / sizeof(o->runtimes[0])) {
				pw_err("too many --runtime names: at most %d", MAX_RUNTIMES);
				return -EINVAL;
			}
			o->runtimes[o->loader.nr_runtimes++] = optarg;
			break;
		case 'a':
			o->loader.all_hierarchies = true;
			break;
		case OPT_CONTAINER:
			if (!*optarg || strlen(optarg) > PW_NAME_LEN) {
				pw_err("invalid --container '%s': expected a container id, a prefix "
				       "of one, or a name",
				       PW_Q(optarg));
				return -EINVAL;
			}
			o->container = optarg;
			break;
		case OPT_BTF:
			o->loader.btf_path = optarg;
			break;
		case OPT_PROBE:
			if (parse_probe(optarg, &o->loader.probe))
				return -EINVAL;
			break;
		case OPT_STATE_DIR:
			o->state_dir = optarg;
			break;
		case OPT_NICE:
			if (pw_parse_ulong_range(optarg, "--nice", 0, 19, &value))
				return -EINVAL;
			o->nice = value;
			break;
		case OPT_NOISE_CPUS:
			if (pw_cpus_parse_option(optarg, "--noise-cpus", &o->noise_cpus))
				return -EINVAL;
			o->noise_cpus_given = true;
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
	/*
	 * What is shown is filtered here; what names containers is always
	 * loaded: a --type hold trace still learns of the containers made
	 * after it started.
	 */
	o->loader.types_mask = o->filter.types_mask | PW_NODE_EVENTS_MASK;
	return 0;
}

static void context_of_container(const struct pw_container *c, struct pw_event_context *ctx)
{
	ctx->container_id = c->id;
	ctx->runtime = c->engine ? c->engine : c->oci_runtime;
	ctx->oci_runtime = c->oci_runtime;
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
	if (ev->has_cgroup) {
		cg = pw_node_find(n, ev->hierarchy, ev->cgroup_id);
	} else if (ev->type == PW_EV_EXEC) {
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
		ctx->oci_runtime = s->cmd.runtime;
		ctx->pod = nonempty(s->meta.pod);
		ctx->namespace = nonempty(s->meta.namespace);
		ctx->container = nonempty(s->meta.container);
		return;
	}
	if (cg && cg->container)
		context_of_container(cg->container, ctx);
}

/* Whether the event's container is the one --container names: by id, a prefix of it, or name. */
static bool container_selected(const char *want, const struct pw_event_context *ctx)
{
	return ctx && ((ctx->container_id && !strncmp(ctx->container_id, want, strlen(want))) ||
		       (ctx->container && !strcmp(ctx->container, want)));
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
	if (ev.type == PW_EV_NOISE)
		t->noise_events++;
	/* A removed cgroup is reported with what the node knew, then forgotten. */
	if (t->node && ev.type != PW_EV_CGROUP_RMDIR)
		pw_node_apply(t->node, &ev);
	if (pw_filter_match(&t->filter, &ev)) {
		if (t->node)
			context_of(t->node, &ev, &ectx);
		if (!t->container || container_selected(t->container, t->node ? &ectx : NULL))
			pw_format_event(&t->format, &ev, t->node ? &ectx : NULL);
	}
	if (t->node && ev.type == PW_EV_CGROUP_RMDIR)
		pw_node_apply(t->node, &ev);
	return 0;
}

/* Events lost since the last batch: said in the stream, where they went missing. */
static void say_lost(struct trace_ctx *t)
{
	__u64 c[PW_COUNTERS_LEN], errors[PW_MAP_ERR_MAX], lost[PW_EV_TYPE_MAX] = {};
	__u64 lost_now = pw_loader_lost_events(t->skel);

	if (lost_now == t->lost_said || pw_loader_read_counters(t->skel, c, errors))
		return;
	t->lost_said = lost_now;
	for (int type = 1; type < PW_EV_TYPE_MAX; type++) {
		__u64 dropped = c[type * PW_CNT_MAX + PW_CNT_DROPPED];

		lost[type] = dropped - t->dropped[type];
		t->dropped[type] = dropped;
	}
	pw_format_lost(&t->format, pw_monotonic_ns(), lost);
}

/* After each batch: what was lost, then the batch's output in one write. */
static void after_batch(void *ctx)
{
	say_lost(ctx);
	fflush(stdout);
}

/* The closing counters: on stderr, and in --json as the stream's last record. */
static void print_counters(const struct trace_ctx *t)
{
	__u64 c[PW_COUNTERS_LEN], errors[PW_MAP_ERR_MAX];
	struct pw_trace_counts n = {
		.probe = pw_probe_name(pw_loader_probe(t->skel)),
		.malformed = t->malformed,
	};
	__u64 seen = 0, emitted = 0, dropped = 0;

	if (pw_loader_read_counters(t->skel, c, errors)) {
		pw_err("cannot read the event counters");
		return;
	}
	for (int type = 1; type < PW_EV_TYPE_MAX; type++) {
		n.seen[type] = c[type * PW_CNT_MAX + PW_CNT_SEEN];
		n.emitted[type] = c[type * PW_CNT_MAX + PW_CNT_EMITTED];
		n.dropped[type] = c[type * PW_CNT_MAX + PW_CNT_DROPPED];
		/* Noise comes from its own program (noise_counters.h): counted here. */
		if (type == PW_EV_NOISE && t->noise) {
			n.dropped[type] = pw_noise_counters_events_dropped(t->noise);
			n.emitted[type] = t->noise_events;
			n.seen[type] = n.emitted[type] + n.dropped[type];
		}
		seen += n.seen[type];
		emitted += n.emitted[type];
		dropped += n.dropped[type];
	}
	if (t->format.json) {
		pw_format_counters(&t->format, &n);
		fflush(stdout);
	}
	pw_info("events seen %" PRIu64 ", emitted %" PRIu64 ", dropped %" PRIu64, (uint64_t)seen,
		(uint64_t)emitted, (uint64_t)dropped);
	for (int type = 1; type < PW_EV_TYPE_MAX; type++)
		pw_info("  %-16s seen %" PRIu64 ", emitted %" PRIu64 ", dropped %" PRIu64,
			pw_event_type_name(type), (uint64_t)n.seen[type], (uint64_t)n.emitted[type],
			(uint64_t)n.dropped[type]);
	for (int i = 0; i < PW_MAP_ERR_MAX; i++)
		if (errors[i])
			pw_warn("  map %s: %" PRIu64 " updates failed", pw_map_error_name(i),
				(uint64_t)errors[i]);
	if (t->malformed)
		pw_warn("%" PRIu64 " malformed records ignored", (uint64_t)t->malformed);
}

/*
 * --type noise: the noise counters on --noise-cpus, else on the CPUs the
 * agent's journal isolates (each owned by its container), sending events.
 */
static int start_noise(const struct trace_opts *o, struct trace_ctx *t)
{
	struct pw_journal *journal = NULL;
	struct pw_noise_watch *watch = NULL;
	const char *mode;
	size_t nr;
	int err;

	if (pw_journal_open(&journal, o->state_dir, PW_JOURNAL_READ) && !o->noise_cpus_given)
		return -EIO;
	err = pw_quiet_watch_list(journal, o->noise_cpus_given ? &o->noise_cpus : NULL, &watch,
				  &nr);
	if (err == -ENOENT)
		pw_err("--type noise: nothing is isolated (the journal in '%s' holds no container): "
		       "name the CPUs to watch with --noise-cpus",
		       PW_Q(o->state_dir));
	if (!err)
		err = pw_noise_counters_open(&t->noise, watch, nr, true, o->loader.verbose, &mode);
	if (!err)
		pw_info("noise: %s", mode);
	free(watch);
	pw_journal_close(journal);
	return err;
}

/*
 * An observer yields the CPU to the node's work: at nice 0 trace's reader
 * took the CPU from the kernel's deferred cgroup work, and a cgroup churn
 * ran x1.18 slower under trace, x1.09 with trace at nice 19 (docs/
 * PERFORMANCE.md). Only ever lowered: a trace started nicer stays so.
 */
static void yield_to_the_node(unsigned long nice)
{
	int now;

	errno = 0;
	now = getpriority(PRIO_PROCESS, 0);
	if (errno || now >= (int)nice)
		return;
	if (setpriority(PRIO_PROCESS, 0, (int)nice))
		pw_warn("cannot lower trace's priority to nice %lu: %s", nice, strerror(errno));
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
	ctx.skel = skel;
	if ((opts.filter.types_mask & (1U << PW_EV_NOISE)) && start_noise(&opts, &ctx)) {
		err = -EINVAL;
		goto cleanup;
	}
	/* To a pipe or a file: each batch leaves in one write, not one per line. */
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	/*
	 * Trace has one thread: stdio need not lock stdout on every call (the
	 * locks were most of what is left of its CPU per event under churn).
	 */
	__fsetlocking(stdout, FSETLOCKING_BYCALLER);

	/* Attached: nothing from here on needs a capability but reading runtime state. */
	if (pw_drop_privileges(0, PW_CAPS_READ_STATE, 0)) {
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
	ctx.container = opts.container;
	ctx.format = (struct pw_format){
		.out = stdout,
		.json = opts.json,
		.wide = opts.wide,
		.realtime_offset_ns = pw_realtime_offset_ns(),
		.hierarchies = &hierarchies,
	};
	rb = ring_buffer__new(pw_loader_events_fd(skel), handle_event, &ctx, NULL);
	if (!rb) {
		err = -errno;
		pw_err("cannot open the ring buffer: %s", strerror(-err));
		goto cleanup;
	}
	if (ctx.noise &&
	    ring_buffer__add(rb, pw_noise_counters_events_fd(ctx.noise), handle_event, &ctx)) {
		err = -errno;
		pw_err("cannot open the noise ring buffer: %s", strerror(-err));
		goto cleanup;
	}
	err = pw_loop_new(&loop);
	if (err)
		goto cleanup;
	pw_loop_set_ringbuf(loop, rb);
	pw_loop_set_after_turn(loop, after_batch, &ctx);

	yield_to_the_node(opts.nice);
	pw_format_header(&ctx.format);
	fflush(stdout);
	if (opts.loader.types_mask & (1U << PW_EV_CPUSET_WRITE))
		pw_info("tracing (cpuset writes by %s), Ctrl-C to stop",
			pw_probe_name(pw_loader_probe(skel)));
	else
		pw_info("tracing, Ctrl-C to stop");
	err = pw_loop_run(loop, opts.duration_s);
	say_lost(&ctx);
	print_counters(&ctx);

cleanup:
	pw_loop_free(loop);
	ring_buffer__free(rb);
	pw_node_free(ctx.node);
	pw_noise_counters_close(ctx.noise);
	pw_loader_stop(skel);
	return err ? 1 : 0;
}
