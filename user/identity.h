/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Container identity from a cgroup path, table-driven: one pattern per row
 * for containerd, CRI-O, Docker and Podman with the systemd and cgroupfs
 * drivers. docs/CONTAINERS.md lists every row with a real example.
 */
#ifndef PW_IDENTITY_H
#define PW_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>

#define PW_CONTAINER_ID_LEN 64
#define PW_POD_UID_LEN 36

struct pw_identity {
	const char *row; /* name of the pattern that matched */
	const char *
		runtime; /* "containerd", "cri-o", "docker", "podman"; NULL when the path does not say */
	const char *qos; /* "guaranteed", "burstable", "besteffort"; NULL outside kubepods */
	bool workload;	 /* false for a runtime's own cgroup (conmon) */
	char container_id[PW_CONTAINER_ID_LEN + 1];
	size_t id_offset;		  /* where container_id starts in the path */
	char pod_uid[PW_POD_UID_LEN + 1]; /* with '-', whatever the driver wrote; "" if none */
};

/*
 * Match the path (len bytes, not NUL-terminated; untrusted) against the
 * table. 0 and *id filled on a match; -ENOENT when no row matches.
 */
int pw_identity_from_path(const char *path, size_t len, struct pw_identity *id);

#endif /* PW_IDENTITY_H */
