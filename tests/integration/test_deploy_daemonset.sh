#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The DaemonSet, run as it ships: its image built by deploy/Containerfile's
# own recipe (no registry: FROM scratch plus its COPY lines make a rootfs
# here, its ENTRYPOINT and CMD are read from the file), and its pod spec
# turned into a runc config.json the way kubelet and containerd's CRI plugin
# would (tests/oci_from_podspec.py: the container's args, user, capabilities,
# no new privileges, read-only root, seccomp, hostPID, every hostPath volume
# with its propagation, containerd's default mounts and masked paths). A real
# runc runs it. The containerized agent isolates an opted-in container of the
# host, restores it when it goes, and stops on SIGTERM. A change to the
# manifest's capabilities, mounts or security context that breaks the agent
# breaks this test.
. "$(dirname "$0")/../lib.sh"
require_basics
require_v1_cpuset "DaemonSet" "the agent part runs on v1 here"
PY=/usr/bin/python3
MANIFEST=$ROOT/deploy/kubernetes/pinwatch-agent.yaml
CONTAINERFILE=$ROOT/deploy/Containerfile
"$PY" -c 'import yaml' 2>/dev/null ||
	{ not_ok "DaemonSet: python3-yaml is installed (scripts/install-deps.sh --with-tests)"; exit 1; }
. "$(dirname "$0")/../agent_lib.sh"

# Every host directory the pod mounts, as a fresh node has it: kubelet makes
# the DirectoryOrCreate ones; what earlier runs left is put aside meanwhile.
host_dirs=$("$PY" -c '
import sys, yaml
pod = yaml.safe_load(open(sys.argv[1]))["spec"]["template"]["spec"]
for v in pod["volumes"]:
    if v["hostPath"].get("type") == "DirectoryOrCreate":
        print(v["hostPath"]["path"])' "$MANIFEST")
# shellcheck disable=SC2086
fresh_run_dirs $host_dirs || exit 1
for d in $host_dirs; do mkdir -p "$d"; done
STATE=$("$PY" -c '
import sys, yaml
spec = yaml.safe_load(open(sys.argv[1]))["spec"]["template"]["spec"]
mounts = {m["mountPath"]: m["name"] for m in spec["containers"][0]["volumeMounts"]}
vols = {v["name"]: v["hostPath"]["path"] for v in spec["volumes"]}
print(vols[mounts["/run/pinwatch"]])' "$MANIFEST")
on_exit "'$PW' restore --state-dir '$STATE'"

# The image, by the Containerfile's recipe: FROM scratch, COPY SRC DST,
# ENTRYPOINT and CMD as JSON arrays.
IMAGE="$WORK/image"
mkdir -p "$IMAGE/rootfs"
echo '{}' >"$IMAGE/config.json"
while read -r verb rest; do
	case $verb in
	FROM) [ "$rest" = scratch ] || { not_ok "DaemonSet: the image is FROM scratch ($rest)"; exit 1; } ;;
	COPY)
		read -r src dst <<<"$rest"
		install -D -m 0755 "$ROOT/$src" "$IMAGE/rootfs$dst"
		;;
	ENTRYPOINT | CMD)
		key=$(tr 'A-Z' 'a-z' <<<"$verb")
		jq --arg k "$key" --argjson v "$rest" '.[$k] = $v' "$IMAGE/config.json" >"$IMAGE/c.json" &&
			mv "$IMAGE/c.json" "$IMAGE/config.json"
		;;
	"" | \#*) ;;
	*) not_ok "DaemonSet: the Containerfile holds only what this recipe knows ($verb)"; exit 1 ;;
	esac
done <"$CONTAINERFILE"
# The same tar a registry would hold: what the image is, byte for byte.
tar -C "$IMAGE/rootfs" -cf "$WORK/image.tar" .
check "DaemonSet: the image is the static binary alone ($(tar -tf "$WORK/image.tar" | grep -v '/$' | tr '\n' ' '))" \
	test "$(tar -tf "$WORK/image.tar" | grep -v '/$')" = ./pinwatch

# The pod's sandbox network namespace, as kubelet's pause container holds it:
# its loopback up, nothing else (no CNI here, no packet leaves).
NETNS=$TEST_ID
[ -d /run/netns ] || on_exit "rmdir /run/netns"
ip netns add "$NETNS" && on_exit "ip netns delete '$NETNS'"
ip -n "$NETNS" link set lo up
# The pod's config, from the manifest itself.
POD="$WORK/pod"
AGENT_ID=pinwatch-agent-$TEST_ID
mkdir -p "$POD"
if ! "$PY" "$ROOT/tests/oci_from_podspec.py" "$MANIFEST" agent "$IMAGE/config.json" \
	"$IMAGE/rootfs" "/$TEST_ID/kubepods/besteffort/pod$(random_pod_uid)/$AGENT_ID" \
	"$POD/config.json" "/run/netns/$NETNS" 2>"$WORK/gen.err"; then
	not_ok "DaemonSet: the pod spec becomes a runtime config" "$(cat "$WORK/gen.err")"
	exit 1
fi
ok "DaemonSet: the pod spec becomes a runtime config"
echo "# runs: $(jq -c '.process.args' "$POD/config.json") with $(jq -r '.process.capabilities.bounding | join(",")' "$POD/config.json")"

on_exit "runc delete -f '$AGENT_ID'"
LOG="$WORK/pod.log"
(cd / && runc run -d --bundle "$POD" "$AGENT_ID") </dev/null >"$LOG" 2>&1
check "DaemonSet: the agent container starts and says it runs" wait_for 30 grep -q 'agent running' "$LOG"
AGENT_PID=$(runc state "$AGENT_ID" 2>/dev/null | jq -r .pid)
if [ -z "$AGENT_PID" ] || [ "$AGENT_PID" = null ] || ! grep -q 'agent running' "$LOG"; then
	not_ok "DaemonSet: the containerized agent is running" "$(tail -n 20 "$LOG")"
	exit 1
fi
# The initial pid namespace has a fixed inode number (include/linux/proc_ns.h).
check "DaemonSet: it runs in the host's PID namespace, its root read-only" eval '
	[ "$(readlink /proc/$AGENT_PID/ns/pid)" = "pid:[$((0xEFFFFFFC))]" ] &&
	grep -qE "^[^ ]+ / [^ ]+ ro[, ]" /proc/$AGENT_PID/mounts'
check "DaemonSet: no capability effective, none beyond the manifest's" eval '
	[ "$(awk "/^CapEff:/ { print \$2 }" /proc/$AGENT_PID/status)" = 0000000000000000 ] &&
	[ $((0x$(awk "/^CapPrm:/ { print \$2 }" /proc/$AGENT_PID/status) & ~0x$(awk "/^CapBnd:/ { print \$2 }" /proc/$AGENT_PID/status))) = 0 ]'
check "DaemonSet: nothing went wrong at start (no error line)" eval '! grep -q " error " "$LOG"'
check "DaemonSet: its metrics answer on the pod's loopback" \
	eval 'ip netns exec "$NETNS" bash -c "exec 3<>/dev/tcp/127.0.0.1/9477 && printf \"GET /metrics HTTP/1.0\r\n\r\n\" >&3 && grep -q ^pinwatch_build_info <&3"'

# kubelet's CPU manager keeps the shared pool's containers (the agent's pod is
# Burstable) off a Guaranteed pod's exclusive CPUs: here, CPU 1.
runc update --cpuset-cpus 0 "$AGENT_ID" >>"$WORK/rt.out" 2>&1
start_ctr a 1 yes
check "DaemonSet: an opted-in container of the host is isolated" wait_for 10 journal_has a
check "DaemonSet: the root and the container's cpuset are out of load balancing" \
	eval 'lb_is "" 0 && lb_is "${CG[a]}" 0'
delete_ctr a
check "DaemonSet: the container gone, load balancing is back" wait_for 10 eval 'journal_empty && layout_idle'
runc kill "$AGENT_ID" TERM >/dev/null 2>&1
check "DaemonSet: the pod's stop (SIGTERM) ends the agent" \
	wait_for 10 eval '[ "$(runc state "$AGENT_ID" 2>/dev/null | jq -r .status)" = stopped ]'
