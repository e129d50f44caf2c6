/* SPDX-License-Identifier: GPL-2.0-only */
/* `pinwatch agent` and `pinwatch restore`. */
#ifndef PW_AGENT_H
#define PW_AGENT_H

int cmd_agent(int argc, char **argv);
int cmd_restore(int argc, char **argv);

#endif /* PW_AGENT_H */
