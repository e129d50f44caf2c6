/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the container runtimes say about a container: the argv of a runtime
 * exec (runc/crun create or run: id, --root, --bundle), the runtime's
 * state.json, and the bundle's config.json (cgroupsPath, annotations with
 * pod, namespace and container names). All of it is written by or for
 * untrusted workloads: every read and every string is bounded.
 */
#ifndef PW_RUNTIME_STATE_H
#define PW_RUNTIME_STATE_H

#include <stdbool.h>

#include "event.h"
#include "identity.h"

#define PW_NAME_LEN 254 /* Kubernetes names are DNS subdomains: 253 bytes */
#define PW_RUNTIME_ID_LEN 128
#define PW_META_PATH_LEN 512
/* config.json files of real containers are tens of KiB. */
#define PW_MAX_JSON_FILE (1024 * 1024)

/* What a runtime exec says it does. */
struct pw_runtime_cmd {
	char runtime[16];	 /* runc, crun */
	char subcommand[16];	 /* create, run (others are not parsed further) */
	char id[PW_RUNTIME_ID_LEN + 1];
	char root[PW_META_PATH_LEN]; /* --root, "" if not given */
	char bundle[PW_META_PATH_LEN]; /* --bundle, "" if not given (the cwd) */
};

struct pw_container_meta {
	char engine[16];      /* "containerd" or "cri-o" when annotations say; else "" */
	char pod[PW_NAME_LEN];
	char namespace[PW_NAME_LEN];
	char container[PW_NAME_LEN];
	char pod_uid[PW_POD_UID_LEN + 1];
	bool sandbox;	      /* a pod sandbox (pause) container, not a workload */
	char cgroups_path[PW_META_PATH_LEN]; /* linux.cgroupsPath as the bundle gives it */
	char bundle[PW_META_PATH_LEN];
	/*
	 * CRI-O's opt-in: cpu-load-balancing.crio.io: "disable", pod-wide, or
	 * cpu-load-balancing.crio.io/<container name> for one container.
	 */
	bool lb_disable;
};

/*
 * Parse a runc or crun argv (NUL-separated) for create/run. Returns 0 when
 * it is a create or run with a valid container id, -ENOENT otherwise.
 */
int pw_runtime_cmd_parse(const char *runtime, const struct pw_bytes *args,
			 struct pw_runtime_cmd *cmd);

/* A container id usable in a path: [A-Za-z0-9_.-], 1 to 128 bytes, not "." or "..". */
bool pw_valid_container_id(const char *id);

/* Fill meta from BUNDLE/config.json. 0, or -errno naming nothing (callers decide). */
int pw_meta_from_bundle(const char *bundle, struct pw_container_meta *meta);

/*
 * Find container id's bundle from the runtime's state where it is readable:
 * root_hint/id/state.json (runc) or root_hint/id/status (crun) first, then the
 * usual roots of runc, crun, containerd and CRI-O; then fill meta from it.
 */
int pw_meta_from_state(const char *id, const char *root_hint, struct pw_container_meta *meta);

/*
 * Call fn(id, runtime, root, arg) for every container directory under the
 * usual state roots of runc, crun and containerd's runc; stop early if fn
 * returns non-zero.
 */
int pw_for_each_state(int (*fn)(const char *id, const char *runtime, const char *root, void *arg),
		      void *arg);

/*
 * The cgroup path a cgroupsPath names: a plain path as it is, the systemd
 * form "slice:prefix:name" as its /a.slice/a-b.slice/prefix-name.scope.
 */
int pw_cgroups_path_resolve(const char *cgroups_path, char *out, size_t size);

#endif /* PW_RUNTIME_STATE_H */
