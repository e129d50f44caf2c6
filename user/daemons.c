// SPDX-License-Identifier: GPL-2.0-only
/* Container daemons' state roots, from their trusted processes' command lines. */
#include "daemons.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define DOCKER_RUNC_ROOT "/runtime-runc/moby"

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

/*
 * root in every uid (real, effective, saved, fs): only root starts such a
 * process (a setuid program run by a user keeps the user's real uid). Its
 * binary is not looked at: /proc/PID/exe of a more privileged process is
 * not readable once pinwatch has dropped its capabilities, and root chose
 * it anyway.
 */
static bool trusted(const char *pid)
{
	char status[4096], *uid;
	unsigned int r, e, s, f;

	if (read_proc(pid, "status", status, sizeof(status)) <= 0)
		return false;
	uid = strstr(status, "\nUid:");
	return uid && sscanf(uid, "\nUid: %u %u %u %u", &r, &e, &s, &f) == 4 && !r && !e && !s &&
	       !f;
}

/* The value of --NAME VALUE or --NAME=VALUE in a NUL-separated argv of len bytes, or NULL. */
static const char *option(const char *argv, size_t len, const char *name)
{
	size_t n = strlen(name);

	for (const char *a = argv; a < argv + len; a += strlen(a) + 1) {
		if (!strncmp(a, name, n) && a[n] == '=')
			return a + n + 1;
		if (!strcmp(a, name) && a + n + 1 < argv + len)
			return a + n + 1;
	}
	return NULL;
}

void pw_daemon_roots(void (*add)(void *ctx, const char *root, const char *runtime), void *ctx)
{
	char comm[32], argv[8192], root[4096];
	const char *exec_root;
	struct dirent *de;
	ssize_t len;
	DIR *proc;

	proc = opendir("/proc");
	if (!proc)
		return;
	while ((de = readdir(proc))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		if (read_proc(de->d_name, "comm", comm, sizeof(comm)) <= 0 ||
		    strcmp(comm, "dockerd\n") || !trusted(de->d_name))
			continue;
		len = read_proc(de->d_name, "cmdline", argv, sizeof(argv));
		exec_root = len > 0 ? option(argv, len, "--exec-root") : NULL;
		if (exec_root && exec_root[0] == '/' &&
		    snprintf(root, sizeof(root), "%s" DOCKER_RUNC_ROOT, exec_root) <
			    (int)sizeof(root))
			add(ctx, root, "runc");
	}
	closedir(proc);
}
