// SPDX-License-Identifier: GPL-2.0-only
/*
 * Where identity comes from: runc's state.json and crun's status, runtime
 * commands naming the cgroups they make (never an older instance of a
 * reused path), trusted-file checks, and the state index.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "events.h"
#include "runtime_cmds.h"
#include "runtimes.h"
#include "safe_file.h"
#include "state_index.h"
#include "unit.h"

UNIT_TEST(runc_state_json_labels_and_paths)
{
	static const char state[] =
		"{\"init_process_pid\": 4242, \"init_process_start\": 99,"
		" \"cgroup_paths\": {\"\": \"/sys/fs/cgroup/unified/x/c\","
		"  \"cpuset\": \"/sys/fs/cgroup/cpuset/x/c\"},"
		" \"config\": {\"labels\": [\"bundle=/b/1\","
		"  \"io.kubernetes.cri.container-type=container\","
		"  \"io.kubernetes.cri.sandbox-name=web-0\","
		"  \"io.kubernetes.cri.sandbox-namespace=prod\","
		"  \"io.kubernetes.cri.container-name=app\","
		"  \"cpu-load-balancing.crio.io=disable\", \"no-equals-sign\", 7]}}";
	struct pw_container_meta meta = {};
	struct pw_runtime_state st = {};

	CHECK_INT(pw_parse_runc_state(state, sizeof(state) - 1, &st, &meta), 0);
	CHECK_INT(st.pid, 4242);
	CHECK_INT(st.start_time, 99);
	CHECK_STR(st.bundle, "/b/1");
	CHECK_STR(st.cgroup_v1_cpuset, "/sys/fs/cgroup/cpuset/x/c");
	CHECK_STR(st.cgroup_v2, "/sys/fs/cgroup/unified/x/c");
	CHECK_STR(meta.engine, "containerd");
	CHECK_STR(meta.pod, "web-0");
	CHECK_STR(meta.container, "app");
	CHECK(meta.lb_disable);
	/* A pid that cannot be one is no pid. */
	memset(&st, 0, sizeof(st));
	CHECK_INT(pw_parse_runc_state("{\"init_process_pid\": -5}", 24, &st, &meta), 0);
	CHECK_INT(st.pid, 0);
	CHECK_INT(pw_parse_runc_state("[]", 2, &st, &meta), -EINVAL);
}

UNIT_TEST(crun_status)
{
	static const char status[] = "{\"pid\": 77, \"process-start-time\": 5, \"cgroup-path\":"
				     " \"/x/c2\", \"bundle\": \"/b/2\"}\n";
	struct pw_runtime_state st = {};

	CHECK_INT(pw_parse_crun_status(status, sizeof(status) - 1, &st), 0);
	CHECK_INT(st.pid, 77);
	CHECK_STR(st.cgroup_rel, "/x/c2");
	CHECK_STR(st.bundle, "/b/2");
	CHECK_INT(pw_parse_crun_status("{} {}", 5, &st), -EINVAL);
}

/* An exec event of `runc run --bundle DIR ID` at ktime. */
static void exec_event(struct pw_exec_event *e, const char *bundle, const char *id, __u64 ktime)
{
	char args[PW_ARGS_LEN];
	int n = snprintf(args, sizeof(args), "runc%crun%c-d%c--bundle%c%s%c%s", 0, 0, 0, 0, bundle,
			 0, id);

	make_exec_event(e, args, n + 1);
	e->hdr.ktime_ns = ktime;
}

static char *bundle_at(const char *cgroups_path, bool opted_in)
{
	char text[512];

	snprintf(text, sizeof(text),
		 "{\"linux\": {\"cgroupsPath\": \"%s\"}, \"annotations\": {%s}}", cgroups_path,
		 opted_in ? "\"cpu-load-balancing.crio.io\": \"disable\"" : "");
	return unit_dir_with_file("config.json", text);
}

UNIT_TEST(runtime_cmds_never_name_a_later_instance)
{
	char *a_dir = bundle_at("/x/c", true), *b_dir = bundle_at("/x/c", false);
	struct pw_runtime_cmds cmds = {};
	const struct pw_runtime_cmd_seen *s;
	struct pw_exec_event e;
	struct pw_event ev;

	/* A runs at t=10 and makes /x/c (id 100) at t=11. */
	exec_event(&e, a_dir, "aaa", 10);
	CHECK_INT(pw_event_decode(&e, sizeof(e), &ev), 0);
	s = pw_runtime_cmds_add(&cmds, &ev);
	CHECK(s && s->meta.lb_disable);
	CHECK_STR(s->cgroup_path, "/x/c");
	s = pw_runtime_cmds_match(&cmds, 3, 100, 11, "/x/c");
	CHECK(s && !strcmp(s->cmd.id, "aaa"));
	/* The same cgroup asked again (a retry) is still A's; in cgroup2 too. */
	CHECK(pw_runtime_cmds_match(&cmds, 3, 100, 11, "/x/c") == s);
	CHECK(pw_runtime_cmds_match(&cmds, 0, 555, 11, "/x/c") == s);
	/* A is deleted; /x/c made again with no new exec: A does not name it. */
	CHECK(pw_runtime_cmds_match(&cmds, 3, 101, 20, "/x/c") == NULL);
	/* B runs at t=30 at the same path: the instance made after is B's. */
	exec_event(&e, b_dir, "bbb", 30);
	CHECK_INT(pw_event_decode(&e, sizeof(e), &ev), 0);
	pw_runtime_cmds_add(&cmds, &ev);
	s = pw_runtime_cmds_match(&cmds, 3, 102, 31, "/x/c");
	CHECK(s && !strcmp(s->cmd.id, "bbb") && !s->meta.lb_disable);
	/* Nothing made before a command's exec is its. */
	CHECK(pw_runtime_cmds_match(&cmds, 3, 103, 5, "/x/c") == NULL);
	/* A "runc" a user ran names nothing, even at a newer time and the right path. */
	exec_event(&e, a_dir, "evil", 40);
	e.flags &= ~PW_F_TRUSTED;
	e.uid = e.euid = e.exe_uid = 65534;
	CHECK_INT(pw_event_decode(&e, sizeof(e), &ev), 0);
	CHECK(pw_runtime_cmds_add(&cmds, &ev) == NULL);
	s = pw_runtime_cmds_match(&cmds, 0, 200, 41, "/x/c");
	CHECK(s && !strcmp(s->cmd.id, "bbb"));
	pw_runtime_cmds_free(&cmds);
	unit_remove_dir(a_dir, "config.json");
	unit_remove_dir(b_dir, "config.json");
}

UNIT_TEST(trusted_files_and_what_is_refused)
{
	char *dir = unit_dir_with_file("ok.json", "{}"), path[256], sub[256];
	const char *why;
	char *buf;
	size_t len;

	snprintf(path, sizeof(path), "%s/ok.json", dir);
	CHECK_INT(pw_read_trusted_file(path, 100, &buf, &len, &why), 0);
	CHECK_STR(buf, "{}");
	free(buf);
	CHECK_INT(pw_read_trusted_file(path, 1, &buf, &len, &why), -EFBIG);
	/* Writable by others, or someone else's: not trusted. */
	chmod(path, 0666);
	CHECK_INT(pw_read_trusted_file(path, 100, &buf, &len, &why), -EPERM);
	chmod(path, 0644);
	CHECK_INT(chown(path, 65534, 65534), 0);
	CHECK_INT(pw_read_trusted_file(path, 100, &buf, &len, &why), -EPERM);
	CHECK_INT(chown(path, 0, 0), 0);
	/* A FIFO: refused at once, never waited on. */
	snprintf(sub, sizeof(sub), "%s/fifo", dir);
	CHECK_INT(mkfifo(sub, 0600), 0);
	CHECK_INT(pw_read_trusted_file(sub, 100, &buf, &len, &why), -EINVAL);
	unlink(sub);
	/* A symlink at the end: refused; a root-owned one on the way: followed. */
	snprintf(sub, sizeof(sub), "%s/link.json", dir);
	CHECK_INT(symlink(path, sub), 0);
	CHECK_INT(pw_read_trusted_file(sub, 100, &buf, &len, &why), -ELOOP);
	unlink(sub);
	snprintf(sub, sizeof(sub), "%s/via", dir);
	CHECK_INT(symlink(dir, sub), 0);
	snprintf(sub, sizeof(sub), "%s/via/ok.json", dir);
	CHECK_INT(pw_read_trusted_file(sub, 100, &buf, &len, &why), 0);
	free(buf);
	snprintf(sub, sizeof(sub), "%s/via", dir);
	unlink(sub);
	/* A directory on the way that others may write: refused. */
	snprintf(sub, sizeof(sub), "%s/open", dir);
	CHECK_INT(mkdir(sub, 0777), 0);
	chmod(sub, 0777);
	snprintf(sub, sizeof(sub), "%s/open/x.json", dir);
	close(open(sub, O_CREAT | O_WRONLY, 0600));
	CHECK_INT(pw_read_trusted_file(sub, 100, &buf, &len, &why), -EPERM);
	unlink(sub);
	snprintf(sub, sizeof(sub), "%s/open", dir);
	rmdir(sub);
	CHECK_INT(pw_read_trusted_file("relative/x", 100, &buf, &len, &why), -EINVAL);
	CHECK_INT(pw_read_trusted_file("/nonexistent-pw/x", 100, &buf, &len, &why), -ENOENT);
	unit_remove_dir(dir, "ok.json");
}

UNIT_TEST(state_index_by_id_and_path)
{
	char *root = unit_dir_with_file("placeholder", ""), dir[256], file[300];
	static const char state[] =
		"{\"init_process_pid\": 1, \"cgroup_paths\": {\"cpuset\": "
		"\"/sys/fs/cgroup/cpuset/pw/x\", \"\": \"/sys/fs/cgroup/unified/pw/x\"},"
		" \"config\": {\"labels\": [\"io.kubernetes.pod.namespace=n\","
		" \"io.kubernetes.cri-o.ContainerType=container\", \"io.kubernetes.pod.name=p\"]}}";
	const struct pw_state_entry *e;
	struct pw_container_meta meta = {};
	struct pw_state_index idx;
	struct pw_mounts m;
	FILE *f;

	CHECK_INT(pw_mounts_open(&m), 0);
	snprintf(dir, sizeof(dir), "%s/ctr1", root);
	mkdir(dir, 0700);
	snprintf(file, sizeof(file), "%s/state.json", dir);
	f = fopen(file, "w");
	fputs(state, f);
	fclose(f);
	CHECK_INT(pw_state_index_init(&idx, &m), 0);
	CHECK(pw_state_index_learn_root(&idx, root, "runc"));
	CHECK(!pw_state_index_learn_root(&idx, root, "runc")); /* known */
	CHECK(!pw_state_index_learn_root(&idx, "relative", "runc"));
	pw_state_index_scan(&idx);
	e = pw_state_index_by_id(&idx, "ctr1");
	CHECK(e != NULL);
	if (e && m.v1_cpuset.fd >= 0)
		CHECK(pw_state_index_by_path(&idx, false, "/pw/x") == e);
	if (e) {
		CHECK_INT(pw_state_index_meta(e, &meta), 0);
		CHECK_STR(meta.engine, "cri-o");
		CHECK_STR(meta.pod, "p");
	}
	/* Gone from its root: gone from the index at the next scan. */
	unlink(file);
	rmdir(dir);
	pw_state_index_scan(&idx);
	CHECK(pw_state_index_by_id(&idx, "ctr1") == NULL);
	pw_state_index_free(&idx);
	pw_mounts_close(&m);
	unit_remove_dir(root, "placeholder");
}

/* Every runtime's binaries reach the kernel side: none cut at PW_RUNTIME_EXECS_MAX. */
UNIT_TEST(runtimes_execs_all_fit)
{
	const char *execs[PW_RUNTIME_EXECS_MAX + 1];
	size_t total = 0;

	for (size_t i = 0; i < pw_nr_runtimes; i++)
		for (size_t j = 0; j < PW_RUNTIME_ROW_EXECS && pw_runtimes[i].execs[j]; j++)
			total++;
	CHECK(total <= PW_RUNTIME_EXECS_MAX);
	CHECK_INT(pw_runtimes_execs(execs, PW_RUNTIME_EXECS_MAX + 1), total);
	CHECK_STR(execs[0], "runc");
}
