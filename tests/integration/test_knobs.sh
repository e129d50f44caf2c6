#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The knobs beyond load balancing, with a real runc container that asks for
# them by CRI-O's annotations, on this host (cgroup v1) and in the guests
# (cgroup v2): IRQs leave its CPU (read back everywhere; by behaviour in
# the test guest, whose own NIC on QEMU's restricted user-mode network takes
# the interrupts: tests/vm/guest_nic.sh; no packet leaves the machine), its
# CFS quota is lifted (a spinner with a 10% quota gets most
# of a CPU, one without the annotation stays at 10%) and a rewrite of it is
# followed, its CPU's PM QoS resume latency reads back "n/a"; all of it
# survives kill -9 and a restart, comes back exactly when it exits, and
# pinwatch restore undoes it. cpufreq is absent here: tests/unit/test_tuner.c.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/vm/guest_nic.sh"

V1=$(v1_cpuset_mount)
V2=$(v2_mount)
NCPU=$(nproc)
if [ "$NCPU" -lt 2 ]; then
	not_ok "knobs: 2 CPUs or more" "this machine has $NCPU"
	exit 1
fi
# No isolation before 6.7: tests/vm/test_agent_v2.sh proves the knobs alone there.
[ -n "$V1" ] || v2_partitions || skip_test "knobs" \
	"kernel $(uname -r) has no cpuset.cpus.exclusive (6.7+): no isolation beside the knobs here (tests/vm/test_agent_v2.sh proves the knobs alone there)"
C=$((NCPU - 1)) # the container's CPU; CPU 0 stays the host's
# Whatever happens, every IRQ, the default affinity and every PM QoS value go back.
declare -A IRQ_WAS
for f in /proc/irq/*/smp_affinity_list; do IRQ_WAS[$f]=$(cat "$f"); done
DEFAULT_WAS=$(cat /proc/irq/default_smp_affinity)
QOS="/sys/devices/system/cpu/cpu$C/power/pm_qos_resume_latency_us"
QOS_WAS=$(cat "$QOS")
QOS0="/sys/devices/system/cpu/cpu0/power/pm_qos_resume_latency_us"
QOS0_WAS=$(cat "$QOS0")
restore_host() {
	local f
	for f in "${!IRQ_WAS[@]}"; do echo "${IRQ_WAS[$f]}" >"$f" 2>/dev/null; done
	echo "$DEFAULT_WAS" >/proc/irq/default_smp_affinity
	echo "$QOS_WAS" >"$QOS"
}
on_exit restore_host
# The agent, its journal, and the cgroups and load balancing it touches (V1 may be "").
. "$(dirname "$0")/../agent_lib.sh"

# spinner KEY CPUS ANNOTATIONS_JSON [POD_QUOTA]: a runc container spinning on
# CPUS with a 10% CFS quota, in a pod cgroup of its own (with POD_QUOTA, as
# kubelet sets a pod's to the sum of its containers' limits).
spinner() {
	local k=$1 b="$WORK/bundle-$1"
	ID[$k]=$(random_container_id)
	CG[$k]=/$TEST_ID/kubepods/pod$(random_pod_uid)/${ID[$k]}
	[ -n "${4:-}" ] && { make_pod_cgroup "$(dirname "${CG[$k]}")" "$4" || return 1; }
	make_bundle "$b" "$2" "${CG[$k]}" >/dev/null || return 1
	jq --argjson ann "$3" '.annotations = $ann
		| .process.args = ["sh", "-c", "while :; do :; done"]
		| .linux.resources.cpu.quota = 10000 | .linux.resources.cpu.period = 100000' \
		"$b/config.json" >"$b/c.json" && mv "$b/c.json" "$b/config.json"
	on_exit "runc delete -f '${ID[$k]}'"
	(cd / && runc run -d --bundle "$b" "${ID[$k]}") </dev/null >>"$WORK/rt.out" 2>&1
}

# The quota file of container KEY, and its CPU time in ns.
if [ -n "$V1" ]; then
	CPU_MNT=$(awk '$3 == "cgroup" && $4 ~ /(^|,)cpu(,|$)/ { print $2; exit }' /proc/mounts)
	ACCT_MNT=$(awk '$3 == "cgroup" && $4 ~ /(^|,)cpuacct(,|$)/ { print $2; exit }' /proc/mounts)
	quota_file() { echo "$CPU_MNT${CG[$1]}/cpu.cfs_quota_us"; }
	usage_ns() { cat "$ACCT_MNT${CG[$1]}/cpuacct.usage"; }
	QUOTA_LIFTED=-1
	QUOTA_10=10000
else
	quota_file() { echo "$V2${CG[$1]}/cpu.max"; }
	usage_ns() { echo $(($(awk '$1 == "usage_usec" { print $2 }' "$V2${CG[$1]}/cpu.stat") * 1000)); }
	QUOTA_LIFTED="max 100000"
	QUOTA_10="10000 100000"
fi
quota_is() { [ "$(cat "$(quota_file "$1")")" = "$2" ]; }
# The same file of its pod's cgroup (the container's parent).
pod_quota_is() {
	local f
	f=$(quota_file "$1")
	[ "$(cat "$(dirname "$(dirname "$f")")/$(basename "$f")")" = "$2" ]
}
# make_pod_cgroup PATH QUOTA: the pod's cgroup, made before its container, with a quota.
make_pod_cgroup() {
	local dir rel="" part
	if [ -n "$V1" ]; then
		mkdir -p "$CPU_MNT$1" && echo "${2%% *}" >"$CPU_MNT$1/cpu.cfs_quota_us"
		return
	fi
	# cgroup2: the cpu controller enabled down to it.
	for part in ${1//\// }; do
		echo +cpu >"$V2$rel/cgroup.subtree_control" || return 1
		rel="$rel/$part"
		mkdir -p "$V2$rel"
	done
	echo "$2" >"$V2$1/cpu.max"
}
# The percent of one CPU container KEY used over 2 s.
cpu_percent() {
	local a b
	a=$(usage_ns "$1")
	sleep 2
	b=$(usage_ns "$1")
	echo $(((b - a) / 20000000))
}

# No movable IRQ, nor the default for new ones, may go to CPU C.
irqs_off_c() {
	local f irq skip
	skip=" $(unmovable | tr '\n' ' ') "
	for f in /proc/irq/*/smp_affinity_list; do
		irq=${f#/proc/irq/} irq=${irq%%/*}
		[[ "$skip" == *" $irq "* ]] && continue
		cpulist_has "$(cat "$f")" "$C" && return 1
	done
	(((0x$(tr -d , </proc/irq/default_smp_affinity) >> C) & 1)) && return 1
	return 0
}
# Every IRQ and the default exactly as the agent found them.
irqs_as_before() {
	local f
	for f in "${!IRQ_SET[@]}"; do
		[ -e "$f" ] || continue
		[ "$(cat "$f")" = "${IRQ_SET[$f]}" ] || { echo "$f: $(cat "$f") != ${IRQ_SET[$f]}" >&2; return 1; }
	done
	[ "$(cat /proc/irq/default_smp_affinity)" = "$DEFAULT_WAS" ]
}
# Interrupts of the NIC's IRQs in /proc/interrupts: on CPU C, and on every CPU.
count_on_c() {
	awk -v c="$C" -v irqs=" $NIC_IRQS " '
		$1 ~ /^[0-9]+:$/ && index(irqs, " " substr($1, 1, length($1) - 1) " ") { n += $(c + 2) }
		END { print n + 0 }' /proc/interrupts
}
count_all() {
	awk -v irqs=" $NIC_IRQS " '
		$1 ~ /^[0-9]+:$/ && index(irqs, " " substr($1, 1, length($1) - 1) " ") {
			for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i
		}
		END { print n + 0 }' /proc/interrupts
}
# Network interrupts, in the test guest only: datagrams to QEMU's own
# gateway (each transmit completes with an interrupt, though the driver
# often cleans many in one: 300 datagrams raise 20 to 300); nothing
# answers, and nothing leaves QEMU.
send_packets() { guest_nic_send 300; }
tuned() { jq -r --arg id "$1" '[.tuned[] | select(.container_id == $id) | .knob] | sort | join(",")' "$STATE/state.json" 2>/dev/null; }
ALL_KNOBS=cpu-c-states,cpu-quota,irq-load-balancing

# Behaviour, baseline: the guest NIC's IRQs routed to CPU C (as a node may
# have them) take its interrupts there.
NIC_IRQS=""
guest_nic_present && NIC_IRQS=$(guest_nic_irqs | tr '\n' ' ')
if [ -n "$NIC_IRQS" ]; then
	for irq in $NIC_IRQS; do echo "$C" >"/proc/irq/$irq/smp_affinity_list"; done
	send_packets
	on0=$(count_on_c)
	send_packets
	check "baseline: the NIC's IRQs ($NIC_IRQS) routed to CPU $C take its interrupts there ($(($(count_on_c) - on0)))" \
		test $(($(count_on_c) - on0)) -ge 10
fi
# One IRQ the kernel lets anyone move (the NIC's in the guest), routed to
# CPU C before the agent starts, as a node may have it: put back there later
# by hand, as irqbalance would, and given back there at the end.
MOVABLE=${NIC_IRQS%% *}
if [ -z "$MOVABLE" ]; then
	for f in /proc/irq/*/smp_affinity_list; do
		irq=${f#/proc/irq/} irq=${irq%%/*}
		echo "$C" >"$f" 2>/dev/null && { MOVABLE=$irq; break; }
	done
fi
# What the agent must give back exactly: as the node is now.
declare -A IRQ_SET
for f in /proc/irq/*/smp_affinity_list; do IRQ_SET[$f]=$(cat "$f"); done

PORT=$((20000 + RANDOM % 20000))
start_agent --metrics "127.0.0.1:$PORT" --resync 2 || { not_ok "agent starts" "$(cat "$LOG")"; exit 1; }
ASK='{"cpu-load-balancing.crio.io": "disable", "irq-load-balancing.crio.io": "disable",
      "cpu-quota.crio.io": "disable", "cpu-c-states.crio.io": "disable"}'
POD_QUOTA=${QUOTA_10/10000/50000}
spinner a "$C" "$ASK" "$POD_QUOTA"
# Not opted in, on the host's CPU 0: its 10% quota stays.
spinner b 0 '{"cpu-c-states.crio.io": "bogus value"}'
check "every knob asked for is applied and journaled" wait_for 20 eval '[ "$(tuned "${ID[a]}")" = "$ALL_KNOBS" ]'
tuned "${ID[a]}" | sed 's/^/# tuned: /'
check "quota: lifted ($(cat "$(quota_file a)"))" quota_is a "$QUOTA_LIFTED"
check "quota: its pod's 50% is lifted too" pod_quota_is a "$QUOTA_LIFTED"
check "quota: the other container keeps its 10%" quota_is b "$QUOTA_10"
check "C-states: CPU $C's resume latency reads back n/a" test "$(cat "$QOS")" = n/a
check "C-states: CPU 0 is untouched" test "$(cat "$QOS0")" = "$QOS0_WAS"
check "IRQs: no movable IRQ and not the default affinity on CPU $C" irqs_off_c
check "a knob value no knob accepts is said, naming it, and not applied" \
	eval 'grep -q "annotation cpu-c-states.crio.io: bogus value is ignored" "$LOG" && [ -z "$(tuned "${ID[b]}")" ]'
pa=$(cpu_percent a)
pb=$(cpu_percent b)
check "behaviour: with its quota lifted the spinner gets most of a CPU ($pa%)" test "$pa" -ge 60
check "behaviour: without the annotation the spinner stays near its 10% quota ($pb%)" test "$pb" -le 20
if [ -n "$NIC_IRQS" ]; then
	send_packets # x86 without interrupt remapping moves an MSI when it next fires
	on0=$(count_on_c) all0=$(count_all)
	send_packets
	check "behaviour: the NIC's interrupts go on elsewhere ($(($(count_all) - all0)))" test $(($(count_all) - all0)) -ge 10
	check "behaviour: none of them reach CPU $C ($(($(count_on_c) - on0)))" test $(($(count_on_c) - on0)) -eq 0
else
	echo "# not the test guest (no NIC of the test's own): IRQs proved by their files here; the 6.12 guest proves them by behaviour"
fi
# irqbalance (or an operator) puts one back: the next rescan moves it off again.
if [ -n "$MOVABLE" ]; then
	echo "$C" >"/proc/irq/$MOVABLE/smp_affinity_list"
	check "IRQs: IRQ $MOVABLE moved back onto CPU $C is moved off again at the next rescan" wait_for 10 irqs_off_c
else
	not_ok "IRQs: an IRQ here can be moved onto CPU $C for the rescan check"
fi
"$PW" ps --json --state-dir "$STATE" >"$WORK/ps.json"
check "ps --json: what it asked for and what is applied" test \
	"$(jq -r --arg id "${ID[a]}" 'select(.container_id == $id) | [(.knobs_asked | keys | join(",")), (.knobs_applied | keys | join(","))] | join(" ")' "$WORK/ps.json")" = \
	"$ALL_KNOBS $ALL_KNOBS"
if [ "$(cat /sys/class/net/lo/operstate 2>/dev/null)" = down ]; then
	# The guests bring up no network, not even loopback; the host checks the metrics.
	echo "skip - ${TAG}metrics: no loopback interface up here"
else
	exec 3<>"/dev/tcp/127.0.0.1/$PORT" && printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3
	metrics=$(cat <&3)
	exec 3<&-
	check "metrics: each knob applied once" test "$(grep -c '^pinwatch_knobs_applied{knob="\(irq\|quota\|c_states\)"} 1$' <<<"$metrics")" = 3
	check "metrics: IRQs moved" eval '[ "$(sed -n "s/^pinwatch_irqs_moved //p" <<<"$metrics")" -gt 0 ]'
fi

# The runtime (or kubelet) writes the quota back: followed, lifted again, and what to restore moves with it.
echo "${QUOTA_10/10000/20000}" >"$(quota_file a)"
check "quota: a rewrite is followed and lifted again" wait_for 10 quota_is a "$QUOTA_LIFTED"
check "quota: the rewritten value is the one to restore" \
	test "$(jq -r --arg id "${ID[a]}" '.tuned[] | select(.container_id == $id and .knob == "cpu-quota") | .saved[0].old' "$STATE/state.json")" = "${QUOTA_10/10000/20000}"

# A crash, a rewrite while the agent is down, a restart: made whole again.
stop_agent KILL
echo "${QUOTA_10/10000/30000}" >"$(quota_file a)"
start_agent || { not_ok "agent restarts" "$(cat "$LOG")"; exit 1; }
check "after kill -9 and a restart: the knobs are kept" test "$(tuned "${ID[a]}")" = "$ALL_KNOBS"
check "after the restart: its CPU stays out of load balancing too" \
	eval 'jq -e --arg id "${ID[a]}" ".isolated | any(.container_id == \$id)" "$STATE/state.json" >/dev/null'

check "after the restart: the quota rewritten meanwhile is lifted again" wait_for 10 quota_is a "$QUOTA_LIFTED"
check "after the restart: IRQs still off CPU $C, resume latency still n/a" eval 'irqs_off_c && [ "$(cat "$QOS")" = n/a ]'

# It exits: everything back exactly.
runc kill "${ID[a]}" KILL >>"$WORK/rt.out" 2>&1
check "on exit: the knobs are reverted (journal)" wait_for 20 eval '[ -z "$(tuned "${ID[a]}")" ]'
check "on exit: the quota is what was last written by others" quota_is a "${QUOTA_10/10000/30000}"
check "on exit: its pod's quota is back to 50%" pod_quota_is a "$POD_QUOTA"
check "on exit: the resume latency is back ($QOS_WAS)" test "$(cat "$QOS")" = "$QOS_WAS"
check "on exit: every IRQ and the default affinity exactly as before" irqs_as_before
check "the journal keeps no saved IRQ" test "$(jq '.irq_saved | length' "$STATE/state.json")" = 0
if [ -n "$NIC_IRQS" ]; then
	send_packets
	on0=$(count_on_c)
	send_packets
	check "behaviour: given back, the NIC's IRQs take interrupts on CPU $C again ($(($(count_on_c) - on0)))" \
		test $(($(count_on_c) - on0)) -ge 10
fi
runc delete -f "${ID[a]}" >>"$WORK/rt.out" 2>&1

# Two containers on CPUs of their own both keep IRQs off them: the default
# affinity is node-wide, so it loses the CPUs of both, gets the first one's
# back when it goes, and is as it was when the last one goes.
default_has() { (((0x$(tr -d , </proc/irq/default_smp_affinity) >> $1) & 1)); }
if [ "$NCPU" -ge 3 ]; then
	for k in p q; do
		ID[$k]=$(random_container_id)
		CG[$k]=/$TEST_ID/kubepods/pod$(random_pod_uid)/${ID[$k]}
		make_bundle "$WORK/bundle-$k" "$([ $k = p ] && echo 1 || echo 2)" "${CG[$k]}" >/dev/null
		jq '.annotations = {"irq-load-balancing.crio.io": "disable"}' "$WORK/bundle-$k/config.json" \
			>"$WORK/c.json" && mv "$WORK/c.json" "$WORK/bundle-$k/config.json"
		on_exit "runc delete -f '${ID[$k]}'"
		(cd / && runc run -d --bundle "$WORK/bundle-$k" "${ID[$k]}") </dev/null >>"$WORK/rt.out" 2>&1
	done
	check "two containers: both keep IRQs off their CPUs" wait_for 20 eval \
		'[ "$(tuned "${ID[p]}") $(tuned "${ID[q]}")" = "irq-load-balancing irq-load-balancing" ] &&
		! default_has 1 && ! default_has 2'
	runc kill "${ID[p]}" KILL >>"$WORK/rt.out" 2>&1
	check "two containers: the first goes, its CPU takes IRQs again, the other's does not" \
		wait_for 20 eval '[ -z "$(tuned "${ID[p]}")" ] && default_has 1 && ! default_has 2'
	runc kill "${ID[q]}" KILL >>"$WORK/rt.out" 2>&1
	check "two containers: the last goes, every IRQ exactly as before" \
		wait_for 20 eval '[ -z "$(tuned "${ID[q]}")" ] && irqs_as_before'
else
	echo "# $NCPU CPUs: two containers with a CPU each and one for the host need 3 (the guests have them)"
fi

# CRI-O's other IRQ value, housekeeping: IRQs on the container's
# housekeeping CPUs only (its first CPU and that CPU's hyperthread siblings:
# here CPU C alone), then back exactly.
irqs_on_housekeeping() {
	local f irq skip
	skip=" $(unmovable | tr '\n' ' ') "
	for f in /proc/irq/*/smp_affinity_list; do
		irq=${f#/proc/irq/} irq=${irq%%/*}
		[[ "$skip" == *" $irq "* ]] && continue
		[ "$(cat "$f")" = "$C" ] || { echo "IRQ $irq on $(cat "$f")" >&2; return 1; }
	done
	[ $((0x$(tr -d , </proc/irq/default_smp_affinity))) = $((1 << C)) ]
}
ID[h]=$(random_container_id)
CG[h]=/$TEST_ID/kubepods/pod$(random_pod_uid)/${ID[h]}
make_bundle "$WORK/bundle-h" "$C" "${CG[h]}" >/dev/null
jq '.annotations = {"irq-load-balancing.crio.io": "housekeeping"}' "$WORK/bundle-h/config.json" \
	>"$WORK/c.json" && mv "$WORK/c.json" "$WORK/bundle-h/config.json"
on_exit "runc delete -f '${ID[h]}'"
(cd / && runc run -d --bundle "$WORK/bundle-h" "${ID[h]}") </dev/null >>"$WORK/rt.out" 2>&1
check "housekeeping: every movable IRQ and the default affinity on its housekeeping CPU $C only" \
	wait_for 20 irqs_on_housekeeping
check "housekeeping: journaled as the knob's value" \
	test "$(jq -r --arg id "${ID[h]}" '.tuned[] | select(.container_id == $id) | .value' "$STATE/state.json")" = housekeeping
runc kill "${ID[h]}" KILL >>"$WORK/rt.out" 2>&1
check "housekeeping: on exit every IRQ and the default affinity exactly as before" \
	wait_for 20 eval 'journal_empty && [ "$(jq ".tuned | length" "$STATE/state.json")" = 0 ] && irqs_as_before'
runc delete -f "${ID[h]}" >>"$WORK/rt.out" 2>&1

# Selected by the agent's own selector, its knobs from the config file and
# --tune, then the agent dies and pinwatch restore undoes it.
stop_agent
cat >"$WORK/agent.conf" <<EOF
select-cgroup = /$TEST_ID/kubepods/*/sel-*
tune = cpu-c-states=max_latency:20
EOF
start_agent --config "$WORK/agent.conf" --tune irq-load-balancing=disable ||
	{ not_ok "agent starts with --config and --tune" "$(cat "$LOG")"; exit 1; }
ID[s]=sel-$(random_container_id | cut -c1-20)
CG[s]=/$TEST_ID/kubepods/pod$(random_pod_uid)/${ID[s]}
make_bundle "$WORK/bundle-s" "$C" "${CG[s]}" >/dev/null
on_exit "runc delete -f '${ID[s]}'"
(cd / && runc run -d --bundle "$WORK/bundle-s" "${ID[s]}") </dev/null >>"$WORK/rt.out" 2>&1
check "--tune and the config file's tune: a selected container gets both knobs" wait_for 20 eval '[ "$(tuned "${ID[s]}")" = cpu-c-states,irq-load-balancing ]'
check "the config file's cpu-c-states=max_latency:20 reads back 20" test "$(cat "$QOS")" = 20
stop_agent KILL
"$PW" restore --state-dir "$STATE" >"$WORK/restore.out" 2>&1
check "restore: the resume latency is back" test "$(cat "$QOS")" = "$QOS_WAS"
check "restore: every IRQ and the default affinity exactly as before" irqs_as_before
check "restore: the journal holds nothing" test "$(jq '(.tuned | length) + (.irq_saved | length) + (.isolated | length)' "$STATE/state.json")" = 0
