#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Generate vmlinux/<arch>/vmlinux.h from the running kernel's BTF (or VMLINUX_BTF).
# The result is committed: CO-RE relocations make one header fit every kernel
# with BTF, so builds do not depend on the build host's kernel.
set -euo pipefail

btf=${VMLINUX_BTF:-/sys/kernel/btf/vmlinux}
arch=${ARCH:-$(uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')}
out_dir="$(cd "$(dirname "$0")/.." && pwd)/vmlinux/$arch"

if [ ! -r "$btf" ]; then
	echo "gen-vmlinux: no kernel BTF at '$btf': set VMLINUX_BTF to a vmlinux with BTF" >&2
	exit 1
fi
if ! command -v bpftool >/dev/null; then
	echo "gen-vmlinux: bpftool not found: run scripts/install-deps.sh" >&2
	exit 1
fi
mkdir -p "$out_dir"
bpftool btf dump file "$btf" format c >"$out_dir/vmlinux.h.tmp"
mv "$out_dir/vmlinux.h.tmp" "$out_dir/vmlinux.h"
echo "gen-vmlinux: wrote $out_dir/vmlinux.h from $btf"
