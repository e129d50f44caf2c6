#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Print the path of a Debian kernel image for SERIES (6.1 or 6.12), fetched
# with apt-get download on first use and cached under .cache/kernels/, with
# the one module the guests load beside it (e1000.ko, uncompressed: the
# network device of the guest whose IRQs the tests move).
#
# Usage: tests/vm/kernel.sh 6.1|6.12
set -euo pipefail
series=${1:?usage: kernel.sh 6.1|6.12|6.12-rt}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${PINWATCH_KERNEL_CACHE:-$ROOT/.cache/kernels}

case $series in
6.1) pattern='^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' ;;
6.12) pattern='^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$' ;;
# PREEMPT_RT: the Debian flavour built with the osnoise tracer (rtla's).
6.12-rt) pattern='^linux-image-6\.12\.[0-9]+\+deb12-rt-amd64-unsigned$' ;;
*)
	echo "kernel.sh: unknown kernel series '$series': expected 6.1, 6.12 or 6.12-rt" >&2
	exit 2
	;;
esac

# The newest package of the series that Debian offers.
newest() {
	apt-cache pkgnames linux-image- 2>/dev/null | grep -E "$pattern" | sort -V | tail -n 1
}
pkg=$(newest)
if [ -z "$pkg" ]; then
	apt-get update -qq >&2
	pkg=$(newest)
fi
if [ -z "$pkg" ]; then
	# Offline with a cache: use the newest kernel of the series already fetched.
	cached=$(ls -d "$CACHE/$series"-* 2>/dev/null | sort -V | tail -n 1)
	if [ -n "$cached" ] && [ -f "$cached/vmlinuz" ]; then
		echo "$cached/vmlinuz"
		exit 0
	fi
	echo "kernel.sh: no Debian package matches $pattern (apt-get update failed?)" >&2
	exit 1
fi

dir="$CACHE/$series-$pkg"
if [ ! -f "$dir/vmlinuz" ] || [ ! -f "$dir/e1000.ko" ]; then
	mkdir -p "$dir"
	tmp=$(mktemp -d "$CACHE/fetch.XXXXXX")
	# apt-get download drops privileges to _apt where it can write.
	chmod 755 "$CACHE" && chmod 777 "$tmp"
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && apt-get download -q "$pkg" >&2) || {
		echo "kernel.sh: apt-get download $pkg failed" >&2
		exit 1
	}
	dpkg-deb --fsys-tarfile "$tmp"/*.deb | tar -x -C "$tmp" --wildcards './boot/vmlinuz-*' \
		'./lib/modules/*/e1000.ko*'
	module=$(find "$tmp/lib/modules" -name 'e1000.ko*' | head -n 1)
	case $module in
	*.xz) xz -dc "$module" >"$dir/e1000.ko.tmp" ;;
	*.zst) zstd -qdc "$module" >"$dir/e1000.ko.tmp" ;;
	*) cp "$module" "$dir/e1000.ko.tmp" ;;
	esac
	mv "$dir/e1000.ko.tmp" "$dir/e1000.ko"
	mv "$tmp"/boot/vmlinuz-* "$dir/vmlinuz.tmp"
	mv "$dir/vmlinuz.tmp" "$dir/vmlinuz"
	echo "$pkg" >"$dir/package"
fi
echo "$dir/vmlinuz"
