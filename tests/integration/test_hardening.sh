#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Hardening II (v1 cpusets on this host, real runc): each case failed on the
# code before it.
#
#   - the journal is always readable: a cpuset named "..evil" (a legal
#     cgroup name) spanning an isolated CPU is recorded, and after kill -9
#     pinwatch restore reads it and puts everything back;
#   - untrusted runtime execs never reach the agent: 2,000 execs of a user's
#     copy of true named runc are counted, cost the agent next to nothing;
#   - lost events: rescans back off (storm after storm, not one each);
#   - a user's process named runc is moved into the housekeeping cpuset
#     like any other (it cannot stay in the root, beside the isolated CPU);
#   - a transient failure is tried again and recovered from;
#   - restore leaves alone a cpuset that reuses the path of one the agent
#     unbalanced (another cgroup now);
#   - metrics are made once a second at most, whatever the scrapes.
. "$(dirname "$0")/../lib.sh"

require_v1_cpuset "hardening" "the v2 backend is tested in the guests"
. "$(dirname "$0")/../agent_lib.sh"
v1_test_cpuset
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
# spanner NAME: a cpuset of the test's spanning every CPU.
spanner() {
	mkdir -p "$V1$T/$1"
	cat "$V1/cpuset.mems" >"$V1$T/$1/cpuset.mems"
	cat "$V1/cpuset.cpus" >"$V1$T/$1/cpuset.cpus"
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# 1. "..evil": recorded, read back after kill -9, restored.
spanner ..evil
start_agent --reserved 0 --metrics "127.0.0.1:$PORT" || { not_ok "agent starts" "$(cat "$LOG")"; exit 1; }
start_ctr a 1 yes
check "..evil: the container is isolated" wait_for 10 journal_has a
check "..evil: the cpuset named '..evil' spanning its CPU is unbalanced and journaled" \
	wait_for 5 eval 'lb_is "$T/..evil" 0 && jq -e --arg p "$T/..evil" ".v1_unbalanced | any(.path == \$p)" "$STATE/state.json" >/dev/null'
stop_agent KILL
"$PW" restore --state-dir "$STATE" >"$WORK/restore.out" 2>&1
rc=$?
check "..evil: after kill -9, pinwatch restore reads the journal (rc $rc)" test "$rc" = 0
check "..evil: and puts everything back: the root, '..evil' and the container's cpuset balanced" \
	eval 'lb_is "" 1 && lb_is "$T/..evil" 1 && lb_is "${CG[a]}" 1'
start_agent --reserved 0 --metrics "127.0.0.1:$PORT" || { not_ok "agent restarts after it" "$(cat "$LOG")"; exit 1; }
ok "..evil: the agent starts again on that journal"
check "..evil: and isolates the running container again" wait_for 10 journal_has a
delete_ctr a
check "..evil: released" wait_for 10 eval 'journal_empty && layout_idle'

# 2. A user's runc, 2,000 times: counted in the kernel side, never sent.
chmod 0755 "$WORK" # the user below runs its own copy from here
cp /bin/true "$WORK/runc"
chmod 0755 "$WORK/runc"
before=$(cpu_ticks "$AGENT_PID")
$NOBODY bash -c "for i in \$(seq 2000); do '$WORK/runc' run -d x; done"
sleep 0.5
spent=$((($(cpu_ticks "$AGENT_PID") - before) * 1000 / $(getconf CLK_TCK)))
check "untrusted execs: 2,000 counted by reason, none sent ($(metric 'pinwatch_untrusted_execs_total{reason="uid"}'))" \
	test "$(metric 'pinwatch_untrusted_execs_total{reason="uid"}')" -ge 2000
check "untrusted execs: they cost the agent $spent ms of CPU in all (165 us each before)" test "$spent" -lt 150
check "untrusted execs: said once, with the reason" \
	test "$(log_count 'untrusted runtime execs were not sent to the agent: .* not root')" = 1

# 3. Storm after storm: rescans back off.
mkdir -p "$V1$T/storm"
cat "$V1/cpuset.mems" >"$V1$T/storm/cpuset.mems"
for round in 1 2 3 4 5 6; do
	kill -STOP "$AGENT_PID"
	"$HELPERS/cgroup_churn" "$V1$T/storm" 2500 >/dev/null
	kill -CONT "$AGENT_PID"
	sleep 0.3
done
rescans=$(metric pinwatch_loss_rescans_total)
check "lost events: 6 storms in 2 s, the rescans back off ($rescans)" test "$rescans" -ge 1 -a "$rescans" -le 4
stop_agent TERM

# 4. A user's process named runc goes into the housekeeping cpuset like any other.
mkdir -p "$WORK/bin" && cp /bin/sleep "$WORK/bin/runc" && chmod 0755 "$WORK/bin/runc"
$NOBODY "$WORK/bin/runc" 60 &
FAKE_RUNC=$!
on_exit "kill $FAKE_RUNC"
check "a user's process named runc runs in the root cpuset" \
	wait_for 5 eval '[ "$(awk -F: "\$2 ~ /cpuset/ { print \$3 }" /proc/$FAKE_RUNC/cgroup)" = / ] && [ "$(cat /proc/$FAKE_RUNC/comm)" = runc ]'
start_agent --reserved 0 --keep-layout 0 || { not_ok "agent starts" "$(cat "$LOG")"; exit 1; }
start_ctr b 1 yes
check "escape by name: the container is isolated" wait_for 10 journal_has b
check "escape by name: the user's 'runc' was moved into the housekeeping cpuset" \
	test "$(awk -F: '$2 ~ /cpuset/ { print $3 }' /proc/$FAKE_RUNC/cgroup)" = /pinwatch.housekeeping
check "escape by name: it cannot be put on the isolated CPU" \
	eval '! $NOBODY taskset -pc 1 $FAKE_RUNC >/dev/null 2>&1'
delete_ctr b
check "escape by name: released" wait_for 10 eval 'journal_empty && layout_idle'
kill $FAKE_RUNC
stop_agent TERM

# 5. A write that fails once (the kernel busy, a cgroup going): tried again, recovered.
AGENT_BIN=$HELPERS/pinwatch-faults PINWATCH_REJECT_WRITES=cpuset.sched_load_balance \
	PINWATCH_REJECT_WRITES_COUNT=1 start_agent --reserved 0 --resync 3600 ||
	{ not_ok "agent starts" "$(cat "$LOG")"; exit 1; }
start_ctr c 1 yes
check "transient failure: the first apply fails, said with when it is tried again" \
	wait_for 10 grep -q "isolating ${ID[c]:0:12}.* failed: .*trying again in 1 s" "$LOG"
check "transient failure: tried again and isolated, without a rescan (--resync 3600)" \
	wait_for 5 journal_has c
delete_ctr c
check "transient failure: released" wait_for 10 eval 'journal_empty && layout_idle'
stop_agent TERM

# 6. A path reused by another cgroup after kill -9: restore leaves it alone.
spanner reused
start_agent --reserved 0 --keep-layout 0 || { not_ok "agent starts" "$(cat "$LOG")"; exit 1; }
start_ctr d 1 yes
check "reused path: the spanning cpuset is unbalanced" wait_for 10 eval 'journal_has d && lb_is "$T/reused" 0'
stop_agent KILL
rmdir "$V1$T/reused"
spanner reused
echo 0 >"$V1$T/reused/cpuset.sched_load_balance" # an operator's own 0, on a new cgroup
delete_ctr d
"$PW" restore --state-dir "$STATE" >"$WORK/restore.out" 2>&1
check "reused path: restore leaves the new cgroup's own 0 alone" lb_is "$T/reused" 0
check "reused path: and restores the rest (the root balanced)" lb_is "" 1
echo 1 >"$V1$T/reused/cpuset.sched_load_balance"

# 7. Metrics made once a second at most, whatever the scrapes: the body counts
# the scrapes when it is made, so a body made per scrape would count 50 here.
start_agent_or_exit --metrics "127.0.0.1:$PORT"
start_ns=$(date +%s%N)
for i in $(seq 50); do metric pinwatch_metrics_scrapes_total; done >"$WORK/scrapes"
spent_ms=$((($(date +%s%N) - start_ns) / 1000000))
made=$(sort -u "$WORK/scrapes" | wc -l)
check "metrics: 50 scrapes in $spent_ms ms were answered from $made bodies (at most one a second)" \
	test "$made" -le $((spent_ms / 1000 + 2))
sleep 1.1
check "metrics: made anew after a second ($(metric pinwatch_metrics_scrapes_total) > $(tail -1 "$WORK/scrapes"))" \
	test "$(metric pinwatch_metrics_scrapes_total)" -gt "$(tail -1 "$WORK/scrapes")"
stop_agent TERM
