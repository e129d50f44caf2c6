/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Docker's own record of a container: its name. dockerd keeps it in
 * <data-root>/containers/<id>/config.v2.json, and bind-mounts the same
 * directory's hostname file on the container's /etc/hostname: the bundle's
 * config.json (which the runtime recorded) says where the data root is,
 * whatever --data-root dockerd was given. Both files are read as trusted
 * files (safe_file.h): root's, on a root-owned path.
 */
#ifndef PW_DOCKER_H
#define PW_DOCKER_H

#include <stddef.h>

/*
 * From an OCI config.json (len bytes): the directory dockerd keeps for
 * container id, the source of the /etc/hostname mount less "/hostname",
 * when that directory is named id. 0, -ENOENT (no such mount), -EINVAL.
 */
int pw_docker_dir_from_config(const char *buf, size_t len, const char *id, char *dir, size_t size);

/* The container's name from config.v2.json ("Name": "/web" gives "web"). 0, -ENOENT, -EINVAL. */
int pw_docker_name_from_record(const char *buf, size_t len, char *name, size_t size);

/* The name dockerd gave container id, from its bundle: 0, or -errno. */
int pw_docker_name(const char *bundle, const char *id, char *name, size_t size);

#endif /* PW_DOCKER_H */
