#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Coexisting with irqbalance (host, cgroup v1, real runc): Debian's
# irqbalance runs as a service (its init script, a config of the test's own
# with a 1 s pass, all put back after). A container asking
# irq-load-balancing: disable is isolated for 60 s; at every 1 s sample no
# movable IRQ's affinity, nor the default, includes its CPU, although
# irqbalance places IRQs on that CPU by itself before and after; the agent
# asked irqbalance through its socket to ban the CPU (its "setup" answer
# says so) and irqbalance is never restarted (one pid throughout). Half
# way, the agent is killed with -9 and started again: the same. When the
# container goes, the ban is given back (irqbalance bans what it banned
# before) and irqbalance balances onto the CPU again. After a kill -9 with
# the ban in force, pinwatch restore gives it back too.
. "$(dirname "$0")/../lib.sh"

V1=$(v1_cpuset_mount)
NCPU=$(nproc)
if [ -z "$V1" ] || [ "$NCPU" -lt 2 ]; then
	not_ok "irqbalance: a v1 cpuset hierarchy and 2 CPUs" "this machine has neither"
	exit 1
fi
if [ ! -x /etc/init.d/irqbalance ] || ! command -v irqbalance >/dev/null; then
	not_ok "irqbalance: Debian's irqbalance is installed" "run scripts/install-deps.sh --with-tests"
	exit 1
fi
if [ -n "$(pidof irqbalance)" ]; then
	not_ok "irqbalance: no irqbalance of the machine's own runs" "pid $(pidof irqbalance): the test runs its own"
	exit 1
fi
C=$((NCPU - 1)) # the container's CPU; CPU 0 stays the host's

# Whatever happens: irqbalance stopped, its config back, every IRQ back.
declare -A IRQ_WAS
for f in /proc/irq/*/smp_affinity_list; do IRQ_WAS[$f]=$(cat "$f"); done
DEFAULT_WAS=$(cat /proc/irq/default_smp_affinity)
CONF=/etc/default/irqbalance
[ -e "$CONF" ] && cp -p "$CONF" "$WORK/irqbalance.conf"
RUN_DIR_WAS=$([ -e /run/irqbalance ] && echo yes)
restore_host() {
	local f
	/etc/init.d/irqbalance stop >/dev/null 2>&1
	# The init script does not wait: IRQs go back once irqbalance is gone.
	wait_for 10 eval '[ -z "$(pidof irqbalance)" ]'
	for f in "${!IRQ_WAS[@]}"; do echo "${IRQ_WAS[$f]}" >"$f" 2>/dev/null; done
	echo "$DEFAULT_WAS" >/proc/irq/default_smp_affinity
	if [ -e "$WORK/irqbalance.conf" ]; then cp -p "$WORK/irqbalance.conf" "$CONF"; else rm -f "$CONF"; fi
	[ -n "$RUN_DIR_WAS" ] || rm -rf /run/irqbalance
	rm -f /run/irqbalance.pid
}
on_exit restore_host
# Every IRQ starts on CPU 0 alone: what lands on CPU $C is irqbalance's doing.
for f in /proc/irq/*/smp_affinity_list; do echo 0 >"$f" 2>/dev/null; done
# A pass a second: what irqbalance does shows within the test's samples.
echo 'IRQBALANCE_ARGS="--interval=1"' >"$CONF"
/etc/init.d/irqbalance start >"$WORK/irqbalance.out" 2>&1
IB=""
wait_for 10 eval 'IB=$(pidof irqbalance) && [ -S "/run/irqbalance/irqbalance$IB.sock" ]'
if [ -z "$IB" ]; then
	not_ok "irqbalance: it runs as a service, with its socket" "$(cat "$WORK/irqbalance.out")"
	exit 1
fi
ok "irqbalance: it runs as a service (pid $IB), with its socket"

# What irqbalance says it bans: its answer to "setup", as a CPU mask.
cat >"$WORK/setup.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(b"setup")
answer = b""
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    answer += chunk
print(answer.decode().split("BANNED ")[-1].strip().replace(",", ""))
EOF
banned_mask() { python3 "$WORK/setup.py" "/run/irqbalance/irqbalance$IB.sock"; }
bans_c() { (((0x$(banned_mask) >> C) & 1)); }
BASE=$(banned_mask)

. "$(dirname "$0")/../agent_lib.sh"
movable_irqs_on_c() {
	local f irq skip n=0
	skip=" $(unmovable | tr '\n' ' ') "
	for f in /proc/irq/*/smp_affinity_list; do
		irq=${f#/proc/irq/} irq=${irq%%/*}
		[[ "$skip" == *" $irq "* ]] && continue
		cpulist_has "$(cat "$f" 2>/dev/null)" "$C" && n=$((n + 1))
	done
	echo "$n"
}
irqs_off_c() {
	[ "$(movable_irqs_on_c)" = 0 ] && ! (((0x$(tr -d , </proc/irq/default_smp_affinity) >> C) & 1))
}

check "irqbalance by itself moves IRQs from CPU 0 onto CPU $C" wait_for 20 eval '[ "$(movable_irqs_on_c)" -gt 0 ]'

# start_irq_ctr KEY: a container on CPU C asking both balancings off.
start_irq_ctr() {
	ID[$1]=$(random_container_id)
	CG[$1]=/$TEST_ID/kubepods/pod$(random_pod_uid)/${ID[$1]}
	RT[$1]=runc
	make_bundle "$WORK/bundle-$1" "$C" "${CG[$1]}" >/dev/null || return 1
	jq '.annotations = {"cpu-load-balancing.crio.io": "disable", "irq-load-balancing.crio.io": "disable"}' \
		"$WORK/bundle-$1/config.json" >"$WORK/$1.json" && mv "$WORK/$1.json" "$WORK/bundle-$1/config.json"
	on_exit "runc delete -f '${ID[$1]}'"
	(cd / && runc run -d --bundle "$WORK/bundle-$1" "${ID[$1]}") </dev/null >>"$WORK/rt.out" 2>&1
}
irq_tuned() { jq -e '[.tuned[].knob] | index("irq-load-balancing")' "$STATE/state.json" >/dev/null 2>&1; }
# sample SECONDS: how many 1 s samples found an IRQ (or the default) on CPU C.
sample() {
	local bad=0 i
	for ((i = 0; i < $1; i++)); do
		irqs_off_c || bad=$((bad + 1))
		sleep 1
	done
	echo "$bad"
}

start_agent || { not_ok "agent starts" "$(cat "$LOG")"; exit 1; }
start_irq_ctr a
check "the container on CPU $C is isolated, its IRQs moved off" wait_for 30 eval 'journal_has a && irq_tuned'
check "the agent asked irqbalance pid $IB to ban CPU $C, without a restart" \
	wait_for 5 grep -q "asked irqbalance pid $IB to ban CPUs .*$C.*without a restart" "$LOG"
# irqbalance takes a new ban in at its next pass (1 s here).
check "irqbalance says it bans CPU $C (its answer to setup)" wait_for 5 bans_c
bad=$(sample 30)
stop_agent KILL
start_agent || { not_ok "agent starts again" "$(cat "$LOG")"; exit 1; }
check "after kill -9, the restarted agent keeps the ban (journaled) and asks nothing new" \
	eval 'bans_c && ! grep -q "asked irqbalance" "$LOG"'
bad=$((bad + $(sample 30)))
check "60 samples over 60 s, kill -9 and restart between: no IRQ on CPU $C in any ($bad did)" test "$bad" = 0
check "irqbalance was never restarted (pid $IB throughout)" test "$(pidof irqbalance)" = "$IB"
delete_ctr a
check "when the container goes, irqbalance bans what it banned before ($BASE)" \
	wait_for 10 eval '[ "$(banned_mask)" = "$BASE" ]'
check "the agent says so, and journals no ban" \
	eval 'grep -q "irqbalance pid $IB bans only its own CPUs again" "$LOG" && ! jq -e .irqbalance "$STATE/state.json" >/dev/null'
check "irqbalance balances onto CPU $C again" wait_for 20 eval '[ "$(movable_irqs_on_c)" -gt 0 ]'

# A crash with the ban in force: pinwatch restore gives it back.
start_irq_ctr b
check "a second container: banned again" wait_for 30 eval 'journal_has b && bans_c'
stop_agent KILL
"$PW" restore --state-dir "$STATE" >"$WORK/restore.out" 2>&1
check "after kill -9, pinwatch restore gives irqbalance its own bans back ($BASE)" \
	eval 'grep -q "bans only its own CPUs again" "$WORK/restore.out" && wait_for 5 eval "[ \"\$(banned_mask)\" = $BASE ]"'
check "irqbalance still the same (pid $IB)" test "$(pidof irqbalance)" = "$IB"
delete_ctr b
