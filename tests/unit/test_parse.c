// SPDX-License-Identifier: GPL-2.0-only
/* Command-line value parsing: ranges and event type lists. */
#include <errno.h>

#include "event.h"
#include "parse.h"
#include "unit.h"

UNIT_TEST(parse_ulong_range_accepts_the_range)
{
	unsigned long v = 0;

	CHECK_INT(pw_parse_ulong_range("1", "--duration", 1, 10, &v), 0);
	CHECK_INT(v, 1);
	CHECK_INT(pw_parse_ulong_range("10", "--duration", 1, 10, &v), 0);
	CHECK_INT(v, 10);
}

UNIT_TEST(parse_ulong_range_rejects_bad_input)
{
	unsigned long v = 7;

	CHECK_INT(pw_parse_ulong_range("0", "--duration", 1, 10, &v), -ERANGE);
	CHECK_INT(pw_parse_ulong_range("11", "--duration", 1, 10, &v), -ERANGE);
	CHECK_INT(pw_parse_ulong_range("99999999999999999999999", "--duration", 1, 10, &v),
		  -ERANGE);
	CHECK_INT(pw_parse_ulong_range("-1", "--duration", 1, 10, &v), -EINVAL);
	CHECK_INT(pw_parse_ulong_range(" 5", "--duration", 1, 10, &v), -EINVAL);
	CHECK_INT(pw_parse_ulong_range("5s", "--duration", 1, 10, &v), -EINVAL);
	CHECK_INT(pw_parse_ulong_range("", "--duration", 1, 10, &v), -EINVAL);
	CHECK_INT(v, 7);
}

UNIT_TEST(event_type_names_round_trip)
{
	for (int t = 1; t < PW_EV_TYPE_MAX; t++)
		CHECK_INT(pw_event_type_from_name(pw_event_type_name(t)), t);
	CHECK(pw_event_type_name(0) == NULL);
	CHECK(pw_event_type_name(PW_EV_TYPE_MAX) == NULL);
}
