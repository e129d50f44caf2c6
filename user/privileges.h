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

#include <stdbool.h>
#include <stdint.h>

/* A capability's bit for pw_drop_privileges()' keep mask. */
#define PW_CAP(c) (1ULL << (c))

/*
 * Keep only the capabilities in keep (PW_CAP() bits) effective, and those in
 * held as well in the permitted set only, to be raised around the one
 * operation that needs them (pw_raise_capability()). 0 or -errno (said).
 */
int pw_drop_privileges(uint64_t keep, uint64_t held);

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
