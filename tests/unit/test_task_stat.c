// SPDX-License-Identifier: GPL-2.0-only
/*
 * /proc/PID/stat read as the task movers need it: the comm (which may hold
 * ')' and spaces), the flags telling a kernel thread, the start time.
 */
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "runtime_procs.h"
#include "unit.h"

#define PF_KTHREAD 0x00200000UL

UNIT_TEST(task_stat_comm_flags_and_start)
{
	char old_name[16] = "", line[256];
	struct pw_task_stat st, again;
	unsigned long long start = 0;
	FILE *f;

	CHECK_INT(prctl(PR_GET_NAME, old_name), 0);
	/* A name made to fool a parser that stops at the first ')'. */
	CHECK_INT(prctl(PR_SET_NAME, "a) b (c) 1 2"), 0);
	CHECK_INT(pw_task_stat_read(getpid(), &st), 0);
	CHECK_STR(st.comm, "a) b (c) 1 2");
	CHECK(!(st.flags & PF_KTHREAD));
	CHECK_INT(prctl(PR_SET_NAME, "0123456789abcdefXYZ"), 0);
	CHECK_INT(pw_task_stat_read(getpid(), &again), 0);
	CHECK_STR(again.comm, "0123456789abcde"); /* the kernel keeps 15 bytes */
	CHECK(again.start == st.start);
	prctl(PR_SET_NAME, old_name);

	/* The start time is field 22, as /proc says it. */
	f = fopen("/proc/self/stat", "r");
	CHECK(f != NULL);
	if (f && fgets(line, sizeof(line), f)) {
		char *p = strrchr(line, ')');

		CHECK(p && sscanf(p + 2,
				  "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u "
				  "%*d %*d %*d %*d %*d %*d %llu",
				  &start) == 1);
	}
	if (f)
		fclose(f);
	CHECK(start == st.start);

	/* kthreadd, pid 2, is a kernel thread. */
	CHECK_INT(pw_task_stat_read(2, &st), 0);
	CHECK_STR(st.comm, "kthreadd");
	CHECK(st.flags & PF_KTHREAD);
	CHECK(pw_task_stat_read(-1, &st) < 0);
}
