// SPDX-License-Identifier: GPL-2.0-only
/*
 * /proc/interrupts and /proc/softirqs as pinwatch noise parses them: any
 * bytes parse or are refused, and every row has a count per column.
 */
#include <stdint.h>
#include <stdlib.h>

#include "interrupts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_irq_table t;
	const char *why = NULL;

	if (pw_irq_table_parse((const char *)data, size, &t, &why)) {
		if (!why || t.nr_rows || t.nr_cols)
			abort();
		return 0;
	}
	if (!t.nr_cols || pw_irq_table_col(&t, t.cpus[t.nr_cols - 1]) < 0)
		abort();
	/* Every row has a count in every column (read them all: ASan checks). */
	for (size_t r = 0; r < t.nr_rows; r++)
		for (size_t c = 0; c < t.nr_cols; c++)
			if (t.rows[r].counts[c] == 0 && t.rows[r].counts[c] != 0)
				abort();
	pw_irq_table_free(&t);
	return 0;
}
