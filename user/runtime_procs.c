// SPDX-License-Identifier: GPL-2.0-only
/* The runtimes' processes found in /proc, and what they name. */
#include "runtime_procs.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "identity.h"

/* argv strings looked at, at most: shims and daemons have a dozen. */
#define MAX_ARGS 64

/* Read /proc/PID/NAME (at most size-1 bytes); its length, or -1. */
static ssize_t read_proc(const char *pid, const char *name, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%s/%s", pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

int pw_task_stat_read(pid_t pid, struct pw_task_stat *st)
{
	unsigned long long utime, stime;
	char name[24], buf[1024], *open_paren, *p;
	size_t comm_len;
	ssize_t n;

	snprintf(name, sizeof(name), "%d", (int)pid);
	n = read_proc(name, "stat", buf, sizeof(buf));
	if (n < 0)
		return -errno;
	/*
	 * The comm (which may hold anything, ')' too) is between the first '('
	 * and the last ')'; then state is field 3, flags 9, starttime 22.
	 */
	open_paren = n ? strchr(buf, '(') : NULL;
	p = open_paren ? strrchr(open_paren, ')') : NULL;
	if (!p || sscanf(p + 2,
			 "%c %*d %*d %*d %*d %*d %lu %*u %*u %*u %*u %llu %llu %*d %*d %*d "
			 "%*d %*d %*d %llu",
			 &st->state, &st->flags, &utime, &stime, &st->start) != 5)
		return -EIO;
	comm_len = p - open_paren - 1;
	if (comm_len >= sizeof(st->comm))
		comm_len = sizeof(st->comm) - 1;
	memcpy(st->comm, open_paren + 1, comm_len);
	st->comm[comm_len] = '\0';
	st->cpu_ticks = utime + stime;
	return 0;
}

/*
 * Root in every uid (real, effective, saved, fs: only root starts such a
 * process), and, with host_pid, one pid: the initial pid namespace's only.
 */
static bool root_process(const char *pid, bool host_pid)
{
	char status[4096], *uid, *nspid;
	unsigned int r, e, s, f, p, more;

	if (read_proc(pid, "status", status, sizeof(status)) <= 0)
		return false;
	uid = strstr(status, "\nUid:");
	nspid = strstr(status, "\nNSpid:");
	return uid && sscanf(uid, "\nUid: %u %u %u %u", &r, &e, &s, &f) == 4 && !r && !e && !s &&
	       !f && (!host_pid || (nspid && sscanf(nspid, "\nNSpid: %u %u", &p, &more) == 1));
}

/*
 * The mount id of the mount a process sees at "/" (the last one: what is
 * stacked on top), from /proc/PID/mountinfo, which needs no capability;
 * 0 unknown. Another mount namespace (a container's, a copy) has other ids.
 */
static unsigned long root_mount_id(const char *pid)
{
	char path[64], line[1024];
	unsigned long id, found = 0;
	char point[8];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/mountinfo", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lu %*u %*s %*s %7s", &id, point) == 2 && !strcmp(point, "/"))
			found = id;
	fclose(f);
	return found;
}

/* Whether any cgroup of the process is a container's (by its path). */
static bool in_container_cgroup(const char *pid)
{
	char buf[8192], *line, *save = NULL;
	struct pw_identity id;

	if (read_proc(pid, "cgroup", buf, sizeof(buf)) <= 0)
		return true; /* unknown: not trusted */
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *path = strchr(line, ':');

		path = path ? strchr(path + 1, ':') : NULL;
		if (path && !pw_identity_from_path(path + 1, strlen(path + 1), &id))
			return true;
	}
	return false;
}

/* A process of the host itself (the rules above), by its /proc name. */
static bool host_process(const char *pid, unsigned long host_root_mount)
{
	return root_process(pid, true) && root_mount_id(pid) == host_root_mount &&
	       !in_container_cgroup(pid);
}

pid_t pw_host_process_by_comm(const char *name)
{
	unsigned long host_root_mount = root_mount_id("1");
	struct dirent *de;
	pid_t found = 0;
	char comm[32];
	DIR *proc;

	if (!host_root_mount)
		return 0;
	proc = opendir("/proc");
	if (!proc)
		return 0;
	while (!found && (de = readdir(proc))) {
		if (!isdigit((unsigned char)de->d_name[0]) ||
		    read_proc(de->d_name, "comm", comm, sizeof(comm)) <= 0)
			continue;
		comm[strcspn(comm, "\n")] = '\0';
		if (!strcmp(comm, name) && host_process(de->d_name, host_root_mount))
			found = (pid_t)strtol(de->d_name, NULL, 10);
	}
	closedir(proc);
	return found;
}

bool pw_runtime_procs_oci_task(const char *pid, const char *comm)
{
	/* runc's init is in its container's namespaces already: root in every uid is the rule. */
	return pw_oci_runtime_comm(comm) && root_process(pid, false);
}

void pw_runtime_procs_places(const struct pw_place_sink *sink)
{
	unsigned long host_root_mount = root_mount_id("1");
	char comm[32], args[8192];
	const char *argv[MAX_ARGS];
	struct dirent *de;
	DIR *proc;

	if (!host_root_mount)
		return;
	proc = opendir("/proc");
	if (!proc)
		return;
	while ((de = readdir(proc))) {
		const struct pw_runtime *rt;
		ssize_t len;
		int argc = 0;

		if (!isdigit((unsigned char)de->d_name[0]) ||
		    read_proc(de->d_name, "comm", comm, sizeof(comm)) <= 0)
			continue;
		comm[strcspn(comm, "\n")] = '\0';
		rt = pw_runtime_by_process(comm);
		if (!rt || !rt->places_of || !host_process(de->d_name, host_root_mount))
			continue;
		len = read_proc(de->d_name, "cmdline", args, sizeof(args));
		for (ssize_t i = 0; i < len && argc < MAX_ARGS; i += strlen(args + i) + 1)
			argv[argc++] = args + i;
		if (argc)
			rt->places_of(argv, argc, sink);
	}
	closedir(proc);
}
