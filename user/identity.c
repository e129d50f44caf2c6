// SPDX-License-Identifier: GPL-2.0-only
/* Container identity from cgroup paths: one POSIX ERE per row. */
#include "identity.h"

#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* Longest path that is matched at all: kubepods paths are ~200 bytes. */
#define MAX_MATCH_PATH 4096

#define ID "([0-9a-f]{64})"
/* The systemd driver writes a pod UID with '_' for '-' (it is a unit name). */
#define UID "([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})"
#define QOS_SLICE "kubepods(-(burstable|besteffort))?-pod" UID "\\.slice/"
#define QOS_DIR "kubepods(/(burstable|besteffort))?/pod" UID "/"

struct row {
	const char *name;
	const char *pattern; /* matched at the end of the path, from a component start */
	const char *needle;  /* a part of pattern every match contains: no regex without it */
	const char *runtime;
	bool workload;
	int id_group, uid_group, qos_group; /* 0: not in this row */
};

/* Keep in step with docs/CONTAINERS.md. */
static const struct row rows[] = {
	{ "containerd-systemd", QOS_SLICE "cri-containerd-" ID "\\.scope", "cri-containerd-",
	  "containerd", true, 4, 3, 2 },
	{ "crio-systemd", QOS_SLICE "crio-" ID "\\.scope", "crio-", "cri-o", true, 4, 3, 2 },
	{ "crio-conmon-systemd", QOS_SLICE "crio-conmon-" ID "\\.scope", "crio-conmon-", "cri-o",
	  false, 4, 3, 2 },
	{ "crio-cgroupfs", QOS_DIR "crio-" ID, "crio-", "cri-o", true, 4, 3, 2 },
	{ "crio-conmon-cgroupfs", QOS_DIR "crio-conmon-" ID, "crio-conmon-", "cri-o", false, 4, 3,
	  2 },
	/* containerd, and Docker through cri-dockerd, use the bare id: the path does not say which. */
	{ "kubepods-cgroupfs", QOS_DIR ID, "kubepods", NULL, true, 4, 3, 2 },
	{ "docker-systemd", "docker-" ID "\\.scope", "docker-", "docker", true, 1, 0, 0 },
	{ "docker-cgroupfs", "docker/" ID, "docker/", "docker", true, 1, 0, 0 },
	{ "podman-conmon-systemd", "libpod-conmon-" ID "\\.scope", "libpod-conmon-", "podman",
	  false, 1, 0, 0 },
	{ "podman-systemd", "libpod-" ID "\\.scope", "libpod-", "podman", true, 1, 0, 0 },
	{ "podman-cgroupfs", "libpod_parent/libpod-" ID, "libpod_parent/libpod-", "podman", true, 1,
	  0, 0 },
};
#define NR_ROWS (sizeof(rows) / sizeof(rows[0]))
#define MAX_GROUPS 6

static regex_t compiled[NR_ROWS];
static bool compiled_ok;

static int compile_rows(void)
{
	char anchored[512];

	if (compiled_ok)
		return 0;
	for (size_t i = 0; i < NR_ROWS; i++) {
		snprintf(anchored, sizeof(anchored), "(^|/)%s$", rows[i].pattern);
		if (regcomp(&compiled[i], anchored, REG_EXTENDED)) {
			/* A bad row is a bug in this file, caught by the unit tests. */
			pw_err("internal error: pattern '%s' does not compile", rows[i].name);
			while (i--)
				regfree(&compiled[i]);
			return -EINVAL;
		}
	}
	compiled_ok = true;
	return 0;
}

/* Group g of the match as a string into dst (size bytes). */
static void copy_group(char *dst, size_t size, const char *s, const regmatch_t *m)
{
	size_t len = m->rm_eo - m->rm_so;

	if (m->rm_so < 0 || len >= size)
		len = 0;
	else
		memcpy(dst, s + m->rm_so, len);
	dst[len] = '\0';
}

/* Whether path has want hexadecimal digits in a row. */
static bool has_hex_run(const char *path, size_t len, size_t want)
{
	size_t run = 0;

	for (size_t i = 0; i < len; i++) {
		char c = path[i];

		if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) {
			if (++run >= want)
				return true;
		} else {
			run = 0;
		}
	}
	return false;
}

int pw_identity_from_path(const char *path, size_t len, struct pw_identity *id)
{
	regmatch_t m[MAX_GROUPS + 2];
	char buf[MAX_MATCH_PATH + 1];
	int err;

	memset(id, 0, sizeof(*id));
	err = compile_rows();
	if (err)
		return err;
	/* A NUL or an overlong path cannot be a container's: no row may see it. */
	if (len > MAX_MATCH_PATH || memchr(path, '\0', len))
		return -ENOENT;
	/* Every row ends in a 64-hex id: most cgroups of a node leave here, before any regex. */
	if (!has_hex_run(path, len, PW_CONTAINER_ID_LEN))
		return -ENOENT;
	memcpy(buf, path, len);
	buf[len] = '\0';

	for (size_t i = 0; i < NR_ROWS; i++) {
		const struct row *r = &rows[i];

		if (!strstr(buf, r->needle) || regexec(&compiled[i], buf, MAX_GROUPS + 2, m, 0))
			continue;
		/* Group numbers in rows count from the pattern; (^|/) comes first. */
		id->row = r->name;
		id->runtime = r->runtime;
		id->workload = r->workload;
		copy_group(id->container_id, sizeof(id->container_id), buf, &m[r->id_group + 1]);
		id->id_offset = m[r->id_group + 1].rm_so;
		if (r->uid_group) {
			copy_group(id->pod_uid, sizeof(id->pod_uid), buf, &m[r->uid_group + 1]);
			for (char *p = id->pod_uid; *p; p++)
				if (*p == '_')
					*p = '-';
			if (m[r->qos_group + 1].rm_so < 0)
				id->qos = "guaranteed";
			else if (buf[m[r->qos_group + 1].rm_so] == 'b' &&
				 buf[m[r->qos_group + 1].rm_so + 1] == 'u')
				id->qos = "burstable";
			else
				id->qos = "besteffort";
		}
		return 0;
	}
	return -ENOENT;
}
