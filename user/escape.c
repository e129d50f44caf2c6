// SPDX-License-Identifier: GPL-2.0-only
/* Escaping of untrusted bytes for JSON and for terminals. */
#include "escape.h"

#include <stdbool.h>
#include <stddef.h>

size_t pw_utf8_sequence(const unsigned char *s, size_t len, unsigned int *cp)
{
	unsigned int c = s[0], min, n;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		min = 0x80;
		c &= 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		min = 0x800;
		c &= 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		min = 0x10000;
		c &= 0x07;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (unsigned int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* The escapes JSON and our text output share; NULL for other characters. */
static const char *short_escape(unsigned int cp)
{
	switch (cp) {
	case '"':
		return "\\\"";
	case '\\':
		return "\\\\";
	case '\n':
		return "\\n";
	case '\t':
		return "\\t";
	case '\r':
		return "\\r";
	default:
		return NULL;
	}
}

/* C0 controls, DEL and the C1 controls (terminal escapes such as CSI). */
static bool is_control(unsigned int cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

/*
 * Unicode's bidirectional formatting characters: ALM, LRM, RLM, the
 * embeddings and overrides (U+202E turns "exe.txt" into what reads as
 * "txt.exe") and the isolates. A name must not reorder what a person reads
 * after it.
 */
static bool is_bidi_control(unsigned int cp)
{
	return cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

/* How an escaper writes what may not pass through as it is. */
struct escape_style {
	/* A byte that is not part of a valid UTF-8 sequence. */
	void (*invalid)(FILE *out, unsigned char byte);
	/* A character that may not pass (a control, a bidi control): seq is its n bytes. */
	void (*hidden)(FILE *out, const unsigned char *seq, size_t n, unsigned int cp);
};

/*
 * Characters that pass as they are leave in runs, one fwrite() each: one
 * per character was most of trace's CPU under cgroup churn (stdio locks the
 * stream on every call).
 */
static void escape(FILE *out, const char *s, size_t len, const struct escape_style *style)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0, n;
	unsigned int cp;

	while (i < len) {
		n = pw_utf8_sequence(p + i, len - i, &cp);
		if (n && !short_escape(cp) && !is_control(cp) && !is_bidi_control(cp)) {
			i += n;
			continue;
		}
		fwrite(p + run, 1, i - run, out);
		if (n == 0) {
			style->invalid(out, p[i]);
			n = 1;
		} else if (short_escape(cp)) {
			fputs(short_escape(cp), out);
		} else {
			style->hidden(out, p + i, n, cp);
		}
		i += n;
		run = i;
	}
	fwrite(p + run, 1, i - run, out);
}

static void json_invalid(FILE *out, unsigned char byte)
{
	(void)byte;
	fputs("\\ufffd", out);
}

static void json_hidden(FILE *out, const unsigned char *seq, size_t n, unsigned int cp)
{
	(void)seq;
	(void)n;
	fprintf(out, "\\u%04x", cp);
}

static void text_invalid(FILE *out, unsigned char byte)
{
	fprintf(out, "\\x%02x", byte);
}

/* One \xNN per byte of the sequence, so the bytes stay visible. */
static void text_hidden(FILE *out, const unsigned char *seq, size_t n, unsigned int cp)
{
	(void)cp;
	for (size_t k = 0; k < n; k++)
		text_invalid(out, seq[k]);
}

void pw_json_escape(FILE *out, const char *s, size_t len)
{
	static const struct escape_style json = { json_invalid, json_hidden };

	escape(out, s, len, &json);
}

void pw_text_escape(FILE *out, const char *s, size_t len)
{
	static const struct escape_style text = { text_invalid, text_hidden };

	escape(out, s, len, &text);
}
