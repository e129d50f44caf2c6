/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * irq-load-balancing: every IRQ's affinity (/proc/irq/N/smp_affinity_list)
 * and the default for IRQs yet to come (/proc/irq/default_smp_affinity)
 * kept off the CPUs of the containers that ask, which the journal's
 * irq-load-balancing entries list. Each IRQ's affinity before the agent
 * moved it is saved in the journal before the move, and written back when
 * no container asks any more (or when its own affinity would no longer
 * touch an isolated CPU), only where it still holds what the agent set.
 */
#ifndef PW_IRQ_AFFINITY_H
#define PW_IRQ_AFFINITY_H

#include "tuner.h"

/* Make every IRQ match the journal's entries. 0 or the first -errno (said). */
int pw_irq_affinity_sync(struct pw_tuner *tu);

#endif /* PW_IRQ_AFFINITY_H */
