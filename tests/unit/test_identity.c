// SPDX-License-Identifier: GPL-2.0-only
/* Container identity from cgroup paths: every row, and near misses. */
#include <errno.h>

#include "identity.h"
#include "unit.h"

#define ID64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define UID "9a1c2b3d-4e5f-6789-abcd-ef0123456789"
#define UID_ "9a1c2b3d_4e5f_6789_abcd_ef0123456789"

struct id_case {
	const char *path;
	const char *row; /* NULL: must not match */
	const char *runtime, *qos;
	bool workload;
	const char *pod_uid;
};

static const struct id_case cases[] = {
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	  ".slice/cri-containerd-" ID64 ".scope",
	  "containerd-systemd", "containerd", "burstable", true, UID },
	{ "/kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-" ID64 ".scope",
	  "containerd-systemd", "containerd", "guaranteed", true, UID },
	{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
	  ".slice/crio-" ID64 ".scope",
	  "crio-systemd", "cri-o", "besteffort", true, UID },
	{ "/kubepods.slice/kubepods-pod" UID_ ".slice/crio-conmon-" ID64 ".scope",
	  "crio-conmon-systemd", "cri-o", "guaranteed", false, UID },
	{ "/kubepods/burstable/pod" UID "/" ID64, "kubepods-cgroupfs", NULL, "burstable", true,
	  UID },
	{ "/kubepods/pod" UID "/" ID64, "kubepods-cgroupfs", NULL, "guaranteed", true, UID },
	{ "/custom-root/kubepods/besteffort/pod" UID "/" ID64, "kubepods-cgroupfs", NULL,
	  "besteffort", true, UID },
	{ "/kubepods/burstable/pod" UID "/crio-" ID64, "crio-cgroupfs", "cri-o", "burstable", true,
	  UID },
	{ "/kubepods/pod" UID "/crio-conmon-" ID64, "crio-conmon-cgroupfs", "cri-o", "guaranteed",
	  false, UID },
	{ "/system.slice/docker-" ID64 ".scope", "docker-systemd", "docker", NULL, true, "" },
	{ "/docker/" ID64, "docker-cgroupfs", "docker", NULL, true, "" },
	{ "/machine.slice/libpod-" ID64 ".scope", "podman-systemd", "podman", NULL, true, "" },
	{ "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID64 ".scope",
	  "podman-systemd", "podman", NULL, true, "" },
	{ "/machine.slice/libpod-conmon-" ID64 ".scope", "podman-conmon-systemd", "podman", NULL,
	  false, "" },
	{ "/libpod_parent/libpod-" ID64, "podman-cgroupfs", "podman", NULL, true, "" },
	/* Near misses: none of these is a container. */
	{ "/docker/"
	  "0123456789abcdef",
	  NULL, NULL, NULL, false, NULL },			/* id too short */
	{ "/docker/" ID64 "0", NULL, NULL, NULL, false, NULL }, /* id too long */
	{ "/docker/0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", NULL, NULL,
	  NULL, false, NULL },
	{ "/docker/" ID64 "\n", NULL, NULL, NULL, false, NULL }, /* newline after */
	{ "/docker-" ID64 ".scope/..", NULL, NULL, NULL, false, NULL },
	{ "/xdocker/" ID64, NULL, NULL, NULL, false, NULL }, /* not a component */
	{ "/system.slice/docker-" ID64 ".scopex", NULL, NULL, NULL, false, NULL },
	{ "/kubepods/burstable/pod" UID, NULL, NULL, NULL, false,
	  NULL }, /* a pod, not a container */
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice", NULL,
	  NULL, NULL, false, NULL },
	{ "/kubepods/burstable/podZZ/" ID64, NULL, NULL, NULL, false, NULL },
	{ "/kubepods/guaranteed/pod" UID "/" ID64, NULL, NULL, NULL, false,
	  NULL }, /* no such QoS dir */
	{ "", NULL, NULL, NULL, false, NULL },
	{ "/", NULL, NULL, NULL, false, NULL },
};

UNIT_TEST(identity_rows_and_near_misses)
{
	struct pw_identity id;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct id_case *c = &cases[i];
		int err = pw_identity_from_path(c->path, strlen(c->path), &id);

		if (!c->row) {
			if (err != -ENOENT)
				unit_fail(__FILE__, __LINE__, "case %zu '%s' matched row %s", i,
					  c->path, id.row);
			continue;
		}
		if (err) {
			unit_fail(__FILE__, __LINE__, "case %zu '%s' did not match", i, c->path);
			continue;
		}
		CHECK_STR(id.row, c->row);
		CHECK_STR(id.container_id, ID64);
		CHECK_STR(id.pod_uid, c->pod_uid);
		CHECK(c->runtime ? (id.runtime && !strcmp(id.runtime, c->runtime)) : !id.runtime);
		CHECK(c->qos ? (id.qos && !strcmp(id.qos, c->qos)) : !id.qos);
		CHECK_INT(id.workload, c->workload);
	}
}

UNIT_TEST(identity_hostile_bytes)
{
	char path[8192];
	struct pw_identity id;

	/* A NUL inside the path must not let a prefix match. */
	static const char with_nul[] = "/docker/" ID64 "\0/x";
	CHECK_INT(pw_identity_from_path(with_nul, sizeof(with_nul) - 1, &id), -ENOENT);
	/* 255-byte names and overlong paths are refused without reading past them. */
	memset(path, 'a', sizeof(path));
	path[0] = '/';
	CHECK_INT(pw_identity_from_path(path, 256, &id), -ENOENT);
	CHECK_INT(pw_identity_from_path(path, sizeof(path), &id), -ENOENT);
	/* A valid container under a 255-byte parent still matches. */
	memcpy(path + 256, "/docker/" ID64, sizeof("/docker/" ID64));
	CHECK_INT(pw_identity_from_path(path, strlen(path), &id), 0);
}
