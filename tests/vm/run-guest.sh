#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Boot a Debian kernel of SERIES under QEMU (TCG) with the test initramfs,
# run the guest tests on pure cgroup v2, and print their result lines tagged
# with the kernel: "ok - [6.12] NAME". A guest that does not boot or does not
# finish fails loudly with its console log.
#
# Usage: tests/vm/run-guest.sh 6.1|6.12 [INITRAMFS]
set -uo pipefail
series=${1:?usage: run-guest.sh 6.1|6.12 [INITRAMFS]}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VM_TIMEOUT=${VM_TIMEOUT:-420}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The console log stays for reading after a failure.
log_dir="$ROOT/build/vm"
mkdir -p "$log_dir"
console="$log_dir/console-$series.log"

fail() {
	echo "not ok - [$series] $1"
	shift
	for line in "$@"; do echo "# $line"; done
	exit 1
}

kernel=$("$ROOT/tests/vm/kernel.sh" "$series" 2>"$work/kernel.err") ||
	fail "fetch the Debian $series kernel" "$(cat "$work/kernel.err")"
initramfs=${2:-$work/initramfs.cpio.gz}
if [ -z "${2:-}" ]; then
	"$ROOT/tests/vm/build-initramfs.sh" "$initramfs" 2>"$work/initramfs.err" ||
		fail "build the initramfs" "$(cat "$work/initramfs.err")"
fi
command -v qemu-system-x86_64 >/dev/null ||
	fail "qemu-system-x86_64 is installed" "run scripts/install-deps.sh --with-tests"

# -smp 3: an isolated partition of two CPUs needs a third for the rest.
timeout --kill-after=10 "$VM_TIMEOUT" qemu-system-x86_64 \
	-accel tcg,thread=single -cpu max -smp 3 -m 2048 \
	-nographic -no-reboot -monitor none -serial stdio \
	-kernel "$kernel" -initrd "$initramfs" \
	-append "console=ttyS0 quiet loglevel=3 panic=-1 rdinit=/init" \
	</dev/null >"$work/console.log" 2>&1
rc=$?
tr -d '\r' <"$work/console.log" >"$console"

if ! grep -q 'PWVM: booted' "$console"; then
	fail "guest $(cat "$(dirname "$kernel")/package" 2>/dev/null || echo "$series") boots (qemu rc $rc)" \
		"console log ($console):" "$(tail -n 60 "$console")"
fi
grep -o 'PWVM: booted.*' "$console" | sed 's/^PWVM: /# /'
# Result lines, tagged with the kernel series.
sed -n 's/^.*PWVM: //p' "$console" | grep -v '^booted' | grep -v '^done$' |
	sed -E "s/^(not ok|ok|skip) - /\1 - [$series] /"
if ! grep -q 'PWVM: done' "$console"; then
	fail "guest finished its tests (qemu rc $rc, timeout ${VM_TIMEOUT}s)" \
		"console log ($console):" "$(tail -n 60 "$console")"
fi
exit 0
