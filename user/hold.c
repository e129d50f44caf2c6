// SPDX-License-Identifier: GPL-2.0-only
/* Marks cleared, held first execs resumed, and the guardian that outlives a dead agent. */
#include "hold.h"

#include <bpf/bpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "container.h"
#include "log.h"
#include "privileges.h"
#include "runtime_procs.h"

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
	unsigned long long tick_ns = 1000000000ULL / sysconf(_SC_CLK_TCK);
	struct pw_task_stat st;

	return !pw_task_stat_read(pid, &st) && st.start == held->start_boottime / tick_ns;
}

/*
 * Resume pid if it is the task that was held, and forget it either way.
 * The pidfd pins the task: checked through it, signalled through it. A
 * task that is gone needs nothing (0); one that cannot be signalled is an
 * error the caller says.
 */
static int resume(int held_fd, __u32 pid, const struct pw_held *held)
{
	int pidfd = syscall(SYS_pidfd_open, pid, 0), err = 0;

	if (pidfd < 0) {
		if (errno != ESRCH)
			err = -errno;
	} else {
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
	/* A task waits: who its container is may be in its runtime's state by now. */
	if (at_exec)
		pw_node_look_again(h->node, cg);
	/*
	 * No container's yet: a runtime made it (it is marked), and its
	 * command or state may still name it (a layout no pattern knows,
	 * named once runc writes its state): its mark waits for that.
	 */
	if (!cg->container)
		return pw_node_naming(h->node, cg) ? PW_HOLD_UNKNOWN : PW_HOLD_NOT_SELECTED;
	return pw_reconciler_hold_state(h->reconciler, cg->container, at_exec);
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

/*
 * A process a runtime's exec put into an isolated container: pinned to
 * one CPU (its first), then let go at once. A pin that fails still lets it
 * go: it runs on the container's CPUs, as without the option.
 */
static void pin_and_resume(struct pw_holds *h, __u32 pid, const struct pw_held *held)
{
	char name[PW_Q_LEN] = "-";
	struct pw_cgroup *cg = pw_node_find(h->node, h->hierarchy, held->cgroup_id);
	cpu_set_t set;
	bool nice = pw_raise_capability(CAP_SYS_NICE);
	int err = 0;

	if (cg && cg->container)
		pw_container_name(cg->container, name, sizeof(name));
	CPU_ZERO(&set);
	CPU_SET(held->pin_cpu - 1, &set);
	/* Every thread it has: it has one, stopped before its first instruction. */
	if (sched_setaffinity(pid, sizeof(set), &set))
		err = -errno;
	if (nice)
		pw_lower_capability(CAP_SYS_NICE);
	resume(h->held_fd, pid, held);
	if (err)
		pw_warn("cannot pin pid %u, exec'd into %s, to CPU %u: %s; it runs unpinned", pid,
			name, held->pin_cpu - 1, strerror(-err));
	else
		pw_info("pinned pid %u, exec'd into %s, to CPU %u (exec CPU affinity)", pid, name,
			held->pin_cpu - 1);
}

/*
 * The kernel side's exec_pins from the journal: every isolated container
 * that wants its exec'd processes on its first CPU. Made again only when
 * the journal or a container's identity (its annotations) changed.
 */
static uint64_t pins_generation(const struct pw_holds *h)
{
	/* Both only grow: their sum changes whenever either does. */
	return pw_journal_generation(h->journal) + pw_node_identities(h->node);
}

static void sync_exec_pins(struct pw_holds *h)
{
	__u64 *keys;
	__u32 *values;
	size_t n, wanted = 0;

	if (h->exec_pins_fd < 0 || pins_generation(h) == h->pins_gen)
		return;
	h->pins_gen = pins_generation(h);
	n = read_map(h->exec_pins_fd, sizeof(*keys), sizeof(*values), (void **)&keys,
		     (void **)&values);
	for (size_t i = 0; i < n; i++)
		bpf_map_delete_elem(h->exec_pins_fd, &keys[i]);
	free(keys);
	free(values);
	for (size_t i = 0; i < pw_journal_count(h->journal); i++) {
		const struct pw_isolation *iso = pw_journal_at(h->journal, i);
		struct pw_cgroup *cg = pw_node_find(h->node, iso->hierarchy, iso->cgroup_id);
		__u32 cpu = pw_cpus_next(&iso->cpus, -1) + 1;

		if (iso->hierarchy != h->hierarchy || !cg || !cg->container ||
		    (!h->exec_first && !cg->container->exec_first_cpu) || !cpu)
			continue;
		if (!bpf_map_update_elem(h->exec_pins_fd, &iso->cgroup_id, &cpu, BPF_ANY))
			wanted++;
	}
	__atomic_store_n(h->exec_pins_count, wanted, __ATOMIC_RELEASE);
}

/* Returns how many tasks stay held. */
static size_t review_held(struct pw_holds *h, uint64_t now)
{
	struct pw_held *held;
	__u32 *pids;
	size_t kept = 0, n = read_map(h->held_fd, sizeof(*pids), sizeof(*held), (void **)&pids,
				      (void **)&held);

	for (size_t i = 0; i < n; i++) {
		enum pw_hold_state st;

		if (held[i].pin_cpu) {
			pin_and_resume(h, pids[i], &held[i]);
			continue;
		}
		st = state_of(h, held[i].cgroup_id, true);
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
	if (!h->outstanding && changes == h->changes_reviewed &&
	    (h->exec_pins_fd < 0 || pins_generation(h) == h->pins_gen))
		return;
	/* Map syscalls and signals to other users' tasks: raised for this look only. */
	bpf = pw_raise_capability(CAP_BPF);
	kill = pw_raise_capability(CAP_KILL);
	sync_exec_pins(h);
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
	if (e->held.pin_cpu)
		pw_info("held pid %u (%s), exec'd into %s, until it is pinned to CPU %u", e->pid,
			PW_Q(comm), name, e->held.pin_cpu - 1);
	else
		pw_info("held pid %u (%s) of %s at its first exec, until its isolation is in place",
			e->pid, PW_Q(comm), name);
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
 * while the agent lives but does not resume it (stuck). Its heartbeat tells
 * the kernel side it is there: nothing is held without it.
 */
static void __attribute__((noreturn))
guardian_main(int held_fd, int agent_fd, int go_fd, volatile __u64 *heartbeat)
{
	struct pollfd fds[2] = { { .fd = agent_fd, .events = POLLIN } };
	sigset_t stop;
	unsigned int n;
	char go;

	prctl(PR_SET_NAME, "pinwatch-guard", 0, 0, 0);
	/* Out of the agent's session and process group: a signal to the group misses it. */
	setsid();
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGHUP);
	sigaddset(&stop, SIGQUIT);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	fds[1].fd = signalfd(-1, &stop, SFD_CLOEXEC);
	fds[1].events = POLLIN;
	if (pw_drop_privileges(PW_CAP(CAP_KILL) | PW_CAP(CAP_BPF), 0, PW_PRIV_QUIET))
		_exit(1);
	/* The agent says go once the guardian is where it must be (its cgroup). */
	if (read(go_fd, &go, 1) != 1)
		_exit(1);
	close(go_fd);
	for (;;) {
		*heartbeat = pw_monotonic_ns();
		if (poll(fds, 2, GUARDIAN_PERIOD_MS) > 0)
			break;
		n = release_older(held_fd, PW_HOLD_MAX_MS + PW_HOLD_GUARDIAN_GRACE_MS);
		if (n)
			pw_warn("guardian: resumed %u tasks the agent held too long", n);
	}
	/* Nothing new is held once it stops beating (bpf/hold.bpf.h). */
	*heartbeat = 0;
	n = release_older(held_fd, 0);
	if (n)
		pw_warn("guardian: the agent is gone: resumed %u held tasks", n);
	_exit(0);
}

/* This process's cgroup2 path ("/" at the root), from /proc/self/cgroup; 0 or -errno. */
static int own_v2_cgroup(char *buf, size_t size)
{
	char line[PW_META_PATH_LEN + 8];
	int err = -ENOENT;
	FILE *f = fopen("/proc/self/cgroup", "re");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		err = line[3] != '/' ? -EINVAL : strlen(line + 3) >= size ? -ENAMETOOLONG : 0;
		if (!err)
			memcpy(buf, line + 3, strlen(line + 3) + 1);
		break;
	}
	fclose(f);
	return err;
}

/*
 * Move the guardian (pid) to a cgroup2 cgroup beside the agent's, so that a
 * kill of the agent's cgroup (systemd's stop, a pod's) misses it. An agent
 * at the root needs nothing. 0, or -errno (said by the caller).
 */
static int place_guardian(struct pw_holds *h, pid_t pid)
{
	char own[PW_META_PATH_LEN - sizeof(PW_HOLD_GUARD_CGROUP) - 1], pid_text[16], *slash;
	int err;

	h->guard_cgroup[0] = '\0';
	if (!pw_mounts_get(h->mounts, 0))
		return -ENOENT;
	err = own_v2_cgroup(own, sizeof(own));
	if (err)
		return err;
	if (!strcmp(own, "/"))
		return 0;
	slash = strrchr(own, '/');
	*slash = '\0';
	snprintf(h->guard_cgroup, sizeof(h->guard_cgroup), "%s/%s", own, PW_HOLD_GUARD_CGROUP);
	snprintf(pid_text, sizeof(pid_text), "%d", pid);
	err = pw_cgroup_mkdir(h->mounts, 0, h->guard_cgroup, false);
	if (!err)
		err = pw_cgroup_write(h->mounts, 0, h->guard_cgroup, "cgroup.procs", pid_text,
				      false);
	return err;
}

int pw_holds_start_guardian(struct pw_holds *h)
{
	int agent_fd, go[2], err;
	pid_t pid;

	agent_fd = syscall(SYS_pidfd_open, getpid(), 0);
	if (agent_fd < 0) {
		err = -errno;
		pw_err("cannot open a pidfd of the agent for the hold guardian: %s",
		       strerror(-err));
		return err;
	}
	if (pipe2(go, O_CLOEXEC)) {
		err = -errno;
		close(agent_fd);
		pw_err("cannot start the hold guardian: %s", strerror(-err));
		return err;
	}
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(agent_fd);
		close(go[0]);
		close(go[1]);
		pw_err("cannot start the hold guardian: %s", strerror(-err));
		return err;
	}
	if (pid == 0) {
		/* Only what it needs: the held map, the agent's pidfd and the go pipe. */
		int keep[3] = { h->held_fd, agent_fd, go[0] }, next = 3;

		for (int i = 0; i < 3; i++)
			for (int j = i + 1; j < 3; j++)
				if (keep[j] < keep[i]) {
					int t = keep[i];

					keep[i] = keep[j];
					keep[j] = t;
				}
		for (int i = 0; i < 3; i++) {
			if (keep[i] > next)
				syscall(SYS_close_range, next, keep[i] - 1, 0);
			next = keep[i] + 1;
		}
		syscall(SYS_close_range, next, ~0U, 0);
		guardian_main(h->held_fd, agent_fd, go[0], h->guardian_heartbeat);
	}
	close(agent_fd);
	close(go[0]);
	h->guardian = pid;
	h->guardian_fd = syscall(SYS_pidfd_open, pid, 0);
	/* Where the kernel side cannot resume at the agent's exit, the guardian must outlive its cgroup. */
	err = h->released_at_exit ? 0 : place_guardian(h, pid);
	if (err) {
		pw_warn("the hold guardian cannot leave the agent's cgroup ('%s': %s), and this "
			"kernel cannot resume held tasks when the agent's process exits "
			"(bpf_send_signal_task, 6.13+): a kill of the agent's whole cgroup would "
			"leave them stopped, so nothing is held",
			PW_Q(h->guard_cgroup), strerror(-err));
		pw_holds_stop_guardian(h);
		h->mode = PW_HOLD_NEVER;
		return 1;
	}
	if (write(go[1], "g", 1) != 1) {
		err = -errno;
		close(go[1]);
		pw_err("cannot start the hold guardian: %s", strerror(-err));
		pw_holds_stop_guardian(h);
		return err;
	}
	close(go[1]);
	return 0;
}

void pw_holds_stop_guardian(struct pw_holds *h)
{
	if (h->guardian <= 0)
		return;
	/* It resumes whatever is still held, then exits. */
	kill(h->guardian, SIGTERM);
	waitpid(h->guardian, NULL, 0);
	h->guardian = 0;
	if (h->guardian_fd >= 0)
		close(h->guardian_fd);
	h->guardian_fd = -1;
	if (h->guard_cgroup[0])
		pw_cgroup_rmdir(h->mounts, 0, h->guard_cgroup, false);
	h->guard_cgroup[0] = '\0';
}

void pw_holds_guardian_exited(struct pw_holds *h)
{
	int status = 0;

	if (h->guardian <= 0 || waitpid(h->guardian, &status, WNOHANG) != h->guardian)
		return;
	if (WIFSIGNALED(status))
		pw_warn("the hold guardian (pid %d) was killed by signal %d: nothing is held until "
			"a new one runs; starting it",
			h->guardian, WTERMSIG(status));
	else
		pw_warn("the hold guardian (pid %d) exited with status %d: nothing is held until a "
			"new one runs; starting it",
			h->guardian, WEXITSTATUS(status));
	h->guardian = 0;
	close(h->guardian_fd);
	h->guardian_fd = -1;
	/* It resumed what was held on its way out, or held tasks time out to the agent. */
	pw_holds_start_guardian(h);
}

/* The container cgroup of the hold hierarchy that pid is in, or NULL. */
static struct pw_container *task_container(struct pw_holds *h, const char *pid)
{
	char path[320], line[PW_META_PATH_LEN + 32], want[16];
	const struct pw_mount *mnt = pw_mounts_get(h->mounts, h->hierarchy);
	struct pw_cgroup *cg = NULL;
	struct stat st;
	FILE *f;
	int fd;

	if (!mnt)
		return NULL;
	snprintf(path, sizeof(path), "/proc/%s/cgroup", pid);
	snprintf(want, sizeof(want), "%d:", h->hierarchy);
	f = fopen(path, "re");
	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		char *rel = strchr(line + strlen(want), ':');

		if (strncmp(line, want, strlen(want)) || !rel)
			continue;
		rel[strcspn(rel, "\n")] = '\0';
		fd = pw_open_beneath(mnt->fd, rel + 1, O_PATH | O_DIRECTORY);
		if (fd >= 0 && !fstat(fd, &st))
			cg = pw_node_find(h->node, h->hierarchy, st.st_ino);
		if (fd >= 0)
			close(fd);
		break;
	}
	fclose(f);
	return cg ? cg->container : NULL;
}

void pw_holds_release_stranded(struct pw_holds *h)
{
	char name[PW_Q_LEN];
	struct dirent *de;
	DIR *proc;
	bool kill;

	if (h->mode == PW_HOLD_NEVER)
		return;
	proc = opendir("/proc");
	if (!proc)
		return;
	kill = pw_raise_capability(CAP_KILL);
	while ((de = readdir(proc))) {
		struct pw_container *c;
		struct pw_task_stat st;
		int pidfd, err;
		char *end;
		unsigned long pid = strtoul(de->d_name, &end, 10);

		/* Stopped before a single instruction of its own: what a hold leaves. */
		if (*end || !pid || pw_task_stat_read(pid, &st) || st.state != 'T' || st.cpu_ticks)
			continue;
		c = task_container(h, de->d_name);
		if (!c)
			continue;
		pw_container_name(c, name, sizeof(name));
		pidfd = syscall(SYS_pidfd_open, pid, 0);
		err = pidfd < 0 || syscall(SYS_pidfd_send_signal, pidfd, SIGCONT, NULL, 0) ?
			      -errno :
			      0;
		if (pidfd >= 0)
			close(pidfd);
		if (err)
			pw_err("cannot resume pid %lu of %s, stopped at its first exec: %s", pid,
			       name, strerror(-err));
		else
			pw_info("resumed pid %lu of %s: stopped at its first exec, and no earlier "
				"agent resumed it",
				pid, name);
	}
	if (kill)
		pw_lower_capability(CAP_KILL);
	closedir(proc);
}
