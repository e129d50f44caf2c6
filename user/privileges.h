/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Least privilege: once a command has what only privilege gives (BPF
 * programs loaded and attached, a mount namespace, a low port), it keeps
 * root's uid (the files it writes are root's) but gives up every
 * capability it does not need from then on, in the bounding set too, and
 * sets no_new_privs. docs/SECURITY.md lists what each command keeps.
 */
#ifndef PW_PRIVILEGES_H
#define PW_PRIVILEGES_H

#include <linux/capability.h>
#include <stdbool.h>
#include <stdint.h>

/* A capability's bit for pw_drop_privileges()' keep mask. */
#define PW_CAP(c) (1ULL << (c))

/*
 * What reading the runtimes' state needs where it is root-only (containerd's
 * shim makes /run/containerd 0600): held by every command that names
 * containers, raised by safe_file.c around each trusted open, to read only.
 */
#define PW_CAPS_READ_STATE PW_CAP(CAP_DAC_READ_SEARCH)

/* pw_drop_privileges() flags: say nothing of what is missing or stays (a second process). */
#define PW_PRIV_QUIET (1U << 0)

/*
 * Keep only the capabilities in keep (PW_CAP() bits) effective, and those in
 * held as well in the permitted set only, to be raised around the one
 * operation that needs them (pw_raise_capability()). Works with whatever
 * the process was given (a unit's or a pod's bounding set): a capability
 * it lacks is said and done without, and one the bounding set keeps because
 * CAP_SETPCAP was not given is said once (nothing can regain it: it is out
 * of the permitted set and no_new_privs is set). 0 or -errno (said).
 */
int pw_drop_privileges(uint64_t keep, uint64_t held, unsigned int flags);

/*
 * Raise cap (one of the held ones) for one operation, and lower it again;
 * without it held, raising fails quietly and the operation fails as it
 * would have. Returns whether it was raised.
 */
bool pw_raise_capability(int cap);
void pw_lower_capability(int cap);

/* The effective capabilities now (for tests and logs). */
uint64_t pw_effective_capabilities(void);

#endif /* PW_PRIVILEGES_H */
