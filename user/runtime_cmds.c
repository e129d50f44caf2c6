// SPDX-License-Identifier: GPL-2.0-only
/* Runtime execs remembered to name the cgroups their processes make. */
#include "runtime_cmds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine_meta.h"

void pw_runtime_cmds_free(struct pw_runtime_cmds *cmds)
{
	for (size_t i = 0; i < PW_RUNTIME_CMDS; i++) {
		free(cmds->ring[i]);
		cmds->ring[i] = NULL;
	}
}

const struct pw_runtime_cmd_seen *pw_runtime_cmds_add(struct pw_runtime_cmds *cmds,
						      const struct pw_event *ev)
{
	struct pw_runtime_cmd_seen *s;
	struct pw_runtime_cmd cmd;

	/* Only root running root's own binary names containers (PW_F_TRUSTED). */
	if (!(ev->exec->flags & PW_F_TRUSTED) ||
	    pw_runtime_cmd_parse(ev->exec->filename, &ev->args, &cmd))
		return NULL;
	s = cmds->ring[cmds->next % PW_RUNTIME_CMDS];
	if (!s) {
		s = malloc(sizeof(*s));
		if (!s)
			return NULL;
		cmds->ring[cmds->next % PW_RUNTIME_CMDS] = s;
	}
	cmds->next++;
	memset(s, 0, sizeof(*s));
	s->tgid = ev->hdr->pid;
	s->ktime_ns = ev->hdr->ktime_ns;
	s->cmd = cmd;
	if (!cmd.creates)
		return s;
	/*
	 * Without --bundle the bundle is the runtime's working directory, which
	 * the kernel side read at the exec: the runtime may be gone by now, and
	 * /proc/PID/cwd of a root process with all its capabilities is closed
	 * to the agent, which keeps none.
	 */
	if (!s->cmd.bundle[0] && !(ev->exec->flags & PW_F_PATH_TRUNCATED) &&
	    ev->cwd.len < sizeof(s->cmd.bundle)) {
		memcpy(s->cmd.bundle, ev->cwd.data, ev->cwd.len);
		s->cmd.bundle[ev->cwd.len] = '\0';
	}
	if (s->cmd.bundle[0] && !pw_meta_from_bundle(s->cmd.bundle, &s->meta) &&
	    s->meta.cgroups_path[0])
		pw_cgroups_path_resolve(s->meta.cgroups_path, s->cgroup_path,
					sizeof(s->cgroup_path));
	pw_meta_complete(&s->meta, s->cmd.id, s->cmd.root[0] ? s->cmd.root : NULL,
			 s->cmd.bundle[0] ? s->cmd.bundle : NULL);
	return s;
}

/* Whether s may name (hierarchy, id), and the slot that says so. */
static int name_slot(const struct pw_runtime_cmd_seen *s, int hierarchy, uint64_t id)
{
	int free_slot = -1;

	for (int i = 0; i < (int)(sizeof(s->named) / sizeof(s->named[0])); i++) {
		if (!s->named[i].id) {
			if (free_slot < 0)
				free_slot = i;
			continue;
		}
		if (s->named[i].hierarchy == hierarchy)
			return s->named[i].id == id ? i : -1;
	}
	return free_slot;
}

const struct pw_runtime_cmd_seen *pw_runtime_cmds_match(struct pw_runtime_cmds *cmds, int hierarchy,
							uint64_t id, uint64_t ktime_ns,
							const char *path)
{
	struct pw_runtime_cmd_seen *best = NULL;
	int slot;

	for (size_t i = 0; i < PW_RUNTIME_CMDS; i++) {
		struct pw_runtime_cmd_seen *s = cmds->ring[i];

		if (!s || !s->cmd.creates || s->ktime_ns > ktime_ns ||
		    ktime_ns - s->ktime_ns > PW_RUNTIME_CMD_TTL_NS || strcmp(s->cgroup_path, path))
			continue;
		if (!best || s->ktime_ns > best->ktime_ns)
			best = s;
	}
	/* Only the newest command may name it: an older one is of an earlier instance. */
	if (!best)
		return NULL;
	slot = name_slot(best, hierarchy, id);
	if (slot < 0)
		return NULL;
	best->named[slot].hierarchy = hierarchy;
	best->named[slot].id = id;
	return best;
}
