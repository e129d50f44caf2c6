#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# What each way of watching cpuset writes adds to every write(2) on the node,
# and to every other syscall (getppid(2)): ns per call, one run, variants
# alternating round by round (these machines are shared and noisy: only a
# same-run baseline means anything):
#
#   nothing      nothing attached (the baseline)
#   nothing-2    nothing attached again: the run's own noise (an A/A pair)
#   floor        empty BPF programs on exactly the hooks trace uses (tracepoint mode)
#   floor-fentry an empty fexit program on cgroup_file_write (only where fentry is the default)
#   trace        pinwatch trace (its default probe: fentry where allowed)
#   trace-tp     pinwatch trace --probe tracepoint (only where fentry is the default)
#   agent        pinwatch agent selecting nothing
#   agent-live   pinwatch agent with a live runc container isolated on CPU 1
#   bpftrace     bpftrace with the same cpuset-file filter (scripts/bench/cpuset_writes.bt)
#
# Each tracer must be seen attached before it is timed: a canary write to a
# scratch cpuset.cpus must show up in its output (the floor and the agent
# say what they attached). The loop runs on CPU 0 in every variant.
#
# Env: ROUNDS (7), CALLS (1000000) per measurement.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ROUNDS=${ROUNDS:-7}
CALLS=${CALLS:-1000000}
LOOP=$ROOT/build/tests/write_loop
H=$(cpuset_mount)
SCRATCH="$H/pwbench-syscalls-$$"
WORK=$(mktemp -d /tmp/pwbench-syscalls.XXXXXX)
CTR=$(random_container_id)
TOOL_PID=""

cleanup() {
	stop_interrupted TOOL_PID
	runc delete -f "$CTR" >/dev/null 2>&1 || true
	"$PW" restore --state-dir "$WORK/state" >/dev/null 2>&1 || true
	rm_cgroups_everywhere "${SCRATCH##*/}"
	unmount_tracefs
	rm -rf "$WORK"
}
trap cleanup EXIT


# The tracer saw a write to the scratch cpuset.cpus: it is attached.
canary_seen() {
	local i
	for ((i = 0; i < 50; i++)); do
		# The shell's echo is a write(2) (busybox cat would sendfile(2)).
		echo "$(cat "$SCRATCH/cpuset.cpus")" >"$SCRATCH/cpuset.cpus"
		sleep 0.1
		grep -q 'cpuset.cpus' "$WORK/out" && return 0
	done
	die "$VARIANT attached nothing: a canary write to $SCRATCH/cpuset.cpus was not seen"
}

start_tool() {
	VARIANT=$1
	: >"$WORK/out"
	: >"$WORK/err"
	case $1 in
	nothing | nothing-2) return 0 ;;
	floor) start_floor tracepoint "$WORK/out" ;;
	floor-fentry) start_floor fentry "$WORK/out" ;;
	trace | trace-tp)
		"$PW" trace $([ "$1" = trace-tp ] && echo --probe tracepoint) >"$WORK/out" 2>"$WORK/err" &
		TOOL_PID=$!
		wait_for_line "$WORK/err" "tracing (cpuset writes by" "$TOOL_PID"
		canary_seen
		;;
	agent | agent-live)
		"$PW" agent --state-dir "$WORK/state" --restore-on-exit \
			$([ "$1" = agent-live ] && echo --select-cgroup "/${SCRATCH##*/}/*") >"$WORK/out" 2>&1 &
		TOOL_PID=$!
		wait_for_line "$WORK/out" "agent running" "$TOOL_PID"
		[ "$1" = agent ] || wait_for_line "$WORK/out" "isolate CPUs" "$TOOL_PID"
		;;
	bpftrace)
		bpftrace "$ROOT/scripts/bench/cpuset_writes.bt" >"$WORK/out" 2>&1 &
		TOOL_PID=$!
		wait_for_line "$WORK/out" "Attaching 6 probes" "$TOOL_PID"
		canary_seen
		;;
	esac
}

mkdir -p "$WORK/state"
mount_tracefs
mkdir "$SCRATCH"
cpuset_init "$H" "$SCRATCH"
[ -f "$SCRATCH/cpuset.cpus" ] || die "cpuset is not enabled below $H"
# The canary needs a value to write back: on cgroup2 a child's own cpuset.cpus starts empty.
[ -n "$(cat "$SCRATCH/cpuset.cpus")" ] || cat "$SCRATCH/cpuset.cpus.effective" >"$SCRATCH/cpuset.cpus"

# A live container on CPU 1 for agent-live (not opted in: only that agent selects it).
make_bundle "$WORK/bundle" 1 "/${SCRATCH##*/}/$CTR" >/dev/null
(cd / && runc run -d --bundle "$WORK/bundle" "$CTR") </dev/null >"$WORK/runc.out" 2>&1 ||
	die "runc run failed: $(cat "$WORK/runc.out")"

variants=(nothing nothing-2 floor trace agent agent-live)
# In this shell, not a subshell: the EXIT trap must know the tracer if it fails.
start_tool trace
mode=$(sed -n 's/.*tracing (cpuset writes by \([a-z]*\)).*/\1/p' "$WORK/err")
stop_interrupted TOOL_PID
[ "$mode" = fentry ] && variants+=(floor-fentry trace-tp)
if command -v bpftrace >/dev/null; then
	variants+=(bpftrace)
else
	echo "# bpftrace is not installed here: its row is left out"
fi

declare -A W G
pin=()
command -v taskset >/dev/null && pin=(taskset -c 0)
for ((r = 0; r < ROUNDS; r++)); do
	n=${#variants[@]}
	for ((i = 0; i < n; i++)); do
		v=${variants[$(((i + r) % n))]}
		start_tool "$v"
		W[$v]+="$("${pin[@]}" "$LOOP" "$CALLS" write) "
		G[$v]+="$("${pin[@]}" "$LOOP" "$CALLS" getppid) "
		stop_interrupted TOOL_PID
	done
done

# added BASELINE VARIANT: per-round differences (paired), as "median (min-max)".
added() {
	local -a b v d=()
	read -r -a b <<<"$1"
	read -r -a v <<<"$2"
	for ((r = 0; r < ROUNDS; r++)); do d+=("$(awk -v x="${v[$r]}" -v y="${b[$r]}" 'BEGIN { printf "%.1f", x - y }')"); done
	stats "${d[@]}"
}
label() {
	case $1 in
	nothing) echo "nothing attached" ;;
	nothing-2) echo "nothing attached (A/A: noise)" ;;
	floor) echo "floor: empty programs, trace's hooks" ;;
	floor-fentry) echo "floor: trace's fentry-mode hooks" ;;
	trace) echo "pinwatch trace ($mode)" ;;
	trace-tp) echo "pinwatch trace (tracepoint)" ;;
	agent) echo "pinwatch agent, selecting nothing" ;;
	agent-live) echo "pinwatch agent, 1 container isolated" ;;
	bpftrace) echo "bpftrace, same filter" ;;
	esac
}
echo "Cost per syscall: ns per call, median (min-max) of $ROUNDS rounds x $CALLS calls;"
echo "'added' is the median of each round's difference to 'nothing attached' in that round"
printf '%-38s %-24s %-22s %-24s %s\n' variant "write(2) ns" added "getppid(2) ns" added
for v in "${variants[@]}"; do
	read -r -a w <<<"${W[$v]}"
	read -r -a g <<<"${G[$v]}"
	if [ "$v" = nothing ]; then
		printf '%-38s %-24s %-22s %-24s %s\n' "$(label "$v")" "$(stats "${w[@]}")" - "$(stats "${g[@]}")" -
	else
		printf '%-38s %-24s %-22s %-24s %s\n' "$(label "$v")" "$(stats "${w[@]}")" \
			"$(added "${W[nothing]}" "${W[$v]}")" "$(stats "${g[@]}")" "$(added "${G[nothing]}" "${G[$v]}")"
	fi
done
if [ -n "${W[bpftrace]:-}" ]; then
	tp=trace
	[ "$mode" = fentry ] && tp=trace-tp
	t=$(added "${W[nothing]}" "${W[$tp]}" | cut -d' ' -f1)
	b=$(added "${W[nothing]}" "${W[bpftrace]}" | cut -d' ' -f1)
	awk -v t="$t" -v b="$b" 'BEGIN { printf "pinwatch trace (tracepoint) adds %.2fx what bpftrace adds per write\n", t / b }'
fi
