#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Real runc and crun containers, pinned with linux.resources.cpu.cpus under a
# kubepods-style cgroupsPath: the runtime's exec, the leaf's mkdir, the
# cpuset.cpus write and the rmdir on delete are all traced.
. "$(dirname "$0")/../lib.sh"

for tool in runc crun busybox; do
	if ! command -v $tool >/dev/null; then
		not_ok "runtimes: $tool is installed" "run scripts/install-deps.sh"
		exit 1
	fi
done
on_exit "rm_cgroup_everywhere '$TEST_ID'"
V1=$(v1_cpuset_mount)

# run_container RUNTIME: start a pinned container, trace it, delete it.
run_container() {
	local rt=$1 id uid cg bundle root
	id=$(random_container_id)
	uid=$(random_pod_uid)
	cg="/$TEST_ID/kubepods/burstable/pod$uid/$id"
	bundle="$WORK/bundle-$rt"
	root="$WORK/$rt-root"
	make_bundle "$bundle" 1 "$cg" >/dev/null || { not_ok "$rt: bundle" "runc spec failed"; return; }
	on_exit "$rt --root '$root' delete -f '$id'"

	start_trace || return
	# Start from another directory with --bundle, as containerd and CRI-O do.
	case $rt in
	runc)
		(cd / && runc --root "$root" run -d --bundle "$bundle" "$id") \
			</dev/null >"$WORK/$rt.out" 2>&1
		;;
	crun)
		# crun 1.8 refuses hybrid hosts: hide the cgroup2 mount in a private
		# mount namespace so it uses the v1 hierarchies (../shared/TESTING.md).
		if [ -n "$V1" ] && mountpoint -q /sys/fs/cgroup/unified; then
			(cd / && unshare -m --propagation private sh -c \
				"umount /sys/fs/cgroup/unified && crun --root '$root' run -d --bundle '$bundle' '$id'") \
				</dev/null >"$WORK/$rt.out" 2>&1
		else
			(cd / && crun --root "$root" run -d --bundle "$bundle" "$id") \
				</dev/null >"$WORK/$rt.out" 2>&1
		fi
		;;
	esac
	local rc=$?
	sleep 0.2
	$rt --root "$root" delete -f "$id" >>"$WORK/$rt.out" 2>&1
	stop_trace
	if [ $rc -ne 0 ]; then
		not_ok "$rt: container starts" "$(cat "$WORK/$rt.out")"
		return
	fi
	ok "$rt: container starts"

	local cpuset_h='.hierarchy == 0'
	[ -n "$V1" ] && cpuset_h='.hierarchy != 0'
	expect "$rt: exec of the runtime with its argv" \
		".type == \"exec\" and .filename == \"$rt\" and (.argv | index([\"run\"]) != null) and (.argv | index([\"$id\"]) != null) and .argv_truncated == false"
	expect "$rt: mkdir of the container's cgroup" \
		".type == \"cgroup_mkdir\" and $cpuset_h and .path == \"$cg\""
	expect "$rt: mkdir of the pod's cgroup" \
		".type == \"cgroup_mkdir\" and .path == \"/$TEST_ID/kubepods/burstable/pod$uid\""
	expect "$rt: cpuset.cpus = \"1\" written to the container's cgroup, ok" \
		".type == \"cpuset_write\" and .path == \"$cg\" and .file == \"cpuset.cpus\" and .value == \"1\" and .ret >= 0 and .error == null"
	expect "$rt: the delete exec names the container it deletes" \
		".type == \"exec\" and (.argv | index([\"delete\"]) != null) and .container_id == \"$id\""
	expect "$rt: rmdir of the container's cgroup on delete" \
		".type == \"cgroup_rmdir\" and $cpuset_h and .path == \"$cg\""
	# Order: the runtime's exec, then the mkdir, then the pinning write, then rmdir.
	local order
	order=$(jq -r "select(.type != \"cgroup_populated\") | select((.type == \"exec\" and .filename == \"$rt\" and (.argv | index([\"run\"]) != null)) or (.path == \"$cg\" and $cpuset_h and (.type != \"cpuset_write\" or .file == \"cpuset.cpus\"))) | .type" \
		"$TRACE_OUT" | uniq | tr '\n' ' ')
	check "$rt: events come in order exec, mkdir, cpuset_write, rmdir (got: $order)" \
		test "$order" = "exec cgroup_mkdir cpuset_write cgroup_rmdir "
}

run_container runc
run_container crun
