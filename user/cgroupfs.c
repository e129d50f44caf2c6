// SPDX-License-Identifier: GPL-2.0-only
/* cgroup mounts, and opens beneath them that refuse symlinks and escapes. */
#include "cgroupfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int v1_cpuset_hierarchy_id(void)
{
	char line[256], name[64];
	int id, num, enabled;
	FILE *f = fopen("/proc/cgroups", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %d %d %d", name, &id, &num, &enabled) == 4 &&
		    !strcmp(name, "cpuset")) {
			fclose(f);
			return id > 0 ? id : -1;
		}
	}
	fclose(f);
	return -1;
}

int pw_mounts_open(struct pw_mounts *m)
{
	char dev[256], dir[PW_MOUNT_PATH_LEN], type[64], opts[1024];
	FILE *f = fopen("/proc/self/mounts", "re");

	memset(m, 0, sizeof(*m));
	m->v1_cpuset_fd = m->v2_fd = -1;
	m->v1_cpuset_hierarchy = -1;
	if (!f)
		return -errno;
	while (fscanf(f, "%255s %255s %63s %1023s %*d %*d", dev, dir, type, opts) == 4) {
		if (!strcmp(type, "cgroup2") && !m->v2[0]) {
			snprintf(m->v2, sizeof(m->v2), "%s", dir);
		} else if (!strcmp(type, "cgroup") && !m->v1_cpuset[0]) {
			/* The controller is one of the comma-separated options. */
			for (char *save = NULL, *o = strtok_r(opts, ",", &save); o;
			     o = strtok_r(NULL, ",", &save))
				if (!strcmp(o, "cpuset"))
					snprintf(m->v1_cpuset, sizeof(m->v1_cpuset), "%s", dir);
		}
	}
	fclose(f);
	if (m->v1_cpuset[0]) {
		m->v1_cpuset_fd = open(m->v1_cpuset, O_PATH | O_DIRECTORY | O_CLOEXEC);
		m->v1_cpuset_hierarchy = v1_cpuset_hierarchy_id();
	}
	if (m->v2[0])
		m->v2_fd = open(m->v2, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (m->v1_cpuset_fd < 0 && m->v2_fd < 0)
		return -ENOENT;
	return 0;
}

void pw_mounts_close(struct pw_mounts *m)
{
	if (!m)
		return;
	if (m->v1_cpuset_fd >= 0)
		close(m->v1_cpuset_fd);
	if (m->v2_fd >= 0)
		close(m->v2_fd);
	m->v1_cpuset_fd = m->v2_fd = -1;
}

int pw_mounts_fd(const struct pw_mounts *m, int hierarchy)
{
	if (hierarchy == 0)
		return m->v2_fd;
	if (hierarchy == m->v1_cpuset_hierarchy)
		return m->v1_cpuset_fd;
	return -1;
}

int pw_mounts_cpuset_hierarchy(const struct pw_mounts *m)
{
	return m->v1_cpuset_fd >= 0 && m->v1_cpuset_hierarchy > 0 ? m->v1_cpuset_hierarchy : 0;
}

int pw_cgroup_open(int root_fd, const char *rel, int flags)
{
	struct open_how how = {
		.flags = flags | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	if (root_fd < 0)
		return -EBADF;
	/* Relative to the mount: "/a/b" -> "a/b", the root itself is ".". */
	while (*rel == '/')
		rel++;
	fd = syscall(SYS_openat2, root_fd, *rel ? rel : ".", &how, sizeof(how));
	return fd < 0 ? -errno : fd;
}

ssize_t pw_cgroup_read(int root_fd, const char *rel, const char *name, char *buf, size_t size)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd, len;

	len = snprintf(path, sizeof(path), "%s/%s", rel, name);
	if (len < 0 || (size_t)len >= sizeof(path))
		return -ENAMETOOLONG;
	fd = pw_cgroup_open(root_fd, path, O_RDONLY);
	if (fd < 0)
		return fd;
	n = read(fd, buf, size - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return n;
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return n;
}

/* The mount path of hierarchy, for log lines. */
static const char *mount_path(const struct pw_mounts *m, int hierarchy)
{
	return hierarchy == 0 ? m->v2 : m->v1_cpuset;
}

/* Test hook: writes left before the process dies as if by kill -9; -1 is off. */
static long crash_after_writes = -1;

void pw_cgroup_crash_after(long writes)
{
	crash_after_writes = writes;
}

int pw_cgroup_write(const struct pw_mounts *m, int hierarchy, const char *rel, const char *name,
		    const char *value, bool dry_run)
{
	int root = pw_mounts_fd(m, hierarchy), fd, err = 0, len;
	char path[PATH_MAX];
	const char *shown = value[0] == '\n' ? "\\n" : value;

	len = snprintf(path, sizeof(path), "%s/%s", rel, name);
	if (len < 0 || (size_t)len >= sizeof(path))
		return -ENAMETOOLONG;
	if (dry_run) {
		fprintf(stderr, "pinwatch: dry run: would write '%s' to '%s%s'\n", shown,
			mount_path(m, hierarchy), path);
		return 0;
	}
	if (crash_after_writes == 0)
		_exit(137); /* no cleanup at all, as after SIGKILL */
	if (crash_after_writes > 0)
		crash_after_writes--;
	fd = pw_cgroup_open(root, path, O_WRONLY);
	if (fd < 0) {
		err = fd;
	} else {
		if (write(fd, value, strlen(value)) < 0)
			err = -errno;
		close(fd);
	}
	if (err)
		fprintf(stderr, "pinwatch: failed to write '%s' to '%s%s': %s\n", shown,
			mount_path(m, hierarchy), path, strerror(-err));
	else
		fprintf(stderr, "pinwatch: wrote '%s' to '%s%s'\n", shown, mount_path(m, hierarchy),
			path);
	return err;
}

/* The parent directory fd and last component of rel, beneath hierarchy's mount. */
static int open_parent(const struct pw_mounts *m, int hierarchy, const char *rel,
		       const char **base)
{
	char parent[PATH_MAX];
	const char *slash = strrchr(rel, '/');

	if (!slash || !slash[1] || !strcmp(slash + 1, ".") || !strcmp(slash + 1, ".."))
		return -EINVAL;
	snprintf(parent, sizeof(parent), "%.*s", (int)(slash - rel), rel);
	*base = slash + 1;
	return pw_cgroup_open(pw_mounts_fd(m, hierarchy), parent, O_RDONLY | O_DIRECTORY);
}

int pw_cgroup_mkdir(const struct pw_mounts *m, int hierarchy, const char *rel, bool dry_run)
{
	const char *base;
	int dir, err = 0;

	if (dry_run) {
		fprintf(stderr, "pinwatch: dry run: would make cgroup '%s%s'\n",
			mount_path(m, hierarchy), rel);
		return 0;
	}
	dir = open_parent(m, hierarchy, rel, &base);
	if (dir < 0)
		return dir;
	if (mkdirat(dir, base, 0755) && errno != EEXIST)
		err = -errno;
	close(dir);
	fprintf(stderr, "pinwatch: %s cgroup '%s%s'%s%s\n", err ? "failed to make" : "made",
		mount_path(m, hierarchy), rel, err ? ": " : "", err ? strerror(-err) : "");
	return err;
}

int pw_cgroup_rmdir(const struct pw_mounts *m, int hierarchy, const char *rel, bool dry_run)
{
	const char *base;
	int dir, err = 0;

	if (dry_run) {
		fprintf(stderr, "pinwatch: dry run: would remove cgroup '%s%s'\n",
			mount_path(m, hierarchy), rel);
		return 0;
	}
	dir = open_parent(m, hierarchy, rel, &base);
	if (dir < 0)
		return dir == -ENOENT ? 0 : dir;
	if (unlinkat(dir, base, AT_REMOVEDIR) && errno != ENOENT)
		err = -errno;
	close(dir);
	fprintf(stderr, "pinwatch: %s cgroup '%s%s'%s%s\n", err ? "failed to remove" : "removed",
		mount_path(m, hierarchy), rel, err ? ": " : "", err ? strerror(-err) : "");
	return err;
}
