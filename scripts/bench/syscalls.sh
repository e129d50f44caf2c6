#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# What pinwatch adds to every write(2) on the node, and to every other
# syscall: median ns per write to /dev/null and per getppid(2) without
# pinwatch, and with `pinwatch trace --type cpuset_write` attached,
# alternating the two in one run (these machines are shared and noisy: only
# a same-run baseline means anything). Needs root.
#
# Usage: scripts/bench.sh [ROUNDS] [WRITES_PER_ROUND]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-7}
writes=${2:-2000000}
loop=build/tests/write_loop

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

err=$(mktemp)
trap 'rm -f "$err"' EXIT
base=() traced=() obase=() otraced=()
for ((r = 0; r < rounds; r++)); do
	base+=("$("$loop" "$writes" write)")
	obase+=("$("$loop" "$writes" getppid)")
	: >"$err"
	./build/pinwatch trace --type cpuset_write >/dev/null 2>"$err" &
	pid=$!
	until grep -q tracing "$err"; do sleep 0.1; done
	traced+=("$("$loop" "$writes" write)")
	otraced+=("$("$loop" "$writes" getppid)")
	kill -INT $pid
	wait $pid
done
# report NAME BASELINE... -- TRACED...
report() {
	local b t
	b=$(printf '%s\n' "${@:2:$rounds}" | median)
	t=$(printf '%s\n' "${@:$((rounds + 3))}" | median)
	echo "$1, median of $rounds rounds x $writes calls"
	echo "  baseline:                      $b ns/call   (rounds: ${*:2:$rounds})"
	echo "  pinwatch trace (cpuset_write): $t ns/call   (rounds: ${*:$((rounds + 3))})"
	awk -v b="$b" -v t="$t" 'BEGIN { printf "  added: %.1f ns/call (%.2fx the baseline)\n", t - b, t / b }'
}
report "write(2) to /dev/null" "${base[@]}" -- "${traced[@]}"
report "getppid(2), a syscall pinwatch does not look at" "${obase[@]}" -- "${otraced[@]}"
