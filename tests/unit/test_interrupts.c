// SPDX-License-Identifier: GPL-2.0-only
/* /proc/interrupts and /proc/softirqs as the kernel writes them, and text that is not. */
#include <errno.h>
#include <string.h>

#include "interrupts.h"
#include "unit.h"

UNIT_TEST(interrupts_rows_columns_and_descriptions)
{
	/* CPU2 offline: the columns are CPU0, CPU1 and CPU3. */
	static const char text[] =
		"           CPU0       CPU1       CPU3       \n"
		"  0:         44          0          0   IO-APIC   2-edge      timer\n"
		" 24:          1     123456          7   PCI-MSIX-0000:00:02.0   1-edge      virtio1-req.0\n"
		"NMI:          0          0          0   Non-maskable interrupts\n"
		"LOC:     100000     200000     300000   Local timer interrupts\n"
		"ERR:          0\n"
		"MIS:          5\n";
	struct pw_irq_table t;
	const char *why = NULL;

	CHECK_INT(pw_irq_table_parse(text, sizeof(text) - 1, &t, &why), 0);
	CHECK_INT(t.nr_cols, 3);
	CHECK_INT(pw_irq_table_col(&t, 3), 2);
	CHECK_INT(pw_irq_table_col(&t, 2), -1);
	CHECK_INT(t.nr_rows, 6);
	CHECK_STR(t.rows[1].name, "24");
	CHECK_INT(t.rows[1].counts[1], 123456);
	CHECK_STR(t.rows[1].desc, "PCI-MSIX-0000:00:02.0 1-edge virtio1-req.0");
	CHECK_STR(t.rows[3].name, "LOC");
	CHECK_INT(t.rows[3].counts[2], 300000);
	CHECK_STR(t.rows[3].desc, "Local timer interrupts");
	CHECK_STR(t.rows[5].name, "MIS");
	CHECK_INT(t.rows[5].counts[0], 5);
	CHECK_INT(t.rows[5].counts[1], 0);
	CHECK_STR(t.rows[5].desc, "");
	pw_irq_table_free(&t);
}

UNIT_TEST(softirqs_parse_as_interrupts)
{
	static const char text[] = "                    CPU0       CPU1\n"
				   "          HI:          0          1\n"
				   "       TIMER:     123456      65432\n"
				   "      NET_RX:          9          0\n";
	struct pw_irq_table t;
	const char *why = NULL;

	CHECK_INT(pw_irq_table_parse(text, sizeof(text) - 1, &t, &why), 0);
	CHECK_INT(t.nr_rows, 3);
	CHECK_STR(t.rows[1].name, "TIMER");
	CHECK_INT(t.rows[1].counts[1], 65432);
	pw_irq_table_free(&t);
}

UNIT_TEST(interrupts_other_text_is_refused)
{
	static const char *const bad[] = {
		"",
		"no header\n 0: 1\n",
		"   CPU0\n no colon here\n",
		"   CPU0 CPUx\n",
	};
	struct pw_irq_table t;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = NULL;

		CHECK_INT(pw_irq_table_parse(bad[i], strlen(bad[i]), &t, &why), -EINVAL);
		CHECK(why != NULL);
		CHECK_INT(t.nr_rows, 0);
	}
}

UNIT_TEST(interrupts_of_this_machine_read)
{
	struct pw_irq_table t;

	CHECK_INT(pw_irq_table_read("/proc/interrupts", &t), 0);
	CHECK(t.nr_cols > 0 && t.nr_rows > 0);
	CHECK(pw_irq_table_col(&t, 0) == 0);
	pw_irq_table_free(&t);
}
