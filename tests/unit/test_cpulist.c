// SPDX-License-Identifier: GPL-2.0-only
/* cpulist parsing and formatting. */
#include <errno.h>

#include "cpulist.h"
#include "unit.h"

static void check_round_trip(const char *in, const char *want, int line)
{
	struct pw_cpus cpus;
	const char *why = NULL;
	char out[PW_CPULIST_LEN];

	if (pw_cpus_parse(in, strlen(in), &cpus, &why)) {
		unit_fail(__FILE__, line, "'%s' rejected: %s", in, why);
		return;
	}
	pw_cpus_format(&cpus, out, sizeof(out));
	if (strcmp(out, want))
		unit_fail(__FILE__, line, "'%s' formats as '%s', want '%s'", in, out, want);
}

static void check_rejected(const char *in, int line)
{
	struct pw_cpus cpus;
	const char *why = NULL;

	if (pw_cpus_parse(in, strlen(in), &cpus, &why) != -EINVAL || !why)
		unit_fail(__FILE__, line, "'%s' was accepted", in);
}

UNIT_TEST(cpulist_parses_kernel_forms)
{
	check_round_trip("0", "0", __LINE__);
	check_round_trip("0-3", "0-3", __LINE__);
	check_round_trip("0-3,8,10-11\n", "0-3,8,10-11", __LINE__);
	check_round_trip("3,2,1,0", "0-3", __LINE__);
	check_round_trip("", "", __LINE__);
	check_round_trip("\n", "", __LINE__);
	check_round_trip(" 5 ", "5", __LINE__);
	check_round_trip("8191", "8191", __LINE__);
}

UNIT_TEST(cpulist_rejects_malformed)
{
	check_rejected("7-3", __LINE__);
	check_rejected("1-", __LINE__);
	check_rejected("-1", __LINE__);
	check_rejected("1,,2", __LINE__);
	check_rejected("1,", __LINE__);
	check_rejected("a", __LINE__);
	check_rejected("8192", __LINE__);
	check_rejected("99999999999999999999", __LINE__);
	check_rejected("1 2", __LINE__);
	check_rejected("0-1\n2", __LINE__);
}

UNIT_TEST(cpulist_set_operations)
{
	struct pw_cpus a, b;
	const char *why;

	CHECK_INT(pw_cpus_parse("0-3", 3, &a, &why), 0);
	CHECK_INT(pw_cpus_parse("3-5", 3, &b, &why), 0);
	CHECK(pw_cpus_intersects(&a, &b));
	CHECK_INT(pw_cpus_count(&a), 4);
	pw_cpus_or(&a, &b);
	CHECK_INT(pw_cpus_count(&a), 6);
	CHECK(!pw_cpus_equal(&a, &b));
	CHECK_INT(pw_cpus_parse("6", 1, &b, &why), 0);
	CHECK(!pw_cpus_intersects(&a, &b));
	pw_cpus_clear(&b);
	CHECK(pw_cpus_empty(&b));
}

UNIT_TEST(cpulist_format_never_cuts_a_number)
{
	struct pw_cpus cpus;
	char out[16];

	pw_cpus_clear(&cpus);
	for (unsigned int c = 0; c < 100; c += 2)
		pw_cpus_set(&cpus, c);
	pw_cpus_format(&cpus, out, sizeof(out));
	CHECK_STR(out, "0,2,4,6,8,...");
}
