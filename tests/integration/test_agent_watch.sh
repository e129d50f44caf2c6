#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The always-on agent adds nothing to the node's syscalls (v1 cpusets on
# this host, real runc): it attaches no syscall tracepoint and mounts no
# tracefs, learns CPU changes from inotify watches on cpuset.cpus (an
# io_uring write among them), and past the kernel's watch bound still
# isolates, from its rescans, saying so.
. "$(dirname "$0")/../lib.sh"

require_v1_cpuset "agent watch" "the v2 backend is tested in the guests"
command -v bpftool >/dev/null || { not_ok "agent watch: bpftool is installed"; exit 1; }
. "$(dirname "$0")/../agent_lib.sh"
v1_test_cpuset

# The BPF programs a process holds, as "TYPE NAME" lines (its fds' fdinfo
# name them by id; bpftool says what each one is).
bpf_programs_of() {
	local id
	for id in $(grep -h '^prog_id:' /proc/"$1"/fdinfo/* 2>/dev/null | awk '{ print $2 }' | sort -u); do
		bpftool prog show id "$id" --json | jq -r '"\(.type) \(.name)"'
	done | sort -u
}

start_agent_or_exit --metrics "127.0.0.1:$PORT"

# 1. What the agent attaches: four BTF tracepoints that fire on cgroup
#    changes and execs, nothing on the syscall path.
bpf_programs_of "$AGENT_PID" >"$WORK/progs"
echo "# the agent's BPF programs: $(tr '\n' ',' <"$WORK/progs")"
check "the agent holds BPF programs (the check below can fail)" test -s "$WORK/progs"
check "the agent attaches no syscall tracepoint program" bash -c "! grep -q '^tracepoint \|sys_enter\|sys_exit' '$WORK/progs'"
progs="tracing cgroup_mkdir tracing cgroup_notify_populated tracing cgroup_rmdir tracing sched_process_exec "
# Where the kernel side resumes held tasks itself when the agent dies (6.13+), one more: on exits.
grep -q "the kernel side resumes them" "$LOG" &&
	progs="tracing cgroup_mkdir tracing cgroup_notify_populated tracing cgroup_rmdir tracing hold_release_at_agent_exit tracing sched_process_exec "
check "only tp_btf programs on cgroup changes and execs (and the agent's exit)" \
	test "$(tr '\n' ' ' <"$WORK/progs")" = "$progs"
check "its links: raw tracepoints on cgroup changes and execs, no perf event (fdinfo)" \
	links_are_tax_free "$AGENT_PID"
check "the agent stays in the host's mount namespace (no private tracefs)" \
	test "$(readlink /proc/$AGENT_PID/ns/mnt)" = "$(readlink /proc/self/ns/mnt)"
# The control: trace in tracepoint mode does attach them, and this check sees it.
start_trace --probe tracepoint --type cpuset_write || exit 1
bpf_programs_of "$TRACE_PID" >"$WORK/trace-progs"
check "control: the check sees trace's syscall tracepoints" grep -q '^tracepoint sys_enter_write$' "$WORK/trace-progs"
stop_trace

# 2. CPU changes come from inotify, whichever way they were written: an
#    isolated container moved to another CPU by an io_uring write.
start_ctr a 1 yes
check "watch: opted-in container on CPU 1 isolated" wait_for 10 journal_has a
check "watch: one watch per cpuset (the root, the test's, the container's and its parents)" \
	test "$(metric pinwatch_cpuset_watches)" -ge 4
"$HELPERS/cpuset_write" uring "$V1${CG[a]}/cpuset.cpus" 0 >"$WORK/uring.out"
check "watch: the io_uring write moved the container to CPU 0" grep -qx 'ret=1' "$WORK/uring.out"
journal_cpus_are() { jq -e --arg c "$1" '.isolated | length == 1 and .[0].cpus == $c' "$STATE/state.json" >/dev/null; }
check "watch: the agent followed it: CPU 0 isolated instead" wait_for 10 journal_cpus_are 0
delete_ctr a
check "watch: released" wait_for 10 journal_empty
stop_agent TERM

# 3. At the kernel's bound (fs.inotify.max_user_watches, shared by root's
#    processes): said once, counted, and isolation still happens. The bound
#    is lowered for as short a time as the check needs.
LIMIT=/proc/sys/fs/inotify/max_user_watches
old_limit=$(cat "$LIMIT")
used=$(cat /proc/[0-9]*/fdinfo/* 2>/dev/null | grep -c '^inotify wd:')
on_exit "echo '$old_limit' > '$LIMIT'"
# Room for a few watches only: the cpusets below take them all.
for i in $(seq 8); do
	mkdir -p "$V1$T/fill/f$i"
done
echo $((used + 4)) >"$LIMIT"
start_agent --metrics "127.0.0.1:$PORT" || not_ok "agent starts at the watch bound" "$(cat "$LOG")"
check "bound: said once, naming the sysctl" \
	test "$(log_count 'cannot watch more cpuset files: fs.inotify.max_user_watches')" -eq 1
refused=$(metric pinwatch_cpuset_watches_refused_total)
check "bound: counted ($refused)" test "$refused" -ge 1
# Its cgroups cannot be watched either: its CPUs are read on its first task.
start_ctr b 1 yes
check "bound: an opted-in container is isolated all the same" wait_for 10 journal_has b
check "bound: its cgroups were not watched" wait_for 3 eval '[ "$(metric pinwatch_cpuset_watches_refused_total)" -gt "$refused" ]'
echo "$old_limit" >"$LIMIT"
delete_ctr b
check "bound: released" wait_for 10 journal_empty
stop_agent TERM
