// SPDX-License-Identifier: GPL-2.0-only
/* The container runtimes: one row each (runtimes.h). */
#include "runtimes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime_state.h"
#include "safe_file.h"

/* containerd's config.toml read for its state, at most. */
#define CONTAINERD_CONFIG_MAX (64 * 1024)

/* containerd keeps each task's bundle in a directory per namespace below its state. */
#define CONTAINERD_TASKS "/io.containerd.runtime.v2.task"
/* The runc shims' runc root, per namespace, whatever containerd's state is. */
#define CONTAINERD_RUNC_ROOT "/run/containerd/runc"
/* dockerd keeps its runc root below its --exec-root. */
#define DOCKER_RUNC_ROOT "/runtime-runc/moby"
/* CRI-O and Podman keep a container's bundle as DIR/ID/userdata. */
#define STORAGE_USERDATA "/userdata"

/* The value of -NAME VALUE, --NAME VALUE or --NAME=VALUE (also -NAME=VALUE), or NULL. */
static const char *option(const char *const *argv, int argc, const char *name)
{
	size_t n = strlen(name);

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		a += a[0] == '-' && a[1] == '-' ? 2 : a[0] == '-' ? 1 : 0;
		if (a == argv[i] || strncmp(a, name, n))
			continue;
		if (a[n] == '=')
			return a + n + 1;
		if (!a[n] && i + 1 < argc)
			return argv[i + 1];
	}
	return NULL;
}

static bool absolute(const char *path)
{
	return path && path[0] == '/' && !strstr(path, "/..") && strlen(path) < PW_META_PATH_LEN;
}

static void places_runc(const struct pw_place_sink *s)
{
	s->state_root(s->ctx, "/run/runc", "runc", NULL, false);
}

static void places_crun(const struct pw_place_sink *s)
{
	s->state_root(s->ctx, "/run/crun", "crun", NULL, false);
}

/* containerd's state directory STATE: its task bundles, per namespace. */
static void containerd_state(const struct pw_place_sink *s, const char *state)
{
	char dir[PW_META_PATH_LEN];

	if (absolute(state) &&
	    snprintf(dir, sizeof(dir), "%s" CONTAINERD_TASKS, state) < (int)sizeof(dir))
		s->bundle_root(s->ctx, dir, "", "containerd", true);
}

static void places_containerd(const struct pw_place_sink *s)
{
	s->state_root(s->ctx, CONTAINERD_RUNC_ROOT, "runc", "containerd", true);
	containerd_state(s, "/run/containerd");
}

/*
 * The top-level `state = "PATH"` of a containerd config.toml (a trusted
 * file: root's, under safe_file's rules), into buf; false when it has none.
 */
static bool config_state(const char *config, char *buf, size_t size)
{
	const char *why, *line;
	bool found = false;
	char *text;
	size_t len;

	if (!absolute(config) ||
	    pw_read_trusted_file(config, CONTAINERD_CONFIG_MAX, &text, &len, &why))
		return false;
	for (line = text; line && *line && !found; line = strchr(line, '\n'), line += !!line) {
		const char *p = line + strspn(line, " \t");
		size_t n;

		if (*p == '[')
			break; /* the tables start: state is a top-level key */
		if (strncmp(p, "state", 5))
			continue;
		p += 5 + strspn(p + 5, " \t");
		if (*p++ != '=')
			continue;
		p += strspn(p, " \t");
		if (*p++ != '"')
			continue;
		n = strcspn(p, "\"\n");
		found = p[n] == '"' && n && n < size;
		if (found)
			snprintf(buf, size, "%.*s", (int)n, p);
	}
	free(text);
	return found;
}

/*
 * containerd with a state of its own: k3s and RKE2 give --state
 * /run/k3s/containerd, others set it in their --config file.
 */
static void argv_containerd(const char *const *argv, int argc, const struct pw_place_sink *s)
{
	const char *state = option(argv, argc, "state"), *config = option(argv, argc, "config");
	char from_config[PW_META_PATH_LEN];

	if (!config)
		config = option(argv, argc, "c");
	if (state)
		containerd_state(s, state);
	else if (config && config_state(config, from_config, sizeof(from_config)))
		containerd_state(s, from_config);
}

/*
 * A shim names the daemon's socket: its state is where the socket is
 * (containerd's default, k3s's /run/k3s/containerd), or, for Docker's
 * containerd, its "daemon" directory.
 */
static void argv_shim(const char *const *argv, int argc, const struct pw_place_sink *s)
{
	const char *address = option(argv, argc, "address");
	char state[PW_META_PATH_LEN], *slash;

	if (!absolute(address))
		return;
	snprintf(state, sizeof(state), "%s", address);
	slash = strrchr(state, '/');
	if (!slash || slash == state)
		return;
	*slash = '\0';
	containerd_state(s, state);
	if (strlen(state) + sizeof("/daemon") <= sizeof(state)) {
		strcat(state, "/daemon");
		containerd_state(s, state);
	}
}

static void places_docker(const struct pw_place_sink *s)
{
	s->state_root(s->ctx, "/run/docker" DOCKER_RUNC_ROOT, "runc", "docker", false);
	containerd_state(s, "/run/docker/containerd/daemon");
}

/* dockerd with an --exec-root of its own keeps its runc root there. */
static void argv_dockerd(const char *const *argv, int argc, const struct pw_place_sink *s)
{
	const char *exec_root = option(argv, argc, "exec-root");
	char root[PW_META_PATH_LEN];

	if (absolute(exec_root) &&
	    snprintf(root, sizeof(root), "%s" DOCKER_RUNC_ROOT, exec_root) < (int)sizeof(root))
		s->state_root(s->ctx, root, "runc", "docker", false);
}

static void places_crio(const struct pw_place_sink *s)
{
	s->bundle_root(s->ctx, "/run/containers/storage/overlay-containers", STORAGE_USERDATA,
		       "cri-o", false);
}

/*
 * conmon, CRI-O's and Podman's monitor: -c ID -b BUNDLE, the bundle being
 * DIR/ID/userdata. Podman's names podman as its exit command.
 */
static void argv_conmon(const char *const *argv, int argc, const struct pw_place_sink *s)
{
	const char *id = option(argv, argc, "c"), *bundle = option(argv, argc, "b");
	const char *exit_command = option(argv, argc, "exit-command");
	char dir[PW_META_PATH_LEN], *at;
	size_t id_len;

	if (!id || !pw_valid_container_id(id) || !absolute(bundle))
		return;
	snprintf(dir, sizeof(dir), "%s", bundle);
	id_len = strlen(id);
	at = strstr(dir, id);
	if (!at || at == dir || at[-1] != '/' || strcmp(at + id_len, STORAGE_USERDATA))
		return;
	at[-1] = '\0';
	s->bundle_root(s->ctx, dir, STORAGE_USERDATA,
		       exit_command && strstr(exit_command, "podman") ? "podman" : "cri-o", false);
}

const struct pw_runtime pw_runtimes[] = {
	{ "runc", true, { "runc" }, NULL, NULL, places_runc },
	{ "crun", true, { "crun" }, NULL, NULL, places_crun },
	{ "youki", true, { "youki" }, NULL, NULL, NULL },
	{ "runsc", false, { "runsc" }, NULL, NULL, NULL },
	{ "containerd",
	  false,
	  { "containerd-shim-runc-v2", "containerd-shim-runc-v1", "containerd-shim-runsc-v1" },
	  "containerd-shim",
	  argv_shim,
	  places_containerd },
	{ "containerd", false, {}, "containerd", argv_containerd, NULL },
	{ "docker", false, {}, "dockerd", argv_dockerd, places_docker },
	{ "cri-o", false, { "conmon" }, "conmon", argv_conmon, places_crio },
};
const size_t pw_nr_runtimes = sizeof(pw_runtimes) / sizeof(pw_runtimes[0]);

bool pw_oci_runtime_comm(const char *comm)
{
	if (!strncmp(comm, "memfd:", 6))
		comm += 6;
	for (size_t i = 0; i < pw_nr_runtimes; i++) {
		const char *name = pw_runtimes[i].engine;
		size_t len = strlen(name);

		if (pw_runtimes[i].oci && !strncmp(comm, name, len) &&
		    (!comm[len] || comm[len] == ':' || comm[len] == '_' || comm[len] == '\n'))
			return true;
	}
	return false;
}

const struct pw_runtime *pw_runtime_by_process(const char *comm)
{
	for (size_t i = 0; i < pw_nr_runtimes; i++)
		if (pw_runtimes[i].process && !strcmp(pw_runtimes[i].process, comm))
			return &pw_runtimes[i];
	return NULL;
}

size_t pw_runtimes_execs(const char **out, size_t max)
{
	size_t nr = 0;

	for (size_t i = 0; i < pw_nr_runtimes; i++)
		for (size_t j = 0; j < PW_RUNTIME_ROW_EXECS && pw_runtimes[i].execs[j] && nr < max;
		     j++)
			out[nr++] = pw_runtimes[i].execs[j];
	return nr;
}

void pw_runtimes_default_places(const struct pw_place_sink *sink)
{
	for (size_t i = 0; i < pw_nr_runtimes; i++)
		if (pw_runtimes[i].default_places)
			pw_runtimes[i].default_places(sink);
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = s ? strlen(s) : 0, m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

const char *pw_runtimes_engine_of(const char *root, const char *bundle)
{
	if (has_suffix(root, DOCKER_RUNC_ROOT) ||
	    (bundle && strstr(bundle, CONTAINERD_TASKS "/moby/")))
		return "docker";
	if ((root && strstr(root, "/containerd/runc/")) ||
	    (bundle && strstr(bundle, CONTAINERD_TASKS "/")))
		return "containerd";
	return NULL;
}

/* The component after marker in path ("NS" of ".../marker/NS/..."), into buf; false if none. */
static bool component_after(const char *path, const char *marker, char *buf, size_t size)
{
	const char *p = path ? strstr(path, marker) : NULL;
	size_t n;

	if (!p)
		return false;
	p += strlen(marker);
	n = strcspn(p, "/");
	if (!n || n >= size)
		return false;
	snprintf(buf, size, "%.*s", (int)n, p);
	/* A name as containerd allows one: no '/', no "." or "..", nothing a terminal acts on. */
	if (!pw_valid_container_id(buf)) {
		buf[0] = '\0';
		return false;
	}
	return true;
}

bool pw_runtimes_containerd_namespace(const char *root, const char *bundle, char *buf, size_t size)
{
	return component_after(root, "/containerd/runc/", buf, size) ||
	       component_after(bundle, CONTAINERD_TASKS "/", buf, size);
}
