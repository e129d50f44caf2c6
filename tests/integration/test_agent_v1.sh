#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The agent on cgroup v1 (this host's cpuset hierarchy), with real runc
# containers: an opted-in pinned container's CPU leaves load balancing
# (proved by behaviour: spinners allowed on every CPU never reach it) and
# comes back when the container exits; opted-out and sharing containers are
# untouched; a crashed agent is reconciled; restore undoes everything.
. "$(dirname "$0")/../lib.sh"

require_v1_cpuset "agent v1" "the v2 backend is tested in the guests"
PROBE="$V1/$TEST_ID-probe"
. "$(dirname "$0")/../agent_lib.sh"
on_exit "rmdir '$PROBE'"

mkdir "$PROBE" && echo 0-1 >"$PROBE/cpuset.cpus" && echo 0 >"$PROBE/cpuset.mems"
if ! balanced_to "$PROBE" 1; then
	not_ok "baseline: spinners reach CPU 1 with balancing on" "inconclusive: the machine is too busy"
	exit 1
fi
ok "baseline: spinners reach CPU 1 with balancing on"

PORT=$((20000 + RANDOM % 20000))
start_agent_or_exit --metrics "127.0.0.1:$PORT"
# Also trace the container's workload exec (busybox sleep) to see whether
# isolation lands before it: a measurement, printed, not a pass/fail.
start_trace --type exec --runtime sleep
# B first: a cgroup made while A is isolated spans CPU 1 until its runtime
# narrows it, and is journaled for that while (a save of its own).
start_ctr b 0 no
# A host process forking while the host's tasks move to the housekeeping
# cpuset: a child born in the root cpuset then (after the list was read)
# could run on CPU 1, and its own children after it. The move looks again.
# Not /bin/sleep: the trace above measures the workload's exec of sleep.
bash -c "while :; do '$HELPERS/named_sleeper' 5 & done" &
FORKER=$!
on_exit "kill $FORKER 2>/dev/null"
saves=$(metric pinwatch_journal_saves_total)
# The kernel threads in the root cpuset before the first isolation.
root_kthreads() {
	local pid
	for pid in $(cat "$V1/cgroup.procs"); do
		awk '{ sub(/.*\) /, ""); if (int($7 / 2097152) % 2) print pid }' pid="$pid" "/proc/$pid/stat" 2>/dev/null
	done
}
kthreads_before=$(root_kthreads | sort)
start_ctr a 1 yes
check "opted-in pinned container is isolated (journal)" wait_for 10 journal_has a
# Its children live on for seconds: their cpusets, read by one process.
children=$(pgrep -P "$FORKER" -x named_sleeper | sed 's|.*|/proc/&/cpuset|')
kill "$FORKER"
in_root=$(cat $children 2>/dev/null | grep -cx /)
check "a host task forked while the host's tasks moved was moved too ($in_root of $(wc -w <<<"$children") left in the root cpuset)" \
	test "$in_root" = 0
# One decision, one journal save: the isolation with every cpuset it makes
# span CPU 1 (the probe, the container's chain), before any of their writes.
# (The metrics are made at most once a second: read 1.1 s after the last.)
sleep 1.1
check "journal: the isolation and the cpusets it unbalances were one save ($saves -> $(metric pinwatch_journal_saves_total))" \
	test "$(($(metric pinwatch_journal_saves_total) - saves))" = 1
check "journal: the probe spanning CPU 1 is in it" \
	test "$(jq --arg p "${PROBE#"$V1"}" '.v1_unbalanced | any(.path == $p)' "$STATE/state.json")" = true
check "root cpuset no longer load balanced" test "$(lb "")" = 0
check "housekeeping cpuset holds the host's CPUs but CPU 1" test "$(cat "$V1/pinwatch.housekeeping/cpuset.cpus")" = 0
check "housekeeping cpuset holds the host's tasks" grep -q . "$V1/pinwatch.housekeeping/cgroup.procs"
check "container's cpuset and its ancestors at 0" test "$(lb "${CG[a]}")$(lb "/$TEST_ID")" = 00
check "opted-out container untouched" test "$(lb "${CG[b]}")" = 1
check "metrics: one isolated container, one isolated CPU" test "$(metric pinwatch_isolated_containers) $(metric pinwatch_isolated_cpus)" = "1 1"
check "metrics: applies counted, two containers tracked" test "$(metric pinwatch_applies_total) $(metric pinwatch_containers_tracked)" = "1 2"
check "metrics: the apply latency was observed" test "$(metric pinwatch_apply_latency_seconds_count)" = 1
check "metrics: build info names the version, commit and backend" \
	eval 'curl -s "http://127.0.0.1:$PORT/metrics" | grep -Eq "^pinwatch_build_info\{version=\"[0-9.]+\",commit=\"[0-9a-f]{12}(-dirty)?\",build_date=\"[0-9TZ:-]+\",backend=\"v1\"\} 1$"'
check "the log says how long after the pinning write" grep -q "isolated ${ID[a]:0:12} .* ms after the pinning write" "$LOG"
stop_trace
iso_ns=$(sed -n "s/.*isolated ${ID[a]:0:12} .*ktime_ns \([0-9]*\).*/\1/p" "$LOG")
# The workload's exec is by the container's first task (b's sleep came first).
a_pid=$(runc state "${ID[a]}" | jq -r .pid)
exec_ns=$(jq -r --argjson pid "$a_pid" 'select(.filename == "sleep" and .pid == $pid) | .ktime_ns' "$TRACE_OUT" | head -1)
if [ -n "$iso_ns" ] && [ -n "$exec_ns" ]; then
	echo "# measured: isolation applied $(((iso_ns - exec_ns) / 1000)) us after the workload's exec (negative: before)"
fi
"$PW" ps --json --state-dir "$STATE" >"$WORK/ps.json"
check "ps shows the container isolated by the v1 backend" \
	test "$(jq -r "select(.container_id == \"${ID[a]}\") | .isolated" "$WORK/ps.json")" = v1
check "ps shows the opted-out container not isolated" \
	test "$(jq -r "select(.container_id == \"${ID[b]}\") | .isolated" "$WORK/ps.json")" = null
check "opted-out container not in the journal" bash -c "! jq -e '.isolated | any(.container_id == \"${ID[b]}\")' '$STATE/state.json' >/dev/null"
# The probe must not be a balanced cpuset spanning CPU 1 itself.
echo 0 >"$PROBE/cpuset.sched_load_balance"
hits=$(spinners_hits "$PROBE" 1)
check "behaviour: spinners allowed on CPU 1 never run there while it is isolated (hits $hits)" test "$hits" = 0

# Exit first: the container's last task dies before its cgroup is deleted.
saves=$(metric pinwatch_journal_saves_total)
runc kill "${ID[a]}" KILL >>"$WORK/rt.out" 2>&1
check "released when its last task exits, before delete" wait_for 10 journal_empty
sleep 1.1
check "journal: the release was one save, after its writes ($saves -> $(metric pinwatch_journal_saves_total))" \
	test "$(($(metric pinwatch_journal_saves_total) - saves))" = 1
check "released on exit: the log says why" grep -q 'its last task exited' "$LOG"
check "cgroup still there when released" test -d "$V1${CG[a]}"
check "root cpuset load balanced again" wait_for 5 lb_is "" 1
check "housekeeping cpuset kept for the next container, at every CPU" wait_for 5 housekeeping_kept
runc delete -f "${ID[a]}" >>"$WORK/rt.out" 2>&1
echo 1 >"$PROBE/cpuset.sched_load_balance"
check "behaviour: spinners reach CPU 1 again after release" balanced_to "$PROBE" 1

# crun too: isolated, then released on delete. It reuses the kept layout.
# The kernel threads that stayed in the root at the first isolation cannot
# move (bound to a CPU): this isolation reads their /proc/PID/stat only.
stuck=$(comm -12 <(echo "$kthreads_before") <(root_kthreads | sort))
strace -f -e trace=openat -o "$WORK/crun-apply.strace" -p "$AGENT_PID" 2>/dev/null &
STRACE=$!
on_exit "kill $STRACE 2>/dev/null"
wait_for 5 grep -Eq '^TracerPid:[[:space:]]*[1-9]' "/proc/$AGENT_PID/status"
start_ctr h 1 yes crun
check "crun: opted-in pinned container is isolated" wait_for 10 journal_has h
kill -INT "$STRACE" && wait "$STRACE" 2>/dev/null
opened() { grep -cE "\"/proc/($(paste -sd'|' <<<"$stuck"))/$1\"" "$WORK/crun-apply.strace"; }
check "crun: the $(wc -w <<<"$stuck") kernel threads that stayed in the root are not tried again (stat read $(opened stat), cpuset read $(opened cpuset))" \
	test -n "$stuck" -a "$(opened stat)" -ge "$(wc -w <<<"$stuck")" -a "$(opened cpuset)" = 0
check "crun: root cpuset no longer load balanced" lb_is "" 0
check "crun: the kept housekeeping cpuset was reused, not made again" \
	test "$(grep -c "made cgroup '.*/pinwatch.housekeeping'" "$LOG")" = 1
check "crun: its memory nodes, unchanged, were not written again" \
	test "$(grep -c "wrote '.*' to '.*/pinwatch.housekeeping/cpuset.mems'" "$LOG")" = 1
check "crun: housekeeping at the host's CPUs but CPU 1 again" \
	test "$(cat "$V1/pinwatch.housekeeping/cpuset.cpus")" = 0
crun delete -f "${ID[h]}" >>"$WORK/rt.out" 2>&1
check "crun: released, the layout kept again" wait_for 10 eval 'journal_empty && housekeeping_kept'
stop_agent TERM
check "the agent's exit undoes a kept layout" \
	eval 'layout_idle && [ ! -d "$V1/pinwatch.housekeeping" ] && jq -e ".v1_housekeeping == null" "$STATE/state.json" >/dev/null'
# --keep-layout: how long; 0 undoes it with the last container.
start_agent --keep-layout 1
start_ctr k1 1 yes
check "--keep-layout 1: isolated" wait_for 10 journal_has k1
runc delete -f "${ID[k1]}" >>"$WORK/rt.out" 2>&1
check "--keep-layout 1: released, the layout kept" wait_for 10 eval 'journal_empty && housekeeping_kept'
check "--keep-layout 1: then undone, every host task back in the root cpuset" \
	wait_for 10 eval '[ ! -d "$V1/pinwatch.housekeeping" ]'
stop_agent TERM
start_agent --keep-layout 0
start_ctr k0 1 yes
check "--keep-layout 0: isolated" wait_for 10 journal_has k0
runc delete -f "${ID[k0]}" >>"$WORK/rt.out" 2>&1
check "--keep-layout 0: released and undone with the last container" \
	wait_for 5 eval 'journal_empty && layout_idle && [ ! -d "$V1/pinwatch.housekeeping" ]'
stop_agent TERM
start_agent

# Two opted-in containers sharing CPU 1: both refused, naming each other.
start_ctr c 1 yes
start_ctr d 1 yes
sleep 1
check "sharing containers are refused" grep -q "refuse to isolate ${ID[d]:0:12}" "$LOG"
check "refusal names the other container" grep -q "shared with ${ID[c]:0:12}" "$LOG"
check "nothing isolated for sharing containers" test "$(lb "")" = 1
runc delete -f "${ID[c]}" >>"$WORK/rt.out" 2>&1
runc delete -f "${ID[d]}" >>"$WORK/rt.out" 2>&1

# kill -9 while isolated, container gone meanwhile: the restart restores.
start_ctr e 1 yes
check "isolated before the crash" wait_for 10 journal_has e
stop_agent KILL
runc delete -f "${ID[e]}" >>"$WORK/rt.out" 2>&1
check "still isolated while the agent is down" test "$(lb "")" = 0
start_agent
check "restart restores what belonged to a gone container" grep -q 'its container is gone' "$LOG"
check "root load balanced after the restart" wait_for 5 lb_is "" 1

# kill -9 with the container alive: the restart keeps it isolated.
start_ctr f 1 yes
check "isolated before the second crash" wait_for 10 journal_has f
stop_agent KILL
start_agent
check "restart keeps a live container isolated" grep -q '1 isolations kept' "$LOG"
check "still isolated after the restart" test "$(lb "")" = 0

# SIGTERM keeps it (an upgrade must not disturb running pods); restore undoes it.
stop_agent TERM
check "SIGTERM leaves the container isolated" test "$(lb "")" = 0
"$PW" restore --state-dir "$STATE" >"$WORK/restore.log" 2>&1
check "pinwatch restore restores load balancing" test "$(lb "")$(lb "${CG[f]}")" = 11
check "pinwatch restore removes the housekeeping cpuset" test ! -d "$V1/pinwatch.housekeeping"
runc delete -f "${ID[f]}" >>"$WORK/rt.out" 2>&1

# --dry-run changes nothing and says what it would write.
start_agent --dry-run
start_ctr g 1 yes
check "dry run: logs the writes it would make" \
	wait_for 10 grep -q "dry run: would write '0' to '$V1/cpuset.sched_load_balance'" "$LOG"
check "dry run: nothing changed" test "$(lb "")" = 1
stop_agent TERM
# Log lines: each stamped with its time and level; --log-format json: objects.
check "log lines carry their time and level" \
	grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3}Z info  pinwatch: agent running' "$LOG"
start_agent --dry-run --log-format json
stop_agent TERM
check "--log-format json: every line an object with time, level and msg" \
	eval 'jq -e "has(\"time\") and (.level | IN(\"error\", \"warn\", \"info\", \"debug\")) and (.msg | type == \"string\")" "$LOG" >/dev/null &&
		[ "$(jq -s length "$LOG")" = "$(wc -l <"$LOG")" ] && jq -e "select(.msg | startswith(\"agent running\"))" "$LOG" >/dev/null'
"$PW" restore --state-dir "$STATE" >/dev/null 2>&1
runc delete -f "${ID[g]}" >>"$WORK/rt.out" 2>&1

# Crashes at every step of apply: the agent dies (as by kill -9) just before
# its Nth write; a restart completes the isolation of the live container.
for n in 0 1 2 3 4 5 6 7; do
	AGENT_BIN=$HELPERS/pinwatch-faults PINWATCH_CRASH_AFTER_WRITES=$n start_agent
	start_ctr "crash$n" 1 yes
	wait_for 10 eval '! kill -0 $AGENT_PID 2>/dev/null'
	stop_agent KILL
	start_agent
	check "crash before write $n of apply: restart completes the isolation" \
		wait_for 10 eval 'journal_has crash$n && lb_is "" 0 && lb_is "${CG[crash$n]}" 0'
	runc kill "${ID[crash$n]}" KILL >>"$WORK/rt.out" 2>&1
	check "crash before write $n of apply: then released on exit" \
		wait_for 10 eval 'journal_empty && layout_idle'
	runc delete -f "${ID[crash$n]}" >>"$WORK/rt.out" 2>&1
	stop_agent TERM
done

# A crash in the middle of a restore: the restart finishes it.
start_agent
start_ctr crashr 1 yes
check "isolated before the restore crash" wait_for 10 journal_has crashr
stop_agent KILL
AGENT_BIN=$HELPERS/pinwatch-faults PINWATCH_CRASH_AFTER_WRITES=1 start_agent
runc kill "${ID[crashr]}" KILL >>"$WORK/rt.out" 2>&1
wait_for 10 eval '! kill -0 $AGENT_PID 2>/dev/null'
stop_agent KILL
start_agent
check "crash inside a restore: the restart finishes it" \
	wait_for 10 eval 'journal_empty && layout_idle'
runc delete -f "${ID[crashr]}" >>"$WORK/rt.out" 2>&1
stop_agent TERM

# A broken journal is named and left as it is.
echo '{"isolated": [ {"container_id": 7' >"$STATE/state.json"
cp "$STATE/state.json" "$WORK/broken.json"
"$PW" agent --state-dir "$STATE" >"$WORK/broken.out" 2>&1
rc=$?
check "broken journal: agent refuses to start (rc $rc)" test "$rc" -ne 0
check "broken journal: the error names the file" grep -q "cannot use the journal '$STATE/state.json'" "$WORK/broken.out"
check "broken journal: the file is left as it was" cmp -s "$STATE/state.json" "$WORK/broken.json"
rm -f "$STATE/state.json"
