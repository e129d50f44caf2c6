#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# pinwatch noise on an isolated container's CPU (v1 here): the container
# polls CPU 1 as a DPDK pod does. Over 10 s with nothing else there, no
# other task is switched in, only kernel threads, listed by name; then a
# root `taskset -c 1` spinner started in the host's root cpuset is counted
# with its comm and pid at the switch rate the kernel gives for it
# (/proc/PID/status), as pinned there, with its parent. The table view says
# the same, trace --type noise sends an event for it at most once a second;
# so do ps (a NOISE/S column, the top intruders in --json) and the metrics
# when the agent counts itself (--noise); bad input is named.
. "$(dirname "$0")/../lib.sh"
require_v1_cpuset "noise" "the agent isolates on v1 here"
. "$(dirname "$0")/../agent_lib.sh"
SPIN=""
on_exit '[ -n "$SPIN" ] && kill -KILL $SPIN && wait $SPIN 2>/dev/null'

PORT=$((20000 + RANDOM % 20000))
start_agent_or_exit --noise --metrics "127.0.0.1:$PORT"
CTR_ARGS='["sh", "-c", "while :; do :; done"]' start_ctr a 1 yes
check "the polling container on CPU 1 is isolated" wait_for 10 journal_has a

# noise_json SECONDS: one refresh over SECONDS of the journal's CPUs, as JSON.
noise_json() { "$PW" noise --state-dir "$STATE" --interval "$1" --count 1 --json 2>>"$WORK/noise.err"; }

noise_json 10 >"$WORK/quiet.json"
cpu1() { jq -c '.cpus[] | select(.cpu == 1)' "$1"; }
check "quiet: the journal's CPU 1 is watched, owned by the container" \
	test "$(jq -r '[.cpus[].cpu] | join(",")' "$WORK/quiet.json") $(cpu1 "$WORK/quiet.json" | jq -r .owner.container_id)" = "1 ${ID[a]}"
check "quiet: the mode is the per-CPU perf event and BPF program" \
	test "$(jq '.mode | startswith("context switches")' "$WORK/quiet.json")" = true
check "quiet: the container had CPU 1 (own $(cpu1 "$WORK/quiet.json" | jq .own_ns) ns of 10 s)" \
	test "$(cpu1 "$WORK/quiet.json" | jq '.own_ns > 8e9')" = true
check "quiet: no other task was switched in ($(cpu1 "$WORK/quiet.json" | jq -c '[.intruders[] | select(.kind == "task") | .comm]'))" \
	test "$(cpu1 "$WORK/quiet.json" | jq '.task_switches')" = 0
check "quiet: only kernel threads, each named" \
	test "$(cpu1 "$WORK/quiet.json" | jq '[.intruders[] | select(.kind != "kthread" or .comm == "")] | length')" = 0
echo "# quiet: kernel threads on CPU 1: $(cpu1 "$WORK/quiet.json" | jq -r '[.intruders[] | "\(.comm) \(.switches)"] | join(", ")')"
echo "# quiet: interrupts on CPU 1: $(cpu1 "$WORK/quiet.json" | jq -r '[.interrupts[] | "\(.name) \(.count)"] | join(", ")')"

# A root spinner someone pinned to CPU 1, from the host's root cpuset.
switches() { awk '/^(non)?voluntary_ctxt_switches:/ { n += $2 } END { print n }' "/proc/$1/status"; }
(echo "$BASHPID" >"$V1/cgroup.procs" && exec taskset -c 1 busybox sh -c 'while :; do :; done') &
SPIN=$!
wait_for 5 eval '[ "$(awk "/^Cpus_allowed_list:/ { print \$2 }" /proc/$SPIN/status)" = 1 ]'
before=$(switches "$SPIN")
noise_json 10 >"$WORK/spin.json"
measured=$(($(switches "$SPIN") - before))
got=$(cpu1 "$WORK/spin.json" | jq -c --argjson p "$SPIN" '[.intruders[] | select(.pid == $p)][0]')
echo "# spinner: $got"
check "spinner: counted as a task, its comm and pid" \
	test "$(jq -r '"\(.kind) \(.comm) \(.pid)"' <<<"$got")" = "task busybox $SPIN"
n=$(jq '.switches // 0' <<<"$got")
check "spinner: at its switch rate ($n counted, $measured by the kernel over the same 10 s)" \
	test "$n" -gt 0 -a "$((n > measured ? n - measured : measured - n))" -le "$((measured / 5 + 5))"
check "spinner: pinned to CPU 1, its parent named" \
	test "$(jq -r '"\(.pinned_here) \(.cpus_allowed) \(.parent_comm != "")"' <<<"$got")" = "true 1 true"
check "spinner: the container lost CPU time to it" \
	test "$(cpu1 "$WORK/spin.json" | jq '.task_ns > 1e9')" = true
"$PW" noise --state-dir "$STATE" --interval 1 --count 1 >"$WORK/table.txt" 2>>"$WORK/noise.err"
check "table: CPU 1, its container and the spinner pinned there" \
	eval 'grep -q "^CPU 1  container ${ID[a]:0:12}" "$WORK/table.txt" && grep -q "busybox .*pinned to CPU 1" "$WORK/table.txt"'

# trace --type noise: an event per intruder, at most one a second each.
"$PW" trace --type noise --state-dir "$STATE" --duration 3 --json >"$WORK/trace-noise.json" 2>>"$WORK/noise.err"
spin_events=$(jq -cs --argjson p "$SPIN" '[.[] | select(.type == "noise" and .pid == $p)]' "$WORK/trace-noise.json")
echo "# trace: $(jq length <<<"$spin_events") events of the spinner, $(jq 'map(.switches) | add' <<<"$spin_events") switches in them"
check "trace --type noise: the spinner's events name it, its CPU and kind" \
	test "$(jq 'length > 0 and all(.comm == "busybox" and .cpu == 1 and .kind == "task")' <<<"$spin_events")" = true
check "trace --type noise: at most one a second, its switches summed in them" \
	test "$(jq 'length <= 4 and (map(.switches) | add) > 50' <<<"$spin_events")" = true
check "trace --type noise: the container's own tasks are not noise" \
	test "$(jq -s --arg id "${ID[a]}" '[.[] | select(.type == "noise" and .container_id == $id)] | length' "$WORK/trace-noise.json")" = 0

# The agent's own counters (--noise): ps and the metrics, every second.
ps_noise() { "$PW" ps --json --state-dir "$STATE" | jq -c --arg id "${ID[a]}" 'select(.container_id == $id) | .noise'; }
ps_names_spinner() { ps_noise | jq -e --argjson p "$SPIN" '.top | any(.comm == "busybox" and .pid == $p and .kind == "task")' >/dev/null; }
check "agent --noise: ps --json names the spinner among the container's top intruders" wait_for 5 ps_names_spinner
echo "# ps noise: $(ps_noise)"
check "agent --noise: ps's NOISE/S column has the container's rate" \
	eval '"$PW" ps --state-dir "$STATE" | grep -qE "^${ID[a]:0:12} .* v1 +[0-9]+\.[0-9]$"'
check "agent --noise: metrics count the tasks switched in on its CPU, per container" \
	test "$(metric "pinwatch_noise_intrusions_total{container=\"${ID[a]:0:12}\",kind=\"task\"}" | cut -d. -f1)" -gt 0
check "agent --noise: and the time they took" \
	test "$(metric "pinwatch_noise_seconds_total{container=\"${ID[a]:0:12}\",kind=\"task\"}" | cut -d. -f1)" -ge 1
kill -KILL "$SPIN"
wait "$SPIN" 2>/dev/null
SPIN=""
delete_ctr a
check "released" wait_for 10 journal_empty
check "agent --noise: nothing isolated, its counters stop and noise.json goes" \
	wait_for 5 eval '[ ! -e "$STATE/noise.json" ]'
stop_agent TERM

# Nothing isolated, no --cpus: said, with what to do.
"$PW" noise --state-dir "$STATE" --count 1 >/dev/null 2>"$WORK/none.err"
check "nothing isolated: it says so and names --cpus (exit $?)" grep -q "nothing is isolated.*--cpus" "$WORK/none.err"
for bad in "--interval 0" "--interval x" "--cpus 1-x" "--count 0" "--top -1"; do
	# shellcheck disable=SC2086
	"$PW" noise --cpus 1 $bad >/dev/null 2>"$WORK/bad.err"
	rc=$?
	check "bad input '$bad': exit 2 and the value named ($(head -1 "$WORK/bad.err"))" \
		eval '[ $rc = 2 ] && grep -q -- "${bad#* }" "$WORK/bad.err"'
done
