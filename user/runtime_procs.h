/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Processes as /proc shows them: any task's stat line (state, CPU time, start
 * time: whether a pid is still the task it was), and the runtimes' own
 * processes on this node (daemons, shims, monitors) with the places their
 * command lines name (runtimes.h): what tells
 * where a node with its own layout (k3s's containerd state, dockerd's
 * --exec-root, CRI-O's storage) keeps its containers.
 *
 * Only a process of the host teaches anything, judged by what /proc shows
 * to an agent that keeps no capability: root in every uid, in the initial
 * pid namespace (one pid in NSpid), in the host's mount namespace (its root
 * mount is PID 1's: a copied namespace has new mount ids), and outside any
 * container's cgroup. A container's root with a process named dockerd or
 * conmon fails the mount rule; a local user fails the uid rule.
 */
#ifndef PW_RUNTIME_PROCS_H
#define PW_RUNTIME_PROCS_H

#include <sys/types.h>

#include "runtimes.h"

/* What /proc/PID/stat says of a task: its name, state, flags, CPU time and start time. */
struct pw_task_stat {
	char comm[16]; /* as /proc/PID/comm has it, cut at 15 bytes */
	char state;
	unsigned long flags;	      /* PF_* */
	unsigned long long cpu_ticks; /* utime + stime */
	unsigned long long start;     /* clock ticks since boot */
};

/* pid's /proc/PID/stat: 0, or -errno (-EIO: nothing read or not parsed). */
int pw_task_stat_read(pid_t pid, struct pw_task_stat *st);

/* The host's own process named comm (the rules above), 0 if none. */
pid_t pw_host_process_by_comm(const char *comm);

/* Tell sink the places every trusted runtime process names. */
void pw_runtime_procs_places(const struct pw_place_sink *sink);

/*
 * Whether pid (a /proc name), whose comm was read, is an OCI runtime's own
 * process (runc, crun, youki, by its comm) run by root in every uid: not a
 * user's process that names itself runc. (runc's init is in its
 * container's namespaces already, so the namespace rules above do not
 * apply to it.)
 */
bool pw_runtime_procs_oci_task(const char *pid, const char *comm);

#endif /* PW_RUNTIME_PROCS_H */
