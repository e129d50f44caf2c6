/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Decoding of ring buffer records into a checked view: the record's size
 * matches its type, and every string is given with a length bounded by its
 * buffer, so no later step trusts a length or a NUL from the kernel record.
 */
#ifndef PW_EVENT_H
#define PW_EVENT_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#include "pinwatch.h"

/* A byte range inside a record; not NUL-terminated. */
struct pw_bytes {
	const char *data;
	size_t len;
};

/* The record an event type's events carry: what decodes and prints them. */
enum pw_record {
	PW_REC_CGROUP,	     /* struct pw_cgroup_event */
	PW_REC_EXEC,	     /* struct pw_exec_event */
	PW_REC_CPUSET_WRITE, /* struct pw_cpuset_write_event */
	PW_REC_HOLD_SIGNAL,  /* struct pw_hold_signal_event */
	PW_REC_NOISE,	     /* struct pw_noise_event */
};

/*
 * Each event type, described once (event.c's table). A new type that
 * carries an existing record is its BPF side and one row there: decoding,
 * --type, the table, JSON, metrics and the lost counts follow from it.
 */
struct pw_event_type_info {
	const char *name;   /* --type, JSON "type", the metrics' label */
	const char *column; /* the table's EVENT column: at most 6 characters */
	enum pw_record record;
	bool by_default; /* trace shows it without --type */
};

struct pw_event {
	enum pw_event_type type;
	const struct pw_event_type_info *info;
	const struct pw_event_header *hdr;
	struct pw_bytes comm;
	union {
		const struct pw_cgroup_event *cgroup;	   /* PW_EV_CGROUP_MKDIR/RMDIR */
		const struct pw_exec_event *exec;	   /* PW_EV_EXEC */
		const struct pw_cpuset_write_event *write; /* PW_EV_CPUSET_WRITE */
		const struct pw_hold_signal_event *hold;   /* PW_EV_HOLD/RELEASE */
		const struct pw_noise_event *noise;	   /* PW_EV_NOISE */
	};
	struct pw_bytes path;	     /* cgroup events, cpuset writes, holds: the cgroup's */
	bool path_truncated;	     /* the kernel cut path (PW_F_PATH_TRUNCATED) */
	struct pw_bytes file;	     /* cpuset writes */
	struct pw_bytes value;	     /* cpuset writes, one trailing newline dropped */
	struct pw_bytes args;	     /* exec: NUL-separated argv */
	struct pw_bytes filename;    /* exec: the runtime's basename */
	struct pw_bytes cwd;	     /* exec: its working directory (cut: PW_F_PATH_TRUNCATED) */
	struct pw_bytes target_comm; /* hold, release: the held task's */
	struct pw_bytes parent_comm; /* noise: the intruder's parent's */
	/* The cgroup the event is about (every record but exec's): its hierarchy and id. */
	bool has_cgroup;
	int hierarchy;
	__u64 cgroup_id;
};

/* Decode size bytes at data; 0, or -EINVAL for a record that is not well-formed. */
int pw_event_decode(const void *data, size_t size, struct pw_event *ev);

/* The description of an event type, or NULL for an unknown number. */
const struct pw_event_type_info *pw_event_type_info(enum pw_event_type type);

/* Event type name as in the JSON "type" field, or NULL for an unknown number. */
const char *pw_event_type_name(enum pw_event_type type);

/* The types trace shows without --type, as a mask (bit N: type N). */
unsigned int pw_event_default_types(void);

/* The name of a kernel-side map error counter (enum pw_map_error), as in metrics. */
const char *pw_map_error_name(int which);

/* Why an exec is not trusted (enum pw_untrusted): "mnt_ns", and in words. */
const char *pw_untrusted_name(__u32 why);
const char *pw_untrusted_reason(__u32 why);

/* Event type number for a name from pw_event_type_name(), or 0. */
enum pw_event_type pw_event_type_from_name(const char *name);

/*
 * Next argument of an exec event's NUL-separated argv: call with *pos 0
 * first; false when there is none left. The last argument of a truncated
 * argv may have no NUL.
 */
bool pw_event_next_arg(const struct pw_bytes *args, size_t *pos, struct pw_bytes *arg);

#endif /* PW_EVENT_H */
