// SPDX-License-Identifier: GPL-2.0-only
/* Depth-first walk of a cgroup hierarchy, bounded in depth and path length. */
#include "cgroup_walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "beneath.h"

struct walk {
	pw_cgroup_walk_fn fn;
	void *arg;
	unsigned long too_deep;
	char path[PATH_MAX];
};

/*
 * kernfs gives a directory 2 + its subdirectories as its link count: one
 * of 2 has no child cgroup to list.
 */
#define KERNFS_LEAF_NLINK 2

/* Visit dir_fd (the cgroup at w->path[0..len)) and everything below; closes dir_fd. */
static int visit(struct walk *w, int dir_fd, size_t len, int depth)
{
	struct dirent *de;
	struct stat st;
	DIR *dir;
	int ret;

	if (fstat(dir_fd, &st)) {
		close(dir_fd);
		return 0; /* gone meanwhile */
	}
	ret = w->fn(len ? w->path : "/", len ? len : 1, depth, dir_fd, &st, w->arg);
	if (ret || st.st_nlink == KERNFS_LEAF_NLINK) {
		close(dir_fd);
		return ret;
	}
	dir = fdopendir(dir_fd);
	if (!dir) {
		close(dir_fd);
		return 0;
	}
	while ((de = readdir(dir))) {
		size_t name_len = strlen(de->d_name);
		int child;

		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (depth + 1 > PW_CGROUP_WALK_MAX_DEPTH || len + 1 + name_len >= sizeof(w->path)) {
			w->too_deep++;
			continue;
		}
		child = openat(dirfd(dir), de->d_name,
			       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (child < 0)
			continue; /* removed meanwhile */
		w->path[len] = '/';
		memcpy(w->path + len + 1, de->d_name, name_len + 1);
		ret = visit(w, child, len + 1 + name_len, depth + 1);
		w->path[len] = '\0';
		if (ret)
			break;
	}
	closedir(dir);
	return ret;
}

int pw_cgroup_walk(int root_fd, pw_cgroup_walk_fn fn, void *arg, unsigned long *too_deep)
{
	struct walk *w;
	int fd, ret;

	fd = pw_open_beneath(root_fd, "", O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return fd;
	/* PATH_MAX of path on the heap: the walk recurses. */
	w = calloc(1, sizeof(*w));
	if (!w) {
		close(fd);
		return -ENOMEM;
	}
	w->fn = fn;
	w->arg = arg;
	ret = visit(w, fd, 0, 0);
	if (too_deep)
		*too_deep = w->too_deep;
	free(w);
	return ret;
}
