# SPDX-License-Identifier: GPL-2.0-only
# Shared by the agent tests (sourced after lib.sh): an agent in the
# background with a journal of the test's own, containers made with real
# runtimes, and the kernel files the agent changes. Set V1 (the v1 cpuset
# mount, "" on a pure cgroup2 host) before sourcing. Every change is undone
# at exit, also on failure.

STATE="$WORK/state"
AGENT_PID=""
# Whatever happens, the host gets its load balancing back.
on_exit "rm_cgroup_everywhere '$TEST_ID'"
on_exit "'$PW' restore --state-dir '$STATE'"
on_exit '[ -n "$AGENT_PID" ] && kill -CONT $AGENT_PID && kill -KILL $AGENT_PID'
[ -n "$V1" ] && on_exit "echo 1 > '$V1/cpuset.sched_load_balance'"

# Each start logs to a file of its own, $LOG; $WORK/agent.log gathers them all.
# AGENT_BIN=pinwatch-faults (fault injection, tests only) for the crash tests.
N=0
# unmovable: the IRQs the agents of this test said the kernel will not move.
unmovable() { sed -n 's/.*IRQ \([0-9]*\): the kernel will not move it.*/\1/p' "$WORK"/agent.*.log 2>/dev/null | sort -u; }
# v1_test_cpuset: the test's own cpuset T (/$TEST_ID) with the root's CPUs
# and memory nodes, and PORT, a random loopback port for the agent's metrics.
v1_test_cpuset() {
	PORT=$((20000 + RANDOM % 20000))
	T="/$TEST_ID"
	mkdir -p "$V1$T"
	cat "$V1/cpuset.mems" >"$V1$T/cpuset.mems"
	cat "$V1/cpuset.cpus" >"$V1$T/cpuset.cpus"
}
start_agent() {
	[ -n "${LOG:-}" ] && cat "$LOG" >>"$WORK/agent.log"
	N=$((N + 1))
	LOG="$WORK/agent.$N.log"
	: >"$LOG"
	"${AGENT_BIN:-$PW}" agent --state-dir "$STATE" "$@" >"$LOG" 2>&1 &
	AGENT_PID=$!
	wait_for 30 grep -q 'agent running' "$LOG"
}
# start_agent_or_exit ARGS...: start_agent, or a failure with its log and exit.
start_agent_or_exit() {
	start_agent "$@" && return 0
	not_ok "agent starts" "$(cat "$LOG")"
	exit 1
}
stop_agent() {
	kill -"${1:-TERM}" "$AGENT_PID" 2>/dev/null
	wait "$AGENT_PID" 2>/dev/null
	AGENT_PID=""
}

# start_ctr KEY CPUS OPT_IN [RUNTIME [CGROUPS_PATH]]: a container, by default
# under a kubepods-style path of the test's own; its workload sleeps, or runs
# CTR_ARGS when set (a JSON array); CTR_ANNOTATIONS (a JSON object) adds
# annotations.
declare -A ID CG RT
start_ctr() {
	local k=$1 b="$WORK/bundle-$1" rt=${4:-runc}
	RT[$k]=$rt
	ID[$k]=$(random_container_id)
	CG[$k]=${5:-/$TEST_ID/kubepods/pod$(random_pod_uid)/${ID[$k]}}
	rm -rf "$b"
	make_bundle "$b" "$2" "${CG[$k]}" >/dev/null || return 1
	if [ "$3" = yes ]; then
		jq '.annotations = {"cpu-load-balancing.crio.io": "disable"}' "$b/config.json" \
			>"$b/c.json" && mv "$b/c.json" "$b/config.json"
	fi
	if [ -n "${CTR_ANNOTATIONS:-}" ]; then
		jq --argjson a "$CTR_ANNOTATIONS" '.annotations += $a' "$b/config.json" >"$b/c.json" &&
			mv "$b/c.json" "$b/config.json"
	fi
	if [ -n "${CTR_ARGS:-}" ]; then
		jq --argjson a "$CTR_ARGS" '.process.args = $a' "$b/config.json" >"$b/c.json" &&
			mv "$b/c.json" "$b/config.json"
	fi
	on_exit "$rt delete -f '${ID[$k]}'"
	if [ "$rt" = crun ]; then
		# crun 1.8 refuses hybrid hosts: hide cgroup2 (see ../shared/TESTING.md).
		(cd / && unshare -m --propagation private sh -c \
			"umount /sys/fs/cgroup/unified && crun run -d --bundle '$b' '${ID[$k]}'") \
			</dev/null >>"$WORK/rt.out" 2>&1
	else
		(cd / && runc run -d --bundle "$b" "${ID[$k]}") </dev/null >>"$WORK/rt.out" 2>&1
	fi
}
delete_ctr() { "${RT[$1]}" delete -f "${ID[$1]}" >>"$WORK/rt.out" 2>&1; }
kill_ctr() { "${RT[$1]}" kill "${ID[$1]}" KILL >>"$WORK/rt.out" 2>&1; }

# journal_has_id ID: the journal holds container ID isolated; journal_has KEY, by start_ctr's key.
journal_has_id() { jq -e --arg id "$1" '.isolated | any(.container_id == $id)' "$STATE/state.json" >/dev/null 2>&1; }
journal_has() { journal_has_id "${ID[$1]}"; }
journal_empty() { [ ! -e "$STATE/state.json" ] || jq -e '.isolated | length == 0' "$STATE/state.json" >/dev/null 2>&1; }
lb() { cat "$V1$1/cpuset.sched_load_balance"; }
lb_is() { [ "$(lb "$1")" = "$2" ]; }
# Nothing isolated on the host: the root balanced, and no housekeeping
# cpuset, or one kept for the next container (--keep-layout) at every CPU.
layout_idle() {
	lb_is "" 1 && { [ ! -d "$V1/pinwatch.housekeeping" ] ||
		[ "$(cat "$V1/pinwatch.housekeeping/cpuset.cpus")" = "$(cat "$V1/cpuset.cpus")" ]; }
}
housekeeping_kept() { [ -d "$V1/pinwatch.housekeeping" ] && layout_idle; }
# How many log lines (of the current start) match PATTERN.
log_count() { grep -c -- "$1" "$LOG"; }

# metric NAME: its value from the agent's Prometheus endpoint on $PORT.
metric() {
	local v
	exec 3<>"/dev/tcp/127.0.0.1/$PORT" || return 1
	printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3
	v=$(awk -v n="$1" '$1 == n { print $2 }' <&3)
	exec 3<&-
	echo "$v"
}
