/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * /proc/interrupts and /proc/softirqs: one table each, a row per interrupt
 * (number or name, e.g. "24", "LOC", "TIMER") and a column per CPU the
 * header lists (online CPUs only: a column is not a CPU number).
 */
#ifndef PW_INTERRUPTS_H
#define PW_INTERRUPTS_H

#include <stddef.h>

#define PW_IRQ_NAME_LEN 16
#define PW_IRQ_DESC_LEN 64

struct pw_irq_row {
	char name[PW_IRQ_NAME_LEN]; /* "24", "LOC", "TIMER" */
	char desc
		[PW_IRQ_DESC_LEN]; /* what follows the counts, spaces folded ("IO-APIC 2-edge timer") */
	unsigned long long *counts; /* one per column; rows with fewer (ERR, MIS) have 0 after */
};

struct pw_irq_table {
	size_t nr_cols;
	int *cpus; /* the CPU of each column */
	size_t nr_rows;
	struct pw_irq_row *rows;
};

/*
 * Parse text (len bytes, as read from /proc/interrupts or /proc/softirqs)
 * into t. -EINVAL with *why for text of another shape; t is then empty.
 */
int pw_irq_table_parse(const char *text, size_t len, struct pw_irq_table *t, const char **why);

/* Read and parse path (one of the two files). Says what failed. */
int pw_irq_table_read(const char *path, struct pw_irq_table *t);

/* The column of cpu, or -1 when the table has none (offline). */
int pw_irq_table_col(const struct pw_irq_table *t, int cpu);

void pw_irq_table_free(struct pw_irq_table *t);

#endif /* PW_INTERRUPTS_H */
