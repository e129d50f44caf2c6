/* SPDX-License-Identifier: GPL-2.0-only */
/* `pinwatch agent`: isolate opted-in containers' exclusive CPUs while they run. */
#ifndef PW_AGENT_H
#define PW_AGENT_H

int cmd_agent(int argc, char **argv);

#endif /* PW_AGENT_H */
