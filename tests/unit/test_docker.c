// SPDX-License-Identifier: GPL-2.0-only
/* Docker's name for a container: its record found through the bundle's /etc/hostname mount. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "docker.h"
#include "unit.h"

#define ID "4b825dc642cb6eb9a060e54bf8d69288fbee4904a1b2c3d4e5f60718293a4b5c"

static int dir_of(const char *config, char *dir, size_t size)
{
	return pw_docker_dir_from_config(config, strlen(config), ID, dir, size);
}

UNIT_TEST(docker_dir_from_the_hostname_mount)
{
	char dir[256];

	CHECK_INT(dir_of("{\"mounts\": [{\"destination\": \"/proc\", \"source\": \"proc\"},"
			 "{\"destination\": \"/etc/hostname\", \"source\": "
			 "\"/srv/docker/containers/" ID "/hostname\"}]}",
			 dir, sizeof(dir)),
		  0);
	CHECK_STR(dir, "/srv/docker/containers/" ID);
	/* Another container's directory, a relative path, no such mount, not JSON. */
	CHECK_INT(dir_of("{\"mounts\": [{\"destination\": \"/etc/hostname\", \"source\": "
			 "\"/srv/docker/containers/0" ID "/hostname\"}]}",
			 dir, sizeof(dir)),
		  -EINVAL);
	CHECK_INT(dir_of("{\"mounts\": [{\"destination\": \"/etc/hostname\", \"source\": "
			 "\"containers/" ID "/hostname\"}]}",
			 dir, sizeof(dir)),
		  -EINVAL);
	CHECK_INT(dir_of("{\"mounts\": []}", dir, sizeof(dir)), -ENOENT);
	CHECK_INT(dir_of("{\"mounts\": 7}", dir, sizeof(dir)), -ENOENT);
	CHECK_INT(dir_of("[", dir, sizeof(dir)), -EINVAL);
	CHECK_INT(dir_of("{\"mounts\": [{\"destination\": \"/etc/hostname\", \"source\": "
			 "\"/srv/docker/containers/" ID "/hostname\"}]}",
			 dir, 8),
		  -ENAMETOOLONG);
}

UNIT_TEST(docker_name_from_its_record)
{
	char name[64];

	CHECK_INT(pw_docker_name_from_record("{\"ID\": \"x\", \"Name\": \"/web\"}", 27, name,
					     sizeof(name)),
		  0);
	CHECK_STR(name, "web");
	CHECK_INT(pw_docker_name_from_record("{\"Name\": 7}", 11, name, sizeof(name)), -ENOENT);
	CHECK_INT(pw_docker_name_from_record("{\"Name\": \"/\"}", 13, name, sizeof(name)), -ENOENT);
	CHECK_INT(pw_docker_name_from_record("nope", 4, name, sizeof(name)), -EINVAL);
}

UNIT_TEST(docker_name_through_the_bundle)
{
	char top[] = "/tmp/pwunit-docker-XXXXXX", path[512], name[64] = "";
	FILE *f;

	CHECK(mkdtemp(top) != NULL);
	chmod(top, 0755);
	snprintf(path, sizeof(path), "%s/bundle", top);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/" ID, top);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/bundle/config.json", top);
	f = fopen(path, "w");
	fprintf(f,
		"{\"mounts\": [{\"destination\": \"/etc/hostname\", \"source\": \"%s/" ID
		"/hostname\"}]}",
		top);
	fclose(f);
	snprintf(path, sizeof(path), "%s/" ID "/config.v2.json", top);
	f = fopen(path, "w");
	fputs("{\"Name\": \"/db-0\"}", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/bundle", top);
	CHECK_INT(pw_docker_name(path, ID, name, sizeof(name)), 0);
	CHECK_STR(name, "db-0");
	/* A record others can write names nothing. */
	snprintf(path, sizeof(path), "%s/" ID "/config.v2.json", top);
	chmod(path, 0666);
	snprintf(path, sizeof(path), "%s/bundle", top);
	CHECK_INT(pw_docker_name(path, ID, name, sizeof(name)), -EPERM);
	CHECK_INT(pw_docker_name(path, "../x", name, sizeof(name)), -EINVAL);
	snprintf(path, sizeof(path), "rm -rf '%s'", top);
	CHECK_INT(system(path), 0);
}
