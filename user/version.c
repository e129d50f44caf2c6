// SPDX-License-Identifier: GPL-2.0-only
/* Build facts, given by the Makefile (-D), with defaults for a build outside it. */
#include "version.h"

#ifndef PINWATCH_VERSION
#define PINWATCH_VERSION "0.1.0"
#endif
#ifndef PINWATCH_COMMIT
#define PINWATCH_COMMIT "unknown"
#endif
#ifndef PINWATCH_BUILD_DATE
#define PINWATCH_BUILD_DATE "unknown"
#endif

const char *pw_version(void)
{
	return PINWATCH_VERSION;
}

const char *pw_commit(void)
{
	return PINWATCH_COMMIT;
}

const char *pw_build_date(void)
{
	return PINWATCH_BUILD_DATE;
}
