#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The systemd unit, run as it ships: `make install` puts it in place, and the
# agent is started the way systemd would start it, with the restrictions the
# unit itself names, read from the installed file (so a change to the unit
# that breaks the agent breaks this test): its CapabilityBoundingSet=, its
# NoNewPrivileges=, ProtectSystem= and ProtectHome= (read-only binds in a
# mount namespace of its own, as systemd makes them), its RuntimeDirectory=
# with its mode, and its ExecStart= as written. This machine's PID 1 is not
# systemd: the restrictions are reproduced, the rest (Restart=on-failure) is
# done as systemd does it. The agent isolates an opted-in runc container,
# survives a kill -9 and a restart with the isolation kept, restores when the
# container goes, and stops on SIGTERM.
. "$(dirname "$0")/../lib.sh"
require_basics
require_v1_cpuset "unit" "the agent part runs on v1 here"
for tool in setpriv unshare; do
	command -v "$tool" >/dev/null || { not_ok "unit: $tool is installed (util-linux)"; exit 1; }
done
. "$(dirname "$0")/../agent_lib.sh"

DEST="$WORK/root"
make -s -C "$ROOT" install DESTDIR="$DEST" PREFIX=/usr >"$WORK/install.out" 2>&1 ||
	{ not_ok "unit: make install" "$(cat "$WORK/install.out")"; exit 1; }
UNIT="$DEST/usr/lib/systemd/system/pinwatch-agent.service"
unit_value() { sed -n "s/^$1=//p" "$UNIT" | tail -n 1; }

# The unit's journal directory, as systemd makes it: nothing of earlier runs.
RUNTIME_DIR=/run/$(unit_value RuntimeDirectory)
fresh_run_dirs "$RUNTIME_DIR" || exit 1
STATE=$RUNTIME_DIR
on_exit "'$PW' restore --state-dir '$STATE'"

# setpriv's --bounding-set from CapabilityBoundingSet=: -all, +each.
bset=-all
for cap in $(unit_value CapabilityBoundingSet); do
	bset="$bset,+$(tr 'A-Z' 'a-z' <<<"${cap#CAP_}")"
done
nnp=()
[ "$(unit_value NoNewPrivileges)" = yes ] && nnp=(--no-new-privs)
# ProtectSystem= and ProtectHome= as systemd.exec(5) defines them.
ro_paths=()
case $(unit_value ProtectSystem) in
yes | true) ro_paths+=(/usr /boot /efi) ;;
full) ro_paths+=(/usr /boot /efi /etc) ;;
strict) ro_paths+=(/) ;;
esac
case $(unit_value ProtectHome) in
read-only | yes | true) ro_paths+=(/home /root /run/user) ;;
esac
# ExecStart=, with the installed binary where DESTDIR put it.
read -r -a exec_start <<<"$(unit_value ExecStart)"
exec_start[0]=$DEST${exec_start[0]}

# start_unit [SETPRIV_BOUNDING_SET]: the agent as the unit starts it; its pid in AGENT_PID.
start_unit() {
	local bounding=${1:-$bset} mounts="" p
	for p in "${ro_paths[@]}"; do
		[ -d "$p" ] && mounts="$mounts mount --bind '$p' '$p' && mount -o remount,bind,ro '$p' &&"
	done
	[ -n "${LOG:-}" ] && cat "$LOG" >>"$WORK/agent.log"
	N=$((N + 1))
	LOG="$WORK/agent.$N.log"
	install -d -m "$(unit_value RuntimeDirectoryMode)" "$RUNTIME_DIR"
	unshare -m --propagation private sh -c "$mounts exec \"\$@\"" unit \
		setpriv --bounding-set="$bounding" --inh-caps=-all "${nnp[@]}" -- "${exec_start[@]}" \
		>"$LOG" 2>&1 &
	AGENT_PID=$!
	wait_for 30 grep -q 'agent running' "$LOG"
}

echo "# ${exec_start[*]} under: bounding set $bset; ${nnp[*]}; read-only ${ro_paths[*]}"
start_unit || { not_ok "unit: the agent starts with the unit's restrictions" "$(cat "$LOG")"; exit 1; }
ok "unit: the agent starts with the unit's restrictions"
check "unit: it runs with no capability effective and none outside the unit's set" eval '
	[ "$(awk "/^CapEff:/ { print \$2 }" /proc/$AGENT_PID/status)" = 0000000000000000 ] &&
	[ $((0x$(awk "/^CapPrm:/ { print \$2 }" /proc/$AGENT_PID/status) & ~0x$(awk "/^CapBnd:/ { print \$2 }" /proc/$AGENT_PID/status))) = 0 ]'
check "unit: NoNewPrivileges is in force" grep -q '^NoNewPrivs:[[:space:]]*1' "/proc/$AGENT_PID/status"
check "unit: nothing went wrong at start (no error line)" eval '! grep -q " error " "$LOG"'
check "unit: the journal is in the unit's runtime directory" test -e "$RUNTIME_DIR/state.json" -o -d "$RUNTIME_DIR"

start_ctr a 1 yes
check "unit: the opted-in container is isolated" wait_for 10 journal_has a
check "unit: the root and the container's cpuset are out of load balancing" \
	eval 'lb_is "" 0 && lb_is "${CG[a]}" 0'

# Restart=on-failure: a crash, then the start systemd makes after RestartSec=.
stop_agent KILL
check "unit: after kill -9 the container stays isolated" eval 'journal_has a && lb_is "" 0'
sleep "$(unit_value RestartSec | tr -d s)"
start_unit || { not_ok "unit: restarted after a failure, it starts again" "$(cat "$LOG")"; exit 1; }
ok "unit: restarted after a failure, it starts again"
check "unit: the restarted agent keeps the isolation" eval 'journal_has a && lb_is "" 0 && lb_is "${CG[a]}" 0'
delete_ctr a
check "unit: the container gone, load balancing is back" wait_for 10 eval 'journal_empty && layout_idle'
stop_agent TERM
rc=$?
check "unit: systemctl stop (SIGTERM) ends it" eval '[ -z "$AGENT_PID" ]'

# The test breaks when the unit does: a bounding set without what loading
# BPF needs (CAP_BPF, and CAP_SYS_ADMIN, which stands for it) stops the agent.
nobpf=${bset/,+bpf/}
start_unit "${nobpf/,+sys_admin/}" && not_ok "unit: without CAP_BPF and CAP_SYS_ADMIN the agent does not start"
wait_for 10 eval '! kill -0 $AGENT_PID 2>/dev/null'
check "unit: without CAP_BPF and CAP_SYS_ADMIN the agent says why and exits" \
	eval '! kill -0 $AGENT_PID 2>/dev/null && grep -q "cannot load" "$LOG"'
stop_agent KILL
