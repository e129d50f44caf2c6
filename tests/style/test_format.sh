#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The tree stays in the kernel style of .clang-format (`make format` fixes it).
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$ROOT" || exit 1
if ! command -v clang-format >/dev/null; then
	echo "not ok - clang-format is installed (scripts/install-deps.sh --with-tests)"
	exit 1
fi
out=$(make -s check-format 2>&1)
if [ -z "$out" ]; then
	echo "ok - C sources match .clang-format"
else
	echo "not ok - C sources match .clang-format (run make format)"
	echo "$out" | grep -oE '^[^: ]+\.[ch]:[0-9]+' | sort -u | head -20 | sed 's/^/# /'
fi
