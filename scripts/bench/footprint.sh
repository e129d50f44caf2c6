#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# What the agent and ps cost on a large node: with N container cgroups
# (kubepods-style paths, pinned, no tasks) in the cpuset hierarchy, N = 0
# (the start-up floor: loading and attaching the BPF side), 1,000, 10,000:
#   - the agent's start-up to ready (its own "ready in" line) and its RSS;
#   - the agent's CPU per cpuset.cpus change of one container, at 10,000,
#     and the floor for it: a bare inotify reader that reads the changed
#     file (build/tests/inotify_floor), the same changes;
#   - pinwatch ps: wall time, and its openat(2) calls (strace); and the
#     floor for any ps that reads files: build/tests/cgroup_read_floor reads
#     what a row needs of every cgroup of the mount (stat, cgroup.procs,
#     cpuset.cpus, through the parent's fd: seven syscalls a leaf).
# Medians of ROUNDS starts; everything made is removed at the end.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ROUNDS=${ROUNDS:-5}
H=$(cpuset_mount)
BASE="$H/pwbench-$$"
STATE=$(mktemp -d /tmp/pwbench-state.XXXXXX)
AGENT="" FLOOR_PID=""
cleanup() {
	[ -n "$AGENT" ] && kill -KILL "$AGENT" 2>/dev/null
	stop_interrupted FLOOR_PID
	"$PW" restore --state-dir "$STATE" >/dev/null 2>&1 || true
	rm_cgroups "$BASE"
	rm -rf "$STATE"
}
trap cleanup EXIT

mkdir "$BASE"
v1=0
[ -f "$H/cpuset.mems" ] && v1=1
cpuset_init "$H" "$BASE"

# setup DIR CPUS: a cpuset on v1 needs mems and cpus before anything below it.
setup() {
	mkdir -p "$1"
	if [ $v1 = 1 ]; then
		echo 0 >"$1/cpuset.mems"
		echo "$2" >"$1/cpuset.cpus"
	fi
}

# grow_to N: N container cgroups in pods of 100.
made=0
grow_to() {
	local pod i id
	while [ $made -lt "$1" ]; do
		pod="$BASE/kubepods/burstable/pod$(printf '%08x-0000-4000-8000-%012x' $$ $made)"
		setup "$BASE/kubepods" 0-1
		setup "$BASE/kubepods/burstable" 0-1
		setup "$pod" 0-1
		for ((i = 0; i < 100 && made < $1; i++, made++)); do
			id=$(printf '%064x' $((made + 1)))
			setup "$pod/$id" 0-1
		done
	done
	LAST=${pod:+$pod/$id}
}

start_agent() {
	: >"$STATE/log"
	"$PW" agent --state-dir "$STATE" >"$STATE/log" 2>&1 &
	AGENT=$!
	for ((i = 0; i < 600; i++)); do
		grep -q 'agent running' "$STATE/log" && return 0
		sleep 0.05
	done
	echo "bench: the agent did not start: $(tail -3 "$STATE/log")" >&2
	return 1
}
stop_agent() {
	kill -TERM "$AGENT"
	wait "$AGENT" 2>/dev/null || true
	AGENT=""
}

measure_agent() {
	local ready=() rss=() r
	for ((r = 0; r < ROUNDS; r++)); do
		start_agent
		ready+=("$(sed -n 's/.*ready in \([0-9.]*\) ms.*/\1/p' "$STATE/log")")
		rss+=("$(awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$AGENT/status")")
		[ "$r" -lt $((ROUNDS - 1)) ] && stop_agent
	done
	echo "  agent ready:     $(stats "${ready[@]}") ms"
	echo "  agent RSS:       $(stats "${rss[@]}") MiB (VmRSS once ready)"
}

# change_cpus N: 2N changes of the last container's cpuset.cpus.
change_cpus() {
	local i
	for ((i = 0; i < $1; i++)); do
		echo $((i % 2)) >"$LAST/cpuset.cpus"
		echo 0-1 >"$LAST/cpuset.cpus"
	done
}

# The agent's CPU per cpuset.cpus change of one container, less its CPU over
# the same span idle (its tick), at the current size. The agent is running;
# its first 10 s (it looks again at cgroups nothing named yet) are let pass.
measure_events() {
	local n=5000 idle0 idle1 wall0 cpu0 cpu1
	sleep 10
	idle0=$(cpu_ns "$AGENT")
	sleep 4
	idle1=$(cpu_ns "$AGENT")
	wall0=$(date +%s%N)
	cpu0=$(cpu_ns "$AGENT")
	change_cpus $n
	sleep 1
	cpu1=$(cpu_ns "$AGENT")
	awk -v idle=$((idle1 - idle0)) -v busy=$((cpu1 - cpu0)) -v span=$(($(date +%s%N) - wall0)) \
		-v n=$((2 * n)) 'BEGIN {
		printf "  agent CPU:       %.1f us per cpuset.cpus change (%d changes; %.0f ms busy, %.1f ms idle in 4 s)\n",
			(busy - idle * span / 4e9) / n / 1e3, n, busy / 1e6, idle / 1e6 }'
}

# The floor under the agent's CPU per change: the least a reader of the
# same changes does (inotify wake, event read, file read), the agent stopped.
measure_floor() {
	local n=5000 cpu0 cpu1
	"$ROOT/build/tests/inotify_floor" "$LAST/cpuset.cpus" >"$STATE/floor.out" &
	FLOOR_PID=$!
	wait_for_line "$STATE/floor.out" watching "$FLOOR_PID"
	cpu0=$(cpu_ns "$FLOOR_PID")
	change_cpus $n
	sleep 1
	cpu1=$(cpu_ns "$FLOOR_PID")
	stop_interrupted FLOOR_PID
	awk -v busy=$((cpu1 - cpu0)) -v n=$((2 * n)) -v seen="$(tail -n 1 "$STATE/floor.out")" 'BEGIN {
		printf "  floor:           %.1f us per change (build/tests/inotify_floor: inotify wake, events read, file read; %s for %d changes)\n",
			busy / n / 1e3, seen, n }'
}

# wall_ms OUT CMD...: CMD run ROUNDS times, its output to OUT, its wall time in ms
# as "median (min-max)".
wall_ms() {
	local out=$1 times=() t0 t1 r
	shift
	for ((r = 0; r < ROUNDS; r++)); do
		t0=$(date +%s%N)
		"$@" >"$out"
		t1=$(date +%s%N)
		times+=("$(((t1 - t0) / 1000000))")
	done
	stats "${times[@]}"
}

measure_ps() {
	local opens ps_ms floor_ms
	ps_ms=$(wall_ms /dev/null "$PW" ps --state-dir "$STATE")
	opens=$(strace -f -c -e trace=openat,open "$PW" ps --state-dir "$STATE" 2>&1 >/dev/null |
		awk '$NF == "openat" || $NF == "open" { calls += $4; errors += ($5 ~ /^[0-9]+$/ ? $5 : 0) } END { printf "%d openat (%d failed)", calls, errors }')
	echo "  pinwatch ps:     $ps_ms ms; $opens"
	floor_ms=$(wall_ms "$STATE/read-floor.out" "$ROOT/build/tests/cgroup_read_floor" "$H")
	echo "  floor:           $floor_ms ms (build/tests/cgroup_read_floor: $(cat "$STATE/read-floor.out"))"
}

echo "Footprint: agent start-up, RSS and CPU per event; pinwatch ps (medians of $ROUNDS, min-max)"
for n in 0 1000 10000; do
	grow_to $n
	echo "with $n container cgroups ($(find "$BASE" -type d | wc -l) cgroups in the test tree):"
	measure_agent
	[ $n = 10000 ] && measure_events
	stop_agent
	[ $n = 10000 ] && measure_floor
	measure_ps
done
