#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Holding the first exec (agent --hold, v1 cpusets on this host, real runc
# started with --bundle and from its bundle directory): with the agent slowed
# on purpose (PINWATCH_DELAY_APPLY_MS, the fault-injection build), an
# opted-in container's workload must find its isolation already in place as
# its first act, in every start: it reads its own cpuset.sched_load_balance
# (0 once isolated) into a marker file. The control without holding must see
# 1 at least once. Containers that are not selected are never held; a dead
# agent's held task resumes at once, a stuck agent holds nothing, and no
# hold outlasts its bound. crun runs here only in a mount namespace of its
# own (it refuses hybrid hosts), where its execs are rightly not trusted:
# its starts are held in the guests (tests/vm/test_agent_hold_v2.sh); the
# kill matrix and hand-made cgroups are test_agent_hold_safe.sh.
. "$(dirname "$0")/../lib.sh"

require_v1_cpuset "agent hold" "the v2 hold is tested in the guests"
. "$(dirname "$0")/../agent_lib.sh"
STARTS=${HOLD_STARTS:-100}
export PINWATCH_DELAY_APPLY_MS=150
AGENT_BIN=$HELPERS/pinwatch-faults

# One bundle for every start: a busybox workload whose first act is to read
# its cpuset's load balancing flag (its own cgroup, through the cgroup
# namespace) into /marker, then sleep.
B="$WORK/hold-bundle"
make_bundle "$B" 1 /unused >/dev/null
jq '.root.readonly = false
	| .process.args = ["sh", "-c", "read lb < /sys/fs/cgroup/cpuset/cpuset.sched_load_balance; echo \"$lb\" > /marker; exec sleep 300"]' \
	"$B/config.json" >"$WORK/base.json"

# hold_start HOW OPT_IN: one start, by runc with --bundle (runc) or from the
# bundle directory (runc-cwd: the bundle is runc's working directory, as
# runc's own README starts one); prints the marker (or "none" after 5 s).
# The container's id is in $WORK/cur (hold_start may run in a subshell).
hold_start() {
	local rt=$1 id i
	id=$(random_container_id)
	echo "$id" >"$WORK/cur"
	rm -f "$B/rootfs/marker"
	jq --arg cg "/$TEST_ID/kubepods/pod$(random_pod_uid)/$id" --arg opt "$2" '
		.linux.cgroupsPath = $cg
		| if $opt == "yes" then .annotations = {"cpu-load-balancing.crio.io": "disable"} else . end' \
		"$WORK/base.json" >"$B/config.json"
	if [ "$rt" = runc-cwd ]; then
		(cd "$B" && runc run -d "$id") </dev/null >>"$WORK/rt.out" 2>&1
	else
		(cd / && runc run -d --bundle "$B" "$id") </dev/null >>"$WORK/rt.out" 2>&1
	fi
	for ((i = 0; i < 50; i++)); do
		[ -s "$B/rootfs/marker" ] && break
		sleep 0.1
	done
	cat "$B/rootfs/marker" 2>/dev/null || echo none
}
hold_delete() {
	runc delete -f "$(cat "$WORK/cur")" >>"$WORK/rt.out" 2>&1
	wait_for 10 journal_empty
}
on_exit 'runc delete -f "$(cat "$WORK/cur" 2>/dev/null)" >/dev/null 2>&1'

# A task of the test's containers is stopped (held).
task_held() {
	local f pid
	for f in "$V1/$TEST_ID"/kubepods/pod*/*/cgroup.procs; do
		for pid in $(cat "$f" 2>/dev/null); do
			[ "$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)" = T ] && return 0
		done
	done
	return 1
}

# 1. Every start of an opted-in container, slowed agent: isolated before its first act.
start_agent --reserved 0 || { not_ok "agent starts" "$(cat "$LOG")"; exit 1; }
check "the agent says it holds first execs not yet isolated" grep -q "holding first execs not yet isolated" "$LOG"
guardian=$(pgrep -P "$AGENT_PID" -x pinwatch-guard)
check "its guardian runs, with CAP_KILL and CAP_BPF only" \
	grep -q '^CapEff:.*0000008000000020$' "/proc/${guardian:-0}/status"
for rt in runc runc-cwd; do
	n=$STARTS
	: >"$WORK/markers"
	for ((s = 0; s < n; s++)); do
		hold_start $rt yes >>"$WORK/markers"
		hold_delete
	done
	good=$(grep -cx 0 "$WORK/markers")
	check "$rt: in $good of $n starts the workload's first act saw its isolation in place" \
		test "$good" = "$n"
	sort "$WORK/markers" | uniq -c | sed 's/^/# markers: /'
done
held=$(grep -c "held pid .* at its first exec" "$LOG")
resumed=$(grep -c "resumed pid .*: its isolation is in place" "$LOG")
echo "# $held of $((2 * STARTS)) starts were held (the others' isolation won the race)"
check "starts were held ($held), each resumed once isolated ($resumed)" \
	test "$held" -gt 0 -a "$resumed" = "$held"
check "each resume came after an isolation was read back" \
	awk '/isolated [0-9a-f]+ .* after the pinning write/ { isolated++ }
		/resumed pid .*: its isolation is in place/ { if (++resumed > isolated) bad++ }
		END { exit bad > 0 }' "$LOG"
stop_agent

# 1b. trace sees each hold and its release, by their signals, named by container.
start_agent --reserved 0 || exit 1
start_trace --type hold,release || exit 1
: >"$WORK/traced-ids"
for ((s = 0; s < 5; s++)); do
	hold_start runc yes >/dev/null
	cat "$WORK/cur" >>"$WORK/traced-ids"
	hold_delete
done
stop_trace
held=$(log_count "held pid .* at its first exec")
check "trace: a hold record for each of the agent's $held holds" \
	test "$held" -gt 0 -a "$(count_events '.type == "hold"')" = "$held"
check "trace: as many releases, each sent by the agent after the hold, with its time" \
	test "$(count_events '.type == "release" and (.comm | startswith("pinwatch")) and .held_ns > 0')" = "$held"
first=$(jq -r 'select(.type == "hold") | .pid' "$TRACE_OUT" | head -1)
check "trace: the hold is the held task's own (pid $first), its release names it" \
	test -n "$first" -a "$(count_events ".type == \"release\" and .target_pid == $first")" = 1
check "trace: holds and releases carry the container's id and cgroup" \
	test "$(count_events '(.container_id // "") as $id | .path | endswith("/" + $id)')" = $((2 * held)) -a \
	"$(jq -r 'select(.type == "hold") | .container_id' "$TRACE_OUT" | grep -cxFf "$WORK/traced-ids")" = "$held"
# The kernel's clock says the same: each held workload's exec (its hold), then its
# isolation read back (the agent's ktime_ns), then its release.
sed -n 's/.*isolated \([0-9a-f]\{12\}\) .*(ktime_ns \([0-9]*\)).*/\1 \2/p' "$LOG" >"$WORK/isolated"
jq -r 'select(.type == "hold" or .type == "release") | "\(.container_id[0:12]) \(.type) \(.ktime_ns)"' \
	"$TRACE_OUT" >"$WORK/holds"
check "kernel timestamps: exec held, then isolation read back, then release, for each of the $held" \
	awk 'NR == FNR { iso[$1] = $2; next } { t[$1, $2] = $3; ids[$1] = 1 }
		END { for (i in ids) { n++; if (!(i in iso) || !(t[i, "hold"] < iso[i] && iso[i] < t[i, "release"])) bad++ }
			exit n == 0 || bad > 0 }' "$WORK/isolated" "$WORK/holds"
stop_agent

# 2. Containers that are not selected: never held.
start_agent --reserved 0 || exit 1
: >"$WORK/markers"
for ((s = 0; s < STARTS; s++)); do
	hold_start runc no >>"$WORK/markers"
	runc delete -f "$(cat "$WORK/cur")" >>"$WORK/rt.out" 2>&1
done
check "$STARTS starts of containers that are not selected all ran ($(grep -cx 1 "$WORK/markers"))" \
	test "$(grep -cx 1 "$WORK/markers")" = "$STARTS"
check "none of them was held" test "$(grep -c "held pid" "$LOG")" = 0
stop_agent

# 3. The control: without holding, the slowed agent loses the race.
start_agent --reserved 0 --hold never || exit 1
: >"$WORK/markers"
for ((s = 0; s < 5; s++)); do
	hold_start runc yes >>"$WORK/markers"
	hold_delete
done
check "control, --hold never: some workload ran before its isolation ($(tr '\n' ' ' <"$WORK/markers"))" \
	grep -qx 1 "$WORK/markers"
stop_agent

# 4. The agent killed while a task is held (it is busy in its slowed apply):
#    its guardian resumes the task at once, and the restarted agent completes
#    the isolation.
export PINWATCH_DELAY_APPLY_MS=4000
start_agent --reserved 0 || exit 1
hold_start runc yes >"$WORK/marker.kill" &
starter=$!
check "a task is held (stopped)" wait_for 10 task_held
t0=$(date +%s%N)
stop_agent KILL
wait $starter
t1=$(date +%s%N)
check "killed agent: the held workload ran within 1 s ($(((t1 - t0) / 1000000)) ms), unisolated" \
	test "$(cat "$WORK/marker.kill")" = 1 -a $(((t1 - t0) / 1000000)) -lt 1000
check "killed agent: its guardian is gone too" wait_for 5 eval '[ -z "$(pids_named pinwatch-guard)" ]'
export PINWATCH_DELAY_APPLY_MS=0
start_agent --reserved 0 || exit 1
check "the restarted agent isolates the running container" \
	wait_for 10 bash -c "jq -e '.isolated | length == 1' '$STATE/state.json' >/dev/null"
hold_delete
stop_agent

# 5. A stuck agent holds nothing: its heartbeat is stale.
start_agent --reserved 0 || exit 1
kill -STOP "$AGENT_PID"
sleep 2.5
t0=$(date +%s%N)
marker=$(hold_start runc yes)
t1=$(date +%s%N)
kill -CONT "$AGENT_PID"
check "stuck agent: the workload ran at once ($(((t1 - t0) / 1000000)) ms, marker $marker)" \
	test "$marker" = 1 -a $(((t1 - t0) / 1000000)) -lt 2000
check "stuck agent: nothing was held" test "$(grep -c "held pid" "$LOG")" = 0
hold_delete
stop_agent

# 6. No hold outlasts its bound: an agent busy past it (here: 5 s in one
#    apply) cannot resume anything, and its guardian does, 3 s after the hold.
export PINWATCH_DELAY_APPLY_MS=5000
start_agent --reserved 0 || exit 1
t0=$(date +%s%N)
marker=$(hold_start runc yes)
t1=$(date +%s%N)
check "bound: the held workload ran after the guardian's 3 s ($(((t1 - t0) / 1000000)) ms, marker $marker)" \
	test "$marker" = 1 -a $(((t1 - t0) / 1000000)) -ge 2800 -a $(((t1 - t0) / 1000000)) -lt 4500
check "bound: the guardian said so" wait_for 5 grep -q "guardian: resumed 1 tasks the agent held too long" "$LOG"
hold_delete
stop_agent
