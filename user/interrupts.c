// SPDX-License-Identifier: GPL-2.0-only
/* /proc/interrupts and /proc/softirqs, parsed into one table shape. */
#include "interrupts.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* Thousands of IRQs times hundreds of CPUs stay below this. */
#define MAX_FILE (16u << 20)

static const char *skip_blanks(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/*
 * The decimal number at *p (before end: the text is not NUL-terminated),
 * *p moved past it. -EINVAL when there is none or it overflows.
 */
static int parse_number(const char **p, const char *end, unsigned long long *out)
{
	unsigned long long v = 0;
	const char *q = *p;

	if (q >= end || !isdigit((unsigned char)*q))
		return -EINVAL;
	for (; q < end && isdigit((unsigned char)*q); q++) {
		if (v > (~0ULL - 9) / 10)
			return -EINVAL;
		v = v * 10 + (unsigned long long)(*q - '0');
	}
	*p = q;
	*out = v;
	return 0;
}

/* The header: "CPU0 CPU1 ...", one column per online CPU. */
static int parse_header(const char *p, const char *end, struct pw_irq_table *t)
{
	size_t cap = 0;

	for (p = skip_blanks(p, end); p < end; p = skip_blanks(p, end)) {
		unsigned long long cpu;

		if (end - p < 4 || strncmp(p, "CPU", 3))
			return -EINVAL;
		p += 3;
		if (parse_number(&p, end, &cpu) || cpu > 1 << 20)
			return -EINVAL;
		if (t->nr_cols == cap) {
			int *cpus = realloc(t->cpus, (cap ? cap * 2 : 64) * sizeof(*cpus));

			if (!cpus)
				return -ENOMEM;
			t->cpus = cpus;
			cap = cap ? cap * 2 : 64;
		}
		t->cpus[t->nr_cols++] = (int)cpu;
	}
	return t->nr_cols ? 0 : -EINVAL;
}

/* The text after the counts, blanks folded to one space, cut to fit. */
static void copy_desc(char *out, size_t size, const char *p, const char *end)
{
	size_t n = 0;
	bool blank = false;

	for (p = skip_blanks(p, end); p < end && n + 1 < size; p++) {
		if (*p == ' ' || *p == '\t') {
			blank = true;
			continue;
		}
		if (blank && n)
			out[n++] = ' ';
		blank = false;
		if (n + 1 < size)
			out[n++] = isprint((unsigned char)*p) ? *p : '?';
	}
	out[n] = '\0';
}

/* One row: "NAME: count count ... [description]". */
static int parse_row(const char *p, const char *end, struct pw_irq_table *t, struct pw_irq_row *row)
{
	const char *colon;
	size_t len;

	p = skip_blanks(p, end);
	colon = memchr(p, ':', end - p);
	if (!colon || colon == p)
		return -EINVAL;
	len = colon - p;
	if (len >= sizeof(row->name))
		len = sizeof(row->name) - 1;
	memcpy(row->name, p, len);
	row->name[len] = '\0';
	row->counts = calloc(t->nr_cols, sizeof(*row->counts));
	if (!row->counts)
		return -ENOMEM;
	p = colon + 1;
	for (size_t col = 0; col < t->nr_cols; col++) {
		p = skip_blanks(p, end);
		if (p >= end || !isdigit((unsigned char)*p))
			break; /* ERR and MIS have one count; the rest is the description */
		if (parse_number(&p, end, &row->counts[col]))
			return -EINVAL;
	}
	copy_desc(row->desc, sizeof(row->desc), p, end);
	return 0;
}

int pw_irq_table_parse(const char *text, size_t len, struct pw_irq_table *t, const char **why)
{
	const char *p = text, *end = text + len, *eol;
	size_t cap = 0;
	int err;

	memset(t, 0, sizeof(*t));
	eol = memchr(p, '\n', end - p);
	err = parse_header(p, eol ? eol : end, t);
	if (err) {
		*why = "its first line is not a CPU header (CPU0 CPU1 ...)";
		goto cleanup;
	}
	for (p = eol ? eol + 1 : end; p < end; p = eol ? eol + 1 : end) {
		eol = memchr(p, '\n', end - p);
		if (skip_blanks(p, eol ? eol : end) == (eol ? eol : end))
			continue;
		if (t->nr_rows == cap) {
			struct pw_irq_row *rows =
				realloc(t->rows, (cap ? cap * 2 : 64) * sizeof(*rows));

			if (!rows) {
				err = -ENOMEM;
				goto cleanup;
			}
			t->rows = rows;
			cap = cap ? cap * 2 : 64;
		}
		memset(&t->rows[t->nr_rows], 0, sizeof(t->rows[0]));
		err = parse_row(p, eol ? eol : end, t, &t->rows[t->nr_rows]);
		t->nr_rows++;
		if (err) {
			*why = "a line is not NAME: COUNT...";
			goto cleanup;
		}
	}
	return 0;
cleanup:
	if (err == -ENOMEM)
		*why = "out of memory";
	pw_irq_table_free(t);
	return err;
}

int pw_irq_table_read(const char *path, struct pw_irq_table *t)
{
	size_t len = 0, cap = 64 << 10;
	char *buf = malloc(cap);
	const char *why = NULL;
	int fd, err = 0;
	ssize_t n;

	memset(t, 0, sizeof(*t));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (!buf || fd < 0) {
		err = buf ? -errno : -ENOMEM;
		goto cleanup;
	}
	while ((n = read(fd, buf + len, cap - len)) > 0) {
		len += n;
		if (len == cap) {
			char *bigger = cap < MAX_FILE ? realloc(buf, cap * 2) : NULL;

			if (!bigger) {
				err = -EFBIG;
				goto cleanup;
			}
			buf = bigger;
			cap *= 2;
		}
	}
	if (n < 0) {
		err = -errno;
		goto cleanup;
	}
	err = pw_irq_table_parse(buf, len, t, &why);
cleanup:
	if (err)
		pw_err("cannot read '%s': %s", path, why ? why : strerror(-err));
	if (fd >= 0)
		close(fd);
	free(buf);
	return err;
}

int pw_irq_table_col(const struct pw_irq_table *t, int cpu)
{
	for (size_t i = 0; i < t->nr_cols; i++)
		if (t->cpus[i] == cpu)
			return (int)i;
	return -1;
}

void pw_irq_table_free(struct pw_irq_table *t)
{
	for (size_t i = 0; i < t->nr_rows; i++)
		free(t->rows[i].counts);
	free(t->rows);
	free(t->cpus);
	memset(t, 0, sizeof(*t));
}
