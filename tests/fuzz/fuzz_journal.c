// SPDX-License-Identifier: GPL-2.0-only
/*
 * The agent's journal as a file anyone with root could have edited (or a
 * crash cut): loaded, and when accepted, written and loaded again to the
 * same content.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal.h"

static char dir[64];

static void write_file(const char *name, const uint8_t *data, size_t size)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_journal *j, *again;
	size_t n, tunings, irqs;

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/dev/shm/pw-fuzz-journal-%d", getpid());
		mkdir(dir, 0700);
	}
	write_file("state.json", data, size);
	if (pw_journal_open(&j, dir, PW_JOURNAL_WRITE))
		return 0;
	n = pw_journal_count(j);
	tunings = pw_journal_tuning_count(j);
	irqs = pw_journal_irq_count(j);
	/* Accepted: a change writes it back, and it reads back the same. */
	pw_journal_set_housekeeping(j, "/pinwatch.housekeeping");
	pw_journal_set_housekeeping(j,
				    pw_journal_housekeeping(j) ? NULL : "/pinwatch.housekeeping");
	pw_journal_close(j);
	if (pw_journal_open(&again, dir, PW_JOURNAL_READ) || pw_journal_count(again) != n ||
	    pw_journal_tuning_count(again) != tunings || pw_journal_irq_count(again) != irqs)
		abort();
	pw_journal_close(again);
	return 0;
}
