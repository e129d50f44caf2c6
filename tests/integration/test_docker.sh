#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A real Docker node: Debian's dockerd (and the containerd it starts) on a
# socket and roots of the test's own, an image imported from busybox-static.
# trace and ps name Docker's containers (id, name, docker, runc), docker
# update is followed, and the agent isolates a selected pinned container,
# restores it when another container comes onto its CPU, isolates it again
# when that one goes, and restores on docker stop; a container started before
# pinwatch is named too. Everything is stopped and removed at exit.
. "$(dirname "$0")/../lib.sh"
require_basics
V1=$(v1_cpuset_mount)
if [ -z "$V1" ]; then
	not_ok "docker: this host has a v1 cpuset hierarchy" "the agent part runs on v1 here"
	exit 1
fi
. "$(dirname "$0")/../agent_lib.sh"
. "$(dirname "$0")/../daemons.sh"
for tool in "$DOCKERD" "$DOCKER"; do
	[ -x "$tool" ] || { not_ok "docker: $tool is installed (scripts/install-deps.sh --with-tests)"; exit 1; }
done
if ! start_dockerd; then
	not_ok "dockerd starts on a socket and roots of its own" "$(tail -n 5 "$WORK/dockerd.log")"
	exit 1
fi
ok "dockerd starts on a socket and roots of its own"

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
has() { jq -e --arg id "$1" '.isolated | any(.container_id == $id)' "$STATE/state.json" >/dev/null 2>&1; }
start_agent --reserved 0 --select-cgroup "/$TEST_ID-docker/*" || { not_ok "agent starts" "$(cat "$LOG")"; exit 1; }
check "agent: web, pinned to CPU 1, is isolated" wait_for 10 has "$WEB"
check "agent: the root and web's cpuset are out of load balancing" \
	eval 'lb_is "" 0 && lb_is "/$TEST_ID-docker/$WEB" 0'
check "agent: early, on the reserved CPU 0, is not" eval '! has "$EARLY"'
NOISY=$(drun --name noisy)
check "agent: an unpinned container on web's CPU: web restored" wait_for 10 journal_empty
"$DOCKER" rm -f noisy >/dev/null
check "agent: that container gone, web is isolated again (nothing rewrote its CPUs)" \
	wait_for 15 has "$WEB"
check "agent: the refusal named the other container" grep -q "${NOISY:0:12}" "$LOG"
"$DOCKER" stop -t 1 web >/dev/null
check "agent: docker stop restores load balancing" wait_for 10 eval 'journal_empty && layout_idle'
"$DOCKER" start web >/dev/null
check "agent: docker start isolates it again" wait_for 10 has "$WEB"
"$DOCKER" rm -f web >/dev/null
check "agent: docker rm restores" wait_for 10 eval 'journal_empty && layout_idle'
stop_agent TERM
check "agent: nothing of the layout left once it exits" eval 'layout_idle && [ ! -d "$V1/pinwatch.housekeeping" ]'
