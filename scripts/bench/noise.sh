#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# What pinwatch noise costs: its counters watch CPU 1 (a perf event and a
# BPF program on that CPU alone). Measured on CPU 0, which it does not
# watch: a context-switch round trip (perf bench sched pipe: two tasks on one
# CPU, two switches per round trip) and a syscall loop; and on CPU 1, the
# round trip again: there every switch runs the program, the cost per
# intrusion. Variants alternate round by round (shared, noisy machines:
# only a same-run baseline means anything):
#
#   off      nothing running (the baseline)
#   off-2    nothing again: the run's own noise (an A/A pair)
#   noise    pinwatch noise --cpus 1
#
# Env: ROUNDS (7), LOOPS (100000) round trips, CALLS (1000000) syscalls.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ROUNDS=${ROUNDS:-7}
LOOPS=${LOOPS:-100000}
CALLS=${CALLS:-1000000}
LOOP=$ROOT/build/tests/write_loop
WORK=$(mktemp -d /tmp/pwbench-noise.XXXXXX)
NOISE_PID=""
[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs: CPU 1 watched, CPU 0 not"
command -v perf >/dev/null || die "perf is not installed (scripts/install-deps.sh --with-bench)"

cleanup() {
	stop_interrupted NOISE_PID
	rm -rf "$WORK"
}
trap cleanup EXIT


start_variant() {
	[ "$1" = noise ] || return 0
	"$PW" noise --cpus 1 --interval 3600 --json >/dev/null 2>"$WORK/noise.err" &
	NOISE_PID=$!
	wait_for_line "$WORK/noise.err" "watching 1 CPUs: context switches" "$NOISE_PID"
}

# roundtrip CPU: ns per context switch of a pipe round trip on CPU.
roundtrip() {
	taskset -c "$1" perf bench sched pipe -l "$LOOPS" 2>/dev/null |
		awk '/usecs\/op/ { printf "%.0f\n", $1 * 1000 / 2 }'
}

declare -A PP0 PP1 SYS
VARIANTS=(off noise off-2)
for ((r = 0; r < ROUNDS; r++)); do
	for v in "${VARIANTS[@]}"; do
		start_variant "$v"
		PP0[$v]+="$(roundtrip 0) "
		SYS[$v]+="$(taskset -c 0 "$LOOP" "$CALLS" getppid) "
		PP1[$v]+="$(roundtrip 1) "
		stop_interrupted NOISE_PID
	done
done

# ratio A B: median of A over median of B.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "x%.3f", a / b }'; }
echo "pinwatch noise --cpus 1: median (min-max) of $ROUNDS rounds, variants alternating"
printf '%-8s %-32s %-28s %-32s\n' variant "CPU 0 round trip, ns/switch" "CPU 0 getppid, ns/call" "CPU 1 (watched) round trip, ns/switch"
for v in "${VARIANTS[@]}"; do
	# shellcheck disable=SC2086
	printf '%-8s %-32s %-28s %-32s\n' "$v" "$(stats ${PP0[$v]})" "$(stats ${SYS[$v]})" "$(stats ${PP1[$v]})"
done
# shellcheck disable=SC2086
{
	m() { median <<<"$(printf '%s\n' $1)"; }
	echo "CPU 0 round trip: noise/off $(ratio "$(m "${PP0[noise]}")" "$(m "${PP0[off]}")"), A/A off-2/off $(ratio "$(m "${PP0[off-2]}")" "$(m "${PP0[off]}")")"
	echo "CPU 0 getppid:   noise/off $(ratio "$(m "${SYS[noise]}")" "$(m "${SYS[off]}")"), A/A off-2/off $(ratio "$(m "${SYS[off-2]}")" "$(m "${SYS[off]}")")"
	echo "CPU 1 round trip: noise/off $(ratio "$(m "${PP1[noise]}")" "$(m "${PP1[off]}")"), +$(($(m "${PP1[noise]}") - $(m "${PP1[off]}"))) ns per switch on the watched CPU (the cost per intrusion)"
}
