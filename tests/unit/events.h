/* SPDX-License-Identifier: GPL-2.0-only */
/* Builders of kernel-like event records for the unit tests. */
#ifndef PW_UNIT_EVENTS_H
#define PW_UNIT_EVENTS_H

#include <linux/types.h>
#include <string.h>

#include "pinwatch.h"

static inline void fill_test_header(struct pw_event_header *hdr, __u32 type, __u32 size,
				    const char *comm)
{
	memset(hdr, 0, sizeof(*hdr));
	hdr->type = type;
	hdr->size = size;
	hdr->ktime_ns = 1000000000ULL;
	hdr->pid = 42;
	hdr->tid = 43;
	hdr->cgroup_id = 7;
	strncpy(hdr->comm, comm, sizeof(hdr->comm));
}

static inline void make_write_event(struct pw_cpuset_write_event *e, const char *path,
				    const char *value, __s64 ret)
{
	memset(e, 0, sizeof(*e));
	fill_test_header(&e->hdr, PW_EV_CPUSET_WRITE, sizeof(*e), "runc");
	e->ret = ret;
	e->target_id = 1234;
	e->hierarchy_id = 3;
	e->level = 2;
	e->syscall = PW_SYS_WRITE;
	strcpy(e->file, "cpuset.cpus");
	e->value_len = strlen(value);
	memcpy(e->value, value, e->value_len);
	e->path_len = strlen(path);
	memcpy(e->path, path, e->path_len);
}

static inline void make_cgroup_event(struct pw_cgroup_event *e, __u32 type, const char *path)
{
	memset(e, 0, sizeof(*e));
	fill_test_header(&e->hdr, type, sizeof(*e), "mkdir");
	e->hierarchy_id = 0;
	e->level = 1;
	e->id = 99;
	e->path_len = strlen(path);
	memcpy(e->path, path, e->path_len);
}

/* A release (or hold) of pid 4242 "sh", as the kernel sends it: cut after its path. */
static inline size_t make_hold_event(struct pw_hold_signal_event *e, __u32 type, const char *path,
				     __u64 held_ns)
{
	size_t len = strlen(path);

	memset(e, 0, sizeof(*e));
	fill_test_header(&e->hdr, type, PW_HOLD_SIGNAL_EVENT_SIZE(len), "pinwatch");
	e->target_pid = 4242;
	strcpy(e->target_comm, "sh");
	e->held_ns = held_ns;
	e->hierarchy_id = 3;
	e->level = 2;
	e->id = 77;
	e->path_len = len;
	memcpy(e->path, path, len);
	return e->hdr.size;
}

static inline void make_exec_event(struct pw_exec_event *e, const char *args, size_t args_len)
{
	memset(e, 0, sizeof(*e));
	fill_test_header(&e->hdr, PW_EV_EXEC, sizeof(*e), "runc");
	e->ppid = 1;
	/* root ran root's own 0755 binary */
	e->exe_mode = 0100755;
	e->flags = PW_F_TRUSTED;
	strcpy(e->filename, "runc");
	e->args_len = args_len;
	memcpy(e->args, args, args_len);
}

#endif /* PW_UNIT_EVENTS_H */
