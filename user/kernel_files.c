// SPDX-License-Identifier: GPL-2.0-only
/* Safe reads and writes of /proc and /sys files for the knobs. */
#include "kernel_files.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "beneath.h"
#include "fault.h"
#include "log.h"

static int open_root(const char *path, char *name, size_t size)
{
	int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);

	snprintf(name, size, "%s", path);
	if (fd < 0)
		pw_err("cannot open '%s': %s", PW_Q(path), strerror(errno));
	return fd < 0 ? -errno : fd;
}

int pw_kernel_files_open(struct pw_kernel_files *f, const char *proc, const char *sys)
{
	memset(f, 0, sizeof(*f));
	f->real = !proc && !sys;
	f->proc_fd = open_root(proc ? proc : "/proc", f->proc, sizeof(f->proc));
	f->sys_fd = open_root(sys ? sys : "/sys", f->sys, sizeof(f->sys));
	if (f->proc_fd < 0 || f->sys_fd < 0) {
		int err = f->proc_fd < 0 ? f->proc_fd : f->sys_fd;

		pw_kernel_files_close(f);
		return err;
	}
	return 0;
}

void pw_kernel_files_close(struct pw_kernel_files *f)
{
	if (f->proc_fd >= 0)
		close(f->proc_fd);
	if (f->sys_fd >= 0)
		close(f->sys_fd);
	f->proc_fd = f->sys_fd = -1;
}

/* The file is procfs's or sysfs's, as its root says: not something mounted over it. */
static int check_fs(const struct pw_kernel_files *f, int root_fd, int fd)
{
	struct statfs sfs;

	if (!f->real)
		return 0;
	if (fstatfs(fd, &sfs))
		return -errno;
	if (sfs.f_type != (root_fd == f->proc_fd ? PROC_SUPER_MAGIC : SYSFS_MAGIC))
		return -EXDEV;
	return 0;
}

int pw_kernel_write(const struct pw_kernel_files *f, int root_fd, const char *rel,
		    const char *value, int quiet_err)
{
	const char *root = root_fd == f->proc_fd ? f->proc : f->sys;
	int fd, err;

	if (f->dry_run) {
		pw_info("dry run: would write '%s' to '%s/%s'", value, root, PW_Q(rel));
		return 0;
	}
	err = pw_fault_before_kernel_write(rel);
	/* A test's fake files are regular files: a shorter value must not leave a tail. */
	fd = err ? err :
		   pw_open_beneath(root_fd, rel, O_WRONLY | O_NONBLOCK | (f->real ? 0 : O_TRUNC));
	if (fd < 0) {
		err = fd;
	} else {
		err = check_fs(f, root_fd, fd);
		if (!err && write(fd, value, strlen(value)) < 0)
			err = -errno;
		close(fd);
	}
	if (err == -EXDEV)
		pw_err("refused to write '%s' to '%s/%s': not a file of the kernel's own %s", value,
		       root, PW_Q(rel), root_fd == f->proc_fd ? "procfs" : "sysfs");
	else if (err && err != quiet_err)
		pw_err("failed to write '%s' to '%s/%s': %s", value, root, PW_Q(rel),
		       strerror(-err));
	else if (!err)
		pw_info("wrote '%s' to '%s/%s'", value, root, PW_Q(rel));
	return err;
}
