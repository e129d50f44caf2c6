#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A real containerd node: Debian's containerd 1.6 on a socket, root and state
# of the test's own; `ctr run --config` starts an opted-in container pinned
# to CPU 1. trace and ps name it as containerd's (runc its OCI runtime), and
# the agent isolates it and restores it when its task goes. Everything is
# stopped and removed at exit.
. "$(dirname "$0")/../lib.sh"
require_basics
V1=$(v1_cpuset_mount)
if [ -z "$V1" ]; then
	not_ok "containerd: this host has a v1 cpuset hierarchy" "the agent part runs on v1 here"
	exit 1
fi
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
		| .annotations = {"cpu-load-balancing.crio.io": "disable"}' "$b/config.json" >"$b/c.json"
	ctr run -d --config "$b/c.json" "${CID[$1]}" >>"$WORK/ctr.out" 2>&1
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
stop_trace
expect "trace: the pinning write names containerd's container and its namespace" \
	".type == \"cpuset_write\" and .value == \"1\" and .container_id == \"${CID[a]}\" and .runtime == \"containerd\" and .namespace == \"default\""
expect "trace: the shim's runc create names it" \
	".type == \"exec\" and (.argv | index(\"create\")) != null and .container_id == \"${CID[a]}\" and .runtime == \"containerd\""
"$PW" ps --json >"$WORK/ps.json"
check "ps: containerd's container in its namespace, runc its OCI runtime, on CPU 1, opted in" \
	test "$(jq -r "select(.container_id == \"${CID[a]}\") | \"\(.runtime) \(.namespace) \(.oci_runtime) \(.cpus) \(.opted_in)\"" "$WORK/ps.json")" = "containerd default runc 1 true"

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
