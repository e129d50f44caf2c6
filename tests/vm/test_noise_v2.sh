#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# pinwatch noise in the 6.12 guest (pure cgroup v2, an isolated partition on
# CPUs 1-2): the guest's own NIC interrupt routed to CPU 1 (QEMU user-mode
# network, nothing leaves QEMU: tests/vm/guest_nic.sh) is counted there
# with its number and name; with irq-load-balancing: disable the agent
# moves it off and it is counted there no more. Then, where the kernel has
# the osnoise tracer (the 6.12-rt guest), against its own measure: rtla
# osnoise on CPU 1 over the same window as pinwatch noise; where they agree
# (hardware IRQs) is asserted, where they cannot (what each calls a thread's
# noise) is printed.
. "$(dirname "$0")/../lib.sh"
require_guest_v2 "noise v2"
v2_partitions || skip_test "noise v2" "kernel $(uname -r) has no cpuset.cpus.exclusive (6.7+): nothing is isolated here"
V1=""
. "$(dirname "$0")/../agent_lib.sh"
. "$(dirname "$0")/guest_nic.sh"
if ! guest_nic_present || [ -z "$(guest_nic_irqs)" ]; then
	not_ok "noise v2: the guest's NIC and its movable IRQ" "boot the guest with GUEST_NIC=1 (tests/run.sh does for this test)"
	exit 1
fi
IRQ=$(guest_nic_irqs | head -1)
IRQ_WAS=$(cat "/proc/irq/$IRQ/smp_affinity_list")
on_exit "echo '$IRQ_WAS' >/proc/irq/$IRQ/smp_affinity_list"

# noise_with_packets FILE: pinwatch noise over 4 s of the journal's CPUs while the NIC sends.
noise_with_packets() {
	"$PW" noise --state-dir "$STATE" --interval 4 --count 1 --json >"$1" 2>>"$WORK/noise.err" &
	local pid=$!
	sleep 0.5
	guest_nic_send 600
	wait "$pid"
}
irq_on_cpu1() { jq -r --arg irq "$IRQ" '.cpus[] | select(.cpu == 1) | [.interrupts[] | select(.kind == "irq" and .name == $irq)][0] // empty | "\(.count) \(.desc)"' "$1"; }

start_agent || { not_ok "agent starts" "$(cat "$LOG")"; exit 1; }
start_ctr a 1-2 yes
check "the container on CPUs 1-2 is isolated" wait_for 30 journal_has a
echo 1 >"/proc/irq/$IRQ/smp_affinity_list"
guest_nic_send 10 # an MSI moves when it next fires
noise_with_packets "$WORK/routed.json"
got=$(irq_on_cpu1 "$WORK/routed.json")
echo "# IRQ $IRQ on CPU 1: ${got:-none}"
# (e1000 cleans many transmits in one interrupt: 600 datagrams raise a few to hundreds.)
check "routed to CPU 1: the NIC's IRQ $IRQ is counted there, with its name ($PW_GUEST_NIC)" \
	eval '[ "${got%% *}" -ge 1 ] 2>/dev/null && [[ $got == *"$PW_GUEST_NIC"* ]]'
delete_ctr a
check "released" wait_for 30 journal_empty

# Again, asking for its CPUs without device interrupts.
CTR_ANNOTATIONS='{"irq-load-balancing.crio.io": "disable"}' start_ctr c 1-2 yes
check "with irq-load-balancing: disable, isolated" wait_for 30 journal_has c
check "and the IRQ is moved off CPUs 1-2 ($(cat "/proc/irq/$IRQ/smp_affinity_list"))" \
	wait_for 10 eval '[ "$(cat /proc/irq/$IRQ/smp_affinity_list)" = 0 ]'
guest_nic_send 10
noise_with_packets "$WORK/moved.json"
got=$(irq_on_cpu1 "$WORK/moved.json")
check "moved off: IRQ $IRQ is not counted on CPU 1 (${got:-none})" test -z "$got"
delete_ctr c
check "released again" wait_for 30 journal_empty
stop_agent TERM

# Against rtla osnoise: the same CPU, the same 5 s. Debian builds the
# osnoise tracer into its PREEMPT_RT kernels only: tests/run.sh runs this
# part in the 6.12-rt guest (NOISE_RTLA=1), where its absence fails.
if ! grep -qw osnoise /sys/kernel/tracing/available_tracers 2>/dev/null; then
	if [ -n "${NOISE_RTLA:-}" ]; then
		not_ok "rtla: kernel $(uname -r) has the osnoise tracer" "$(cat /sys/kernel/tracing/available_tracers 2>&1)"
		exit 1
	fi
	echo "# kernel $(uname -r) has no osnoise tracer: the rtla comparison runs in the 6.12-rt guest"
	exit 0
fi
if ! command -v rtla >/dev/null; then
	not_ok "rtla is in the guest (scripts/install-deps.sh --with-tests)"
	exit 1
fi
"$PW" noise --cpus 1 --interval 5 --count 1 --json >"$WORK/cmp.json" 2>>"$WORK/noise.err" &
pid=$!
rtla osnoise top -c 1 -d 5s -q 2>&1 | sed "s/$(printf '\033')\[[0-9;]*m//g" >"$WORK/rtla.txt"
wait "$pid"
sed 's/^/# rtla: /' "$WORK/rtla.txt"
# CPU Period Runtime(us) Noise %Aval MaxNoise MaxSingle HW NMI IRQ Softirq Thread
read -r r_runtime r_hw r_irq r_softirq r_thread < <(awk '$1 == "1" && NF >= 12 { print $3, $8, $10, $11, $12 }' "$WORK/rtla.txt")
p_irq=$(jq '.cpus[0].irqs' "$WORK/cmp.json")
p_seconds=$(jq '.seconds' "$WORK/cmp.json")
p_softirq=$(jq '.cpus[0].softirqs' "$WORK/cmp.json")
p_switches=$(jq '[.cpus[0].intruders[] | select(.comm | startswith("osnoise") | not) | .switches] | add // 0' "$WORK/cmp.json")
echo "# CPU 1: rtla osnoise over its ${r_runtime:-?} us of runtime: IRQ ${r_irq:-?} softirq ${r_softirq:-?} thread ${r_thread:-?} hw ${r_hw:-?};" \
	"pinwatch noise over $p_seconds s: irqs $p_irq softirqs $p_softirq, other threads switched in $p_switches"
check "rtla osnoise ran on CPU 1 ($(head -c 200 "$WORK/rtla.txt" | tr '\n' ' '))" test -n "${r_irq:-}"
# Hardware IRQs: rtla counts each that interrupted its thread over the
# thread's runtime; pinwatch counts /proc/interrupts' deltas over its own
# window. The two windows start apart (each tool loads first) and time
# under emulation is uneven: the rates, per second of each window, agree
# within a factor of 2.
rates=$(awk -v ri="${r_irq:-0}" -v rt="${r_runtime:-0}" -v pi="$p_irq" -v ps="$p_seconds" \
	'BEGIN { r = rt > 0 ? ri / (rt / 1e6) : 0; p = ps > 0 ? pi / ps : 0; printf "%.0f %.0f %d", r, p, (r > 0 && p > 0 && p <= 2 * r && r <= 2 * p) }')
check "IRQs: their rates agree within a factor of 2 (rtla ${rates%% *}/s, pinwatch $(echo "$rates" | cut -d' ' -f2)/s)" \
	test "${rates##* }" = 1
# Where they differ, by design: rtla counts noise *while its thread runs*
# (with PREEMPT_RT, IRQ handlers and softirqs run in threads, so its IRQ
# column holds only the hard part and its Thread column the rest), pinwatch
# counts every switch of another task or kernel thread (the irq/NN and
# ksoftirqd threads among them) and the interrupt files' rows.
check "osnoise's own thread is named by pinwatch, as the kernel thread it is" \
	test "$(jq '.cpus[0].intruders | any(.kind == "kthread" and (.comm | startswith("osnoise")))' "$WORK/cmp.json")" = true
