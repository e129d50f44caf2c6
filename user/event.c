// SPDX-License-Identifier: GPL-2.0-only
/* Checked decoding of the records the BPF program writes to the ring buffer. */
#include "event.h"

#include <errno.h>
#include <string.h>

_Static_assert(sizeof(struct pw_event_header) == 48, "pw_event_header layout changed");

static const char *const type_names[PW_EV_TYPE_MAX] = {
	[PW_EV_CGROUP_MKDIR] = "cgroup_mkdir",
	[PW_EV_CGROUP_RMDIR] = "cgroup_rmdir",
	[PW_EV_EXEC] = "exec",
	[PW_EV_CPUSET_WRITE] = "cpuset_write",
	[PW_EV_CGROUP_POPULATED] = "cgroup_populated",
	[PW_EV_HOLD] = "hold",
	[PW_EV_RELEASE] = "release",
	[PW_EV_NOISE] = "noise",
};

const char *pw_event_type_name(enum pw_event_type type)
{
	if (type <= 0 || type >= PW_EV_TYPE_MAX)
		return NULL;
	return type_names[type];
}

const char *pw_map_error_name(int which)
{
	static const char *const names[PW_MAP_ERR_MAX] = {
		[PW_MAP_ERR_PENDING_WRITES] = "pending_writes",
		[PW_MAP_ERR_HOLD_CANDIDATES] = "hold_candidates",
		[PW_MAP_ERR_HELD] = "held",
		[PW_MAP_ERR_HOLDS_SEEN] = "holds_seen",
	};

	return which >= 0 && which < PW_MAP_ERR_MAX && names[which] ? names[which] : "unknown";
}

/* Indexed by enum pw_untrusted: a name for JSON, and what it means for people. */
static const char *const untrusted[PW_UNTRUSTED_MAX][2] = {
	[PW_UNTRUSTED_NONE] = { "none", "trusted" },
	[PW_UNTRUSTED_UID] = { "uid", "not root" },
	[PW_UNTRUSTED_USER_NS] = { "user_ns", "in a user namespace" },
	[PW_UNTRUSTED_MNT_NS] = { "mnt_ns", "in a container's mount namespace" },
	[PW_UNTRUSTED_PID_NS] = { "pid_ns", "in a container's pid namespace" },
	[PW_UNTRUSTED_EXE_OWNER] = { "exe_owner", "a binary others may write" },
	[PW_UNTRUSTED_EXE_FS] = { "exe_fs", "a binary of a container's image" },
};

const char *pw_untrusted_name(__u32 why)
{
	return why < PW_UNTRUSTED_MAX ? untrusted[why][0] : "unknown";
}

const char *pw_untrusted_reason(__u32 why)
{
	return why < PW_UNTRUSTED_MAX ? untrusted[why][1] : "unknown";
}

enum pw_event_type pw_event_type_from_name(const char *name)
{
	for (int t = 1; t < PW_EV_TYPE_MAX; t++)
		if (type_names[t] && strcmp(type_names[t], name) == 0)
			return t;
	return 0;
}

/*
 * Whether a record of this type may be size bytes long: cgroup and hold
 * records end after their path's NUL (at least the empty path's), the
 * others are whole.
 */
static bool size_fits(enum pw_event_type type, size_t size)
{
	switch (type) {
	case PW_EV_CGROUP_MKDIR:
	case PW_EV_CGROUP_RMDIR:
	case PW_EV_CGROUP_POPULATED:
		return size >= PW_CGROUP_EVENT_SIZE(0) && size <= sizeof(struct pw_cgroup_event);
	case PW_EV_HOLD:
	case PW_EV_RELEASE:
		return size >= PW_HOLD_SIGNAL_EVENT_SIZE(0) &&
		       size <= sizeof(struct pw_hold_signal_event);
	case PW_EV_EXEC:
		return size == sizeof(struct pw_exec_event);
	case PW_EV_CPUSET_WRITE:
		return size == sizeof(struct pw_cpuset_write_event);
	case PW_EV_NOISE:
		return size == sizeof(struct pw_noise_event);
	default:
		return false;
	}
}

/* A string in a fixed buffer: up to the first NUL and never past the buffer. */
static struct pw_bytes fixed_str(const char *buf, size_t size)
{
	return (struct pw_bytes){ .data = buf, .len = strnlen(buf, size) };
}

/* A length the kernel reported, clamped to the buffer and cut at any NUL. */
static struct pw_bytes counted_str(const char *buf, size_t size, size_t len)
{
	if (len > size)
		len = size;
	return (struct pw_bytes){ .data = buf, .len = strnlen(buf, len) };
}

int pw_event_decode(const void *data, size_t size, struct pw_event *ev)
{
	const struct pw_event_header *hdr = data;

	memset(ev, 0, sizeof(*ev));
	if (size < sizeof(*hdr) || hdr->size != size || !size_fits(hdr->type, size))
		return -EINVAL;

	ev->type = hdr->type;
	ev->hdr = hdr;
	ev->comm = fixed_str(hdr->comm, sizeof(hdr->comm));
	switch (ev->type) {
	case PW_EV_CGROUP_MKDIR:
	case PW_EV_CGROUP_RMDIR:
	case PW_EV_CGROUP_POPULATED:
		ev->cgroup = data;
		/* Only the fixed fields and the path's bytes in the record are read. */
		ev->path = counted_str(ev->cgroup->path, size - PW_CGROUP_EVENT_SIZE(0) + 1,
				       ev->cgroup->path_len);
		ev->path_truncated = ev->cgroup->flags & PW_F_PATH_TRUNCATED;
		break;
	case PW_EV_HOLD:
	case PW_EV_RELEASE:
		ev->hold = data;
		ev->path = counted_str(ev->hold->path, size - PW_HOLD_SIGNAL_EVENT_SIZE(0) + 1,
				       ev->hold->path_len);
		ev->path_truncated = ev->hold->flags & PW_F_PATH_TRUNCATED;
		ev->target_comm = fixed_str(ev->hold->target_comm, sizeof(ev->hold->target_comm));
		break;
	case PW_EV_EXEC:
		ev->exec = data;
		ev->filename = fixed_str(ev->exec->filename, sizeof(ev->exec->filename));
		ev->args.data = ev->exec->args;
		ev->args.len = ev->exec->args_len < sizeof(ev->exec->args) ? ev->exec->args_len :
									     sizeof(ev->exec->args);
		ev->cwd = counted_str(ev->exec->cwd, sizeof(ev->exec->cwd), ev->exec->cwd_len);
		break;
	case PW_EV_CPUSET_WRITE:
		ev->write = data;
		ev->path =
			counted_str(ev->write->path, sizeof(ev->write->path), ev->write->path_len);
		ev->path_truncated = ev->write->flags & PW_F_PATH_TRUNCATED;
		ev->file = fixed_str(ev->write->file, sizeof(ev->write->file));
		/* Written bytes are binary: a NUL in them is data, not an end. */
		ev->value.data = ev->write->value;
		ev->value.len = ev->write->value_len < sizeof(ev->write->value) ?
					ev->write->value_len :
					sizeof(ev->write->value);
		/* `echo 2-3 > cpuset.cpus` writes "2-3\n"; the kernel ignores the newline. */
		if (ev->value.len && ev->value.data[ev->value.len - 1] == '\n')
			ev->value.len--;
		break;
	case PW_EV_NOISE:
		ev->noise = data;
		ev->parent_comm = fixed_str(ev->noise->parent_comm, sizeof(ev->noise->parent_comm));
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

bool pw_event_next_arg(const struct pw_bytes *args, size_t *pos, struct pw_bytes *arg)
{
	const char *start, *nul;

	if (*pos >= args->len)
		return false;
	start = args->data + *pos;
	nul = memchr(start, '\0', args->len - *pos);
	arg->data = start;
	arg->len = nul ? (size_t)(nul - start) : args->len - *pos;
	*pos += arg->len + 1;
	return true;
}
