#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Run every test and print one closing line "N passed, N failed, N skipped".
#
#   tests/run.sh            unit tests (ASan+UBSan), the style check, the
#                           integration tests on this host (the tracer and agent
#                           suites twice: also with build/pinwatch-asan), then
#                           the guest tests under QEMU on Debian's 6.1 and 6.12
#                           kernels (pure cgroup v2)
#   tests/run.sh cli        only the suites whose name contains "cli"
#   tests/run.sh vm         only the guests (suites vm-6.1 and vm-6.12)
#
# Each test prints "ok - NAME", "not ok - NAME" or "skip - NAME"; a test
# script that dies without saying "not ok" counts as one failure.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export ROOT
FILTER=${1:-}
SCRIPT_TIMEOUT=${SCRIPT_TIMEOUT:-300}
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
# A guest's own limit (run-guest.sh) stays below its suite's, so qemu is
# always stopped by the script that started it.
export VM_TIMEOUT=${VM_TIMEOUT:-420}
passed=0 failed=0 skipped=0

# run_suite NAME SECONDS COMMAND...: run it, echo its lines, count them.
run_suite() {
	local name=$1 limit=$2 out rc p f s
	shift 2
	out=$(mktemp)
	echo "# $name"
	timeout --signal=INT --kill-after=60 "$limit" "$@" >"$out" 2>&1
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

# What the tests must leave as they found it: cgroups they made, the kernel
# settings of the cpuset hierarchy roots, and the knobs' node-wide settings
# (IRQ affinities, per-CPU resume latencies).
machine_state() {
	find /sys/fs/cgroup -maxdepth 3 -type d -name 'pwtest-*' 2>/dev/null | sort
	cat /sys/fs/cgroup/cpuset/cpuset.sched_load_balance 2>/dev/null
	grep . /proc/irq/default_smp_affinity /proc/irq/*/smp_affinity_list \
		/sys/devices/system/cpu/cpu*/power/pm_qos_resume_latency_us 2>/dev/null
	for v2 in $(awk '$3 == "cgroup2" { print $2 }' /proc/mounts); do
		echo "$v2: $(cat "$v2/cgroup.subtree_control")"
		cat "$v2/cpuset.cpus.partition" 2>/dev/null
	done
}

before=$(machine_state)
if [ -z "$FILTER" ] || [[ unit == *"$FILTER"* ]]; then
	run_suite unit "$SCRIPT_TIMEOUT" "$ROOT/build/unit_tests"
fi
for t in "$ROOT"/tests/style/test_*.sh "$ROOT"/tests/integration/test_*.sh; do
	name=$(basename "$t" .sh)
	[ -n "$FILTER" ] && [[ $name != *"$FILTER"* ]] && continue
	# 500 random operations on real containers take 3.5 min here: room to spare.
	limit=$SCRIPT_TIMEOUT
	[ "$name" = test_agent_converge ] && limit=$((SCRIPT_TIMEOUT * 2))
	run_suite "$name" "$limit" bash "$t"
done
# Every parser of untrusted input, fuzzed briefly: a crash or a sanitizer report fails.
if [ -z "$FILTER" ] || [[ fuzz == *"$FILTER"* ]]; then
	run_suite fuzz $((FUZZ_SECONDS * 8 + 60)) "$ROOT/tests/fuzz/run.sh" "$FUZZ_SECONDS"
fi
# The tracer and the agent again, built with ASan and UBSan: a memory bug in a
# privileged agent is a security bug, and these paths read what containers choose.
for name in test_cgroup_events test_containers test_agent_v1 test_knobs; do
	[ -n "$FILTER" ] && [[ asan-$name != *"$FILTER"* ]] && continue
	run_suite "asan-$name" "$SCRIPT_TIMEOUT" env PW="$ROOT/build/pinwatch-asan" TEST_TAG=asan \
		bash "$ROOT/tests/integration/$name.sh"
done
# The kernel matrix: the guest tests (tests/vm/guest-tests.txt) on each kernel.
initramfs="$ROOT/build/vm/initramfs.cpio.gz"
for series in 6.1 6.12; do
	[ -n "$FILTER" ] && [[ vm-$series != *"$FILTER"* ]] && continue
	if [ ! -f "$initramfs.done" ]; then
		mkdir -p "$ROOT/build/vm"
		"$ROOT/tests/vm/build-initramfs.sh" "$initramfs" && touch "$initramfs.done"
	fi
	run_suite "vm-$series" $((VM_TIMEOUT + 60)) "$ROOT/tests/vm/run-guest.sh" "$series" "$initramfs"
done
rm -f "$initramfs.done"
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
