// SPDX-License-Identifier: GPL-2.0-only
/*
 * `pinwatch agent`: take the exclusive CPUs of opted-in pinned containers
 * out of scheduler load balancing while they run, and give them back when
 * they exit, are removed or change CPUs. `pinwatch restore` undoes all of it.
 */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "backend.h"
#include "container_map.h"
#include "event.h"
#include "event_loop.h"
#include "journal.h"
#include "loader.h"
#include "metrics.h"
#include "parse.h"
#include "policy.h"

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
	"      --backend auto|v1|v2  v1: cpuset.sched_load_balance; v2: isolated partitions\n"
	"      --dry-run             log every write it would make, make none\n"
	"      --restore-on-exit     on SIGTERM/SIGINT restore everything (default: keep\n"
	"                            running containers isolated across an upgrade)\n"
	"      --state-dir DIR       where the journal lives (default /run/pinwatch)\n"
	"      --metrics ADDR        serve Prometheus metrics on PORT (127.0.0.1) or\n"
	"                            IPV4:PORT (off by default)\n"
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
	OPT_METRICS,
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
	{ "metrics", required_argument, NULL, OPT_METRICS },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{},
};

struct agent {
	struct pw_policy policy;
	struct pw_container_map map;
	struct pw_journal journal;
	struct pw_backend_ctx backend;
	const char *backend_name; /* "v1" or "v2" */
	int hierarchy;		  /* the one the backend works in */
	bool restore_on_exit;
	__u32 self; /* our pid: our own cpuset writes are events too */
	__u64 malformed;
	struct pw_metrics metrics;
	int metrics_fd; /* -1 when off */
	struct pinwatch_bpf *skel;
};

static const char *display_name(const struct pw_container *c, char *buf, size_t size)
{
	if (c->meta_found && c->meta.pod[0])
		snprintf(buf, size, "%.12s (%s/%s/%s)", c->container_id, c->meta.namespace,
			 c->meta.pod, c->meta.container);
	else
		snprintf(buf, size, "%.12s (%s)", c->container_id, c->path);
	return buf;
}

static int revert(struct agent *a, struct pw_isolation *iso, const char *why)
{
	int err;

	fprintf(stderr, "pinwatch: restore load balancing on CPUs of %.12s (%s): %s\n",
		iso->container_id, iso->path, why);
	err = pw_backend_revert(&a->backend, iso);
	if (err) {
		a->metrics.errors++;
		fprintf(stderr, "pinwatch: restore of %.12s failed: %s; the journal keeps it\n",
			iso->container_id, strerror(-err));
	} else {
		a->metrics.reverts++;
	}
	return err;
}

static __u64 monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* pinned_ns: when the pinning write happened (BPF ktime, CLOCK_MONOTONIC); 0 if unknown. */
static void isolate(struct agent *a, const struct pw_container *c, const char *reason,
		    __u64 pinned_ns)
{
	struct pw_isolation want = {};
	struct pw_isolation *iso;
	char name[1024], cpus[PW_CPULIST_LEN];
	int err;

	snprintf(want.container_id, sizeof(want.container_id), "%s", c->container_id);
	snprintf(want.path, sizeof(want.path), "%s", c->path);
	snprintf(want.backend, sizeof(want.backend), "%s", a->backend_name);
	want.hierarchy = c->hierarchy;
	want.cgroup_id = c->id;
	want.cpus = c->effective;
	pw_cpus_format(&want.cpus, cpus, sizeof(cpus));
	fprintf(stderr, "pinwatch: isolate CPUs %s of %s (%s) with the %s backend\n", cpus,
		display_name(c, name, sizeof(name)), reason, a->backend_name);
	err = pw_backend_apply(&a->backend, &want);
	if (!err) {
		a->metrics.applies++;
		if (pinned_ns && !a->backend.dry_run) {
			__u64 now = monotonic_ns();
			double s = (now - pinned_ns) / 1e9;

			/* ktime (CLOCK_MONOTONIC) lines this up with trace's ktime_ns. */
			pw_metrics_observe_latency(&a->metrics, s);
			fprintf(stderr, "pinwatch: isolated %.12s %.3f ms after the pinning write "
					"(ktime_ns %llu)\n",
				c->container_id, s * 1e3, (unsigned long long)now);
		}
		return;
	}
	a->metrics.errors++;
	fprintf(stderr, "pinwatch: isolating %s failed: %s; undoing what was done\n", name,
		strerror(-err));
	iso = pw_journal_find(&a->journal, c->hierarchy, c->id);
	if (iso)
		revert(a, iso, "isolation failed");
}

/* Bring the kernel in line with policy for c: isolate, keep, refuse or restore. */
static void evaluate(struct agent *a, struct pw_container *c, __u64 pinned_ns)
{
	struct pw_isolation *iso = pw_journal_find(&a->journal, c->hierarchy, c->id);
	const char *reason = pw_policy_reason(&a->policy, c);
	const struct pw_container *other = NULL;
	char name[1024], other_name[1024];
	bool exclusive;

	if (c->hierarchy != a->hierarchy)
		return;
	exclusive = reason && !c->exited && pw_map_exclusive(&a->map, c, &other);
	/* Unchanged (kubelet rewrites the same cpuset every few seconds): nothing to do. */
	if (iso && exclusive && pw_cpus_equal(&iso->cpus, &c->effective))
		return;
	if (iso)
		revert(a, iso, !reason ? "no longer selected" :
			       c->exited ? "its last task exited" :
			       !exclusive ? "CPUs no longer exclusive" : "CPUs changed");
	/* An exited container's CPUs are free, even while its cgroup lingers. */
	if (!reason || c->exited || !c->cpus_known || pw_cpus_empty(&c->effective))
		return;
	if (!exclusive) {
		/* kubelet rewrites the same CPUs every few seconds: say it once. */
		if (c->refusal_logged)
			return;
		c->refusal_logged = true;
		a->metrics.refusals++;
		fprintf(stderr, "pinwatch: refuse to isolate %s (%s): its CPUs are %s\n",
			display_name(c, name, sizeof(name)), reason,
			other ? "shared with" : "reserved or unknown");
		if (other)
			fprintf(stderr, "pinwatch:   shared with %s\n",
				display_name(other, other_name, sizeof(other_name)));
		return;
	}
	isolate(a, c, reason, pinned_ns);
}

struct evaluate_arg {
	struct agent *a;
	__u64 pinned_ns;
};

static int evaluate_one(struct pw_container *c, void *arg)
{
	struct evaluate_arg *e = arg;

	evaluate(e->a, c, e->pinned_ns);
	return 0;
}

static void evaluate_all(struct agent *a, __u64 pinned_ns)
{
	struct evaluate_arg e = { a, pinned_ns };

	pw_map_for_each_container(&a->map, evaluate_one, &e);
}

static int count_container(struct pw_container *c, void *arg)
{
	(void)c;
	(*(unsigned int *)arg)++;
	return 0;
}

static void serve_metrics(void *ctx)
{
	struct agent *a = ctx;
	struct pw_metrics_view v = { .m = &a->metrics, .isolated_containers = a->journal.nr };
	__u64 counters[PW_COUNTERS_LEN];
	struct pw_cpus cpus;

	pw_map_for_each_container(&a->map, count_container, &v.containers);
	pw_cpus_clear(&cpus);
	for (int i = 0; i < a->journal.nr; i++)
		pw_cpus_or(&cpus, &a->journal.items[i].cpus);
	v.isolated_cpus = pw_cpus_count(&cpus);
	if (!pw_loader_read_counters(a->skel, counters))
		for (int t = 1; t < PW_EV_TYPE_MAX; t++)
			v.ringbuf_dropped += counters[t * PW_CNT_MAX + PW_CNT_DROPPED];
	pw_metrics_serve(a->metrics_fd, &v);
}

static int handle_event(void *ctx, void *data, size_t size)
{
	struct agent *a = ctx;
	struct pw_isolation *iso;
	struct pw_container *c;
	struct pw_event ev;

	if (pw_event_decode(data, size, &ev)) {
		a->malformed++;
		return 0;
	}
	switch (ev.type) {
	case PW_EV_CGROUP_RMDIR:
		iso = pw_journal_find(&a->journal, ev.cgroup->hierarchy_id, ev.cgroup->id);
		if (iso)
			revert(a, iso, "its cgroup was removed");
		break;
	case PW_EV_CGROUP_POPULATED:
		/* Released on exit, not only on delete: failed starts leave cgroups behind. */
		iso = pw_journal_find(&a->journal, ev.cgroup->hierarchy_id, ev.cgroup->id);
		if (iso && !(ev.cgroup->flags & PW_F_POPULATED))
			revert(a, iso, "its last task exited");
		break;
	default:
		break;
	}
	pw_map_apply(&a->map, &ev);
	/* A container found empty by the scan may be one that was starting: look again. */
	if (ev.type == PW_EV_CGROUP_POPULATED && (ev.cgroup->flags & PW_F_POPULATED)) {
		c = pw_map_find(&a->map, ev.cgroup->hierarchy_id, ev.cgroup->id);
		if (c && c->is_container)
			evaluate(a, c, 0);
	}
	/* Only a change of CPUs matters, and never our own writes. */
	if (ev.type == PW_EV_CPUSET_WRITE && ev.write->ret >= 0 && ev.hdr->pid != a->self &&
	    ev.file.len >= 11 && !strncmp(ev.file.data, "cpuset.cpus", 11)) {
		c = pw_map_find(&a->map, ev.write->hierarchy_id, ev.write->target_id);
		/* v1: a cpuset that now spans an isolated CPU must not balance it. */
		if (c && !strcmp(a->backend_name, "v1") && ev.write->hierarchy_id == a->hierarchy)
			pw_v1_unbalance(&a->backend, c->path);
		/* Its CPUs may now overlap another isolated container's: look at all. */
		if (c && c->is_container)
			evaluate_all(a, ev.hdr->ktime_ns);
	}
	return 0;
}

/* A journal entry whose container is gone or empty is reverted; the rest is kept. */
static void reconcile(struct agent *a)
{
	int kept = 0, reverted = 0;

	for (int i = a->journal.nr - 1; i >= 0; i--) {
		struct pw_isolation *iso = &a->journal.items[i];
		const struct pw_container *c = pw_map_find(&a->map, iso->hierarchy, iso->cgroup_id);
		bool populated = c && pw_map_populated(&a->map, c);

		if (c && populated) {
			/* Complete what a crash may have cut short, without undoing anything. */
			if (!strcmp(iso->backend, "v2") && pw_v2_enforce(&a->backend, iso)) {
				revert(a, iso, "its partition could not be completed");
				reverted++;
				continue;
			}
			kept++;
			continue;
		}
		revert(a, iso, c ? "its container has no task left" : "its container is gone");
		reverted++;
	}
	if (a->map.mounts.v1_cpuset_fd >= 0) {
		pw_v1_cleanup(&a->backend);
		if (pw_v1_enforce(&a->backend))
			fprintf(stderr, "pinwatch: the v1 layout could not be completed\n");
	}
	fprintf(stderr, "pinwatch: journal '%s': %d isolations kept, %d restored\n", a->journal.file,
		kept, reverted);
}

static int parse_args(int argc, char **argv, struct agent *a, struct pw_loader_opts *lo,
		      struct pw_cpus *reserved, const char **backend, const char **state_dir,
		      const char **metrics)
{
	const char *why;
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":vh", long_options, NULL)) != -1) {
		switch (opt) {
		case OPT_SELECT_POD:
			if (pw_policy_add(a->policy.pods, &a->policy.nr_pods, optarg, "--select-pod"))
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
		case OPT_RESERVED:
			if (pw_cpus_parse(optarg, strlen(optarg), reserved, &why)) {
				fprintf(stderr, "pinwatch: invalid --reserved '%s': %s\n", optarg, why);
				return -EINVAL;
			}
			break;
		case OPT_BACKEND:
			if (strcmp(optarg, "auto") && strcmp(optarg, "v1") && strcmp(optarg, "v2")) {
				fprintf(stderr, "pinwatch: invalid --backend '%s': expected auto, v1 or "
						"v2\n",
					optarg);
				return -EINVAL;
			}
			*backend = optarg;
			break;
		case OPT_DRY_RUN:
			a->backend.dry_run = true;
			break;
		case OPT_RESTORE_ON_EXIT:
			a->restore_on_exit = true;
			break;
		case OPT_STATE_DIR:
			*state_dir = optarg;
			break;
		case OPT_METRICS:
			*metrics = optarg;
			break;
		case 'v':
			lo->verbose = true;
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

/* The backend for this host, or the one asked for if the host has it. */
static int choose_backend(struct agent *a, const char *asked)
{
	int cpuset_h = pw_mounts_cpuset_hierarchy(&a->map.mounts);
	const char *have = cpuset_h ? "v1" : "v2";

	if (strcmp(asked, "auto") && strcmp(asked, have)) {
		fprintf(stderr, "pinwatch: --backend %s: this host's cpusets are on cgroup %s\n", asked,
			have);
		return -EINVAL;
	}
	a->backend_name = have;
	a->hierarchy = cpuset_h;
	/* Remote partitions came with cpuset.cpus.exclusive and the root's cpuset.cpus.isolated. */
	if (!cpuset_h && faccessat(a->map.mounts.v2_fd, "cpuset.cpus.isolated", F_OK, 0)) {
		fprintf(stderr, "pinwatch: the v2 backend needs cpuset.cpus.exclusive (kernel 6.7 or "
				"later): '%s' has no cpuset.cpus.isolated\n",
			a->map.mounts.v2);
		return -EOPNOTSUPP;
	}
	return 0;
}

int cmd_agent(int argc, char **argv)
{
	struct pw_loader_opts lo = {
		.types_mask = (1U << PW_EV_CGROUP_MKDIR) | (1U << PW_EV_CGROUP_RMDIR) |
			      (1U << PW_EV_CGROUP_POPULATED) | (1U << PW_EV_EXEC) |
			      (1U << PW_EV_CPUSET_WRITE),
	};
	const char *backend = "auto", *state_dir = PW_DEFAULT_STATE_DIR, *metrics = NULL;
	struct pw_loop_fd metrics_hook = { .fd = -1 };
	struct pinwatch_bpf *skel = NULL;
	struct ring_buffer *rb = NULL;
	struct pw_cpus reserved;
	struct agent *a;
	bool have_map = false;
	int err;

	a = calloc(1, sizeof(*a));
	if (!a)
		return 1;
	pw_cpus_clear(&reserved);
	a->metrics_fd = -1;
	pw_block_stop_signals();
	if (getenv("PINWATCH_CRASH_AFTER_WRITES"))
		pw_cgroup_crash_after(atol(getenv("PINWATCH_CRASH_AFTER_WRITES")));
	err = parse_args(argc, argv, a, &lo, &reserved, &backend, &state_dir, &metrics);
	if (err > 0) {
		fputs(usage, stdout);
		free(a);
		return 0;
	}
	if (err) {
		free(a);
		return 2;
	}
	err = pw_journal_load(&a->journal, state_dir);
	if (err)
		goto cleanup;
	if (metrics) {
		a->metrics_fd = pw_metrics_listen(metrics);
		if (a->metrics_fd < 0) {
			err = a->metrics_fd;
			goto cleanup;
		}
		metrics_hook = (struct pw_loop_fd){ a->metrics_fd, serve_metrics, a };
	}
	err = pw_loader_start(&lo, &skel);
	if (err)
		goto cleanup;
	a->skel = skel;
	err = pw_map_init(&a->map, &reserved);
	if (err)
		goto cleanup;
	have_map = true;
	err = choose_backend(a, backend);
	if (err)
		goto cleanup;
	a->backend.mounts = &a->map.mounts;
	a->backend.journal = &a->journal;
	a->self = getpid();
	rb = ring_buffer__new(pw_loader_events_fd(skel), handle_event, a, NULL);
	if (!rb) {
		err = -errno;
		fprintf(stderr, "pinwatch: cannot open the ring buffer: %s\n", strerror(errno));
		goto cleanup;
	}
	/* Attached first, then scanned: nothing that happens meanwhile is missed. */
	pw_map_scan(&a->map);
	reconcile(a);
	evaluate_all(a, 0);
	fprintf(stderr, "pinwatch: agent running, %s backend%s, journal '%s'\n", a->backend_name,
		a->backend.dry_run ? ", dry run" : "", a->journal.file);
	err = pw_run_event_loop(rb, 0, &metrics_hook);
	if (a->restore_on_exit) {
		while (a->journal.nr)
			if (revert(a, &a->journal.items[a->journal.nr - 1], "agent exiting"))
				break;
	} else if (a->journal.nr) {
		fprintf(stderr, "pinwatch: exiting; %d containers stay isolated (pinwatch restore "
				"undoes it)\n",
			a->journal.nr);
	}
cleanup:
	ring_buffer__free(rb);
	if (have_map)
		pw_map_free(&a->map);
	pw_loader_stop(skel);
	if (a->metrics_fd >= 0)
		close(a->metrics_fd);
	free(a);
	return err ? 1 : 0;
}

int cmd_restore(int argc, char **argv)
{
	const char *state_dir = argc > 2 && !strcmp(argv[1], "--state-dir") ? argv[2] :
										 PW_DEFAULT_STATE_DIR;
	struct agent *a;
	int err, failed = 0;

	if (argc > 1 && !(argc == 3 && !strcmp(argv[1], "--state-dir"))) {
		if (strcmp(argv[1], "--help") && strcmp(argv[1], "-h")) {
			fprintf(stderr, "pinwatch: unexpected argument '%s' (usage: pinwatch restore "
					"[--state-dir DIR])\n",
				argv[1]);
			return 2;
		}
		puts("Usage: pinwatch restore [--state-dir DIR]\n\n"
		     "Restore load balancing on every CPU the agent's journal holds isolated, and\n"
		     "undo the v1 housekeeping layout.");
		return 0;
	}
	a = calloc(1, sizeof(*a));
	if (!a)
		return 1;
	err = pw_journal_load(&a->journal, state_dir);
	if (!err)
		err = pw_mounts_open(&a->map.mounts);
	if (err)
		goto cleanup;
	a->backend.mounts = &a->map.mounts;
	a->backend.journal = &a->journal;
	while (a->journal.nr > failed)
		if (revert(a, &a->journal.items[a->journal.nr - 1 - failed], "pinwatch restore"))
			failed++;
	if (a->map.mounts.v1_cpuset_fd >= 0)
		pw_v1_cleanup(&a->backend);
	fprintf(stderr, "pinwatch: restore done, %d entries left in the journal%s\n", a->journal.nr,
		a->journal.v1_housekeeping[0] ? " (and the v1 housekeeping cpuset)" : "");
	err = failed || a->journal.v1_housekeeping[0] ? -EIO : 0;
cleanup:
	pw_mounts_close(&a->map.mounts);
	free(a);
	return err ? 1 : 0;
}
