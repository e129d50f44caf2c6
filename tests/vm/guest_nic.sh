# SPDX-License-Identifier: GPL-2.0-only
# The test guest's own network device (sourced by tests that prove IRQ moves
# by behaviour). It exists only in a guest that run-guest.sh booted with
# GUEST_NIC=1: an e1000 on QEMU's user-mode network with restrict=on, whose
# gateway, 10.0.2.2, is QEMU itself. A datagram to it raises the guest NIC's
# interrupts (each transmit completes with one) and goes no further than
# QEMU: no packet of these tests ever leaves the machine. Anywhere else
# (the host) there is no guest NIC, and guest_nic_send refuses to send.

GUEST_NIC_GATEWAY=10.0.2.2

# Whether this is the test guest with its NIC: the kernel command line that
# run-guest.sh gives, and the interface init configured on QEMU's network.
guest_nic_present() {
	grep -qw 'pinwatch.guest=1' /proc/cmdline 2>/dev/null &&
		[ -n "${PW_GUEST_NIC:-}" ] && [ -e "/sys/class/net/$PW_GUEST_NIC" ] &&
		ip -4 addr show dev "$PW_GUEST_NIC" 2>/dev/null | grep -q 'inet 10\.0\.2\.'
}

# The NIC's IRQs the kernel lets anyone move (e1000 on QEMU: one INTx line).
guest_nic_irqs() {
	local irq
	irq=$(cat "/sys/class/net/$PW_GUEST_NIC/device/irq" 2>/dev/null)
	[ -n "$irq" ] && [ -w "/proc/irq/$irq/smp_affinity_list" ] && echo "$irq"
}

# guest_nic_send N: N datagrams to QEMU's gateway discard port, from the test guest only.
guest_nic_send() {
	local i
	guest_nic_present || { echo "guest_nic_send: not the test guest: nothing sent" >&2; return 1; }
	for ((i = 0; i < $1; i++)); do echo x 2>/dev/null >"/dev/udp/$GUEST_NIC_GATEWAY/9"; done
}
