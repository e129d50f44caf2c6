// SPDX-License-Identifier: GPL-2.0-only
/* Who a cgroup belongs to, from its path, the runtime's state and the runtime's exec. */
#include "container.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_meta.h"
#include "identity.h"
#include "log.h"
#include "runtime_procs.h"

/* Whether e's container still is the one in cg: its init lives there, or cg is empty. */
static bool state_is_this_instance(const struct pw_state_entry *e, const struct pw_cgroup *cg,
				   bool populated)
{
	char path[64], line[4096];
	struct pw_task_stat st;
	bool found = false;
	FILE *f;

	if (!populated)
		return true; /* nothing runs there that could be someone else's */
	/* Its init gone, or another task on its pid: the tasks in cg are another instance's. */
	if (e->pid <= 0 || pw_task_stat_read(e->pid, &st) || st.start != e->start_time)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/cgroup", e->pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

		if (!c2 || atoi(line) != cg->hierarchy)
			continue;
		c2[1 + strcspn(c2 + 1, "\n")] = '\0';
		found = !strcmp(c2 + 1, cg->path);
		break;
	}
	fclose(f);
	return found;
}

static char *dup_or_null(const char *s)
{
	return s && s[0] ? strdup(s) : NULL;
}

/* The bundle the engine keeps for id (containerd, CRI-O), if one does. */
static bool meta_from_engine_bundle(const struct pw_state_index *states, const char *id,
				    struct pw_container_meta *meta)
{
	char dir[PW_META_PATH_LEN];

	return states && !pw_state_index_bundle(states, id, dir, sizeof(dir)) &&
	       !pw_meta_from_bundle(dir, meta);
}

struct pw_container *pw_container_identify(const struct pw_identity_sources *src,
					   struct pw_cgroup *cg,
					   const struct pw_cgroup_origin *origin)
{
	const struct pw_runtime_cmd_seen *cmd = NULL;
	const struct pw_state_entry *entry = NULL;
	struct pw_container_meta meta = {};
	struct pw_identity path_id;
	struct pw_container *c;
	bool v2 = cg->hierarchy == 0 && pw_mounts_cpuset_hierarchy(src->mounts) != 0;
	bool by_path, have_meta = false, from_cmd = false, populated = false,
		      populated_read = false;
	int dir_fd = origin ? origin->dir_fd : -1;
	const char *id, *bundle, *engine;

	by_path = !pw_identity_from_path(cg->path, cg->path_len, &path_id);
	if (src->states) {
		entry = by_path ? pw_state_index_by_id(src->states, path_id.container_id) :
				  pw_state_index_by_path(src->states, v2, cg->path);
		if (entry) {
			populated =
				pw_cgroup_populated(src->mounts, cg->hierarchy, cg->path, dir_fd);
			populated_read = true;
		}
		/* The state must be of this cgroup, and of this instance of it. */
		if (entry && (!entry->path[v2] || strcmp(entry->path[v2], cg->path) ||
			      !state_is_this_instance(entry, cg, populated)))
			entry = NULL;
	}
	if (!entry && src->cmds && origin && origin->ktime_ns)
		cmd = pw_runtime_cmds_match(src->cmds, cg->hierarchy, cg->id, origin->ktime_ns,
					    cg->path);
	if (!by_path && !entry && !cmd)
		return NULL;
	id = by_path ? path_id.container_id : entry ? entry->id : cmd->cmd.id;

	if (entry)
		have_meta = !pw_state_index_meta(entry, &meta);
	if (!have_meta) {
		memset(&meta, 0, sizeof(meta));
		have_meta = meta_from_engine_bundle(src->states, id, &meta);
	}
	from_cmd = !have_meta && cmd && !strcmp(cmd->cmd.id, id);
	if (from_cmd)
		meta = cmd->meta;

	bundle = meta.bundle[0] ? meta.bundle : cmd && cmd->cmd.bundle[0] ? cmd->cmd.bundle : NULL;
	pw_meta_complete(&meta, id, entry ? entry->root->path : cmd ? cmd->cmd.root : NULL, bundle);
	engine = meta.engine[0] ? meta.engine : by_path ? path_id.runtime : NULL;

	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->cg = cg;
	/* A path that ends in the id already holds it: 10,000 containers need no second copy. */
	if (by_path && path_id.id_offset + strlen(path_id.container_id) == cg->path_len) {
		c->id = cg->path + path_id.id_offset;
	} else {
		c->id = strdup(id);
		c->id_owned = true;
	}
	c->source = by_path ? PW_FROM_PATH : entry ? PW_FROM_STATE : PW_FROM_EXEC;
	c->workload = (by_path ? path_id.workload : true) && !meta.sandbox;
	c->lb_disable = meta.lb_disable;
	c->exec_first_cpu = meta.exec_first_cpu;
	c->meta_final = have_meta;
	c->meta_known = have_meta || from_cmd;
	c->root_owned = origin && origin->owner_known ?
				origin->owner == 0 :
				pw_cgroup_root_owned(src->mounts, cg->hierarchy, cg->path, dir_fd);
	c->populated = populated_read ?
			       populated :
			       pw_cgroup_populated(src->mounts, cg->hierarchy, cg->path, dir_fd);
	c->qos = by_path ? path_id.qos : NULL;
	c->engine = dup_or_null(engine);
	c->oci_runtime = dup_or_null(entry ? entry->root->runtime : cmd ? cmd->cmd.runtime : NULL);
	c->pod = dup_or_null(meta.pod);
	c->namespace = dup_or_null(meta.namespace);
	c->name = dup_or_null(meta.container);
	c->pod_uid = dup_or_null(by_path && path_id.pod_uid[0] ? path_id.pod_uid : meta.pod_uid);
	if (pw_knob_wants_any(&meta.knobs)) {
		c->knobs = malloc(sizeof(*c->knobs));
		if (c->knobs)
			*c->knobs = meta.knobs;
	}
	if (!c->id) {
		pw_container_free(c);
		return NULL;
	}
	return c;
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static bool knobs_eq(const struct pw_knob_wants *a, const struct pw_knob_wants *b)
{
	if (a == b)
		return true;
	if (!a || !b)
		return false;
	for (int k = 0; k < PW_NR_KNOBS; k++)
		if (strcmp(a->value[k], b->value[k]))
			return false;
	return true;
}

bool pw_container_same_identity(const struct pw_container *a, const struct pw_container *b)
{
	return str_eq(a->id, b->id) && str_eq(a->engine, b->engine) &&
	       str_eq(a->oci_runtime, b->oci_runtime) && str_eq(a->pod, b->pod) &&
	       str_eq(a->namespace, b->namespace) && str_eq(a->name, b->name) &&
	       str_eq(a->pod_uid, b->pod_uid) && a->workload == b->workload &&
	       a->lb_disable == b->lb_disable && a->exec_first_cpu == b->exec_first_cpu &&
	       a->source == b->source && a->meta_final == b->meta_final &&
	       a->meta_known == b->meta_known && a->root_owned == b->root_owned &&
	       knobs_eq(a->knobs, b->knobs);
}

void pw_container_free(struct pw_container *c)
{
	if (!c)
		return;
	if (c->id_owned)
		free((char *)c->id);
	free(c->engine);
	free(c->oci_runtime);
	free(c->pod);
	free(c->namespace);
	free(c->name);
	free(c->pod_uid);
	free(c->knobs);
	free(c);
}

const char *pw_container_name(const struct pw_container *c, char *buf, size_t size)
{
	char where[PW_Q_LEN];

	if (c->pod)
		snprintf(where, sizeof(where), "%s/%s/%s", c->namespace ? c->namespace : "", c->pod,
			 c->name ? c->name : "");
	else
		snprintf(where, sizeof(where), "%s", c->cg->path);
	snprintf(buf, size, "%.12s (%s)", PW_Q(c->id), PW_Q(where));
	return buf;
}
