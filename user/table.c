// SPDX-License-Identifier: GPL-2.0-only
/* Table cells: escaped, tail-cut, marked. */
#include "table.h"

#include <stdlib.h>
#include <string.h>

#include "escape.h"

int pw_display_width(const char *s)
{
	int w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

/* s, then spaces up to width display columns (printf pads bytes, not characters). */
static void print_padded(FILE *out, const char *s, int width)
{
	fputs(s, out);
	for (int w = pw_display_width(s); w < width; w++)
		fputc(' ', out);
}

void pw_print_tail(FILE *out, const char *s, int width)
{
	const char *p;

	if (pw_display_width(s) <= width) {
		print_padded(out, s, width);
		return;
	}
	for (p = strchr(s + 1, '/'); p; p = strchr(p + 1, '/')) {
		if (pw_display_width(p) <= width - 1) {
			fputs("…", out);
			print_padded(out, p, width - 1);
			return;
		}
	}
	/* No '/' gives a tail that fits: keep the last width-1 characters. */
	p = s + strlen(s);
	for (int w = 0; p > s && w < width - 1;) {
		p--;
		if (((unsigned char)*p & 0xc0) != 0x80)
			w++;
	}
	fprintf(out, "…%s", p);
}

void pw_print_head(FILE *out, const char *s, int width)
{
	const char *p = s;
	int w = 0;

	if (pw_display_width(s) <= width) {
		fputs(s, out);
		return;
	}
	/* Up to the first byte of character number width: width-1 whole characters. */
	for (; *p; p++) {
		if (((unsigned char)*p & 0xc0) == 0x80)
			continue;
		if (w == width - 1)
			break;
		w++;
	}
	fprintf(out, "%.*s…", (int)(p - s), s);
}

void pw_table_cell(FILE *out, const char *s, size_t len, int width, bool truncated)
{
	char *escaped = NULL;
	size_t size = 0;
	FILE *mem;

	if (!s || len == 0) {
		fprintf(out, "%-*s ", width, "-");
		return;
	}
	mem = open_memstream(&escaped, &size);
	if (!mem) {
		fprintf(out, "%-*s ", width, "?");
		return;
	}
	/* A string the kernel already cut lost its head: say so even when the rest fits. */
	if (truncated)
		fputs("…", mem);
	pw_text_escape(mem, s, len);
	fclose(mem);
	pw_print_tail(out, escaped, width);
	fputc(' ', out);
	free(escaped);
}

void pw_table_cell_str(FILE *out, const char *s, int width)
{
	pw_table_cell(out, s, s ? strlen(s) : 0, width, false);
}
