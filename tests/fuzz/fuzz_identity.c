// SPDX-License-Identifier: GPL-2.0-only
/* cgroup paths (container-chosen names) against the identity patterns. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_identity id;

	if (pw_identity_from_path((const char *)data, size, &id))
		return 0;
	/* A match names a 64-hex id that stands in the path where it says. */
	if (strlen(id.container_id) != PW_CONTAINER_ID_LEN || id.id_offset + 64 > size ||
	    memcmp(data + id.id_offset, id.container_id, 64))
		abort();
	return 0;
}
