/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A running irqbalance, told which CPUs to leave alone through its own
 * control socket (/run/irqbalance/irqbalance<PID>.sock, irqbalance 1.8 and
 * later): "settings cpus LIST" bans the CPUs at its next pass, without a
 * restart; "setup" answers what it bans now. Only root may talk to it (it
 * checks the sender's credentials), and only the host's own irqbalance is
 * talked to: a host process (runtime_procs.h) whose socket is root's.
 */
#ifndef PW_IRQBALANCE_H
#define PW_IRQBALANCE_H

#include <stdbool.h>
#include <sys/types.h>

#include "cpulist.h"

/* Where irqbalance makes its socket (its unit's RuntimeDirectory, Debian's init script). */
#define PW_IRQBALANCE_DIR "/run/irqbalance"

/* The host's irqbalance: its pid, 0 if none runs (or none with a socket). */
pid_t pw_irqbalance_find(const char *socket_dir);

/* Whether pid is still that irqbalance (its socket is there). */
bool pw_irqbalance_alive(const char *socket_dir, pid_t pid);

/* The CPUs it bans now. 0 or -errno. */
int pw_irqbalance_banned(const char *socket_dir, pid_t pid, struct pw_cpus *out);

/* Ban exactly cpus from its next pass on (empty: its own configuration's). 0 or -errno. */
int pw_irqbalance_ban(const char *socket_dir, pid_t pid, const struct pw_cpus *cpus);

/* The banned CPUs in a "setup" answer ("SLEEP 10 ... BANNED 00000002"). 0 or -EINVAL. */
int pw_irqbalance_parse_setup(const char *answer, struct pw_cpus *out);

#endif /* PW_IRQBALANCE_H */
