#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Unrelated traffic produces nothing: the kernel-side filter lets no write
# through that is not to a cgroupfs file named cpuset.*.
. "$(dirname "$0")/../lib.sh"

use_cpuset_hierarchy
V2=$(v2_mount)
on_exit "rm_cgroup_tree '$H/$TEST_ID'"
on_exit "rm_cgroup_tree '$V2/$TEST_ID-q'"
mkdir -p "$H/$TEST_ID" "$V2/$TEST_ID-q"
# v1 needs mems before cpus can be set (on cgroup2 the file is empty and optional).
[ -f "$H/cpuset.mems" ] && cat "$H/cpuset.mems" >"$H/$TEST_ID/cpuset.mems"

start_trace --type cpuset_write || exit 1
# 100k write(2) calls to /dev/null, then writev and pwrite on a regular file
# named like a cpuset file.
: >"$WORK/cpuset.cpus"
dd if=/dev/zero of=/dev/null bs=1 count=100000 status=none
"$HELPERS/cpuset_write" pwrite "$WORK/cpuset.cpus" "1" >/dev/null
"$HELPERS/cpuset_write" writev "$WORK/cpuset.cpus" "1" >/dev/null
# Cgroup files whose names do not start with cpuset., in both hierarchies.
for f in cgroup.clone_children notify_on_release; do
	[ -f "$H/$TEST_ID/$f" ] && echo 0 >"$H/$TEST_ID/$f"
done
echo 0 >"$V2/$TEST_ID-q/cgroup.freeze" 2>/dev/null
"$HELPERS/cpuset_write" write "$V2/$TEST_ID-q/cgroup.procs" "0" >/dev/null
# The control: one real cpuset write, so a tracer that saw nothing fails here.
"$HELPERS/cpuset_write" write "$H/$TEST_ID/cpuset.cpus" "0" >/dev/null
stop_trace

n=$(count_events 'true')
check "only the one real cpuset write was traced (saw $n events)" test "$n" -eq 1
expect "the real cpuset write is the one reported" ".type == \"cpuset_write\" and .path == \"/$TEST_ID\" and .value == \"0\""
check "the kernel side saw one cpuset write" grep -q 'cpuset_write *seen 1, emitted 1, dropped 0' "$TRACE_ERR"
