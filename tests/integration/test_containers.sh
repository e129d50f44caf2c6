#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The container map with real runtimes: containers under containerd-,
# CRI-O-, Docker- and Podman-style cgroup paths and under a path of no
# pattern are named by their own ids, pods and namespaces in `trace --json`
# and `ps --json`, with the right CPUs, whether pinwatch started before or
# after them; `runc update --cpuset-cpus` is followed.
. "$(dirname "$0")/../lib.sh"

for tool in runc crun busybox; do
	command -v $tool >/dev/null || { not_ok "containers: $tool is installed"; exit 1; }
done
on_exit "rm_cgroup_everywhere '$TEST_ID'"
V1=$(v1_cpuset_mount)

uid=$(random_pod_uid)
uid_=${uid//-/_}
declare -A ID CG RT ANN CPUS
ID[a]=$(random_container_id) ID[b]=$(random_container_id) ID[c]=$(random_container_id)
ID[d]=$(random_container_id) ID[e]=$(random_container_id) ID[f]="pw-f-$RANDOM$RANDOM"
CG[a]="/$TEST_ID/kubepods/burstable/pod$uid/${ID[a]}"
CG[b]="/$TEST_ID/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod$uid_.slice/cri-containerd-${ID[b]}.scope"
CG[c]="/$TEST_ID/kubepods.slice/kubepods-pod$uid_.slice/crio-${ID[c]}.scope"
CG[d]="/$TEST_ID/docker/${ID[d]}"
CG[e]="/$TEST_ID/machine.slice/libpod-${ID[e]}.scope"
CG[f]="/$TEST_ID/custom/place"
RT[a]=runc RT[b]=runc RT[c]=crun RT[d]=runc RT[e]=runc RT[f]=runc
# a is alone on CPU 1; everything else shares CPU 0.
CPUS[a]=1 CPUS[b]=0 CPUS[c]=0 CPUS[d]=0 CPUS[e]=0 CPUS[f]=0
containerd_ann() {
	jq -n --arg pod "$1" --arg ns "$2" --arg name "$3" --arg uid "$uid" '{
		"io.kubernetes.cri.container-type": "container",
		"io.kubernetes.cri.sandbox-name": $pod,
		"io.kubernetes.cri.sandbox-namespace": $ns,
		"io.kubernetes.cri.sandbox-uid": $uid,
		"io.kubernetes.cri.container-name": $name}'
}
ANN[a]=$(containerd_ann web-0 prod app)
ANN[b]=$(containerd_ann db-0 data "postgres")
ANN[c]=$(jq -n --arg uid "$uid" '{
	"io.kubernetes.cri-o.ContainerType": "container",
	"io.kubernetes.pod.name": "dpdk-0",
	"io.kubernetes.pod.namespace": "telco",
	"io.kubernetes.pod.uid": $uid,
	"io.kubernetes.container.name": "fwd"}')
ANN[d]='{}' ANN[e]='{}' ANN[f]='{}'

start_one() {
	local k=$1 b="$WORK/bundle-$1"
	make_bundle "$b" "${CPUS[$k]}" "${CG[$k]}" >/dev/null || return 1
	jq --argjson ann "${ANN[$k]}" '.annotations = $ann' "$b/config.json" >"$b/c.json" &&
		mv "$b/c.json" "$b/config.json"
	on_exit "${RT[$k]} delete -f '${ID[$k]}'"
	if [ "${RT[$k]}" = crun ] && [ -n "$V1" ] && grep -q ' /sys/fs/cgroup/unified ' /proc/mounts; then
		# crun 1.8 refuses hybrid hosts: hide cgroup2 (see ../shared/TESTING.md).
		(cd / && unshare -m --propagation private sh -c \
			"umount /sys/fs/cgroup/unified && crun run -d --bundle '$b' '${ID[$k]}'") \
			</dev/null >>"$WORK/rt.out" 2>&1
	else
		(cd / && "${RT[$k]}" run -d --bundle "$b" "${ID[$k]}") </dev/null >>"$WORK/rt.out" 2>&1
	fi
}

# Started under a running tracer: the map learns them from events.
start_trace || exit 1
for k in a b c d e f; do
	start_one $k || not_ok "container $k starts" "$(cat "$WORK/rt.out")"
done
stop_trace

w() { echo ".type == \"cpuset_write\" and .file == \"cpuset.cpus\" and .path == \"${CG[$1]}\" and .ret >= 0"; }
expect "trace: containerd cgroupfs container named (id, pod, namespace, name, qos)" \
	"$(w a) and .container_id == \"${ID[a]}\" and .pod == \"web-0\" and .namespace == \"prod\" and .container == \"app\" and .runtime == \"containerd\" and .qos == \"burstable\""
expect "trace: containerd systemd-style container named" \
	"$(w b) and .container_id == \"${ID[b]}\" and .pod == \"db-0\" and .namespace == \"data\" and .container == \"postgres\" and .runtime == \"containerd\" and .qos == \"burstable\""
if [ -n "$V1" ] && grep -q ' /sys/fs/cgroup/unified ' /proc/mounts; then
	# crun ran in a mount namespace of its own (it refuses hybrid hosts): its
	# execs are rightly not trusted, so its bundle is not read at its pinning
	# write; the path names the container, and ps (its state) the pod, below.
	expect "trace: CRI-O container under crun named by its path (crun untrusted in its own mount namespace)" \
		"$(w c) and .container_id == \"${ID[c]}\" and .runtime == \"cri-o\" and .qos == \"guaranteed\""
	expect "trace: that crun's exec shown untrusted: a container's mount namespace" \
		".type == \"exec\" and .filename == \"crun\" and .trusted == false and .untrusted == \"mnt_ns\""
else
	expect "trace: CRI-O container under crun named" \
		"$(w c) and .container_id == \"${ID[c]}\" and .pod == \"dpdk-0\" and .namespace == \"telco\" and .container == \"fwd\" and .runtime == \"cri-o\" and .qos == \"guaranteed\""
fi
expect "trace: docker-style container" "$(w d) and .container_id == \"${ID[d]}\" and .runtime == \"docker\" and .pod == null"
expect "trace: libpod-style container" "$(w e) and .container_id == \"${ID[e]}\" and .runtime == \"podman\""
expect "trace: container of any cgroupsPath, known from the runtime's exec" \
	"$(w f) and .container_id == \"${ID[f]}\" and .runtime == \"runc\""
expect "trace: the runtime's exec names its container" \
	".type == \"exec\" and .container_id == \"${ID[a]}\" and .pod == \"web-0\""
expect_none "trace: a pod's own cgroup is not a container" \
	".type == \"cgroup_mkdir\" and (.path | endswith(\"pod$uid\")) and .container_id != null"

# Started after them: ps and a new trace know them from the scan and the runtimes' state.
"$PW" ps --json >"$WORK/ps.json" 2>"$WORK/ps.err"
check "ps --json exits 0 with valid JSON" json_lines_valid "$WORK/ps.json"
ps_has() {
	local n
	n=$(jq -c "select($2)" "$WORK/ps.json" | wc -l)
	if [ "$n" -eq 1 ]; then ok "$1"; else not_ok "$1" "$n rows match: $2"; fi
}
ps_has "ps: containerd container with pod, namespace, CPUs, exclusive" \
	".container_id == \"${ID[a]}\" and .pod == \"web-0\" and .namespace == \"prod\" and .container == \"app\" and .cpus == \"1\" and .cpus_effective == \"1\" and .exclusive == true and .qos == \"burstable\" and .pod_uid == \"$uid\""
ps_has "ps: systemd-style containerd container shares CPU 0" \
	".container_id == \"${ID[b]}\" and .pod == \"db-0\" and .cpus == \"0\" and .exclusive == false and .shares_cpus_with != null and .pod_uid == \"$uid\""
ps_has "ps: CRI-O container" ".container_id == \"${ID[c]}\" and .runtime == \"cri-o\" and .namespace == \"telco\" and .cpus == \"0\""
ps_has "ps: docker-style container" ".container_id == \"${ID[d]}\" and .runtime == \"docker\" and .cpus == \"0\""
ps_has "ps: libpod-style container" ".container_id == \"${ID[e]}\" and .runtime == \"podman\""
ps_has "ps: container of any cgroupsPath, from runc's state.json" \
	".container_id == \"${ID[f]}\" and .path == \"${CG[f]}\" and .runtime == \"runc\""
"$PW" ps --json --reserved 1 >"$WORK/ps-r.json"
check "ps: a reserved CPU is never exclusive" \
	test "$(jq -r "select(.container_id == \"${ID[a]}\") | .exclusive" "$WORK/ps-r.json")" = false
"$PW" ps >"$WORK/ps.txt"
check "ps table: header" grep -q '^CONTAINER  *RUNTIME  *NAMESPACE  *POD  *NAME  *CPUS  *EXCL  *ISOLATED  *NOISE/S$' "$WORK/ps.txt"
check "ps table: short id, pod and exclusive CPU" \
	grep -qE "^${ID[a]:0:12} +containerd +prod +web-0 +app +1 +yes +- +-$" "$WORK/ps.txt"
"$PW" ps --wide >"$WORK/ps-wide.txt"
check "ps --wide: the full id and the cgroup path" \
	grep -qE "^${ID[a]} +containerd +prod +web-0 +app +1 +yes +- +- +${CG[a]}$" "$WORK/ps-wide.txt"

# runc update --cpuset-cpus: traced with the container's name, and the map follows.
start_trace || exit 1
if ! runc update --cpuset-cpus 0 "${ID[a]}" >"$WORK/update.out" 2>&1; then
	not_ok "runc update --cpuset-cpus 0 succeeds" "$(cat "$WORK/update.out")"
fi
stop_trace
expect "trace started after the container names it on runc update" \
	"$(w a) and .value == \"0\" and .container_id == \"${ID[a]}\" and .pod == \"web-0\""
"$PW" ps --json >"$WORK/ps2.json"
check "ps: CPUs follow runc update" \
	test "$(jq -r "select(.container_id == \"${ID[a]}\") | .cpus" "$WORK/ps2.json")" = 0
