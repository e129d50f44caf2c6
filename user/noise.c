// SPDX-License-Identifier: GPL-2.0-only
/*
 * `pinwatch noise`: for each CPU the agent isolated (or each CPU asked
 * for), what ran there that is not its container, refreshed like top:
 * other tasks (comm, pid, their cgroup, who pinned them there), kernel
 * threads, hardware IRQs and softirqs, with their rate and share of time.
 */
#include "noise.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cpulist.h"
#include "event_loop.h"
#include "identity.h"
#include "journal.h"
#include "json_writer.h"
#include "log.h"
#include "noise_counters.h"
#include "parse.h"
#include "privileges.h"
#include "quiet.h"
#include "table.h"

#define DEFAULT_TOP 5
#define NS_PER_S 1e9

static const char usage[] =
	"Usage: pinwatch noise [--cpus LIST] [--interval SECONDS] [--count N] [--top N]\n"
	"                      [--json] [--state-dir DIR] [--verbose]\n"
	"\n"
	"Show what runs on isolated CPUs that is not their container, live: other tasks\n"
	"(with their cgroup, and who pinned them there), kernel threads, hardware IRQs\n"
	"and softirqs, each with its rate and share of the CPU's time. By default the\n"
	"CPUs the agent isolated (its journal) are watched, each owned by its container;\n"
	"--cpus watches any CPUs (owned by the isolated container on them, if any).\n"
	"Tasks are counted at each context switch by a BPF program on a perf event\n"
	"opened for each watched CPU alone: no other CPU pays for it. Where the kernel\n"
	"refuses that, IRQs and softirqs are still shown, and the first line says so.\n"
	"\n"
	"Options:\n"
	"  -C, --cpus LIST          watch these CPUs (e.g. 1,3-4)\n"
	"  -i, --interval SECONDS   between refreshes (0.1 to 3600, default 1)\n"
	"  -n, --count N            stop after N refreshes (default: at Ctrl-C)\n"
	"  -t, --top N              intruders and interrupts shown per CPU (default 5)\n"
	"  -j, --json               one JSON object per refresh, every intruder\n"
	"      --state-dir DIR      the agent's journal (default /run/pinwatch)\n"
	"  -v, --verbose            libbpf's messages\n"
	"  -h, --help               show this help\n"
	"\n"
	"Examples:\n"
	"  pinwatch noise\n"
	"  pinwatch noise --cpus 3 --interval 10 --count 1 --json\n";

static const struct option long_options[] = {
	{ "cpus", required_argument, NULL, 'C' },
	{ "interval", required_argument, NULL, 'i' },
	{ "count", required_argument, NULL, 'n' },
	{ "top", required_argument, NULL, 't' },
	{ "json", no_argument, NULL, 'j' },
	{ "state-dir", required_argument, NULL, 's' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{},
};

/* A watched CPU's owner, as the journal says. */
struct owner {
	const struct pw_isolation *iso; /* NULL: nobody's */
	bool irq_knob;			/* it asked irq-load-balancing: disable */
};

struct noise_cmd {
	struct pw_journal *journal;
	struct pw_cpus cpus;
	bool cpus_given, json, verbose;
	double interval_s;
	unsigned long count, top;
	const char *state_dir, *mode;
	size_t nr;
	struct pw_noise_watch *watch;
	struct owner *owners;
};

static int parse_interval(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < 0.1 || v > 3600) {
		pw_err("--interval '%s': not a number of seconds from 0.1 to 3600", PW_Q(s));
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct noise_cmd *n)
{
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":C:i:n:t:jvh", long_options, NULL)) != -1) {
		switch (opt) {
		case 'C':
			if (pw_cpus_parse_option(optarg, "--cpus", &n->cpus))
				return -EINVAL;
			n->cpus_given = true;
			break;
		case 'i':
			if (parse_interval(optarg, &n->interval_s))
				return -EINVAL;
			break;
		case 'n':
			if (pw_parse_ulong_range(optarg, "--count", 1, 1000000000, &n->count))
				return -EINVAL;
			break;
		case 't':
			if (pw_parse_ulong_range(optarg, "--top", 1, 1000, &n->top))
				return -EINVAL;
			break;
		case 'j':
			n->json = true;
			break;
		case 's':
			n->state_dir = optarg;
			break;
		case 'v':
			n->verbose = true;
			break;
		case 'h':
			return 1;
		default:
			pw_bad_option(opt, argv, "noise");
			return -EINVAL;
		}
	}
	return pw_no_operands(argc, argv, "noise") ? -EINVAL : 0;
}

/* The CPUs to watch and their owners: --cpus, else every CPU the journal isolates. */
static int choose_cpus(struct noise_cmd *n)
{
	int err;

	if (n->cpus_given) {
		struct pw_cpus online, offline = n->cpus;
		char list[PW_CPULIST_LEN], have[PW_CPULIST_LEN];

		if (pw_cpus_online(&online) == 0)
			pw_cpus_andnot(&offline, &online);
		else
			pw_cpus_clear(&offline); /* unknown: the perf events will say */
		if (pw_cpus_count(&offline)) {
			pw_cpus_format(&offline, list, sizeof(list));
			pw_cpus_format(&online, have, sizeof(have));
			pw_err("--cpus: CPU list %s is not online here (online: %s)", list, have);
			return -EINVAL;
		}
	}
	err = pw_quiet_watch_list(n->journal, n->cpus_given ? &n->cpus : NULL, &n->watch, &n->nr);
	if (err == -ENOENT)
		pw_err("nothing is isolated (the journal in '%s' holds no container): name "
		       "the CPUs to watch with --cpus",
		       PW_Q(n->state_dir));
	if (err)
		return err;
	n->owners = calloc(n->nr, sizeof(*n->owners));
	if (!n->owners)
		return -ENOMEM;
	pw_cpus_clear(&n->cpus); /* the watched ones: what a task pinned "here" is pinned to */
	for (size_t i = 0; i < n->nr; i++) {
		pw_cpus_set(&n->cpus, (unsigned int)n->watch[i].cpu);
		const struct pw_isolation *iso = pw_quiet_owner(n->journal, n->watch[i].cpu);

		n->owners[i].iso = iso;
		n->owners[i].irq_knob = iso && pw_journal_find_tuning(n->journal, iso->hierarchy,
								      iso->cgroup_id, PW_KNOB_IRQ);
	}
	return 0;
}

/* A line of /proc/PID/FILE that starts with prefix, its rest in buf ("" if none). */
static void proc_line(__u32 pid, const char *file, const char *prefix, char *buf, size_t size)
{
	char path[64], line[4096];
	size_t len = strlen(prefix);
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%u/%s", pid, file);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, prefix, len))
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(buf, size, "%s", line + len + strspn(line + len, " \t"));
		break;
	}
	fclose(f);
}

/*
 * Where an intruder lives and whether someone pinned it: its cgroup (of
 * the cpuset-bearing hierarchy: v1's cpuset line, else cgroup2's), and its
 * allowed CPUs, read now (a task gone since says nothing).
 */
struct whereabouts {
	char cgroup[512];
	char container_id[PW_CONTAINER_ID_LEN + 1];
	char allowed[PW_CPULIST_LEN];
	bool pinned; /* its allowed CPUs are all watched ones */
};

static void find_whereabouts(const struct noise_cmd *n, const struct pw_noise_intruder *in,
			     struct whereabouts *w)
{
	char line[4096], path[64], *colon;
	struct pw_identity id;
	struct pw_cpus allowed;
	const char *why;
	FILE *f;

	memset(w, 0, sizeof(*w));
	snprintf(path, sizeof(path), "/proc/%u/cgroup", in->pid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		colon = strchr(line, ':');
		if (!colon || !strchr(colon + 1, ':'))
			continue;
		/* "N:cpuset:/path" (v1) wins over "0::/path" (cgroup2). */
		if (!strncmp(colon + 1, "cpuset:", 7) || (!w->cgroup[0] && colon[1] == ':'))
			snprintf(w->cgroup, sizeof(w->cgroup), "%s", strchr(colon + 1, ':') + 1);
	}
	if (f)
		fclose(f);
	if (w->cgroup[0] && !pw_identity_from_path(w->cgroup, strlen(w->cgroup), &id))
		snprintf(w->container_id, sizeof(w->container_id), "%s", id.container_id);
	proc_line(in->pid, "status", "Cpus_allowed_list:", w->allowed, sizeof(w->allowed));
	w->pinned = w->allowed[0] &&
		    !pw_cpus_parse(w->allowed, strlen(w->allowed), &allowed, &why) &&
		    pw_cpus_subset(&allowed, &n->cpus);
}

static const char *kind_name(enum pw_noise_kind k)
{
	return k == PW_NOISE_KTHREAD ? "kthread" : "task";
}

static double per_s(unsigned long long count, double seconds)
{
	return seconds > 0 ? count / seconds : 0;
}

static double share(__u64 ns, double seconds)
{
	return seconds > 0 ? 100.0 * ns / (seconds * NS_PER_S) : 0;
}

/* Interruptions of the CPU's owner: other tasks and kernel threads in, IRQs, softirqs. */
static unsigned long long intrusions(const struct pw_noise_cpu *c)
{
	return c->delta.task_switches + c->delta.kthread_switches + c->irqs + c->softirqs;
}

static void json_cpu(const struct noise_cmd *n, size_t i, const struct pw_noise_sample *s,
		     struct pw_json *j)
{
	const struct pw_noise_cpu *c = &s->cpus[i];
	const struct owner *o = &n->owners[i];

	pw_json_object_begin(j, NULL);
	pw_json_int(j, "cpu", c->cpu);
	if (o->iso) {
		pw_json_object_begin(j, "owner");
		pw_json_string(j, "container_id", o->iso->container_id);
		pw_json_string(j, "cgroup", o->iso->path);
		pw_json_bool(j, "irq_load_balancing_disabled", o->irq_knob);
		pw_json_object_end(j);
	} else {
		pw_json_null(j, "owner");
	}
	pw_json_double(j, "intrusions_per_s", per_s(intrusions(c), s->seconds));
	pw_json_uint(j, "task_switches", c->delta.task_switches);
	pw_json_uint(j, "task_ns", c->delta.task_ns);
	pw_json_uint(j, "kthread_switches", c->delta.kthread_switches);
	pw_json_uint(j, "kthread_ns", c->delta.kthread_ns);
	pw_json_uint(j, "own_switches", c->delta.own_switches);
	pw_json_uint(j, "own_ns", c->delta.own_ns);
	pw_json_uint(j, "unnamed_switches", c->delta.unnamed);
	pw_json_uint(j, "irqs", c->irqs);
	pw_json_uint(j, "softirqs", c->softirqs);
	pw_json_array_begin(j, "intruders");
	for (size_t k = 0; k < s->nr_intruders; k++) {
		const struct pw_noise_intruder *in = &s->intruders[k];
		struct whereabouts w;

		if (in->cpu != c->cpu)
			continue;
		find_whereabouts(n, in, &w);
		pw_json_object_begin(j, NULL);
		pw_json_string(j, "kind", kind_name(in->kind));
		pw_json_bytes(j, "comm", in->comm, strnlen(in->comm, sizeof(in->comm)));
		pw_json_uint(j, "pid", in->pid);
		pw_json_uint(j, "tgid", in->tgid);
		pw_json_uint(j, "ppid", in->ppid);
		pw_json_bytes(j, "parent_comm", in->parent_comm,
			      strnlen(in->parent_comm, sizeof(in->parent_comm)));
		pw_json_uint(j, "switches", in->switches);
		pw_json_uint(j, "run_ns", in->run_ns);
		pw_json_double(j, "share_pct", share(in->run_ns, s->seconds));
		pw_json_string_or_null(j, "cgroup", w.cgroup);
		pw_json_string_or_null(j, "container_id", w.container_id);
		pw_json_string_or_null(j, "cpus_allowed", w.allowed);
		pw_json_bool(j, "pinned_here", w.pinned);
		pw_json_object_end(j);
	}
	pw_json_array_end(j);
	pw_json_array_begin(j, "interrupts");
	for (size_t k = 0; k < s->nr_irqs; k++) {
		const struct pw_noise_irq *irq = &s->irqs[k];

		if (irq->cpu != c->cpu)
			continue;
		pw_json_object_begin(j, NULL);
		pw_json_string(j, "kind", irq->softirq ? "softirq" : "irq");
		pw_json_string(j, "name", irq->name);
		pw_json_string_or_null(j, "desc", irq->desc);
		pw_json_uint(j, "count", irq->count);
		pw_json_object_end(j);
	}
	pw_json_array_end(j);
	pw_json_object_end(j);
}

static void print_json(const struct noise_cmd *n, const struct pw_noise_sample *s)
{
	struct pw_json j;

	pw_json_init(&j, stdout);
	pw_json_object_begin(&j, NULL);
	pw_json_double(&j, "seconds", s->seconds);
	pw_json_string(&j, "mode", n->mode);
	pw_json_array_begin(&j, "cpus");
	for (size_t i = 0; i < s->nr_cpus; i++)
		json_cpu(n, i, s, &j);
	pw_json_array_end(&j);
	pw_json_object_end(&j);
}

/* Why an interrupt is still here when its owner asked for none, as far as it is known. */
static const char *irq_note(const struct owner *o, const struct pw_noise_irq *irq, char *buf,
			    size_t size)
{
	char path[64], affinity[64] = "";
	FILE *f;

	if (irq->softirq || !o->irq_knob)
		return irq->desc;
	snprintf(path, sizeof(path), "/proc/irq/%s/effective_affinity_list", irq->name);
	f = fopen(path, "re");
	if (f) {
		if (fgets(affinity, sizeof(affinity), f))
			affinity[strcspn(affinity, "\n")] = '\0';
		fclose(f);
	}
	/* A longer affinity list is cut: the note is for people. */
	if (snprintf(buf, size, "%s; irq-load-balancing: disable asked, %s%s", irq->desc,
		     affinity[0] ? "effective affinity " : "not an IRQ the kernel lets move",
		     affinity) < 0)
		return irq->desc;
	return buf;
}

static void print_table(const struct noise_cmd *n, const struct pw_noise_sample *s)
{
	if (isatty(STDOUT_FILENO))
		fputs("\033[H\033[2J", stdout);
	printf("pinwatch noise: every %.1f s; %s\n", n->interval_s, n->mode);
	for (size_t i = 0; i < s->nr_cpus; i++) {
		const struct pw_noise_cpu *c = &s->cpus[i];
		const struct owner *o = &n->owners[i];
		unsigned long shown = 0;

		printf("\nCPU %d  ", c->cpu);
		if (o->iso) {
			printf("container %.12s ", o->iso->container_id);
			pw_print_tail(stdout, o->iso->path, 48);
		} else {
			printf("%-61s", "no container isolated here");
		}
		printf("  intrusions %.1f/s  own %.1f%%  tasks %.1f%%  kthreads %.1f%%\n",
		       per_s(intrusions(c), s->seconds), share(c->delta.own_ns, s->seconds),
		       share(c->delta.task_ns, s->seconds), share(c->delta.kthread_ns, s->seconds));
		printf("  %-8s %-16s %8s %9s %7s  %s\n", "KIND", "NAME", "PID", "PER S", "TIME",
		       "WHERE");
		for (size_t k = 0; k < s->nr_intruders && shown < n->top; k++) {
			const struct pw_noise_intruder *in = &s->intruders[k];
			struct whereabouts w;

			if (in->cpu != c->cpu)
				continue;
			shown++;
			find_whereabouts(n, in, &w);
			printf("  %-8s ", kind_name(in->kind));
			pw_table_cell(stdout, in->comm, strnlen(in->comm, sizeof(in->comm)), 16,
				      false);
			printf("%8u %9.1f %6.2f%%  ", in->pid, per_s(in->switches, s->seconds),
			       share(in->run_ns, s->seconds));
			if (in->kind == PW_NOISE_TASK) {
				pw_print_head(stdout, w.cgroup[0] ? w.cgroup : "(gone)", 48);
				if (w.pinned)
					printf("  pinned to CPU %s, parent %.16s (pid %u)",
					       w.allowed, in->parent_comm, in->ppid);
			}
			putchar('\n');
		}
		shown = 0;
		for (size_t k = 0; k < s->nr_irqs && shown < n->top; k++) {
			const struct pw_noise_irq *irq = &s->irqs[k];
			char note[256];

			if (irq->cpu != c->cpu)
				continue;
			shown++;
			printf("  %-8s ", irq->softirq ? "softirq" : "irq");
			pw_table_cell_str(stdout, irq->name, 16);
			printf("%8s %9.1f %7s  %s\n", "-", per_s(irq->count, s->seconds), "-",
			       irq_note(o, irq, note, sizeof(note)));
		}
		if (c->delta.unnamed)
			printf("  (%llu switches of intruders not named: more than %d at once)\n",
			       (unsigned long long)c->delta.unnamed, PW_NOISE_MAX_TASKS);
	}
	fflush(stdout);
}

/* Sleep interval_s, or until a stop signal (blocked, so waited for here): false then. */
static bool wait_interval(double seconds)
{
	struct timespec ts = { (time_t)seconds, (long)((seconds - (time_t)seconds) * 1e9) };
	sigset_t stop;

	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	sigaddset(&stop, SIGQUIT);
	for (;;) {
		int sig = sigtimedwait(&stop, NULL, &ts);

		if (sig > 0)
			return false;
		if (errno == EAGAIN)
			return true;
		if (errno != EINTR)
			return false;
	}
}

int cmd_noise(int argc, char **argv)
{
	struct noise_cmd n = { .interval_s = 1,
			       .top = DEFAULT_TOP,
			       .state_dir = PW_DEFAULT_STATE_DIR };
	struct pw_noise_counters *counters = NULL;
	int err, rc = 1;

	pw_block_stop_signals();
	err = parse_args(argc, argv, &n);
	if (err > 0) {
		fputs(usage, stdout);
		return 0;
	}
	if (err)
		return 2;
	if (geteuid() != 0) {
		pw_err("must run as root: the noise counters are a BPF program on perf events "
		       "(CAP_BPF, CAP_PERFMON)");
		return 1;
	}
	/* No journal (no agent ever ran here) is fine with --cpus. */
	if (pw_journal_open(&n.journal, n.state_dir, PW_JOURNAL_READ) && !n.cpus_given)
		goto cleanup;
	err = choose_cpus(&n);
	if (err) {
		rc = err == -EINVAL ? 2 : 1; /* a CPU asked for that is not online: bad input */
		goto cleanup;
	}
	if (pw_noise_counters_open(&counters, n.watch, n.nr, false, n.verbose, &n.mode))
		goto cleanup;
	/*
	 * Loaded and attached: reading the maps, /proc/interrupts and the
	 * intruders' /proc files needs no capability.
	 */
	if (pw_drop_privileges(0, 0, 0))
		goto cleanup;
	pw_info("watching %zu CPUs: %s; Ctrl-C to stop", n.nr, n.mode);
	for (unsigned long i = 0; !n.count || i < n.count; i++) {
		struct pw_noise_sample s;

		if (!wait_interval(n.interval_s))
			break;
		if (pw_noise_counters_sample(counters, &s))
			goto cleanup;
		if (n.json)
			print_json(&n, &s);
		else
			print_table(&n, &s);
		fflush(stdout);
		pw_noise_sample_free(&s);
	}
	rc = 0;
cleanup:
	pw_noise_counters_close(counters);
	pw_journal_close(n.journal);
	free(n.watch);
	free(n.owners);
	return rc;
}
