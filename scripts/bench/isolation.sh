#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The value itself: wake-up latency on a pinned CPU under a competing load,
# with and without the agent isolating it. cyclictest (rt-tests), one thread
# on CPU 1, 1 ms interval, in a container-like cgroup pinned to CPU 1, while
# `stress-ng --cpu 2` runs in a cpuset allowed on both CPUs; SCHED_OTHER and
# SCHED_FIFO; RUNS runs of DURATION seconds each way, alternating.
# Prints min/avg/p99/max (us) and plots the histograms of the last runs to
# PLOT (default docs/cyclictest.png).
# Env: RUNS (3), DURATION (10), PLOT.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-3}
DURATION=${DURATION:-10}
PLOT=${PLOT:-$ROOT/docs/cyclictest.png}
H=$(cpuset_mount)
NAME="pwbench-iso-$$"
POD="$NAME/kubepods/pod$(printf '%08x-0000-4000-8000-%012x' $$ 0)"
CTR="$POD/$(random_container_id)"
WORK=$(mktemp -d /tmp/pwbench-iso.XXXXXX)
PIDS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	"$PW" restore --state-dir "$WORK/state" >/dev/null 2>&1 || true
	rm_cgroups_everywhere "$NAME"
	rm -rf "$WORK"
}
trap cleanup EXIT

[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs"
command -v cyclictest >/dev/null && command -v stress-ng >/dev/null ||
	die "needs cyclictest and stress-ng: scripts/install-deps.sh --with-bench"

# cpuset DIR CPUS: a cgroup with CPUS (and, on v1, the root's memory nodes).
cpuset() {
	mkdir -p "$H/$1"
	cpuset_init "$H" "$H/$1"
	echo "$2" >"$H/$1/cpuset.cpus"
}
if [ ! -f "$H/cpuset.cpus" ]; then
	grep -qw cpuset "$H/cgroup.subtree_control" || die "cpuset is not enabled below $H"
fi
for d in "$NAME" "$NAME/kubepods" "$POD"; do
	mkdir -p "$H/$d"
	[ -f "$H/cgroup.subtree_control" ] && echo +cpuset >"$H/$d/cgroup.subtree_control"
	cpuset_init "$H" "$H/$d"
done
cpuset "$CTR" 1
cpuset "$NAME/load" 0-1

# run_in CGROUP CMD...: CMD in the background, its process in CGROUP.
run_in() {
	local cg=$1
	shift
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$H/$cg" "$@" &
	PIDS+=($!)
}

# one POLICY with|without N: a cyclictest run, its histogram on stdout (hist-POLICY-MODE-N).
one() {
	local prio=() out="$WORK/hist-$1-$2-$3" agent=""
	[ "$1" = fifo ] && prio=(--priority=80)
	PIDS=()
	run_in "$CTR" sleep 3600 # the container's first task: the agent sees it populated
	if [ "$2" = with ]; then
		mkdir -p "$WORK/state"
		"$PW" agent --state-dir "$WORK/state" --restore-on-exit \
			--select-cgroup "/$NAME/kubepods/*" >"$WORK/agent.log" 2>&1 &
		agent=$!
		PIDS+=("$agent")
		wait_for_line "$WORK/agent.log" "agent running"
		grep -q "isolate CPUs 1 of" "$WORK/agent.log" || die "the agent did not isolate: $(cat "$WORK/agent.log")"
	fi
	run_in "$NAME/load" stress-ng --cpu 2 --timeout $((DURATION + 2))s --quiet
	sleep 0.5
	run_in "$CTR" cyclictest --quiet --mlockall --threads=1 --affinity=1 --interval=1000 \
		--duration="$DURATION" --policy="$1" "${prio[@]}" --histogram=20000
	wait "${PIDS[-1]}" || true
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	PIDS=()
	if [ -n "$agent" ] && ! grep -q 'restore load balancing' "$WORK/agent.log"; then
		die "the agent did not restore on exit: $(tail -n 3 "$WORK/agent.log")"
	fi
	[ -s "$out" ] || die "cyclictest wrote no histogram ($out)"
}

# summary FILE: "min avg p99 max" in us, from cyclictest's histogram output.
summary() {
	awk '/^# Min Latencies/ { min = $4 + 0 } /^# Avg Latencies/ { avg = $4 + 0 }
		/^# Max Latencies/ { max = $4 + 0 } /^# Histogram Overflows/ { over = $4 + 0 }
		/^[0-9]/ { n[$1 + 0] = $2 + 0; total += $2 }
		END {
			total += over; want = total * 0.99; acc = 0; p99 = -1
			for (i = 0; i < 20000 && p99 < 0; i++) { acc += n[i]; if (acc >= want) p99 = i }
			if (p99 < 0) p99 = "over"
			print min, avg, p99, max
		}' "$1"
}

echo "Isolation: cyclictest on CPU 1 (1 ms interval, ${DURATION} s x $RUNS runs each) in a cgroup pinned"
echo "to CPU 1, stress-ng --cpu 2 in a cpuset of CPUs 0-1; latencies in us, median of runs (worst max)"
printf '%-12s %-15s %8s %8s %8s %8s %10s\n' policy agent min avg p99 max "worst max"
for policy in other fifo; do
	for ((r = 0; r < RUNS; r++)); do
		for mode in without with; do
			# cyclictest's stdout: its histogram.
			exec 4>"$WORK/hist-$policy-$mode-$r"
			one "$policy" "$mode" "$r" >&4
			exec 4>&-
		done
	done
	for mode in without with; do
		for ((r = 0; r < RUNS; r++)); do summary "$WORK/hist-$policy-$mode-$r"; done >"$WORK/sum"
		printf '%-12s %-15s %8s %8s %8s %8s %10s\n' "SCHED_${policy^^}" \
			"$([ $mode = with ] && echo "isolated" || echo "not isolated")" \
			"$(cut -d' ' -f1 "$WORK/sum" | median)" "$(cut -d' ' -f2 "$WORK/sum" | median)" \
			"$(cut -d' ' -f3 "$WORK/sum" | median)" "$(cut -d' ' -f4 "$WORK/sum" | median)" \
			"$(cut -d' ' -f4 "$WORK/sum" | maximum)"
	done
done

if command -v gnuplot >/dev/null; then
	last=$((RUNS - 1))
	for f in "$WORK"/hist-*-"$last"; do
		awk '/^[0-9]/ && $2 > 0 { print $1 + 0, $2 + 0 }' "$f" >"$f.dat"
	done
	gnuplot <<EOF
set terminal pngcairo size 900,500 noenhanced
set output "$PLOT"
set title "cyclictest on CPU 1 under stress-ng --cpu 2 ($(uname -r), ${DURATION} s)"
set xlabel "wake-up latency (us)"
set ylabel "samples"
set logscale xy
set key top right
plot "$WORK/hist-other-without-$last.dat" with steps lw 2 title "SCHED_OTHER, not isolated", \
     "$WORK/hist-other-with-$last.dat" with steps lw 2 title "SCHED_OTHER, isolated by pinwatch", \
     "$WORK/hist-fifo-without-$last.dat" with steps lw 2 title "SCHED_FIFO, not isolated", \
     "$WORK/hist-fifo-with-$last.dat" with steps lw 2 title "SCHED_FIFO, isolated by pinwatch"
EOF
	echo "histograms of the last runs: ${PLOT#"$ROOT"/}"
fi
