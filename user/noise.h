/* SPDX-License-Identifier: GPL-2.0-only */
/* `pinwatch noise`: what runs on isolated CPUs that is not their container, live. */
#ifndef PW_NOISE_H
#define PW_NOISE_H

int cmd_noise(int argc, char **argv);

#endif /* PW_NOISE_H */
