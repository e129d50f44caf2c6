/* SPDX-License-Identifier: GPL-2.0-only */
/* `pinwatch restore`: undo everything the agent's journal holds. */
#ifndef PW_RESTORE_H
#define PW_RESTORE_H

int cmd_restore(int argc, char **argv);

#endif /* PW_RESTORE_H */
