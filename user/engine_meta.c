// SPDX-License-Identifier: GPL-2.0-only
/* A container's engine, containerd namespace and Docker name, from where its runtime keeps it. */
#include "engine_meta.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "docker.h"
#include "runtimes.h"

/* The engine that made the container: annotations first, then where it is kept; NULL unknown. */
static const char *engine_of(const struct pw_container_meta *meta, const char *root,
			     const char *bundle)
{
	return meta->engine[0] ? meta->engine : pw_runtimes_engine_of(root, bundle);
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
	if (!strcmp(engine, "containerd") && !meta->namespace[0])
		pw_runtimes_containerd_namespace(root, bundle, meta->namespace,
						 sizeof(meta->namespace));
	/* Docker keeps a container's name in its own record, found through the bundle. */
	if (!strcmp(engine, "docker") && !meta->container[0] && bundle)
		pw_docker_name(bundle, id, meta->container, sizeof(meta->container));
}
