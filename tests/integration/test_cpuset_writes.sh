#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Writes to cpuset files through write(2), pwrite64(2) and writev(2): the
# tracer reports the target cgroup, the file, the bytes and the return value,
# so a write the kernel rejects is reported as rejected.
. "$(dirname "$0")/../lib.sh"

use_cpuset_hierarchy
CG="$H/$TEST_ID/leaf"
on_exit "rm_cgroup_tree '$H/$TEST_ID'"
mkdir -p "$H/$TEST_ID"
enable_cpuset_below "$H/$TEST_ID"
mkdir "$CG"
# On v1 a child needs its parent's cpus and mems first (set before the trace starts).
if [ -f "$H/$TEST_ID/cpuset.mems" ]; then
	cat "$H/cpuset.mems" >"$H/$TEST_ID/cpuset.mems" 2>/dev/null || true
fi
[ -f "$H/$TEST_ID/cpuset.cpus" ] && echo 0-1 >"$H/$TEST_ID/cpuset.cpus"

WRITE=$HELPERS/cpuset_write
start_trace || exit 1
"$WRITE" write "$CG/cpuset.cpus" "1" >"$WORK/w1"
"$WRITE" pwrite "$CG/cpuset.cpus" "0-1" >"$WORK/w2"
"$WRITE" writev "$CG/cpuset.cpus" "0,1" >"$WORK/w3"
"$WRITE" write "$CG/cpuset.cpus" "7-3" >"$WORK/w4"
"$WRITE" pwrite "$CG/cpuset.cpus" "junk" >"$WORK/w5"
"$WRITE" writev "$CG/cpuset.cpus" "9999" >"$WORK/w6"
# A shell's redirect writes on fd 1: the fd must be resolved, not assumed.
echo 0 >"$CG/cpuset.cpus"
# Longer than the copy limit (256 bytes): reported as truncated, not dropped.
long="0$(printf ',0%.0s' $(seq 200))"
"$WRITE" write "$CG/cpuset.cpus" "$long" >"$WORK/w7"
stop_trace

P="/$TEST_ID/leaf"
sel=".type == \"cpuset_write\" and .path == \"$P\" and .file == \"cpuset.cpus\""
check "helper saw write(2) succeed" grep -qx 'ret=1' "$WORK/w1"
expect "write(2) of \"1\": value and return value" "$sel and .syscall == \"write\" and .value == \"1\" and .ret == 1 and .error == null"
expect "pwrite64(2) of \"0-1\"" "$sel and .syscall == \"pwrite64\" and .value == \"0-1\" and .ret == 3 and .error == null"
expect "writev(2) of two iovecs joined into \"0,1\"" "$sel and .syscall == \"writev\" and .value == \"0,1\" and .ret == 3"
check "helper saw 7-3 rejected" grep -q 'errno=EINVAL' "$WORK/w4"
expect "rejected write(2) of \"7-3\" reports EINVAL" "$sel and .syscall == \"write\" and .value == \"7-3\" and .ret == -22 and .error == \"EINVAL\""
expect "rejected pwrite64(2) of \"junk\" reports an error" "$sel and .syscall == \"pwrite64\" and .value == \"junk\" and .ret < 0 and .error != null"
expect "rejected writev(2) of \"9999\" reports an error" "$sel and .syscall == \"writev\" and .value == \"9999\" and .ret < 0 and .error != null"
expect "shell redirect on fd 1 is traced" "$sel and .value == \"0\" and .comm == \"bash\" and .ret == 2"
expect "long value is marked truncated" "$sel and .value_truncated == true and (.value | length) == 256 and .ret == ${#long}"
expect "target cgroup id and level are set" "$sel and .cgroup_id > 0 and .level == 2"
expect "writer's pid and tid are set" "$sel and .pid > 0 and .tid == .pid and .comm == \"cpuset_write\""
n=$(count_events "$sel")
check "exactly the 8 writes to the leaf were traced (saw $n)" test "$n" -eq 8
