/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fault injection for the crash and race tests. Compiled in only with
 * -DPW_FAULT_INJECTION, which builds build/tests/pinwatch-faults: in
 * build/pinwatch every hook is an empty inline function, so nothing a test
 * sets in the environment can reach a production agent.
 *
 *   PINWATCH_CRASH_AFTER_WRITES=N   the agent dies (as by kill -9) just
 *                                   before its (N+1)th kernel write
 *   PINWATCH_DELAY_APPLY_MS=N       the agent waits N ms before each
 *                                   isolation it applies (a slow agent)
 *   PINWATCH_REJECT_WRITES=TEXT     every cgroup write whose path holds TEXT
 *                                   fails with EINVAL, as the kernel's
 *                                   refusals do
 */
#ifndef PW_FAULT_H
#define PW_FAULT_H

#ifdef PW_FAULT_INJECTION
/* Read the fault settings from the environment. */
void pw_fault_init(void);
/* Called before every cgroup or kernel-file write the agent makes (path: what it writes). */
int pw_fault_before_kernel_write(const char *path);
/* Called before each isolation is applied. */
void pw_fault_before_apply(void);
#else
static inline void pw_fault_init(void)
{
}

static inline int pw_fault_before_kernel_write(const char *path)
{
	(void)path;
	return 0;
}

static inline void pw_fault_before_apply(void)
{
}
#endif

#endif /* PW_FAULT_H */
