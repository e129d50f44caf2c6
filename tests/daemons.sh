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
		DAEMONS_DIR=$(mktemp -d /tmp/pwd.XXXXXX)
		chmod 0711 "$DAEMONS_DIR"
		on_exit "daemons_cleanup"
		# containerd's shims keep their sockets (/run/containerd/s) and runc
		# roots (/run/containerd/runc/NAMESPACE) there whatever the daemon's
		# own state is, dockerd's too. Made as containerd makes it on a node
		# (0711: a shim alone makes it 0600, which a root without
		# capabilities cannot search), and removed at exit when made here.
		if [ ! -e /run/containerd ]; then
			mkdir -m 0711 /run/containerd
			on_exit "rm -rf /run/containerd"
		fi
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

# start_dockerd: dockerd (with the containerd it starts) on $DOCKER_HOST; 0 once it answers.
start_dockerd() {
	local i
	daemons_dir
	DOCKER_ROOT="$DAEMONS_DIR/docker"
	mkdir -p "$DOCKER_ROOT/data" "$DOCKER_ROOT/exec"
	# dockerd makes /run/docker/plugins whatever its --exec-root: removed at exit when made here.
	[ -e /run/docker ] || on_exit "rm -rf /run/docker"
	export DOCKER_HOST="unix://$DOCKER_ROOT/docker.sock"
	# vfs: the data root may be on overlayfs or tmpfs; busybox is small.
	"$DOCKERD" --iptables=false --ip-forward=false --ip-masq=false --bridge=none \
		--storage-driver vfs --cgroup-parent "/$TEST_ID-docker" \
		--data-root "$DOCKER_ROOT/data" --exec-root "$DOCKER_ROOT/exec" \
		--pidfile "$DOCKER_ROOT/docker.pid" -H "$DOCKER_HOST" \
		>"$WORK/dockerd.log" 2>&1 &
	DOCKERD_PID=$!
	on_exit "stop_dockerd"
	for ((i = 0; i < 300; i++)); do
		"$DOCKER" version >/dev/null 2>&1 && break
		kill -0 "$DOCKERD_PID" 2>/dev/null || break
		sleep 0.1
	done
	if ! "$DOCKER" version >/dev/null 2>&1; then
		echo "# dockerd did not start: $(tail -n 5 "$WORK/dockerd.log")"
		return 1
	fi
	busybox_rootfs_tar | "$DOCKER" import - local/busybox >/dev/null
}

stop_dockerd() {
	[ -n "${DOCKERD_PID:-}" ] || return 0
	"$DOCKER" ps -aq 2>/dev/null | xargs -r "$DOCKER" rm -f >/dev/null 2>&1
	kill -TERM "$DOCKERD_PID" 2>/dev/null
	wait_for 20 eval '! kill -0 $DOCKERD_PID 2>/dev/null' || kill -KILL "$DOCKERD_PID" 2>/dev/null
	wait "$DOCKERD_PID" 2>/dev/null
	# Its containerd and shims go with it; anything left of them is killed.
	pkill -KILL -f "$DOCKER_ROOT" 2>/dev/null
	DOCKERD_PID=""
	rm_cgroup_everywhere "$TEST_ID-docker"
}

# start_containerd: containerd on $CONTAINERD_ADDRESS with a root and state of its own.
start_containerd() {
	local i
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
	for ((i = 0; i < 300; i++)); do
		"$CTR" --address "$CONTAINERD_ADDRESS" version >/dev/null 2>&1 && return 0
		kill -0 "$CONTAINERD_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "# containerd did not start: $(tail -n 5 "$WORK/containerd.log")"
	return 1
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
	kill -TERM "$CONTAINERD_PID" 2>/dev/null
	wait_for 20 eval '! kill -0 $CONTAINERD_PID 2>/dev/null' || kill -KILL "$CONTAINERD_PID" 2>/dev/null
	wait "$CONTAINERD_PID" 2>/dev/null
	pkill -KILL -f "$CTRD_ROOT" 2>/dev/null
	CONTAINERD_PID=""
	rm_cgroup_everywhere "$TEST_ID-ctr"
}
