// SPDX-License-Identifier: GPL-2.0-only
/* pinwatch: subcommand dispatch. */
#include <stdio.h>
#include <string.h>

#include "agent.h"
#include "log.h"
#include "noise.h"
#include "ps.h"
#include "restore.h"
#include "trace.h"
#include "version.h"

static const char usage[] =
	"Usage: pinwatch COMMAND [OPTIONS]\n"
	"\n"
	"Watch how containers are pinned to CPUs, from the kernel, with any runtime.\n"
	"\n"
	"Commands:\n"
	"  trace     stream runtime execs, cgroup mkdir/rmdir and cpuset writes live\n"
	"  ps        list the containers, their pods and CPUs\n"
	"  agent     take opted-in containers' exclusive CPUs out of load balancing\n"
	"  restore   undo everything the agent's journal holds\n"
	"  noise     what runs on isolated CPUs that is not their container, live\n"
	"  version   print the version\n"
	"  help      show this help\n"
	"\n"
	"Run 'pinwatch COMMAND --help' for a command's options.\n";

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (!cmd || !strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		fputs(usage, cmd ? stdout : stderr);
		return cmd ? 0 : 2;
	}
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
		if (argc > 2) {
			pw_err("version takes no argument, got '%s'", PW_Q(argv[2]));
			return 2;
		}
		printf("pinwatch %s (commit %s, built %s)\n", pw_version(), pw_commit(),
		       pw_build_date());
		return 0;
	}
	if (!strcmp(cmd, "trace"))
		return cmd_trace(argc - 1, argv + 1);
	if (!strcmp(cmd, "ps"))
		return cmd_ps(argc - 1, argv + 1);
	if (!strcmp(cmd, "agent"))
		return cmd_agent(argc - 1, argv + 1);
	if (!strcmp(cmd, "restore"))
		return cmd_restore(argc - 1, argv + 1);
	if (!strcmp(cmd, "noise"))
		return cmd_noise(argc - 1, argv + 1);
	pw_err("unknown command '%s' (see pinwatch --help)", PW_Q(cmd));
	return 2;
}
