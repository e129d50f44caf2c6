#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Boot a Debian kernel of SERIES under QEMU (TCG) with the test initramfs,
# run the guest tests on pure cgroup v2, and print their result lines tagged
# with the kernel: "ok - [6.12] NAME". A guest that does not boot or does not
# finish fails loudly with its console log.
#
# Usage: tests/vm/run-guest.sh 6.1|6.12 [INITRAMFS]
#
# PART=K/N runs only every Nth test of the list from the Kth (0-based): N
# guests of one kernel, side by side, share it.
#
# GUEST_ENV="NAME=VALUE ..." sets variables for the tests in the guest (e.g.
# HOLD_STARTS=100 KILL_TRIES=20 KILL_SIGNALS=all GUEST_TEST_LIMIT=2400, the
# hold tests at the host's sizes); GUEST_ONLY="NAME ..." runs only those tests.
# Letters, digits and _ only: they travel on the kernel command line.
#
# GUEST_NIC=1 gives the guest an e1000 NIC on QEMU's user-mode network with
# restrict=on: its gateway is QEMU itself and QEMU routes no guest packet
# beyond itself, so nothing the guest sends leaves this machine, while the
# NIC still interrupts for what the guest transmits (the IRQ tests). Without
# it the guest has no network device at all (-nic none): left out, QEMU
# would add a user-mode NIC by default.
set -uo pipefail
series=${1:?usage: run-guest.sh 6.1|6.12|6.12-rt [INITRAMFS]}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VM_TIMEOUT=${VM_TIMEOUT:-420}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The console log stays for reading after a failure.
log_dir="$ROOT/build/vm"
mkdir -p "$log_dir"
part=${PART:-}
if [ -n "$part" ] && ! [[ $part =~ ^[0-9]+/[1-9][0-9]*$ ]]; then
	echo "run-guest: PART '$part' is not K/N" >&2
	exit 2
fi
console="$log_dir/console-$series${part:+-part${part%/*}}.log"
guest_env=${GUEST_ENV:-} guest_only=${GUEST_ONLY:-}
if ! [[ "$guest_env $guest_only" =~ ^[A-Za-z0-9_=\ ]*$ ]]; then
	echo "run-guest: GUEST_ENV '$guest_env' or GUEST_ONLY '$guest_only' has more than letters, digits, _ and =" >&2
	exit 2
fi
guest_env=$(echo $guest_env | tr ' ' ,) guest_only=$(echo $guest_only | tr ' ' ,)

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
# The NIC's driver for this very kernel, appended as a second archive (the
# kernel unpacks concatenated ones): /lib/modules/e1000.ko, which init loads.
nic=(-nic none)
if [ "${GUEST_NIC:-0}" = 1 ]; then
	mkdir -p "$work/mod/lib/modules"
	cp "$(dirname "$kernel")/e1000.ko" "$work/mod/lib/modules/" ||
		fail "the e1000 module of the $series kernel is cached" "rerun tests/vm/kernel.sh $series"
	(cd "$work/mod" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$work/mod.cpio.gz"
	cat "$initramfs" "$work/mod.cpio.gz" >"$work/initramfs-nic.cpio.gz"
	initramfs=$work/initramfs-nic.cpio.gz
	# mitigation=off: an interrupt per transmit, not one per batch.
	nic=(-netdev user,id=pwnet,restrict=on -device e1000,netdev=pwnet,mitigation=off)
fi

# -smp 3: an isolated partition of two CPUs needs a third for the rest.
timeout --kill-after=10 "$VM_TIMEOUT" qemu-system-x86_64 \
	-accel tcg,thread=single -cpu max -smp 3 -m 2048 "${nic[@]}" \
	-nographic -no-reboot -monitor none -serial stdio \
	-kernel "$kernel" -initrd "$initramfs" \
	-append "console=ttyS0 quiet loglevel=3 panic=-1 rdinit=/init pinwatch.guest=1${part:+ pinwatch.part=$part}${guest_env:+ pinwatch.env=$guest_env}${guest_only:+ pinwatch.only=$guest_only}" \
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
