// SPDX-License-Identifier: GPL-2.0-only
/* Escaping of hostile bytes for JSON and terminals. */
#include <stdlib.h>

#include "escape.h"
#include "unit.h"

struct bytes {
	const char *s;
	size_t len;
};

static void run_json(FILE *out, const void *arg)
{
	const struct bytes *b = arg;

	pw_json_escape(out, b->s, b->len);
}

static void run_text(FILE *out, const void *arg)
{
	const struct bytes *b = arg;

	pw_text_escape(out, b->s, b->len);
}

static void check_json(const char *in, size_t len, const char *want, int line)
{
	struct bytes b = { in, len };
	char *got = unit_capture(run_json, &b);

	if (strcmp(got, want))
		unit_fail(__FILE__, line, "pw_json_escape gave \"%s\", want \"%s\"", got, want);
	free(got);
}

static void check_text(const char *in, size_t len, const char *want, int line)
{
	struct bytes b = { in, len };
	char *got = unit_capture(run_text, &b);

	if (strcmp(got, want))
		unit_fail(__FILE__, line, "pw_text_escape gave \"%s\", want \"%s\"", got, want);
	free(got);
}

#define JSON(in, want) check_json(in, sizeof(in) - 1, want, __LINE__)
#define TEXT(in, want) check_text(in, sizeof(in) - 1, want, __LINE__)

UNIT_TEST(json_escape_passes_plain_and_utf8)
{
	JSON("kubepods-burstable.slice", "kubepods-burstable.slice");
	JSON("caf\xc3\xa9 \xf0\x9f\x98\x80", "caf\xc3\xa9 \xf0\x9f\x98\x80");
	JSON("", "");
}

UNIT_TEST(json_escape_quotes_backslash_and_controls)
{
	JSON("a\"b\\c", "a\\\"b\\\\c");
	JSON("line1\nline2\r\t", "line1\\nline2\\r\\t");
	JSON("bell\x07"
	     "esc\x1b[31m",
	     "bell\\u0007esc\\u001b[31m");
	JSON("del\x7f", "del\\u007f");
	/* U+009B is the one-character CSI of C1: valid UTF-8, still escaped. */
	JSON("csi\xc2\x9b", "csi\\u009b");
	JSON("nul\0after", "nul\\u0000after");
}

UNIT_TEST(json_escape_replaces_invalid_utf8)
{
	JSON("\xff", "\\ufffd");
	JSON("a\xe2\x82", "a\\ufffd\\ufffd");			  /* sequence cut short */
	JSON("\xc0\xaf", "\\ufffd\\ufffd");			  /* overlong '/' */
	JSON("\xed\xa0\x80", "\\ufffd\\ufffd\\ufffd");		  /* UTF-16 surrogate */
	JSON("\xf4\x90\x80\x80", "\\ufffd\\ufffd\\ufffd\\ufffd"); /* above U+10FFFF */
}

UNIT_TEST(text_escape_makes_every_byte_visible)
{
	TEXT("plain/path", "plain/path");
	TEXT("caf\xc3\xa9", "caf\xc3\xa9");
	TEXT("evil\n13:00:00.000 mkdir", "evil\\n13:00:00.000 mkdir");
	TEXT("\x1b[2J", "\\x1b[2J");
	TEXT("csi\xc2\x9b", "csi\\xc2\\x9b");
	TEXT("\xff\xfe", "\\xff\\xfe");
	TEXT("q\"b\\", "q\\\"b\\\\");
}

UNIT_TEST(escape_long_names)
{
	char name[256], want[256 * 6 + 1];

	/* A cgroup name may be 255 bytes: every byte must come out. */
	memset(name, 'a', 255);
	name[255] = '\0';
	check_json(name, 255, name, __LINE__);
	memset(name, '\n', 255);
	want[0] = '\0';
	for (int i = 0; i < 255; i++)
		strcat(want, "\\n");
	check_json(name, 255, want, __LINE__);
	memset(name, '\xff', 255);
	want[0] = '\0';
	for (int i = 0; i < 255; i++)
		strcat(want, "\\xff");
	check_text(name, 255, want, __LINE__);
}

UNIT_TEST(utf8_sequence_decodes_code_points)
{
	unsigned int cp = 0;

	CHECK_INT(pw_utf8_sequence((const unsigned char *)"A", 1, &cp), 1);
	CHECK_INT(cp, 'A');
	CHECK_INT(pw_utf8_sequence((const unsigned char *)"\xe2\x82\xac", 3, &cp), 3);
	CHECK_INT(cp, 0x20ac);
	CHECK_INT(pw_utf8_sequence((const unsigned char *)"\xe2\x82\xac", 2, &cp), 0);
	CHECK_INT(pw_utf8_sequence((const unsigned char *)"\x80", 1, &cp), 0);
}

UNIT_TEST(escape_bidi_controls)
{
	/* U+202E (right-to-left override) would show "gpj.exe" as "exe.jpg". */
	static const char name[] = "/a\xe2\x80\xaegpj.exe/\xe2\x81\xa6x\xd8\x9c";
	struct bytes b = { name, sizeof(name) - 1 }, plain = { "p\xc3\xa9-\xe2\x82\xac", 7 };
	char *text = unit_capture(run_text, &b), *json = unit_capture(run_json, &b);

	CHECK_STR(text, "/a\\xe2\\x80\\xaegpj.exe/\\xe2\\x81\\xa6x\\xd8\\x9c");
	CHECK_STR(json, "/a\\u202egpj.exe/\\u2066x\\u061c");
	free(text);
	free(json);
	/* Other non-ASCII text passes as it is. */
	text = unit_capture(run_text, &plain);
	CHECK_STR(text, "p\xc3\xa9-\xe2\x82\xac");
	free(text);
}
