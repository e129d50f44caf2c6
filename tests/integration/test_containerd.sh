#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A real containerd node laid out as k3s or RKE2 lay theirs: Debian's
# containerd 1.6 on a socket, root and state of the test's own (in its
# --config), and the shims' runc root too (ctr run --runc-root); /run as a
# fresh node has it. `ctr run --config` starts an opted-in container pinned
# to CPU 1, with kubelet's CRI annotations: trace and ps name it as
# containerd's, with pod, namespace and container (runc its OCI runtime),
# ps before any agent ran; the agent isolates it and restores it when its
# task goes. Everything is stopped and removed at exit.
. "$(dirname "$0")/../lib.sh"
require_basics
require_v1_cpuset "containerd" "the agent part runs on v1 here"
. "$(dirname "$0")/../agent_lib.sh"
. "$(dirname "$0")/../daemons.sh"
daemon_started containerd start_containerd "$WORK/containerd.log" "$CONTAINERD" "$CTR"
ctr() { "$CTR" --address "$CONTAINERD_ADDRESS" "$@"; }

# ctr_run KEY CPUS: an opted-in container of busybox, by ctr run --config.
declare -A CID
ctr_run() {
	local b="$WORK/ctr-$1"
	CID[$1]=$(random_container_id)
	make_bundle "$b" "$2" "/$TEST_ID-ctr/${CID[$1]}" >/dev/null || return 1
	jq --arg root "$b/rootfs" '.root.path = $root
		| .annotations = {"cpu-load-balancing.crio.io": "disable",
			"io.kubernetes.cri.container-type": "container",
			"io.kubernetes.cri.sandbox-name": "web-0", "io.kubernetes.cri.sandbox-namespace": "prod",
			"io.kubernetes.cri.container-name": "app"}' "$b/config.json" >"$b/c.json"
	# --null-io: no fifos of ctr's own in /run/containerd, as under kubelet: the
	# shim makes the directory. The runc root is private, as k3s's.
	ctr run -d --null-io --runc-root "$CTRD_ROOT/runc" --config "$b/c.json" "${CID[$1]}" \
		>>"$WORK/ctr.out" 2>&1
}
ctr_rm() {
	local id=${CID[$1]}
	ctr task kill -s KILL "$id" >>"$WORK/ctr.out" 2>&1
	ctr task delete -f "$id" >>"$WORK/ctr.out" 2>&1
	ctr containers delete "$id" >>"$WORK/ctr.out" 2>&1
}

start_trace || exit 1
ctr_run a 1
check "ctr run --config of a pinned container succeeds" eval 'ctr task ls -q | grep -qx "${CID[a]}"'
# As on a fresh node (or one whose containerd keeps its state elsewhere):
# the shim made /run/containerd, for root alone and not searchable.
check "the shim made /run/containerd mode 0600, as on a fresh node ($(stat -c %a /run/containerd))" \
	test "$(stat -c %a /run/containerd)" = 600
stop_trace
expect "trace: the pinning write names containerd's container, its pod and namespace" \
	".type == \"cpuset_write\" and .value == \"1\" and .container_id == \"${CID[a]}\" and .runtime == \"containerd\" and .pod == \"web-0\" and .namespace == \"prod\" and .container == \"app\""
expect "trace: the shim's runc create names it" \
	".type == \"exec\" and (.argv | index(\"create\")) != null and .container_id == \"${CID[a]}\" and .runtime == \"containerd\""
"$PW" ps --json >"$WORK/ps.json"
check "ps (no agent ran): containerd's container named from its private layout, runc its OCI runtime, on CPU 1, opted in" \
	test "$(jq -r "select(.container_id == \"${CID[a]}\") | \"\(.runtime) \(.pod) \(.namespace) \(.container) \(.oci_runtime) \(.cpus) \(.opted_in)\"" "$WORK/ps.json")" = "containerd web-0 prod app runc 1 true"

start_agent --reserved 0 || { not_ok "agent starts" "$(cat "$LOG")"; exit 1; }
check "agent: the opted-in containerd container is isolated" wait_for 10 journal_has_id "${CID[a]}"
check "agent: the root and its cpuset are out of load balancing" \
	eval 'lb_is "" 0 && lb_is "/$TEST_ID-ctr/${CID[a]}" 0'
ctr_rm a
check "agent: its task gone, load balancing is restored" wait_for 10 eval 'journal_empty && layout_idle'
ctr_run b 1
check "agent: a container started while it runs is isolated" wait_for 10 journal_has_id "${CID[b]}"
ctr_rm b
check "agent: and restored" wait_for 10 eval 'journal_empty && layout_idle'
stop_agent TERM

# Every start caught: the agent slowed on purpose (fault build), each
# opted-in container's workload reads its own cpuset's load balancing flag
# as its first act; 0 (isolated) in every start, by the shim's runc.
export PINWATCH_DELAY_APPLY_MS=150
AGENT_BIN=$HELPERS/pinwatch-faults start_agent --reserved 0 || { not_ok "slowed agent starts" "$(cat "$LOG")"; exit 1; }
N_STARTS=${HOLD_STARTS:-100}
: >"$WORK/markers"
for ((s = 0; s < N_STARTS; s++)); do
	b="$WORK/ctr-h"
	id=$(random_container_id)
	rm -rf "$b"
	make_bundle "$b" 1 "/$TEST_ID-ctr/$id" >/dev/null
	jq --arg root "$b/rootfs" '.root.path = $root | .root.readonly = false
		| .annotations = {"cpu-load-balancing.crio.io": "disable"}
		| .process.args = ["sh", "-c", "read lb < /sys/fs/cgroup/cpuset/cpuset.sched_load_balance; echo \"$lb\" > /marker; exec sleep 300"]' \
		"$b/config.json" >"$b/c.json"
	ctr run -d --null-io --config "$b/c.json" "$id" >>"$WORK/ctr.out" 2>&1
	wait_for 5 test -s "$b/rootfs/marker"
	cat "$b/rootfs/marker" 2>/dev/null >>"$WORK/markers" || echo none >>"$WORK/markers"
	CID[h]=$id
	ctr_rm h
	wait_for 10 journal_empty
done
check "containerd: in $(grep -cx 0 "$WORK/markers") of $N_STARTS starts the workload's first act saw its isolation in place" \
	test "$(grep -cx 0 "$WORK/markers")" = "$N_STARTS"
sort "$WORK/markers" | uniq -c | sed 's/^/# markers: /'
stop_agent TERM
