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

# start_containerd: containerd on $CONTAINERD_ADDRESS with a root and state of its own.
start_containerd() {
	daemons_dir
	CTRD_ROOT="$DAEMONS_DIR/containerd"
	mkdir -p "$CTRD_ROOT/root" "$CTRD_ROOT/state"
	export CONTAINERD_ADDRESS="$CTRD_ROOT/containerd.sock"
	cat >"$CTRD_ROOT/config.toml" <<-EOF
		version = 2
		root = "$CTRD_ROOT/root"
		state = "$CTRD_ROOT/state"
		disabled_plugins = ["io.containerd.grpc.v1.cri"]
		[grpc]
		  address = "$CONTAINERD_ADDRESS"
		[ttrpc]
		  address = "$CONTAINERD_ADDRESS.ttrpc"
	EOF
	"$CONTAINERD" --config "$CTRD_ROOT/config.toml" >"$WORK/containerd.log" 2>&1 &
	CONTAINERD_PID=$!
	on_exit "stop_containerd"
	daemon_answers "$CONTAINERD_PID" "$CTR" --address "$CONTAINERD_ADDRESS" version
}

stop_containerd() {
	local id
	[ -n "${CONTAINERD_PID:-}" ] || return 0
	for id in $("$CTR" --address "$CONTAINERD_ADDRESS" task ls -q 2>/dev/null); do
		"$CTR" --address "$CONTAINERD_ADDRESS" task kill -s KILL "$id" >/dev/null 2>&1
	done
	sleep 0.5
	for id in $("$CTR" --address "$CONTAINERD_ADDRESS" task ls -q 2>/dev/null); do
		"$CTR" --address "$CONTAINERD_ADDRESS" task delete -f "$id" >/dev/null 2>&1
	done
	for id in $("$CTR" --address "$CONTAINERD_ADDRESS" containers ls -q 2>/dev/null); do
		"$CTR" --address "$CONTAINERD_ADDRESS" containers delete "$id" >/dev/null 2>&1
	done
	daemon_stop "$CONTAINERD_PID" "$CTRD_ROOT" "$TEST_ID-ctr"
	CONTAINERD_PID=""
}
