// SPDX-License-Identifier: GPL-2.0-only
/* Dropping capabilities with the raw syscalls: no libcap needed. */
#include "privileges.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"

/*
 * What this process has, kept as capset() leaves it: raising a capability
 * that is already effective, or not held, is then no syscall at all (the
 * readers of runtime state raise one around every file they open).
 */
static struct {
	bool known;
	uint64_t effective, permitted;
} caps;

static int capget_now(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };

	return syscall(SYS_capget, &hdr, data) ? -errno : 0;
}

uint64_t pw_effective_capabilities(void)
{
	struct __user_cap_data_struct data[2];

	if (capget_now(data))
		return 0;
	return data[0].effective | (uint64_t)data[1].effective << 32;
}

static int capset_now(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };

	if (syscall(SYS_capset, &hdr, data)) {
		caps.known = false;
		return -errno;
	}
	caps.effective = data[0].effective | (uint64_t)data[1].effective << 32;
	caps.permitted = data[0].permitted | (uint64_t)data[1].permitted << 32;
	caps.known = true;
	return 0;
}

static void know_caps(void)
{
	struct __user_cap_data_struct data[2];

	if (caps.known || capget_now(data))
		return;
	caps.effective = data[0].effective | (uint64_t)data[1].effective << 32;
	caps.permitted = data[0].permitted | (uint64_t)data[1].permitted << 32;
	caps.known = true;
}

/* The kernel's names (capabilities(7)), for what is said about them. */
static const char *const cap_names[] = {
	"chown",
	"dac_override",
	"dac_read_search",
	"fowner",
	"fsetid",
	"kill",
	"setgid",
	"setuid",
	"setpcap",
	"linux_immutable",
	"net_bind_service",
	"net_broadcast",
	"net_admin",
	"net_raw",
	"ipc_lock",
	"ipc_owner",
	"sys_module",
	"sys_rawio",
	"sys_chroot",
	"sys_ptrace",
	"sys_pacct",
	"sys_admin",
	"sys_boot",
	"sys_nice",
	"sys_resource",
	"sys_time",
	"sys_tty_config",
	"mknod",
	"lease",
	"audit_write",
	"audit_control",
	"setfcap",
	"mac_override",
	"mac_admin",
	"syslog",
	"wake_alarm",
	"block_suspend",
	"audit_read",
	"perfmon",
	"bpf",
	"checkpoint_restore",
};

/* "cap_bpf, cap_kill" for the bits of mask, into buf. */
static const char *cap_list(uint64_t mask, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int cap = 0; cap < 64 && used < size; cap++) {
		if (!(mask & PW_CAP(cap)))
			continue;
		if (cap < (int)(sizeof(cap_names) / sizeof(cap_names[0])))
			used += snprintf(buf + used, size - used, "%scap_%s", used ? ", " : "",
					 cap_names[cap]);
		else
			used += snprintf(buf + used, size - used, "%scap_%d", used ? ", " : "",
					 cap);
	}
	return buf;
}

/*
 * Empty the bounding set of everything but want. A capability it no longer
 * has needs nothing; without CAP_SETPCAP (a unit's or a pod's bounding set
 * rarely grants it) none can go: returns what stays.
 */
static uint64_t drop_bounding(uint64_t want)
{
	uint64_t stays = 0;

	for (int cap = 0; cap <= CAP_LAST_CAP; cap++) {
		if ((want & PW_CAP(cap)) || prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != 1)
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0))
			stays |= PW_CAP(cap);
	}
	return stays;
}

int pw_drop_privileges(uint64_t keep, uint64_t held, unsigned int flags)
{
	struct __user_cap_data_struct data[2];
	uint64_t have, stays, missing;
	char names[512];
	int err;

	caps.known = false;
	know_caps();
	if (!caps.known) {
		pw_err("cannot read this process's capabilities: %s", strerror(errno));
		return -EPERM;
	}
	/* What it was not given it cannot keep: said, and the command runs without. */
	have = caps.permitted;
	missing = (keep | held) & ~have;
	keep &= have;
	held &= have;
	/* The bounding set first: dropping from it needs CAP_SETPCAP, which goes next. */
	stays = drop_bounding(keep | held);
	memset(data, 0, sizeof(data));
	data[0].effective = (uint32_t)keep;
	data[1].effective = (uint32_t)(keep >> 32);
	data[0].permitted = (uint32_t)(keep | held);
	data[1].permitted = (uint32_t)((keep | held) >> 32);
	err = capset_now(data);
	if (err) {
		pw_err("cannot drop capabilities: %s", strerror(-err));
		return err;
	}
	/* Not inherited by anything either (the ambient set needs no capability to clear). */
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	/* Nothing it runs could ever gain privileges (it runs nothing; say so anyway). */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		err = -errno;
		pw_err("cannot set no_new_privs: %s", strerror(-err));
		return err;
	}
	if (flags & PW_PRIV_QUIET)
		return 0;
	if (missing)
		pw_warn("running without %s: not among the capabilities it was given",
			cap_list(missing, names, sizeof(names)));
	if (stays)
		pw_info("the bounding set keeps %s (dropping needs cap_setpcap, not given); "
			"none is permitted or effective, and no_new_privs is set: nothing regains "
			"them",
			cap_list(stays, names, sizeof(names)));
	return 0;
}

static bool set_effective(int cap, bool on)
{
	struct __user_cap_data_struct data[2];

	if (capget_now(data))
		return false;
	if (on)
		data[cap / 32].effective |= 1U << (cap % 32);
	else
		data[cap / 32].effective &= ~(1U << (cap % 32));
	return capset_now(data) == 0;
}

bool pw_raise_capability(int cap)
{
	know_caps();
	/* Already effective (nothing to lower after), or not held: no syscall. */
	if (caps.known && ((caps.effective & PW_CAP(cap)) || !(caps.permitted & PW_CAP(cap))))
		return false;
	return set_effective(cap, true);
}

void pw_lower_capability(int cap)
{
	set_effective(cap, false);
}
