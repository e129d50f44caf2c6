#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# No test, benchmark or script sends a packet off this machine: every
# address they name for bash's /dev/tcp and /dev/udp, curl, wget, nc,
# socat, ping or ssh is loopback (127.0.0.0/8, localhost, ::1). The one
# exception is the test guest's own NIC (tests/vm/guest_nic.sh), whose
# gateway is QEMU itself and which refuses to send anywhere but in that
# guest. tests/run.sh also watches the host's interface around each suite.
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$ROOT" || exit 1
LOOPBACK='(127\.[0-9.]+|localhost|\[?::1\]?)'
bad=$(
	grep -rnE --include='*.sh' --include='*.bt' --include='*.txt' --include=Makefile \
		'/dev/(tcp|udp)/|\b(curl|wget|nc|ncat|socat|ping|ping6|ssh|telnet)\b[^#]*[ "'"'"']' \
		tests scripts Makefile .ci 2>/dev/null |
		grep -v '^tests/fuzz/corpus/' |
		# Lines that only name a tool (package lists, comments, a "needs" list).
		grep -vE '^[^:]+:[0-9]+:\s*#' |
		grep -vE 'TEST_PKGS=|BENCH_PKGS=|BUILD_PKGS=|for tool in ' |
		grep -vE "/dev/(tcp|udp)/$LOOPBACK/|https?://$LOOPBACK[:/]" |
		grep -vE '^tests/vm/guest_nic\.sh:[0-9]+:.*/dev/udp/\$GUEST_NIC_GATEWAY/' |
		grep -vE '^tests/style/test_network\.sh:'
)
if [ -z "$bad" ]; then
	echo "ok - tests and scripts name loopback addresses only (the guest's own NIC aside)"
else
	echo "not ok - tests and scripts name loopback addresses only (the guest's own NIC aside)"
	echo "$bad" | head -20 | sed 's/^/# /'
fi
# The guest's sender refuses to run anywhere but in the test guest.
if grep -q 'guest_nic_present ||' tests/vm/guest_nic.sh; then
	echo "ok - the guest NIC's sender checks it runs in the test guest"
else
	echo "not ok - the guest NIC's sender checks it runs in the test guest"
fi
