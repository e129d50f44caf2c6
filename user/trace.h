/* SPDX-License-Identifier: GPL-2.0-only */
/* `pinwatch trace`: stream events live. */
#ifndef PW_TRACE_H
#define PW_TRACE_H

int cmd_trace(int argc, char **argv);

#endif /* PW_TRACE_H */
