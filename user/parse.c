// SPDX-License-Identifier: GPL-2.0-only
/* Command-line value parsing. */
#include "parse.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

int pw_parse_ulong_range(const char *s, const char *what, unsigned long min, unsigned long max,
			 unsigned long *out)
{
	unsigned long v;
	char *end;

	/* strtoul accepts "-1" and leading blanks: digits only here. */
	if (!s || !isdigit((unsigned char)s[0])) {
		pw_err("invalid %s '%s': expected a number from %lu to %lu", what, s ? PW_Q(s) : "",
		       min, max);
		return -EINVAL;
	}
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end != '\0') {
		pw_err("invalid %s '%s': expected a number from %lu to %lu", what, PW_Q(s), min,
		       max);
		return -EINVAL;
	}
	if (errno == ERANGE || v < min || v > max) {
		pw_err("%s '%s' is out of range: expected %lu to %lu", what, PW_Q(s), min, max);
		return -ERANGE;
	}
	*out = v;
	return 0;
}

int pw_bad_option(int opt, char **argv, const char *cmd)
{
	if (opt == ':')
		pw_err("option '%s' needs a value (see pinwatch %s --help)", PW_Q(argv[optind - 1]),
		       cmd);
	else
		pw_err("unknown option '%s' (see pinwatch %s --help)", PW_Q(argv[optind - 1]), cmd);
	return -EINVAL;
}

int pw_no_operands(int argc, char **argv, const char *cmd)
{
	if (optind >= argc)
		return 0;
	pw_err("unexpected argument '%s' (see pinwatch %s --help)", PW_Q(argv[optind]), cmd);
	return -EINVAL;
}
