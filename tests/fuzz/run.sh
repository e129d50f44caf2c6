#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Run every libFuzzer target (build/fuzz/fuzz_*) for SECONDS each, from the
# seed corpus in tests/fuzz/corpus/ and the corpus earlier runs grew in
# build/fuzz/corpus/. One result line per target; a crash, a leak or a
# sanitizer report fails it and keeps the input in build/fuzz/crashes/.
#
# Usage: tests/fuzz/run.sh SECONDS [TARGET...]
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
seconds=${1:?usage: run.sh SECONDS [TARGET...]}
shift
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	for t in "$ROOT"/tests/fuzz/fuzz_*.c; do targets+=("$(basename "$t" .c)"); done
fi
mkdir -p "$ROOT/build/fuzz/crashes"
# fuzz_one TARGET: its result lines into build/fuzz/TARGET.result; status 1 if it failed.
fuzz_one() {
	local t=$1 bin="$ROOT/build/fuzz/$1" corpus="$ROOT/build/fuzz/corpus/$1"
	local log="$ROOT/build/fuzz/$1.log" rc runs
	exec >"$ROOT/build/fuzz/$t.result"
	if [ ! -x "$bin" ]; then
		echo "not ok - fuzz $t: $bin is built (make fuzz-build)"
		return 1
	fi
	mkdir -p "$corpus"
	"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$ROOT/build/fuzz/crashes/$t-" "$corpus" "$ROOT/tests/fuzz/corpus/$t" \
		>"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	if [ $rc -eq 0 ]; then
		echo "ok - fuzz $t: ${runs:-?} inputs in $seconds s, no crash or sanitizer report"
		return 0
	fi
	echo "not ok - fuzz $t (rc $rc): see $log and build/fuzz/crashes/"
	grep -m 5 -E 'ERROR|SUMMARY|runtime error|deadly signal' "$log" | sed 's/^/# /'
	return 1
}
# One target per CPU at a time: each fuzzer is single-threaded.
jobs_max=$(nproc)
failed=0
running=0
for t in "${targets[@]}"; do
	if [ "$running" -ge "$jobs_max" ]; then
		wait -n || failed=1
		running=$((running - 1))
	fi
	fuzz_one "$t" &
	running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
	wait -n || failed=1
	running=$((running - 1))
done
for t in "${targets[@]}"; do cat "$ROOT/build/fuzz/$t.result"; done
exit $failed
