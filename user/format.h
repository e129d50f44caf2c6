/* SPDX-License-Identifier: GPL-2.0-only */
/* Output of trace events: a column table for people, JSON lines for programs. */
#ifndef PW_FORMAT_H
#define PW_FORMAT_H

#include <stdbool.h>
#include <stdio.h>

#include "event.h"
#include "hierarchy.h"

struct pw_format {
	FILE *out;
	bool json;
	/* CLOCK_REALTIME minus CLOCK_MONOTONIC: turns BPF ktime into wall time. */
	long long realtime_offset_ns;
	const struct pw_hierarchies *hierarchies;
	bool wide; /* the table's DETAIL whole, past PW_TABLE_COLUMNS */
};

/* What is known of the container an event is about; NULL fields are unknown. */
struct pw_event_context {
	const char *container_id, *runtime, *pod, *namespace, *container, *qos;
	const char *oci_runtime; /* runc, crun: what runtime names the engine */
};

/* The offset between the wall clock and the monotonic clock, now. */
long long pw_realtime_offset_ns(void);

/* Column headers of the table; nothing in JSON mode. */
void pw_format_header(const struct pw_format *f);

/* Print one event; ctx may be NULL. */
void pw_format_event(const struct pw_format *f, const struct pw_event *ev,
		     const struct pw_event_context *ctx);

/*
 * Events the kernel side could not queue since the last report (the ring
 * buffer was full: the reader fell behind), per event type: said in the
 * stream where it was noticed, so a reader knows what it did not see.
 */
void pw_format_lost(const struct pw_format *f, __u64 ktime_ns, const __u64 lost[PW_EV_TYPE_MAX]);

/* The closing counters (--json): one record with the probe mode and per-type counts. */
struct pw_trace_counts {
	const char *probe; /* "tracepoint", "fentry" */
	__u64 seen[PW_EV_TYPE_MAX], emitted[PW_EV_TYPE_MAX], dropped[PW_EV_TYPE_MAX];
	__u64 malformed;
};
void pw_format_counters(const struct pw_format *f, const struct pw_trace_counts *c);

/* Width of the table's POD/CGROUP column: longer names keep their tail. */
#define PW_TABLE_WHERE_WIDTH 28
/* Container ids are shown by their first 12 characters in tables, as docker ps does. */
#define PW_SHORT_ID_LEN 12

#endif /* PW_FORMAT_H */
