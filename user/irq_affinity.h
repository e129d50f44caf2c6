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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpulist.h"
#include "journal.h"
#include "kernel_files.h"

struct pw_irq_affinity {
	struct pw_journal *journal;    /* the irq-load-balancing entries, the saved IRQs */
	struct pw_kernel_files *files; /* /proc's irq/ beneath it */
	const struct pw_cpus *host;    /* where IRQs may go: the CPUs of the cpuset root */
	/*
	 * A running irqbalance's control socket directory (NULL: not talked to,
	 * as with a test's own /proc), and whether the last ask may not have
	 * reached it (asked again at the next sync).
	 */
	const char *irqbalance_dir;
	bool irqbalance_unsure;
	/*
	 * IRQs the kernel will not move (managed IRQs answer EIO): said once,
	 * left alone, and looked at again after a while (IRQ numbers are reused).
	 */
	int *unmovable;
	size_t nr_unmovable;
	uint64_t unmovable_since_ms;
	bool no_room_said; /* "no CPU would be left to them", said for the present CPUs */
};

/* Make every IRQ match the journal's entries. 0 or the first -errno (said). */
int pw_irq_affinity_sync(struct pw_irq_affinity *ia);

/* Forget what was learnt (the unmovable IRQs); the journal and files stay the caller's. */
void pw_irq_affinity_free(struct pw_irq_affinity *ia);

#endif /* PW_IRQ_AFFINITY_H */
