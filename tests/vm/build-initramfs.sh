#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Build the test guests' initramfs: busybox, the statically linked pinwatch
# and test helpers, the tests, and the programs they use (bash, jq, runc,
# crun) with their shared libraries.
#
# Usage: tests/vm/build-initramfs.sh OUTPUT.cpio.gz [LIST]
#   LIST: what the guest runs instead of tests/vm/guest-tests.txt (the
#   benchmark's guest uses tests/vm/guest-bench.txt).
set -euo pipefail
out=${1:?usage: build-initramfs.sh OUTPUT.cpio.gz [LIST]}
list=${2:-}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

# copy_with_libs BINARY: the binary at its path, and every library ldd names.
copy_with_libs() {
	local bin lib
	bin=$(command -v "$1") || {
		echo "build-initramfs: '$1' not found: run scripts/install-deps.sh --with-tests" >&2
		exit 1
	}
	bin=$(readlink -f "$bin")
	mkdir -p "$stage/usr/bin"
	cp "$bin" "$stage/usr/bin/$1"
	for lib in $(ldd "$bin" 2>/dev/null | grep -oE '/[^ ]+'); do
		mkdir -p "$stage$(dirname "$lib")"
		cp -L "$lib" "$stage$lib"
	done
}

mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,lib64,etc,proc,sys,dev,tmp,run,root}
cp "$(command -v busybox)" "$stage/bin/busybox"
for applet in $(busybox --list); do
	[ -e "$stage/bin/$applet" ] || ln -s busybox "$stage/bin/$applet"
done
for prog in bash jq runc crun rtla; do
	copy_with_libs "$prog"
done
ln -sf /usr/bin/bash "$stage/bin/bash"
echo 'root:x:0:0:root:/root:/bin/sh' >"$stage/etc/passwd"
echo 'root:x:0:' >"$stage/etc/group"

mkdir -p "$stage/pinwatch/build/tests" "$stage/pinwatch/tests" "$stage/pinwatch/scripts"
cp "$ROOT/build/pinwatch" "$ROOT/build/floor.bpf.o" "$stage/pinwatch/build/"
cp "$ROOT"/build/tests/* "$stage/pinwatch/build/tests/"
cp -r "$ROOT"/tests/*.sh "$ROOT/tests/integration" "$ROOT/tests/vm" "$stage/pinwatch/tests/"
cp -r "$ROOT/scripts/bench" "$stage/pinwatch/scripts/"
[ -z "$list" ] || cp "$list" "$stage/pinwatch/tests/vm/guest-tests.txt"
cp "$ROOT/tests/vm/init" "$stage/init"

(cd "$stage" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
