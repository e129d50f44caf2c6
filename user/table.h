/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Table cells for people: the one way trace and ps print an untrusted
 * string in a column. Escaped for a terminal, cut to the column keeping its
 * tail (the end of a path says the most), cut marked with "…".
 */
#ifndef PW_TABLE_H
#define PW_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The columns a table line fits in, unless --wide. */
#define PW_TABLE_COLUMNS 120

/*
 * Print len bytes of s as a cell width columns wide followed by one space:
 * "-" when s is NULL or empty. truncated says s itself was already cut
 * (e.g. by the kernel's copy limit): the cell then starts with "…" even if
 * it fits.
 */
void pw_table_cell(FILE *out, const char *s, size_t len, int width, bool truncated);

/* pw_table_cell() for a NUL-terminated string (NULL allowed). */
void pw_table_cell_str(FILE *out, const char *s, int width);

/*
 * Print s (already escaped) in exactly width columns: whole if it fits,
 * else "…" and the longest tail that starts at a '/' and fits, else "…"
 * and the last width-1 characters.
 */
void pw_print_tail(FILE *out, const char *s, int width);

/*
 * Print s (already escaped) in at most width columns: whole if it fits, else
 * its first width-1 characters and "…" (a command line: its start says the
 * most). No padding.
 */
void pw_print_head(FILE *out, const char *s, int width);

/* Display columns of a UTF-8 string: one per character (no wide characters). */
int pw_display_width(const char *s);

#endif /* PW_TABLE_H */
