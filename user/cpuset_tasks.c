// SPDX-License-Identifier: GPL-2.0-only
/* Moving a v1 cpuset's tasks into another, the kernel threads that cannot move remembered. */
#include "cpuset_tasks.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "beneath.h"
#include "log.h"
#include "privileges.h"
#include "runtime_procs.h"

/* PF_KTHREAD in /proc/PID/stat's flags. */
#define PF_KTHREAD 0x00200000UL

static int by_pid(const void *a, const void *b)
{
	const struct pw_task_key *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

static bool unmovable_has(const struct pw_unmovable_tasks *u, const struct pw_task_key *key)
{
	const struct pw_task_key *found;

	if (!u || !u->nr)
		return false;
	found = bsearch(key, u->keys, u->nr, sizeof(*key), by_pid);
	return found && found->start == key->start;
}

/* Remembered for the next move; a task forgotten for want of memory is only tried again. */
static void unmovable_add(struct pw_unmovable_tasks *u, const struct pw_task_key *key)
{
	if (u->nr == u->cap) {
		size_t cap = u->cap ? 2 * u->cap : 64;
		struct pw_task_key *keys = realloc(u->keys, cap * sizeof(*keys));

		if (!keys)
			return;
		u->keys = keys;
		u->cap = cap;
	}
	u->keys[u->nr++] = *key;
}

void pw_unmovable_tasks_free(struct pw_unmovable_tasks *u)
{
	free(u->keys);
	*u = (struct pw_unmovable_tasks){ 0 };
}

/*
 * Whether pid is still in cpuset from (its /proc/PID/cpuset). A runtime may
 * be moving its container's first task out of the root at this moment:
 * moving it again would steal it from its container.
 */
static bool still_in(pid_t pid, const char *from)
{
	char path[64], cur[PATH_MAX];

	snprintf(path, sizeof(path), "/proc/%d/cpuset", (int)pid);
	return pw_read_at(AT_FDCWD, path, cur, sizeof(cur)) > 0 &&
	       !strcmp(cur, from[0] ? from : "/");
}

/*
 * One task, read from from's cgroup.procs: moved by writing it to out (-1
 * in a dry run), unless it is a runtime's own process (runc init, crun: it
 * may be joining its container's cpuset right now, and a write here would
 * pull it back out; it is short-lived, or in its container soon).
 */
static void move_one(pid_t pid, const char *from, int out, bool dry_run,
		     const struct pw_unmovable_tasks *known, struct pw_unmovable_tasks *found,
		     struct pw_task_moves *m)
{
	struct pw_task_stat st;
	struct pw_task_key key = { .pid = pid };
	char text[16];
	int len;

	if (pw_task_stat_read(pid, &st))
		return; /* gone */
	key.start = st.start;
	if (unmovable_has(known, &key)) {
		unmovable_add(found, &key);
		m->kthreads++;
		return;
	}
	if (!still_in(pid, from))
		return;
	len = snprintf(text, sizeof(text), "%d", (int)pid);
	if (pw_runtime_procs_oci_task(text, st.comm))
		m->busy++;
	else if (dry_run || write(out, text, len) >= 0)
		m->moved++;
	else if (st.flags & PF_KTHREAD) {
		unmovable_add(found, &key);
		m->kthreads++;
	} else
		m->failed++;
}

int pw_cpuset_move_tasks(int root_fd, const char *from, const char *to, bool dry_run,
			 struct pw_unmovable_tasks *unmovable, struct pw_task_moves *m)
{
	struct pw_unmovable_tasks found = { 0 };
	char path[PATH_MAX + 32], line[32];
	int in, out = -1;
	bool raised;
	FILE *f;

	*m = (struct pw_task_moves){ 0 };
	snprintf(path, sizeof(path), "%s/cgroup.procs", from);
	in = pw_open_beneath(root_fd, path, O_RDONLY);
	if (in < 0)
		return in == -ENOENT ? 0 : in;
	f = fdopen(in, "r");
	if (!f) {
		close(in);
		return -errno;
	}
	snprintf(path, sizeof(path), "%s/cgroup.procs", to);
	if (!dry_run) {
		out = pw_open_beneath(root_fd, path, O_WRONLY);
		if (out < 0) {
			fclose(f);
			return out;
		}
	}
	/*
	 * Moving a task into a cpuset is a scheduling change: for a task with
	 * capabilities the agent no longer has (root's daemons), the kernel
	 * asks for CAP_SYS_NICE.
	 */
	raised = pw_raise_capability(CAP_SYS_NICE);
	while (fgets(line, sizeof(line), f)) {
		char *end;
		long pid = strtol(line, &end, 10);

		if (pid > 0 && pid <= INT_MAX && (*end == '\n' || !*end))
			move_one(pid, from, out, dry_run, unmovable, &found, m);
	}
	if (raised)
		pw_lower_capability(CAP_SYS_NICE);
	fclose(f);
	if (out >= 0)
		close(out);
	if (unmovable) {
		/* v1 lists a cgroup's tasks sorted; sorted here anyway, for the look-ups. */
		if (found.nr)
			qsort(found.keys, found.nr, sizeof(*found.keys), by_pid);
		pw_unmovable_tasks_free(unmovable);
		*unmovable = found;
	} else {
		pw_unmovable_tasks_free(&found);
	}
	if (m->moved || m->failed)
		pw_info("%smoved %d tasks from cpuset '%s' to '%s' (%d could not move, %d kernel "
			"threads stay)",
			dry_run ? "dry run: would have " : "", m->moved, from[0] ? PW_Q(from) : "/",
			to[0] ? PW_Q(to) : "/", m->failed, m->kthreads);
	return 0;
}
