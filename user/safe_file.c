// SPDX-License-Identifier: GPL-2.0-only
/* Component-by-component resolution with owner, mode and filesystem checks. */
#include "safe_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "privileges.h"

/* Symlinks followed in one resolution at most, as the kernel's MAXSYMLINKS. */
#define MAX_LINKS 40

/*
 * Filesystems whose lookups are served by the kernel alone. Everything else
 * (fuse.*, fuseblk, nfs, cifs, 9p, virtiofs, ...) may wait on someone else.
 */
static const char *const local_fs[] = {
	"ext2",	 "ext3",  "ext4",   "xfs",     "btrfs",	   "f2fs",    "zfs",
	"tmpfs", "ramfs", "rootfs", "overlay", "squashfs", "erofs",   "devtmpfs",
	"proc",	 "sysfs", "cgroup", "cgroup2", "bpf",	   "tracefs",
};

static bool fs_type_is_local(const char *type)
{
	for (size_t i = 0; i < sizeof(local_fs) / sizeof(local_fs[0]); i++)
		if (!strcmp(type, local_fs[i]))
			return true;
	return false;
}

/*
 * Mount ids are reused once a mount goes, so what is known of them is kept
 * only until the mount table changes: /proc/self/mountinfo polls POLLPRI
 * then.
 */
#define MOUNT_CACHE 32

static struct {
	int fd; /* /proc/self/mountinfo, kept open to poll; -1 until first use */
	size_t nr;
	struct {
		uint64_t id;
		bool local;
	} known[MOUNT_CACHE];
} mounts = { .fd = -1 };

static void forget_mounts_if_changed(void)
{
	struct pollfd p;

	if (mounts.fd < 0) {
		mounts.fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
		mounts.nr = 0;
		return;
	}
	p.fd = mounts.fd;
	p.events = POLLPRI;
	if (poll(&p, 1, 0) > 0 && (p.revents & (POLLPRI | POLLERR)))
		mounts.nr = 0;
}

/* Whether mount mnt_id is of a local filesystem, from /proc/self/mountinfo. */
static bool mount_is_local(uint64_t mnt_id)
{
	char line[4096];
	bool local = false;
	FILE *f;
	int fd;

	forget_mounts_if_changed();
	for (size_t i = 0; i < mounts.nr; i++)
		if (mounts.known[i].id == mnt_id)
			return mounts.known[i].local;
	if (mounts.fd < 0)
		return false;
	/* Reading through a dup clears the change notice of the fd polled. */
	fd = dup(mounts.fd);
	if (fd < 0)
		return false;
	lseek(fd, 0, SEEK_SET);
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return false;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long long id;
		char *dash, type[64];

		if (sscanf(line, "%llu", &id) != 1 || id != mnt_id)
			continue;
		/* Optional fields end at " - "; the filesystem type follows. */
		dash = strstr(line, " - ");
		local = dash && sscanf(dash + 3, "%63s", type) == 1 && fs_type_is_local(type);
		break;
	}
	fclose(f);
	if (mounts.nr < MOUNT_CACHE) {
		mounts.known[mounts.nr].id = mnt_id;
		mounts.known[mounts.nr].local = local;
		mounts.nr++;
	}
	return local;
}

/* Attributes of fd without asking its filesystem (no FUSE round trip). */
static int stat_fd(int fd, struct statx *stx)
{
	if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | AT_STATX_DONT_SYNC,
		  STATX_TYPE | STATX_MODE | STATX_UID | STATX_INO | STATX_SIZE | STATX_MNT_ID, stx))
		return -errno;
	return 0;
}

static bool writable_by_others(const struct statx *stx)
{
	return stx->stx_mode & (S_IWGRP | S_IWOTH);
}

/*
 * Check that the directory dir_fd may be looked into: on a local filesystem,
 * root's, and not writable by others unless sticky. *sticky tells the
 * caller to check the owner of the entry found inside it.
 */
static int check_dir(int dir_fd, bool *sticky, const char **why)
{
	struct statx stx;
	int err = stat_fd(dir_fd, &stx);

	if (err) {
		*why = "cannot stat a directory on the way";
		return err;
	}
	if (!(stx.stx_mask & STATX_MNT_ID) || !mount_is_local(stx.stx_mnt_id)) {
		*why = "on a filesystem that may block (FUSE, network) or is unknown";
		return -EPERM;
	}
	if (stx.stx_uid != 0) {
		*why = "a directory on the way is not owned by root";
		return -EPERM;
	}
	*sticky = stx.stx_mode & S_ISVTX;
	if (writable_by_others(&stx) && !*sticky) {
		*why = "a directory on the way is writable by others";
		return -EPERM;
	}
	return 0;
}

/*
 * Resolve path to an O_PATH fd of its last component (not followed if a
 * symlink) and the O_PATH fd of its parent directory.
 */
static int resolve(const char *path, int *parent_out, int *leaf_out, const char **why)
{
	char *work = NULL, *rest, *comp;
	int dir = -1, next = -1, err = 0, links = 0;
	size_t len = strlen(path);

	*parent_out = *leaf_out = -1;
	if (path[0] != '/' || len >= PATH_MAX) {
		*why = "not an absolute path of at most PATH_MAX bytes";
		return -EINVAL;
	}
	/* Room for symlink targets spliced in front of the rest. */
	work = malloc(2 * PATH_MAX);
	if (!work)
		return -ENOMEM;
	memcpy(work, path, len + 1);
	dir = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0) {
		err = -errno;
		goto cleanup;
	}
	rest = work;
	for (;;) {
		struct statx stx;
		bool sticky;

		while (*rest == '/')
			rest++;
		comp = rest;
		rest += strcspn(rest, "/");
		if (*rest)
			*rest++ = '\0';
		if (!*comp) {
			*why = "names a directory, not a file";
			err = -EISDIR;
			goto cleanup;
		}
		if (!strcmp(comp, "..")) {
			*why = "has a '..' component";
			err = -EINVAL;
			goto cleanup;
		}
		if (!strcmp(comp, "."))
			continue;
		err = check_dir(dir, &sticky, why);
		if (err)
			goto cleanup;
		next = openat(dir, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0) {
			err = -errno;
			*why = err == -ENOENT ? "does not exist" : "cannot be looked up";
			goto cleanup;
		}
		err = stat_fd(next, &stx);
		if (err) {
			*why = "cannot stat a component";
			goto cleanup;
		}
		if (sticky && stx.stx_uid != 0) {
			*why = "an entry in a sticky directory is not root's";
			err = -EPERM;
			goto cleanup;
		}
		if (S_ISLNK(stx.stx_mode)) {
			char target[PATH_MAX];
			ssize_t n;
			size_t rest_len = strlen(rest);

			if (!*rest) {
				*why = "the file is a symlink";
				err = -ELOOP;
				goto cleanup;
			}
			if (++links > MAX_LINKS || (stx.stx_uid != 0)) {
				*why = links > MAX_LINKS ? "too many symlinks" :
							   "a symlink on the way is not root's";
				err = links > MAX_LINKS ? -ELOOP : -EPERM;
				goto cleanup;
			}
			n = readlinkat(next, "", target, sizeof(target) - 1);
			if (n <= 0 || (size_t)n + 1 + rest_len + 1 > 2 * PATH_MAX) {
				*why = "a symlink on the way cannot be read";
				err = -ELOOP;
				goto cleanup;
			}
			target[n] = '\0';
			/* target + "/" + rest becomes what is left to resolve. */
			memmove(work + n + 1, rest, rest_len + 1);
			memcpy(work, target, n);
			work[n] = '/';
			rest = work;
			close(next);
			next = -1;
			if (target[0] == '/') {
				close(dir);
				dir = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
				if (dir < 0) {
					err = -errno;
					goto cleanup;
				}
			}
			continue;
		}
		if (!*rest) {
			*parent_out = dir;
			*leaf_out = next;
			dir = next = -1;
			goto cleanup;
		}
		if (!S_ISDIR(stx.stx_mode)) {
			*why = "a component on the way is not a directory";
			err = -ENOTDIR;
			goto cleanup;
		}
		close(dir);
		dir = next;
		next = -1;
	}
cleanup:
	if (next >= 0)
		close(next);
	if (dir >= 0)
		close(dir);
	free(work);
	return err;
}

/* Check the file (O_PATH fd) and open it for reading through its parent. */
static int open_checked_file(int parent, int leaf, const char *name, size_t max, const char **why)
{
	struct statx want, got;
	bool sticky;
	int fd, err;

	err = check_dir(parent, &sticky, why);
	if (err)
		return err;
	err = stat_fd(leaf, &want);
	if (err) {
		*why = "cannot stat the file";
		return err;
	}
	if (S_ISLNK(want.stx_mode)) {
		*why = "the file is a symlink";
		return -ELOOP;
	}
	if (!S_ISREG(want.stx_mode)) {
		*why = "not a regular file (a FIFO, a device or a directory)";
		return -EINVAL;
	}
	if (!(want.stx_mask & STATX_MNT_ID) || !mount_is_local(want.stx_mnt_id)) {
		*why = "on a filesystem that may block (FUSE, network) or is unknown";
		return -EPERM;
	}
	if ((want.stx_uid != 0) || writable_by_others(&want)) {
		*why = "not owned by root, or writable by others";
		return -EPERM;
	}
	if (want.stx_size > max) {
		*why = "larger than allowed";
		return -EFBIG;
	}
	fd = openat(parent, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		*why = "cannot be opened";
		return -errno;
	}
	/* The name may have changed hands between the check and the open. */
	if (stat_fd(fd, &got) || got.stx_ino != want.stx_ino || got.stx_mnt_id != want.stx_mnt_id) {
		close(fd);
		*why = "changed while it was opened";
		return -EAGAIN;
	}
	return fd;
}

/* Read fd into a new NUL-terminated buffer of at most max bytes. */
static int read_all(int fd, size_t max, char **buf, size_t *len, const char **why)
{
	size_t used = 0;
	char *b = malloc(max + 2);
	ssize_t n;

	if (!b)
		return -ENOMEM;
	/* The size may change under us: the bound is the buffer, not st_size. */
	while (used <= max && (n = read(fd, b + used, max + 1 - used)) > 0)
		used += n;
	if (n < 0) {
		int err = -errno;

		free(b);
		*why = "read failed";
		return err;
	}
	if (used > max) {
		free(b);
		*why = "larger than allowed";
		return -EFBIG;
	}
	b[used] = '\0';
	*buf = b;
	*len = used;
	return 0;
}

/* Check the file name (O_PATH fd leaf) in parent, then read it all. */
static int read_checked_file(int parent, int leaf, const char *name, size_t max, char **buf,
			     size_t *len, const char **why)
{
	int fd = open_checked_file(parent, leaf, name, max, why), err;

	if (fd < 0)
		return fd;
	err = read_all(fd, max, buf, len, why);
	close(fd);
	return err;
}

/*
 * Runtimes keep their state for root alone, some in directories nobody may
 * search (containerd's shim makes /run/containerd 0600): the commands that
 * read it hold CAP_DAC_READ_SEARCH, raised only while a trusted file or
 * directory is opened here, and only to read. Not held: the open fails
 * with EACCES, which the caller names.
 */
static bool raise_read_search(void)
{
	return pw_raise_capability(CAP_DAC_READ_SEARCH);
}

static void lower_read_search(bool raised)
{
	if (raised)
		pw_lower_capability(CAP_DAC_READ_SEARCH);
}

int pw_read_trusted_file(const char *path, size_t max, char **buf, size_t *len, const char **why)
{
	const char *name = strrchr(path, '/');
	bool raised = raise_read_search();
	int parent, leaf, err;

	*buf = NULL;
	*len = 0;
	err = resolve(path, &parent, &leaf, why);
	if (!err) {
		err = read_checked_file(parent, leaf, name ? name + 1 : path, max, buf, len, why);
		close(parent);
		close(leaf);
	}
	lower_read_search(raised);
	return err;
}

bool pw_trusted_path_exists(const char *path)
{
	bool raised = raise_read_search();
	int parent, leaf, err;
	const char *why;

	err = resolve(path, &parent, &leaf, &why);
	if (!err) {
		close(parent);
		close(leaf);
	}
	lower_read_search(raised);
	return !err;
}

static int open_trusted_dir(const char *path, const char **why)
{
	int parent, leaf, fd, err;
	struct statx stx;
	bool sticky;

	err = resolve(path, &parent, &leaf, why);
	if (err)
		return err;
	close(parent);
	err = stat_fd(leaf, &stx);
	if (!err && !S_ISDIR(stx.stx_mode)) {
		*why = "not a directory";
		err = -ENOTDIR;
	}
	if (!err)
		err = check_dir(leaf, &sticky, why);
	if (err) {
		close(leaf);
		return err;
	}
	/* Reopen for readdir: O_PATH fds cannot list. */
	fd = openat(leaf, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	err = fd < 0 ? -errno : 0;
	close(leaf);
	if (err)
		*why = "cannot be opened";
	return err ? err : fd;
}

int pw_open_trusted_dir(const char *path, const char **why)
{
	bool raised = raise_read_search();
	int fd = open_trusted_dir(path, why);

	lower_read_search(raised);
	return fd;
}

int pw_read_trusted_file_at(int dir_fd, const char *name, size_t max, char **buf, size_t *len,
			    const char **why)
{
	bool raised;
	int leaf, err;

	*buf = NULL;
	*len = 0;
	if (strchr(name, '/') || !strcmp(name, "..") || !strcmp(name, ".")) {
		*why = "not a plain file name";
		return -EINVAL;
	}
	raised = raise_read_search();
	leaf = openat(dir_fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (leaf < 0) {
		err = -errno;
		*why = err == -ENOENT ? "does not exist" : "cannot be looked up";
	} else {
		err = read_checked_file(dir_fd, leaf, name, max, buf, len, why);
		close(leaf);
	}
	lower_read_search(raised);
	return err;
}
