// SPDX-License-Identifier: GPL-2.0-only
/* Table and JSON-lines output of decoded events. */
#include "format.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "escape.h"

long long pw_realtime_offset_ns(void)
{
	struct timespec real, mono;

	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	return (real.tv_sec - mono.tv_sec) * 1000000000LL + (real.tv_nsec - mono.tv_nsec);
}

static const char *syscall_name(__u32 syscall)
{
	switch (syscall) {
	case PW_SYS_WRITE:
		return "write";
	case PW_SYS_PWRITE64:
		return "pwrite64";
	case PW_SYS_WRITEV:
		return "writev";
	default:
		return "unknown";
	}
}

/* "EINVAL" for -22; NULL for a successful return. */
static const char *error_name(__s64 ret)
{
	const char *name;

	if (ret >= 0)
		return NULL;
	name = -ret < 4096 ? strerrorname_np((int)-ret) : NULL;
	return name ? name : "EUNKNOWN";
}

/* Short names keep the table's event column narrow. */
static const char *table_event_name(enum pw_event_type type)
{
	switch (type) {
	case PW_EV_CGROUP_MKDIR:
		return "mkdir";
	case PW_EV_CGROUP_RMDIR:
		return "rmdir";
	case PW_EV_EXEC:
		return "exec";
	case PW_EV_CPUSET_WRITE:
		return "cpuset";
	default:
		return "?";
	}
}

/* Display columns of a UTF-8 string: one per character (no wide characters). */
static int display_width(const char *s)
{
	int w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

void pw_print_tail(FILE *out, const char *s, int width)
{
	const char *p;

	if (display_width(s) <= width) {
		fprintf(out, "%-*s", width, s);
		return;
	}
	for (p = strchr(s + 1, '/'); p; p = strchr(p + 1, '/')) {
		if (display_width(p) <= width - 1) {
			fprintf(out, "…%-*s", width - 1, p);
			return;
		}
	}
	/* No '/' gives a tail that fits: keep the last width-1 characters. */
	p = s + strlen(s);
	for (int w = 0; p > s && w < width - 1;) {
		p--;
		if (((unsigned char)*p & 0xc0) != 0x80)
			w++;
	}
	fprintf(out, "…%s", p);
}

void pw_format_header(const struct pw_format *f)
{
	if (f->json)
		return;
	fprintf(f->out, "%-12s %-6s %7s %-15s %-*s %s\n", "TIME", "EVENT", "PID", "COMM",
		PW_TABLE_CGROUP_WIDTH, "CGROUP", "DETAIL");
}

static void text_bytes(FILE *out, const struct pw_bytes *b)
{
	text_escape(out, b->data, b->len);
}

static void print_table_time(const struct pw_format *f, __u64 ktime_ns)
{
	long long ns = (long long)ktime_ns + f->realtime_offset_ns;
	time_t secs = ns / 1000000000LL;
	struct tm tm;
	char buf[16];

	localtime_r(&secs, &tm);
	strftime(buf, sizeof(buf), "%H:%M:%S", &tm);
	fprintf(f->out, "%s.%03lld ", buf, (ns % 1000000000LL) / 1000000LL);
}

/* The cgroup column: the escaped path, cut to its tail when too long. */
static void print_table_cgroup(const struct pw_format *f, const struct pw_event *ev)
{
	char *escaped = NULL;
	size_t size = 0;
	FILE *mem;

	if (!ev->path.data) {
		fprintf(f->out, "%-*s", PW_TABLE_CGROUP_WIDTH, "-");
		return;
	}
	mem = open_memstream(&escaped, &size);
	if (!mem) {
		fprintf(f->out, "%-*s", PW_TABLE_CGROUP_WIDTH, "?");
		return;
	}
	text_bytes(mem, &ev->path);
	fclose(mem);
	pw_print_tail(f->out, escaped, PW_TABLE_CGROUP_WIDTH);
	free(escaped);
}

static void print_table(const struct pw_format *f, const struct pw_event *ev)
{
	const struct pw_event_header *hdr = ev->hdr;
	struct pw_bytes arg;
	size_t pos = 0;

	print_table_time(f, hdr->ktime_ns);
	fprintf(f->out, "%-6s %7u ", table_event_name(ev->type), hdr->pid);
	text_bytes(f->out, &ev->comm);
	fprintf(f->out, "%*s ", (int)(ev->comm.len < 15 ? 15 - ev->comm.len : 0), "");
	print_table_cgroup(f, ev);
	fputc(' ', f->out);

	switch (ev->type) {
	case PW_EV_CGROUP_MKDIR:
	case PW_EV_CGROUP_RMDIR:
		fprintf(f->out, "%s id=%" PRIu64 "%s",
			pw_hierarchy_name(f->hierarchies, ev->cgroup->hierarchy_id),
			(uint64_t)ev->cgroup->id,
			ev->cgroup->flags & PW_F_PATH_TRUNCATED ? " (path truncated)" : "");
		break;
	case PW_EV_EXEC:
		while (pw_event_next_arg(&ev->args, &pos, &arg)) {
			if (pos > arg.len + 1)
				fputc(' ', f->out);
			text_bytes(f->out, &arg);
		}
		if (ev->exec->flags & PW_F_ARGS_TRUNCATED)
			fputs(" ...", f->out);
		break;
	case PW_EV_CPUSET_WRITE:
		text_bytes(f->out, &ev->file);
		fputs(" = \"", f->out);
		text_bytes(f->out, &ev->value);
		fprintf(f->out, "%s\" %s", ev->write->flags & PW_F_VALUE_TRUNCATED ? "..." : "",
			ev->write->ret >= 0 ? "ok" : error_name(ev->write->ret));
		break;
	default:
		break;
	}
	fputc('\n', f->out);
}

static void json_string(FILE *out, const char *key, const struct pw_bytes *b)
{
	fprintf(out, ",\"%s\":\"", key);
	json_escape(out, b->data, b->len);
	fputc('"', out);
}

static void json_bool(FILE *out, const char *key, bool value)
{
	fprintf(out, ",\"%s\":%s", key, value ? "true" : "false");
}

static void print_json_time(const struct pw_format *f, __u64 ktime_ns)
{
	long long ns = (long long)ktime_ns + f->realtime_offset_ns;
	time_t secs = ns / 1000000000LL;
	struct tm tm;
	char buf[32];

	gmtime_r(&secs, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(f->out, ",\"time\":\"%s.%09lldZ\",\"ktime_ns\":%" PRIu64, buf,
		ns % 1000000000LL, (uint64_t)ktime_ns);
}

static void print_json(const struct pw_format *f, const struct pw_event *ev)
{
	const struct pw_event_header *hdr = ev->hdr;
	struct pw_bytes arg;
	const char *err;
	size_t pos = 0;
	FILE *out = f->out;

	fprintf(out, "{\"type\":\"%s\"", pw_event_type_name(ev->type));
	print_json_time(f, hdr->ktime_ns);
	fprintf(out, ",\"pid\":%u,\"tid\":%u", hdr->pid, hdr->tid);
	json_string(out, "comm", &ev->comm);
	fprintf(out, ",\"writer_cgroup_id\":%" PRIu64, (uint64_t)hdr->cgroup_id);

	switch (ev->type) {
	case PW_EV_CGROUP_MKDIR:
	case PW_EV_CGROUP_RMDIR:
		fprintf(out, ",\"hierarchy\":%d,\"hierarchy_name\":\"%s\",\"cgroup_id\":%" PRIu64
			     ",\"level\":%d",
			ev->cgroup->hierarchy_id,
			pw_hierarchy_name(f->hierarchies, ev->cgroup->hierarchy_id),
			(uint64_t)ev->cgroup->id, ev->cgroup->level);
		json_string(out, "path", &ev->path);
		json_bool(out, "path_truncated", ev->cgroup->flags & PW_F_PATH_TRUNCATED);
		break;
	case PW_EV_EXEC:
		fprintf(out, ",\"ppid\":%u", ev->exec->ppid);
		json_string(out, "filename", &ev->filename);
		fputs(",\"argv\":[", out);
		while (pw_event_next_arg(&ev->args, &pos, &arg)) {
			if (pos > arg.len + 1)
				fputc(',', out);
			fputc('"', out);
			json_escape(out, arg.data, arg.len);
			fputc('"', out);
		}
		fputc(']', out);
		json_bool(out, "argv_truncated", ev->exec->flags & PW_F_ARGS_TRUNCATED);
		break;
	case PW_EV_CPUSET_WRITE:
		fprintf(out, ",\"hierarchy\":%d,\"hierarchy_name\":\"%s\",\"cgroup_id\":%" PRIu64
			     ",\"level\":%d",
			ev->write->hierarchy_id,
			pw_hierarchy_name(f->hierarchies, ev->write->hierarchy_id),
			(uint64_t)ev->write->target_id, ev->write->level);
		json_string(out, "path", &ev->path);
		json_bool(out, "path_truncated", ev->write->flags & PW_F_PATH_TRUNCATED);
		json_string(out, "file", &ev->file);
		json_string(out, "value", &ev->value);
		json_bool(out, "value_truncated", ev->write->flags & PW_F_VALUE_TRUNCATED);
		fprintf(out, ",\"syscall\":\"%s\",\"ret\":%lld", syscall_name(ev->write->syscall),
			(long long)ev->write->ret);
		err = error_name(ev->write->ret);
		if (err)
			fprintf(out, ",\"error\":\"%s\"", err);
		else
			fputs(",\"error\":null", out);
		break;
	default:
		break;
	}
	fputs("}\n", out);
}

void pw_format_event(const struct pw_format *f, const struct pw_event *ev)
{
	if (f->json)
		print_json(f, ev);
	else
		print_table(f, ev);
}
