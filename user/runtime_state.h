/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What container runtimes say about a container: the argv of a runtime exec
 * (runc/crun create, run, start, ...: id, --root, --bundle), the runtime's
 * own state (runc state.json, crun status), and OCI config.json
 * (cgroupsPath, annotations with pod, namespace and container names).
 *
 * The parsers work on buffers, so they can be fuzzed; files are read
 * through safe_file.h. Every string is bounded: all of it may be written by
 * or for untrusted workloads.
 */
#ifndef PW_RUNTIME_STATE_H
#define PW_RUNTIME_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "event.h"
#include "identity.h"
#include "knobs.h"

#define PW_NAME_LEN 254 /* Kubernetes names are DNS subdomains: 253 bytes */
#define PW_RUNTIME_ID_LEN 128
#define PW_META_PATH_LEN 512
/* config.json and state.json files of real containers are tens of KiB. */
#define PW_MAX_JSON_FILE (1024 * 1024)

/* What a runtime exec says it does. */
struct pw_runtime_cmd {
	char runtime[32];    /* the runtime's basename: runc, crun */
	char subcommand[16]; /* create, run, start, kill, delete, update, ... */
	bool creates;	     /* create or run: a new container */
	char id[PW_RUNTIME_ID_LEN + 1];
	char root[PW_META_PATH_LEN];   /* --root, "" if not given */
	char bundle[PW_META_PATH_LEN]; /* --bundle, "" if not given (the cwd) */
};

/* What config.json annotations and the runtime's state say about a container. */
struct pw_container_meta {
	char engine[16]; /* "containerd" or "cri-o" when annotations say; else "" */
	char pod[PW_NAME_LEN];
	char namespace[PW_NAME_LEN];
	char container[PW_NAME_LEN];
	char pod_uid[PW_POD_UID_LEN + 1];
	bool sandbox; /* a pod sandbox (pause) container, not a workload */
	/*
	 * CRI-O's opt-in: cpu-load-balancing.crio.io: "disable", pod-wide, or
	 * cpu-load-balancing.crio.io/<container name> for one container.
	 */
	bool lb_disable;
	/*
	 * exec-cpu-affinity.pinwatch.io: "first": processes a runtime's exec
	 * puts into it (kubectl exec, probes) run on its first CPU only.
	 */
	bool exec_first_cpu;
	/* The other CRI-O knobs it asks for, pod-wide or scoped the same way (knobs.h). */
	struct pw_knob_wants knobs;
	char cgroups_path[PW_META_PATH_LEN]; /* linux.cgroupsPath as config.json gives it */
	char bundle[PW_META_PATH_LEN];
};

/* Where a runtime's state says its container lives. */
struct pw_runtime_state {
	char bundle[PW_META_PATH_LEN];
	/*
	 * The container's cgroup: runc records absolute paths per controller
	 * ("cpuset" on v1, "" for cgroup2), crun one path relative to the
	 * hierarchy roots.
	 */
	char cgroup_v1_cpuset[PW_META_PATH_LEN];
	char cgroup_v2[PW_META_PATH_LEN];
	char cgroup_rel[PW_META_PATH_LEN];
	pid_t pid;		       /* the container's init, 0 if unknown */
	unsigned long long start_time; /* its start time in clock ticks (/proc/PID/stat field 22) */
};

/*
 * Parse a runtime's argv (NUL-separated). Returns 0 when it names a
 * subcommand with a valid container id (cmd->creates for create and run),
 * -ENOENT otherwise.
 */
int pw_runtime_cmd_parse(const char *runtime, const struct pw_bytes *args,
			 struct pw_runtime_cmd *cmd);

/* A container id usable in a path: [A-Za-z0-9_.-], 1 to 128 bytes, not "." or "..". */
bool pw_valid_container_id(const char *id);

/* Fill meta from an OCI config.json of len bytes. 0, or -EINVAL if it is not one. */
int pw_parse_oci_config(const char *buf, size_t len, struct pw_container_meta *meta);

/*
 * Fill st from runc's state.json, and meta from the annotations runc keeps
 * among its labels ("key=value"). 0, or -EINVAL.
 */
int pw_parse_runc_state(const char *buf, size_t len, struct pw_runtime_state *st,
			struct pw_container_meta *meta);

/* Fill st from crun's status file. 0, or -EINVAL. */
int pw_parse_crun_status(const char *buf, size_t len, struct pw_runtime_state *st);

/*
 * Fill meta from BUNDLE/config.json, read as a trusted file (safe_file.h).
 * 0, or -errno (callers decide what to say).
 */
int pw_meta_from_bundle(const char *bundle, struct pw_container_meta *meta);

/*
 * The cgroup path a cgroupsPath names: a plain path as it is, the systemd
 * form "slice:prefix:name" as its /a.slice/a-b.slice/prefix-name.scope.
 */
int pw_cgroups_path_resolve(const char *cgroups_path, char *out, size_t size);

#endif /* PW_RUNTIME_STATE_H */
