// SPDX-License-Identifier: GPL-2.0-only
/*
 * Whatever the agent records, it and restore read back: cgroup paths and
 * container ids as hostile as a container may choose them (the input, split
 * at NUL bytes) are recorded as every kind of entry; what the writer accepts
 * must load again, every entry of it, and writing what was loaded gives the
 * same file (write -> read -> write is the identity). What the writer
 * refuses it must refuse by saying so, never by writing it.
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

static char *read_state(void)
{
	char path[128], *buf = malloc(1 << 20);
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/state.json", dir);
	fd = open(path, O_RDONLY);
	if (!buf || fd < 0)
		abort();
	n = read(fd, buf, (1 << 20) - 1);
	close(fd);
	if (n < 0)
		abort();
	buf[n] = '\0';
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_journal *j, *again;
	size_t isolated = 0, unbalanced = 0, tuned = 0;
	char *text, *copy = malloc(size + 1), *first, *second;
	struct pw_tuning t = { .knob = PW_KNOB_QUOTA, .hierarchy = 3, .value = "disable" };
	uint64_t id = 1;

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/dev/shm/pw-fuzz-roundtrip-%d", getpid());
		mkdir(dir, 0700);
	}
	{
		char path[128];

		snprintf(path, sizeof(path), "%s/state.json", dir);
		unlink(path);
	}
	if (!copy || pw_journal_open(&j, dir, PW_JOURNAL_WRITE))
		abort();
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (text = copy; text < copy + size + 1; text += strlen(text) + 1, id++) {
		struct pw_isolation iso = { .container_id = text,
					    .path = text,
					    .hierarchy = 3,
					    .cgroup_id = id,
					    .backend = "v1" };

		pw_cpus_clear(&iso.cpus);
		pw_cpus_set(&iso.cpus, 1);
		t.container_id = text;
		t.path = text;
		t.cgroup_id = id;
		isolated += !pw_journal_add(j, &iso);
		unbalanced += !pw_journal_add_unbalanced(j, text, id);
		tuned += !pw_journal_add_tuning(j, &t);
	}
	pw_journal_close(j);
	free(copy);
	if (pw_journal_open(&again, dir, PW_JOURNAL_WRITE) || pw_journal_count(again) != isolated ||
	    pw_journal_unbalanced_count(again) != unbalanced ||
	    pw_journal_tuning_count(again) != tuned)
		abort();
	/* Written from what was read, read, and written again: the same bytes. */
	pw_journal_set_housekeeping(again, "/pinwatch.housekeeping");
	pw_journal_set_housekeeping(again, NULL);
	pw_journal_close(again);
	first = read_state();
	if (pw_journal_open(&again, dir, PW_JOURNAL_WRITE))
		abort();
	pw_journal_set_housekeeping(again, "/pinwatch.housekeeping");
	pw_journal_set_housekeeping(again, NULL);
	pw_journal_close(again);
	second = read_state();
	if (strcmp(first, second))
		abort();
	free(first);
	free(second);
	return 0;
}
