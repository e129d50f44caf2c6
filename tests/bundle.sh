# SPDX-License-Identifier: GPL-2.0-only
# Shared by the tests (tests/lib.sh) and the benchmarks (scripts/bench/lib.sh).

# make_bundle DIR CPUS CGROUPS_PATH: an OCI bundle with a busybox rootfs whose
# process sleeps, pinned to CPUS, in the cgroup CGROUPS_PATH. No image
# registry: the rootfs is busybox-static and its applet links.
make_bundle() {
	local dir=$1 cpus=$2 cgpath=$3 c
	mkdir -p "$dir/rootfs/bin" "$dir/rootfs/proc" "$dir/rootfs/dev" "$dir/rootfs/sys"
	cp "$(command -v busybox)" "$dir/rootfs/bin/busybox"
	for c in sh sleep cat echo; do ln -sf busybox "$dir/rootfs/bin/$c"; done
	runc spec --bundle "$dir" || return 1
	jq --arg cpus "$cpus" --arg cg "$cgpath" '
		.process.terminal = false
		| .process.args = ["sleep", "300"]
		| .linux.resources.cpu = {"cpus": $cpus, "mems": "0"}
		| .linux.cgroupsPath = $cg' "$dir/config.json" >"$dir/config.json.new" &&
		mv "$dir/config.json.new" "$dir/config.json"
}

# A random container id: 64 hex digits, as containerd and CRI-O make them.
random_container_id() {
	od -An -N32 -tx1 /dev/urandom | tr -d ' \n'
}
