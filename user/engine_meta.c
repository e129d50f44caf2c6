// SPDX-License-Identifier: GPL-2.0-only
/* A container's engine, containerd namespace and Docker name, from where its runtime keeps it. */
#include "engine_meta.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "docker.h"

#define CONTAINERD_RUNC_ROOT "/containerd/runc/"
#define CONTAINERD_TASKS "/io.containerd.runtime.v2.task/"

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = s ? strlen(s) : 0, m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* The engine that made the container: annotations first, then where it is kept; NULL unknown. */
static const char *engine_of(const struct pw_container_meta *meta, const char *root,
			     const char *bundle)
{
	if (meta->engine[0])
		return meta->engine;
	if (has_suffix(root, "/runtime-runc/moby") ||
	    (bundle && strstr(bundle, "/io.containerd.runtime.v2.task/moby/")))
		return "docker";
	if ((root && strstr(root, CONTAINERD_RUNC_ROOT)) ||
	    (bundle && strstr(bundle, CONTAINERD_TASKS)))
		return "containerd";
	return NULL;
}

/* The component after marker in path ("NS" of ".../marker/NS/..."), into buf; false if none. */
static bool component_after(const char *path, const char *marker, char *buf, size_t size)
{
	const char *p = path ? strstr(path, marker) : NULL;
	size_t n;

	if (!p)
		return false;
	p += strlen(marker);
	n = strcspn(p, "/");
	if (!n || n >= size)
		return false;
	snprintf(buf, size, "%.*s", (int)n, p);
	/* A name as containerd allows one: no '/', no "." or "..", nothing a terminal acts on. */
	if (!pw_valid_container_id(buf)) {
		buf[0] = '\0';
		return false;
	}
	return true;
}

void pw_meta_complete(struct pw_container_meta *meta, const char *id, const char *root,
		      const char *bundle)
{
	const char *engine = engine_of(meta, root, bundle);

	if (!engine)
		return;
	if (engine != meta->engine)
		snprintf(meta->engine, sizeof(meta->engine), "%s", engine);
	/* A task of containerd's own (ctr, nerdctl): its namespace, where no pod's is known. */
	if (!strcmp(engine, "containerd") && !meta->namespace[0] &&
	    !component_after(root, CONTAINERD_RUNC_ROOT, meta->namespace, sizeof(meta->namespace)))
		component_after(bundle, CONTAINERD_TASKS, meta->namespace, sizeof(meta->namespace));
	/* Docker keeps a container's name in its own record, found through the bundle. */
	if (!strcmp(engine, "docker") && !meta->container[0] && bundle)
		pw_docker_name(bundle, id, meta->container, sizeof(meta->container));
}
