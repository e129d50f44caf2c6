/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Moving the tasks of one v1 cpuset into another: the host's tasks into the
 * housekeeping cpuset and back. Each task is looked at in /proc first: a
 * runtime's own process on its way into a container is left where it is,
 * and one that has left the cpuset meanwhile is not pulled back.
 *
 * Kernel threads bound to a CPU cannot move (the kernel answers EINVAL):
 * the ones found so are remembered by pid and start time, and the next
 * move out of the same cpuset reads only their /proc/PID/stat. A node has
 * several per CPU; each was twelve syscalls per isolation, three now.
 */
#ifndef PW_CPUSET_TASKS_H
#define PW_CPUSET_TASKS_H

#include <stdbool.h>
#include <sys/types.h>

/* A task as long as it lives: a pid is reused, a pid and a start time are not. */
struct pw_task_key {
	pid_t pid;
	unsigned long long start; /* clock ticks since boot (/proc/PID/stat field 22) */
};

/* The kernel threads a move out of one cpuset found unable to move, sorted by pid. */
struct pw_unmovable_tasks {
	struct pw_task_key *keys;
	size_t nr, cap;
};

struct pw_task_moves {
	int moved;
	int busy;     /* runtimes' own tasks, left where they are */
	int failed;   /* tasks that would not move, kernel threads aside */
	int kthreads; /* kernel threads that stay, as they must */
};

/*
 * Move every task of cpuset from into cpuset to (paths beneath root_fd, the
 * v1 cpuset mount; "" is its root). With unmovable, the kernel threads it
 * names are not tried again, and it is replaced by the ones found in from
 * now. With dry_run nothing is written: every task would move. 0, or
 * -errno when a cgroup.procs cannot be opened (from gone: 0, nothing moved).
 */
int pw_cpuset_move_tasks(int root_fd, const char *from, const char *to, bool dry_run,
			 struct pw_unmovable_tasks *unmovable, struct pw_task_moves *out);

void pw_unmovable_tasks_free(struct pw_unmovable_tasks *u);

#endif /* PW_CPUSET_TASKS_H */
