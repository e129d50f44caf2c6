// SPDX-License-Identifier: GPL-2.0-only
/*
 * `pinwatch agent`: options, start-up, and the event loop's callbacks. The
 * decisions are the reconciler's (reconciler.c, policy.c); this file connects the
 * kernel's events to the node and the node to the reconciler.
 */
#include "agent.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <linux/capability.h>

#include "backend.h"
#include "clock.h"
#include "config_file.h"
#include "reconciler.h"
#include "event.h"
#include "event_loop.h"
#include "fault.h"
#include "hold.h"
#include "journal.h"
#include "loader.h"
#include "log.h"
#include "metrics.h"
#include "metrics_server.h"
#include "node.h"
#include "parse.h"
#include "policy.h"
#include "privileges.h"
#include "quiet.h"
#include "runtimes.h"
#include "tuner.h"

/* Full rescans when nothing else asks for one: a safety net, cheap at this pace. */
#define DEFAULT_RESYNC_S 30
/*
 * Rescans for lost events, one after another, wait this long at first and
 * twice as long each time, up to the cap: a storm that keeps the ring
 * overflowing (whoever makes it) costs at most one rescan per 5 s, ~7% of
 * a CPU at 10,000 cgroups (a rescan takes ~0.35 s there). Quiet for the
 * cap, the wait starts over.
 */
#define RESCAN_BACKOFF_MIN_MS 200
#define RESCAN_BACKOFF_MAX_MS 5000
/* A rolling update or a restarting pod comes back within seconds: its layout is ready. */
#define DEFAULT_KEEP_LAYOUT_S 30
#define DEFAULT_CONFIG "/etc/pinwatch/agent.conf"
#define TICK_MS 100
/*
 * The agent's ring buffer: the cgroup events of a busy node's loop turn fit
 * (a kubepods container's record is ~230 bytes: ~1,100 of them); a storm
 * that overflows it costs a rescan, not a wrong state. Its pages are mapped
 * twice and count twice in RSS.
 */
#define AGENT_RINGBUF_BYTES (256U << 10)

static const char usage[] =
	"Usage: pinwatch agent [OPTIONS]\n"
	"\n"
	"Disable scheduler load balancing on the exclusive CPUs of pinned containers that\n"
	"opted in, while they run; restore it when they exit or go. No container is touched\n"
	"unless it opted in (annotation cpu-load-balancing.crio.io: \"disable\") or a\n"
	"selector names it. Runs as root. docs/AGENT.md says what it changes on the host.\n"
	"\n"
	"Options:\n"
	"      --select-pod GLOB     isolate containers of pods NS/POD (or NS/POD/CONTAINER)\n"
	"      --select-cgroup GLOB  isolate containers whose cgroup path matches\n"
	"      --select-exclusive    isolate every container with exclusive CPUs\n"
	"      --reserved CPULIST    CPUs never isolated (the host's housekeeping CPUs)\n"
	"      --tune KNOB=VALUE     what selected containers get beyond balancing, as\n"
	"                            CRI-O's annotations: irq-load-balancing=disable,\n"
	"                            cpu-quota=disable, cpu-c-states=disable|enable|\n"
	"                            max_latency:US, cpu-freq-governor=NAME (repeatable)\n"
	"      --exec-cpu-affinity first|none  processes a runtime's exec puts into an\n"
	"                            isolated container (kubectl exec, probes) run on its\n"
	"                            first CPU (first), or where they land (none, the\n"
	"                            default; the annotation exec-cpu-affinity.pinwatch.io\n"
	"                            says first for one pod)\n"
	"      --backend auto|v1|v2  v1: cpuset.sched_load_balance; v2: isolated partitions\n"
	"      --hold never|auto|always  stop an opted-in container's first exec until its\n"
	"                            isolation is in place (auto, the default: only when it\n"
	"                            is not yet; always: check every one; never)\n"
	"      --dry-run             log every write it would make, make none, keep no journal\n"
	"      --restore-on-exit     on SIGTERM/SIGINT restore everything (default: keep\n"
	"                            running containers isolated across an upgrade)\n"
	"      --state-dir DIR       where the journal lives (default /run/pinwatch)\n"
	"      --resync SECONDS      rescan the node this often (default 30, 1 to 3600)\n"
	"      --keep-layout SECONDS v1: keep the housekeeping cpuset (balancing back, at\n"
	"                            every CPU) this long after the last isolation, for the\n"
	"                            next container (default 30, 0 to 3600; 0: undo it)\n"
	"      --log-format FORMAT   text (default: each line with its time and level,\n"
	"                            or its priority for journald) or json (an object\n"
	"                            a line: time, level, msg)\n"
	"      --config FILE         settings as in FILE, one long option per line\n"
	"                            ('reserved = 0-1'); flags win (default\n"
	"                            /etc/pinwatch/agent.conf, when it exists)\n"
	"      --metrics ADDR        serve Prometheus metrics on PORT (127.0.0.1),\n"
	"                            IPV4:PORT or [IPV6]:PORT (off by default)\n"
	"      --noise               count what runs on the isolated CPUs that is not\n"
	"                            their container (pinwatch noise's counters), for\n"
	"                            ps and the metrics; each context switch on those\n"
	"                            CPUs costs ~0.7 us more (off by default)\n"
	"  -v, --verbose             show libbpf's messages\n"
	"  -h, --help                show this help\n"
	"\n"
	"Examples:\n"
	"  pinwatch agent\n"
	"  pinwatch agent --select-pod 'telco/dpdk-*' --reserved 0-1\n"
	"  pinwatch agent --dry-run --select-exclusive\n";

enum {
	OPT_SELECT_POD = 256,
	OPT_SELECT_CGROUP,
	OPT_SELECT_EXCLUSIVE,
	OPT_RESERVED,
	OPT_BACKEND,
	OPT_DRY_RUN,
	OPT_RESTORE_ON_EXIT,
	OPT_STATE_DIR,
	OPT_RESYNC,
	OPT_METRICS,
	OPT_HOLD,
	OPT_KEEP_LAYOUT,
	OPT_CONFIG,
	OPT_LOG_FORMAT,
	OPT_TUNE,
	OPT_EXEC_AFFINITY,
	OPT_NOISE,
};

static const struct option long_options[] = {
	{ "select-pod", required_argument, NULL, OPT_SELECT_POD },
	{ "select-cgroup", required_argument, NULL, OPT_SELECT_CGROUP },
	{ "select-exclusive", no_argument, NULL, OPT_SELECT_EXCLUSIVE },
	{ "reserved", required_argument, NULL, OPT_RESERVED },
	{ "backend", required_argument, NULL, OPT_BACKEND },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "restore-on-exit", no_argument, NULL, OPT_RESTORE_ON_EXIT },
	{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
	{ "resync", required_argument, NULL, OPT_RESYNC },
	{ "metrics", required_argument, NULL, OPT_METRICS },
	{ "hold", required_argument, NULL, OPT_HOLD },
	{ "keep-layout", required_argument, NULL, OPT_KEEP_LAYOUT },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "log-format", required_argument, NULL, OPT_LOG_FORMAT },
	{ "tune", required_argument, NULL, OPT_TUNE },
	{ "exec-cpu-affinity", required_argument, NULL, OPT_EXEC_AFFINITY },
	{ "noise", no_argument, NULL, OPT_NOISE },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{},
};

struct agent_opts {
	struct pw_loader_opts loader;
	const char *backend, *state_dir, *metrics;
	bool dry_run, restore_on_exit, exec_first, noise;
	unsigned long resync_s, keep_layout_s;
	enum pw_hold_mode hold;
	enum pw_log_format log_format;
	const char *runtimes[PW_RUNTIME_EXECS_MAX]; /* whose execs are reported: the table's */
};

struct agent {
	struct pw_policy policy;
	struct pw_metrics metrics;
	struct pw_backend backend;
	struct pw_journal *journal;
	struct pw_node *node;
	struct pw_reconciler *reconciler;
	struct pw_tuner tuner;
	struct pw_quiet quiet; /* --noise */
	bool noise;
	struct pinwatch_bpf *skel;
	int host_lock; /* the host's lock (cgroupfs.h); -1 in a dry run */
	struct pw_metrics_server *metrics_server; /* NULL when off */
	struct pw_holds holds;
	struct pw_loop *loop;
	__u64 malformed;
	__u64 lost; /* events the kernel side lost, already recovered from */
	double last_loss_rescan_ms, rescan_backoff_ms;
	__u64 untrusted[PW_UNTRUSTED_MAX]; /* untrusted runtime execs, as last said */
	unsigned long ticks, resync_ticks;
};

/* The --config FILE of argv (FILE "" when it has none), or NULL for the default. */
static const char *config_path(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--config"))
			return i + 1 < argc ? argv[i + 1] : "";
		if (!strncmp(argv[i], "--config=", 9))
			return argv[i] + 9;
	}
	return NULL;
}

/* Whether argv names containers itself: its selectors then replace the config file's. */
static bool selects(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strncmp(argv[i], "--select-", 9))
			return true;
	return false;
}

/* 0 to run, 1 for --help, or -EINVAL after saying what was wrong. */
static int parse_args(int argc, char **argv, struct agent *a, struct agent_opts *o)
{
	struct pw_cpus online;
	unsigned long value;
	const char *why;
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":vh", long_options, NULL)) != -1) {
		switch (opt) {
		case OPT_SELECT_POD:
			if (pw_policy_add(a->policy.pods, &a->policy.nr_pods, optarg,
					  "--select-pod"))
				return -EINVAL;
			break;
		case OPT_SELECT_CGROUP:
			if (pw_policy_add(a->policy.cgroups, &a->policy.nr_cgroups, optarg,
					  "--select-cgroup"))
				return -EINVAL;
			break;
		case OPT_SELECT_EXCLUSIVE:
			a->policy.all_exclusive = true;
			break;
		case OPT_TUNE:
			if (pw_knob_parse_setting(optarg, &a->policy.tune))
				return -EINVAL;
			break;
		case OPT_RESERVED:
			if (pw_cpus_parse(optarg, strlen(optarg), &a->policy.reserved, &why)) {
				pw_err("invalid --reserved '%s': %s", PW_Q(optarg), why);
				return -EINVAL;
			}
			if (pw_cpus_online(&online) == 0 &&
			    !pw_cpus_subset(&a->policy.reserved, &online)) {
				char have[PW_CPULIST_LEN];

				pw_cpus_format(&online, have, sizeof(have));
				pw_err("invalid --reserved '%s': this host has CPUs %s only",
				       PW_Q(optarg), have);
				return -EINVAL;
			}
			break;
		case OPT_BACKEND:
			if (strcmp(optarg, "auto") && !pw_backend_by_name(optarg)) {
				pw_err("invalid --backend '%s': expected auto, v1 or v2",
				       PW_Q(optarg));
				return -EINVAL;
			}
			o->backend = optarg;
			break;
		case OPT_DRY_RUN:
			o->dry_run = true;
			break;
		case OPT_EXEC_AFFINITY:
			if (strcmp(optarg, "first") && strcmp(optarg, "none")) {
				pw_err("invalid --exec-cpu-affinity '%s': expected first or none",
				       PW_Q(optarg));
				return -EINVAL;
			}
			o->exec_first = !strcmp(optarg, "first");
			break;
		case OPT_RESTORE_ON_EXIT:
			o->restore_on_exit = true;
			break;
		case OPT_STATE_DIR:
			o->state_dir = optarg;
			break;
		case OPT_RESYNC:
			if (pw_parse_ulong_range(optarg, "--resync", 1, 3600, &value))
				return -EINVAL;
			o->resync_s = value;
			break;
		case OPT_KEEP_LAYOUT:
			if (pw_parse_ulong_range(optarg, "--keep-layout", 0, 3600, &value))
				return -EINVAL;
			o->keep_layout_s = value;
			break;
		case OPT_METRICS: {
			struct sockaddr_storage sa;
			socklen_t len;

			if (pw_metrics_parse_addr(optarg, &sa, &len))
				return -EINVAL;
			o->metrics = optarg;
			break;
		}
		case OPT_CONFIG:
			break; /* read before the flags: config_path() */
		case OPT_LOG_FORMAT:
			if (pw_log_format_parse(optarg, &o->log_format)) {
				pw_err("invalid --log-format '%s': expected text or json",
				       PW_Q(optarg));
				return -EINVAL;
			}
			break;
		case OPT_NOISE:
			o->noise = true;
			break;
		case OPT_HOLD:
			if (pw_hold_mode_parse(optarg, &o->hold)) {
				pw_err("invalid --hold '%s': expected never, auto or always",
				       PW_Q(optarg));
				return -EINVAL;
			}
			break;
		case 'v':
			o->loader.verbose = true;
			break;
		case 'h':
			return 1;
		default:
			return pw_bad_option(opt, argv, "agent");
		}
	}
	if (pw_no_operands(argc, argv, "agent"))
		return -EINVAL;
	return 0;
}

/*
 * Everything again: the node rescanned, every container and journal entry
 * looked at (the reconciler runs at the end of this loop turn). Said unless it
 * is the periodic one.
 */
static int host_cpus(const struct pw_mounts *m, struct pw_cpus *cpus);

static void resync(struct agent *a, const char *why, bool say)
{
	double start = pw_monotonic_ms();
	struct pw_cpus host;

	a->metrics.resyncs++;
	/* CPUs come and go (hotplug): what the host has is read again. */
	if (!host_cpus(pw_node_mounts(a->node), &host))
		pw_reconciler_set_host(a->reconciler, &host);
	pw_reconciler_set_event_time(a->reconciler, 0);
	pw_node_scan(a->node);
	pw_reconciler_look_at_everything(a->reconciler);
	pw_reconciler_run(a->reconciler);
	if (say)
		pw_info("node rescanned and converged in %.1f ms (%s)", pw_monotonic_ms() - start,
			why);
}

static void read_kernel_counters(struct agent *a, struct pw_metrics_view *v)
{
	if (pw_loader_read_counters(a->skel, v->kernel, v->map_errors))
		memset(v->kernel, 0, sizeof(v->kernel));
}

/*
 * Runtime execs the kernel side did not trust are never sent to the agent:
 * said once per reason (the first of each), and counted in the metrics.
 */
static void say_untrusted_execs(struct agent *a)
{
	__u64 now[PW_UNTRUSTED_MAX];

	pw_loader_untrusted_execs(a->skel, now);
	for (int i = 1; i < PW_UNTRUSTED_MAX; i++) {
		if (now[i] && !a->untrusted[i])
			pw_warn("untrusted runtime execs were not sent to the agent: %llu so far %s "
				"(a runtime's name there teaches it nothing)",
				(unsigned long long)now[i], pw_untrusted_reason(i));
		a->untrusted[i] = now[i];
	}
}

static void on_tick(void *ctx)
{
	struct agent *a = ctx;
	__u64 lost = pw_loader_lost_events(a->skel);

	say_untrusted_execs(a);
	a->ticks++;
	pw_loader_heartbeat(a->skel, pw_monotonic_ns());
	pw_metrics_server_tick(a->metrics_server);
	pw_reconciler_tick(a->reconciler, pw_monotonic_ms());
	pw_node_tick(a->node);
	if (a->noise && a->ticks % (1000 / TICK_MS) == 0) {
		/* Opening the counters loads a BPF program on perf events. */
		bool bpf = pw_raise_capability(CAP_BPF), perfmon = pw_raise_capability(CAP_PERFMON);

		pw_quiet_tick(&a->quiet, a->journal);
		if (bpf)
			pw_lower_capability(CAP_BPF);
		if (perfmon)
			pw_lower_capability(CAP_PERFMON);
	}
	/* Something was missed: what the node looks like now says what it was. */
	if (lost != a->lost && pw_monotonic_ms() - a->last_loss_rescan_ms >= a->rescan_backoff_ms) {
		double now = pw_monotonic_ms();

		pw_warn("%llu kernel events were lost; rescanning the node",
			(unsigned long long)(lost - a->lost));
		a->lost = lost;
		/* Losses again soon after the last rescan: wait longer before the next. */
		a->rescan_backoff_ms = now - a->last_loss_rescan_ms < RESCAN_BACKOFF_MAX_MS ?
					       a->rescan_backoff_ms * 2 :
					       RESCAN_BACKOFF_MIN_MS;
		if (a->rescan_backoff_ms > RESCAN_BACKOFF_MAX_MS)
			a->rescan_backoff_ms = RESCAN_BACKOFF_MAX_MS;
		a->last_loss_rescan_ms = now;
		a->metrics.loss_rescans++;
		resync(a, "events lost", true);
	} else if (a->ticks % a->resync_ticks == 0) {
		resync(a, "periodic", false);
	}
}

static void after_turn(void *ctx)
{
	struct agent *a = ctx;

	pw_node_flush(a->node); /* the turn's mkdirs: the reconciler and the holds look next */
	if (pw_node_needs_scan(a->node))
		resync(a, "an event could not be applied exactly", true);
	pw_reconciler_run(a->reconciler);
	pw_holds_review(&a->holds);
	/* A held task's container named again meanwhile: decided now, not at the next tick. */
	if (a->holds.outstanding) {
		pw_reconciler_run(a->reconciler);
		pw_holds_review(&a->holds);
	}
}

static int on_hold_event(void *ctx, void *data, size_t size)
{
	struct agent *a = ctx;

	pw_node_flush(a->node); /* the held task's cgroup may be among the turn's mkdirs */
	return pw_holds_on_event(&a->holds, data, size);
}

/* The hold guardian exited: said, and another one started (nothing is held meanwhile). */
static void on_guardian_exit(void *ctx)
{
	struct agent *a = ctx;

	pw_loop_remove_fd(a->loop, a->holds.guardian_fd);
	pw_holds_guardian_exited(&a->holds);
	if (a->holds.guardian_fd >= 0)
		pw_loop_add_fd(a->loop, a->holds.guardian_fd, on_guardian_exit, a);
}

/* The initial pid namespace's fixed inode number (include/linux/proc_ns.h). */
#define PROC_PID_INIT_INO 0xEFFFFFFCU

/*
 * Whether the agent runs in the host's pid namespace: held tasks are
 * resumed by their pid, which it must see as the kernel does (a DaemonSet
 * with hostPID, a unit).
 */
static bool in_host_pid_ns(void)
{
	struct stat st;

	return !stat("/proc/self/ns/pid", &st) && st.st_ino == PROC_PID_INIT_INO;
}

/* A tuned container's quota was written: what the agent set is set again. */
static void on_quota_written(void *ctx)
{
	struct agent *a = ctx;

	pw_tuner_read_watches(&a->tuner);
}

/* A watched cpuset.cpus was written: the CPUs it changed are due from now. */
static void on_cpus_written(void *ctx)
{
	struct agent *a = ctx;

	pw_reconciler_set_event_time(a->reconciler, pw_monotonic_ns());
	pw_node_read_watch(a->node);
}

static int handle_event(void *ctx, void *data, size_t size)
{
	struct agent *a = ctx;
	struct pw_event ev;

	if (pw_event_decode(data, size, &ev)) {
		a->malformed++;
		return 0;
	}
	pw_reconciler_set_event_time(a->reconciler, ev.hdr->ktime_ns);
	pw_node_apply(a->node, &ev);
	return 0;
}

static void write_metrics(void *ctx, FILE *out, unsigned long long scrapes)
{
	struct agent *a = ctx;
	struct pw_metrics_view v = { .m = &a->metrics,
				     .backend = a->backend.ops->name,
				     .scrapes = scrapes };
	unsigned long cgroups;

	pw_node_counts(a->node, &cgroups, &v.containers);
	v.isolated_containers = pw_journal_count(a->journal);
	v.isolated_cpus = pw_reconciler_isolated_cpus(a->reconciler);
	pw_node_watch_counts(a->node, &v.cpuset_watches, &v.cpuset_watches_refused);
	v.cgroups_unread = pw_node_unread_cgroups(a->node);
	v.journal_saves = pw_journal_saves(a->journal);
	if (a->noise) {
		v.noise = a->quiet.totals;
		v.nr_noise = a->quiet.nr_totals;
	}
	read_kernel_counters(a, &v);
	pw_loader_untrusted_execs(a->skel, v.untrusted_execs);
	pw_tuner_counts(&a->tuner, &v.knobs);
	pw_metrics_write(out, &v);
}

/* The reconciler asks the node whether a container is still there. */
static struct pw_container *find_in_node(void *ctx, int hierarchy, uint64_t id)
{
	struct pw_cgroup *cg = pw_node_find(ctx, hierarchy, id);

	return cg ? cg->container : NULL;
}

/* The CPUs of the cpuset root: what the host has to balance. */
static int host_cpus(const struct pw_mounts *m, struct pw_cpus *cpus)
{
	int h = pw_mounts_cpuset_hierarchy(m);
	char buf[PW_CPULIST_LEN * 4];
	struct pw_cpus isolated;
	const char *why;

	if (pw_cgroup_read(pw_mounts_fd(m, h), "", pw_mounts_effective_cpus_file(m, h), buf,
			   sizeof(buf)) < 0 ||
	    pw_cpus_parse(buf, strlen(buf), cpus, &why))
		return pw_cpus_online(cpus);
	/*
	 * cgroup2 takes an isolated partition's CPUs out of the root's
	 * effective ones: after a restart, those of the partitions the agent
	 * made (still the host's) would look like CPUs it does not have.
	 */
	if (!h &&
	    pw_cgroup_read(pw_mounts_fd(m, 0), "", "cpuset.cpus.isolated", buf, sizeof(buf)) >= 0 &&
	    !pw_cpus_parse(buf, strlen(buf), &isolated, &why))
		pw_cpus_or(cpus, &isolated);
	return 0;
}

struct config_ctx {
	struct agent *a;
	struct agent_opts *o;
};

static int apply_config_line(int argc, char **argv, void *ctx)
{
	struct config_ctx *c = ctx;

	return parse_args(argc, argv, c->a, c->o) ? -EINVAL : 0;
}

/*
 * The config file's settings, before the flags (which then win): the
 * default file only when it exists, one named with --config always.
 */
static int read_config(int argc, char **argv, struct agent *a, struct agent_opts *o, char **text)
{
	const char *path = config_path(argc, argv);
	struct config_ctx ctx = { a, o };
	int err;

	if (path && !*path)
		return 0; /* "--config" without a value: parse_args says so */
	err = pw_config_file_apply(path ? path : DEFAULT_CONFIG, "agent", long_options,
				   apply_config_line, &ctx, text);
	if (err == -ENOENT && !path)
		return 0;
	if (err == -ENOENT)
		pw_err("config file '%s' does not exist", PW_Q(path));
	if (err)
		return -EINVAL;
	if (selects(argc, argv)) {
		a->policy.nr_pods = 0;
		a->policy.nr_cgroups = 0;
		a->policy.all_exclusive = false;
	}
	return 0;
}

int cmd_agent(int argc, char **argv)
{
	struct agent_opts o = {
		.loader.types_mask = PW_NODE_EVENTS_MASK,
		.loader.urgent_populated_events = true,
		.loader.ringbuf_size = AGENT_RINGBUF_BYTES,
		.loader.trusted_execs_only = true,
		.backend = "auto",
		.state_dir = PW_DEFAULT_STATE_DIR,
		.resync_s = DEFAULT_RESYNC_S,
		.keep_layout_s = DEFAULT_KEEP_LAYOUT_S,
		.hold = PW_HOLD_AUTO,
	};
	struct pw_reconciler_config rcfg = {};
	double started = pw_monotonic_ms();
	unsigned long cgroups, containers;
	struct pw_node_observer obs;
	struct ring_buffer *rb = NULL;
	struct pw_loop *loop = NULL;
	char *config_text = NULL;
	struct agent *a;
	int err;

	o.loader.runtimes = o.runtimes;
	o.loader.nr_runtimes = pw_runtimes_execs(o.runtimes, PW_RUNTIME_EXECS_MAX);
	a = calloc(1, sizeof(*a));
	if (!a)
		return 1;
	a->host_lock = -1;
	pw_block_stop_signals();
	pw_fault_init();
	pw_log_format_parse("text", &o.log_format);
	err = read_config(argc, argv, a, &o, &config_text);
	if (!err)
		err = parse_args(argc, argv, a, &o);
	if (err) {
		if (err > 0)
			fputs(usage, stdout);
		free(config_text);
		free(a);
		return err > 0 ? 0 : 2;
	}
	/* A daemon's lines: stamped with time and level from here on (usage errors stay plain). */
	pw_log_set_format(o.log_format);
	a->resync_ticks = o.resync_s * 1000 / TICK_MS;
	a->rescan_backoff_ms = RESCAN_BACKOFF_MIN_MS;
	a->last_loss_rescan_ms = -RESCAN_BACKOFF_MAX_MS;
	/* A dry run keeps no journal: nothing ps or restore could take for the real one. */
	err = pw_journal_open(&a->journal, o.state_dir,
			      o.dry_run ? PW_JOURNAL_MEMORY : PW_JOURNAL_WRITE);
	if (err)
		goto cleanup;
	{
		/* Peek at the mounts for the backend: v1 needs the CPUs of every cpuset. */
		struct pw_mounts m;
		struct pw_node_config ncfg = {};

		err = pw_mounts_open(&m);
		if (err) {
			pw_err("no cgroup v1 cpuset or cgroup2 mount found in /proc/self/mounts");
			goto cleanup;
		}
		err = pw_backend_choose(&m, o.backend, &a->backend.ops);
		/* Execs are held by their cpuset cgroup: v1's cpuset hierarchy, or cgroup2. */
		a->holds.mode = o.dry_run ? PW_HOLD_NEVER : o.hold;
		if (a->holds.mode != PW_HOLD_NEVER && !in_host_pid_ns()) {
			pw_warn("--hold: the agent is not in the host's pid namespace (a pod needs "
				"hostPID): it could not resume a held task by its pid, so nothing is "
				"held");
			a->holds.mode = PW_HOLD_NEVER;
		}
		o.loader.hold = a->holds.mode != PW_HOLD_NEVER;
		o.loader.hold_hierarchy = err ? 0 : a->backend.ops->hierarchy(&m);
		/* The node maps the cpuset-bearing hierarchy alone: the other's events are not sent. */
		o.loader.one_hierarchy = true;
		o.loader.hierarchy = pw_mounts_cpuset_hierarchy(&m);
		pw_mounts_close(&m);
		if (!err)
			err = pw_loader_start(&o.loader, &a->skel);
		if (err)
			goto cleanup;
		ncfg.cpus_of_all = a->backend.ops->needs_every_cgroups_cpus;
		/* CPU changes by inotify: nothing on the node's syscall path (docs/PERFORMANCE.md). */
		ncfg.watch_cpus = true;
		/* Under churn, a cgroup made and removed between two turns is never read. */
		ncfg.defer_adds = true;
		err = pw_node_open(&a->node, &ncfg);
		if (err)
			goto cleanup;
	}
	/* A dry run changes nothing: it may watch beside the real agent. */
	if (!o.dry_run) {
		a->host_lock = pw_mounts_lock_host(pw_node_mounts(a->node));
		if (a->host_lock < 0) {
			err = a->host_lock;
			goto cleanup;
		}
	}
	a->backend.mounts = pw_node_mounts(a->node);
	a->backend.unsupported = pw_backend_unsupported(a->backend.ops, a->backend.mounts);
	if (a->backend.unsupported)
		pw_warn("load balancing cannot be disabled here: %s; the other knobs (IRQs, CFS "
			"quota, C-states, governor), the hold and the journal apply",
			a->backend.unsupported);
	a->backend.journal = a->journal;
	a->backend.node = a->node;
	a->backend.dry_run = o.dry_run;
	a->backend.keep_layout_ms = o.keep_layout_s * 1000;
	rcfg.policy = &a->policy;
	rcfg.backend = &a->backend;
	rcfg.metrics = &a->metrics;
	rcfg.find = find_in_node;
	rcfg.find_ctx = a->node;
	err = host_cpus(a->backend.mounts, &rcfg.host);
	if (!err) {
		struct pw_tuner_config tcfg = {
			.journal = a->journal,
			.mounts = a->backend.mounts,
			.host = &rcfg.host,
			.dry_run = o.dry_run,
			.follow = !o.dry_run,
		};

		err = pw_tuner_open(&a->tuner, &tcfg);
		rcfg.tuner = &a->tuner;
	}
	if (!err)
		err = pw_reconciler_new(&a->reconciler, &rcfg);
	if (err)
		goto cleanup;
	pw_reconciler_observer(a->reconciler, &obs);
	pw_node_set_observer(a->node, &obs);

	rb = ring_buffer__new(pw_loader_events_fd(a->skel), handle_event, a, NULL);
	if (!rb) {
		err = -errno;
		pw_err("cannot open the ring buffer: %s", strerror(-err));
		goto cleanup;
	}
	a->holds.node = a->node;
	a->holds.reconciler = a->reconciler;
	a->holds.metrics = &a->metrics;
	a->holds.mounts = a->backend.mounts;
	a->holds.hierarchy = o.loader.hold_hierarchy;
	a->holds.held_fd = -1;
	a->holds.guardian_fd = -1;
	a->holds.exec_pins_fd = -1;
	a->holds.exec_first = o.exec_first;
	/* A dry run keeps no journal in the state directory: no noise.json there either. */
	a->noise = o.noise && !o.dry_run;
	pw_quiet_init(&a->quiet, o.state_dir, o.loader.verbose);
	a->holds.journal = a->journal;
	if (a->holds.mode != PW_HOLD_NEVER) {
		int events;

		pw_loader_hold_fds(a->skel, &a->holds.candidates_fd, &a->holds.held_fd, &events);
		a->holds.changes = pw_loader_hold_changes(a->skel);
		a->holds.guardian_heartbeat = pw_loader_guardian_heartbeat(a->skel);
		a->holds.exec_pins_fd = pw_loader_exec_pins_fd(a->skel);
		a->holds.exec_pins_count = pw_loader_exec_pins_count(a->skel);
		a->holds.released_at_exit = pw_loader_hold_released_at_exit(a->skel);
		err = ring_buffer__add(rb, events, on_hold_event, a);
		if (!err)
			err = pw_holds_start_guardian(&a->holds);
		if (err < 0)
			goto cleanup;
		err = 0;
	}
	err = pw_loop_new(&loop);
	a->loop = loop;
	if (!err)
		err = pw_loop_set_tick(loop, TICK_MS, on_tick, a);
	if (!err)
		err = pw_loop_add_fd(loop, pw_node_watch_fd(a->node), on_cpus_written, a);
	if (!err && a->tuner.watch_fd >= 0)
		err = pw_loop_add_fd(loop, a->tuner.watch_fd, on_quota_written, a);
	if (!err && a->holds.guardian_fd >= 0)
		err = pw_loop_add_fd(loop, a->holds.guardian_fd, on_guardian_exit, a);
	if (!err && o.metrics)
		err = pw_metrics_server_start(&a->metrics_server, loop, o.metrics, write_metrics,
					      a);
	if (err)
		goto cleanup;
	pw_loop_set_ringbuf(loop, rb);
	pw_loop_set_after_turn(loop, after_turn, a);

	/*
	 * Loaded, attached, bound: from here on root's uid is all the agent
	 * needs (every file it writes is root's), and, held but raised only
	 * around the one write that asks for each, what its backend's writes
	 * ask for.
	 */
	err = pw_drop_privileges(
		0,
		a->backend.ops->held_caps | PW_CAPS_READ_STATE |
			(a->holds.mode != PW_HOLD_NEVER ?
				 PW_CAP(CAP_BPF) | PW_CAP(CAP_KILL) | PW_CAP(CAP_SYS_NICE) :
				 0) |
			(a->noise ? PW_CAP(CAP_BPF) | PW_CAP(CAP_PERFMON) : 0),
		0);
	if (err)
		goto cleanup;
	/* Attached first, then scanned: nothing that happens meanwhile is missed. */
	pw_node_scan(a->node);
	/* What an earlier agent held and nobody resumed runs now, whatever it becomes. */
	pw_holds_release_stranded(&a->holds);
	pw_reconciler_adopt_journal(a->reconciler);
	pw_reconciler_look_at_everything(a->reconciler);
	pw_reconciler_run(a->reconciler);
	/* Ready: from now on the kernel side may hold (its heartbeat is fresh). */
	pw_loader_heartbeat(a->skel, pw_monotonic_ns());
	pw_node_counts(a->node, &cgroups, &containers);
	pw_info("agent running, %s backend%s%s%s, journal '%s'; ready in %.1f ms with %lu cgroups, "
		"%lu containers",
		a->backend.ops->name, o.dry_run ? ", dry run (no journal kept)" : "",
		a->holds.mode == PW_HOLD_ALWAYS ? ", holding every first exec" :
		a->holds.mode == PW_HOLD_AUTO	? ", holding first execs not yet isolated" :
						  "",
		a->holds.mode == PW_HOLD_NEVER ? "" :
		a->holds.released_at_exit ? " (the kernel side resumes them if the agent dies)" :
					    " (its guardian resumes them if the agent dies)",
		pw_journal_file(a->journal), pw_monotonic_ms() - started, cgroups, containers);
	err = pw_loop_run(loop, 0);
	/* Nothing new is held from here on, and what is held runs. */
	pw_loader_heartbeat(a->skel, 0);
	pw_holds_release_all(&a->holds, "the agent is exiting");
	pw_reconciler_drop_kept_layout(a->reconciler);
	if (o.restore_on_exit) {
		int rerr = pw_reconciler_revert_all(a->reconciler, "agent exiting");

		if (!err)
			err = rerr;
	} else if ((pw_journal_count(a->journal) || pw_journal_tuning_count(a->journal)) &&
		   !o.dry_run) {
		pw_info("exiting; %zu containers stay isolated, %zu knobs applied (pinwatch restore "
			"undoes it)",
			pw_journal_count(a->journal), pw_journal_tuning_count(a->journal));
	}
cleanup:
	/*
	 * Detached before the guardian goes: nothing can be held after its
	 * last look (it resumes what is still held, then exits).
	 */
	pw_loader_stop(a->skel);
	a->skel = NULL;
	pw_quiet_close(&a->quiet);
	pw_holds_stop_guardian(&a->holds);
	pw_metrics_server_free(a->metrics_server);
	pw_loop_free(loop);
	ring_buffer__free(rb);
	pw_reconciler_free(a->reconciler);
	pw_tuner_close(&a->tuner);
	pw_backend_release(&a->backend);
	pw_node_free(a->node);
	pw_journal_close(a->journal);
	if (a->host_lock >= 0)
		close(a->host_lock);
	free(config_text);
	free(a);
	return err ? 1 : 0;
}
