/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A container: what pinwatch knows of the workload in one cgroup, and the
 * one place that works it out. Sources, most trusted first:
 *
 *   1. the cgroup path (identity.c: kubepods, Docker, Podman patterns);
 *   2. the runtime's own state for this cgroup instance (state_index.h),
 *      checked against the kernel: its init process lives in this cgroup
 *      (or the cgroup is empty, the container gone);
 *   3. before that state exists, the newest create/run exec'd before this
 *      cgroup was made whose cgroupsPath names it (runtime_cmds.h).
 *
 * Then names and the opt-in annotation from the runtime's state, or from
 * the bundle the engine keeps by id (containerd, CRI-O), or from the
 * command's bundle.
 */
#ifndef PW_CONTAINER_H
#define PW_CONTAINER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup_table.h"
#include "cpulist.h"
#include "runtime_cmds.h"
#include "state_index.h"

enum pw_identity_source {
	PW_FROM_PATH,  /* the cgroup path matched a pattern */
	PW_FROM_STATE, /* the runtime's state names this cgroup */
	PW_FROM_EXEC,  /* the create/run that made this cgroup */
};

struct pw_container {
	struct pw_cgroup *cg;
	/* Into cg->path when the path ends in it (most containers), else its own copy. */
	const char *id;
	char *engine;	   /* containerd, cri-o, docker, podman; NULL when unknown */
	char *oci_runtime; /* runc, crun; NULL when unknown */
	char *pod, *namespace, *name, *pod_uid; /* NULL when unknown */
	const char *qos;			/* guaranteed, burstable, besteffort; NULL */
	enum pw_identity_source source;
	bool id_owned;	 /* id is a copy of its own, freed with the container (no padding hole) */
	bool workload;	 /* false for conmon and pod sandboxes */
	bool lb_disable; /* opted in: cpu-load-balancing.crio.io: "disable" */
	bool exec_first_cpu; /* exec-cpu-affinity.pinwatch.io: "first" */
	bool populated;	     /* it has tasks */
	bool root_owned;     /* its cgroup is root's, not in a subtree delegated to a user */
	/*
	 * Names and opt-in come from the runtime's state or the engine's bundle:
	 * nothing later will say more. Otherwise the node looks again while the
	 * container is young (the runtime writes its state after the cgroup).
	 */
	bool meta_final;
	/* Its opt-in is known at all: final, or from the runtime command that made it. */
	bool meta_known;
	/* The knobs its annotations ask for beyond load balancing; NULL: none. */
	struct pw_knob_wants *knobs;
	const struct pw_cpuset *cpus; /* cpuset.cpus as written; NULL when unread */
	void *agent;		      /* the agent's engine keeps its own state here */
};

/* Where identity comes from. */
struct pw_identity_sources {
	const struct pw_mounts *mounts;
	const struct pw_state_index *states; /* NULL: none */
	struct pw_runtime_cmds *cmds;	     /* NULL: none */
};

/*
 * What the caller knows of a cgroup beyond its record: when it was made (its
 * mkdir event; 0 when a scan found it), and its directory, open, when a walk
 * holds it (-1 otherwise): files are then read without a path walk, and
 * the owner the walk's fstat gave is not asked again.
 */
struct pw_cgroup_origin {
	uint64_t ktime_ns;
	int dir_fd;
	bool owner_known; /* owner is the directory's, read with dir_fd */
	uid_t owner;
};

/*
 * Who cg belongs to: a new container (populated read, cpus unset, agent
 * NULL), or NULL when the cgroup is no container's (or out of memory).
 * origin may be NULL.
 */
struct pw_container *pw_container_identify(const struct pw_identity_sources *src,
					   struct pw_cgroup *cg,
					   const struct pw_cgroup_origin *origin);

/* Whether a and b say the same of who the container is (id, names, runtime, opt-in). */
bool pw_container_same_identity(const struct pw_container *a, const struct pw_container *b);

/* Free c and its strings (not its cpus: those are the pool's). NULL is fine. */
void pw_container_free(struct pw_container *c);

/* "ID12 (ns/pod/name)" or "ID12 (path)", escaped, for log lines, into buf. */
const char *pw_container_name(const struct pw_container *c, char *buf, size_t size);

#endif /* PW_CONTAINER_H */
