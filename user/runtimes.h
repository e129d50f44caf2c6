/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every container runtime pinwatch knows, in one place: the binaries whose
 * execs the kernel side reports, the process that stays beside its
 * containers (a daemon, a shim, a monitor) and what its command line says
 * about where it keeps them, and where it keeps them when told nothing.
 * Adding a runtime is a row here (and its test): the state index, the
 * kernel side's names and the engine's name all read this table.
 *
 * Places are only ever named from trusted sources: a runtime's defaults,
 * a process found trusted by runtime_procs.c, or a trusted exec; and every
 * file in them is read under safe_file.h's rules.
 */
#ifndef PW_RUNTIMES_H
#define PW_RUNTIMES_H

#include <stdbool.h>
#include <stddef.h>

enum pw_state_format {
	PW_STATE_RUNC, /* ROOT/ID/state.json */
	PW_STATE_CRUN, /* ROOT/ID/status, with the runtime's copy of config.json */
};

/* Where a runtime's place is told to go: the state index (state_index.c) takes them. */
struct pw_place_sink {
	void *ctx;
	/*
	 * An OCI runtime's state root (ROOT/ID/state.json or status). Per
	 * namespace: ROOT holds one root per namespace (containerd's runc).
	 */
	void (*state_root)(void *ctx, const char *root, const char *oci_runtime, const char *engine,
			   bool per_namespace);
	/*
	 * Where an engine keeps bundles by id: DIR/ID<suffix>/config.json.
	 * Per namespace as above (containerd's task directories).
	 */
	void (*bundle_root)(void *ctx, const char *dir, const char *suffix, const char *engine,
			    bool per_namespace);
};

#define PW_RUNTIME_ROW_EXECS 4

struct pw_runtime {
	const char *engine; /* what ps calls it: "containerd", "docker", ...; or the OCI runtime */
	bool oci;	    /* an OCI runtime: its own processes join containers' cgroups */
	/* binaries the kernel side reports (basenames; NULL after the last, if fewer) */
	const char *execs[PW_RUNTIME_ROW_EXECS];
	/* comm of its process that outlives a container's start (15 bytes at most), or NULL */
	const char *process;
	/* The places a trusted process of it names in its argv (argc strings). */
	void (*places_of)(const char *const *argv, int argc, const struct pw_place_sink *sink);
	/* Where it keeps them when told nothing. */
	void (*default_places)(const struct pw_place_sink *sink);
};

extern const struct pw_runtime pw_runtimes[];
extern const size_t pw_nr_runtimes;

/*
 * Whether comm (a task's, as in /proc/PID/comm) is an OCI runtime's own
 * short-lived process that joins a container's cgroups (runc, crun, youki):
 * the name alone or followed by ':' (runc's "runc:[2:INIT]"), or runc's
 * sealed copy "memfd:runc_...". Shims and conmon live on outside.
 */
bool pw_oci_runtime_comm(const char *comm);

/* The runtime whose long-lived process has comm (without its newline), or NULL. */
const struct pw_runtime *pw_runtime_by_process(const char *comm);

/* The most exec basenames pw_runtimes_execs() gives. */
#define PW_RUNTIME_EXECS_MAX 16

/*
 * Every row's exec basenames (the names the kernel side reports without
 * --runtime) into out, at most max; how many. The table fits in
 * PW_RUNTIME_EXECS_MAX (a unit test says so when a row outgrows it).
 */
size_t pw_runtimes_execs(const char **out, size_t max);

/* Every runtime's default places. */
void pw_runtimes_default_places(const struct pw_place_sink *sink);

/*
 * The engine that made a container, from where its state or bundle is kept
 * (a state root, a bundle directory; either may be NULL); NULL unknown.
 */
const char *pw_runtimes_engine_of(const char *root, const char *bundle);

/*
 * containerd's namespace of a container, from its runc root or bundle
 * (".../runc/NS", ".../io.containerd.runtime.v2.task/NS/ID"), into buf;
 * false when neither says it.
 */
bool pw_runtimes_containerd_namespace(const char *root, const char *bundle, char *buf, size_t size);

#endif /* PW_RUNTIMES_H */
