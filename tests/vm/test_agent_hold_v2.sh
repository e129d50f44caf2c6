#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Holding the first exec with the v2 partition backend (guests only: pure
# cgroup v2, 3 CPUs, 6.7 or later): with the agent slowed on purpose, an
# opted-in container pinned to CPUs 1-2 must find its cpuset.cpus.partition
# "isolated" as its workload's first act, in every start, by runc with
# --bundle, runc from its bundle directory, and crun (which runs on the host
# itself here: pure v2); without holding, some start sees "member"; a
# container that is not selected is not held.
. "$(dirname "$0")/../lib.sh"

require_guest_v2 "agent hold v2"
# Not a pass: nothing is held where the v2 agent does not run (test_agent_v2 proves that).
v2_partitions || skip_test "agent hold v2" "kernel $(uname -r) has no cpuset.cpus.exclusive (6.7+)"
STATE="$WORK/state"
AGENT_PID=""
on_exit "rm_cgroup_everywhere '$TEST_ID'"
on_exit "'$PW' restore --state-dir '$STATE'"
on_exit '[ -n "$AGENT_PID" ] && kill -KILL $AGENT_PID'
on_exit 'for r in runc crun; do $r delete -f "$(cat "$WORK/cur" 2>/dev/null)" >/dev/null 2>&1; done'
LOG="$WORK/agent.log"
STARTS=${HOLD_STARTS:-10}
export PINWATCH_DELAY_APPLY_MS=300

B="$WORK/bundle"
make_bundle "$B" 1-2 /unused >/dev/null
jq '.root.readonly = false
	| .process.args = ["sh", "-c", "read p < /sys/fs/cgroup/cpuset.cpus.partition; echo \"$p\" > /marker; exec sleep 300"]' \
	"$B/config.json" >"$WORK/base.json"

# one OPT_IN [HOW]: a start by runc with --bundle (runc, the default), runc
# from the bundle directory (runc-cwd) or crun; prints the marker ("none"
# after 10 s); deletes it and waits for the journal to be empty again.
one() {
	local id i rt=runc
	id=$(random_container_id)
	echo "$id" >"$WORK/cur"
	rm -f "$B/rootfs/marker"
	jq --arg cg "/$TEST_ID/kubepods/pod$(random_pod_uid)/$id" --arg opt "$1" '
		.linux.cgroupsPath = $cg
		| if $opt == "yes" then .annotations = {"cpu-load-balancing.crio.io": "disable"} else . end' \
		"$WORK/base.json" >"$B/config.json"
	case ${2:-runc} in
	runc-cwd) (cd "$B" && runc run -d "$id") </dev/null >>"$WORK/rt.out" 2>&1 ;;
	crun) rt=crun && (cd / && crun run -d --bundle "$B" "$id") </dev/null >>"$WORK/rt.out" 2>&1 ;;
	*) (cd / && runc run -d --bundle "$B" "$id") </dev/null >>"$WORK/rt.out" 2>&1 ;;
	esac
	for ((i = 0; i < 100; i++)); do
		[ -s "$B/rootfs/marker" ] && break
		sleep 0.1
	done
	cat "$B/rootfs/marker" 2>/dev/null || echo none
	$rt delete -f "$id" >>"$WORK/rt.out" 2>&1
	wait_for 20 bash -c "[ ! -e '$STATE/state.json' ] || jq -e '.isolated | length == 0' '$STATE/state.json' >/dev/null"
}

agent() {
	"$HELPERS/pinwatch-faults" agent --state-dir "$STATE" "$@" >>"$LOG" 2>&1 &
	AGENT_PID=$!
	wait_for 60 grep -q 'agent running' "$LOG"
}
stop() {
	kill -TERM "$AGENT_PID"
	wait "$AGENT_PID"
	AGENT_PID=""
	: >"$LOG"
}

agent || { not_ok "agent starts" "$(cat "$LOG")"; exit 1; }
for how in runc runc-cwd crun; do
	: >"$WORK/markers"
	for ((s = 0; s < STARTS; s++)); do one yes "$how" >>"$WORK/markers"; done
	check "$how: in all $STARTS starts the workload's first act saw its partition isolated" \
		test "$(grep -cx isolated "$WORK/markers")" = "$STARTS"
	sort "$WORK/markers" | uniq -c | sed 's/^/# markers: /'
	grep -qx isolated "$WORK/markers" || head -n 40 "$LOG" | sed 's/^/# agent: /'
done
check "the starts were held and resumed once isolated" \
	test "$(grep -c 'resumed pid .*: its isolation is in place' "$LOG")" -gt 0
: >"$WORK/markers"
held=$(grep -c 'held pid' "$LOG")
for ((s = 0; s < 3; s++)); do one no >>"$WORK/markers"; done
check "containers that are not selected ran ($(tr '\n' ' ' <"$WORK/markers"))" \
	test "$(grep -cx member "$WORK/markers")" = 3
check "and were not held" test "$(grep -c 'held pid' "$LOG")" = "$held"
stop

agent --hold never || exit 1
: >"$WORK/markers"
for ((s = 0; s < 3; s++)); do one yes >>"$WORK/markers"; done
check "control, --hold never: some workload ran before its partition ($(tr '\n' ' ' <"$WORK/markers"))" \
	grep -qx member "$WORK/markers"
stop
