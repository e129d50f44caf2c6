#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Install what pinwatch needs to build, run and test, from Debian's packages.
# Idempotent: installs only what is missing, and updates the package lists
# only when something is.
set -euo pipefail

BUILD_PKGS=(make gcc libc6-dev clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev
	libzstd-dev libjson-c-dev)
# Tests: real runtimes, busybox for container rootfs, jq for the JSON checks,
# QEMU and cpio for the kernel-matrix guests, clang-format for the style check,
# curl for the metrics endpoint, libFuzzer's runtime for the fuzz targets;
# groff, systemd-analyze and PyYAML to check the man page, the unit and the
# Kubernetes manifests that make install and deploy/ ship; dockerd and
# containerd, which the real-node tests start on private sockets and roots;
# irqbalance, which test_irqbalance runs as a service of its own; gRPC for
# Python, which test_cri speaks to containerd's CRI socket with, as kubelet;
# rtla, the kernel's osnoise front end, which test_noise_v2 compares with.
TEST_PKGS=(jq runc crun busybox-static util-linux iproute2 qemu-system-x86 cpio xz-utils clang-format curl
	libclang-rt-14-dev strace groff-base man-db systemd python3-yaml docker.io containerd irqbalance
	python3-grpcio rtla)

# Benchmarks (make bench): the peer tracer, the latency proof and its plot;
# perf bench sched pipe, the context-switch ping-pong of the noise section.
BENCH_PKGS=(bpftrace rt-tests stress-ng gnuplot-nox jq runc busybox-static curl strace linux-perf)

want=("${BUILD_PKGS[@]}")
case "${1:-}" in
--with-tests) want+=("${TEST_PKGS[@]}") ;;
--with-bench) want+=("${BENCH_PKGS[@]}") ;;
"") ;;
*)
	echo "usage: install-deps.sh [--with-tests|--with-bench]" >&2
	exit 2
	;;
esac

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages (${missing[*]}): run as root" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# No package's service starts on this host (docker.io would start dockerd
# with its iptables rules and bridge): the tests start daemons of their own.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 0755 /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
