#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# What local users and containers control must not steer the agent (v1
# cpusets on this host, real runc): a "runc" a user runs, a config.json in
# a user's directory, a cgroup in a user's delegated subtree, slow metrics
# clients, a journal that is not a regular file, a bind mount over a cgroup
# file. Each attack as an attacker would make it; each must fail.
. "$(dirname "$0")/../lib.sh"

require_v1_cpuset "hostile" "the v2 backend is tested in the guests"
for tool in setpriv curl; do
	command -v $tool >/dev/null || { not_ok "hostile: $tool is installed"; exit 1; }
done
. "$(dirname "$0")/../agent_lib.sh"
v1_test_cpuset
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"

start_agent_or_exit --metrics "127.0.0.1:$PORT"
start_trace --type exec || exit 1

# 1. A user's fake runc names the container root is about to start, with an
#    opt-in annotation in a bundle of the user's own.
EVIL="$WORK/evil"
mkdir -p "$EVIL/bundle" "$EVIL/root"
cp /bin/true "$EVIL/runc"
VICTIM=$(random_container_id)
VCG="$T/x/victim"
jq -n --arg cg "$VCG" '{ociVersion: "1.0.2", linux: {cgroupsPath: $cg},
	annotations: {"cpu-load-balancing.crio.io": "disable"}}' >"$EVIL/bundle/config.json"
chown -R 65534:65534 "$EVIL"
(cd "$EVIL/bundle" && $NOBODY "$EVIL/runc" --root "$EVIL/root" run -d --bundle "$EVIL/bundle" "$VICTIM")
# The same binary, root's copy, but run by the user; and root running the user's binary.
cp /bin/true "$WORK/runc"
$NOBODY "$WORK/runc" run -d --bundle "$EVIL/bundle" "$VICTIM"
"$EVIL/runc" run -d --bundle "$EVIL/bundle" "$VICTIM"
# Root now starts the real container with that id, at that path, without the annotation.
ID[victim]=$VICTIM
b="$WORK/bundle-victim"
make_bundle "$b" 1 "$VCG" >/dev/null
on_exit "runc delete -f '$VICTIM'"
RT[victim]=runc
(cd / && runc run -d --bundle "$b" "$VICTIM") </dev/null >>"$WORK/rt.out" 2>&1
sleep 1
stop_trace
check "fake runc: the victim is not isolated" journal_empty
check "fake runc: nothing was isolated at all" test "$(log_count "isolate CPUs")" -eq 0
check "fake runc: trace marks the user's exec untrusted" \
	test "$(count_events '.filename == "runc" and .uid == 65534 and .trusted == false')" -ge 2
check "fake runc: trace marks root running a user's binary untrusted" \
	test "$(count_events '.filename == "runc" and .uid == 0 and .exe_uid == 65534 and .trusted == false')" -ge 1
check "fake runc: root's real runc is trusted" \
	test "$(count_events '.filename == "runc" and .uid == 0 and .exe_uid == 0 and .trusted == true')" -ge 1
check "fake runc: the untrusted execs named no container" \
	test "$(count_events '.trusted == false and .container_id != null')" -eq 0
check "fake runc: the user's --root was not learned" bash -c "! grep -q '$EVIL/root' '$LOG'"
delete_ctr victim

# 2. A cgroup in a subtree delegated to a user, named like a Docker container.
DEL="$T/delegated"
mkdir -p "$V1$DEL"
cat "$V1/cpuset.mems" >"$V1$DEL/cpuset.mems"
echo 0-1 >"$V1$DEL/cpuset.cpus"
chown -R 65534:65534 "$V1$DEL"
FAKE="$DEL/docker/$(random_container_id)"
# The user makes and pins its own cgroups (v1: a child's CPUs within its parent's).
for d in "$DEL/docker" "$FAKE"; do
	$NOBODY sh -c "mkdir '$V1$d' && echo 0 >'$V1$d/cpuset.mems'"
done
$NOBODY sh -c "echo 0-1 >'$V1$DEL/docker/cpuset.cpus' && echo 1 >'$V1$FAKE/cpuset.cpus'"
$NOBODY sh -c "echo \$\$ >'$V1$FAKE/cgroup.procs' && exec sleep 30" &
SLEEPER=$!
on_exit "kill $SLEEPER"
stop_agent TERM
start_agent --select-exclusive --metrics "127.0.0.1:$PORT" || not_ok "agent restarts" "$(cat "$LOG")"
sleep 1
check "delegated cgroup: not isolated even with --select-exclusive" journal_empty
"$PW" ps --json --state-dir "$STATE" >"$WORK/ps.json"
check "delegated cgroup: ps shows it as not root's" \
	test "$(jq -r "select(.path == \"$FAKE\") | .root_owned" "$WORK/ps.json")" = false
# ...and, named like a container with a task in it on CPU 1, it vetoes nothing:
# a user's cgroup never counts as a container sharing the CPU.
start_ctr r 1 yes
check "delegated cgroup: it does not keep a root container on its CPU from isolation" \
	wait_for 10 journal_has r
check "delegated cgroup: it still spans the CPU, so it is unbalanced" lb_is "$FAKE" 0
kill $SLEEPER
wait $SLEEPER 2>/dev/null
delete_ctr r
check "delegated cgroup: released" wait_for 10 journal_empty
stop_agent TERM

# 3. Slow metrics clients never stall the agent.
start_agent --metrics "127.0.0.1:$PORT" || not_ok "agent restarts" "$(cat "$LOG")"
for i in $(seq 20); do
	exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"
	SLOW+=("$fd")
done
start=$(date +%s%N)
curl -s --max-time 5 "http://127.0.0.1:$PORT/metrics" >"$WORK/m.txt"
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
check "slow clients: a real scrape is answered beside 20 silent ones (rc $rc, $ms ms)" \
	grep -q '^pinwatch_applies_total' "$WORK/m.txt"
# A cpuset whose name starts with '.' spans the CPU no less than any other.
mkdir -p "$V1$T/.hidden"
cat "$V1/cpuset.mems" >"$V1$T/.hidden/cpuset.mems"
echo 0-1 >"$V1$T/.hidden/cpuset.cpus"
start_ctr s 1 yes
check "slow clients: isolation goes on meanwhile" wait_for 10 journal_has s
check "a hidden cpuset ('.hidden') spanning the CPU is unbalanced too" wait_for 5 lb_is "$T/.hidden" 0
# With its capabilities dropped, the agent still moves root's daemons (tasks
# with capabilities it no longer has) into the housekeeping cpuset.
check "every host task moved into the housekeeping cpuset, none left for want of a capability" \
	grep -q "to '/pinwatch.housekeeping' (0 could not move" "$LOG"
echo "# measured: isolated $(grep -o "isolated ${ID[s]:0:12} [0-9.]* ms" "$LOG" | awk '{print $3}') ms after the pinning write, beside 20 silent metrics clients"
for fd in "${SLOW[@]}"; do exec {fd}>&-; done
curl -s --max-time 5 "http://127.0.0.1:$PORT/other" >"$WORK/404.txt"
check "metrics: only /metrics is served" grep -q 'serves its metrics at /metrics' "$WORK/404.txt"
stop_agent TERM
start_agent --metrics "[::1]:$PORT" || not_ok "agent restarts on IPv6" "$(cat "$LOG")"
curl -s -g --max-time 5 "http://[::1]:$PORT/metrics" >"$WORK/m6.txt"
check "metrics: served on IPv6 ([::1]) as on IPv4" grep -q '^pinwatch_build_info{' "$WORK/m6.txt"
delete_ctr s
check "slow clients: released" wait_for 10 journal_empty
check "the hidden cpuset is balanced again" wait_for 5 lb_is "$T/.hidden" 1
rmdir "$V1$T/.hidden"
stop_agent TERM

# 4. A bind mount over a cgroup file cannot redirect the agent's write.
start_agent --metrics "127.0.0.1:$PORT" || not_ok "agent restarts" "$(cat "$LOG")"
mkdir -p "$V1$T/kp"
cat "$V1/cpuset.mems" >"$V1$T/kp/cpuset.mems"
echo 0-1 >"$V1$T/kp/cpuset.cpus"
echo 1 >"$WORK/scratch"
mount --bind "$WORK/scratch" "$V1$T/kp/cpuset.sched_load_balance"
on_exit "umount '$V1$T/kp/cpuset.sched_load_balance'"
start_ctr m 1 yes runc "$T/kp/$(random_container_id)"
# A cpuset spanning the CPU that cannot be unbalanced: the isolation cannot be
# made whole, so it is undone, and said.
check "bind mount: the cgroup file behind it is refused, named" \
	wait_for 10 grep -q "cannot read '$V1$T/kp/cpuset.sched_load_balance'.*not a cgroup file of that mount" "$LOG"
check "bind mount: the isolation that could not be made whole is undone" wait_for 10 journal_empty
check "bind mount: the root is load balanced again" wait_for 5 lb_is "" 1
check "bind mount: the scratch file was not written" test "$(cat "$WORK/scratch")" = 1
check "bind mount: counted as an error" test "$(metric pinwatch_errors_total)" -ge 1
delete_ctr m
umount "$V1$T/kp/cpuset.sched_load_balance"
stop_agent TERM


# Faults, with the fault-injection build: a cgroup removed between its event
# and the agent's write; a write the kernel rejects.
AGENT_BIN=$HELPERS/pinwatch-faults PINWATCH_DELAY_APPLY_MS=1500 start_agent ||
	not_ok "slow agent starts" "$(cat "$LOG")"
start_ctr q 1 yes
wait_for 10 grep -q "isolate CPUs 1 of ${ID[q]:0:12}" "$LOG"
delete_ctr q
check "removed under the agent: it converges (nothing isolated, the root balanced)" \
	wait_for 15 eval 'journal_empty && layout_idle'
stop_agent TERM
AGENT_BIN=$HELPERS/pinwatch-faults PINWATCH_REJECT_WRITES=pinwatch.housekeeping/cpuset.cpus \
	start_agent --metrics "127.0.0.1:$PORT" || not_ok "agent starts" "$(cat "$LOG")"
start_ctr w 1 yes
check "rejected write: the isolation fails, said" \
	wait_for 10 grep -q "isolating ${ID[w]:0:12}.* failed: Invalid argument; undoing" "$LOG"
check "rejected write: what was done is undone" \
	wait_for 10 eval 'journal_empty && lb_is "" 1 && [ ! -d "$V1/pinwatch.housekeeping" ]'
sleep 3.5
check "rejected write: tried again, backing off (1 s, 2 s, ...: $(log_count "isolating ${ID[w]:0:12}.* failed") tries in 3.5 s)" \
	test "$(log_count "isolating ${ID[w]:0:12}.* failed")" -ge 2 -a "$(log_count "isolating ${ID[w]:0:12}.* failed")" -le 3
check "rejected write: counted as errors" test "$(metric pinwatch_errors_total)" -ge 1
delete_ctr w
stop_agent TERM

# 5. A journal that is not a regular file is refused at once, and left as it is.
for kind in fifo urandom zero dir; do
	rm -rf "$STATE/state.json"
	case $kind in
	fifo) mkfifo "$STATE/state.json" ;;
	urandom) ln -s /dev/urandom "$STATE/state.json" ;;
	zero) ln -s /dev/zero "$STATE/state.json" ;;
	dir) mkdir "$STATE/state.json" ;;
	esac
	timeout 10 "$PW" agent --state-dir "$STATE" >"$WORK/j.out" 2>&1
	rc=$?
	check "journal as $kind: refused at once (rc $rc, not a timeout)" test "$rc" -eq 1
	check "journal as $kind: the error names the file and why" \
		grep -q "cannot use the journal '$STATE/state.json': it is \(not a regular file\|a symlink\)" "$WORK/j.out"
	check "journal as $kind: left as it was" test -e "$STATE/state.json" -o -L "$STATE/state.json"
done
rm -rf "$STATE/state.json"
# Cut short (a full disk, an editor): refused, and no kernel write made from it.
printf '{"version": 2, "v1_housekeeping": "/pinwatch.housekeeping", "isolated": [{"contai' \
	>"$STATE/state.json"
"$PW" agent --state-dir "$STATE" >"$WORK/j.out" 2>&1
check "journal cut short: refused, saying so" grep -q "not valid JSON (cut short?)" "$WORK/j.out"
check "journal cut short: no kernel write made" bash -c "! grep -q 'wrote\|made cgroup' '$WORK/j.out'"
rm -f "$STATE/state.json"

# Least privilege: once running, the agent has no capability in effect, holds
# only what it raises around the one operation that needs each, and none in
# its bounding set beyond those.
start_agent || not_ok "agent starts" "$(cat "$LOG")"
check "the running agent has no capability in effect" grep -q '^CapEff:.*0000000000000000$' "/proc/$AGENT_PID/status"
# DAC_OVERRIDE and SYS_NICE for the v1 writes, KILL and BPF to resume held
# execs, DAC_READ_SEARCH to read root-only runtime state (bits 1, 23, 5, 39, 2).
check "the running agent holds only DAC_OVERRIDE, DAC_READ_SEARCH, SYS_NICE, KILL and BPF" grep -q '^CapPrm:.*0000008000800026$' "/proc/$AGENT_PID/status"
check "the running agent's bounding set is as small" grep -q '^CapBnd:.*0000008000800026$' "/proc/$AGENT_PID/status"
check "the running agent cannot gain privileges" grep -q '^NoNewPrivs:.*1$' "/proc/$AGENT_PID/status"
stop_agent TERM
start_trace || exit 1
check "the running tracer has no capability in effect" grep -q '^CapEff:.*0000000000000000$' "/proc/$TRACE_PID/status"
check "the running tracer holds only DAC_READ_SEARCH (runtime state)" grep -q '^CapPrm:.*0000000000000004$' "/proc/$TRACE_PID/status"
stop_trace
