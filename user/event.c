// SPDX-License-Identifier: GPL-2.0-only
/* Checked decoding of the records the BPF program writes to the ring buffer. */
#include "event.h"

#include <errno.h>
#include <string.h>

_Static_assert(sizeof(struct pw_event_header) == 48, "pw_event_header layout changed");

/*
 * Every event type. Noise is not shown by default: it counts on the
 * watched CPUs only when asked for (--type noise).
 */
static const struct pw_event_type_info types[PW_EV_TYPE_MAX] = {
	[PW_EV_CGROUP_MKDIR] = { "cgroup_mkdir", "mkdir", PW_REC_CGROUP, true },
	[PW_EV_CGROUP_RMDIR] = { "cgroup_rmdir", "rmdir", PW_REC_CGROUP, true },
	[PW_EV_EXEC] = { "exec", "exec", PW_REC_EXEC, true },
	[PW_EV_CPUSET_WRITE] = { "cpuset_write", "cpuset", PW_REC_CPUSET_WRITE, true },
	[PW_EV_CGROUP_POPULATED] = { "cgroup_populated", "popul", PW_REC_CGROUP, true },
	[PW_EV_HOLD] = { "hold", "hold", PW_REC_HOLD_SIGNAL, true },
	[PW_EV_RELEASE] = { "release", "resume", PW_REC_HOLD_SIGNAL, true },
	[PW_EV_NOISE] = { "noise", "noise", PW_REC_NOISE, false },
};

const struct pw_event_type_info *pw_event_type_info(enum pw_event_type type)
{
	if (type <= 0 || type >= PW_EV_TYPE_MAX || !types[type].name)
		return NULL;
	return &types[type];
}

const char *pw_event_type_name(enum pw_event_type type)
{
	const struct pw_event_type_info *info = pw_event_type_info(type);

	return info ? info->name : NULL;
}

unsigned int pw_event_default_types(void)
{
	unsigned int mask = 0;

	for (int t = 1; t < PW_EV_TYPE_MAX; t++)
		if (types[t].name && types[t].by_default)
			mask |= 1U << t;
	return mask;
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
		if (types[t].name && strcmp(types[t].name, name) == 0)
			return t;
	return 0;
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

static void decode_cgroup(const void *data, size_t size, struct pw_event *ev)
{
	ev->cgroup = data;
	/* Only the fixed fields and the path's bytes in the record are read. */
	ev->path = counted_str(ev->cgroup->path, size - PW_CGROUP_EVENT_SIZE(0) + 1,
			       ev->cgroup->path_len);
	ev->path_truncated = ev->cgroup->flags & PW_F_PATH_TRUNCATED;
	ev->hierarchy = ev->cgroup->hierarchy_id;
	ev->cgroup_id = ev->cgroup->id;
}

static void decode_exec(const void *data, size_t size, struct pw_event *ev)
{
	(void)size;
	ev->exec = data;
	ev->filename = fixed_str(ev->exec->filename, sizeof(ev->exec->filename));
	ev->args.data = ev->exec->args;
	ev->args.len = ev->exec->args_len < sizeof(ev->exec->args) ? ev->exec->args_len :
								     sizeof(ev->exec->args);
	ev->cwd = counted_str(ev->exec->cwd, sizeof(ev->exec->cwd), ev->exec->cwd_len);
}

static void decode_cpuset_write(const void *data, size_t size, struct pw_event *ev)
{
	(void)size;
	ev->write = data;
	ev->path = counted_str(ev->write->path, sizeof(ev->write->path), ev->write->path_len);
	ev->path_truncated = ev->write->flags & PW_F_PATH_TRUNCATED;
	ev->file = fixed_str(ev->write->file, sizeof(ev->write->file));
	/* Written bytes are binary: a NUL in them is data, not an end. */
	ev->value.data = ev->write->value;
	ev->value.len = ev->write->value_len < sizeof(ev->write->value) ? ev->write->value_len :
									  sizeof(ev->write->value);
	/* `echo 2-3 > cpuset.cpus` writes "2-3\n"; the kernel ignores the newline. */
	if (ev->value.len && ev->value.data[ev->value.len - 1] == '\n')
		ev->value.len--;
	ev->hierarchy = ev->write->hierarchy_id;
	ev->cgroup_id = ev->write->target_id;
}

static void decode_hold_signal(const void *data, size_t size, struct pw_event *ev)
{
	ev->hold = data;
	ev->path = counted_str(ev->hold->path, size - PW_HOLD_SIGNAL_EVENT_SIZE(0) + 1,
			       ev->hold->path_len);
	ev->path_truncated = ev->hold->flags & PW_F_PATH_TRUNCATED;
	ev->target_comm = fixed_str(ev->hold->target_comm, sizeof(ev->hold->target_comm));
	ev->hierarchy = ev->hold->hierarchy_id;
	ev->cgroup_id = ev->hold->id;
}

static void decode_noise(const void *data, size_t size, struct pw_event *ev)
{
	(void)size;
	ev->noise = data;
	ev->parent_comm = fixed_str(ev->noise->parent_comm, sizeof(ev->noise->parent_comm));
	/* The intruder's own cgroup: the header's. */
	ev->hierarchy = ev->noise->hierarchy_id;
	ev->cgroup_id = ev->hdr->cgroup_id;
}

/*
 * Each record's sizes and decoder. Cgroup and hold records end after their
 * path's NUL (at least the empty path's); the others are whole.
 */
static const struct {
	size_t min_size, max_size;
	void (*decode)(const void *data, size_t size, struct pw_event *ev);
	bool has_cgroup;
} records[] = {
	[PW_REC_CGROUP] = { PW_CGROUP_EVENT_SIZE(0), sizeof(struct pw_cgroup_event), decode_cgroup,
			    true },
	[PW_REC_EXEC] = { sizeof(struct pw_exec_event), sizeof(struct pw_exec_event), decode_exec,
			  false },
	[PW_REC_CPUSET_WRITE] = { sizeof(struct pw_cpuset_write_event),
				  sizeof(struct pw_cpuset_write_event), decode_cpuset_write, true },
	[PW_REC_HOLD_SIGNAL] = { PW_HOLD_SIGNAL_EVENT_SIZE(0), sizeof(struct pw_hold_signal_event),
				 decode_hold_signal, true },
	[PW_REC_NOISE] = { sizeof(struct pw_noise_event), sizeof(struct pw_noise_event),
			   decode_noise, true },
};

int pw_event_decode(const void *data, size_t size, struct pw_event *ev)
{
	const struct pw_event_header *hdr = data;
	const struct pw_event_type_info *info;

	memset(ev, 0, sizeof(*ev));
	if (size < sizeof(*hdr) || hdr->size != size)
		return -EINVAL;
	info = pw_event_type_info(hdr->type);
	if (!info || size < records[info->record].min_size || size > records[info->record].max_size)
		return -EINVAL;
	ev->type = hdr->type;
	ev->info = info;
	ev->hdr = hdr;
	ev->comm = fixed_str(hdr->comm, sizeof(hdr->comm));
	ev->has_cgroup = records[info->record].has_cgroup;
	records[info->record].decode(data, size, ev);
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
