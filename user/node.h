/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The node as pinwatch sees it: the cgroups of the hierarchy that carries
 * cpusets (and, for trace, of cgroup2 too), the containers among them, and
 * their CPUs. A scan fills it and converges it again after anything was
 * missed; kernel events keep it current in between. An observer (the
 * agent's engine) is told of every change, so it looks only at what
 * changed.
 */
#ifndef PW_NODE_H
#define PW_NODE_H

#include <stdbool.h>
#include <stdint.h>

#include "cgroup_table.h"
#include "cgroupfs.h"
#include "container.h"
#include "event.h"

/* The kernel events that keep a node current: what names every container. */
#define PW_NODE_EVENTS_MASK                                                                        \
	((1U << PW_EV_CGROUP_MKDIR) | (1U << PW_EV_CGROUP_RMDIR) | (1U << PW_EV_EXEC) |            \
	 (1U << PW_EV_CGROUP_POPULATED))

struct pw_node;

struct pw_node_config {
	bool both_hierarchies; /* trace: cgroup2 as well as the cpuset hierarchy (hybrid hosts) */
	bool cpus_of_all;      /* read the CPUs of every cgroup, not only of containers */
	/*
	 * Learn CPU changes from inotify watches on cpuset.cpus (the agent:
	 * no probe on the node's syscalls), not from cpuset write events.
	 */
	bool watch_cpus;
	/*
	 * Cgroup mkdirs wait until something needs the node current (any
	 * other event, pw_node_flush()): one removed meanwhile is never read
	 * (the agent, under cgroup churn).
	 */
	bool defer_adds;
};

/*
 * What changes the observer hears of. Records passed are valid during the
 * call; a removed one is freed right after it.
 */
struct pw_node_observer {
	void *ctx;
	/* A cgroup appeared (before it is identified). */
	void (*cgroup_added)(void *ctx, struct pw_cgroup *cg);
	/* A cgroup is going away: its container (if any) was reported removed first. */
	void (*cgroup_removed)(void *ctx, struct pw_cgroup *cg);
	/* cg->cpus changed; old is what it was (NULL: unknown). */
	void (*cpus_changed)(void *ctx, struct pw_cgroup *cg, const struct pw_cpuset *old);
	/* A container appeared, or who it is changed (old: the previous record, else NULL). */
	void (*container_changed)(void *ctx, struct pw_container *c, struct pw_container *old);
	/* c->populated changed. */
	void (*populated_changed)(void *ctx, struct pw_container *c);
	/* c is no container any more, or its cgroup is going away. */
	void (*container_removed)(void *ctx, struct pw_container *c);
};

/* Find the cgroup mounts and set up an empty node; -errno (said once) on failure. */
int pw_node_open(struct pw_node **out, const struct pw_node_config *cfg);
/* NULL is fine. */
void pw_node_free(struct pw_node *n);

void pw_node_set_observer(struct pw_node *n, const struct pw_node_observer *obs);

/*
 * Walk the hierarchies and the runtimes' state and make the node match what
 * is there now: new cgroups added, gone ones removed, CPUs, populated state
 * and identities read again. The observer hears of every difference.
 */
int pw_node_scan(struct pw_node *n);

/*
 * Add the cgroups whose mkdirs wait (pw_node_config.defer_adds), in order;
 * every other entry point does it first. How many cgroups were made and
 * removed before they were read is counted (pw_node_unread_cgroups()).
 */
void pw_node_flush(struct pw_node *n);
unsigned long pw_node_unread_cgroups(const struct pw_node *n);

/* Apply a kernel event (mkdir, rmdir, populated, runtime exec, cpuset write). */
void pw_node_apply(struct pw_node *n, const struct pw_event *ev);

/* With watch_cpus: the fd that is readable when a watched cpuset.cpus was written, else -1. */
int pw_node_watch_fd(const struct pw_node *n);
/* With watch_cpus: read the CPUs of every cgroup whose cpuset.cpus was written since. */
void pw_node_read_watch(struct pw_node *n);
/* With watch_cpus: watches held, and watches the kernel refused at its bound so far. */
void pw_node_watch_counts(const struct pw_node *n, unsigned long *held, unsigned long *refused);

/* A scan is due: an event could not be applied exactly (a truncated path). */
bool pw_node_needs_scan(const struct pw_node *n);

const struct pw_mounts *pw_node_mounts(const struct pw_node *n);
/* Changes to who the cgroups belong to (named, renamed, dropped): a generation. */
uint64_t pw_node_identities(const struct pw_node *n);
struct pw_cgroup *pw_node_find(const struct pw_node *n, int hierarchy, uint64_t id);

/*
 * cg's task is waiting on the agent (held at its first exec): if who it is
 * is not final yet, read its runtime's state for its id now, and name it
 * again. The observer hears of any change.
 */
void pw_node_look_again(struct pw_node *n, struct pw_cgroup *cg);
/*
 * Whether cg, not a container's as far as is known, was made lately and is
 * still being named: its runtime's command or state may name it yet.
 */
bool pw_node_naming(const struct pw_node *n, const struct pw_cgroup *cg);

/* On the agent's tick: cgroups made in the last seconds and not fully named are looked at again. */
void pw_node_tick(struct pw_node *n);

/* Every cgroup of the cpuset hierarchy; stop early if fn returns non-zero. */
int pw_node_for_each_cgroup(struct pw_node *n, int (*fn)(struct pw_cgroup *cg, void *arg),
			    void *arg);
/* Every container of the cpuset hierarchy; stop early if fn returns non-zero. */
int pw_node_for_each_container(struct pw_node *n, int (*fn)(struct pw_container *c, void *arg),
			       void *arg);

/* The container of the cpuset hierarchy with this id, or NULL. */
struct pw_container *pw_node_container_by_id(struct pw_node *n, const char *id);

/* The runtime command of the exec event applied last, or NULL if it named no container. */
const struct pw_runtime_cmd_seen *pw_node_last_exec(const struct pw_node *n);

/* Cgroups of the cpuset hierarchy, and containers among them. */
void pw_node_counts(struct pw_node *n, unsigned long *cgroups, unsigned long *containers);

#endif /* PW_NODE_H */
