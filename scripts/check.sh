#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The test command: install dependencies, build, run every test. Prints a
# closing line "N passed, N failed". Needs root: the tests load BPF programs
# and make cgroups, for real.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --with-tests
make -j"$(nproc)"
make check
