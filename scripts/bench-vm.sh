#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `make bench-vm`: the syscall-cost table inside the Debian 6.12 guest of the
# kernel matrix, where fentry is allowed (trace's default there). TCG timings
# are not real hardware: read the ratios. Opt-in, not part of `make bench`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --with-tests
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tests/vm/build-initramfs.sh "$work/bench.cpio.gz" tests/vm/guest-bench.txt
VM_TIMEOUT=${VM_TIMEOUT:-900} tests/vm/run-guest.sh 6.12 "$work/bench.cpio.gz"
