// SPDX-License-Identifier: GPL-2.0-only
/*
 * named_sleeper SECONDS [ARGS...]: sleep, whatever it is named and whatever
 * else its command line says. Copied into a container's rootfs under a
 * runtime's or daemon's name (dockerd, containerd-shim), it is what an
 * attacker inside would run to pose as one (tests/integration/test_trust.sh).
 */
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	unsigned int s = argc > 1 ? (unsigned int)atoi(argv[1]) : 60;

	sleep(s);
	return 0;
}
