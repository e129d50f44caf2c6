# SPDX-License-Identifier: GPL-2.0-only
# Shared by the integration tests: result lines, cleanup, cgroup helpers and a
# pinwatch trace running in the background. Each test prints "ok - NAME" or
# "not ok - NAME" lines that tests/run.sh counts.
#
# Every test makes its cgroups under a unique name and registers how to undo
# each change with on_exit before making it: the EXIT trap runs them in
# reverse, also when the test fails or is interrupted.

set -u
ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
PW=${PW:-$ROOT/build/pinwatch}
HELPERS=${HELPERS:-$ROOT/build/tests}
. "$ROOT/tests/bundle.sh"
TEST_ID="pwtest-$$-$RANDOM"
WORK=$(mktemp -d "/tmp/$TEST_ID.XXXXXX")
TRACE_PID=""
TRACE_OUT="$WORK/trace.json"
TRACE_ERR="$WORK/trace.err"
_cleanups=()

# TEST_TAG (e.g. "asan" when PW is the sanitizer build) prefixes every result name.
TAG=${TEST_TAG:+[$TEST_TAG] }
ok() { echo "ok - $TAG$1"; }
not_ok() {
	echo "not ok - $TAG$1"
	shift
	[ $# -gt 0 ] && echo "# $*"
	return 0
}
# check NAME COMMAND...: ok if COMMAND succeeds.
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name" "failed: $*"; fi
}

on_exit() { _cleanups+=("$1"); }
_run_cleanups() {
	local i
	stop_trace
	for ((i = ${#_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_cleanups[$i]}" >/dev/null 2>&1 || true
	done
	[ -n "${KEEP_WORK:-}" ] && echo "# kept $WORK" || rm -rf "$WORK"
}
trap _run_cleanups EXIT
trap 'exit 130' INT TERM

# The v1 cpuset mount, or "" on a pure cgroup2 host.
v1_cpuset_mount() {
	awk '$3 == "cgroup" && $4 ~ /(^|,)cpuset(,|$)/ { print $2; exit }' /proc/mounts
}

# require_v1_cpuset LABEL WHY: V1, this host's v1 cpuset mount; without one,
# a failure saying so (WHY: where that part is tested instead) and exit.
require_v1_cpuset() {
	V1=$(v1_cpuset_mount)
	if [ -z "$V1" ]; then
		not_ok "$1: this host has a v1 cpuset hierarchy" "$2"
		exit 1
	fi
}
# The cgroup2 mount.
v2_mount() {
	awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts
}
# require_guest_v2 LABEL: a kernel-matrix guest (pure cgroup v2, 3 CPUs: a
# container on CPUs 1-2 can be isolated); V2 its cgroup2 mount. Else a
# failure, and the test ends.
require_guest_v2() {
	V2=$(v2_mount)
	if [ -n "$(v1_cpuset_mount)" ] || [ "$(nproc)" -lt 3 ]; then
		not_ok "$1: pure cgroup v2 with 3 CPUs" "run in the kernel-matrix guests"
		exit 1
	fi
}
# v2_partitions: this kernel has cpuset.cpus.exclusive and remote
# partitions (6.7+), what the v2 backend isolates with.
v2_partitions() { [ -e "$(v2_mount)/cpuset.cpus.isolated" ]; }
# skip_test LABEL WHY: a skip the runner counts as one (never as a pass); the test ends.
skip_test() {
	echo "skip - ${TAG}$1: $2"
	exit 0
}

# fresh_run_dirs [DIR...]: the runtimes' directories in /run (by default
# /run/containerd, /run/docker and /run/runc) as a new machine has them:
# none. What an earlier run (or another test) left there is moved aside and
# put back at exit; what the test's daemons and agents make meanwhile goes.
# containerd's shims keep their sockets (/run/containerd/s) and runc roots
# (/run/containerd/runc/NAMESPACE) there whatever the daemon's own state
# is, and a shim that makes /run/containerd makes it 0600: what a fresh
# node (or a k3s one) has.
fresh_run_dirs() {
	local d aside dirs=("$@")
	[ ${#dirs[@]} -gt 0 ] || dirs=(/run/containerd /run/docker /run/runc)
	for d in containerd dockerd; do
		if pgrep -x "$d" >/dev/null; then
			not_ok "no $d runs on this machine besides the test's own" \
				"its directories in /run cannot be moved aside: stop it first"
			return 1
		fi
	done
	aside=$(mktemp -d /tmp/pwrun-aside.XXXXXX)
	on_exit "_restore_run_dirs '$aside' ${dirs[*]}"
	for d in "${dirs[@]}"; do
		[ -e "$d" ] && mv "$d" "$aside/$(basename "$d")"
	done
	return 0
}
_restore_run_dirs() {
	local aside=$1 d
	shift
	for d in "$@"; do
		umount -R -l "$d" 2>/dev/null
		rm -rf "$d"
		[ -e "$aside/$(basename "$d")" ] && mv "$aside/$(basename "$d")" "$d"
	done
	rmdir "$aside"
}

# Remove a cgroup directory and everything below it, deepest first.
rm_cgroup_tree() {
	[ -d "$1" ] || return 0
	find "$1" -depth -type d -exec rmdir {} + 2>/dev/null
	[ ! -d "$1" ]
}

# Write a value to a cgroup file, and register writing back the old value.
set_cgroup_file() {
	local file=$1 value=$2 old
	old=$(cat "$file")
	on_exit "echo '${old:-}' > '$file'"
	echo "$value" >"$file"
}

# On cgroup2, make cpuset files appear under the root: enable the controller
# in the root's subtree_control (undone at exit if it was off).
v2_enable_cpuset() {
	local v2
	v2=$(v2_mount)
	if ! grep -qw cpuset "$v2/cgroup.subtree_control"; then
		on_exit "echo -cpuset > '$v2/cgroup.subtree_control'"
		echo +cpuset >"$v2/cgroup.subtree_control"
	fi
}

# On cgroup2, give the children of DIR (one of ours) cpuset files. Nothing
# to undo: DIR goes with the test's cgroups.
enable_cpuset_below() {
	[ -f "$1/cgroup.subtree_control" ] && echo +cpuset >"$1/cgroup.subtree_control"
	return 0
}

# Set H to the hierarchy that carries cpuset files: v1 cpuset where mounted,
# else cgroup2 with the cpuset controller enabled below the root.
use_cpuset_hierarchy() {
	H=$(v1_cpuset_mount)
	if [ -z "$H" ]; then
		H=$(v2_mount)
		v2_enable_cpuset
	fi
}

# start_trace ARGS...: run `pinwatch trace --json ARGS` until stop_trace.
# Loading is slow under emulation (the guests): wait up to 60 s for it.
start_trace() {
	local i
	# Both emptied first: the readiness poll below must not find the last
	# tracer's "tracing" line while this one is still starting.
	: >"$TRACE_OUT"
	: >"$TRACE_ERR"
	"$PW" trace --json "$@" >"$TRACE_OUT" 2>"$TRACE_ERR" &
	TRACE_PID=$!
	for ((i = 0; i < 600; i++)); do
		grep -q 'tracing' "$TRACE_ERR" 2>/dev/null && return 0
		kill -0 "$TRACE_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "# pinwatch trace did not start: $(cat "$TRACE_ERR")"
	# Never leave a tracer behind, started or not.
	kill -KILL "$TRACE_PID" 2>/dev/null
	wait "$TRACE_PID" 2>/dev/null
	TRACE_PID=""
	return 1
}

# Stop the tracer with SIGINT; it drains the ring buffer before it exits.
# One that does not stop within 20 s, or does not exit 0, is a failure.
stop_trace() {
	local rc
	[ -n "$TRACE_PID" ] || return 0
	kill -INT "$TRACE_PID" 2>/dev/null
	if ! wait_for 20 eval '! kill -0 "$TRACE_PID" 2>/dev/null'; then
		not_ok "pinwatch trace stops on SIGINT"
		kill -KILL "$TRACE_PID" 2>/dev/null
	fi
	wait "$TRACE_PID" 2>/dev/null
	rc=$?
	TRACE_PID=""
	[ "$rc" -eq 0 ] || not_ok "pinwatch trace exits 0 on SIGINT (rc $rc)" "$(tail -n 5 "$TRACE_ERR")"
}

# count_events JQ_CONDITION: how many traced events match (the stream's own
# records, "lost" and the closing "counters", are not events).
count_events() {
	jq -c "select(.type != \"counters\" and .type != \"lost\") | select($1)" "$TRACE_OUT" | wc -l
}

# expect NAME JQ_CONDITION: at least one traced event matches.
expect() {
	local n
	n=$(count_events "$2")
	if [ "$n" -ge 1 ]; then
		ok "$1"
	else
		not_ok "$1" "no event matches: $2"
		echo "# the trace holds $(wc -l <"$TRACE_OUT") lines; its stderr ends:"
		tail -n 8 "$TRACE_ERR" | sed 's/^/#   /'
	fi
}

# expect_none NAME JQ_CONDITION: no traced event matches.
expect_none() {
	local n
	n=$(count_events "$2")
	if [ "$n" -eq 0 ]; then ok "$1"; else not_ok "$1" "$n events match: $2"; fi
}

# All tests need root, jq and the built binaries: fail loudly otherwise.
require_basics() {
	local missing=""
	[ "$(id -u)" = 0 ] || missing="$missing root"
	command -v jq >/dev/null || missing="$missing jq"
	[ -x "$PW" ] || missing="$missing $PW"
	if [ -n "$missing" ]; then
		not_ok "$(basename "$0"): prerequisites" "missing:$missing (run scripts/install-deps.sh and make)"
		exit 1
	fi
}
# json_lines_valid FILE: FILE holds at least one line and every line is JSON.
json_lines_valid() {
	jq -e -s 'length > 0' "$1" >/dev/null
}

# A random pod UID in the 8-4-4-4-12 form.
random_pod_uid() {
	local h
	h=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
	echo "${h:0:8}-${h:8:4}-${h:12:4}-${h:16:4}-${h:20:12}"
}

# Remove $1 (a path below a hierarchy root) from every mounted cgroup hierarchy.
rm_cgroup_everywhere() {
	local m
	for m in $(awk '$3 == "cgroup" || $3 == "cgroup2" { print $2 }' /proc/mounts); do
		rm_cgroup_tree "$m/$1"
	done
}

# spinners_hits PROBE_CGROUP CPU [FIRST]: start two CPU-bound spinners in
# PROBE (a cpuset that allows CPU), pinned to CPU FIRST (0), then allowed on
# all CPUs;
# sample their CPU every 50 ms for 2 s and print how many samples found one
# on CPU. Load balancing moves one there within ~50-500 ms; with CPU out of
# balancing, never (../shared/TESTING.md).
spinners_hits() {
	local probe=$1 target=$2 first=${3:-0} pids=() p hits=0 cpu i allowed
	# Widen to what the cpuset allows (an isolated partition refuses other CPUs).
	allowed=$(cat "$probe/cpuset.cpus.effective" "$probe/cpuset.effective_cpus" 2>/dev/null)
	for i in 1 2; do
		sh -c "echo \$\$ >'$probe/cgroup.procs' && exec taskset -c $first sh -c 'while :; do :; done'" &
		pids+=($!)
	done
	sleep 0.2
	for p in "${pids[@]}"; do
		if ! taskset -pc "$allowed" "$p" >/dev/null; then
			kill "${pids[@]}" 2>/dev/null
			wait "${pids[@]}" 2>/dev/null
			echo "spinners could not be allowed on $allowed" >&2
			echo -1
			return
		fi
	done
	for ((i = 0; i < 40; i++)); do
		for p in "${pids[@]}"; do
			cpu=$(awk '{ print $39 }' "/proc/$p/stat" 2>/dev/null)
			[ "$cpu" = "$target" ] && hits=$((hits + 1))
		done
		sleep 0.05
	done
	kill "${pids[@]}" 2>/dev/null
	wait "${pids[@]}" 2>/dev/null
	echo "$hits"
}

# balanced_to PROBE CPU [FIRST]: spinners reach CPU within up to 5 tries. A
# busy machine may not migrate in one try: never call a quiet baseline a pass.
balanced_to() {
	local try
	for ((try = 0; try < 5; try++)); do
		[ "$(spinners_hits "$1" "$2" "${3:-0}")" -gt 0 ] && return 0
	done
	return 1
}

# pids_named COMM: the pids of running processes (not zombies) whose comm is
# COMM, from /proc (the guests have no pgrep).
pids_named() {
	awk -v c=" ($1) " 'index($0, c) && !index($0, c "Z ") { print $1 }' /proc/[0-9]*/stat 2>/dev/null
}

# cpulist_has LIST CPU: whether the cpulist LIST (e.g. "0-1,3") holds CPU.
cpulist_has() {
	local part lo hi
	for part in ${1//,/ }; do
		lo=${part%-*} hi=${part#*-}
		[ "$2" -ge "$lo" ] && [ "$2" -le "$hi" ] && return 0
	done
	return 1
}

# wait_for SECONDS COMMAND...: poll until COMMAND succeeds.
wait_for() {
	local limit=$1 i
	shift
	for ((i = 0; i < limit * 10; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# The BPF links process PID holds, as "LINK_TYPE TP_NAME" lines, sorted (from
# /proc/PID/fdinfo: no bpftool needed, so the guests can check it too).
bpf_links_of() {
	local f
	for f in /proc/"$1"/fdinfo/*; do
		awk '/^link_type:/ { t = $2 } /^tp_name:/ { n = $2 } END { if (t) print t, (n ? n : "-") }' "$f" 2>/dev/null
	done | sort
}
# links_are_tax_free PID: zero tax, as the agent must be: raw tracepoint
# links on cgroup changes and execs only (and, where the kernel resumes
# held tasks at the agent's exit, process exits: a compare and out for
# every other process), and no perf event (how syscall tracepoints attach).
links_are_tax_free() {
	local links want="raw_tracepoint cgroup_mkdir raw_tracepoint cgroup_notify_populated raw_tracepoint cgroup_rmdir raw_tracepoint sched_process_exec "
	links=$(bpf_links_of "$1" | tr '\n' ' ')
	[ "$links" = "$want" ] || [ "$links" = "${want}raw_tracepoint sched_process_exit " ] ||
		{ echo "# links of $1: $links"; return 1; }
	! ls -l /proc/"$1"/fd | grep -q perf_event
}

require_basics
