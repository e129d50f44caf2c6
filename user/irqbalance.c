// SPDX-License-Identifier: GPL-2.0-only
/* Talking to a running irqbalance through its control socket. */
#include "irqbalance.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "runtime_procs.h"

/* irqbalance reads one message of at most 500 bytes per connection. */
#define MESSAGE_MAX 500
/* Its answer to "setup": the sleep, its banned IRQs, and the mask. */
#define ANSWER_MAX 16384
/* irqbalance answers between its passes: a busy one may take a moment, not more. */
#define TIMEOUT_MS 1000

static int socket_path(const char *dir, pid_t pid, char *out, size_t size)
{
	int n = snprintf(out, size, "%s/irqbalance%d.sock", dir, (int)pid);

	return n > 0 && (size_t)n < size ? 0 : -ENAMETOOLONG;
}

/*
 * The socket is irqbalance's if it and its directory are root's and only
 * root may write the directory: nobody else could have put it there.
 */
static bool socket_trusted(const char *dir, const char *path)
{
	struct stat d, s;

	return !lstat(dir, &d) && S_ISDIR(d.st_mode) && d.st_uid == 0 &&
	       !(d.st_mode & (S_IWGRP | S_IWOTH)) && !lstat(path, &s) && S_ISSOCK(s.st_mode) &&
	       s.st_uid == 0;
}

bool pw_irqbalance_alive(const char *socket_dir, pid_t pid)
{
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];

	return pid > 0 && !socket_path(socket_dir, pid, path, sizeof(path)) &&
	       socket_trusted(socket_dir, path);
}

pid_t pw_irqbalance_find(const char *socket_dir)
{
	pid_t pid = pw_host_process_by_comm("irqbalance");

	return pw_irqbalance_alive(socket_dir, pid) ? pid : 0;
}

static int wait_for(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };
	int n = poll(&p, 1, TIMEOUT_MS);

	if (n < 0)
		return -errno;
	return n ? 0 : -ETIMEDOUT;
}

/* Send one message; with answer, read what irqbalance sends back until it closes. */
static int talk(const char *dir, pid_t pid, const char *message, char *answer, size_t size)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	size_t len = strlen(message), got = 0;
	int fd, err = 0;
	ssize_t n;

	if (len >= MESSAGE_MAX)
		return -E2BIG;
	err = socket_path(dir, pid, addr.sun_path, sizeof(addr.sun_path));
	if (err)
		return err;
	if (!socket_trusted(dir, addr.sun_path))
		return -EPERM;
	/* Non-blocking: a socket path must never stall the agent's loop for long. */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) &&
	    (errno != EINPROGRESS && errno != EAGAIN)) {
		err = -errno;
		goto cleanup;
	}
	err = wait_for(fd, POLLOUT);
	if (err)
		goto cleanup;
	/* One send, one segment: irqbalance reads the message with a single recvmsg. */
	n = send(fd, message, len, MSG_NOSIGNAL);
	if (n != (ssize_t)len) {
		err = n < 0 ? -errno : -EIO;
		goto cleanup;
	}
	while (answer && got + 1 < size) {
		err = wait_for(fd, POLLIN);
		if (err)
			goto cleanup;
		n = recv(fd, answer + got, size - 1 - got, 0);
		if (n < 0 && errno == EAGAIN)
			continue;
		if (n < 0) {
			err = -errno;
			goto cleanup;
		}
		if (n == 0)
			break;
		got += n;
	}
	if (answer)
		answer[got] = '\0';
cleanup:
	close(fd);
	return err;
}

int pw_irqbalance_parse_setup(const char *answer, struct pw_cpus *out)
{
	const char *mask = strstr(answer, "BANNED ");
	const char *why;
	size_t len;

	if (!mask)
		return -EINVAL;
	mask += strlen("BANNED ");
	len = strspn(mask, "0123456789abcdefABCDEF,");
	if (!len)
		return -EINVAL;
	return pw_cpus_parse_mask(mask, len, out, &why) ? -EINVAL : 0;
}

int pw_irqbalance_banned(const char *socket_dir, pid_t pid, struct pw_cpus *out)
{
	char answer[ANSWER_MAX];
	int err = talk(socket_dir, pid, "setup", answer, sizeof(answer));

	return err ? err : pw_irqbalance_parse_setup(answer, out);
}

int pw_irqbalance_ban(const char *socket_dir, pid_t pid, const struct pw_cpus *cpus)
{
	char list[PW_CPULIST_LEN], message[MESSAGE_MAX];

	/*
	 * "NULL" gives it back its own configuration's bans. Never an empty
	 * list: irqbalance 1.9 dereferences what strtok finds in it.
	 */
	if (pw_cpus_empty(cpus))
		snprintf(list, sizeof(list), "NULL");
	else
		pw_cpus_format(cpus, list, sizeof(list));
	if ((size_t)snprintf(message, sizeof(message), "settings cpus %s", list) >= sizeof(message))
		return -E2BIG;
	return talk(socket_dir, pid, message, NULL, 0);
}
