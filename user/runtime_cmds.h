/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Runtime commands seen as execs, kept for a short while so the cgroup a
 * create or run makes can be named at once, before the runtime has written
 * its state. A cgroup is named by the newest create/run exec'd before the
 * cgroup was made whose bundle's cgroupsPath is the cgroup's path, and a
 * command names one cgroup instance per hierarchy at most: a command never
 * names an instance of a reused path that came after the one it made.
 * (The process link is no help: crun makes cgroups from a daemonized
 * grandchild that init has already adopted.)
 */
#ifndef PW_RUNTIME_CMDS_H
#define PW_RUNTIME_CMDS_H

#include <stdint.h>

#include "event.h"
#include "runtime_state.h"

/* Commands remembered (a ring); older ones are forgotten. */
#define PW_RUNTIME_CMDS 64
/* A command names cgroups made at most this long after its exec. */
#define PW_RUNTIME_CMD_TTL_NS (60ULL * 1000000000ULL)

struct pw_runtime_cmd_seen {
	uint32_t tgid;
	uint64_t ktime_ns; /* of the exec */
	struct pw_runtime_cmd cmd;
	struct pw_container_meta meta;	    /* from the bundle, for create and run */
	char cgroup_path[PW_META_PATH_LEN]; /* resolved cgroupsPath; "" unknown */
	/* The cgroup it named in each hierarchy (0 none): it names no other. */
	struct {
		int hierarchy;
		uint64_t id;
	} named[4];
};

struct pw_runtime_cmds {
	struct pw_runtime_cmd_seen *ring[PW_RUNTIME_CMDS];
	unsigned int next;
};

void pw_runtime_cmds_free(struct pw_runtime_cmds *cmds);

/*
 * Remember the runtime command of a trusted exec event (PW_F_TRUSTED: root
 * ran root's own binary; any subcommand with a container id; for create and
 * run, the bundle's config.json is read as a trusted file). Returns what was
 * remembered, or NULL for an untrusted exec or an argv that names no
 * container.
 */
const struct pw_runtime_cmd_seen *pw_runtime_cmds_add(struct pw_runtime_cmds *cmds,
						      const struct pw_event *ev);

/*
 * The newest create/run exec'd before ktime_ns whose cgroup is path, when it
 * has named no other cgroup of hierarchy; it now names (hierarchy, id).
 * NULL when there is none.
 */
const struct pw_runtime_cmd_seen *pw_runtime_cmds_match(struct pw_runtime_cmds *cmds, int hierarchy,
							uint64_t id, uint64_t ktime_ns,
							const char *path);

#endif /* PW_RUNTIME_CMDS_H */
