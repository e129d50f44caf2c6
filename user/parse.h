/* SPDX-License-Identifier: GPL-2.0-only */
/* Parsing of command-line values, with errors that name the input and the valid range. */
#ifndef PW_PARSE_H
#define PW_PARSE_H

/*
 * Parse a decimal unsigned integer in [min, max]. On error, print
 * "pinwatch: invalid <what> '<s>': ..." to stderr and return -EINVAL or
 * -ERANGE.
 */
int pw_parse_ulong_range(const char *s, const char *what, unsigned long min, unsigned long max,
			 unsigned long *out);

/*
 * After getopt_long (with ":" first in optstring) returned opt ':' or an
 * unknown option: print what was wrong with argv[optind - 1] and where help
 * is (pinwatch CMD --help). Returns -EINVAL.
 */
int pw_bad_option(int opt, char **argv, const char *cmd);

/* After the options: -EINVAL (printed) if an argument is left over. */
int pw_no_operands(int argc, char **argv, const char *cmd);

#endif /* PW_PARSE_H */
