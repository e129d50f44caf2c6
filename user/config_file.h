/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A command's long options from a file, one per line: "name = value", or
 * "name" alone (or "name = true") for an option without a value; '#' starts
 * a comment, blank lines are skipped. The file decides what a root agent
 * does, so it is read only when root owns it and everything on its path
 * (safe_file.h).
 */
#ifndef PW_CONFIG_FILE_H
#define PW_CONFIG_FILE_H

#include <getopt.h>

/*
 * Read path and hand each line to apply() as the argv of that one option
 * (argv[0] is cmd, then "--name" and its value), with ctx. A line naming no
 * option of opts, or one apply() refuses (it says why), stops the read:
 * said with the file and line number. The values stay in *text (the caller
 * frees it once it no longer uses what apply() kept). Returns 0, -ENOENT
 * when the file does not exist (not said: the caller knows whether it had
 * to), or -errno.
 */
int pw_config_file_apply(const char *path, const char *cmd, const struct option *opts,
			 int (*apply)(int argc, char **argv, void *ctx), void *ctx, char **text);

#endif /* PW_CONFIG_FILE_H */
