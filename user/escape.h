/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Escaping of untrusted bytes (cgroup names, comm, argv, written values):
 * containers choose them, and they may hold quotes, newlines, terminal
 * control sequences or invalid UTF-8.
 */
#ifndef PW_ESCAPE_H
#define PW_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/*
 * Write bytes as the inside of a JSON string: valid UTF-8 passes, '"' and
 * '\\', control characters (C0, DEL, C1) and bidi controls (U+202E and
 * friends) are escaped, and every byte that is not part of a valid UTF-8
 * sequence becomes U+FFFD.
 */
void pw_json_escape(FILE *out, const char *s, size_t len);

/*
 * Write bytes for a terminal: printable ASCII and valid, printable UTF-8
 * pass; '"' and '\\' get a backslash; controls, bidi controls and invalid
 * bytes become \n, \t, \r or \xNN, so no byte can move the cursor, fake a
 * line or reorder what follows.
 */
void pw_text_escape(FILE *out, const char *s, size_t len);

/*
 * Length of the valid UTF-8 sequence at s (at most len bytes), with its code
 * point in *cp; 0 if the bytes there are not valid UTF-8 (overlong forms,
 * surrogates and code points above U+10FFFF are invalid).
 */
size_t pw_utf8_sequence(const unsigned char *s, size_t len, unsigned int *cp);

#endif /* PW_ESCAPE_H */
