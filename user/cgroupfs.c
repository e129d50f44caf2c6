// SPDX-License-Identifier: GPL-2.0-only
/* cgroup mounts, and reads and checked writes beneath them. */
#include "cgroupfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "clock.h"
#include "fault.h"
#include "log.h"
#include "privileges.h"

#include <linux/capability.h>

static uint64_t mount_id(int fd)
{
	struct statx stx;

	if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_MNT_ID, &stx) ||
	    !(stx.stx_mask & STATX_MNT_ID))
		return 0;
	return stx.stx_mnt_id;
}

static void open_mount(struct pw_mount *mnt)
{
	mnt->fd = open(mnt->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	mnt->mnt_id = mnt->fd >= 0 ? mount_id(mnt->fd) : 0;
}

/* The v1 hierarchy whose controllers include ctrl, or -1. */
static int hierarchy_of(const struct pw_hierarchies *h, const char *ctrl)
{
	size_t len = strlen(ctrl);

	for (int id = 1; id < PW_MAX_HIERARCHIES; id++)
		for (const char *p = h->names[id]; p && *p;
		     p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
			if (!strncmp(p, ctrl, len) && (p[len] == ',' || !p[len]))
				return id;
	return -1;
}

int pw_mounts_open(struct pw_mounts *m)
{
	char dev[256], dir[PW_MOUNT_PATH_LEN], type[64], opts[1024];
	FILE *f = fopen("/proc/self/mounts", "re");

	memset(m, 0, sizeof(*m));
	m->v1_cpuset.fd = m->v2.fd = m->v1_cpu.fd = -1;
	m->v1_cpuset_hierarchy = m->v1_cpu_hierarchy = -1;
	if (!f)
		return -errno;
	while (fscanf(f, "%255s %255s %63s %1023s %*d %*d", dev, dir, type, opts) == 4) {
		if (!strcmp(type, "cgroup2") && !m->v2.path[0]) {
			snprintf(m->v2.path, sizeof(m->v2.path), "%s", dir);
		} else if (!strcmp(type, "cgroup")) {
			bool cpuset = false, v2_mode = false;

			/* The controller is one of the comma-separated options. */
			for (char *save = NULL, *o = strtok_r(opts, ",", &save); o;
			     o = strtok_r(NULL, ",", &save)) {
				if (!strcmp(o, "cpuset") && !m->v1_cpuset.path[0]) {
					snprintf(m->v1_cpuset.path, sizeof(m->v1_cpuset.path), "%s",
						 dir);
					cpuset = true;
				}
				v2_mode |= !strcmp(o, "cpuset_v2_mode");
				if (!strcmp(o, "cpu") && !m->v1_cpu.path[0])
					snprintf(m->v1_cpu.path, sizeof(m->v1_cpu.path), "%s", dir);
			}
			if (cpuset)
				m->v1_cpuset_v2_mode = v2_mode;
		}
	}
	fclose(f);
	pw_hierarchies_load(&m->hierarchies);
	if (m->v1_cpuset.path[0]) {
		open_mount(&m->v1_cpuset);
		if (m->hierarchies.cpuset_id > 0)
			m->v1_cpuset_hierarchy = m->hierarchies.cpuset_id;
	}
	if (m->v1_cpu.path[0]) {
		open_mount(&m->v1_cpu);
		m->v1_cpu_hierarchy = hierarchy_of(&m->hierarchies, "cpu");
	}
	if (m->v2.path[0])
		open_mount(&m->v2);
	if (m->v1_cpuset.fd < 0 && m->v2.fd < 0)
		return -ENOENT;
	return 0;
}

void pw_mounts_close(struct pw_mounts *m)
{
	if (!m)
		return;
	if (m->v1_cpuset.fd >= 0)
		close(m->v1_cpuset.fd);
	if (m->v2.fd >= 0)
		close(m->v2.fd);
	if (m->v1_cpu.fd >= 0)
		close(m->v1_cpu.fd);
	m->v1_cpuset.fd = m->v2.fd = m->v1_cpu.fd = -1;
}

const char *pw_mounts_effective_cpus_file(const struct pw_mounts *m, int hierarchy)
{
	if (hierarchy == 0)
		return "cpuset.cpus.effective";
	return m->v1_cpuset_v2_mode ? "cpuset.effective_cpus" : "cpuset.cpus";
}

const struct pw_mount *pw_mounts_get(const struct pw_mounts *m, int hierarchy)
{
	if (hierarchy == 0)
		return m->v2.fd >= 0 ? &m->v2 : NULL;
	if (hierarchy == m->v1_cpuset_hierarchy && m->v1_cpuset.fd >= 0)
		return &m->v1_cpuset;
	if (hierarchy == m->v1_cpu_hierarchy && m->v1_cpu.fd >= 0)
		return &m->v1_cpu;
	return NULL;
}

int pw_mounts_fd(const struct pw_mounts *m, int hierarchy)
{
	const struct pw_mount *mnt = pw_mounts_get(m, hierarchy);

	return mnt ? mnt->fd : -1;
}

int pw_mounts_cpu_hierarchy(const struct pw_mounts *m)
{
	return m->v1_cpu.fd >= 0 && m->v1_cpu_hierarchy > 0 ? m->v1_cpu_hierarchy : 0;
}

int pw_mounts_cpuset_hierarchy(const struct pw_mounts *m)
{
	return m->v1_cpuset.fd >= 0 && m->v1_cpuset_hierarchy > 0 ? m->v1_cpuset_hierarchy : 0;
}

int pw_mounts_lock_host(const struct pw_mounts *m)
{
	const struct pw_mount *mnt = pw_mounts_get(m, pw_mounts_cpuset_hierarchy(m));
	int fd, err;

	if (!mnt)
		return -ENOENT;
	fd = open(mnt->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (!flock(fd, LOCK_EX | LOCK_NB))
		return fd;
	err = errno == EWOULDBLOCK ? -EBUSY : -errno;
	close(fd);
	if (err == -EBUSY)
		pw_err("another pinwatch agent or restore manages this host's cpusets (it holds the "
		       "lock on '%s'): stop it first",
		       mnt->path);
	else
		pw_err("cannot lock '%s': %s", mnt->path, strerror(-err));
	return err;
}

ssize_t pw_cgroup_read(int root_fd, const char *rel, const char *name, char *buf, size_t size)
{
	char path[PATH_MAX];
	int len;

	len = snprintf(path, sizeof(path), "%s/%s", rel, name);
	if (len < 0 || (size_t)len >= sizeof(path))
		return -ENAMETOOLONG;
	return pw_read_beneath(root_fd, path, buf, size);
}

bool pw_cgroup_populated(const struct pw_mounts *m, int hierarchy, const char *rel, int dir_fd)
{
	/* cgroup2 says so in cgroup.events; a v1 cgroup has tasks or not. */
	const char *name = hierarchy == 0 ? "cgroup.events" : "cgroup.procs";
	char buf[256];
	ssize_t n;

	if (dir_fd >= 0)
		n = pw_read_at(dir_fd, name, buf, sizeof(buf));
	else
		n = pw_cgroup_read(pw_mounts_fd(m, hierarchy), rel, name, buf, sizeof(buf));
	return n > 0 && (hierarchy != 0 || strstr(buf, "populated 1"));
}

bool pw_cgroup_root_owned(const struct pw_mounts *m, int hierarchy, const char *rel, int dir_fd)
{
	struct stat st;
	int fd = dir_fd, err;

	if (fd < 0)
		fd = pw_open_beneath(pw_mounts_fd(m, hierarchy), rel, O_PATH | O_DIRECTORY);
	if (fd < 0)
		return false;
	err = fstat(fd, &st);
	if (fd != dir_fd)
		close(fd);
	return !err && st.st_uid == 0;
}

/*
 * The file fd must be a cgroup file on mnt itself: a bind mount over a
 * cgroup file (a container with a host mount could arrange one) would pass
 * the path checks and redirect the write somewhere else.
 */
static int check_cgroup_file(int fd, const struct pw_mount *mnt)
{
	struct statfs sfs;

	if (fstatfs(fd, &sfs))
		return -errno;
	if (sfs.f_type != CGROUP_SUPER_MAGIC && sfs.f_type != CGROUP2_SUPER_MAGIC)
		return -EXDEV;
	if (mnt->mnt_id && mount_id(fd) != mnt->mnt_id)
		return -EXDEV;
	return 0;
}

/* Time spent in write(2) on cgroup files, ever: the kernel's own part of an apply. */
static uint64_t cgroup_write_ns;

uint64_t pw_cgroup_write_ns(void)
{
	return cgroup_write_ns;
}

int pw_cgroup_write(const struct pw_mounts *m, int hierarchy, const char *rel, const char *name,
		    const char *value, bool dry_run)
{
	const struct pw_mount *mnt = pw_mounts_get(m, hierarchy);
	const char *shown = value[0] == '\n' ? "\\n" : value;
	char path[PATH_MAX];
	int fd, err = 0, len;
	bool raised;

	len = snprintf(path, sizeof(path), "%s/%s", rel, name);
	if (len < 0 || (size_t)len >= sizeof(path))
		return -ENAMETOOLONG;
	if (!mnt)
		return -ENOENT;
	if (dry_run) {
		pw_info("dry run: would write '%s' to '%s%s'", shown, mnt->path, PW_Q(path));
		return 0;
	}
	err = pw_fault_before_kernel_write(path);
	/*
	 * A delegated cgroup's files are its owner's: the agent still owns the
	 * load-balance flag of one that spans an isolated CPU.
	 */
	raised = !err && pw_raise_capability(CAP_DAC_OVERRIDE);
	fd = err ? err : pw_open_beneath(mnt->fd, path, O_WRONLY);
	if (raised)
		pw_lower_capability(CAP_DAC_OVERRIDE);
	if (fd < 0) {
		err = fd;
	} else {
		err = check_cgroup_file(fd, mnt);
		if (!err) {
			uint64_t t0 = pw_monotonic_ns();

			if (write(fd, value, strlen(value)) < 0)
				err = -errno;
			cgroup_write_ns += pw_monotonic_ns() - t0;
		}
		close(fd);
	}
	if (err == -EXDEV)
		pw_err("refused to write '%s' to '%s%s': not a cgroup file of that mount (a bind "
		       "mount over it?)",
		       shown, mnt->path, PW_Q(path));
	else if (err)
		pw_err("failed to write '%s' to '%s%s': %s", shown, mnt->path, PW_Q(path),
		       strerror(-err));
	else
		pw_info("wrote '%s' to '%s%s'", shown, mnt->path, PW_Q(path));
	return err;
}

/* The parent directory fd and last component of rel, beneath mnt. */
static int open_parent(const struct pw_mount *mnt, const char *rel, const char **base)
{
	char parent[PATH_MAX];
	const char *slash = strrchr(rel, '/');

	if (!slash || !slash[1] || !strcmp(slash + 1, ".") || !strcmp(slash + 1, ".."))
		return -EINVAL;
	snprintf(parent, sizeof(parent), "%.*s", (int)(slash - rel), rel);
	*base = slash + 1;
	return pw_open_beneath(mnt->fd, parent, O_RDONLY | O_DIRECTORY);
}

/* mkdir (make true) or rmdir (make false) of rel beneath hierarchy's mount. */
static int cgroup_dir(const struct pw_mounts *m, int hierarchy, const char *rel, bool make,
		      bool dry_run)
{
	const struct pw_mount *mnt = pw_mounts_get(m, hierarchy);
	const char *base, *what = make ? "make" : "remove";
	int dir, err = 0;
	bool raised;

	if (!mnt)
		return -ENOENT;
	if (dry_run) {
		pw_info("dry run: would %s cgroup '%s%s'", what, mnt->path, PW_Q(rel));
		return 0;
	}
	dir = open_parent(mnt, rel, &base);
	if (dir < 0)
		return !make && dir == -ENOENT ? 0 : dir;
	pw_fault_before_kernel_write(rel);
	/* A hierarchy's root is mode 0555: only the override makes a cgroup right below it. */
	raised = pw_raise_capability(CAP_DAC_OVERRIDE);
	if (make && mkdirat(dir, base, 0755) && errno != EEXIST)
		err = -errno;
	if (!make && unlinkat(dir, base, AT_REMOVEDIR))
		err = -errno;
	if (raised)
		pw_lower_capability(CAP_DAC_OVERRIDE);
	close(dir);
	/* Already gone is what was wanted: nothing happened, so nothing is said. */
	if (err == -ENOENT && !make)
		return 0;
	if (err)
		pw_err("failed to %s cgroup '%s%s': %s", what, mnt->path, PW_Q(rel),
		       strerror(-err));
	else
		pw_info("%s cgroup '%s%s'", make ? "made" : "removed", mnt->path, PW_Q(rel));
	return err;
}

int pw_cgroup_mkdir(const struct pw_mounts *m, int hierarchy, const char *rel, bool dry_run)
{
	return cgroup_dir(m, hierarchy, rel, true, dry_run);
}

int pw_cgroup_rmdir(const struct pw_mounts *m, int hierarchy, const char *rel, bool dry_run)
{
	return cgroup_dir(m, hierarchy, rel, false, dry_run);
}
