// SPDX-License-Identifier: GPL-2.0-only
/* Preflight, open, configure, load and attach of the BPF skeleton. */
#include "loader.h"

#include <errno.h>
#include <malloc.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "pinwatch.skel.h"

#define KERNEL_BTF "/sys/kernel/btf/vmlinux"
#define TRACEFS "/sys/kernel/tracing"
#define DEBUGFS_TRACING "/sys/kernel/debug/tracing"

static bool verbose_libbpf;

/* libbpf's own error codes (above 4000) are not errno values: name both kinds. */
const char *pw_loader_errstr(int err)
{
	static char buf[128];

	if (libbpf_strerror(err, buf, sizeof(buf)))
		snprintf(buf, sizeof(buf), "%s", strerror(err < 0 ? -err : err));
	return buf;
}

/* libbpf's format strings, passed on as they come. */
__attribute__((format(printf, 2, 0))) static int libbpf_print(enum libbpf_print_level level,
							      const char *fmt, va_list args)
{
	if (!verbose_libbpf)
		return 0;
	return vfprintf(stderr, fmt, args);
}

void pw_loader_libbpf_verbose(bool verbose)
{
	verbose_libbpf = verbose;
	libbpf_set_print(libbpf_print);
}

int pw_check_runtime_name(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > PW_RUNTIME_NAME_MAX || strchr(name, '/')) {
		pw_err("invalid --runtime '%s': expected a binary's basename of 1 to %d bytes "
		       "without '/'",
		       PW_Q(name), PW_RUNTIME_NAME_MAX);
		return -EINVAL;
	}
	return 0;
}

static int add_runtime(struct pinwatch_bpf *skel, const char *name)
{
	char key[PW_RUNTIME_NAME_LEN] = {};
	__u8 one = 1;
	int err;

	strncpy(key, name, PW_RUNTIME_NAME_MAX);
	err = bpf_map__update_elem(skel->maps.runtime_names, key, sizeof(key), &one, sizeof(one),
				   BPF_ANY);
	if (err)
		pw_err("cannot add runtime name '%s': %s", PW_Q(name), strerror(-err));
	return err;
}

/*
 * Syscall tracepoints are attached through tracefs. Where it is not mounted,
 * mount it in a private mount namespace of our own: the host's mounts stay
 * as they were, and the mount goes away with the process.
 */
static int ensure_tracefs(void)
{
	if (access(TRACEFS "/events/syscalls", F_OK) == 0 ||
	    access(DEBUGFS_TRACING "/events/syscalls", F_OK) == 0)
		return 0;
	if (unshare(CLONE_NEWNS)) {
		int err = -errno;

		pw_err("tracefs is not mounted and a private mount namespace could not be made for "
		       "it: %s",
		       strerror(-err));
		return err;
	}
	/* Slave: cgroup filesystems the host mounts later still show up here. */
	if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) ||
	    mount("tracefs", TRACEFS, "tracefs", 0, NULL)) {
		int err = -errno;

		pw_err("cannot mount tracefs on '%s': %s", TRACEFS, strerror(-err));
		return err;
	}
	if (access(TRACEFS "/events/syscalls", F_OK)) {
		pw_err("no syscall tracepoints in '%s/events': the kernel needs "
		       "CONFIG_FTRACE_SYSCALLS=y",
		       TRACEFS);
		return -ENOENT;
	}
	return 0;
}

const char *pw_probe_name(enum pw_probe probe)
{
	static const char *const names[] = {
		[PW_PROBE_NONE] = "none",
		[PW_PROBE_AUTO] = "auto",
		[PW_PROBE_TRACEPOINT] = "tracepoint",
		[PW_PROBE_FENTRY] = "fentry",
	};

	return probe <= PW_PROBE_FENTRY ? names[probe] : "?";
}

/*
 * Whether this kernel lets a tracing program attach to cgroup_file_write():
 * a two-instruction fexit program, loaded and attached, then closed. Some
 * kernels refuse fentry (lockdown, a security module, no trampolines), and
 * a refusal is cheaper to learn here than from the whole skeleton.
 */
static int fentry_allowed(const struct btf *vmlinux)
{
	const struct bpf_insn ret0[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FEXIT);
	int id, prog = -1, link = -1, err = 0;

	id = btf__find_by_name_kind(vmlinux, "cgroup_file_write", BTF_KIND_FUNC);
	if (id < 0)
		return id;
	opts.attach_btf_id = id;
	prog = bpf_prog_load(BPF_PROG_TYPE_TRACING, "pw_fentry_probe", "GPL", ret0, 2, &opts);
	if (prog < 0)
		return -errno;
	link = bpf_link_create(prog, 0, BPF_TRACE_FEXIT, NULL);
	if (link < 0)
		err = -errno;
	else
		close(link);
	close(prog);
	return err;
}

/*
 * What the kernel offers, probed before load: how cpuset writes are seen,
 * whether tracepoints can use plain loads, and whether the agent's exit
 * can resume held tasks from the kernel side.
 */
struct write_probe {
	enum pw_probe probe;
	bool cast;	      /* the kernel has bpf_rdonly_cast(): the faster enter programs */
	bool release_at_exit; /* bpf_task_from_pid() and bpf_send_signal_task() (6.13+) */
};

/* Whether the kernel's BTF has every kfunc named (a NULL-ended list). */
static bool has_kfuncs(const struct btf *vmlinux, const char *const *names)
{
	for (; vmlinux && *names; names++)
		if (btf__find_by_name_kind(vmlinux, *names, BTF_KIND_FUNC) <= 0)
			return false;
	return vmlinux != NULL;
}

static void disable_unneeded(struct pinwatch_bpf *skel, unsigned int mask,
			     const struct write_probe *wp)
{
	bool mkdir = mask & (1U << PW_EV_CGROUP_MKDIR), rmdir = mask & (1U << PW_EV_CGROUP_RMDIR);
	bool exec = mask & (1U << PW_EV_EXEC), write = mask & (1U << PW_EV_CPUSET_WRITE);
	bool tracepoints = write && wp->probe == PW_PROBE_TRACEPOINT;
	struct bpf_program *cast_progs[] = {
		skel->progs.sys_enter_write,
		skel->progs.sys_enter_pwrite64,
		skel->progs.sys_enter_writev,
	};
	struct bpf_program *legacy_progs[] = {
		skel->progs.sys_enter_write_legacy,
		skel->progs.sys_enter_pwrite64_legacy,
		skel->progs.sys_enter_writev_legacy,
	};
	struct bpf_program *exit_progs[] = {
		skel->progs.sys_exit_write,
		skel->progs.sys_exit_pwrite64,
		skel->progs.sys_exit_writev,
	};

	/* A program that is not loaded costs the node nothing. */
	bpf_program__set_autoload(skel->progs.cgroup_mkdir, mkdir);
	bpf_program__set_autoload(skel->progs.cgroup_rmdir, rmdir);
	bpf_program__set_autoload(skel->progs.cgroup_notify_populated,
				  mask & (1U << PW_EV_CGROUP_POPULATED));
	bpf_program__set_autoload(skel->progs.sched_process_exec, exec);
	bpf_program__set_autoload(skel->progs.signal_generate,
				  mask & ((1U << PW_EV_HOLD) | (1U << PW_EV_RELEASE)));
	bpf_program__set_autoload(skel->progs.hold_release_at_agent_exit, wp->release_at_exit);
	for (size_t i = 0; i < sizeof(exit_progs) / sizeof(exit_progs[0]); i++) {
		bpf_program__set_autoload(cast_progs[i], tracepoints && wp->cast);
		bpf_program__set_autoload(legacy_progs[i], tracepoints && !wp->cast);
		bpf_program__set_autoload(exit_progs[i], tracepoints);
	}
	bpf_program__set_autoload(skel->progs.cgroup_file_write_exit,
				  write && wp->probe == PW_PROBE_FENTRY);
}

/*
 * The probe mode to use for cpuset writes: what was asked, or in auto mode
 * fentry where the kernel allows it. Says why when fentry was asked for and
 * is not allowed.
 */
static int choose_probe(const struct pw_loader_opts *opts, struct write_probe *wp)
{
	struct btf *vmlinux = NULL;
	int err = 0;

	static const char *const release_kfuncs[] = { "bpf_task_from_pid", "bpf_task_release",
						      "bpf_send_signal_task", NULL };

	*wp = (struct write_probe){ .probe = PW_PROBE_NONE };
	if (!(opts->types_mask & (1U << PW_EV_CPUSET_WRITE)) && !opts->hold)
		return 0;
	/*
	 * fentry and kfuncs go by the running kernel's BTF: with a --btf file
	 * (for a kernel without its own) neither is there.
	 */
	if (!opts->btf_path) {
		vmlinux = btf__load_vmlinux_btf();
		err = vmlinux ? 0 : -errno;
	}
	wp->release_at_exit = opts->hold && has_kfuncs(vmlinux, release_kfuncs);
	if (!(opts->types_mask & (1U << PW_EV_CPUSET_WRITE))) {
		err = 0;
		goto cleanup;
	}
	wp->cast = vmlinux && btf__find_by_name_kind(vmlinux, "bpf_rdonly_cast", BTF_KIND_FUNC) > 0;
	wp->probe = PW_PROBE_TRACEPOINT;
	if (opts->probe == PW_PROBE_TRACEPOINT)
		goto cleanup;
	err = vmlinux ? fentry_allowed(vmlinux) : opts->btf_path ? -EOPNOTSUPP : err;
	if (!err) {
		wp->probe = PW_PROBE_FENTRY;
		goto cleanup;
	}
	if (opts->probe == PW_PROBE_FENTRY) {
		pw_err("--probe fentry: this kernel does not let pinwatch attach to "
		       "cgroup_file_write(): %s%s",
		       pw_loader_errstr(err), opts->btf_path ? " (not with --btf)" : "");
		goto cleanup;
	}
	if (opts->verbose)
		pw_info("fentry is not allowed here (%s): cpuset writes through the syscall "
			"tracepoints",
			pw_loader_errstr(err));
	err = 0;
cleanup:
	btf__free(vmlinux);
	return err;
}

static int preflight(const struct pw_loader_opts *opts)
{
	const char *btf = opts->btf_path ? opts->btf_path : KERNEL_BTF;

	if (geteuid() != 0) {
		pw_err("must run as root: loading BPF programs needs CAP_BPF, CAP_PERFMON and "
		       "CAP_SYS_ADMIN (try sudo)");
		return -EPERM;
	}
	if (access(btf, R_OK)) {
		pw_err("no kernel BTF at '%s' (%s): pinwatch needs a kernel built with "
		       "CONFIG_DEBUG_INFO_BTF=y, or --btf FILE",
		       PW_Q(btf), strerror(errno));
		return -ENOENT;
	}
	return 0;
}

int pw_loader_start(const struct pw_loader_opts *opts, struct pinwatch_bpf **skel_out)
{
	LIBBPF_OPTS(bpf_object_open_opts, open_opts, .btf_custom_path = opts->btf_path);
	struct pinwatch_bpf *skel = NULL;
	struct write_probe wp;
	int err;

	*skel_out = NULL;
	pw_loader_libbpf_verbose(opts->verbose);

	err = preflight(opts);
	if (!err)
		err = choose_probe(opts, &wp);
	if (!err && wp.probe == PW_PROBE_TRACEPOINT)
		err = ensure_tracefs();
	if (err)
		return err;

	skel = pinwatch_bpf__open_opts(&open_opts);
	if (!skel) {
		err = -errno;
		pw_err("cannot open the BPF object: %s%s", pw_loader_errstr(err),
		       opts->verbose ? "" : " (rerun with --verbose for details)");
		goto cleanup;
	}
	skel->rodata->all_hierarchies = opts->all_hierarchies;
	skel->rodata->only_hierarchy = opts->one_hierarchy ? opts->hierarchy : -1;
	skel->rodata->urgent_populated_events = opts->urgent_populated_events;
	skel->rodata->hold_enabled = opts->hold;
	skel->rodata->hold_hierarchy = opts->hold_hierarchy;
	skel->rodata->hold_agent_tgid = getpid();
	skel->rodata->emit_untrusted_execs = !opts->trusted_execs_only;
	if (opts->ringbuf_size) {
		err = bpf_map__set_max_entries(skel->maps.events, opts->ringbuf_size);
		if (err) {
			pw_err("cannot size the ring buffer to %u bytes: %s", opts->ringbuf_size,
			       pw_loader_errstr(err));
			goto cleanup;
		}
	}
	/* Batches wake the reader at a sixteenth of the ring: it never fills between two turns. */
	skel->rodata->wakeup_threshold = bpf_map__max_entries(skel->maps.events) / 16;
	disable_unneeded(skel, opts->types_mask, &wp);

	err = pinwatch_bpf__load(skel);
	if (err) {
		pw_err("cannot load pinwatch's BPF programs: %s%s%s", pw_loader_errstr(err),
		       err == -EPERM ? " (the kernel refused: lockdown or a security module may "
				       "forbid BPF here)" :
				       "",
		       opts->verbose ? "" : "; rerun with --verbose for libbpf's log");
		goto cleanup;
	}
	for (size_t i = 0; i < opts->nr_runtimes; i++) {
		err = add_runtime(skel, opts->runtimes[i]);
		if (err)
			goto cleanup;
	}
	err = pinwatch_bpf__attach(skel);
	if (err) {
		pw_err("cannot attach pinwatch's BPF programs: %s%s", pw_loader_errstr(err),
		       opts->verbose ? "" : " (rerun with --verbose for libbpf's log)");
		goto cleanup;
	}
	*skel_out = skel;
	/* Parsing the kernel's BTF took megabytes that load has freed: give them back. */
	malloc_trim(0);
	return 0;

cleanup:
	pinwatch_bpf__destroy(skel);
	return err;
}

void pw_loader_stop(struct pinwatch_bpf *skel)
{
	pinwatch_bpf__destroy(skel);
}

enum pw_probe pw_loader_probe(const struct pinwatch_bpf *skel)
{
	if (bpf_program__fd(skel->progs.cgroup_file_write_exit) >= 0)
		return PW_PROBE_FENTRY;
	if (bpf_program__fd(skel->progs.sys_exit_write) >= 0)
		return PW_PROBE_TRACEPOINT;
	return PW_PROBE_NONE;
}

void pw_loader_hold_fds(const struct pinwatch_bpf *skel, int *candidates, int *held, int *events)
{
	*candidates = bpf_map__fd(skel->maps.hold_candidates);
	*held = bpf_map__fd(skel->maps.held);
	*events = bpf_map__fd(skel->maps.hold_events);
}

int pw_loader_exec_pins_fd(const struct pinwatch_bpf *skel)
{
	return bpf_map__fd(skel->maps.exec_pins);
}

__u32 *pw_loader_exec_pins_count(struct pinwatch_bpf *skel)
{
	return &skel->bss->exec_pins_count;
}

const __u64 *pw_loader_hold_changes(const struct pinwatch_bpf *skel)
{
	return &skel->bss->hold_changes;
}

void pw_loader_heartbeat(struct pinwatch_bpf *skel, __u64 now_ns)
{
	__atomic_store_n(&skel->bss->agent_heartbeat_ns, now_ns, __ATOMIC_RELAXED);
}

__u64 *pw_loader_guardian_heartbeat(struct pinwatch_bpf *skel)
{
	return &skel->bss->guardian_heartbeat_ns;
}

bool pw_loader_hold_released_at_exit(const struct pinwatch_bpf *skel)
{
	return bpf_program__fd(skel->progs.hold_release_at_agent_exit) >= 0;
}

void pw_loader_untrusted_execs(const struct pinwatch_bpf *skel, __u64 out[PW_UNTRUSTED_MAX])
{
	for (int i = 0; i < PW_UNTRUSTED_MAX; i++)
		out[i] = __atomic_load_n(&skel->bss->untrusted_execs[i], __ATOMIC_RELAXED);
}

__u64 pw_loader_lost_events(const struct pinwatch_bpf *skel)
{
	return __atomic_load_n(&skel->bss->lost_events, __ATOMIC_RELAXED);
}

int pw_loader_events_fd(const struct pinwatch_bpf *skel)
{
	return bpf_map__fd(skel->maps.events);
}

/* Sum a per-CPU array of __u64 values, nkeys of them, into out. */
static int sum_percpu(int fd, __u32 nkeys, __u64 *out)
{
	int ncpus = libbpf_num_possible_cpus(), err = 0;
	__u64 *percpu;

	if (ncpus <= 0)
		return ncpus ? ncpus : -EINVAL;
	percpu = calloc(ncpus, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	for (__u32 key = 0; key < nkeys; key++) {
		out[key] = 0;
		if (bpf_map_lookup_elem(fd, &key, percpu)) {
			err = -errno;
			break;
		}
		for (int cpu = 0; cpu < ncpus; cpu++)
			out[key] += percpu[cpu];
	}
	free(percpu);
	return err;
}

int pw_loader_read_counters(const struct pinwatch_bpf *skel, __u64 events[PW_COUNTERS_LEN],
			    __u64 map_errors[PW_MAP_ERR_MAX])
{
	int err = sum_percpu(bpf_map__fd(skel->maps.counters), PW_COUNTERS_LEN, events);

	if (!err)
		err = sum_percpu(bpf_map__fd(skel->maps.map_errors), PW_MAP_ERR_MAX, map_errors);
	return err;
}
