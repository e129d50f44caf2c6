/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one way events leave the kernel side: every program reserves,
 * counts and submits through these helpers, so none can skip a counter.
 * Counters are per event type in a per-CPU array (seen, emitted, dropped);
 * failed map updates are counted apart, per map, in another.
 */
#ifndef EMIT_BPF_H
#define EMIT_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "pinwatch.h"

/*
 * Ring buffer bytes waiting to be read above which a routine event wakes the
 * reader (the loader sets a sixteenth of the ring). Below it, cgroup
 * mkdir/rmdir events are batched (BPF_RB_NO_WAKEUP) and the reader picks
 * them up on its next timer tick: a wakeup per event costs ~40% of cgroup
 * mkdir throughput. Urgent events (execs, holds) always wake the reader,
 * since someone may be waiting to act.
 */
const volatile __u64 wakeup_threshold = 256 * 1024;
/*
 * Set for the agent: populated events wake it at once, since it acts on
 * them (a container's first task is when its CPUs can be isolated). Its
 * mkdirs and rmdirs stay batched: a cgroup made and removed within one
 * batch is never read, and a container's first task wakes it anyway.
 */
const volatile bool urgent_populated_events = false;

/*
 * When a record last woke the reader (bpf_ktime_get_ns()). Read and written
 * without a lock from every CPU: a lost update costs one wakeup more or less.
 */
__u64 last_wakeup_ns = 0;

/*
 * A cpuset write wakes the reader at once unless a record did within this
 * gap: a loop writing cpuset.cpus then costs a wakeup per gap, not one per
 * write (each an IPI to the reader's CPU: trace slowed such a loop by ~7%
 * over empty programs on this VM). The reader, once woken, reads what came
 * meanwhile; a storm's last writes come with the next wakeup or its tick.
 */
#define WRITE_WAKEUP_GAP_NS 1000000ULL

/* How soon a record wakes the reader. */
enum wake {
	WAKE_BATCHED, /* when the ring holds wakeup_threshold bytes, or on the reader's tick */
	WAKE_NOW,     /* at once: someone may be waiting to act on it */
	WAKE_GAPPED,  /* at once, unless a record did within WRITE_WAKEUP_GAP_NS */
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22); /* the loader may size it before load */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PW_COUNTERS_LEN);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PW_MAP_ERR_MAX);
	__type(key, __u32);
	__type(value, __u64);
} map_errors SEC(".maps");

/*
 * Every event lost, in one global the reader has mapped: it checks it after
 * each batch without a syscall, and says in its stream when it grew.
 * Atomic, and touched on the loss path only.
 */
__u64 lost_events = 0;

static __always_inline void count(__u32 type, __u32 which)
{
	__u32 key = type * PW_CNT_MAX + which;
	__u64 *value = bpf_map_lookup_elem(&counters, &key);

	if (value)
		*value += 1;
}

static __always_inline void count_drop(__u32 type)
{
	count(type, PW_CNT_DROPPED);
	__sync_fetch_and_add(&lost_events, 1);
}

/* A map update that failed: counted by map, never folded into drops. */
static __always_inline void count_map_error(__u32 which)
{
	__u64 *value = bpf_map_lookup_elem(&map_errors, &which);

	if (value)
		*value += 1;
}

static __always_inline __u64 wakeup_flags(enum wake wake)
{
	if (wake == WAKE_GAPPED && bpf_ktime_get_ns() - last_wakeup_ns < WRITE_WAKEUP_GAP_NS)
		wake = WAKE_BATCHED;
	if (wake == WAKE_BATCHED &&
	    bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) < wakeup_threshold)
		return BPF_RB_NO_WAKEUP;
	last_wakeup_ns = bpf_ktime_get_ns();
	return BPF_RB_FORCE_WAKEUP;
}

static __always_inline void fill_header(struct pw_event_header *hdr, __u32 type, __u32 size)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	hdr->type = type;
	hdr->size = size;
	hdr->ktime_ns = bpf_ktime_get_ns();
	hdr->pid = pid_tgid >> 32;
	hdr->tid = (__u32)pid_tgid;
	hdr->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(hdr->comm, sizeof(hdr->comm));
}

/*
 * Reserve a record of type and size with its header filled: counted as seen,
 * and as dropped when the ring buffer is full (NULL then).
 */
#define reserve_event(type, size)                                                                  \
	({                                                                                         \
		void *__e;                                                                         \
		count((type), PW_CNT_SEEN);                                                        \
		__e = bpf_ringbuf_reserve(&events, (size), 0);                                     \
		if (__e)                                                                           \
			fill_header(__e, (type), (size));                                          \
		else                                                                               \
			count_drop(type);                                                          \
		__e;                                                                               \
	})

/* Submit a reserved record: counted as emitted. */
static __always_inline void submit_event(void *e, __u32 type, enum wake wake)
{
	bpf_ringbuf_submit(e, wakeup_flags(wake));
	count(type, PW_CNT_EMITTED);
}

/*
 * Begin a record built elsewhere (per-CPU scratch, then a map until the
 * syscall returns): header filled, counted as seen. It ends in
 * output_event() or drop_event().
 */
static __always_inline void begin_event(struct pw_event_header *hdr, __u32 type, __u32 size)
{
	fill_header(hdr, type, size);
	count(type, PW_CNT_SEEN);
}

/* A begun record that will never be sent. */
static __always_inline void drop_event(__u32 type)
{
	count_drop(type);
}

/*
 * Copy a finished record (begun with begin_event()) to the ring buffer:
 * counted as emitted or dropped.
 */
static __always_inline void output_event(void *e, __u32 type, __u32 size, enum wake wake)
{
	if (bpf_ringbuf_output(&events, e, size, wakeup_flags(wake)))
		count_drop(type);
	else
		count(type, PW_CNT_EMITTED);
}

#endif /* EMIT_BPF_H */
