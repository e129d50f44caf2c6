# SPDX-License-Identifier: GPL-2.0-only
# Real container daemons for the tests (sourced after lib.sh): Debian's
# dockerd and containerd, each on a socket, state and root of the test's own,
# with nothing of the host's (no iptables rules, no bridge, no IP
# forwarding), their containers' cgroups below the test's unique name, and an
# image made from busybox-static. Everything is stopped and removed at exit,
# also on failure.

DOCKERD=/usr/sbin/dockerd
DOCKER=/usr/bin/docker # not a newer client earlier in PATH
CONTAINERD=/usr/bin/containerd
CTR=/usr/bin/ctr
# kubelet's side of CRI, on Debian's python3-grpcio (no crictl in Debian 12).
CRI_CLIENT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/helpers/cri_client.py
# Unix socket paths are short (108 bytes): the daemons' trees live in /tmp/pwd.*.
DAEMONS_DIR=""

daemons_dir() {
	if [ -z "$DAEMONS_DIR" ]; then
		fresh_run_dirs || exit 1
		DAEMONS_DIR=$(mktemp -d /tmp/pwd.XXXXXX)
		chmod 0711 "$DAEMONS_DIR"
		on_exit "daemons_cleanup"
	fi
}

# Unmount whatever a daemon left mounted below its tree, then remove it.
daemons_cleanup() {
	local m
	[ -n "$DAEMONS_DIR" ] || return 0
	for m in $(awk -v d="$DAEMONS_DIR" 'index($2, d) == 1 { print $2 }' /proc/self/mounts | sort -r); do
		umount -l "$m" 2>/dev/null
	done
	rm -rf "$DAEMONS_DIR"
}

# A rootfs of busybox-static: /bin/busybox and its applets, as a tar stream.
busybox_rootfs_tar() {
	local r="$WORK/image-rootfs" a
	if [ ! -d "$r" ]; then
		mkdir -p "$r/bin" "$r/proc" "$r/sys" "$r/dev" "$r/etc" "$r/tmp"
		cp /bin/busybox "$r/bin/busybox"
		for a in sh sleep cat echo ls; do ln -sf busybox "$r/bin/$a"; done
	fi
	tar -C "$r" -c .
}

# daemon_answers PID CMD...: CMD succeeds within 30 s while the daemon PID lives;
# else says which command went unanswered.
daemon_answers() {
	local pid=$1 i
	shift
	for ((i = 0; i < 300; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "# the daemon did not answer: $*"
	return 1
}

# daemon_stop PID ROOT CGROUP: SIGTERM, then SIGKILL after 20 s; whatever it left
# running below ROOT (shims) killed, its containers' cgroups (below CGROUP) removed.
daemon_stop() {
	local pid=$1
	kill -TERM "$pid" 2>/dev/null
	wait_for 20 eval '! kill -0 $pid 2>/dev/null' || kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pkill -KILL -f "$2" 2>/dev/null
	rm_cgroup_everywhere "$3"
}

# daemon_started NAME START LOG TOOL...: the daemon's tools are installed and
# START brings it up, said as one result; the test ends here when not.
daemon_started() {
	local name=$1 start=$2 log=$3 tool
	shift 3
	for tool in "$@"; do
		[ -x "$tool" ] || { not_ok "$name: $tool is installed (scripts/install-deps.sh --with-tests)"; exit 1; }
	done
	if ! "$start"; then
		not_ok "$name starts on a socket and roots of its own" "$(tail -n 5 "$log")"
		exit 1
	fi
	ok "$name starts on a socket and roots of its own"
}

# start_dockerd: dockerd (with the containerd it starts) on $DOCKER_HOST; 0 once it answers.
start_dockerd() {
	daemons_dir
	DOCKER_ROOT="$DAEMONS_DIR/docker"
	mkdir -p "$DOCKER_ROOT/data" "$DOCKER_ROOT/exec"
	export DOCKER_HOST="unix://$DOCKER_ROOT/docker.sock"
	# vfs: the data root may be on overlayfs or tmpfs; busybox is small.
	"$DOCKERD" --iptables=false --ip-forward=false --ip-masq=false --bridge=none \
		--storage-driver vfs --cgroup-parent "/$TEST_ID-docker" \
		--data-root "$DOCKER_ROOT/data" --exec-root "$DOCKER_ROOT/exec" \
		--pidfile "$DOCKER_ROOT/docker.pid" -H "$DOCKER_HOST" \
		>"$WORK/dockerd.log" 2>&1 &
	DOCKERD_PID=$!
	on_exit "stop_dockerd"
	daemon_answers "$DOCKERD_PID" "$DOCKER" version || return 1
	busybox_rootfs_tar | "$DOCKER" import - local/busybox >/dev/null
}

stop_dockerd() {
	[ -n "${DOCKERD_PID:-}" ] || return 0
	"$DOCKER" ps -aq 2>/dev/null | xargs -r "$DOCKER" rm -f >/dev/null 2>&1
	# Its containerd and shims go with it.
	daemon_stop "$DOCKERD_PID" "$DOCKER_ROOT" "$TEST_ID-docker"
	DOCKERD_PID=""
}

# busybox_image_tar NAME: busybox's rootfs as a one-layer image named NAME, in
# the docker-archive format `ctr images import` reads (no registry: nothing
# is pulled). Its command sleeps, as a pause image does.
busybox_image_tar() {
	local d="$WORK/image-$RANDOM" diff_id
	mkdir -p "$d"
	busybox_rootfs_tar >"$d/layer.tar"
	diff_id=$(sha256sum "$d/layer.tar" | cut -d' ' -f1)
	jq -n --arg diff "sha256:$diff_id" '{architecture: "amd64", os: "linux",
		config: {Env: ["PATH=/bin"], Cmd: ["sleep", "2147483"]}, rootfs: {type: "layers", diff_ids: [$diff]}}' >"$d/config.json"
	jq -n --arg name "$1" '[{Config: "config.json", RepoTags: [$name], Layers: ["layer.tar"]}]' \
		>"$d/manifest.json"
	tar -C "$d" -c manifest.json config.json layer.tar
	rm -rf "$d"
}

# start_containerd [cri]: containerd on $CONTAINERD_ADDRESS with a root and
# state of its own. With cri, its CRI plugin serves that socket as kubelet's
# runtime endpoint, as k3s and RKE2 lay it out: the shims' runc root private
# ($CTRD_ROOT/runc), the pod annotations pinwatch reads passed to the OCI
# runtime (docs/DEPLOY.md), images unpacked by the native snapshotter (the
# root may sit on overlayfs), and $CRI_IMAGE, made from busybox, both the
# sandbox ("pause") image and the workload's. The sandbox's oom_score_adj
# (-998) is kept no lower than the daemon's own: this machine refuses a
# lower one, even to root.
CRI_IMAGE=pinwatch.test/busybox:1
start_containerd() {
	local cri=${1:-}
	daemons_dir
	CTRD_ROOT="$DAEMONS_DIR/containerd"
	mkdir -p "$CTRD_ROOT/root" "$CTRD_ROOT/state" "$CTRD_ROOT/cni"
	export CONTAINERD_ADDRESS="$CTRD_ROOT/containerd.sock"
	# Top-level keys before any table: after one, TOML gives them to it.
	cat >"$CTRD_ROOT/config.toml" <<-EOF
		version = 2
		root = "$CTRD_ROOT/root"
		state = "$CTRD_ROOT/state"
		$([ "$cri" = cri ] || echo 'disabled_plugins = ["io.containerd.grpc.v1.cri"]')
		[grpc]
		  address = "$CONTAINERD_ADDRESS"
		[ttrpc]
		  address = "$CONTAINERD_ADDRESS.ttrpc"
	EOF
	if [ "$cri" = cri ]; then
		cat >>"$CTRD_ROOT/config.toml" <<-EOF
			[plugins."io.containerd.grpc.v1.cri"]
			  sandbox_image = "$CRI_IMAGE"
			  stream_server_address = "127.0.0.1"
			  stream_server_port = "0"
			  restrict_oom_score_adj = true
			  [plugins."io.containerd.grpc.v1.cri".cni]
			    bin_dir = "$CTRD_ROOT/cni"
			    conf_dir = "$CTRD_ROOT/cni"
			  [plugins."io.containerd.grpc.v1.cri".containerd]
			    snapshotter = "native"
			    default_runtime_name = "runc"
			    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
			      runtime_type = "io.containerd.runc.v2"
			      pod_annotations = ["*.crio.io", "*.crio.io/*", "*.pinwatch.io", "*.pinwatch.io/*"]
			      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
			        Root = "$CTRD_ROOT/runc"
		EOF
	fi
	"$CONTAINERD" --config "$CTRD_ROOT/config.toml" >"$WORK/containerd.log" 2>&1 &
	CONTAINERD_PID=$!
	on_exit "stop_containerd"
	daemon_answers "$CONTAINERD_PID" "$CTR" --address "$CONTAINERD_ADDRESS" version || return 1
	[ "$cri" = cri ] || return 0
	daemon_answers "$CONTAINERD_PID" "$CRI_CLIENT" "$CONTAINERD_ADDRESS" version || return 1
	busybox_image_tar "$CRI_IMAGE" |
		"$CTR" --address "$CONTAINERD_ADDRESS" -n k8s.io images import --snapshotter native - >/dev/null
}

stop_containerd() {
	local id ns
	[ -n "${CONTAINERD_PID:-}" ] || return 0
	for ns in default k8s.io; do
		for id in $("$CTR" --address "$CONTAINERD_ADDRESS" -n $ns task ls -q 2>/dev/null); do
			"$CTR" --address "$CONTAINERD_ADDRESS" -n $ns task kill -s KILL "$id" >/dev/null 2>&1
		done
		sleep 0.5
		for id in $("$CTR" --address "$CONTAINERD_ADDRESS" -n $ns task ls -q 2>/dev/null); do
			"$CTR" --address "$CONTAINERD_ADDRESS" -n $ns task delete -f "$id" >/dev/null 2>&1
		done
		for id in $("$CTR" --address "$CONTAINERD_ADDRESS" -n $ns containers ls -q 2>/dev/null); do
			"$CTR" --address "$CONTAINERD_ADDRESS" -n $ns containers delete "$id" >/dev/null 2>&1
		done
	done
	daemon_stop "$CONTAINERD_PID" "$CTRD_ROOT" "$TEST_ID-ctr"
	CONTAINERD_PID=""
}
