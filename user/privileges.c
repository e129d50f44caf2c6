// SPDX-License-Identifier: GPL-2.0-only
/* Dropping capabilities with the raw syscalls: no libcap needed. */
#include "privileges.h"

#include <errno.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"

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

	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

int pw_drop_privileges(uint64_t keep, uint64_t held)
{
	struct __user_cap_data_struct data[2];
	int err;

	/* The bounding set first: dropping it needs CAP_SETPCAP, which goes next. */
	for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
		if (!((keep | held) & PW_CAP(cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) &&
		    errno != EINVAL) {
			err = -errno;
			pw_err("cannot drop capability %d from the bounding set: %s", cap,
			       strerror(-err));
			return err;
		}
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
	/* Nothing it runs could ever gain privileges (it runs nothing; say so anyway). */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		err = -errno;
		pw_err("cannot set no_new_privs: %s", strerror(-err));
		return err;
	}
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
	return set_effective(cap, true);
}

void pw_lower_capability(int cap)
{
	set_effective(cap, false);
}
