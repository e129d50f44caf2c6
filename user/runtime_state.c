// SPDX-License-Identifier: GPL-2.0-only
/* Runtime argv, state.json, status and config.json: bounded parsing of untrusted bytes. */
#include "runtime_state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_reader.h"
#include "log.h"
#include "safe_file.h"

/* Nesting deeper than this is not a real config.json: refuse it. */
#define MAX_JSON_DEPTH 32

bool pw_valid_container_id(const char *id)
{
	size_t len = strlen(id);

	if (len == 0 || len > PW_RUNTIME_ID_LEN || !strcmp(id, ".") || !strcmp(id, ".."))
		return false;
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-'))
			return false;
	return true;
}

/* Copy an argument (bounded, no NUL inside) into dst; false if it does not fit. */
static bool copy_arg(char *dst, size_t size, const struct pw_bytes *arg)
{
	if (arg->len >= size || memchr(arg->data, '\0', arg->len))
		return false;
	memcpy(dst, arg->data, arg->len);
	dst[arg->len] = '\0';
	return true;
}

static bool arg_is(const struct pw_bytes *arg, const char *s)
{
	return arg->len == strlen(s) && !memcmp(arg->data, s, arg->len);
}

/* "--name=value" or "--name" followed by a value: the option's value. */
static bool option_value(const struct pw_bytes *arg, const char *name, const struct pw_bytes *args,
			 size_t *pos, struct pw_bytes *value)
{
	size_t n = strlen(name);

	if (arg->len > n && !memcmp(arg->data, name, n) && arg->data[n] == '=') {
		value->data = arg->data + n + 1;
		value->len = arg->len - n - 1;
		return true;
	}
	if (!arg_is(arg, name))
		return false;
	if (!pw_event_next_arg(args, pos, value))
		value->len = 0;
	return true;
}

/* Global options of runc and crun that take a value (the rest are flags); --root aside. */
static const char *const global_with_value[] = {
	"--log", "--log-format", "--log-level", "--criu", "--rootless", "--cgroup-manager", NULL,
};
/* Options of subcommands that take a value; --bundle aside. */
/*
 * Short forms are left out: "-f" is a flag of delete but takes a value
 * elsewhere, and a wrong guess would take the container id for a value.
 */
static const char *const cmd_with_value[] = {
	"--console-socket",
	"--pid-file",
	"--preserve-fds",
	"--notify-socket",
	"--process",
	"--cwd",
	"--env",
	"--user",
	"--cpuset-cpus",
	"--cpuset-mems",
	"--cpu-quota",
	"--cpu-period",
	"--cpu-shares",
	"--memory",
	"--pids-limit",
	"--resources",
	"--format",
	"--signal",
	NULL,
};
/* Subcommands whose first operand is a container id; the first two make one. */
static const char *const subcommands[] = {
	"create", "run",  "start",  "kill", "delete",	  "update",  "state", "pause",
	"resume", "exec", "events", "ps",   "checkpoint", "restore", NULL,
};

/* True, with its value consumed, when arg is one of names (a NULL-terminated list). */
static bool skip_option_with_value(const struct pw_bytes *arg, const char *const *names,
				   const struct pw_bytes *args, size_t *pos)
{
	struct pw_bytes value;

	for (; *names; names++)
		if (option_value(arg, *names, args, pos, &value))
			return true;
	return false;
}

static bool known_subcommand(const struct pw_bytes *arg)
{
	for (const char *const *s = subcommands; *s; s++)
		if (arg_is(arg, *s))
			return true;
	return false;
}

int pw_runtime_cmd_parse(const char *runtime, const struct pw_bytes *args,
			 struct pw_runtime_cmd *cmd)
{
	struct pw_bytes arg, value;
	size_t pos = 0;
	bool in_cmd = false;

	memset(cmd, 0, sizeof(*cmd));
	snprintf(cmd->runtime, sizeof(cmd->runtime), "%s", runtime);
	if (!pw_event_next_arg(args, &pos, &arg)) /* argv[0] */
		return -ENOENT;
	while (pw_event_next_arg(args, &pos, &arg)) {
		if (!in_cmd) {
			if (option_value(&arg, "--root", args, &pos, &value)) {
				copy_arg(cmd->root, sizeof(cmd->root), &value);
				continue;
			}
			if (skip_option_with_value(&arg, global_with_value, args, &pos) ||
			    (arg.len && arg.data[0] == '-'))
				continue;
			if (!known_subcommand(&arg))
				return -ENOENT;
			copy_arg(cmd->subcommand, sizeof(cmd->subcommand), &arg);
			cmd->creates = arg_is(&arg, "create") || arg_is(&arg, "run");
			in_cmd = true;
			continue;
		}
		if (option_value(&arg, "--bundle", args, &pos, &value) ||
		    option_value(&arg, "-b", args, &pos, &value)) {
			copy_arg(cmd->bundle, sizeof(cmd->bundle), &value);
			continue;
		}
		if (skip_option_with_value(&arg, cmd_with_value, args, &pos) ||
		    (arg.len && arg.data[0] == '-'))
			continue;
		/* The first operand is the container id. */
		if (!copy_arg(cmd->id, sizeof(cmd->id), &arg) || !pw_valid_container_id(cmd->id))
			return -ENOENT;
		return 0;
	}
	return -ENOENT;
}

static json_object *parse_object(const char *buf, size_t len)
{
	return pw_json_parse_object(buf, len, MAX_JSON_DEPTH, NULL);
}

static const char *json_str(json_object *obj, const char *key)
{
	return pw_json_member_str(obj, key);
}

static long long json_int(json_object *obj, const char *key)
{
	int64_t v = 0;

	return pw_json_member_int(obj, key, &v) ? v : 0;
}

static void copy_str(char *dst, size_t size, const char *src)
{
	if (src)
		snprintf(dst, size, "%s", src);
}

/* Where each engine writes pod, namespace and names into a container's annotations. */
static const struct engine_annotations {
	const char *engine, *type, *pod, *namespace, *container, *pod_uid;
} engines[] = {
	{ "containerd", "io.kubernetes.cri.container-type", "io.kubernetes.cri.sandbox-name",
	  "io.kubernetes.cri.sandbox-namespace", "io.kubernetes.cri.container-name",
	  "io.kubernetes.cri.sandbox-uid" },
	{ "cri-o", "io.kubernetes.cri-o.ContainerType", "io.kubernetes.pod.name",
	  "io.kubernetes.pod.namespace", "io.kubernetes.container.name", "io.kubernetes.pod.uid" },
};

#define LB_ANNOTATION "cpu-load-balancing.crio.io"
#define EXEC_AFFINITY_ANNOTATION "exec-cpu-affinity.pinwatch.io"

static bool is_disable(const char *v)
{
	return v && !strcmp(v, "disable");
}

/*
 * Knob k's annotation, pod-wide or scoped to this container
 * ("NAME.crio.io/<container>", which wins): kept when its value is one the
 * knob accepts, said (with the value, escaped) when it is not.
 */
static void knob_from_annotations(json_object *ann, enum pw_knob k, const char *container,
				  struct pw_knob_wants *wants)
{
	char key[64 + PW_NAME_LEN];
	const char *value = NULL, *why = "it is too long";

	if (container[0]) {
		snprintf(key, sizeof(key), "%s.crio.io/%s", pw_knob_name(k), container);
		value = json_str(ann, key);
	}
	if (!value) {
		snprintf(key, sizeof(key), "%s.crio.io", pw_knob_name(k));
		value = json_str(ann, key);
	}
	if (!value)
		return;
	if (strlen(value) >= PW_KNOB_VALUE_LEN || !pw_knob_value_valid(k, value, &why)) {
		pw_warn("annotation %s: %s is ignored: %s", PW_Q(key), PW_Q(value), why);
		return;
	}
	snprintf(wants->value[k], sizeof(wants->value[k]), "%s", value);
}

static void meta_from_annotations(json_object *ann, struct pw_container_meta *meta)
{
	char scoped[sizeof(EXEC_AFFINITY_ANNOTATION) + 1 + PW_NAME_LEN];
	const char *exec_affinity;

	for (size_t i = 0; i < sizeof(engines) / sizeof(engines[0]); i++) {
		const struct engine_annotations *e = &engines[i];
		const char *type = json_str(ann, e->type);

		/* An engine is known by its container type or its namespace annotation. */
		if (!type && !json_str(ann, e->namespace))
			continue;
		copy_str(meta->engine, sizeof(meta->engine), e->engine);
		copy_str(meta->pod, sizeof(meta->pod), json_str(ann, e->pod));
		copy_str(meta->namespace, sizeof(meta->namespace), json_str(ann, e->namespace));
		copy_str(meta->container, sizeof(meta->container), json_str(ann, e->container));
		copy_str(meta->pod_uid, sizeof(meta->pod_uid), json_str(ann, e->pod_uid));
		meta->sandbox = type && !strcmp(type, "sandbox");
		break;
	}
	snprintf(scoped, sizeof(scoped), LB_ANNOTATION "/%s", meta->container);
	meta->lb_disable = is_disable(json_str(ann, LB_ANNOTATION)) ||
			   (meta->container[0] && is_disable(json_str(ann, scoped)));
	for (int k = 0; k < PW_NR_KNOBS; k++)
		knob_from_annotations(ann, k, meta->container, &meta->knobs);
	snprintf(scoped, sizeof(scoped), EXEC_AFFINITY_ANNOTATION "/%s", meta->container);
	exec_affinity = json_str(ann, meta->container[0] && json_str(ann, scoped) ?
					      scoped :
					      EXEC_AFFINITY_ANNOTATION);
	meta->exec_first_cpu = exec_affinity && !strcmp(exec_affinity, "first");
}

int pw_parse_oci_config(const char *buf, size_t len, struct pw_container_meta *meta)
{
	json_object *config = parse_object(buf, len), *linux_obj = NULL, *ann = NULL;

	if (!config)
		return -EINVAL;
	if (json_object_object_get_ex(config, "linux", &linux_obj))
		copy_str(meta->cgroups_path, sizeof(meta->cgroups_path),
			 json_str(linux_obj, "cgroupsPath"));
	if (json_object_object_get_ex(config, "annotations", &ann) &&
	    json_object_is_type(ann, json_type_object))
		meta_from_annotations(ann, meta);
	json_object_put(config);
	return 0;
}

/* The container's init: its pid (a plausible one, else 0) and its start time. */
static void init_process(json_object *obj, const char *pid_key, const char *start_key,
			 struct pw_runtime_state *st)
{
	long long pid = json_int(obj, pid_key);

	st->pid = pid > 0 && pid < (1 << 22) ? (pid_t)pid : 0;
	st->start_time = json_int(obj, start_key);
}

int pw_parse_runc_state(const char *buf, size_t len, struct pw_runtime_state *st,
			struct pw_container_meta *meta)
{
	json_object *state = parse_object(buf, len), *config, *labels, *paths, *ann;

	if (!state)
		return -EINVAL;
	init_process(state, "init_process_pid", "init_process_start", st);
	if (json_object_object_get_ex(state, "cgroup_paths", &paths)) {
		copy_str(st->cgroup_v1_cpuset, sizeof(st->cgroup_v1_cpuset),
			 json_str(paths, "cpuset"));
		copy_str(st->cgroup_v2, sizeof(st->cgroup_v2), json_str(paths, ""));
	}
	/*
	 * runc keeps the OCI annotations as "key=value" labels of its config,
	 * with "bundle=DIR" among them: the runtime's own copy, in its own
	 * root-owned state.
	 */
	ann = json_object_new_object();
	if (ann && json_object_object_get_ex(state, "config", &config) &&
	    json_object_object_get_ex(config, "labels", &labels) &&
	    json_object_is_type(labels, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(labels); i++) {
			json_object *l = json_object_array_get_idx(labels, i);
			const char *s = json_object_is_type(l, json_type_string) ?
						json_object_get_string(l) :
						NULL;
			const char *eq = s ? strchr(s, '=') : NULL;
			char key[512];

			if (!eq || (size_t)(eq - s) >= sizeof(key))
				continue;
			snprintf(key, sizeof(key), "%.*s", (int)(eq - s), s);
			if (!strcmp(key, "bundle"))
				copy_str(st->bundle, sizeof(st->bundle), eq + 1);
			else
				json_object_object_add(ann, key, json_object_new_string(eq + 1));
		}
	}
	if (ann)
		meta_from_annotations(ann, meta);
	copy_str(meta->bundle, sizeof(meta->bundle), st->bundle);
	json_object_put(ann);
	json_object_put(state);
	return 0;
}

int pw_parse_crun_status(const char *buf, size_t len, struct pw_runtime_state *st)
{
	json_object *status = parse_object(buf, len);

	if (!status)
		return -EINVAL;
	init_process(status, "pid", "process-start-time", st);
	copy_str(st->bundle, sizeof(st->bundle), json_str(status, "bundle"));
	copy_str(st->cgroup_rel, sizeof(st->cgroup_rel), json_str(status, "cgroup-path"));
	json_object_put(status);
	return 0;
}

int pw_meta_from_bundle(const char *bundle, struct pw_container_meta *meta)
{
	char path[PW_META_PATH_LEN + 16];
	const char *why;
	char *buf;
	size_t len;
	int err;

	if (bundle[0] != '/')
		return -EINVAL;
	if (snprintf(path, sizeof(path), "%s/config.json", bundle) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	err = pw_read_trusted_file(path, PW_MAX_JSON_FILE, &buf, &len, &why);
	if (err)
		return err;
	err = pw_parse_oci_config(buf, len, meta);
	free(buf);
	if (!err)
		copy_str(meta->bundle, sizeof(meta->bundle), bundle);
	return err;
}

int pw_cgroups_path_resolve(const char *cgroups_path, char *out, size_t size)
{
	const char *c1, *c2, *slice_end;
	size_t used = 0;
	int n;

	c1 = strchr(cgroups_path, ':');
	if (!c1 || cgroups_path[0] == '/') {
		n = snprintf(out, size, "%s%s", cgroups_path[0] == '/' ? "" : "/", cgroups_path);
		return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
	}
	c2 = strchr(c1 + 1, ':');
	if (!c2)
		return -EINVAL;
	/* "a-b-c.slice" lives at /a.slice/a-b.slice/a-b-c.slice; "" is system.slice. */
	if (c1 == cgroups_path) {
		n = snprintf(out, size, "/system.slice");
		used = n;
	} else {
		slice_end = c1;
		if (slice_end - cgroups_path < 6 || strncmp(slice_end - 6, ".slice", 6))
			return -EINVAL;
		for (const char *p = cgroups_path; p <= slice_end - 6; p++) {
			if (p != slice_end - 6 && *p != '-')
				continue;
			n = snprintf(out + used, size - used, "/%.*s.slice",
				     (int)(p - cgroups_path), cgroups_path);
			if (n < 0 || (size_t)n >= size - used)
				return -ENAMETOOLONG;
			used += n;
		}
	}
	if (c2 == c1 + 1)
		n = snprintf(out + used, size - used, "/%s.scope", c2 + 1);
	else
		n = snprintf(out + used, size - used, "/%.*s-%s.scope", (int)(c2 - c1 - 1), c1 + 1,
			     c2 + 1);
	return n < 0 || (size_t)n >= size - used ? -ENAMETOOLONG : 0;
}
