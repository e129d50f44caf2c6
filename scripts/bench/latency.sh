#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Apply latency and start time with real `runc run` starts of an opted-in
# container pinned to CPU 1 (busybox sleep), N bare, N with an agent that
# makes the v1 layout for each container (--keep-layout 0, the previous
# behaviour) and N with one that keeps it between containers (the default),
# and N of a container that is not opted in under the agent (never held, its
# start unchanged), in alternating blocks:
#   - apply latency: from the pinning cpuset.cpus write (its ktime_ns, from
#     a `pinwatch trace` running through every block) to the agent's
#     "isolated ... (ktime_ns N)" once the isolation is written and read
#     back; p50/p99/max; and the agent's own part, from the container's first
#     task, against the kernel's own: the time its write(2)s to cgroup files
#     took (the agent times them; sched domains are rebuilt inside them);
#   - start time: wall time of `runc run -d`, bare against with the agent;
#   - holds (agent --hold auto, the default): how many first execs were held
#     and for how long (the agent's "resumed pid ... after N ms" lines).
# After each start the container is deleted and, with the agent, its
# restore awaited.
# Env: N (200) starts each way, BLOCK (50); AGENT_PW, another build's agent
# (e.g. the previous release's, for a before/after of the apply latency).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
N=${N:-200}
BLOCK=${BLOCK:-50}
H=$(cpuset_mount)
NAME="pwbench-lat-$$"
WORK=$(mktemp -d /tmp/pwbench-lat.XXXXXX)
TRACE_PID="" AGENT_PID="" ID=""

cleanup() {
	[ -n "$ID" ] && runc delete -f "$ID" >/dev/null 2>&1
	stop_interrupted AGENT_PID
	stop_interrupted TRACE_PID
	"$PW" restore --state-dir "$WORK/state" >/dev/null 2>&1 || true
	[ -z "${STATE_MOUNTED:-}" ] || umount "$WORK/state"
	rm_cgroups_everywhere "$NAME"
	[ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT

# wait_for COUNT FILE PATTERN: FILE has COUNT lines matching PATTERN, within 10 s.
wait_for() {
	local i
	for ((i = 0; i < 1000; i++)); do
		[ "$(grep -c -- "$3" "$2" 2>/dev/null)" -ge "$1" ] && return 0
		sleep 0.01
	done
	die "no '$3' in $2: $(tail -n 3 "$2")"
}

# The restore written: the journal holds no isolation (within 10 s).
journal_empty() {
	local i
	for ((i = 0; i < 1000; i++)); do
		jq -e '.isolated | length == 0' "$WORK/state/state.json" >/dev/null 2>&1 && return 0
		sleep 0.01
	done
	return 1
}

mkdir -p "$WORK/state" "$H/$NAME"
# The journal where a node keeps it: /run is a tmpfs under systemd (this VM's
# is on its disk, where each save's two fsyncs would be most of an apply).
mount -t tmpfs -o size=8m,mode=0700 pwbench-state "$WORK/state" || die "cannot mount a tmpfs for the journal"
STATE_MOUNTED=1
cpuset_init "$H" "$H/$NAME"
make_bundle "$WORK/bundle" 1 "/$NAME/x" >/dev/null
cp "$WORK/bundle/config.json" "$WORK/plain.json"
jq '.annotations = {"cpu-load-balancing.crio.io": "disable"}' "$WORK/bundle/config.json" >"$WORK/c.json"

"$PW" trace --type cpuset_write,cgroup_populated --json --cgroup "/$NAME" >"$WORK/trace.json" 2>"$WORK/trace.err" &
TRACE_PID=$!
wait_for 1 "$WORK/trace.err" "tracing (cpuset writes by"

# start VARIANT: one start, its wall time (us) appended to start-VARIANT. The
# variant "plain" starts a container that is not opted in, under an agent.
start() {
	local t0 t1 config="$WORK/c.json"
	ID=$(random_container_id)
	[ "$1" = plain ] && config="$WORK/plain.json"
	jq --arg cg "/$NAME/kubepods/pod$$/$ID" '.linux.cgroupsPath = $cg' "$config" \
		>"$WORK/bundle/config.json"
	t0=$(date +%s%N)
	(cd / && runc run -d --bundle "$WORK/bundle" "$ID") </dev/null >"$WORK/runc.out" 2>&1 ||
		die "runc run failed: $(cat "$WORK/runc.out")"
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000)) >>"$WORK/start-$1"
	if [ "$1" != bare ] && [ "$1" != plain ]; then
		wait_for 1 "$WORK/agent-$1.log" "isolated ${ID:0:12} "
	fi
	runc delete -f "$ID" >/dev/null
	if [ "$1" != bare ] && [ "$1" != plain ]; then
		wait_for 1 "$WORK/agent-$1.log" "restore load balancing on CPUs of ${ID:0:12} "
		journal_empty || die "the agent did not restore ${ID:0:12}: $(tail -n 3 "$WORK/agent-$1.log")"
	fi
	ID=""
}

# agent_block VARIANT ARGS...: BLOCK starts under an agent started with ARGS.
agent_block() {
	local variant=$1
	shift
	"${AGENT_PW:-$PW}" agent --state-dir "$WORK/state" --restore-on-exit "$@" \
		>>"$WORK/agent-$variant.log" 2>&1 &
	AGENT_PID=$!
	wait_for $((done_n / BLOCK + 1)) "$WORK/agent-$variant.log" "agent running"
	for ((i = 0; i < BLOCK; i++)); do start "$variant"; done
	kill -TERM "$AGENT_PID"
	wait "$AGENT_PID" || true
	AGENT_PID=""
}

for ((done_n = 0; done_n < N; done_n += BLOCK)); do
	for ((i = 0; i < BLOCK; i++)); do start bare; done
	agent_block fresh --keep-layout 0
	agent_block kept
	agent_block plain
done
stop_interrupted TRACE_PID

# Apply latency: each isolation against the last successful pinning write to its cgroup
# before it (in time order: runc writes cpuset.cpus again once the container runs).
jq -r 'select(.type == "cpuset_write" and .file == "cpuset.cpus" and .ret > 0)
	| "\(.path | split("/") | last | .[0:12]) \(.ktime_ns)"' "$WORK/trace.json" >"$WORK/writes"
# The container's first task: from then on it can be isolated (the runtime's time before is not the agent's).
jq -r 'select(.type == "cgroup_populated" and .populated and .hierarchy_name == "cpuset")
	| "\(.path | split("/") | last | .[0:12]) \(.ktime_ns)"' "$WORK/trace.json" >"$WORK/populated"
# latencies VARIANT FROM: the sorted latencies from each container's last FROM event
# (writes, populated) before its isolation, of that agent's starts, in $WORK/lat-VARIANT-FROM.
latencies() {
	sed -n 's/.*isolated \([0-9a-f]*\) .*(ktime_ns \([0-9]*\)).*/\1 \2/p' "$WORK/agent-$1.log" >"$WORK/applied"
	{
		awk '{ print $2, "w", $1 }' "$WORK/$2"
		awk '{ print $2, "a", $1 }' "$WORK/applied"
	} | sort -n | awk '$2 == "w" { w[$3] = $1; next } ($3 in w) { printf "%.3f\n", ($1 - w[$3]) / 1e6 }' |
		sort -g >"$WORK/lat-$1-$2"
	[ -s "$WORK/lat-$1-$2" ] || die "no isolation of the $1 agent could be matched to its $2 event"
}
pct() { awk -v p="$1" '{ v[NR] = $1 } END { i = int(NR * p / 100 + 0.999); if (i < 1) i = 1; print v[i] }' "$2"; }
ms() { awk '{ printf "%.1f\n", $1 / 1000 }' "$1" | median; }
echo "Real starts: runc run -d of an opted-in busybox container pinned to CPU 1, $N bare and $N with each agent (blocks of $BLOCK)"
b=$(ms "$WORK/start-bare")
a=$(ms "$WORK/start-plain")
held=$(grep -c 'held pid' "$WORK/agent-plain.log" || true)
awk -v b="$b" -v a="$a" -v h="$held" -v n="$N" 'BEGIN { printf "  containers not opted in, under the agent: runc run -d median %.1f ms bare, %.1f ms (%+.1f ms); held %d of %d\n", b, a, a - b, h, n }'
for variant in fresh kept; do
	case $variant in
	fresh) what="layout made for each container (--keep-layout 0)" ;;
	kept) what="layout kept between containers (default)" ;;
	esac
	latencies $variant writes
	latencies $variant populated
	echo "  agent, $what:"
	echo "    apply latency, pinning write to isolation read back: p50 $(pct 50 "$WORK/lat-$variant-writes") ms," \
		"p99 $(pct 99 "$WORK/lat-$variant-writes") ms, max $(tail -n 1 "$WORK/lat-$variant-writes") ms ($(wc -l <"$WORK/lat-$variant-writes") starts)"
	echo "    the agent's own part, first task in the cgroup to isolation read back: p50 $(pct 50 "$WORK/lat-$variant-populated") ms," \
		"p99 $(pct 99 "$WORK/lat-$variant-populated") ms, max $(tail -n 1 "$WORK/lat-$variant-populated") ms"
	# The kernel's own part: the apply's write(2)s to cgroup files, timed by the agent.
	sed -n 's/.*isolated [0-9a-f]* .*kernel writes took \([0-9.]*\) ms.*/\1/p' "$WORK/agent-$variant.log" |
		sort -g >"$WORK/writes-$variant"
	if [ -s "$WORK/writes-$variant" ]; then
		w50=$(pct 50 "$WORK/writes-$variant")
		echo "    of which the kernel's own writes (sched domains rebuilt in them): p50 $w50 ms," \
			"p99 $(pct 99 "$WORK/writes-$variant") ms; own part / writes at p50: x$(awk -v a="$(pct 50 "$WORK/lat-$variant-populated")" -v b="$w50" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
	fi
	# The rest of the agent's part, step by step (medians): the agent times each.
	step() { sed -n "s/.*isolated [0-9a-f]* .*$1 \([0-9.]*\) ms.*/\1/p" "$WORK/agent-$variant.log" | median; }
	echo "    the agent's steps, p50: last event to the agent $(step 'reached the agent in') ms," \
		"turn to the apply $(step 'the turn to the apply took') ms, journal save $(step 'the journal') ms," \
		"the apply besides writes and journal $(step 'the apply besides its writes and journal') ms"
	a=$(ms "$WORK/start-$variant")
	awk -v b="$b" -v a="$a" 'BEGIN { printf "    runc run -d wall time, median: %.1f ms bare, %.1f ms with the agent (%+.1f ms)\n", b, a, a - b }'
	held=$(grep -c 'held pid' "$WORK/agent-$variant.log" || true)
	sed -n 's/.*resumed pid .* after \([0-9.]*\) ms.*/\1/p' "$WORK/agent-$variant.log" | sort -g >"$WORK/holds"
	if [ -s "$WORK/holds" ]; then
		echo "    first execs held: $held of $N starts; held for p50 $(median <"$WORK/holds") ms, max $(tail -n 1 "$WORK/holds") ms"
	else
		echo "    first execs held: $held of $N starts (isolation was in place before every exec)"
	fi
done
