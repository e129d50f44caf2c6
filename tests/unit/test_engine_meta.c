// SPDX-License-Identifier: GPL-2.0-only
/* The engine, containerd's namespace, from where a container's runtime keeps it. */
#include <string.h>

#include "engine_meta.h"
#include "unit.h"

#define ID "c0ffee"

UNIT_TEST(engine_meta_from_where_the_runtime_keeps_it)
{
	struct pw_container_meta m = {};

	pw_meta_complete(&m, ID, "/run/containerd/runc/default",
			 "/var/lib/ctrd/io.containerd.runtime.v2.task/default/" ID);
	CHECK_STR(m.engine, "containerd");
	CHECK_STR(m.namespace, "default");

	/* From the bundle alone, when the root is not known. */
	memset(&m, 0, sizeof(m));
	pw_meta_complete(&m, ID, NULL,
			 "/run/containerd/io.containerd.runtime.v2.task/tenant-a/" ID);
	CHECK_STR(m.engine, "containerd");
	CHECK_STR(m.namespace, "tenant-a");

	/* A pod's namespace (CRI annotations) is not replaced by containerd's "k8s.io". */
	memset(&m, 0, sizeof(m));
	strcpy(m.engine, "containerd");
	strcpy(m.namespace, "prod");
	pw_meta_complete(&m, ID, "/run/containerd/runc/k8s.io", NULL);
	CHECK_STR(m.namespace, "prod");

	/* Docker: its runc root or containerd's "moby" namespace; no containerd namespace. */
	memset(&m, 0, sizeof(m));
	pw_meta_complete(&m, ID, "/srv/docker-exec/runtime-runc/moby", NULL);
	CHECK_STR(m.engine, "docker");
	CHECK_STR(m.namespace, "");
	memset(&m, 0, sizeof(m));
	pw_meta_complete(&m, ID, NULL, "/run/containerd/io.containerd.runtime.v2.task/moby/" ID);
	CHECK_STR(m.engine, "docker");

	/* Nothing to go by: nothing said. A hostile namespace is not taken. */
	memset(&m, 0, sizeof(m));
	pw_meta_complete(&m, ID, "/run/runc", "/tmp/bundle");
	CHECK_STR(m.engine, "");
	memset(&m, 0, sizeof(m));
	pw_meta_complete(&m, ID, "/run/containerd/runc/..", NULL);
	CHECK_STR(m.engine, "containerd");
	CHECK_STR(m.namespace, "");
}
