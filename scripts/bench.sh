#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `make bench`: the benchmark sections, one run, with the machine they ran on.
# Speed targets live here, never in timed tests (docs/PERFORMANCE.md). Each
# section restores what it changes; run it on an otherwise idle node.
#
# Usage: scripts/bench.sh [SECTION...]
#   (default: syscalls churn latency footprint isolation noise; see scripts/bench/)
set -euo pipefail
cd "$(dirname "$0")/.."
sections=("$@")
[ ${#sections[@]} -gt 0 ] || sections=(syscalls churn latency footprint isolation noise)
for s in "${sections[@]}"; do
	if [ ! -x "scripts/bench/$s.sh" ]; then
		echo "bench: unknown section '$s' (see scripts/bench/)" >&2
		exit 2
	fi
done
scripts/install-deps.sh --with-bench
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), kernel $(uname -r), $(nproc) CPUs: $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
echo "# cgroups: $(awk '$3 == "cgroup2" { v2 = $2 } $3 == "cgroup" && $4 ~ /cpuset/ { v1 = $2 } END { print (v1 ? "v1 cpusets at " v1 : "pure v2") (v2 && v1 ? ", cgroup2 at " v2 : "") }' /proc/mounts)"
for s in "${sections[@]}"; do
	echo
	echo "\$ scripts/bench.sh $s"
	"scripts/bench/$s.sh"
done
