#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A real Docker node: Debian's dockerd (and the containerd it starts) on a
# socket and roots of the test's own, an image imported from busybox-static.
# trace and ps name Docker's containers (id, name, docker, runc), docker
# update is followed, and the agent isolates a selected pinned container,
# restores it when another container comes onto its CPU, isolates it again
# when that one goes, and restores on docker stop; a container started before
# pinwatch is named too; the host's last CPU is never asked for, and events
# lost in a storm are recovered. Everything is stopped and removed at exit.
. "$(dirname "$0")/../lib.sh"
require_basics
require_v1_cpuset "docker" "the agent part runs on v1 here"
. "$(dirname "$0")/../agent_lib.sh"
. "$(dirname "$0")/../daemons.sh"
daemon_started dockerd start_dockerd "$WORK/dockerd.log" "$DOCKERD" "$DOCKER"

drun() { "$DOCKER" run -d --network none "$@" local/busybox sleep 300 2>>"$WORK/docker.err"; }
id_of() { "$DOCKER" inspect -f '{{.Id}}' "$1"; }

# Started before pinwatch: named all the same.
drun --name early --cpuset-cpus 0 >/dev/null
start_trace || exit 1
WEB=$(drun --name web --cpuset-cpus 1)
check "docker run of a pinned container succeeds" test -n "$WEB"
"$DOCKER" update --cpuset-cpus 0 web >/dev/null && "$DOCKER" update --cpuset-cpus 1 web >/dev/null
stop_trace
expect "trace: docker run's pinning write names the container (id, name web, docker)" \
	".type == \"cpuset_write\" and .file == \"cpuset.cpus\" and .value == \"1\" and .container_id == \"$WEB\" and .container == \"web\" and .runtime == \"docker\""
expect "trace: dockerd's runc create (over 512 bytes of argv) names the container" \
	".type == \"exec\" and (.argv | index(\"create\")) != null and .argv_truncated == false and .container_id == \"$WEB\""
expect "trace: runc start names the container too" \
	".type == \"exec\" and (.argv | index(\"start\")) != null and .container_id == \"$WEB\" and .container == \"web\""
expect "trace: its cgroup_populated events name it" \
	".type == \"cgroup_populated\" and .populated and .container_id == \"$WEB\" and .container == \"web\" and .oci_runtime == \"runc\""
expect "trace: docker update --cpuset-cpus is followed, by name" \
	".type == \"cpuset_write\" and .value == \"0\" and .container == \"web\" and .ret > 0"
"$PW" ps --json >"$WORK/ps.json"
check "ps: web is docker's (runc its OCI runtime), named, on CPU 1" \
	test "$(jq -r "select(.container_id == \"$WEB\") | \"\(.runtime) \(.oci_runtime) \(.container) \(.cpus)\"" "$WORK/ps.json")" = "docker runc web 1"
check "ps: the container started before pinwatch is named too" \
	test "$(jq -r "select(.container_id == \"$(id_of early)\") | \"\(.runtime) \(.container)\"" "$WORK/ps.json")" = "docker early"

# --container NAME: that container's events, its runtime's execs included, and no other's.
EARLY=$(id_of early)
start_trace --container web || exit 1
"$DOCKER" update --cpuset-cpus 1 web >/dev/null
"$DOCKER" update --cpuset-cpus 0 early >/dev/null
stop_trace
expect "trace --container web: its runtime's exec (runc update), by name" \
	".type == \"exec\" and .container_id == \"$WEB\" and .container == \"web\""
expect "trace --container web: its cpuset write" ".type == \"cpuset_write\" and .container == \"web\""
expect_none "trace --container web: nothing of another container" ".container_id == \"$EARLY\""

# The agent, selecting Docker's containers by cgroup (Docker has no annotations).
start_agent --reserved 0 --select-cgroup "/$TEST_ID-docker/*" || { not_ok "agent starts" "$(cat "$LOG")"; exit 1; }
check "agent: web, pinned to CPU 1, is isolated" wait_for 10 journal_has_id "$WEB"
check "agent: the root and web's cpuset are out of load balancing" \
	eval 'lb_is "" 0 && lb_is "/$TEST_ID-docker/$WEB" 0'
check "agent: early, on the reserved CPU 0, is not" eval '! journal_has_id "$EARLY"'
NOISY=$(drun --name noisy)
check "agent: an unpinned container on web's CPU: web restored" wait_for 10 journal_empty
"$DOCKER" rm -f noisy >/dev/null
check "agent: that container gone, web is isolated again (nothing rewrote its CPUs)" \
	wait_for 15 journal_has_id "$WEB"
check "agent: the refusal named the other container" grep -q "${NOISY:0:12}" "$LOG"
"$DOCKER" stop -t 1 web >/dev/null
check "agent: docker stop restores load balancing" wait_for 10 eval 'journal_empty && layout_idle'
"$DOCKER" start web >/dev/null
check "agent: docker start isolates it again" wait_for 10 journal_has_id "$WEB"
stop_agent TERM

# The host's last CPU, with real containers: without --reserved, web (CPU 1)
# and early (CPU 0) cannot both be isolated. web is; early is refused, once,
# however often its CPUs are written again, and the kernel is never asked.
start_agent --select-cgroup "/$TEST_ID-docker/*" || { not_ok "agent starts" "$(cat "$LOG")"; exit 1; }
check "last CPU: web is isolated" wait_for 10 journal_has_id "$WEB"
"$DOCKER" update --cpuset-cpus 0 early >/dev/null && "$DOCKER" update --cpuset-cpus 0 early >/dev/null
sleep 1
check "last CPU: early is refused once, saying why ($(log_count "refuse to isolate ${EARLY:0:12}") lines)" \
	test "$(log_count "refuse to isolate ${EARLY:0:12}.*leave the host no CPU")" = 1
check "last CPU: the kernel was never asked (no failed write)" test "$(log_count "failed to write")" = 0
check "last CPU: early is not isolated" eval '! journal_has_id "$EARLY"'

# Lost events with a real daemon: the agent stalled through a storm of cgroup
# events that overflows its ring buffer, and docker rm of web meanwhile. It
# says it lost events, rescans, restores web's CPUs, and the host's last CPU
# no longer in question, isolates early, refused until then.
STORM="$V1/$TEST_ID-storm"
mkdir "$STORM" && on_exit "rm_cgroup_tree '$STORM'"
cat "$V1/cpuset.mems" >"$STORM/cpuset.mems" && cat "$V1/cpuset.cpus" >"$STORM/cpuset.cpus"
kill -STOP "$AGENT_PID"
"$HELPERS/cgroup_churn" "$STORM" 20000 >/dev/null
"$DOCKER" rm -f web >/dev/null
kill -CONT "$AGENT_PID"
check "lost events: the agent says it lost events and rescans" \
	wait_for 10 grep -q 'kernel events were lost; rescanning' "$LOG"
check "lost events: web's isolation is restored after the rescan" \
	wait_for 15 grep -q "restore load balancing on CPUs of ${WEB:0:12} .*its container is gone" "$LOG"
check "lost events: early, refused for the host's last CPU, is isolated now" wait_for 10 journal_has_id "$EARLY"
"$DOCKER" rm -f early >/dev/null
check "docker rm of the last one: everything restored" wait_for 10 eval 'journal_empty && layout_idle'
stop_agent TERM
check "agent: nothing of the layout left once it exits" eval 'layout_idle && [ ! -d "$V1/pinwatch.housekeeping" ]'

# Every start caught: the agent slowed on purpose (fault build), each
# selected container's workload reads its own cpuset's load balancing flag
# as its first act (into its log): 0 (isolated) in every start.
# docker_starts N DELAY_MS: N starts with the agent waiting DELAY_MS before
# each isolation, and rescanning the node every second (a rescan while runc
# creates, before it writes its state, must not forget whose cgroup it is);
# the markers in $WORK/markers, the agent's log in $LOG.
docker_starts() {
	local s c m
	PINWATCH_DELAY_APPLY_MS=$2 AGENT_BIN=$HELPERS/pinwatch-faults \
		start_agent --reserved 0 --resync 1 --select-cgroup "/$TEST_ID-docker/*" ||
		{ not_ok "slowed agent starts" "$(cat "$LOG")"; return 1; }
	: >"$WORK/markers"
	for ((s = 0; s < $1; s++)); do
		c=$("$DOCKER" run -d --network none --cpuset-cpus 1 local/busybox sh -c \
			'read lb < /sys/fs/cgroup/cpuset/cpuset.sched_load_balance; echo "$lb"; exec sleep 300' \
			2>>"$WORK/docker.err")
		wait_for 5 eval '[ -n "$("$DOCKER" logs "$c" 2>/dev/null)" ]'
		m=$("$DOCKER" logs "$c" 2>/dev/null)
		echo "${m:-none}" >>"$WORK/markers"
		"$DOCKER" rm -f "$c" >/dev/null 2>&1
		wait_for 10 journal_empty
	done
}
N_STARTS=${HOLD_STARTS:-100}
docker_starts "$N_STARTS" 150
check "dockerd: in $(grep -cx 0 "$WORK/markers") of $N_STARTS starts the workload's first act saw its isolation in place" \
	test "$(grep -cx 0 "$WORK/markers")" = "$N_STARTS"
sort "$WORK/markers" | uniq -c | sed 's/^/# markers: /'
stop_agent TERM
# Slower than docker's own create-to-start: every start's first exec comes
# before the isolation, so each must be held. Docker's cgroups here are of
# no pattern the agent knows (a --cgroup-parent of the test's): a start is
# named only once runc has written its state, and its mark must wait for that.
docker_starts 10 1500
check "dockerd, the agent slower than docker: in $(grep -cx 0 "$WORK/markers") of 10 starts the first act saw its isolation" \
	test "$(grep -cx 0 "$WORK/markers")" = 10
check "dockerd, the agent slower than docker: each start was held ($(grep -c 'held pid .* at its first exec' "$LOG") of 10)" \
	test "$(grep -c 'held pid .* at its first exec' "$LOG")" = 10
stop_agent TERM
