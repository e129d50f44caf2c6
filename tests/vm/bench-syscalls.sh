#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The syscall-cost table in a guest (make bench-vm): emulated CPUs are ~10x
# slower, so fewer calls per round; the ratios are what to read.
ROUNDS=${ROUNDS:-5} CALLS=${CALLS:-100000} exec bash "$(dirname "$0")/../../scripts/bench/syscalls.sh"
