#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# What pinwatch adds to every write(2) on the node: the median ns per write to
# /dev/null without pinwatch, and with `pinwatch trace --type cpuset_write`
# attached, alternating the two in one run (these machines are shared and
# noisy: only a same-run baseline means anything). Needs root.
#
# Usage: scripts/bench.sh [ROUNDS] [WRITES_PER_ROUND]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-7}
writes=${2:-2000000}
loop=build/tests/write_loop

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

base=() traced=()
for ((r = 0; r < rounds; r++)); do
	base+=("$("$loop" "$writes")")
	./build/pinwatch trace --type cpuset_write >/dev/null 2>"$(mktemp)" &
	pid=$!
	# Wait until attached: the tracer says so on stderr.
	sleep 1
	traced+=("$("$loop" "$writes")")
	kill -INT $pid
	wait $pid
done
b=$(printf '%s\n' "${base[@]}" | median)
t=$(printf '%s\n' "${traced[@]}" | median)
echo "write(2) to /dev/null, median of $rounds rounds x $writes writes"
echo "  baseline:                      $b ns/write   (rounds: ${base[*]})"
echo "  pinwatch trace (cpuset_write): $t ns/write   (rounds: ${traced[*]})"
awk -v b="$b" -v t="$t" 'BEGIN { printf "  added: %.1f ns/write (%.2fx the baseline)\n", t - b, t / b }'
