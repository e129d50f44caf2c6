/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The container map: a table of the cgroups of the cpuset-bearing
 * hierarchies keyed by (hierarchy, cgroup id), kept current from mkdir/rmdir
 * events after a start-up scan, with each container's identity (from its
 * path, or from the runtime exec that made it), its runtime's metadata (pod,
 * namespace, names) and its current CPUs.
 */
#ifndef PW_CONTAINER_MAP_H
#define PW_CONTAINER_MAP_H

#include <stdbool.h>
#include <stdint.h>

#include "cgroupfs.h"
#include "cpulist.h"
#include "event.h"
#include "format.h"
#include "identity.h"
#include "runtime_state.h"

/* Cgroups the map keeps at most: a node with more says so, once. */
#define PW_MAP_MAX_CGROUPS 65536
/* Runtime create/run commands remembered until their cgroup appears. */
#define PW_MAP_PENDING_CMDS 64
/* Containers read from runtime state directories at most. */
#define PW_MAP_MAX_STATES 4096

struct pw_container {
	struct pw_container *next; /* hash chain */
	int hierarchy;
	uint64_t id;
	char *path;
	bool is_container;
	bool workload;		       /* false for conmon and pod sandboxes */
	struct pw_identity identity;   /* when the path matched a row */
	char container_id[PW_RUNTIME_ID_LEN + 1];
	char runtime[16];	       /* engine, or the OCI runtime when nothing else says */
	char oci_runtime[16];	       /* runc, crun when an exec told us */
	struct pw_container_meta meta; /* meta.bundle[0] set when found */
	bool meta_found;
	bool exited;		       /* populated once, now without tasks */
	bool refusal_logged;	       /* the agent said once why it will not isolate it */
	bool cpus_known;
	struct pw_cpus cpus;	  /* cpuset.cpus as written */
	struct pw_cpus effective; /* what the kernel grants */
};

struct pw_pending_cmd {
	char cgroup_path[PW_META_PATH_LEN]; /* resolved from the bundle's cgroupsPath */
	struct pw_runtime_cmd cmd;
	struct pw_container_meta meta;
};

struct pw_container_map {
	struct pw_mounts mounts;
	struct pw_container **buckets;
	size_t nr_buckets, count, over_limit;
	struct pw_cpus reserved; /* never counted as a container's exclusive CPUs */
	struct pw_pending_cmd pending[PW_MAP_PENDING_CMDS];
	unsigned int pending_next;
	/* The create/run of the exec event applied last; NULL if it was none. */
	const struct pw_pending_cmd *last_exec;
	/* Containers found in the runtimes' state directories by the scan. */
	struct pw_pending_cmd *states;
	size_t nr_states, cap_states;
};

int pw_map_init(struct pw_container_map *map, const struct pw_cpus *reserved);
void pw_map_free(struct pw_container_map *map);

/* Walk the cpuset-bearing hierarchies; merge with what events already added. */
int pw_map_scan(struct pw_container_map *map);

/*
 * Apply an event: mkdir inserts, rmdir removes, exec remembers a runtime
 * create/run, a successful cpuset write re-reads the target's CPUs.
 */
void pw_map_apply(struct pw_container_map *map, const struct pw_event *ev);

/* The context of an event's cgroup (or of an exec's container). */
void pw_map_context(struct pw_container_map *map, const struct pw_event *ev,
		    struct pw_event_context *ctx);

/* Whether c has tasks (in it or below it). */
bool pw_map_populated(const struct pw_container_map *map, const struct pw_container *c);

/* The cgroup (hierarchy, id), or NULL. */
struct pw_container *pw_map_find(const struct pw_container_map *map, int hierarchy, uint64_t id);

/*
 * Containers in the hierarchy that carries cpusets, in no particular order:
 * call fn for each; stop early if it returns non-zero.
 */
int pw_map_for_each_container(struct pw_container_map *map,
			      int (*fn)(struct pw_container *c, void *arg), void *arg);

/*
 * Whether c's CPUs are its own: not empty, not reserved, shared with no other
 * workload container. *other names the first container that shares them.
 */
bool pw_map_exclusive(struct pw_container_map *map, const struct pw_container *c,
		      const struct pw_container **other);

#endif /* PW_CONTAINER_MAP_H */
