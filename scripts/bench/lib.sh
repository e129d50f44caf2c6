# SPDX-License-Identifier: GPL-2.0-only
# Shared by the benchmark sections: statistics over repeated runs, and the
# cgroup mount to work in. Every section restores what it changes.

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
PW=${PW:-$ROOT/build/pinwatch}
. "$ROOT/tests/bundle.sh"
# A section stopped by a signal (Ctrl-C, timeout) exits, so its EXIT trap
# (its cleanup) still restores the host: bash runs none for a signal it dies of.
trap 'exit 130' INT TERM

# median / minimum / maximum of the numbers on stdin.
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }
minimum() { sort -g | head -n 1; }
maximum() { sort -g | tail -n 1; }
# "median (min-max)" of the numbers given as arguments.
stats() {
	local nums
	nums=$(printf '%s\n' "$@")
	echo "$(median <<<"$nums") ($(minimum <<<"$nums")-$(maximum <<<"$nums"))"
}

# The mount that carries cpusets: v1 cpuset where there is one, else cgroup2.
cpuset_mount() {
	awk '$3 == "cgroup" && $4 ~ /(^|,)cpuset(,|$)/ { print $2; exit }' /proc/mounts |
		grep . || awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts
}

# die MESSAGE: the section stops, saying why (its cleanup trap restores the host).
die() {
	echo "bench $(basename "$0" .sh): $*" >&2
	exit 1
}

# stop_interrupted VAR: the background tool whose pid VAR holds gets SIGINT (it
# ends its stream as on Ctrl-C) and is waited for; VAR is emptied. Nothing when empty.
# One still there after 20 s is killed, and said: a section must not hang on it.
stop_interrupted() {
	local -n bg_pid=$1
	local i
	[ -n "$bg_pid" ] || return 0
	kill -INT "$bg_pid" 2>/dev/null || true
	for ((i = 0; i < 200; i++)); do
		kill -0 "$bg_pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$bg_pid" 2>/dev/null; then
		echo "bench $(basename "$0" .sh): pid $bg_pid ($(cat "/proc/$bg_pid/comm" 2>/dev/null)) did not stop on SIGINT within 20 s: killed" >&2
		kill -KILL "$bg_pid" 2>/dev/null || true
	fi
	wait "$bg_pid" 2>/dev/null || true
	bg_pid=""
}

# wait_for_line FILE PATTERN [PID]: the file holds PATTERN within 20 s, or the
# section dies; with PID, it dies as soon as that process is gone.
wait_for_line() {
	local i
	for ((i = 0; i < 200; i++)); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		[ -z "${3:-}" ] || kill -0 "$3" 2>/dev/null || break
		sleep 0.1
	done
	die "no '$2' in $1: $(tail -n 3 "$1" 2>/dev/null)"
}

# cpuset_init MOUNT DIR: a new cpuset DIR below MOUNT gets the root's CPUs and
# memory nodes where it needs them before anything below it (v1: the root has
# cpuset.mems); cgroup2 children inherit theirs.
cpuset_init() {
	[ -f "$1/cpuset.mems" ] || return 0
	[ -n "$(cat "$2/cpuset.mems")" ] || cat "$1/cpuset.mems" >"$2/cpuset.mems"
	[ -n "$(cat "$2/cpuset.cpus")" ] || cat "$1/cpuset.cpus" >"$2/cpuset.cpus"
}

# Remove a cgroup tree, deepest first.
rm_cgroups() {
	[ -d "$1" ] && find "$1" -depth -type d -exec rmdir {} + 2>/dev/null
	true
}

# Remove the cgroup tree NAME (below the root) from every mounted hierarchy:
# runtimes make a container's cgroups in all of them.
rm_cgroups_everywhere() {
	local m
	for m in $(awk '$3 == "cgroup" || $3 == "cgroup2" { print $2 }' /proc/mounts); do
		rm_cgroups "$m/$1"
	done
}

# mount_tracefs: syscall tracepoints attach through tracefs, which a fresh
# machine has not mounted; the section's cleanup calls unmount_tracefs, which
# unmounts it only if this section mounted it.
TRACEFS_MOUNTED=0
mount_tracefs() {
	grep -q ' /sys/kernel/tracing tracefs ' /proc/mounts && return 0
	mount -t tracefs tracefs /sys/kernel/tracing
	TRACEFS_MOUNTED=1
}
unmount_tracefs() {
	[ "$TRACEFS_MOUNTED" = 1 ] || return 0
	umount /sys/kernel/tracing
	TRACEFS_MOUNTED=0
}

# start_floor MODE FILE: build/tests/bpf_floor's empty programs on trace's hooks in
# MODE (tracepoint, fentry) attached, its "attached N programs" in FILE; its pid in
# TOOL_PID, for stop_interrupted.
start_floor() {
	"$ROOT/build/tests/bpf_floor" "$ROOT/build/floor.bpf.o" "$1" >"$2" 2>&1 &
	TOOL_PID=$!
	wait_for_line "$2" "attached [0-9]* programs" "$TOOL_PID"
}

# CPU time of a process so far, in ns, summed over its threads (the
# scheduler's own runtime, /proc/PID/task/TID/schedstat: not rounded to ticks).
cpu_ns() { cat /proc/"$1"/task/*/schedstat | awk '{ ns += $1 } END { printf "%d\n", ns }'; }
