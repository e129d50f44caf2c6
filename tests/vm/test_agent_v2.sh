#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The agent on pure cgroup v2 (guests only: the host's cpusets are v1): an
# opted-in container pinned to CPUs 1-2 becomes a remote isolated partition
# (proved by behaviour: spinners inside it allowed on both CPUs never move
# from 1 to 2) and is restored when its task exits. Kernels before 6.7 have
# no cpuset.cpus.exclusive (Debian 12's 6.1): there the agent runs all the
# same, applies what the kernel allows (an opted-in container's CFS quota
# and C-state knobs), says per container that load balancing cannot be
# disabled and why (log, ps --json, metric), and restores.
. "$(dirname "$0")/../lib.sh"

require_guest_v2 "agent v2"
STATE="$WORK/state"
AGENT_PID=""
on_exit "rm_cgroup_everywhere '$TEST_ID'"
on_exit "'$PW' restore --state-dir '$STATE'"
on_exit '[ -n "$AGENT_PID" ] && kill -KILL $AGENT_PID'
LOG="$WORK/agent.log"
if ! v2_partitions; then
	# Before 6.7: no exclusive CPUs, no remote partitions: everything else runs.
	QOS="/sys/devices/system/cpu/cpu1/power/pm_qos_resume_latency_us"
	QOS_WAS=$(cat "$QOS")
	on_exit "echo '$QOS_WAS' >'$QOS'"
	PORT=$((20000 + RANDOM % 20000))
	"$PW" agent --state-dir "$STATE" --metrics "127.0.0.1:$PORT" >"$LOG" 2>&1 &
	AGENT_PID=$!
	wait_for 60 grep -q 'agent running' "$LOG" || { not_ok "old kernel: the agent runs" "$(cat "$LOG")"; exit 1; }
	ok "old kernel: the agent runs"
	check "old kernel: it says load balancing cannot be disabled here, and why" \
		grep -q 'load balancing cannot be disabled here: this kernel has no cpuset.cpus.exclusive' "$LOG"
	ID=$(random_container_id)
	CG="/$TEST_ID/kubepods/pod$(random_pod_uid)/$ID"
	make_bundle "$WORK/b" 1 "$CG" >/dev/null
	jq '.annotations = {"cpu-load-balancing.crio.io": "disable", "cpu-quota.crio.io": "disable",
		"cpu-c-states.crio.io": "disable"}
		| .linux.resources.cpu.quota = 10000 | .linux.resources.cpu.period = 100000' \
		"$WORK/b/config.json" >"$WORK/c.json" && mv "$WORK/c.json" "$WORK/b/config.json"
	on_exit "runc delete -f '$ID'"
	(cd / && runc run -d --bundle "$WORK/b" "$ID") </dev/null >"$WORK/rt.out" 2>&1
	tuned() { jq -r '[.tuned[].knob] | sort | join(",")' "$STATE/state.json" 2>/dev/null; }
	check "old kernel: the quota and C-state knobs are applied (journal)" \
		wait_for 30 eval '[ "$(tuned)" = cpu-c-states,cpu-quota ]'
	check "old kernel: its quota reads back lifted" test "$(cat "$V2$CG/cpu.max")" = "max 100000"
	check "old kernel: its CPU's resume latency reads back n/a" test "$(cat "$QOS")" = n/a
	check "old kernel: nothing is isolated, no partition made" \
		eval 'jq -e ".isolated | length == 0" "$STATE/state.json" >/dev/null && [ "$(cat "$V2$CG/cpuset.cpus.partition" 2>/dev/null || echo member)" = member ]'
	check "old kernel: the log says it for this container, once" \
		test "$(grep -c "cannot take the CPUs of ${ID:0:12} .* out of load balancing: this kernel" "$LOG")" = 1
	"$PW" ps --json --state-dir "$STATE" >"$WORK/ps.json"
	check "old kernel: ps --json says why for it" \
		test "$(jq -r --arg id "$ID" 'select(.container_id == $id) | .balancing_unsupported' "$WORK/ps.json" | grep -c 'no cpuset.cpus.exclusive')" = 1
	"$PW" ps --state-dir "$STATE" >"$WORK/ps.txt"
	check "old kernel: ps shows it n/a, and why under the table" \
		eval 'grep -qE "^${ID:0:12} .* n/a +-\$" "$WORK/ps.txt" && grep -q "^n/a: load balancing cannot be disabled here: this kernel has no cpuset.cpus.exclusive" "$WORK/ps.txt"'
	exec 3<>"/dev/tcp/127.0.0.1/$PORT" && printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3
	check "old kernel: the metric counts it" grep -q '^pinwatch_balancing_unsupported_total 1$' <&3
	exec 3<&-
	runc kill "$ID" KILL >>"$WORK/rt.out" 2>&1
	check "old kernel: on exit the knobs are reverted" wait_for 30 eval '[ -z "$(tuned)" ]'
	check "old kernel: the resume latency is back" test "$(cat "$QOS")" = "$QOS_WAS"
	kill -TERM "$AGENT_PID"
	wait "$AGENT_PID"
	AGENT_PID=""
	exit 0
fi
"$PW" agent --state-dir "$STATE" >"$LOG" 2>&1 &
AGENT_PID=$!
wait_for 60 grep -q 'agent running' "$LOG" || { not_ok "agent starts" "$(cat "$LOG")"; exit 1; }

ID=$(random_container_id)
CG="/$TEST_ID/kubepods/pod$(random_pod_uid)/$ID"
make_bundle "$WORK/b" 1-2 "$CG" >/dev/null
jq '.annotations = {"cpu-load-balancing.crio.io": "disable"}' "$WORK/b/config.json" >"$WORK/c.json" &&
	mv "$WORK/c.json" "$WORK/b/config.json"
on_exit "runc delete -f '$ID'"
(cd / && runc run -d --bundle "$WORK/b" "$ID") </dev/null >"$WORK/rt.out" 2>&1
journal_has() { jq -e '.isolated | length == 1' "$STATE/state.json" >/dev/null 2>&1; }
journal_empty() { [ ! -e "$STATE/state.json" ] || jq -e ".isolated | length == 0" "$STATE/state.json" >/dev/null 2>&1; }

check "opted-in container becomes an isolated partition (journal)" wait_for 20 journal_has
check "the agent attaches nothing to the syscall path (fdinfo: 4 raw tracepoints, no perf event)" \
	links_are_tax_free "$AGENT_PID"
journal_has || tail -n 30 "$LOG" | sed 's/^/# agent: /'
check "its cpuset.cpus.partition reads back 'isolated'" test "$(cat "$V2$CG/cpuset.cpus.partition")" = isolated
# Least privilege: nothing in effect; held, the override and CAP_SYS_ADMIN
# (bits 1 and 21), without which the kernel refuses a remote partition, and
# KILL and BPF to resume held execs (bits 5 and 39).
check "the v2 agent has no capability in effect" grep -q '^CapEff:.*0000000000000000$' "/proc/$AGENT_PID/status"
check "the v2 agent holds only DAC_OVERRIDE, DAC_READ_SEARCH, SYS_ADMIN, and KILL, BPF and SYS_NICE for holds" grep -q '^CapPrm:.*0000008000a00026$' "/proc/$AGENT_PID/status"
check "root cpuset.cpus.isolated holds CPUs 1-2" test "$(cat "$V2/cpuset.cpus.isolated")" = 1-2
check "its parent holds 1-2 in cpuset.cpus.exclusive" test "$(cat "$V2$(dirname "$CG")/cpuset.cpus.exclusive")" = 1-2
hits=$(spinners_hits "$V2$CG" 2 1)
check "behaviour: spinners inside, allowed on 1-2, never move to CPU 2 (hits $hits)" test "$hits" = 0

runc kill "$ID" KILL >>"$WORK/rt.out" 2>&1
check "released when its last task exits" wait_for 20 journal_empty
check "partition back to member" test "$(cat "$V2$CG/cpuset.cpus.partition")" = member
check "root cpuset.cpus.isolated empty again" test -z "$(cat "$V2/cpuset.cpus.isolated")"
check "no exclusive CPUs left in the ancestors" test -z "$(cat "$V2/$TEST_ID/cpuset.cpus.exclusive")"
runc delete -f "$ID" >>"$WORK/rt.out" 2>&1
# The same CPUs, balanced again: spinners in a cgroup on 1-2 now spread.
mkdir -p "$V2/$TEST_ID/probe"
echo 1-2 >"$V2/$TEST_ID/probe/cpuset.cpus"
check "behaviour: spinners on 1-2 reach CPU 2 again after release" balanced_to "$V2/$TEST_ID/probe" 2 1
rmdir "$V2/$TEST_ID/probe"

# A partition the kernel refuses, read back "isolated invalid (<reason>)".
# The agent dies after the exclusive CPUs are written, before the partition
# (the fault build's crash); a sibling then pins itself onto the same CPUs,
# which the kernel allows now that they are exclusive. The restarted agent
# completes its journaled plan and the kernel refuses the partition: the
# agent must say so, undo every exclusive CPU it gave, and not try again.
kill -TERM "$AGENT_PID" && wait "$AGENT_PID"
LOG="$WORK/agent-crash.log"
PINWATCH_CRASH_AFTER_WRITES=4 "$HELPERS/pinwatch-faults" agent --state-dir "$STATE" >"$LOG" 2>&1 &
AGENT_PID=$!
wait_for 60 grep -q 'agent running' "$LOG" || { not_ok "fault agent starts" "$(cat "$LOG")"; exit 1; }
ID=$(random_container_id)
POD="/$TEST_ID/kubepods/pod$(random_pod_uid)"
CG="$POD/$ID"
make_bundle "$WORK/b2" 1-2 "$CG" >/dev/null
jq '.annotations = {"cpu-load-balancing.crio.io": "disable"}' "$WORK/b2/config.json" >"$WORK/c.json" &&
	mv "$WORK/c.json" "$WORK/b2/config.json"
on_exit "runc delete -f '$ID'"
(cd / && runc run -d --bundle "$WORK/b2" "$ID") </dev/null >>"$WORK/rt.out" 2>&1
wait "$AGENT_PID"
check "crash: the agent died before the partition write" test "$(cat "$V2$CG/cpuset.cpus.partition")" = member
check "crash: the container's CPUs were made exclusive" test "$(cat "$V2$CG/cpuset.cpus.exclusive")" = 1-2
mkdir "$V2$POD/sibling"
on_exit "rmdir '$V2$POD/sibling'"
echo 1-2 >"$V2$POD/sibling/cpuset.cpus"
LOG="$WORK/agent-after.log"
"$PW" agent --state-dir "$STATE" >"$LOG" 2>&1 &
AGENT_PID=$!
check "refused partition: the agent names the file and what the kernel read back" \
	wait_for 20 grep -q "did not make '$V2$CG' an isolated partition: cpuset.cpus.partition reads 'isolated invalid (" "$LOG"
grep -q "did not make" "$LOG" || tail -n 30 "$LOG" | sed 's/^/# agent: /'
check "refused partition: nothing stays in the journal" wait_for 20 journal_empty
check "refused partition: back to member" test "$(cat "$V2$CG/cpuset.cpus.partition")" = member
check "refused partition: no exclusive CPU left in any ancestor" \
	test -z "$(cat "$V2/$TEST_ID/cpuset.cpus.exclusive" "$V2/$TEST_ID/kubepods/cpuset.cpus.exclusive" "$V2$POD/cpuset.cpus.exclusive" "$V2$CG/cpuset.cpus.exclusive")"
check "refused partition: root cpuset.cpus.isolated empty" test -z "$(cat "$V2/cpuset.cpus.isolated")"
sleep 2
check "refused partition: not tried again for the same CPUs" \
	test "$(grep -c "did not make '$V2$CG' an isolated partition" "$LOG")" = 1
