// SPDX-License-Identifier: GPL-2.0-only
/*
 * Ring buffer records, as if the kernel side wrote anything at all: decoded,
 * filtered, printed as a table and as JSON. Every JSON line must parse, and
 * no table line may carry a raw control byte.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "event.h"
#include "filter.h"
#include "format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pw_hierarchies h;
	struct pw_event_context ctx = {
		.container_id = "c0ffee",
		.runtime = "docker",
		.pod = "p\xe2\x80\xae",
		.namespace = "ns",
		.container = "x",
		.oci_runtime = "runc",
	};
	struct pw_filter filter = { pw_event_default_types(), "/k", "runc" };
	struct pw_format f = { .hierarchies = &h };
	struct pw_event ev;
	char *text = NULL;
	size_t len = 0;
	json_object *o;
	void *copy;

	/* The record as the ring buffer hands it: aligned, of its own size. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (pw_event_decode(copy, size, &ev)) {
		free(copy);
		return 0;
	}
	pw_filter_match(&filter, &ev);
	f.out = open_memstream(&text, &len);
	f.json = true;
	pw_format_event(&f, &ev, size % 2 ? &ctx : NULL);
	fclose(f.out);
	o = json_tokener_parse(text);
	if (!o || text[len - 1] != '\n' || memchr(text, '\n', len - 1))
		abort();
	json_object_put(o);
	free(text);
	text = NULL;
	f.out = open_memstream(&text, &len);
	f.json = false;
	pw_format_event(&f, &ev, &ctx);
	fclose(f.out);
	for (size_t i = 0; i + 1 < len; i++)
		if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
			abort();
	free(text);
	free(copy);
	return 0;
}
