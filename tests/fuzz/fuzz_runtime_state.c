// SPDX-License-Identifier: GPL-2.0-only
/*
 * What runtimes and bundles hold: runc's state.json, crun's status, an OCI
 * config.json (also as Docker's bundle), Docker's config.v2.json. The first
 * byte picks the parser; the rest is the file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "docker.h"
#include "runtime_state.h"

static void check_terminated(const char *s, size_t size)
{
	if (!memchr(s, '\0', size))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_container_meta meta;
	struct pw_runtime_state st;
	const char *buf = (const char *)data + 1;
	char docker[64] = "";

	if (size < 1)
		return 0;
	memset(&meta, 0, sizeof(meta));
	memset(&st, 0, sizeof(st));
	switch (data[0] % 5) {
	case 0:
		pw_parse_runc_state(buf, size - 1, &st, &meta);
		break;
	case 1:
		pw_parse_crun_status(buf, size - 1, &st);
		break;
	case 2:
		pw_docker_dir_from_config(buf, size - 1, "c0ffee", docker, sizeof(docker));
		check_terminated(docker, sizeof(docker));
		break;
	case 3:
		pw_docker_name_from_record(buf, size - 1, docker, sizeof(docker));
		check_terminated(docker, sizeof(docker));
		break;
	default:
		pw_parse_oci_config(buf, size - 1, &meta);
		break;
	}
	/* Whatever came in, every string is bounded and terminated. */
	check_terminated(meta.pod, sizeof(meta.pod));
	check_terminated(meta.namespace, sizeof(meta.namespace));
	check_terminated(meta.container, sizeof(meta.container));
	check_terminated(meta.cgroups_path, sizeof(meta.cgroups_path));
	check_terminated(st.bundle, sizeof(st.bundle));
	check_terminated(st.cgroup_v1_cpuset, sizeof(st.cgroup_v1_cpuset));
	if (st.pid < 0)
		abort();
	return 0;
}
