#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The agent converges to what the kernel says, whatever the order of events
# (v1 cpusets on this host, real runc): a reused cgroup path is named by its
# own runtime command, every cpuset spanning an isolated CPU is unbalanced
# exactly and forgotten when it goes, lost events are recovered, an exited
# container blocks nobody, a container re-converges when its CPUs are its
# own again, a dry run leaves no journal, the host's last CPU is never
# asked for, bad --reserved and --state-dir values are refused.
. "$(dirname "$0")/../lib.sh"

require_v1_cpuset "agent churn" "the v2 backend is tested in the guests"
. "$(dirname "$0")/../agent_lib.sh"
v1_test_cpuset

start_agent_or_exit --metrics "127.0.0.1:$PORT"

# 1. A reused cgroup path belongs to the container that runs there now.
start_ctr a 1 yes runc "$T/x/c"
check "reused path: opted-in A isolated" wait_for 10 journal_has a
delete_ctr a
check "reused path: A released when deleted" wait_for 10 journal_empty
start_ctr b 1 no runc "$T/x/c"
sleep 1
check "reused path: B (no annotation) at A's path is not isolated" journal_empty
check "reused path: root stays load balanced for B" lb_is "" 1
check "reused path: the log never isolated B" test "$(log_count "isolate CPUs .* of ${ID[b]:0:12}")" -eq 0
"$PW" ps --json --state-dir "$STATE" >"$WORK/ps.json"
check "reused path: ps does not show B isolated" \
	test "$(jq -r "select(.container_id == \"${ID[b]}\") | .isolated" "$WORK/ps.json")" = null
delete_ctr b
start_ctr d 1 yes runc "$T/x/c"
check "reused path: opted-in D after a plain container at the same path is isolated" \
	wait_for 10 journal_has d
delete_ctr d
check "reused path: D released" wait_for 10 journal_empty

# 2. Every cpuset that spans an isolated CPU is out of balancing, however many,
#    and forgotten when it goes.
mkdir "$V1$T/many"
cat "$V1/cpuset.mems" >"$V1$T/many/cpuset.mems"
echo 0-1 >"$V1$T/many/cpuset.cpus"
start_ctr e 1 yes
check "many spanners: opted-in E isolated" wait_for 10 journal_has e
for i in $(seq 1100); do
	mkdir "$V1$T/many/c$i"
	echo 0 >"$V1$T/many/c$i/cpuset.mems"
	echo 0-1 >"$V1$T/many/c$i/cpuset.cpus"
done
all_unbalanced() { ! grep -qx 1 "$V1$T"/many/c[0-9]*/cpuset.sched_load_balance; }
check "many spanners: all 1,100 new cpusets spanning CPU 1 are at 0" wait_for 30 all_unbalanced
check "many spanners: the journal lists each of them once" \
	test "$(jq "[.v1_unbalanced[] | select(.path | startswith(\"$T/many/c\"))] | length" "$STATE/state.json")" -eq 1100
check "many spanners: no errors" test "$(metric pinwatch_errors_total)" = 0
rmdir "$V1$T"/many/c[0-9]*
pruned() { [ "$(jq "[.v1_unbalanced[] | select(.path | startswith(\"$T/many/c\"))] | length" "$STATE/state.json")" -eq 0 ]; }
check "many spanners: removed cgroups are pruned from the journal" wait_for 20 pruned
# An operator's own 0 is not the agent's: left alone on release.
mkdir "$V1$T/op"
cat "$V1/cpuset.mems" >"$V1$T/op/cpuset.mems"
echo 0 >"$V1$T/op/cpuset.sched_load_balance"
echo 0-1 >"$V1$T/op/cpuset.cpus"
sleep 0.5
check "operator's cpuset at 0 is not journaled" \
	bash -c "! jq -e '.v1_unbalanced | any(.path == \"$T/op\")' '$STATE/state.json' >/dev/null"
delete_ctr e
check "many spanners: E released" wait_for 10 journal_empty
check "many spanners: the agent's cpusets are balanced again" lb_is "$T/many" 1
check "operator's cpuset at 0 stays at 0 after release" lb_is "$T/op" 0
echo 1 >"$V1$T/op/cpuset.sched_load_balance"

# 2b. Churn: a cgroup made and removed within one batch of events is never read.
#     Mkdirs do not wake the agent (its first task, a populated event, does):
#     the loop's 2,000 cgroups come in a few batches, nearly all of them
#     made and removed in the same one. A broken deferral reads every one.
#     (The metrics are made at most once a second: read 1.1 s apart.)
mkdir "$V1$T/churn"
cat "$V1/cpuset.mems" >"$V1$T/churn/cpuset.mems"
echo 0-1 >"$V1$T/churn/cpuset.cpus"
sleep 1.1
unread_before=$(metric pinwatch_cgroups_unread_total)
"$HELPERS/cgroup_churn" "$V1$T/churn" 2000 >/dev/null
sleep 1.1
unread=$(($(metric pinwatch_cgroups_unread_total) - unread_before))
check "churn: at least 1,800 of 2,000 cgroups made and removed in one batch were never read ($unread)" \
	test "$unread" -ge 1800
check "churn: no cgroup event was lost meanwhile" \
	test "$(metric 'pinwatch_ringbuf_dropped_total{type="cgroup_mkdir"}')$(metric 'pinwatch_ringbuf_dropped_total{type="cgroup_rmdir"}')" = 00
rmdir "$V1$T/churn"

# 3. Lost events: the agent is stalled, the ring buffer overflows, K1's delete is
#    lost; the agent notices the drop, rescans, and K2 is isolated.
start_ctr k1 1 yes
check "lost events: K1 isolated" wait_for 10 journal_has k1
kill -STOP "$AGENT_PID"
mkdir "$V1$T/storm"
"$HELPERS/cgroup_churn" "$V1$T/storm" 2500 >/dev/null
delete_ctr k1
kill -CONT "$AGENT_PID"
check "lost events: the agent says it lost events and rescans" \
	wait_for 10 grep -q 'kernel events were lost; rescanning' "$LOG"
# (The metrics are made at most once a second: asked until they are new.)
mkdirs_dropped() { [ "$(metric 'pinwatch_ringbuf_dropped_total{type="cgroup_mkdir"}')" -gt 0 ]; }
check "lost events: drops are counted" wait_for 3 mkdirs_dropped
check "lost events: K1's isolation is restored after the rescan" wait_for 10 journal_empty
echo "# measured: $(grep -o 'node rescanned and converged in [0-9.]* ms' "$LOG" | head -1) after the drop was seen"
start_ctr k2 1 yes
check "lost events: the next opted-in container is isolated, not refused" wait_for 10 journal_has k2
check "lost events: nobody was refused as sharing with K1" test "$(log_count "refuse to isolate")" -eq 0
delete_ctr k2
check "lost events: K2 released" wait_for 10 journal_empty

# 4. An exited container whose cgroup lingers blocks nobody.
start_ctr f 1 yes
check "exited: F isolated" wait_for 10 journal_has f
kill_ctr f
check "exited: F released when its task is killed (not deleted)" wait_for 10 journal_empty
start_ctr g 1 yes
check "exited: opted-in G on F's CPU is isolated" wait_for 10 journal_has g
check "exited: G was not refused" test "$(log_count "refuse to isolate ${ID[g]:0:12}")" -eq 0
delete_ctr g
delete_ctr f
check "exited: G released" wait_for 10 journal_empty

# A refusal is said once, however often the CPUs are written again.
start_ctr h 1 yes
start_ctr i 1 yes
check "refusal: sharing containers refused" wait_for 10 grep -q "refuse to isolate" "$LOG"
for n in 1 2 3 4 5; do runc update --cpuset-cpus 1 "${ID[i]}" >>"$WORK/rt.out" 2>&1; done
sleep 0.5
check "refusal: said once per container and reason ($(log_count "refuse to isolate") lines)" \
	test "$(log_count "refuse to isolate")" -eq 2

# 5. Re-convergence: when the other container goes, the one left is isolated again.
delete_ctr i
check "re-converge: H isolated once I is gone, nothing rewrote its CPUs" wait_for 10 journal_has h
start_ctr u 0-1 no
check "re-converge: an unpinned container on H's CPU restores H" wait_for 10 journal_empty
delete_ctr u
check "re-converge: H isolated again when it goes" wait_for 10 journal_has h
delete_ctr h
check "re-converge: H released" wait_for 10 journal_empty
stop_agent TERM

# 7. The host's last CPU: never asked for; one refusal per container.
start_agent --select-exclusive --metrics "127.0.0.1:$PORT" || not_ok "agent starts again" "$(cat "$LOG")"
start_ctr p1 1 no
check "last CPU: the container on CPU 1 is isolated" wait_for 10 journal_has p1
start_ctr p0 0 no
sleep 1
check "last CPU: the container on CPU 0 is refused, saying why" \
	grep -q "refuse to isolate ${ID[p0]:0:12}.*leave the host no CPU" "$LOG"
check "last CPU: the kernel was never asked (no failed write)" test "$(log_count "failed to write")" -eq 0
check "last CPU: errors_total is 0" test "$(metric pinwatch_errors_total)" = 0
check "last CPU: counted as such" test "$(metric 'pinwatch_refusals_total{reason="last_cpus"}')" = 1
delete_ctr p0
delete_ctr p1
check "last CPU: released" wait_for 10 journal_empty
stop_agent TERM

# 6. A dry run keeps no journal: nothing ps or restore could take for the real one.
rm -rf "$STATE"
start_agent --dry-run || not_ok "dry run agent starts" "$(cat "$LOG")"
start_ctr j 1 yes
check "dry run: it says what it would write" wait_for 10 grep -q "dry run: would write '0'" "$LOG"
check "dry run: no journal is written" test ! -e "$STATE/state.json"
"$PW" ps --json --state-dir "$STATE" >"$WORK/ps-dry.json"
check "dry run: ps shows nothing isolated" \
	test "$(jq -r "select(.container_id == \"${ID[j]}\") | .isolated" "$WORK/ps-dry.json")" = null
stop_agent TERM
"$PW" restore --state-dir "$STATE" >"$WORK/restore-dry.log" 2>&1
check "dry run: restore afterwards writes nothing" bash -c "! grep -q wrote '$WORK/restore-dry.log'"
delete_ctr j

# 8. Bad values at start: one line, the real reason.
"$PW" agent --reserved 99 >"$WORK/bad.out" 2>&1
rc=$?
check "--reserved 99 is a usage error (rc $rc)" test "$rc" -eq 2
check "--reserved 99 says which CPUs the host has" grep -q "invalid --reserved '99': this host has CPUs" "$WORK/bad.out"
"$PW" agent --state-dir "$WORK/no/such/dir" >"$WORK/bad.out" 2>&1
rc=$?
check "--state-dir with missing parents is refused at start (rc $rc)" test "$rc" -eq 1
check "--state-dir with missing parents says so" grep -q "parent directory does not exist" "$WORK/bad.out"
touch "$WORK/afile"
"$PW" agent --state-dir "$WORK/afile" >"$WORK/bad.out" 2>&1
check "--state-dir that is a file: 'not a directory'" grep -q "it is not a directory" "$WORK/bad.out"
mkdir -p "$STATE"
start_agent || not_ok "agent starts for the lock test" "$(cat "$LOG")"
"$PW" agent --state-dir "$STATE" >"$WORK/bad.out" 2>&1
check "a second agent on the same state directory is refused" grep -q "in use by another pinwatch agent or restore" "$WORK/bad.out"
"$PW" restore --state-dir "$STATE" >"$WORK/bad.out" 2>&1
rc=$?
check "restore beside a running agent is refused (rc $rc)" test "$rc" -ne 0
stop_agent TERM
