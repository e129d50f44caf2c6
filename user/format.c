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
	case PW_EV_CGROUP_POPULATED:
		return "popul";
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
	fprintf(f->out, "%-12s %-6s %7s %-15s %-12s %-10s %-*s %s\n", "TIME", "EVENT", "PID",
		"COMM", "CONTAINER", "RUNTIME", PW_TABLE_WHERE_WIDTH, "POD/CGROUP", "DETAIL");
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

/* Escape b for the terminal and print its tail in width columns. */
static void print_tail_escaped(FILE *out, const char *data, size_t len, int width)
{
	char *escaped = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&escaped, &size);

	if (!mem) {
		fprintf(out, "%-*s", width, "?");
		return;
	}
	text_escape(mem, data, len);
	fclose(mem);
	pw_print_tail(out, escaped, width);
	free(escaped);
}

/* A column of width from an untrusted string, or "-" when unknown. */
static void print_column(FILE *out, const char *s, int width)
{
	if (!s)
		fprintf(out, "%-*s", width, "-");
	else
		print_tail_escaped(out, s, strlen(s), width);
}

/* Where: "namespace/pod" when the container map knows it, else the cgroup path. */
static void print_where(const struct pw_format *f, const struct pw_event *ev,
			const struct pw_event_context *ctx)
{
	char *where = NULL;

	if (ctx && ctx->pod && asprintf(&where, "%s/%s", ctx->namespace ? ctx->namespace : "",
					ctx->pod) >= 0) {
		print_column(f->out, where, PW_TABLE_WHERE_WIDTH);
		free(where);
	} else if (ev->path.data) {
		print_tail_escaped(f->out, ev->path.data, ev->path.len, PW_TABLE_WHERE_WIDTH);
	} else {
		print_column(f->out, NULL, PW_TABLE_WHERE_WIDTH);
	}
}

static void print_table(const struct pw_format *f, const struct pw_event *ev,
			const struct pw_event_context *ctx)
{
	const struct pw_event_header *hdr = ev->hdr;
	char short_id[PW_SHORT_ID_LEN + 1] = "-";
	struct pw_bytes arg;
	size_t pos = 0;

	print_table_time(f, hdr->ktime_ns);
	fprintf(f->out, "%-6s %7u ", table_event_name(ev->type), hdr->pid);
	text_bytes(f->out, &ev->comm);
	fprintf(f->out, "%*s ", (int)(ev->comm.len < 15 ? 15 - ev->comm.len : 0), "");
	if (ctx && ctx->container_id)
		snprintf(short_id, sizeof(short_id), "%.*s", PW_SHORT_ID_LEN, ctx->container_id);
	print_column(f->out, short_id, PW_SHORT_ID_LEN);
	fputc(' ', f->out);
	print_column(f->out, ctx ? ctx->runtime : NULL, 10);
	fputc(' ', f->out);
	print_where(f, ev, ctx);
	fputc(' ', f->out);

	switch (ev->type) {
	case PW_EV_CGROUP_POPULATED:
		fprintf(f->out, "%s ", ev->cgroup->flags & PW_F_POPULATED ? "populated" : "unpopulated");
		/* The rest is as for mkdir and rmdir. */
		__attribute__((fallthrough));
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

/* "key":"value" or "key":null. */
static void json_nullable(FILE *out, const char *key, const char *value)
{
	if (!value) {
		fprintf(out, ",\"%s\":null", key);
		return;
	}
	fprintf(out, ",\"%s\":\"", key);
	json_escape(out, value, strlen(value));
	fputc('"', out);
}

static void print_json(const struct pw_format *f, const struct pw_event *ev,
		       const struct pw_event_context *ctx)
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
	case PW_EV_CGROUP_POPULATED:
		json_bool(out, "populated", ev->cgroup->flags & PW_F_POPULATED);
		/* The rest is as for mkdir and rmdir. */
		__attribute__((fallthrough));
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
	json_nullable(out, "container_id", ctx ? ctx->container_id : NULL);
	json_nullable(out, "runtime", ctx ? ctx->runtime : NULL);
	json_nullable(out, "pod", ctx ? ctx->pod : NULL);
	json_nullable(out, "namespace", ctx ? ctx->namespace : NULL);
	json_nullable(out, "container", ctx ? ctx->container : NULL);
	json_nullable(out, "qos", ctx ? ctx->qos : NULL);
	fputs("}\n", out);
}

void pw_format_event(const struct pw_format *f, const struct pw_event *ev,
		     const struct pw_event_context *ctx)
{
	if (f->json)
		print_json(f, ev, ctx);
	else
		print_table(f, ev, ctx);
}
