// SPDX-License-Identifier: GPL-2.0-only
/* Decoding of ring buffer records: sizes, types and bounded strings. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "events.h"
#include "unit.h"

UNIT_TEST(decode_rejects_malformed_records)
{
	struct pw_cpuset_write_event w;
	struct pw_event ev;

	make_write_event(&w, "/a", "1", 2);
	CHECK_INT(pw_event_decode(&w, sizeof(w), &ev), 0);
	CHECK_INT(pw_event_decode(&w, 10, &ev), -EINVAL);
	CHECK_INT(pw_event_decode(&w, sizeof(w) - 1, &ev), -EINVAL);
	w.hdr.size = sizeof(struct pw_cgroup_event);
	CHECK_INT(pw_event_decode(&w, sizeof(w), &ev), -EINVAL);
	w.hdr.size = sizeof(w);
	w.hdr.type = 0;
	CHECK_INT(pw_event_decode(&w, sizeof(w), &ev), -EINVAL);
	w.hdr.type = PW_EV_TYPE_MAX;
	CHECK_INT(pw_event_decode(&w, sizeof(w), &ev), -EINVAL);
}

UNIT_TEST(decode_bounds_lengths_from_the_kernel)
{
	struct pw_cpuset_write_event w;
	struct pw_cgroup_event c;
	struct pw_event ev;

	make_write_event(&w, "/a", "1-2", 4);
	/* Lengths past the buffers and a comm without NUL stay inside the record. */
	w.path_len = 100000;
	w.value_len = 100000;
	memset(w.hdr.comm, 'x', sizeof(w.hdr.comm));
	memset(w.file, 'f', sizeof(w.file));
	CHECK_INT(pw_event_decode(&w, sizeof(w), &ev), 0);
	CHECK_INT(ev.comm.len, PW_COMM_LEN);
	CHECK_INT(ev.file.len, PW_FILE_LEN);
	CHECK_INT(ev.path.len, 2); /* cut at the NUL after "/a" */
	CHECK_INT(ev.value.len, PW_VALUE_LEN);

	make_cgroup_event(&c, PW_EV_CGROUP_MKDIR, "");
	memset(c.path, 'p', sizeof(c.path));
	c.path_len = sizeof(c.path) + 5;
	CHECK_INT(pw_event_decode(&c, sizeof(c), &ev), 0);
	CHECK_INT(ev.path.len, PW_PATH_LEN);
}

UNIT_TEST(decode_reads_a_cut_cgroup_record_within_its_size)
{
	struct pw_cgroup_event c;
	struct pw_cgroup_event *cut;
	struct pw_event ev;
	size_t size = PW_CGROUP_EVENT_SIZE(4);

	/* As the kernel sends it: ending after the path's NUL, in a buffer of that size. */
	make_cgroup_event(&c, PW_EV_CGROUP_RMDIR, "/a/b");
	c.hdr.size = size;
	cut = malloc(size);
	CHECK(cut != NULL);
	memcpy(cut, &c, size);
	CHECK_INT(pw_event_decode(cut, size, &ev), 0);
	CHECK_INT(ev.path.len, 4);
	CHECK(memcmp(ev.path.data, "/a/b", 4) == 0);
	CHECK_INT(ev.cgroup->id, 99);

	/* A length past the record is cut at the record's end (ASan sees any read past it). */
	cut->path_len = 400;
	cut->path[4] = 'x';
	CHECK_INT(pw_event_decode(cut, size, &ev), 0);
	CHECK_INT(ev.path.len, 5);

	/* Shorter than the empty path's record, or not the size it says: refused. */
	CHECK_INT(pw_event_decode(cut, PW_CGROUP_EVENT_SIZE(0) - 1, &ev), -EINVAL);
	CHECK_INT(pw_event_decode(cut, size - 1, &ev), -EINVAL);
	c.hdr.size = sizeof(c) + 8;
	CHECK_INT(pw_event_decode(&c, sizeof(c) + 8, &ev), -EINVAL);
	free(cut);
}

UNIT_TEST(decode_drops_one_trailing_newline_of_a_value)
{
	struct pw_cpuset_write_event w;
	struct pw_event ev;

	make_write_event(&w, "/a", "2-3\n", 4);
	CHECK_INT(pw_event_decode(&w, sizeof(w), &ev), 0);
	CHECK_INT(ev.value.len, 3);
	CHECK(memcmp(ev.value.data, "2-3", 3) == 0);

	make_write_event(&w, "/a", "2-3\n\n", 5);
	CHECK_INT(pw_event_decode(&w, sizeof(w), &ev), 0);
	CHECK_INT(ev.value.len, 4);
}

UNIT_TEST(exec_args_split_on_nul)
{
	static const char args[] = "runc\0--root\0/run/runc\0run";
	struct pw_exec_event e;
	struct pw_event ev;
	struct pw_bytes arg;
	const char *want[] = { "runc", "--root", "/run/runc", "run" };
	size_t pos = 0;
	int n = 0;

	/* The last argument has no NUL, as when argv was cut short. */
	make_exec_event(&e, args, sizeof(args) - 1);
	CHECK_INT(pw_event_decode(&e, sizeof(e), &ev), 0);
	while (pw_event_next_arg(&ev.args, &pos, &arg)) {
		if (n < 4)
			CHECK(arg.len == strlen(want[n]) && !memcmp(arg.data, want[n], arg.len));
		n++;
	}
	CHECK_INT(n, 4);

	e.args_len = 100000;
	CHECK_INT(pw_event_decode(&e, sizeof(e), &ev), 0);
	CHECK_INT(ev.args.len, PW_ARGS_LEN);
}

UNIT_TEST(event_types_described_once)
{
	unsigned int by_default = pw_event_default_types();

	for (int t = 1; t < PW_EV_TYPE_MAX; t++) {
		const struct pw_event_type_info *info = pw_event_type_info(t);

		CHECK(info != NULL);
		if (!info)
			continue;
		CHECK(strlen(info->column) <= 6); /* the table's EVENT column */
		CHECK_INT(pw_event_type_from_name(info->name), t);
		CHECK_INT(!!(by_default & (1U << t)), info->by_default);
	}
	CHECK(pw_event_type_info(0) == NULL);
	CHECK(pw_event_type_info(PW_EV_TYPE_MAX) == NULL);
	/* Noise counts on the watched CPUs: only when asked for. */
	CHECK(by_default & (1U << PW_EV_EXEC));
	CHECK(!(by_default & (1U << PW_EV_NOISE)));
}
