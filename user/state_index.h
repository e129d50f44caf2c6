/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The containers that runtimes' own state directories know: runc's
 * ROOT/ID/state.json and crun's ROOT/ID/status, and the bundles engines
 * keep by id, in the places runtimes.h lists: each runtime's defaults,
 * those its trusted processes name (runtime_procs.h: k3s's containerd
 * state, dockerd's --exec-root, conmon's bundles), and the roots trusted
 * runtime execs name with --root, kept while they hold containers or were
 * named lately. One readdir per root and one read per container per scan;
 * look-ups by id and by cgroup path are in memory.
 *
 * Only trusted directories and files are read (safe_file.h): state written
 * by a local user cannot name a container.
 */
#ifndef PW_STATE_INDEX_H
#define PW_STATE_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroupfs.h"
#include "hash_table.h"
#include "runtime_state.h"
#include "runtimes.h"

/* Containers indexed at most; more is said once per scan. */
#define PW_MAX_STATES 4096
/* State roots at most: the runtimes' places (a containerd namespace each) and those learned. */
#define PW_MAX_STATE_ROOTS 64
/* A root a trusted exec named is kept this long after, and while it holds containers. */
#define PW_LEARNED_ROOT_TTL_NS (600ULL * 1000000000ULL)

/* A state root. Its slot never moves (entries point to it); an inactive one is not read. */
struct pw_state_root {
	char path[PW_META_PATH_LEN];
	char runtime[16]; /* runc, crun */
	char engine[16];  /* who made its containers, when its place says ("" unknown) */
	enum pw_state_format format;
	bool active;		  /* read at the last scan */
	uint64_t learned_ns;	  /* when a trusted exec last named it (0: a runtime's place) */
	unsigned long containers; /* entries the last scan found in it */
};

struct pw_state_entry {
	struct pw_hash_link by_id, by_path[2]; /* by_path[v2] linked only when path[v2] is known */
	const struct pw_state_root *root;
	char *id;
	/* The container's cgroup in the cpuset hierarchy [0] and in cgroup2 [1]; NULL unknown. */
	char *path[2];
	pid_t pid;
	unsigned long long start_time;
	uint32_t gen;
};

/* Where engines keep bundles by container id: a containerd namespace, CRI-O's storage. */
struct pw_bundle_root {
	char path[PW_META_PATH_LEN];
	const char *suffix; /* after the id: "" (containerd), "/userdata" (CRI-O) */
};

#define PW_MAX_BUNDLE_ROOTS 32

struct pw_state_index {
	const struct pw_mounts *mounts;
	struct pw_state_root roots[PW_MAX_STATE_ROOTS];
	size_t nr_roots;
	struct pw_bundle_root bundle_roots[PW_MAX_BUNDLE_ROOTS]; /* those there at the last scan */
	size_t nr_bundle_roots;
	struct pw_hash_table by_id, by_path[2];
	uint32_t gen;
	unsigned long over_limit; /* entries left out by the last scan */
	/* State directories said to be unreadable (hashes of their paths): said once each. */
	uint64_t said_unreadable[PW_MAX_STATE_ROOTS];
	size_t nr_said_unreadable;
};

int pw_state_index_init(struct pw_state_index *idx, const struct pw_mounts *mounts);
void pw_state_index_free(struct pw_state_index *idx);

/*
 * Add ROOT (a trusted runtime exec's --root) to the roots scanned, kept
 * while it holds containers or for PW_LEARNED_ROOT_TTL_NS after the last
 * exec that names it; a bad one is ignored. Returns true when it was new.
 */
bool pw_state_index_learn_root(struct pw_state_index *idx, const char *root, const char *runtime);

/* Read every root again: new containers are read, gone ones dropped. */
void pw_state_index_scan(struct pw_state_index *idx);

/* Read one container's state now (its runtime just made it); 0 or -errno. */
int pw_state_index_add(struct pw_state_index *idx, const struct pw_state_root *root,
		       const char *id);

const struct pw_state_entry *pw_state_index_by_id(const struct pw_state_index *idx, const char *id);

/* The container whose cgroup in the cpuset hierarchy (v2 false) or cgroup2 (v2 true) is path. */
const struct pw_state_entry *pw_state_index_by_path(const struct pw_state_index *idx, bool v2,
						    const char *path);

/*
 * The container's metadata from the runtime's own state: runc's labels,
 * crun's copy of config.json. 0, or -errno.
 */
int pw_state_index_meta(const struct pw_state_entry *e, struct pw_container_meta *meta);

/*
 * The bundle an engine keeps for container id (containerd's task directory,
 * CRI-O's userdata) into buf; -ENOENT when none of the roots there at the
 * last scan holds it. One lookup per root, no read.
 */
int pw_state_index_bundle(const struct pw_state_index *idx, const char *id, char *buf, size_t size);

/* The trusted root named path, or NULL. */
const struct pw_state_root *pw_state_index_root(const struct pw_state_index *idx, const char *path);

#endif /* PW_STATE_INDEX_H */
