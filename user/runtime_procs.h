/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The runtimes' own processes on this node (daemons, shims, monitors), from
 * /proc, and the places their command lines name (runtimes.h): what tells
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

/* The host's own process named comm (the rules above), 0 if none. */
pid_t pw_host_process_by_comm(const char *comm);

/* Tell sink the places every trusted runtime process names. */
void pw_runtime_procs_places(const struct pw_place_sink *sink);

/*
 * Whether pid (a /proc name) is an OCI runtime's own process (runc, crun,
 * youki, by its comm) run by root in every uid: not a user's process that
 * names itself runc. (runc's init is in its container's namespaces already,
 * so the namespace rules above do not apply to it.)
 */
bool pw_runtime_procs_oci_task(const char *pid);

#endif /* PW_RUNTIME_PROCS_H */
