/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading files that decide what a root agent does (runtime state, bundle
 * config.json) when local users may control paths on the way: a file is
 * trusted only when root owns it and everything that could swap it.
 *
 * The path is resolved one component at a time beneath "/", never through a
 * symlink at the last component, through root-owned symlinks otherwise
 * (/var/run -> /run). Before anything is looked up in a directory, the
 * directory's filesystem is checked (mount id -> type from
 * /proc/self/mountinfo, asked without contacting the filesystem): only
 * local kernel filesystems pass, so a FUSE or network mount can never make
 * the agent wait. Every directory must be root's and not writable by group
 * or others (unless sticky, like /tmp: then the entry itself must be
 * root's); the file must be a regular file of root's, not writable by group
 * or others, and not larger than the caller's bound.
 */
#ifndef PW_SAFE_FILE_H
#define PW_SAFE_FILE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Read the trusted file at path (absolute) into a new buffer (NUL-terminated,
 * *len bytes without the NUL; the caller frees it). Returns 0, or -errno with
 * a static reason in *why: -ENOENT (missing), -EPERM (not trusted: owner,
 * mode or a blocking filesystem), -ELOOP (a symlink at the end, or too many),
 * -EINVAL (not a regular file), -EFBIG (over max bytes).
 */
int pw_read_trusted_file(const char *path, size_t max, char **buf, size_t *len, const char **why);

/* Whether path resolves under the same rules (its last component unchecked). */
bool pw_trusted_path_exists(const char *path);

/*
 * Open the directory at path (absolute) under the same rules, O_RDONLY, for
 * readdir. Returns an fd or -errno with *why.
 */
int pw_open_trusted_dir(const char *path, const char **why);

/*
 * Read the trusted file name inside an open trusted directory dir_fd (a
 * single name, no '/').
 */
int pw_read_trusted_file_at(int dir_fd, const char *name, size_t max, char **buf, size_t *len,
			    const char **why);

#endif /* PW_SAFE_FILE_H */
