// SPDX-License-Identifier: GPL-2.0-only
/* Runtime argv, state.json and config.json: bounded reads of untrusted files. */
#include "runtime_state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

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
static const char *const global_with_value[] = { "--log",      "--log-format", "--log-level",
						 "--criu",     "--rootless",   "--cgroup-manager",
						 NULL };
/* Options of create and run that take a value; --bundle aside. */
static const char *const cmd_with_value[] = { "--console-socket", "--pid-file", "--preserve-fds",
					      "--notify-socket", NULL };

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
			if (!arg_is(&arg, "create") && !arg_is(&arg, "run"))
				return -ENOENT;
			copy_arg(cmd->subcommand, sizeof(cmd->subcommand), &arg);
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

/*
 * Parse a JSON file: a regular file (no symlink at the last component), at
 * most PW_MAX_JSON_FILE bytes, nested at most MAX_JSON_DEPTH deep.
 */
static int read_json_file(const char *path, json_object **out)
{
	struct json_tokener *tok = NULL;
	char *buf = NULL;
	size_t used = 0;
	struct stat st;
	ssize_t n;
	int fd, err = 0;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		goto cleanup;
	}
	if (!S_ISREG(st.st_mode)) {
		err = -EINVAL;
		goto cleanup;
	}
	if (st.st_size > PW_MAX_JSON_FILE) {
		err = -EFBIG;
		goto cleanup;
	}
	buf = malloc(PW_MAX_JSON_FILE + 1);
	if (!buf) {
		err = -ENOMEM;
		goto cleanup;
	}
	/* The size may change under us: the bound is the buffer, not st_size. */
	while (used < PW_MAX_JSON_FILE + 1 &&
	       (n = read(fd, buf + used, PW_MAX_JSON_FILE + 1 - used)) > 0)
		used += n;
	if (used > PW_MAX_JSON_FILE) {
		err = -EFBIG;
		goto cleanup;
	}
	tok = json_tokener_new_ex(MAX_JSON_DEPTH);
	if (!tok) {
		err = -ENOMEM;
		goto cleanup;
	}
	*out = json_tokener_parse_ex(tok, buf, used);
	if (!*out || json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_is_type(*out, json_type_object)) {
		json_object_put(*out);
		*out = NULL;
		err = -EINVAL;
	}
cleanup:
	if (tok)
		json_tokener_free(tok);
	free(buf);
	close(fd);
	return err;
}

/* A string member of obj, or NULL. */
static const char *json_str(json_object *obj, const char *key)
{
	json_object *v;

	if (!obj || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
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

static bool is_disable(const char *v)
{
	return v && !strcmp(v, "disable");
}

static void meta_from_annotations(json_object *ann, struct pw_container_meta *meta)
{
	char scoped[sizeof(LB_ANNOTATION) + 1 + PW_NAME_LEN];

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
}

int pw_meta_from_bundle(const char *bundle, struct pw_container_meta *meta)
{
	char path[PW_META_PATH_LEN + 16];
	json_object *config, *linux_obj = NULL, *ann = NULL;
	int err;

	if (!bundle[0] || bundle[0] != '/')
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	err = read_json_file(path, &config);
	if (err)
		return err;
	copy_str(meta->bundle, sizeof(meta->bundle), bundle);
	if (json_object_object_get_ex(config, "linux", &linux_obj))
		copy_str(meta->cgroups_path, sizeof(meta->cgroups_path),
			 json_str(linux_obj, "cgroupsPath"));
	if (json_object_object_get_ex(config, "annotations", &ann) &&
	    json_object_is_type(ann, json_type_object))
		meta_from_annotations(ann, meta);
	json_object_put(config);
	return 0;
}

/* The bundle recorded in runc's state.json ("bundle=..." in config.labels) or crun's status. */
static int bundle_from_state(const char *dir, char *bundle, size_t size)
{
	char path[PW_META_PATH_LEN + PW_RUNTIME_ID_LEN + 32];
	json_object *state, *config, *labels;
	const char *b = NULL;
	int err;

	snprintf(path, sizeof(path), "%s/state.json", dir);
	err = read_json_file(path, &state);
	if (!err) {
		if (json_object_object_get_ex(state, "config", &config) &&
		    json_object_object_get_ex(config, "labels", &labels) &&
		    json_object_is_type(labels, json_type_array)) {
			for (size_t i = 0; i < json_object_array_length(labels); i++) {
				const char *l = json_object_get_string(
					json_object_array_get_idx(labels, i));

				if (l && !strncmp(l, "bundle=", 7))
					b = l + 7;
			}
		}
		copy_str(bundle, size, b);
		json_object_put(state);
		return b ? 0 : -ENOENT;
	}
	snprintf(path, sizeof(path), "%s/status", dir);
	err = read_json_file(path, &state);
	if (err)
		return err;
	b = json_str(state, "bundle");
	copy_str(bundle, size, b);
	json_object_put(state);
	return b ? 0 : -ENOENT;
}

/* Runtime state roots: runc and crun as run by hand, by CRI-O, by containerd (per namespace). */
static const struct {
	const char *root, *runtime;
} state_roots[] = {
	{ "/run/runc", "runc" },
	{ "/run/crun", "crun" },
	{ "/run/containerd/runc/k8s.io", "runc" },
	{ "/run/containerd/runc/moby", "runc" },
	{ "/run/containerd/runc/default", "runc" },
};
/* Where containerd and CRI-O keep bundles, by container id. */
static const char *const bundle_dirs[] = { "/run/containerd/io.containerd.runtime.v2.task/k8s.io",
					   "/run/containerd/io.containerd.runtime.v2.task/moby",
					   "/run/containerd/io.containerd.runtime.v2.task/default" };

int pw_meta_from_state(const char *id, const char *root_hint, struct pw_container_meta *meta)
{
	char dir[PW_META_PATH_LEN + PW_RUNTIME_ID_LEN + 64], bundle[PW_META_PATH_LEN];

	if (!pw_valid_container_id(id))
		return -EINVAL;
	if (root_hint && root_hint[0] == '/') {
		snprintf(dir, sizeof(dir), "%s/%s", root_hint, id);
		if (!bundle_from_state(dir, bundle, sizeof(bundle)))
			return pw_meta_from_bundle(bundle, meta);
	}
	for (size_t i = 0; i < sizeof(state_roots) / sizeof(state_roots[0]); i++) {
		snprintf(dir, sizeof(dir), "%s/%s", state_roots[i].root, id);
		if (!bundle_from_state(dir, bundle, sizeof(bundle)))
			return pw_meta_from_bundle(bundle, meta);
	}
	for (size_t i = 0; i < sizeof(bundle_dirs) / sizeof(bundle_dirs[0]); i++) {
		snprintf(dir, sizeof(dir), "%s/%s", bundle_dirs[i], id);
		if (!pw_meta_from_bundle(dir, meta))
			return 0;
	}
	snprintf(dir, sizeof(dir), "/run/containers/storage/overlay-containers/%s/userdata", id);
	return pw_meta_from_bundle(dir, meta);
}

int pw_for_each_state(int (*fn)(const char *id, const char *runtime, const char *root, void *arg),
		      void *arg)
{
	struct dirent *de;
	DIR *dir;
	int ret;

	for (size_t i = 0; i < sizeof(state_roots) / sizeof(state_roots[0]); i++) {
		dir = opendir(state_roots[i].root);
		if (!dir)
			continue;
		while ((de = readdir(dir))) {
			if (de->d_type != DT_DIR || !pw_valid_container_id(de->d_name))
				continue;
			ret = fn(de->d_name, state_roots[i].runtime, state_roots[i].root, arg);
			if (ret) {
				closedir(dir);
				return ret;
			}
		}
		closedir(dir);
	}
	return 0;
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
			n = snprintf(out + used, size - used, "/%.*s.slice", (int)(p - cgroups_path),
				     cgroups_path);
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
