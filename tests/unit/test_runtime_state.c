// SPDX-License-Identifier: GPL-2.0-only
/* Runtime argv, cgroupsPath forms and bounded reads of hostile config files. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "runtime_state.h"
#include "unit.h"

static int parse_argv(const char *runtime, const char *args, size_t len, struct pw_runtime_cmd *cmd)
{
	struct pw_bytes b = { args, len };

	return pw_runtime_cmd_parse(runtime, &b, cmd);
}

#define ARGV(s) s, sizeof(s) - 1

UNIT_TEST(runtime_argv_create_and_run)
{
	struct pw_runtime_cmd cmd;

	CHECK_INT(parse_argv("runc",
			     ARGV("runc\0--root\0/run/containerd/runc/k8s.io\0--log\0/l\0create\0"
				  "--bundle\0/b/x\0--pid-file\0/p\0abc123"),
			     &cmd),
		  0);
	CHECK_STR(cmd.id, "abc123");
	CHECK_STR(cmd.root, "/run/containerd/runc/k8s.io");
	CHECK_STR(cmd.bundle, "/b/x");
	CHECK_STR(cmd.subcommand, "create");

	CHECK_INT(parse_argv("crun", ARGV("crun\0--systemd-cgroup\0run\0-d\0-b=/b\0id.1"), &cmd),
		  0);
	CHECK_STR(cmd.id, "id.1");
	CHECK_STR(cmd.bundle, "/b");
	CHECK_STR(cmd.root, "");
}

UNIT_TEST(runtime_argv_other_commands_and_bad_ids)
{
	struct pw_runtime_cmd cmd;

	/* Other subcommands name their container too, but make none. */
	CHECK_INT(parse_argv("runc", ARGV("runc\0delete\0-f\0abc"), &cmd), 0);
	CHECK_STR(cmd.id, "abc");
	CHECK(!cmd.creates);
	CHECK_INT(parse_argv("runc", ARGV("runc\0--root\0/r\0start\0abc"), &cmd), 0);
	CHECK_STR(cmd.subcommand, "start");
	CHECK_STR(cmd.root, "/r");
	CHECK_INT(parse_argv("runc", ARGV("runc\0features"), &cmd), -ENOENT);
	CHECK_INT(parse_argv("runc", ARGV("runc\0run"), &cmd), -ENOENT);
	CHECK_INT(parse_argv("runc", ARGV("runc\0run\0../../etc"), &cmd), -ENOENT);
	CHECK_INT(parse_argv("runc", ARGV("runc\0run\0a/b"), &cmd), -ENOENT);
	CHECK_INT(parse_argv("runc", ARGV("runc\0run\0.."), &cmd), -ENOENT);
	CHECK_INT(parse_argv("runc", ARGV(""), &cmd), -ENOENT);
	CHECK(!pw_valid_container_id(""));
	CHECK(pw_valid_container_id("abc-DEF_1.2"));
}

UNIT_TEST(cgroups_path_forms)
{
	char out[512];

	CHECK_INT(pw_cgroups_path_resolve("/kubepods/burstable/pod1/abc", out, sizeof(out)), 0);
	CHECK_STR(out, "/kubepods/burstable/pod1/abc");
	CHECK_INT(pw_cgroups_path_resolve("kubepods-burstable-pod1.slice:cri-containerd:abc", out,
					  sizeof(out)),
		  0);
	CHECK_STR(out, "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice/"
		       "cri-containerd-abc.scope");
	CHECK_INT(pw_cgroups_path_resolve("machine.slice:libpod:abc", out, sizeof(out)), 0);
	CHECK_STR(out, "/machine.slice/libpod-abc.scope");
	CHECK_INT(pw_cgroups_path_resolve(":docker:abc", out, sizeof(out)), 0);
	CHECK_STR(out, "/system.slice/docker-abc.scope");
	CHECK_INT(pw_cgroups_path_resolve("notaslice:x:y", out, sizeof(out)), -EINVAL);
	CHECK_INT(pw_cgroups_path_resolve("a.slice:x", out, sizeof(out)), -EINVAL);
	CHECK_INT(pw_cgroups_path_resolve("/a", out, 2), -ENAMETOOLONG);
}

/* A bundle directory with config.json holding text. */
static char *make_bundle(const char *text)
{
	return unit_dir_with_file("config.json", text);
}

static void remove_bundle(char *dir)
{
	unit_remove_dir(dir, "config.json");
}

UNIT_TEST(bundle_annotations_containerd_and_crio)
{
	struct pw_container_meta meta = {};
	char *dir = make_bundle("{\"linux\":{\"cgroupsPath\":\"/k/p/c\"},\"annotations\":{"
				"\"io.kubernetes.cri.container-type\":\"container\","
				"\"io.kubernetes.cri.sandbox-name\":\"web-0\","
				"\"io.kubernetes.cri.sandbox-namespace\":\"prod\","
				"\"io.kubernetes.cri.container-name\":\"app\"}}");

	CHECK_INT(pw_meta_from_bundle(dir, &meta), 0);
	CHECK_STR(meta.engine, "containerd");
	CHECK_STR(meta.pod, "web-0");
	CHECK_STR(meta.namespace, "prod");
	CHECK_STR(meta.container, "app");
	CHECK_STR(meta.cgroups_path, "/k/p/c");
	CHECK(!meta.sandbox);
	remove_bundle(dir);

	memset(&meta, 0, sizeof(meta));
	dir = make_bundle(
		"{\"annotations\":{\"io.kubernetes.cri-o.ContainerType\":\"sandbox\","
		"\"io.kubernetes.pod.name\":\"p\",\"io.kubernetes.pod.namespace\":\"n\"}}");
	CHECK_INT(pw_meta_from_bundle(dir, &meta), 0);
	CHECK_STR(meta.engine, "cri-o");
	CHECK_STR(meta.pod, "p");
	CHECK(meta.sandbox);
	remove_bundle(dir);
}

UNIT_TEST(bundle_hostile_files)
{
	struct pw_container_meta meta = {};
	char *long_name = malloc(100000), *text = malloc(100100), *deep = malloc(400);
	char *dir;

	/* Broken JSON, wrong types, deep nesting: refused or ignored, never a crash. */
	dir = make_bundle("{\"annotations\": {\"io.kubernetes.cri.sandbox-name\": ");
	CHECK_INT(pw_meta_from_bundle(dir, &meta), -EINVAL);
	remove_bundle(dir);
	dir = make_bundle("[1,2,3]");
	CHECK_INT(pw_meta_from_bundle(dir, &meta), -EINVAL);
	remove_bundle(dir);
	dir = make_bundle("{\"annotations\":{\"io.kubernetes.cri.sandbox-namespace\":7,"
			  "\"io.kubernetes.cri.container-type\":\"container\"},\"linux\":[]}");
	CHECK_INT(pw_meta_from_bundle(dir, &meta), 0);
	CHECK_STR(meta.namespace, "");
	remove_bundle(dir);
	memset(deep, '[', 200);
	memset(deep + 200, ']', 200);
	deep[399] = '\0';
	dir = make_bundle(deep);
	CHECK_INT(pw_meta_from_bundle(dir, &meta), -EINVAL);
	remove_bundle(dir);

	/* A 100 kB pod name is cut to the buffer, NUL-terminated. */
	memset(long_name, 'x', 99999);
	long_name[99999] = '\0';
	snprintf(text, 100100,
		 "{\"annotations\":{\"io.kubernetes.cri.container-type\":\"container\","
		 "\"io.kubernetes.cri.sandbox-name\":\"%s\"}}",
		 long_name);
	dir = make_bundle(text);
	memset(&meta, 0, sizeof(meta));
	CHECK_INT(pw_meta_from_bundle(dir, &meta), 0);
	CHECK_INT(strlen(meta.pod), PW_NAME_LEN - 1);
	remove_bundle(dir);

	CHECK_INT(pw_meta_from_bundle("relative/dir", &meta), -EINVAL);
	CHECK_INT(pw_meta_from_bundle("/nonexistent-pw-dir", &meta), -ENOENT);
	free(long_name);
	free(text);
	free(deep);
}

UNIT_TEST(bundle_config_symlink_is_refused)
{
	char tmpl[] = "/tmp/pw-unit-XXXXXX", link[64];
	struct pw_container_meta meta = {};
	char *dir = mkdtemp(tmpl);

	snprintf(link, sizeof(link), "%s/config.json", dir);
	CHECK_INT(symlink("/etc/hostname", link), 0);
	CHECK_INT(pw_meta_from_bundle(dir, &meta), -ELOOP);
	unlink(link);
	rmdir(dir);
}
