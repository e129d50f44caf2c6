#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A Guaranteed pod created through containerd's CRI socket exactly as kubelet
# creates one (RunPodSandbox, CreateContainer with the CPU manager's
# exclusive cpuset and a whole-CPU quota, StartContainer; StopContainer,
# RemoveContainer, StopPodSandbox, RemovePodSandbox), on a node laid out as
# k3s and RKE2 lay theirs: containerd's root, state and socket of its own, the
# shims' runc root private. Annotated pod-wide with
# cpu-load-balancing.crio.io: disable, passed on by containerd's
# pod_annotations. trace and ps name the workload with pod, namespace and
# container (ps before any agent ran); the agent isolates it (started before
# the agent, and started while it runs) and not the pod's sandbox, follows
# the CPU manager's UpdateContainerResources (0-1 restores, 1 isolates
# again), and restores the node when kubelet removes the pod.
. "$(dirname "$0")/../lib.sh"
require_basics
require_v1_cpuset "CRI" "the agent part runs on v1 here"
. "$(dirname "$0")/../agent_lib.sh"
. "$(dirname "$0")/../daemons.sh"
if ! /usr/bin/python3 -c 'import grpc' 2>/dev/null; then
	not_ok "CRI: python3-grpcio is installed (scripts/install-deps.sh --with-tests)"
	exit 1
fi
start_containerd_cri() { start_containerd cri; }
daemon_started "containerd (CRI)" start_containerd_cri "$WORK/containerd.log" "$CONTAINERD" "$CTR"
cri() { "$CRI_CLIENT" "$CONTAINERD_ADDRESS" "$@" 2>>"$WORK/cri.err"; }

# start_pod KEY NAME: a Guaranteed pod NAME in namespace prod, one container
# "app" on CPU 1, as kubelet's static CPU manager asks for it.
declare -A POD CID CGROUP
start_pod() {
	local uid ids
	uid=$(random_pod_uid)
	ids=$(cri start-pod "$(jq -cn --arg name "$2" --arg uid "$uid" --arg image "$CRI_IMAGE" \
		--arg parent "/$TEST_ID-ctr/kubepods/pod$uid" --arg logs "$WORK/pods/prod_$2_$uid" '{
		name: $name, namespace: "prod", uid: $uid, cgroup_parent: $parent, log_directory: $logs,
		annotations: {"cpu-load-balancing.crio.io": "disable"},
		containers: [{name: "app", image: $image, args: ["sleep", "300"], cpuset_cpus: "1",
			cpu_period: 100000, cpu_quota: 100000, cpu_shares: 1024}]}')") || { sed "s/^/# /" "$WORK/cri.err"; return 1; }
	read -r "POD[$1]" "CID[$1]" <<<"$ids"
	CGROUP[$1]=/$TEST_ID-ctr/kubepods/pod$uid/${CID[$1]}
	on_exit "remove_pod $1"
}
remove_pod() {
	[ -n "${POD[$1]:-}" ] || return 0
	cri remove-pod "${POD[$1]}" "${CID[$1]}"
	local rc=$?
	POD[$1]=""
	return $rc
}

start_trace || exit 1
if ! start_pod a web-0; then
	not_ok "CRI: kubelet's calls start a pod"
	exit 1
fi
ok "CRI: kubelet's calls start a pod"
# As on a fresh node: the shim made /run/containerd, for root alone.
check "the shim made /run/containerd mode 0600, as on a fresh node ($(stat -c %a /run/containerd))" \
	test "$(stat -c %a /run/containerd)" = 600
stop_trace
expect "trace: the CPU manager's pinning names the pod's container, pod and namespace" \
	".type == \"cpuset_write\" and .value == \"1\" and .container_id == \"${CID[a]}\" and .runtime == \"containerd\" and .pod == \"web-0\" and .namespace == \"prod\" and .container == \"app\""
expect "trace: the shim's runc create names it" \
	".type == \"exec\" and (.argv | index(\"create\")) != null and .container_id == \"${CID[a]}\" and .runtime == \"containerd\""
"$PW" ps --json >"$WORK/ps.json"
check "ps (no agent ran): the CRI container named with pod, namespace and container, runc its OCI runtime, on CPU 1, opted in" \
	test "$(jq -r "select(.container_id == \"${CID[a]}\") | \"\(.runtime) \(.pod) \(.namespace) \(.container) \(.oci_runtime) \(.cpus) \(.opted_in)\"" "$WORK/ps.json")" = "containerd web-0 prod app runc 1 true"
check "ps: the pod's sandbox is named with its pod too, and not a workload" \
	test "$(jq -r "select(.container_id == \"${POD[a]}\") | \"\(.pod) \(.namespace) \(.workload)\"" "$WORK/ps.json")" = "web-0 prod false"

start_agent --reserved 0 || { not_ok "agent starts" "$(cat "$LOG")"; exit 1; }
check "agent: the pod's container is isolated" wait_for 10 journal_has_id "${CID[a]}"
check "agent: the root and the container's cpuset are out of load balancing" \
	eval 'lb_is "" 0 && lb_is "${CGROUP[a]}" 0'
check "agent: the pod's sandbox (annotated too, on every CPU) is not isolated" \
	eval '! journal_has_id "${POD[a]}"'
check "CRI: UpdateContainerResources moves the container to CPUs 0-1" cri update "${CID[a]}" 0-1
check "agent: no longer exclusive, it is restored" wait_for 10 eval 'journal_empty && layout_idle'
check "CRI: UpdateContainerResources pins it to CPU 1 again" cri update "${CID[a]}" 1
check "agent: isolated again" wait_for 10 journal_has_id "${CID[a]}"
check "CRI: kubelet's calls remove the pod" remove_pod a
check "agent: the pod gone, load balancing is restored" wait_for 10 eval 'journal_empty && layout_idle'
check "CRI: a pod started while the agent runs" start_pod b web-1
check "agent: it is isolated" wait_for 10 journal_has_id "${CID[b]}"
check "agent: its log says so" grep -q "isolated ${CID[b]:0:12}" "$LOG"
check "CRI: and removed" remove_pod b
check "agent: and restored" wait_for 10 eval 'journal_empty && layout_idle'
stop_agent TERM
