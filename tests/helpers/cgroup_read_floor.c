// SPDX-License-Identifier: GPL-2.0-only
/*
 * cgroup_read_floor DIR: the least a file-based `ps` reads of a cgroup
 * tree: for every cgroup below DIR its stat (id, owner, whether it has
 * children: kernfs gives a directory 2 + its subdirectories as link
 * count), its cgroup.procs (populated) and cpuset.cpus, each file read
 * through its parent's fd; a directory opened only to list its children.
 * Seven syscalls per leaf cgroup. Prints how many cgroups it read: the
 * footprint benchmark's floor for `pinwatch ps`.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KERNFS_LEAF_NLINK 2

static unsigned long cgroups, files;

static void read_file(int dir_fd, const char *name, const char *file)
{
	char path[NAME_MAX + 32], buf[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", name, file);
	fd = openat(dir_fd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (read(fd, buf, sizeof(buf)) >= 0)
		files++;
	close(fd);
}

static void visit(int dir_fd)
{
	struct dirent *de;
	DIR *dir = fdopendir(dir_fd);

	if (!dir) {
		close(dir_fd);
		return;
	}
	while ((de = readdir(dir))) {
		struct stat st;
		int child;

		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		cgroups++;
		read_file(dirfd(dir), de->d_name, "cgroup.procs");
		read_file(dirfd(dir), de->d_name, "cpuset.cpus");
		if (st.st_nlink == KERNFS_LEAF_NLINK)
			continue;
		child = openat(dirfd(dir), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (child >= 0)
			visit(child);
	}
	closedir(dir);
}

int main(int argc, char **argv)
{
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: cgroup_read_floor DIR\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "cgroup_read_floor: cannot open '%s': %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	visit(fd);
	printf("%lu cgroups, %lu files read\n", cgroups, files);
	return 0;
}
