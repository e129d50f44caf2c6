#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Run every test and print one closing line "N passed, N failed, N skipped".
#
#   tests/run.sh            unit tests (ASan+UBSan), then the integration tests
#   tests/run.sh cli        only the tests whose name contains "cli"
#
# Each test prints "ok - NAME", "not ok - NAME" or "skip - NAME"; a test
# script that dies without saying "not ok" counts as one failure.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export ROOT
FILTER=${1:-}
SCRIPT_TIMEOUT=${SCRIPT_TIMEOUT:-300}
passed=0 failed=0 skipped=0

# run_suite NAME COMMAND...: run it, echo its lines, count them.
run_suite() {
	local name=$1 out rc p f s
	shift
	out=$(mktemp)
	echo "# $name"
	timeout --signal=INT --kill-after=10 "$SCRIPT_TIMEOUT" "$@" >"$out" 2>&1
	rc=$?
	cat "$out"
	p=$(grep -c '^ok - ' "$out")
	f=$(grep -c '^not ok - ' "$out")
	s=$(grep -c '^skip - ' "$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name exited with status $rc"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	rm -f "$out"
}

# What the tests must leave as they found it: cgroups they made, and the
# kernel settings of the cpuset hierarchy roots.
machine_state() {
	find /sys/fs/cgroup -maxdepth 3 -type d -name 'pwtest-*' 2>/dev/null | sort
	cat /sys/fs/cgroup/cpuset/cpuset.sched_load_balance 2>/dev/null
	for v2 in $(awk '$3 == "cgroup2" { print $2 }' /proc/mounts); do
		echo "$v2: $(cat "$v2/cgroup.subtree_control")"
		cat "$v2/cpuset.cpus.partition" 2>/dev/null
	done
}

before=$(machine_state)
if [ -z "$FILTER" ] || [[ unit == *"$FILTER"* ]]; then
	run_suite unit "$ROOT/build/unit_tests"
fi
for t in "$ROOT"/tests/integration/test_*.sh; do
	name=$(basename "$t" .sh)
	[ -n "$FILTER" ] && [[ $name != *"$FILTER"* ]] && continue
	run_suite "$name" bash "$t"
done
after=$(machine_state)
if [ "$before" = "$after" ]; then
	echo "ok - machine state restored after the tests"
	passed=$((passed + 1))
else
	echo "not ok - machine state restored after the tests"
	diff <(echo "$before") <(echo "$after") | sed 's/^/# /'
	failed=$((failed + 1))
fi

if [ $((passed + failed)) -eq 0 ]; then
	echo "no test ran"
	failed=1
fi
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
