#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Exec CPU affinity (guests with 3 CPUs and remote partitions: a container
# on CPUs 1-2 can be isolated): `runc exec` into an isolated container
# (what kubectl exec and exec probes do) runs on the container's first CPU
# only, held before its first instruction until it is pinned; the
# workload's own CPUs are unchanged. With
# --exec-cpu-affinity first for every container, and with the annotation
# exec-cpu-affinity.pinwatch.io: "first" for one; without either, nothing
# is pinned.
. "$(dirname "$0")/../lib.sh"

require_guest_v2 "exec affinity"
v2_partitions || skip_test "exec affinity" \
	"kernel $(uname -r) has no cpuset.cpus.exclusive (6.7+): nothing is isolated here"
V1=""
. "$(dirname "$0")/../agent_lib.sh"

allowed() { awk '/^Cpus_allowed_list:/ { print $2 }' "/proc/$1/status"; }
# exec_in KEY: a process runc exec puts into the container (it sleeps); its pid.
exec_in() {
	runc exec -d --pid-file "$WORK/exec.pid" "${ID[$1]}" sleep 120 >>"$WORK/rt.out" 2>&1
	cat "$WORK/exec.pid"
}
init_of() { runc state "${ID[$1]}" | jq -r .pid; }
# pinned_first PID: on the first CPU within 10 s, else the agent's last words.
pinned_first() {
	local pid=$1

	wait_for 10 eval '[ "$(allowed "$pid")" = 1 ]' && return 0
	tail -n 12 "$LOG" | sed 's/^/# agent: /' >&2
	return 1
}

# start_annotated KEY ANNOTATIONS_JSON ARGS_JSON: an isolated-to-be runc
# container on CPUs 1-2 with those annotations, running ARGS.
start_annotated() {
	ID[$1]=$(random_container_id)
	CG[$1]=/$TEST_ID/kubepods/pod$(random_pod_uid)/${ID[$1]}
	RT[$1]=runc
	make_bundle "$WORK/bundle-$1" 1-2 "${CG[$1]}" >/dev/null
	jq --argjson ann "$2" --argjson args "$3" '.annotations = $ann | .process.args = $args' \
		"$WORK/bundle-$1/config.json" >"$WORK/$1.json" && mv "$WORK/$1.json" "$WORK/bundle-$1/config.json"
	on_exit "runc delete -f '${ID[$1]}'"
	(cd / && runc run -d --bundle "$WORK/bundle-$1" "${ID[$1]}") </dev/null >>"$WORK/rt.out" 2>&1
}

start_agent --exec-cpu-affinity first || { not_ok "agent starts" "$(cat "$LOG")"; exit 1; }
# The workload forks a child of its own once isolated: that one is not an exec'd process.
start_annotated a '{"cpu-load-balancing.crio.io": "disable"}' \
	'["sh", "-c", "while [ ! -e /isolated ]; do sleep 1; done; sleep 300 & wait"]'
check "the container on CPUs 1-2 is isolated" wait_for 30 journal_has a
workload=$(init_of a)
p=$(exec_in a)
check "--exec-cpu-affinity first: runc exec's process runs on the first CPU only" \
	pinned_first "$p"
check "the agent says it pinned it" grep -q "pinned pid $p, exec'd into ${ID[a]:0:12}" "$LOG"
touch "$WORK/bundle-a/rootfs/isolated"
# child_of PID: its child running `sleep 300` (the loop's `sleep 1`s come and go).
child_of() {
	local c
	for c in $(cat "/proc/$1/task/$1/children" 2>/dev/null); do
		[ "$(tr '\0' ' ' <"/proc/$c/cmdline" 2>/dev/null)" = "sleep 300 " ] && echo "$c"
	done
}
wait_for 10 eval '[ -n "$(child_of "$workload")" ]'
child=$(child_of "$workload")
check "the workload's own CPUs are unchanged ($(allowed "$workload"))" test "$(allowed "$workload")" = 1-2
check "a child the workload forks and execs after isolation is not pinned (pid ${child:-none}: $(allowed "${child:-0}" 2>/dev/null))" \
	eval '[ -n "$child" ] && [ "$(allowed "$child")" = 1-2 ]'
delete_ctr a
check "released" wait_for 30 journal_empty
stop_agent

# Without the option: only a container whose annotation asks.
start_agent || { not_ok "agent starts" "$(cat "$LOG")"; exit 1; }
start_ctr b 1-2 yes
check "a container without the annotation is isolated" wait_for 30 journal_has b
p=$(exec_in b)
sleep 1
check "without the option or the annotation, runc exec's process is left on 1-2 ($(allowed "$p"))" \
	test "$(allowed "$p")" = 1-2
delete_ctr b
wait_for 30 journal_empty
start_annotated c '{"cpu-load-balancing.crio.io": "disable", "exec-cpu-affinity.pinwatch.io": "first"}' \
	'["sleep", "300"]'
check "the annotated container is isolated" wait_for 30 journal_has c
p=$(exec_in c)
check "annotation exec-cpu-affinity.pinwatch.io: first: runc exec's process on CPU 1 only" \
	pinned_first "$p"
delete_ctr c
check "released" wait_for 30 journal_empty
stop_agent
