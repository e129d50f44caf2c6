// SPDX-License-Identifier: GPL-2.0-only
/* Marks cleared, held first execs resumed, and the guardian that outlives a dead agent. */
#include "hold.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "clock.h"
#include "container.h"
#include "log.h"
#include "privileges.h"

/* A mark whose cgroup the agent still cannot place after this long goes. */
#define MARK_TTL_NS (10 * 1000000000ULL)
/* The guardian looks this often. */
#define GUARDIAN_PERIOD_MS 250

int pw_hold_mode_parse(const char *s, enum pw_hold_mode *mode)
{
	static const char *const names[] = { "never", "auto", "always" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i])) {
			*mode = (enum pw_hold_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}

/*
 * Whether pid is still the task that was held, not a later one that reuses
 * its pid: /proc/PID/stat's start time (clock ticks since boot) is the
 * kernel's start_boottime in those ticks.
 */
static bool same_task(__u32 pid, const struct pw_held *held)
{
	unsigned long long start = 0, tick_ns = 1000000000ULL / sysconf(_SC_CLK_TCK);
	char path[32], buf[1024], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	/* After the comm (which may hold anything): state is field 3, starttime field 22. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2,
			 "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d "
			 "%*d %*d %*d %llu",
			 &start) != 1)
		return false;
	return start == held->start_boottime / tick_ns;
}

/*
 * Resume pid if it is the task that was held, and forget it either way.
 * The pidfd pins the task: checked through it, signalled through it.
 */
static int resume(int held_fd, __u32 pid, const struct pw_held *held)
{
	int pidfd = syscall(SYS_pidfd_open, pid, 0), err = 0;

	if (pidfd >= 0) {
		if (same_task(pid, held) && syscall(SYS_pidfd_send_signal, pidfd, SIGCONT, NULL, 0))
			err = -errno;
		close(pidfd);
	}
	bpf_map_delete_elem(held_fd, &pid);
	return err;
}

/* Every entry of a map, copied out first: deleting while iterating restarts the walk. */
static size_t read_map(int fd, size_t key_size, size_t value_size, void **keys, void **values)
{
	size_t n = 0, cap = 0;
	char key[8], next[8];
	void *prev = NULL;

	*keys = *values = NULL;
	while (!bpf_map_get_next_key(fd, prev, next)) {
		if (n == cap) {
			void *k, *v;

			cap = cap ? cap * 2 : 64;
			k = realloc(*keys, cap * key_size);
			if (!k)
				break;
			*keys = k;
			v = realloc(*values, cap * value_size);
			if (!v)
				break;
			*values = v;
		}
		memcpy((char *)*keys + n * key_size, next, key_size);
		if (bpf_map_lookup_elem(fd, next, (char *)*values + n * value_size))
			memset((char *)*values + n * value_size, 0, value_size);
		memcpy(key, next, key_size);
		prev = key;
		n++;
	}
	return n;
}

static enum pw_hold_state state_of(const struct pw_holds *h, uint64_t id, bool at_exec)
{
	struct pw_cgroup *cg = pw_node_find(h->node, h->hierarchy, id);

	/* Not seen yet (its mkdir may still be in the ring buffer). */
	if (!cg)
		return PW_HOLD_UNKNOWN;
	if (!cg->container)
		return PW_HOLD_NOT_SELECTED;
	return pw_engine_hold_state(h->engine, cg->container, at_exec);
}

/* Returns how many marks are kept. */
static size_t review_marks(struct pw_holds *h, uint64_t now)
{
	__u64 *ids, *marked;
	size_t kept = 0, n = read_map(h->candidates_fd, sizeof(*ids), sizeof(*marked),
				      (void **)&ids, (void **)&marked);

	for (size_t i = 0; i < n; i++) {
		enum pw_hold_state st = state_of(h, ids[i], false);
		/*
		 * In always mode an isolated container keeps its mark for its
		 * first exec. A mark made since now was read (during this walk)
		 * is not old: now - marked[i] would wrap.
		 */
		bool drop =
			st == PW_HOLD_NOT_SELECTED ||
			(st == PW_HOLD_ISOLATED && h->mode == PW_HOLD_AUTO) ||
			(st == PW_HOLD_UNKNOWN && now > marked[i] && now - marked[i] > MARK_TTL_NS);

		if (drop)
			bpf_map_delete_elem(h->candidates_fd, &ids[i]);
		else
			kept++;
	}
	free(ids);
	free(marked);
	return kept;
}

static const char *release_reason(enum pw_hold_state st)
{
	switch (st) {
	case PW_HOLD_ISOLATED:
		return "its isolation is in place";
	case PW_HOLD_NOT_SELECTED:
		return "it is not selected";
	case PW_HOLD_DECIDED:
		return "it is not isolated for its CPUs as they are";
	default:
		return NULL;
	}
}

/* Returns how many tasks stay held. */
static size_t review_held(struct pw_holds *h, uint64_t now)
{
	struct pw_held *held;
	__u32 *pids;
	size_t kept = 0, n = read_map(h->held_fd, sizeof(*pids), sizeof(*held), (void **)&pids,
				      (void **)&held);

	for (size_t i = 0; i < n; i++) {
		enum pw_hold_state st = state_of(h, held[i].cgroup_id, true);
		double ms = now > held[i].held_ns ? (now - held[i].held_ns) / 1e6 : 0;
		const char *why = release_reason(st);
		struct pw_cgroup *cg;
		char name[PW_Q_LEN] = "-";
		int err;

		if (!why && ms < PW_HOLD_MAX_MS) {
			kept++;
			continue;
		}
		cg = pw_node_find(h->node, h->hierarchy, held[i].cgroup_id);
		if (cg && cg->container)
			pw_container_name(cg->container, name, sizeof(name));
		/* Its first exec has run: later execs in it (its own, at once) are not held. */
		bpf_map_delete_elem(h->candidates_fd, &held[i].cgroup_id);
		err = resume(h->held_fd, pids[i], &held[i]);
		h->metrics->held++;
		pw_metrics_observe(&h->metrics->hold_time, ms / 1e3);
		if (!why) {
			h->metrics->held_timeouts++;
			pw_warn("resumed pid %u of %s after %.1f ms, the hold's bound, without its "
				"isolation in place%s%s",
				pids[i], name, ms, err ? ": " : "", err ? strerror(-err) : "");
			continue;
		}
		if (err)
			pw_err("cannot resume pid %u of %s: %s", pids[i], name, strerror(-err));
		else
			pw_info("resumed pid %u of %s after %.3f ms: %s", pids[i], name, ms, why);
	}
	free(pids);
	free(held);
	return kept;
}

void pw_holds_review(struct pw_holds *h)
{
	uint64_t now = pw_monotonic_ns();
	bool bpf, kill;
	size_t kept;
	__u64 changes;

	if (h->mode == PW_HOLD_NEVER)
		return;
	/* Read before the walk: what the kernel side adds during it is walked again next time. */
	changes = __atomic_load_n(h->changes, __ATOMIC_ACQUIRE);
	if (!h->outstanding && changes == h->changes_reviewed)
		return;
	/* Map syscalls and signals to other users' tasks: raised for this look only. */
	bpf = pw_raise_capability(CAP_BPF);
	kill = pw_raise_capability(CAP_KILL);
	kept = review_marks(h, now);
	kept += review_held(h, now);
	h->changes_reviewed = changes;
	h->outstanding = kept > 0;
	if (kill)
		pw_lower_capability(CAP_KILL);
	if (bpf)
		pw_lower_capability(CAP_BPF);
}

int pw_holds_on_event(struct pw_holds *h, const void *data, size_t size)
{
	const struct pw_hold_event *e = data;
	char name[PW_Q_LEN] = "-", comm[PW_COMM_LEN + 1];
	struct pw_cgroup *cg;

	if (size < sizeof(*e))
		return 0;
	cg = pw_node_find(h->node, h->hierarchy, e->held.cgroup_id);
	if (cg && cg->container)
		pw_container_name(cg->container, name, sizeof(name));
	memcpy(comm, e->comm, PW_COMM_LEN);
	comm[PW_COMM_LEN] = '\0';
	pw_info("held pid %u (%s) of %s at its first exec, until its isolation is in place", e->pid,
		PW_Q(comm), name);
	pw_holds_review(h);
	return 0;
}

/* Resume the held tasks held longer than min_ms (all of them with 0). */
static unsigned int release_older(int held_fd, uint64_t min_ms)
{
	uint64_t now = pw_monotonic_ns();
	unsigned int resumed = 0;
	struct pw_held *held;
	__u32 *pids;
	size_t n = read_map(held_fd, sizeof(*pids), sizeof(*held), (void **)&pids, (void **)&held);

	for (size_t i = 0; i < n; i++) {
		if (min_ms && (now < held[i].held_ns || now - held[i].held_ns < min_ms * 1000000))
			continue;
		if (!resume(held_fd, pids[i], &held[i]))
			resumed++;
	}
	free(pids);
	free(held);
	return resumed;
}

void pw_holds_release_all(struct pw_holds *h, const char *why)
{
	bool bpf, kill;
	unsigned int n;

	if (h->mode == PW_HOLD_NEVER || h->held_fd < 0)
		return;
	bpf = pw_raise_capability(CAP_BPF);
	kill = pw_raise_capability(CAP_KILL);
	n = release_older(h->held_fd, 0);
	if (kill)
		pw_lower_capability(CAP_KILL);
	if (bpf)
		pw_lower_capability(CAP_BPF);
	if (n)
		pw_info("resumed %u held tasks: %s", n, why);
}

/*
 * The guardian: resumes every held task when the agent exits (however: kill
 * -9 included) or when it is told to stop, and any task held past the bound
 * while the agent lives but does not resume it (stuck).
 */
static void __attribute__((noreturn)) guardian_main(int held_fd, int agent_fd)
{
	struct pollfd fds[2] = { { .fd = agent_fd, .events = POLLIN } };
	sigset_t stop;
	unsigned int n;

	prctl(PR_SET_NAME, "pinwatch-guard", 0, 0, 0);
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	fds[1].fd = signalfd(-1, &stop, SFD_CLOEXEC);
	fds[1].events = POLLIN;
	if (pw_drop_privileges(PW_CAP(CAP_KILL) | PW_CAP(CAP_BPF), 0))
		_exit(1);
	for (;;) {
		if (poll(fds, 2, GUARDIAN_PERIOD_MS) > 0)
			break;
		n = release_older(held_fd, PW_HOLD_MAX_MS + PW_HOLD_GUARDIAN_GRACE_MS);
		if (n)
			pw_warn("guardian: resumed %u tasks the agent held too long", n);
	}
	n = release_older(held_fd, 0);
	if (n)
		pw_warn("guardian: the agent is gone: resumed %u held tasks", n);
	_exit(0);
}

int pw_holds_start_guardian(struct pw_holds *h)
{
	int agent_fd, err;
	pid_t pid;

	agent_fd = syscall(SYS_pidfd_open, getpid(), 0);
	if (agent_fd < 0) {
		err = -errno;
		pw_err("cannot open a pidfd of the agent for the hold guardian: %s",
		       strerror(-err));
		return err;
	}
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(agent_fd);
		pw_err("cannot start the hold guardian: %s", strerror(-err));
		return err;
	}
	if (pid == 0) {
		/* Only what it needs: the held map and the agent's pidfd. */
		int lo = h->held_fd < agent_fd ? h->held_fd : agent_fd;
		int hi = h->held_fd < agent_fd ? agent_fd : h->held_fd;

		if (lo > 3)
			syscall(SYS_close_range, 3, lo - 1, 0);
		if (hi > lo + 1)
			syscall(SYS_close_range, lo + 1, hi - 1, 0);
		syscall(SYS_close_range, hi + 1, ~0U, 0);
		guardian_main(h->held_fd, agent_fd);
	}
	close(agent_fd);
	h->guardian = pid;
	return 0;
}
