#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A hold that lets go by itself, and only container starts held (v1 cpusets
# on this host, cgroup v2 in the guests; real runc):
#
#   - the kill matrix: with a task held (the agent slowed in its apply), the
#     agent's process group, the agent alone and its whole cgroup (as systemd
#     and a pod's kill do) get SIGKILL, SIGHUP, SIGQUIT or SIGTERM: the held
#     task runs again within the bound (3 s), every try;
#   - hand-made cgroups (a user's, libvirt's, a systemd unit's) with an exec
#     right after their mkdir: none is ever held, seen from outside by
#     pinwatch trace (hold records) and /proc/PID/stat.
#
# KILL_TRIES=N tries per signal and target (20; in the guests 2, and only
# KILL and HUP there unless KILL_SIGNALS=all).
. "$(dirname "$0")/../lib.sh"

V1=$(v1_cpuset_mount)
V2=$(v2_mount)
. "$(dirname "$0")/../agent_lib.sh"
[ -n "$V1" ] || v2_partitions || skip_test "hold safety" \
	"kernel $(uname -r) has no cpuset.cpus.exclusive (6.7+): no isolation to hold a start for"
CG_HIER=${V1:-$V2}
TRIES=${KILL_TRIES:-20}
SIGNALS="KILL HUP QUIT TERM"
# The agent busy this long in each apply: a task stays held while it is hit.
DELAY_MS=400
# Software emulation is ~10 times slower: the guests try SIGKILL (what a
# guardian must outlive) and SIGHUP twice each, with the agent slower still.
if grep -qw 'pinwatch.guest=1' /proc/cmdline; then
	TRIES=${KILL_TRIES:-2}
	[ "${KILL_SIGNALS:-}" = all ] || SIGNALS="KILL HUP"
	DELAY_MS=2500
fi
AGENT_BIN=$HELPERS/pinwatch-faults
BOUND_MS=3000
if [ -z "$V1" ]; then
	use_cpuset_hierarchy
	CPUS=1-2 # a partition needs a CPU left for the rest (3 CPUs)
else
	CPUS=1
fi

B="$WORK/bundle"
make_bundle "$B" "$CPUS" /unused >/dev/null
jq '.annotations = {"cpu-load-balancing.crio.io": "disable"}' "$B/config.json" >"$WORK/base.json"
CUR=""
on_exit 'runc delete -f "$CUR" >/dev/null 2>&1'

# The agent's own cgroup2 cgroup, for the cgroup kill (as systemd's stop makes it).
AGENT_CG="$V2/$TEST_ID-agent/agent"
mkdir -p "$AGENT_CG"
on_exit "rm_cgroup_tree '$V2/$TEST_ID-agent'"

# agent_up: the slowed agent in its own session (as a unit or a pod has it),
# in AGENT_CG; its pid in AGENT_PID.
agent_up() {
	: >"$WORK/agent.log"
	PINWATCH_DELAY_APPLY_MS=$DELAY_MS sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec setsid "$@"' \
		agent "$AGENT_CG" "$AGENT_BIN" agent --state-dir "$STATE" --reserved 0 \
		>"$WORK/agent.log" 2>&1 &
	AGENT_PID=$!
	# Killed on purpose: no job report from this shell.
	disown "$AGENT_PID"
	wait_for 60 grep -q 'agent running' "$WORK/agent.log"
}

# Whether any of the pids runs (exists and is not a zombie its new parent has yet to reap).
running() {
	local p s
	for p in "$@"; do
		s=$(awk '{ print $3 }' "/proc/$p/stat" 2>/dev/null)
		[ -n "$s" ] && [ "$s" != Z ] && return 0
	done
	return 1
}

# A started container's init pid, once it is held (state T); "" after 10 s.
held_init() {
	local pid i
	for ((i = 0; i < 100; i++)); do
		pid=$(runc state "$CUR" 2>/dev/null | jq -r '.pid // empty')
		[ -n "$pid" ] && [ "$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)" = T ] &&
			{ echo "$pid"; return 0; }
		sleep 0.1
	done
	return 1
}

# hit TARGET SIG: what a unit's stop, an operator or a pod's deletion sends.
hit() {
	local p
	case $1 in
	group) kill -"$2" -- "-$AGENT_PID" ;;
	agent) kill -"$2" "$AGENT_PID" ;;
	cgroup)
		if [ "$2" = KILL ] && [ -e "$AGENT_CG/cgroup.kill" ]; then
			echo 1 >"$AGENT_CG/cgroup.kill"
		else
			for p in $(cat "$AGENT_CG/cgroup.procs"); do kill -"$2" "$p"; done
		fi
		;;
	esac
}

# One try: start, hold, hit, and the ms until the held task runs (or "stuck").
try_once() {
	local pid t0 i ms=stuck
	agent_up || { echo "agent did not start: $(tail -n 3 "$WORK/agent.log")"; return 1; }
	CUR=$(random_container_id)
	jq --arg cg "/$TEST_ID/kubepods/pod$(random_pod_uid)/$CUR" '.linux.cgroupsPath = $cg' \
		"$WORK/base.json" >"$B/config.json"
	(cd / && runc run -d --bundle "$B" "$CUR") </dev/null >>"$WORK/rt.out" 2>&1
	pid=$(held_init) || { echo "nothing was held"; clean_try; return 1; }
	t0=${EPOCHREALTIME/./}
	hit "$1" "$2"
	for ((i = 0; i < 500; i++)); do
		if [ "$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)" != T ]; then
			ms=$(((${EPOCHREALTIME/./} - t0) / 1000))
			break
		fi
		sleep 0.01
	done
	echo "$ms"
	clean_try
}

# Whatever is left of a try goes: the agent, its guardian, the container.
clean_try() {
	local p
	kill -KILL -- "-$AGENT_PID" 2>/dev/null
	for p in $(cat "$AGENT_CG/cgroup.procs" 2>/dev/null); do kill -KILL "$p"; done
	wait_for 5 eval '! running "$AGENT_PID" && [ -z "$(pids_named pinwatch-guard)" ]'
	runc delete -f "$CUR" >>"$WORK/rt.out" 2>&1
	"$PW" restore --state-dir "$STATE" >>"$WORK/restore.out" 2>&1
}

for target in group agent cgroup; do
	for sig in $SIGNALS; do
		worst=0 bad=""
		for ((t = 0; t < TRIES; t++)); do
			ms=$(try_once "$target" "$sig" | tail -n 1)
			if ! [[ $ms =~ ^[0-9]+$ ]] || [ "$ms" -gt "$BOUND_MS" ]; then
				bad="try $t: $ms"
				break
			fi
			[ "$ms" -gt "$worst" ] && worst=$ms
		done
		check "kill -$sig of the agent's $target while a task is held: it runs within ${BOUND_MS} ms, $TRIES of $TRIES tries (worst $worst ms)${bad:+; $bad}" \
			test -z "$bad"
	done
done
grep -h "the kernel side\|guardian" "$WORK/agent.log" | head -n 3 | sed 's/^/# last agent: /'

# Hand-made cgroups, each with an exec right after its mkdir: never held.
HAND="$CG_HIER/$TEST_ID-hand"
mkdir -p "$HAND"
on_exit "rm_cgroup_tree '$HAND'"
if [ -n "$V1" ]; then
	cat "$V1/cpuset.cpus" >"$HAND/cpuset.cpus" && cat "$V1/cpuset.mems" >"$HAND/cpuset.mems"
fi
start_agent --reserved 0 --hold always || { not_ok "agent starts" "$(cat "$LOG")"; exit 1; }
start_trace --type hold || exit 1
stopped=0
for ((i = 0; i < 200; i++)); do
	mkdir "$HAND/c$i"
	if [ -n "$V1" ]; then
		cat "$HAND/cpuset.cpus" >"$HAND/c$i/cpuset.cpus" && cat "$HAND/cpuset.mems" >"$HAND/c$i/cpuset.mems"
	fi
	# The exec comes right after the mkdir; its state is sampled from outside.
	sh -c 'echo $$ >"$1/cgroup.procs" && exec sleep 0.05' hand "$HAND/c$i" &
	sleep 0.01
	[ "$(awk '{ print $3 }' "/proc/$!/stat" 2>/dev/null)" = T ] && stopped=$((stopped + 1))
	wait $!
	rmdir "$HAND/c$i"
done
stop_trace
check "200 hand-made cgroups with an exec right after mkdir: no hold record" \
	test "$(count_events '.type == "hold"')" = 0
check "and none was seen stopped ($stopped), nor held by the agent" \
	test "$stopped" = 0 -a "$(log_count 'held pid')" = 0
stop_agent
