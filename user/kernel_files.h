/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel's own files the knobs change, beneath /proc (IRQ affinity) and
 * /sys (per-CPU PM QoS, cpufreq): opened beneath the root's directory fd,
 * refusing symlinks and other mounts, and written only when the file is on
 * the filesystem it should be (procfs, sysfs). Tests give other roots (a
 * fake sysfs for cpufreq, which these machines lack); then the filesystem
 * is not checked. Reads go through pw_read_beneath() (cgroupfs.h), beneath
 * one of the roots' fds.
 */
#ifndef PW_KERNEL_FILES_H
#define PW_KERNEL_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct pw_kernel_files {
	int proc_fd, sys_fd;
	char proc[64], sys[64]; /* for messages */
	bool real;		/* /proc and /sys themselves: their filesystems are checked */
	bool dry_run;		/* log every write, make none */
};

/* Open proc and sys (NULL: /proc, /sys). 0 or -errno (said). */
int pw_kernel_files_open(struct pw_kernel_files *f, const char *proc, const char *sys);
void pw_kernel_files_close(struct pw_kernel_files *f);

/*
 * Write value to rel beneath root_fd with one write(2); the result is
 * logged with path and value (every change the agent makes leaves a line).
 * quiet_err: an error the caller explains itself is not said here. 0 or -errno.
 */
int pw_kernel_write(const struct pw_kernel_files *f, int root_fd, const char *rel,
		    const char *value, int quiet_err);

#endif /* PW_KERNEL_FILES_H */
