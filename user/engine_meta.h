/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What is known of a container beyond its bundle's annotations, from where
 * its runtime keeps it: the engine that made it (Docker's runc root is
 * <exec-root>/runtime-runc/moby and its bundles are in containerd's "moby"
 * namespace; containerd's own runc roots /run/containerd/runc/NAMESPACE and
 * task bundles .../io.containerd.runtime.v2.task/NAMESPACE/ID), containerd's
 * namespace, and Docker's name for it (docker.h).
 */
#ifndef PW_ENGINE_META_H
#define PW_ENGINE_META_H

#include "runtime_state.h"

/*
 * Fill what meta lacks for container id, whose runtime keeps it in root
 * (NULL unknown) with bundle (NULL unknown): the engine, containerd's
 * namespace (for a container no pod namespace names), Docker's name.
 */
void pw_meta_complete(struct pw_container_meta *meta, const char *id, const char *root,
		      const char *bundle);

#endif /* PW_ENGINE_META_H */
