#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Trust from namespaces, not names: root inside a default container (no user
# namespace: uid 0, and the files of its own rootfs are root's) poses as a
# runtime and as the daemons whose command lines pinwatch reads, pointing at
# forged state in its own rootfs (whose host path it can learn from its
# overlay's upperdir, or here, from the test):
#
#   - /runc --root <rootfs>/fake state ID, with a forged state.json naming
#     another container's cgroup and CRI-O's opt-in labels;
#   - /runc create --bundle <rootfs>/fakebundle ID, with a forged config.json
#     naming that cgroup and the annotations;
#   - a process named dockerd with --exec-root <rootfs>/fakeexec, and one
#     named containerd-shim with -address <rootfs>/fakestate/containerd.sock,
#     each over forged state for that cgroup.
#
# None of it may steer the agent: the victim (a cpuset made by hand, as
# libvirt or lxc make them, pinned to CPU 1, with a task; the forged state
# names that task's pid and start time, as an attacker who learned them
# would) is never isolated, no knob applied; trace shows the execs
# untrusted, with the reason (a container's mount namespace); ps names
# nothing from them; the agent says it was sent none and counts them.
. "$(dirname "$0")/../lib.sh"

require_v1_cpuset "trust" "the agent part runs on v1 here"
. "$(dirname "$0")/../agent_lib.sh"

# The victim: a cpuset made by hand on CPU 1 with a task in it.
VICTIM_CG="/$TEST_ID-victim"
mkdir "$V1$VICTIM_CG" && echo 1 >"$V1$VICTIM_CG/cpuset.cpus" && echo 0 >"$V1$VICTIM_CG/cpuset.mems"
sh -c 'echo $$ >"$1/cgroup.procs" && exec sleep 300' victim "$V1$VICTIM_CG" &
VICTIM_PID=$!
on_exit "kill $VICTIM_PID; rmdir '$V1$VICTIM_CG'"
check "the victim runs, pinned to CPU 1" wait_for 10 grep -qx "$VICTIM_PID" "$V1$VICTIM_CG/cgroup.procs"
VICTIM_START=$(awk '{ print $22 }' "/proc/$VICTIM_PID/stat")
FORGED_ID=$(random_container_id)

# The attacker: a default runc container whose root runs what it likes.
A="$WORK/bundle-attacker"
make_bundle "$A" 0 "/$TEST_ID/attacker" >/dev/null
R="$A/rootfs"
cp "$(command -v busybox)" "$R/runc"
cp "$HELPERS/named_sleeper" "$R/dockerd"
cp "$HELPERS/named_sleeper" "$R/containerd-shim"
# Forged state for the victim's cgroup with the opt-in labels, as runc writes them.
mkdir -p "$R/fake/$FORGED_ID" "$R/fakeexec/runtime-runc/moby/$FORGED_ID" "$R/fakebundle"
jq -n --arg cg "$VICTIM_CG" --arg id "$FORGED_ID" --argjson pid "$VICTIM_PID" --argjson start "$VICTIM_START" '{
	id: $id, init_process_pid: $pid, init_process_start: $start, created: "2026-01-01T00:00:00Z",
	config: { cgroup_paths: { cpuset: ("/sys/fs/cgroup/cpuset" + $cg) },
		labels: ["cpu-load-balancing.crio.io=disable", "cpu-quota.crio.io=disable", "bundle=/fakebundle"] },
	cgroup_paths: { cpuset: ("/sys/fs/cgroup/cpuset" + $cg) } }' >"$R/fake/$FORGED_ID/state.json"
cp "$R/fake/$FORGED_ID/state.json" "$R/fakeexec/runtime-runc/moby/$FORGED_ID/state.json"
jq -n --arg cg "$VICTIM_CG" '{ ociVersion: "1.0.2", linux: { cgroupsPath: $cg },
	annotations: { "cpu-load-balancing.crio.io": "disable", "cpu-quota.crio.io": "disable" } }' \
	>"$R/fakebundle/config.json"
mkdir -p "$R/fakestate/io.containerd.runtime.v2.task/k8s.io/$FORGED_ID"
cp "$R/fakebundle/config.json" "$R/fakestate/io.containerd.runtime.v2.task/k8s.io/$FORGED_ID/config.json"
# The host path of its rootfs, as the attacker would name it.
HOST_R=$(cd "$R" && pwd)
jq --arg r "$HOST_R" --arg id "$FORGED_ID" '.process.args = ["sh", "-c",
	"/runc --root \($r)/fake state \($id); /runc create --bundle \($r)/fakebundle \($id);
	 /dockerd 120 --exec-root \($r)/fakeexec & /containerd-shim 120 -namespace k8s.io -id \($id) -address \($r)/fakestate/containerd.sock & exec sleep 300"]' \
	"$A/config.json" >"$A/c.json" && mv "$A/c.json" "$A/config.json"
ATTACKER=$(random_container_id)
on_exit "runc delete -f '$ATTACKER'"

start_agent --reserved 0 || { not_ok "agent starts" "$(cat "$LOG")"; exit 1; }
start_trace --type exec || exit 1
(cd / && runc run -d --bundle "$A" "$ATTACKER") </dev/null >>"$WORK/rt.out" 2>&1
check "the attacker's fake dockerd and shim run (comm dockerd, containerd-shim)" \
	wait_for 10 eval '[ -n "$(pids_named dockerd)" ] && [ -n "$(pids_named containerd-shim)" ]'
sleep 1
stop_trace
expect "trace: the container's /runc --root <its rootfs> is shown untrusted: a container's mount namespace" \
	'.filename == "runc" and (.argv | index("state")) != null and .uid == 0 and .trusted == false and .untrusted == "mnt_ns"'
expect "trace: so is its /runc create --bundle <its rootfs>" \
	'.filename == "runc" and (.argv | index("create")) != null and .trusted == false and .untrusted == "mnt_ns"'
expect_none "trace: neither names a container" '.filename == "runc" and .trusted == false and .container_id != null'

# A rescan reads every place again, the fake daemons' included if they were believed.
kill -HUP "$AGENT_PID" 2>/dev/null # (HUP ends the agent the orderly way: start a new one)
wait_for 10 eval '! kill -0 $AGENT_PID 2>/dev/null'
start_agent --reserved 0 --resync 1 || { not_ok "agent restarts" "$(cat "$LOG")"; exit 1; }
sleep 2.5
check "the victim is never isolated (journal)" eval '! journal_has_id "$FORGED_ID"'
check "no knob applied to anyone" test "$(jq '(.tuned | length) + (.isolated | length)' "$STATE/state.json" 2>/dev/null || echo 0)" = 0
check "the root cpuset stays balanced" lb_is "" 1
check "the agent was sent no untrusted exec, and says how many it was spared, by reason" \
	grep -q "untrusted runtime execs were not sent to the agent: [0-9]* so far in a container's mount namespace" "$WORK"/agent.*.log
"$PW" ps --json >"$WORK/ps.json" 2>"$WORK/ps.err"
check "ps: the victim is no container (nothing forged is read)" \
	test "$(jq -r --arg id "$FORGED_ID" 'select(.container_id == $id) | .container_id' "$WORK/ps.json" | wc -l)" = 0
check "ps: no container of the forged places (no namespace k8s.io, no docker engine)" \
	test "$(jq -r 'select(.namespace == "k8s.io" or .runtime == "docker") | .container_id' "$WORK/ps.json" | wc -l)" = 0
stop_agent
