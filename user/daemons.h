/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where the container daemons running on this node keep their runtimes'
 * state, when they were told a place of their own: dockerd's --exec-root
 * holds its runc root (EXEC_ROOT/runtime-runc/moby). Only a daemon whose
 * every uid is root's is believed: any user can run a process named
 * dockerd, only root one that is root's in every uid. The root it names is
 * then read under safe_file's rules like any other.
 */
#ifndef PW_DAEMONS_H
#define PW_DAEMONS_H

/* Call add(ctx, ROOT, RUNTIME) for each runtime state root the running daemons name. */
void pw_daemon_roots(void (*add)(void *ctx, const char *root, const char *runtime), void *ctx);

#endif /* PW_DAEMONS_H */
