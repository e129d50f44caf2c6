// SPDX-License-Identifier: GPL-2.0-only
/* A runtime exec's argv (NUL-separated, as the kernel side copies it, possibly cut). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_bytes args = { (const char *)data, size };
	struct pw_runtime_cmd cmd;
	char resolved[PW_META_PATH_LEN];

	if (size > PW_ARGS_LEN)
		return 0;
	if (pw_runtime_cmd_parse("runc", &args, &cmd))
		return 0;
	/* A parsed command names a container id fit for a path. */
	if (!pw_valid_container_id(cmd.id))
		abort();
	if (cmd.bundle[0])
		pw_cgroups_path_resolve(cmd.bundle, resolved, sizeof(resolved));
	return 0;
}
