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
FUZZ_SECONDS=${FUZZ_SECONDS:-10}
# A guest's own limit (run-guest.sh) stays below its suite's, so qemu is
# always stopped by the script that started it.
export VM_TIMEOUT=${VM_TIMEOUT:-600}
passed=0 failed=0 skipped=0

# No test, benchmark or script of this project sends a packet off this
# machine: only to loopback, or inside network namespaces and QEMU guests it
# makes (their user-mode network is QEMU itself). The default route's
# interface is watched around every suite; what it sent meanwhile fails the
# suite, by name. (An idle host sends nothing in 30 s: ../shared/TESTING.md.)
TX_IFACE=$(awk '$2 == "00000000" { print $1; exit }' /proc/net/route 2>/dev/null)
tx_packets() {
	[ -n "$TX_IFACE" ] && cat "/sys/class/net/$TX_IFACE/statistics/tx_packets" 2>/dev/null || echo 0
}

# run_suite NAME SECONDS COMMAND...: run it, echo its lines, count them.
run_suite() {
	local name=$1 limit=$2 out rc p f s tx start=$SECONDS
	shift 2
	out=$(mktemp)
	echo "# $name"
	tx=$(tx_packets)
	timeout --signal=INT --kill-after=60 "$limit" "$@" >"$out" 2>&1
	rc=$?
	tx=$(($(tx_packets) - tx))
	cat "$out"
	echo "# $name took $((SECONDS - start)) s"
	p=$(grep -c '^ok - ' "$out")
	f=$(grep -c '^not ok - ' "$out")
	s=$(grep -c '^skip - ' "$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name exited with status $rc"
		f=1
	fi
	if [ -n "$TX_IFACE" ]; then
		if [ "$tx" -eq 0 ]; then
			echo "ok - $name sent no packet off this machine ($TX_IFACE: 0 sent)"
			p=$((p + 1))
		else
			echo "not ok - $name sent no packet off this machine ($TX_IFACE: $tx sent while it ran)"
			f=$((f + 1))
		fi
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

# The guests' kernels are fetched (Debian's packages, like every other
# dependency) before any suite runs: the watch above is for the tests.
for series in 6.1 6.12 6.12-rt; do
	[ -n "$FILTER" ] && [[ vm-$series != *"$FILTER"* ]] && continue
	"$ROOT/tests/vm/kernel.sh" "$series" >/dev/null ||
		echo "# the $series kernel could not be fetched: its suite will say so"
done
[ -n "$TX_IFACE" ] || echo "# no default route here: no interface to watch for packets sent"
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
for name in test_cgroup_events test_containers test_agent_v1 test_knobs test_noise; do
	[ -n "$FILTER" ] && [[ asan-$name != *"$FILTER"* ]] && continue
	run_suite "asan-$name" "$SCRIPT_TIMEOUT" env PW="$ROOT/build/pinwatch-asan" TEST_TAG=asan \
		bash "$ROOT/tests/integration/$name.sh"
done
# The kernel matrix: the guest tests (tests/vm/guest-tests.txt) on each kernel.
# Each guest emulates its CPUs on one host CPU, so two run at a time once no
# host test runs; the 6.12 list, the longest, is shared by two guests. The
# 6.12 PREEMPT_RT guest runs only what needs its osnoise tracer (Debian
# builds it into the -rt flavour alone): test_noise_v2's rtla comparison.
initramfs="$ROOT/build/vm/initramfs.cpio.gz"
guests=() # "SERIES PART" (PART: K/N, or - for the whole list)
for job in "6.12 0/2" "6.12 1/2" "6.1 -" "6.12-rt -"; do
	[ -n "$FILTER" ] && [[ vm-${job%% *} != *"$FILTER"* ]] && continue
	guests+=("$job")
done
# guest_name SERIES PART: vm-6.1, vm-6.12-part0, ...
guest_name() { if [ "$2" = - ]; then echo "vm-$1"; else echo "vm-$1-part${2%/*}"; fi; }
# needs_nic PART: 1 when that share of the list holds test_knobs or
# test_noise_v2, whose IRQ proofs need the guest's own NIC; every other guest
# has none (-nic none).
needs_nic() {
	local k=0 n=1
	[ "$1" = - ] || k=${1%/*} n=${1#*/}
	grep -v -e '^#' -e '^$' "$ROOT/tests/vm/guest-tests.txt" |
		awk -v k="$k" -v n="$n" '(NR - 1) % n == k' | grep -qE 'test_knobs|test_noise_v2' && echo 1 || echo 0
}
if [ ${#guests[@]} -gt 0 ]; then
	mkdir -p "$ROOT/build/vm"
	"$ROOT/tests/vm/build-initramfs.sh" "$initramfs"
	for job in "${guests[@]}"; do
		read -r series part <<<"$job"
		rm -f "$ROOT/build/vm/results-$(guest_name "$series" "$part").txt"{,.rc,.start}
	done
	(
		running=0
		for job in "${guests[@]}"; do
			read -r series part <<<"$job"
			out="$ROOT/build/vm/results-$(guest_name "$series" "$part").txt"
			if [ "$running" -ge 2 ]; then
				wait -n
				running=$((running - 1))
			fi
			(date +%s >"$out.start"
			only="" genv=""
			[ "$series" = 6.12-rt ] && only=test_noise_v2 genv=NOISE_RTLA=1
			timeout --kill-after=60 $((VM_TIMEOUT + 60)) env GUEST_NIC="$(needs_nic "$part")" PART="${part/#-/}" \
				GUEST_ONLY="$only" GUEST_ENV="$genv" \
				"$ROOT/tests/vm/run-guest.sh" "$series" "$initramfs" >"$out" 2>&1
			echo $? >"$out.rc") &
			running=$((running + 1))
		done
		wait
	) &
	for job in "${guests[@]}"; do
		read -r series part <<<"$job"
		out="$ROOT/build/vm/results-$(guest_name "$series" "$part").txt"
		# Guests run side by side: each says how long it ran itself.
		run_suite "$(guest_name "$series" "$part")" $((2 * VM_TIMEOUT + 180)) bash -c \
			'while [ ! -e "$1.rc" ]; do sleep 1; done; cat "$1"
			echo "# the guest ran $(($(stat -c %Y "$1.rc") - $(cat "$1.start"))) s"
			exit "$(cat "$1.rc")"' _ "$out"
	done
fi
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
