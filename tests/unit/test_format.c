// SPDX-License-Identifier: GPL-2.0-only
/* Table and JSON output: JSON parses back to the exact fields, whatever the names hold. */
#include <errno.h>
#include <stdlib.h>

#include <json-c/json.h>

#include "event.h"
#include "pinwatch_noise.h"
#include "events.h"
#include "format.h"
#include "table.h"
#include "unit.h"

static struct pw_hierarchies test_hierarchies;

static void run_format(FILE *out, const void *arg)
{
	const struct pw_event *ev = arg;
	struct pw_format f = {
		.out = out,
		.json = true,
		.realtime_offset_ns = 0,
		.hierarchies = &test_hierarchies,
	};

	pw_format_event(&f, ev, NULL);
}

static void run_table(FILE *out, const void *arg)
{
	const struct pw_event *ev = arg;
	struct pw_format f = { .out = out, .hierarchies = &test_hierarchies };

	pw_format_event(&f, ev, NULL);
}

/* Format ev as JSON and parse it back; NULL (and a failure) if it is not one valid line. */
static json_object *format_and_parse(const struct pw_event *ev)
{
	char *text = unit_capture(run_format, ev);
	size_t len = strlen(text);
	json_object *obj = NULL;

	if (len == 0 || text[len - 1] != '\n' || memchr(text, '\n', len - 1)) {
		unit_fail(__FILE__, __LINE__, "not one line: %s", text);
		goto cleanup;
	}
	obj = json_tokener_parse(text);
	if (!obj)
		unit_fail(__FILE__, __LINE__, "invalid JSON: %s", text);
cleanup:
	free(text);
	return obj;
}

static const char *get_str(json_object *obj, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static long long get_int(json_object *obj, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v))
		return -999999;
	return json_object_get_int64(v);
}

UNIT_TEST(json_cpuset_write_fields)
{
	struct pw_cpuset_write_event w;
	struct pw_event ev;
	json_object *obj, *err;

	make_write_event(&w, "/kubepods/pod1/ctr", "2-3\n", 4);
	CHECK_INT(pw_event_decode(&w, sizeof(w), &ev), 0);
	obj = format_and_parse(&ev);
	if (!obj)
		return;
	CHECK_STR(get_str(obj, "type"), "cpuset_write");
	CHECK_STR(get_str(obj, "time"), "1970-01-01T00:00:01.000000000Z");
	CHECK_INT(get_int(obj, "pid"), 42);
	CHECK_INT(get_int(obj, "tid"), 43);
	CHECK_STR(get_str(obj, "comm"), "runc");
	CHECK_INT(get_int(obj, "hierarchy"), 3);
	CHECK_INT(get_int(obj, "cgroup_id"), 1234);
	CHECK_STR(get_str(obj, "path"), "/kubepods/pod1/ctr");
	CHECK_STR(get_str(obj, "file"), "cpuset.cpus");
	CHECK_STR(get_str(obj, "value"), "2-3");
	CHECK_STR(get_str(obj, "syscall"), "write");
	CHECK_INT(get_int(obj, "ret"), 4);
	CHECK(json_object_object_get_ex(obj, "error", &err) && err == NULL);
	json_object_put(obj);
}

UNIT_TEST(json_reports_rejected_write)
{
	struct pw_cpuset_write_event w;
	struct pw_event ev;
	json_object *obj;

	make_write_event(&w, "/a", "7-3", -22);
	CHECK_INT(pw_event_decode(&w, sizeof(w), &ev), 0);
	obj = format_and_parse(&ev);
	if (!obj)
		return;
	CHECK_INT(get_int(obj, "ret"), -22);
	CHECK_STR(get_str(obj, "error"), "EINVAL");
	json_object_put(obj);
}

UNIT_TEST(json_hostile_names_round_trip)
{
	static const char hostile[] = "/a\"b\\c\nd\te\x1b[31m\x7f";
	struct pw_cgroup_event c;
	struct pw_event ev;
	json_object *obj;

	make_cgroup_event(&c, PW_EV_CGROUP_MKDIR, hostile);
	memcpy(c.hdr.comm, "ev\"il\n", 6);
	CHECK_INT(pw_event_decode(&c, sizeof(c), &ev), 0);
	obj = format_and_parse(&ev);
	if (!obj)
		return;
	CHECK_STR(get_str(obj, "path"), hostile);
	CHECK_STR(get_str(obj, "comm"), "ev\"il\n");
	CHECK_STR(get_str(obj, "hierarchy_name"), "cgroup2");
	json_object_put(obj);
}

UNIT_TEST(json_invalid_utf8_and_255_byte_names)
{
	char path[PW_PATH_LEN];
	struct pw_cgroup_event c;
	struct pw_event ev;
	json_object *obj;

	make_cgroup_event(&c, PW_EV_CGROUP_RMDIR, "/bad\xff\xfe");
	CHECK_INT(pw_event_decode(&c, sizeof(c), &ev), 0);
	obj = format_and_parse(&ev);
	if (obj) {
		CHECK_STR(get_str(obj, "path"), "/bad\xef\xbf\xbd\xef\xbf\xbd");
		json_object_put(obj);
	}

	path[0] = '/';
	memset(path + 1, 'n', 255);
	path[256] = '\0';
	make_cgroup_event(&c, PW_EV_CGROUP_MKDIR, path);
	CHECK_INT(pw_event_decode(&c, sizeof(c), &ev), 0);
	obj = format_and_parse(&ev);
	if (obj) {
		CHECK_STR(get_str(obj, "path"), path);
		json_object_put(obj);
	}
}

UNIT_TEST(json_exec_argv_array)
{
	static const char args[] = "runc\0run\0-d\0--bundle\0/b \"x\"\n";
	struct pw_exec_event e;
	struct pw_event ev;
	json_object *obj, *argv;

	make_exec_event(&e, args, sizeof(args));
	e.flags = PW_F_ARGS_TRUNCATED;
	CHECK_INT(pw_event_decode(&e, sizeof(e), &ev), 0);
	obj = format_and_parse(&ev);
	if (!obj)
		return;
	CHECK(json_object_object_get_ex(obj, "argv", &argv));
	CHECK_INT(json_object_array_length(argv), 5);
	CHECK_STR(json_object_get_string(json_object_array_get_idx(argv, 4)), "/b \"x\"\n");
	CHECK_STR(json_object_get_string(json_object_array_get_idx(argv, 0)), "runc");
	CHECK(json_object_get_boolean(json_object_object_get(obj, "argv_truncated")));
	json_object_put(obj);
}

UNIT_TEST(table_row_is_one_escaped_line)
{
	struct pw_cpuset_write_event w;
	struct pw_event ev;
	char *text;

	make_write_event(&w, "/x\ny", "7-3", -22);
	CHECK_INT(pw_event_decode(&w, sizeof(w), &ev), 0);
	text = unit_capture(run_table, &ev);
	CHECK(strstr(text, "cpuset.cpus = \"7-3\" EINVAL\n") != NULL);
	CHECK(strstr(text, "/x\\ny") != NULL);
	CHECK(strchr(text, '\n') == text + strlen(text) - 1);
	free(text);
}

struct tail_case {
	const char *s;
	int width;
};

static void run_tail(FILE *out, const void *arg)
{
	const struct tail_case *c = arg;

	pw_print_tail(out, c->s, c->width);
}

UNIT_TEST(print_tail_keeps_the_end_of_long_paths)
{
	struct tail_case fits = { "/a/b", 6 }, cut = { "/kubepods/burstable/pod1/ctr", 12 },
			 nodir = { "/abcdefghijklmnop", 6 };
	char *text;

	text = unit_capture(run_tail, &fits);
	CHECK_STR(text, "/a/b  ");
	free(text);
	text = unit_capture(run_tail, &cut);
	CHECK_STR(text, "…/pod1/ctr  ");
	free(text);
	text = unit_capture(run_tail, &nodir);
	CHECK_STR(text, "…lmnop");
	free(text);
}

UNIT_TEST(hold_and_release_in_json_and_table)
{
	struct pw_hold_signal_event e;
	struct pw_event ev;
	json_object *obj;
	size_t size;
	char *text;

	size = make_hold_event(&e, PW_EV_RELEASE, "/kubepods/pod/c\x1b", 1500000);
	CHECK_INT(pw_event_decode(&e, size, &ev), 0);
	obj = format_and_parse(&ev);
	if (obj) {
		CHECK_STR(get_str(obj, "type"), "release");
		CHECK_STR(get_str(obj, "comm"), "pinwatch");
		CHECK_STR(get_str(obj, "target_comm"), "sh");
		CHECK_INT(get_int(obj, "target_pid"), 4242);
		CHECK_INT(get_int(obj, "held_ns"), 1500000);
		CHECK_STR(get_str(obj, "path"), "/kubepods/pod/c\x1b");
		json_object_put(obj);
	}
	text = unit_capture(run_table, &ev);
	CHECK(strstr(text, "resume ") == text + 13);
	CHECK(strstr(text, "pid 4242 (sh) resumed after 1.500 ms\n") != NULL);
	CHECK(strstr(text, "/kubepods/pod/c\\x1b") != NULL);
	free(text);

	/* A hold has no held_ns. */
	size = make_hold_event(&e, PW_EV_HOLD, "/k", 0);
	CHECK_INT(pw_event_decode(&e, size, &ev), 0);
	obj = format_and_parse(&ev);
	if (obj) {
		CHECK_STR(get_str(obj, "type"), "hold");
		CHECK(!json_object_object_get_ex(obj, "held_ns", NULL));
		json_object_put(obj);
	}
}

static void run_wide_table(FILE *out, const void *arg)
{
	const struct pw_event *ev = arg;
	struct pw_format f = { .out = out, .hierarchies = &test_hierarchies, .wide = true };

	pw_format_event(&f, ev, NULL);
}

UNIT_TEST(table_lines_fit_120_columns_unless_wide)
{
	static const char args[] = "runc\0--root\0/run/containerd/runc/k8s.io\0run\0-d\0--bundle\0"
				   "/run/containerd/io.containerd.runtime.v2.task/k8s.io/c0ffee";
	struct pw_exec_event e;
	struct pw_event ev;
	char *text;

	make_exec_event(&e, args, sizeof(args) - 1);
	CHECK_INT(pw_event_decode(&e, sizeof(e), &ev), 0);
	text = unit_capture(run_table, &ev);
	CHECK_INT(pw_display_width(text), PW_TABLE_COLUMNS + 1); /* with its newline */
	CHECK(strstr(text, " runc --root /run/conta…\n") != NULL);
	free(text);
	text = unit_capture(run_wide_table, &ev);
	CHECK(strstr(text,
		     "--bundle /run/containerd/io.containerd.runtime.v2.task/k8s.io/c0ffee\n") !=
	      NULL);
	free(text);
}

/* A noise event: an intruder on a watched CPU, with a name it chose itself. */
UNIT_TEST(noise_in_json_and_table)
{
	struct pw_noise_event e = {
		.hdr = { .type = PW_EV_NOISE,
			 .size = sizeof(e),
			 .ktime_ns = 1,
			 .pid = 77,
			 .tid = 78 },
		.cpu = 3,
		.kind = PW_NOISE_TASK,
		.ppid = 12,
		.hierarchy_id = 4,
		.owner_cgroup = 99,
		.switches = 250,
		.run_ns = 1500000,
	};
	struct pw_event ev;
	json_object *obj;
	char *text;

	memcpy(e.hdr.comm, "spin\x1b[2J", 8);
	memcpy(e.parent_comm, "bash", 4);
	CHECK_INT(pw_event_decode(&e, sizeof(e), &ev), 0);
	CHECK_INT(pw_event_decode(&e, sizeof(e) - 1, &ev), -EINVAL);
	CHECK_INT(pw_event_decode(&e, sizeof(e), &ev), 0);
	obj = format_and_parse(&ev);
	if (obj) {
		CHECK_STR(get_str(obj, "type"), "noise");
		CHECK_STR(get_str(obj, "comm"), "spin\x1b[2J");
		CHECK_STR(get_str(obj, "kind"), "task");
		CHECK_INT(get_int(obj, "cpu"), 3);
		CHECK_INT(get_int(obj, "switches"), 250);
		CHECK_INT(get_int(obj, "run_ns"), 1500000);
		CHECK_INT(get_int(obj, "owner_cgroup_id"), 99);
		CHECK_STR(get_str(obj, "parent_comm"), "bash");
		json_object_put(obj);
	}
	text = unit_capture(run_table, &ev);
	CHECK(strstr(text, "noise ") == text + 13);
	CHECK(strstr(text, "CPU 3, task: ran 1.500 ms in 250 switches since its last event "
			   "(parent 12 bash)") != NULL);
	CHECK(!strchr(text, '\x1b'));
	free(text);
}
