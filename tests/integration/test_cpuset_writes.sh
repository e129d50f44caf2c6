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
P="/$TEST_ID/leaf"
sel=".type == \"cpuset_write\" and .path == \"$P\" and .file == \"cpuset.cpus\""

# The probe modes to prove: tracepoints everywhere; fentry where the kernel
# allows it, and it must where PW_REQUIRE_FENTRY is set (the guests).
PROBES=(tracepoint)
if "$PW" trace --probe fentry --duration 1 >/dev/null 2>"$WORK/fentry.err"; then
	PROBES+=(fentry)
elif [ -n "${PW_REQUIRE_FENTRY:-}" ]; then
	not_ok "fentry: trace attaches to cgroup_file_write here" "$(cat "$WORK/fentry.err")"
else
	check "fentry refused by this kernel: one line says so" \
		grep -q "^pinwatch: --probe fentry: this kernel does not let pinwatch attach to cgroup_file_write()" "$WORK/fentry.err"
	start_trace || exit 1
	check "auto mode falls back to the syscall tracepoints, and says so" grep -q 'cpuset writes by tracepoint' "$TRACE_ERR"
	stop_trace
fi

for probe in "${PROBES[@]}"; do
	start_trace --probe "$probe" || exit 1
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
	# io_uring: no write syscall at all.
	"$WRITE" uring "$CG/cpuset.cpus" "1" >"$WORK/w8"
	stop_trace

	# Seen at the handler, a write does not say which syscall it came by.
	if [ "$probe" = fentry ]; then
		sys_write=null sys_pwrite=null sys_writev=null
	else
		sys_write='"write"' sys_pwrite='"pwrite64"' sys_writev='"writev"'
	fi
	t="$probe:"
	check "$t the closing counters name the probe mode" \
		test "$(jq -r 'select(.type == "counters") | .probe' "$TRACE_OUT")" = "$probe"
	check "$t helper saw write(2) succeed" grep -qx 'ret=1' "$WORK/w1"
	expect "$t write(2) of \"1\": value and return value" "$sel and .syscall == $sys_write and .value == \"1\" and .ret == 1 and .error == null"
	expect "$t pwrite64(2) of \"0-1\"" "$sel and .syscall == $sys_pwrite and .value == \"0-1\" and .ret == 3 and .error == null"
	expect "$t writev(2) of two iovecs joined into \"0,1\"" "$sel and .syscall == $sys_writev and .value == \"0,1\" and .ret == 3"
	check "$t helper saw 7-3 rejected" grep -q 'errno=EINVAL' "$WORK/w4"
	expect "$t rejected write(2) of \"7-3\" reports EINVAL" "$sel and .syscall == $sys_write and .value == \"7-3\" and .ret == -22 and .error == \"EINVAL\""
	expect "$t rejected pwrite64(2) of \"junk\" reports an error" "$sel and .syscall == $sys_pwrite and .value == \"junk\" and .ret < 0 and .error != null"
	expect "$t rejected writev(2) of \"9999\" reports an error" "$sel and .syscall == $sys_writev and .value == \"9999\" and .ret < 0 and .error != null"
	expect "$t shell redirect on fd 1 is traced" "$sel and .value == \"0\" and .comm == \"bash\" and .ret == 2"
	expect "$t long value is marked truncated" "$sel and .value_truncated == true and (.value | length) == 256 and .ret == ${#long}"
	expect "$t target cgroup id and level are set" "$sel and .cgroup_id > 0 and .level == 2"
	expect "$t writer's pid and tid are set" "$sel and .pid > 0 and .tid == .pid and .comm == \"cpuset_write\""
	check "$t helper's io_uring write succeeded" grep -qx 'ret=1' "$WORK/w8"
	n=$(count_events "$sel")
	if [ "$probe" = fentry ]; then
		# The handler sees the io_uring write too (from the submitter or an io-wq worker).
		expect "$t the io_uring write is seen, with its value and result" "$sel and .value == \"1\" and .ret == 1 and (.comm == \"cpuset_write\" or (.comm | startswith(\"iou-wrk\")))"
		check "$t exactly the 9 writes to the leaf were traced (saw $n)" test "$n" -eq 9
	else
		# No write syscall, no tracepoint: the mode's known blind spot (docs/EVENTS.md).
		check "$t exactly the 8 syscall writes to the leaf were traced, io_uring's not (saw $n)" test "$n" -eq 8
	fi
done

# A storm of writes (a loop rewriting cpuset.cpus) wakes the reader once per
# millisecond at most, not once per write: each wakeup is an interrupt to the
# reader's CPU. None is lost or held back for long: the tail comes with the
# reader's tick.
STORM=2000
start_trace --probe tracepoint || exit 1
switches() { awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/$TRACE_PID/status"; }
before=$(switches)
for ((i = 0; i < STORM; i++)); do echo $((i % 2)) >"$CG/cpuset.cpus"; done
sleep 0.5
woken=$(($(switches) - before))
stop_trace
n=$(count_events "$sel and .comm == \"bash\"")
check "a storm of $STORM writes: every one reported (saw $n)" test "$n" -eq "$STORM"
check "a storm of $STORM writes: the reader woke $woken times, not once per write" \
	test "$woken" -lt $((STORM / 4))

# Trace yields the CPU to the node's work: it reads at nice 10 unless told,
# and a trace started nicer stays so.
nice_of() { awk '{ sub(/.*\) /, ""); print $17 }' "/proc/$1/stat"; }
start_trace --type cpuset_write || exit 1
check "trace reads at nice 10 by default (nice $(nice_of "$TRACE_PID"))" test "$(nice_of "$TRACE_PID")" = 10
stop_trace
start_trace --type cpuset_write --nice 0 || exit 1
check "--nice 0: trace keeps the nice it was started with (nice $(nice_of "$TRACE_PID"))" test "$(nice_of "$TRACE_PID")" = 0
stop_trace
# renice, not nice: the guests' busybox has only the former.
bash -c 'renice -n 15 -p $$ >/dev/null && exec "$0" trace --type cpuset_write --duration 30' "$PW" \
	>/dev/null 2>"$WORK/nice15.err" &
NICE15=$!
on_exit "kill $NICE15 2>/dev/null"
wait_for 20 grep -q tracing "$WORK/nice15.err"
check "a trace started at nice 15 stays at 15 (nice $(nice_of "$NICE15"))" test "$(nice_of "$NICE15")" = 15
kill -INT "$NICE15"
wait "$NICE15" 2>/dev/null
