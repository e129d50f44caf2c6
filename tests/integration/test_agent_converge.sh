#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Randomized convergence, against the real kernel (v1 cpusets, real runc):
# OPS random operations (start opted-in or not, pinned or not; kill; delete;
# update CPUs; agent kill -9 and restart; a stalled agent and a ring buffer
# overflow) on up to 6 containers. After each one, once things are quiet,
# the kernel must be in the state this test computes on its own:
#
#   - the container isolated is exactly the running, opted-in one that is
#     alone on CPU 1 (the agent runs with --reserved 0, so on this 2-CPU host
#     CPU 1 is the only CPU that can be isolated, and the expected state is
#     unambiguous), or none;
#   - when one is, the root cpuset is not load balanced and every cpuset of
#     the hierarchy that spans CPU 1 is at 0; when none is, the root is
#     balanced, the housekeeping cpuset is gone or kept at every CPU
#     (--keep-layout) and every cpuset of the test is balanced.
#
# SEED=N reproduces a run; OPS=N changes its length (default 500).
. "$(dirname "$0")/../lib.sh"

V1=$(v1_cpuset_mount)
if [ -z "$V1" ] || [ "$(nproc)" -ne 2 ]; then
	not_ok "converge: a v1 cpuset hierarchy and 2 CPUs" "this host has $(nproc) CPUs"
	exit 1
fi
. "$(dirname "$0")/../agent_lib.sh"
OPS=${OPS:-250}
SEED=${SEED:-$(($(date +%s) % 32768))}
RANDOM=$SEED
echo "# seed $SEED, $OPS operations"
T="/$TEST_ID"
mkdir -p "$V1$T/storm"
cat "$V1/cpuset.mems" >"$V1$T/cpuset.mems"
cat "$V1/cpuset.cpus" >"$V1$T/cpuset.cpus"

KEYS=(k0 k1 k2 k3 k4 k5)
declare -A LIVE OPTIN CPUS EXISTS
for k in "${KEYS[@]}"; do EXISTS[$k]=0 LIVE[$k]=0; done

# The container that must be isolated, or "" (computed from what the test did).
expected() {
	local k holders=() want=""
	for k in "${KEYS[@]}"; do
		[ "${LIVE[$k]}" = 1 ] && [[ ${CPUS[$k]} == *1* ]] && holders+=("$k")
	done
	if [ ${#holders[@]} -eq 1 ]; then
		k=${holders[0]}
		[ "${OPTIN[$k]}" = yes ] && [ "${CPUS[$k]}" = 1 ] && want=${ID[$k]}
	fi
	echo "$want"
}

# The container the journal holds isolated (one at most on this host).
isolated_now() {
	[ -e "$STATE/state.json" ] || return 0
	jq -r '.isolated[].container_id' "$STATE/state.json" 2>/dev/null | sort | tr '\n' ' ' | sed 's/ $//'
}

# Every cpuset of the hierarchy spanning CPU 1 is at 0 (root and housekeeping aside).
spanners_unbalanced() {
	local d cpus
	while read -r d; do
		[ "$d" = "$V1" ] || [ "$d" = "$V1/pinwatch.housekeeping" ] && continue
		cpus=$(cat "$d/cpuset.cpus" 2>/dev/null) || continue
		case ",$cpus," in *,1,* | *-1,* | *0-*) ;; *) continue ;; esac
		[ "$(cat "$d/cpuset.sched_load_balance" 2>/dev/null)" = 0 ] || { echo "$d"; return 1; }
	done < <(find "$V1" -type d 2>/dev/null)
}

# Every cpuset of the test balanced again.
test_balanced() {
	! grep -qx 0 $(find "$V1$T" -name cpuset.sched_load_balance 2>/dev/null) /dev/null
}

converged() {
	local want
	want=$(expected)
	[ "$(isolated_now)" = "$want" ] || return 1
	if [ -n "$want" ]; then
		lb_is "" 0 && [ -d "$V1/pinwatch.housekeeping" ] && spanners_unbalanced >/dev/null
	else
		layout_idle && test_balanced
	fi
}

describe() {
	local k
	echo "expected '$(expected)', journal '$(isolated_now)', root lb $(lb "")," \
		"housekeeping $([ -d "$V1/pinwatch.housekeeping" ] && echo yes || echo no)," \
		"unbalanced spanner check: $(spanners_unbalanced || true)"
	for k in "${KEYS[@]}"; do
		[ "${EXISTS[$k]}" = 1 ] && echo "$k ${ID[$k]:0:12} live=${LIVE[$k]} optin=${OPTIN[$k]} cpus=${CPUS[$k]}"
	done
	echo "the agent's last words:"
	tail -n 8 "$LOG"
}

# pick WORDS...: one of them at random; fails when there is none.
pick() {
	[ $# -gt 0 ] || return 1
	PICKED=${*:$((RANDOM % $# + 1)):1}
}
existing() { local k; for k in "${KEYS[@]}"; do [ "${EXISTS[$k]}" = 1 ] && echo "$k"; done; }
live() { local k; for k in "${KEYS[@]}"; do [ "${LIVE[$k]}" = 1 ] && echo "$k"; done; }
absent() { local k; for k in "${KEYS[@]}"; do [ "${EXISTS[$k]}" = 0 ] && echo "$k"; done; }

# Each operation runs in this shell (its bookkeeping must stay) and says what it did in WHAT.
op_start() {
	local k
	pick $(absent) || return 1
	k=$PICKED
	pick 1 1 0 0-1 && CPUS[$k]=$PICKED
	pick yes no && OPTIN[$k]=$PICKED
	start_ctr "$k" "${CPUS[$k]}" "${OPTIN[$k]}"
	EXISTS[$k]=1 LIVE[$k]=1
	WHAT="start $k cpus=${CPUS[$k]} optin=${OPTIN[$k]}"
}
op_kill() {
	pick $(live) || return 1
	kill_ctr "$PICKED"
	LIVE[$PICKED]=0
	WHAT="kill $PICKED"
}
op_delete() {
	pick $(existing) || return 1
	delete_ctr "$PICKED"
	EXISTS[$PICKED]=0 LIVE[$PICKED]=0
	WHAT="delete $PICKED"
}
op_update() {
	local k
	pick $(live) || return 1
	k=$PICKED
	pick 1 0 0-1
	runc update --cpuset-cpus "$PICKED" "${ID[$k]}" >>"$WORK/rt.out" 2>&1 || return 1
	CPUS[$k]=$PICKED
	WHAT="update $k cpus=$PICKED"
}
op_restart() {
	local also=""
	stop_agent KILL
	# Something may happen while no agent runs.
	case $((RANDOM % 3)) in
	0) op_start && also=", then $WHAT" ;;
	1) op_delete && also=", then $WHAT" ;;
	esac
	start_agent --reserved 0 || return 1
	WHAT="agent kill -9$also, restart"
}
op_drops() {
	local i also=""
	kill -STOP "$AGENT_PID"
	# A storm of cgroup events at full speed (a helper: a mkdir binary per cgroup would take 10 s).
	"$HELPERS/cgroup_churn" "$V1$T/storm" 2200 >/dev/null
	# What happens now reaches a full ring buffer: lost, for the rescan to find.
	case $((RANDOM % 3)) in
	0) op_delete && also=", $WHAT" ;;
	1) op_kill && also=", $WHAT" ;;
	2) op_start && also=", $WHAT" ;;
	esac
	kill -CONT "$AGENT_PID"
	WHAT="stalled agent, ring buffer overflow$also"
}

start_agent --reserved 0 || { not_ok "converge: agent starts" "$(cat "$LOG")"; exit 1; }
failed=0 restarts=0 drops=0 done_ops=0
for ((n = 1; done_ops < OPS && n <= 4 * OPS; n++)); do
	WHAT=""
	case $((RANDOM % 20)) in
	0 | 1 | 2 | 3 | 4 | 5) op_start ;;
	6 | 7 | 8) op_kill ;;
	9 | 10 | 11 | 12) op_delete ;;
	17) op_restart && restarts=$((restarts + 1)) ;;
	18) op_drops && drops=$((drops + 1)) ;;
	*) op_update ;;
	esac
	[ -n "$WHAT" ] || continue
	done_ops=$((done_ops + 1))
	if ! wait_for 15 converged; then
		not_ok "converge: the kernel matches after operation $n ($WHAT)" "$(describe)"
		failed=1
		break
	fi
done
echo "# $done_ops operations done ($restarts agent restarts, $drops ring buffer overflows)"
check "converge: $done_ops random operations, the kernel matched after each (seed $SEED)" \
	test "$failed" = 0 -a "$done_ops" -eq "$OPS"
check "converge: the agent restarted and lost events along the way" test "$restarts" -gt 0 -a "$drops" -gt 0
