/* SPDX-License-Identifier: GPL-2.0-only */
/* `pinwatch ps`: a snapshot of the containers and their CPUs. */
#ifndef PW_PS_H
#define PW_PS_H

int cmd_ps(int argc, char **argv);

#endif /* PW_PS_H */
