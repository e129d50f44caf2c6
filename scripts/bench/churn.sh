#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Cgroup churn: N times make a cgroup, write its cpuset.cpus (where it has
# one) and remove it, as fast as the machine does it (build/tests/cgroup_churn),
# in a scratch subtree of the v1 cpuset hierarchy and of cgroup2:
#   - bare, with `pinwatch trace --json` writing to a file, with the agent:
#     operations/s, the loop's slowdown against bare in the same round,
#     events seen against operations made, events lost;
#   - the floor: empty BPF programs on exactly the hooks trace attaches
#     (build/tests/bpf_floor, in trace's mode): what attaching alone costs
#     the loop, and trace's slowdown over it in the same round;
#   - a slow reader, `pinwatch trace --json | jq -c .`: what it lost, and
#     that its stream says so ("lost" records adding up to the drops);
#   - the reader's rate to a pipe (`| cat`).
# Env: N (20000) operations per loop, ROUNDS (3).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
N=${N:-20000}
ROUNDS=${ROUNDS:-3}
CHURN=$ROOT/build/tests/cgroup_churn
WORK=$(mktemp -d /tmp/pwbench-churn.XXXXXX)
NAME="pwbench-churn-$$"
TOOL_PID=""

cleanup() {
	stop_interrupted TOOL_PID
	"$PW" restore --state-dir "$WORK/state" >/dev/null 2>&1 || true
	rm_cgroups_everywhere "$NAME"
	unmount_tracefs
	rm -rf "$WORK"
}
trap cleanup EXIT

# The hierarchies to churn in: "LABEL MOUNT".
hierarchies() {
	local v1 v2
	v1=$(awk '$3 == "cgroup" && $4 ~ /(^|,)cpuset(,|$)/ { print $2; exit }' /proc/mounts)
	v2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	[ -n "$v1" ] && echo "v1-cpuset $v1"
	[ -n "$v2" ] && echo "cgroup2 $v2"
}

# scratch MOUNT: a subtree to churn in, with CPUs where cpusets need them.
scratch() {
	local d="$1/$NAME"
	mkdir "$d"
	cpuset_init "$1" "$d"
	echo "$d"
}

# churn DIR: "OPS SECONDS" of one loop.
churn() { "$CHURN" "$1" "$N"; }

# note_loop VARIANT OPS SECONDS: that loop's rate, and its slowdown over this
# round's bare loop ($bare_s).
note_loop() {
	rate[$1]+="$(awk -v o="$2" -v s="$3" 'BEGIN { printf "%.0f", o / s }') "
	slow[$1]+="$(awk -v t="$3" -v b="$bare_s" 'BEGIN { printf "%.2f", t / b }') "
}

# The churn's events in a trace's JSON output, and the closing counters.
events_of() { grep -c "\"path\":\"/$NAME/" "$1" || true; }
counter() { jq -r "select(.type == \"counters\") | .$2" "$1"; }
lost_said() { jq -s 'map(select(.type == "lost") | .count) | add // 0' "$1"; }

# The reader at the end of a pipe wrote the closing counters record.
stream_ended() {
	local i
	for ((i = 0; i < 300; i++)); do
		tail -n 1 "$1" 2>/dev/null | grep -q '"type":"counters"' && return 0
		sleep 0.1
	done
	die "the stream in $1 did not end with its counters record"
}

start_trace() {
	"$PW" trace --json --cgroup "/$NAME" "$@" 2>"$WORK/trace.err" &
	TOOL_PID=$!
	wait_for_line "$WORK/trace.err" "tracing (cpuset writes by"
}

mount_tracefs
echo "Churn: $N operations per loop (mkdir, cpuset.cpus write where there is one, rmdir),"
echo "median (min-max) of $ROUNDS rounds; slowdown is each round's loop time over bare's"
while read -r label mount; do
	dir=$(scratch "$mount")
	declare -A rate=() slow=()
	over_floor=()
	seen=() drops=() agent_lost=() agent_rescans=()
	for ((r = 0; r < ROUNDS; r++)); do
		read -r ops bare_s < <(churn "$dir")
		rate[bare]+="$(awk -v o="$ops" -v s="$bare_s" 'BEGIN { printf "%.0f", o / s }') "

		start_trace >"$WORK/trace.json"
		read -r ops s < <(churn "$dir")
		stop_interrupted TOOL_PID
		note_loop trace "$ops" "$s"
		seen+=("$(events_of "$WORK/trace.json")")
		drops+=("$(counter "$WORK/trace.json" dropped)")
		trace_s=$s

		mode=$(sed -n 's/.*tracing (cpuset writes by \([a-z]*\)).*/\1/p' "$WORK/trace.err")
		start_floor "$mode" "$WORK/floor.out"
		read -r ops s < <(churn "$dir")
		stop_interrupted TOOL_PID
		note_loop floor "$ops" "$s"
		over_floor+=("$(awk -v t="$trace_s" -v f="$s" 'BEGIN { printf "%.2f", t / f }')")

		mkdir -p "$WORK/state"
		"$PW" agent --state-dir "$WORK/state" >"$WORK/agent.log" 2>&1 &
		TOOL_PID=$!
		wait_for_line "$WORK/agent.log" "agent running"
		read -r ops s < <(churn "$dir")
		sleep 1 # a tick: losses are noticed and rescanned
		stop_interrupted TOOL_PID
		note_loop agent "$ops" "$s"
		agent_lost+=("$(sed -n 's/.* \([0-9]*\) kernel events were lost.*/\1/p' "$WORK/agent.log" | awk '{ s += $1 } END { print s + 0 }')")
		agent_rescans+=("$(grep -c 'node rescanned' "$WORK/agent.log" || true)")
	done
	echo "$label ($mount/$NAME), $ops operations per loop:"
	# shellcheck disable=SC2086
	echo "  bare:           $(stats ${rate[bare]}) ops/s"
	# shellcheck disable=SC2086
	echo "  pinwatch trace: $(stats ${rate[trace]}) ops/s, slowdown x$(stats ${slow[trace]});" \
		"events seen $(stats "${seen[@]}") of $ops, dropped $(stats "${drops[@]}")"
	# shellcheck disable=SC2086
	echo "  floor ($(sed -n 's/attached \([0-9]*\) programs/\1/p' "$WORK/floor.out") empty programs on trace's $mode hooks): $(stats ${rate[floor]}) ops/s," \
		"slowdown x$(stats ${slow[floor]}); trace over the floor x$(stats "${over_floor[@]}")"
	# shellcheck disable=SC2086
	echo "  pinwatch agent: $(stats ${rate[agent]}) ops/s, slowdown x$(stats ${slow[agent]});" \
		"events lost $(stats "${agent_lost[@]}"), rescans after a loss $(stats "${agent_rescans[@]}")"

	# A slow reader: jq in the pipe. The kernel side never waits for it.
	start_trace > >(jq -c . >"$WORK/slow.json")
	read -r ops s < <(churn "$dir")
	sleep 1
	stop_interrupted TOOL_PID
	stream_ended "$WORK/slow.json"
	echo "  slow reader (trace --json | jq -c .): events seen $(events_of "$WORK/slow.json") of $ops," \
		"dropped $(counter "$WORK/slow.json" dropped), 'lost' records in the stream add up to $(lost_said "$WORK/slow.json")"

	# The reader's own rate: everything to a pipe, timed from first to last event.
	start_trace > >(cat >"$WORK/pipe.json")
	read -r ops s < <(churn "$dir")
	sleep 1
	stop_interrupted TOOL_PID
	stream_ended "$WORK/pipe.json"
	awk -v e="$(counter "$WORK/pipe.json" emitted)" -v s="$s" -v d="$(counter "$WORK/pipe.json" dropped)" \
		'BEGIN { printf "  to a pipe (trace --json | cat): %d events in %.2f s of churn (%.0f events/s), %d dropped\n", e, s, e / s, d }'
done < <(hierarchies)
