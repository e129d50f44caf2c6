#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `make bench`: the benchmark sections, one run, with the machine they ran on.
# Speed targets live here, never in timed tests (docs/PERFORMANCE.md).
#
# Usage: scripts/bench.sh [SECTION...]   (default: syscalls footprint)
set -euo pipefail
cd "$(dirname "$0")/.."
sections=("$@")
[ ${#sections[@]} -gt 0 ] || sections=(syscalls footprint)
echo "# $(date -u +%Y-%m-%d), $(uname -r), $(nproc) CPUs: $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
for s in "${sections[@]}"; do
	if [ ! -x "scripts/bench/$s.sh" ]; then
		echo "bench: unknown section '$s' (see scripts/bench/)" >&2
		exit 2
	fi
	"scripts/bench/$s.sh"
done
