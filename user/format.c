// SPDX-License-Identifier: GPL-2.0-only
/* Table and JSON-lines output of decoded events. */
#include "format.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "escape.h"
#include "pinwatch_noise.h"
#include "json_writer.h"
#include "table.h"

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
		return NULL; /* seen at the handler (fentry): any way in */
	}
}

/* "EINVAL" for -22; NULL for a successful return. */
static const char *error_name(__s64 ret)
{
	const char *name;

	if (ret >= 0)
		return NULL;
	/* Compared, not negated: -INT64_MIN does not exist (the fuzzer sent it). */
	name = ret > -4096 ? strerrorname_np((int)-ret) : NULL;
	return name ? name : "EUNKNOWN";
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
	pw_text_escape(out, b->data, b->len);
}

static void print_table_time(FILE *out, const struct pw_format *f, __u64 ktime_ns)
{
	long long ns = (long long)ktime_ns + f->realtime_offset_ns;
	time_t secs = ns / 1000000000LL;
	struct tm tm;
	char buf[16];

	localtime_r(&secs, &tm);
	strftime(buf, sizeof(buf), "%H:%M:%S", &tm);
	fprintf(out, "%s.%03lld ", buf, (ns % 1000000000LL) / 1000000LL);
}

/* Where: "namespace/pod" when the container is known, else the cgroup path. */
static void print_where(FILE *out, const struct pw_event *ev, const struct pw_event_context *ctx)
{
	char *where = NULL;

	if (ctx && ctx->pod &&
	    asprintf(&where, "%s/%s", ctx->namespace ? ctx->namespace : "", ctx->pod) >= 0) {
		pw_table_cell_str(out, where, PW_TABLE_WHERE_WIDTH);
		free(where);
		return;
	}
	pw_table_cell(out, ev->path.data, ev->path.len, PW_TABLE_WHERE_WIDTH, ev->path_truncated);
}

/* What the DETAIL column says of ev, escaped. */
static void print_detail(FILE *out, const struct pw_format *f, const struct pw_event *ev)
{
	struct pw_bytes arg;
	size_t pos = 0;

	switch (ev->info->record) {
	case PW_REC_CGROUP:
		if (ev->type == PW_EV_CGROUP_POPULATED)
			fprintf(out, "%s ",
				ev->cgroup->flags & PW_F_POPULATED ? "populated" : "unpopulated");
		fprintf(out, "%s id=%" PRIu64,
			pw_hierarchy_name(f->hierarchies, ev->cgroup->hierarchy_id),
			(uint64_t)ev->cgroup->id);
		break;
	case PW_REC_EXEC:
		/* Anyone can name a binary runc: say when it was not the host's own. */
		if (!(ev->exec->flags & PW_F_TRUSTED))
			fprintf(out, "[untrusted: %s, uid %u] ",
				pw_untrusted_reason(ev->exec->untrusted), ev->exec->uid);
		while (pw_event_next_arg(&ev->args, &pos, &arg)) {
			if (pos > arg.len + 1)
				fputc(' ', out);
			text_bytes(out, &arg);
		}
		if (ev->exec->flags & PW_F_ARGS_TRUNCATED)
			fputs(" ...", out);
		break;
	case PW_REC_CPUSET_WRITE:
		text_bytes(out, &ev->file);
		fputs(" = \"", out);
		text_bytes(out, &ev->value);
		fprintf(out, "%s\" %s", ev->write->flags & PW_F_VALUE_TRUNCATED ? "..." : "",
			ev->write->ret >= 0 ? "ok" : error_name(ev->write->ret));
		break;
	case PW_REC_HOLD_SIGNAL:
		if (ev->type == PW_EV_HOLD) {
			fputs("stopped at its exec until its isolation is in place", out);
			break;
		}
		fprintf(out, "pid %u (", ev->hold->target_pid);
		text_bytes(out, &ev->target_comm);
		fprintf(out, ") resumed after %.3f ms", ev->hold->held_ns / 1e6);
		break;
	case PW_REC_NOISE:
		fprintf(out,
			"CPU %u, %s: ran %.3f ms in %llu switches since its last event (parent %u ",
			ev->noise->cpu,
			ev->noise->kind == PW_NOISE_KTHREAD ? "kernel thread" : "task",
			ev->noise->run_ns / 1e6, (unsigned long long)ev->noise->switches,
			ev->noise->ppid);
		text_bytes(out, &ev->parent_comm);
		fputc(')', out);
		break;
	}
}

static void print_table(const struct pw_format *f, const struct pw_event *ev,
			const struct pw_event_context *ctx)
{
	char short_id[PW_SHORT_ID_LEN + 1] = "", *line = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&line, &size);

	if (!out)
		return;
	print_table_time(out, f, ev->hdr->ktime_ns);
	fprintf(out, "%-6s %7u ", ev->info->column, ev->hdr->pid);
	pw_table_cell(out, ev->comm.data, ev->comm.len, 15, false);
	if (ctx && ctx->container_id)
		snprintf(short_id, sizeof(short_id), "%.*s", PW_SHORT_ID_LEN, ctx->container_id);
	pw_table_cell_str(out, short_id, PW_SHORT_ID_LEN);
	pw_table_cell_str(out, ctx ? ctx->runtime : NULL, 10);
	print_where(out, ev, ctx);
	print_detail(out, f, ev);
	fclose(out);
	/*
	 * A command line (up to 1,024 bytes) is cut, marked, so that the line fits
	 * PW_TABLE_COLUMNS; --wide keeps it whole. Other details are short.
	 */
	if (f->wide || ev->type != PW_EV_EXEC)
		fputs(line, f->out);
	else
		pw_print_head(f->out, line, PW_TABLE_COLUMNS);
	fputc('\n', f->out);
	free(line);
}

static void json_time(struct pw_json *j, const struct pw_format *f, __u64 ktime_ns)
{
	long long ns = (long long)ktime_ns + f->realtime_offset_ns;
	time_t secs = ns / 1000000000LL;
	char buf[32], text[48];
	struct tm tm;

	gmtime_r(&secs, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(text, sizeof(text), "%s.%09lldZ", buf, ns % 1000000000LL);
	pw_json_string(j, "time", text);
	pw_json_uint(j, "ktime_ns", ktime_ns);
}

static void json_where(struct pw_json *j, const struct pw_format *f, const struct pw_event *ev,
		       int hierarchy, uint64_t id, int level, bool truncated)
{
	pw_json_int(j, "hierarchy", hierarchy);
	pw_json_string(j, "hierarchy_name", pw_hierarchy_name(f->hierarchies, hierarchy));
	pw_json_uint(j, "cgroup_id", id);
	pw_json_int(j, "level", level);
	pw_json_bytes(j, "path", ev->path.data, ev->path.len);
	pw_json_bool(j, "path_truncated", truncated);
}

static void print_json(const struct pw_format *f, const struct pw_event *ev,
		       const struct pw_event_context *ctx)
{
	struct pw_json j;
	struct pw_bytes arg;
	size_t pos = 0;

	pw_json_init(&j, f->out);
	pw_json_object_begin(&j, NULL);
	pw_json_string(&j, "type", pw_event_type_name(ev->type));
	json_time(&j, f, ev->hdr->ktime_ns);
	pw_json_uint(&j, "pid", ev->hdr->pid);
	pw_json_uint(&j, "tid", ev->hdr->tid);
	pw_json_bytes(&j, "comm", ev->comm.data, ev->comm.len);
	pw_json_uint(&j, "writer_cgroup_id", ev->hdr->cgroup_id);

	switch (ev->info->record) {
	case PW_REC_CGROUP:
		if (ev->type == PW_EV_CGROUP_POPULATED)
			pw_json_bool(&j, "populated", ev->cgroup->flags & PW_F_POPULATED);
		json_where(&j, f, ev, ev->cgroup->hierarchy_id, ev->cgroup->id, ev->cgroup->level,
			   ev->path_truncated);
		break;
	case PW_REC_EXEC:
		pw_json_uint(&j, "ppid", ev->exec->ppid);
		pw_json_uint(&j, "uid", ev->exec->uid);
		pw_json_uint(&j, "euid", ev->exec->euid);
		pw_json_uint(&j, "exe_uid", ev->exec->exe_uid);
		pw_json_uint(&j, "exe_mode", ev->exec->exe_mode & 07777);
		pw_json_bool(&j, "trusted", ev->exec->flags & PW_F_TRUSTED);
		if (!(ev->exec->flags & PW_F_TRUSTED))
			pw_json_string(&j, "untrusted", pw_untrusted_name(ev->exec->untrusted));
		pw_json_bytes(&j, "filename", ev->filename.data, ev->filename.len);
		pw_json_array_begin(&j, "argv");
		while (pw_event_next_arg(&ev->args, &pos, &arg))
			pw_json_bytes(&j, NULL, arg.data, arg.len);
		pw_json_array_end(&j);
		pw_json_bool(&j, "argv_truncated", ev->exec->flags & PW_F_ARGS_TRUNCATED);
		pw_json_bytes(&j, "cwd", ev->cwd.data, ev->cwd.len);
		pw_json_bool(&j, "cwd_truncated", ev->exec->flags & PW_F_PATH_TRUNCATED);
		break;
	case PW_REC_CPUSET_WRITE:
		json_where(&j, f, ev, ev->write->hierarchy_id, ev->write->target_id,
			   ev->write->level, ev->path_truncated);
		pw_json_bytes(&j, "file", ev->file.data, ev->file.len);
		pw_json_bytes(&j, "value", ev->value.data, ev->value.len);
		pw_json_bool(&j, "value_truncated", ev->write->flags & PW_F_VALUE_TRUNCATED);
		pw_json_string(&j, "syscall", syscall_name(ev->write->syscall));
		pw_json_int(&j, "ret", ev->write->ret);
		pw_json_string(&j, "error", error_name(ev->write->ret));
		break;
	case PW_REC_HOLD_SIGNAL:
		pw_json_uint(&j, "target_pid", ev->hold->target_pid);
		pw_json_bytes(&j, "target_comm", ev->target_comm.data, ev->target_comm.len);
		if (ev->type == PW_EV_RELEASE)
			pw_json_uint(&j, "held_ns", ev->hold->held_ns);
		json_where(&j, f, ev, ev->hold->hierarchy_id, ev->hold->id, ev->hold->level,
			   ev->path_truncated);
		break;
	case PW_REC_NOISE:
		pw_json_uint(&j, "cpu", ev->noise->cpu);
		pw_json_string(&j, "kind",
			       ev->noise->kind == PW_NOISE_KTHREAD ? "kthread" : "task");
		pw_json_uint(&j, "ppid", ev->noise->ppid);
		pw_json_bytes(&j, "parent_comm", ev->parent_comm.data, ev->parent_comm.len);
		pw_json_int(&j, "hierarchy", ev->noise->hierarchy_id);
		pw_json_uint(&j, "cgroup_id", ev->hdr->cgroup_id);
		pw_json_uint(&j, "owner_cgroup_id", ev->noise->owner_cgroup);
		pw_json_uint(&j, "switches", ev->noise->switches);
		pw_json_uint(&j, "run_ns", ev->noise->run_ns);
		break;
	}
	pw_json_string(&j, "container_id", ctx ? ctx->container_id : NULL);
	pw_json_string(&j, "runtime", ctx ? ctx->runtime : NULL);
	pw_json_string(&j, "oci_runtime", ctx ? ctx->oci_runtime : NULL);
	pw_json_string(&j, "pod", ctx ? ctx->pod : NULL);
	pw_json_string(&j, "namespace", ctx ? ctx->namespace : NULL);
	pw_json_string(&j, "container", ctx ? ctx->container : NULL);
	pw_json_string(&j, "qos", ctx ? ctx->qos : NULL);
	pw_json_object_end(&j);
}

void pw_format_event(const struct pw_format *f, const struct pw_event *ev,
		     const struct pw_event_context *ctx)
{
	if (f->json)
		print_json(f, ev, ctx);
	else
		print_table(f, ev, ctx);
}

static __u64 sum(const __u64 counts[PW_EV_TYPE_MAX])
{
	__u64 n = 0;

	for (int t = 1; t < PW_EV_TYPE_MAX; t++)
		n += counts[t];
	return n;
}

void pw_format_lost(const struct pw_format *f, __u64 ktime_ns, const __u64 lost[PW_EV_TYPE_MAX])
{
	struct pw_json j;

	if (!f->json) {
		print_table_time(f->out, f, ktime_ns);
		fprintf(f->out,
			"%-6s %" PRIu64 " events the kernel could not queue (the reader fell "
			"behind):",
			"LOST", (uint64_t)sum(lost));
		for (int t = 1; t < PW_EV_TYPE_MAX; t++)
			if (lost[t])
				fprintf(f->out, " %s %" PRIu64, pw_event_type_name(t),
					(uint64_t)lost[t]);
		fputc('\n', f->out);
		return;
	}
	pw_json_init(&j, f->out);
	pw_json_object_begin(&j, NULL);
	pw_json_string(&j, "type", "lost");
	json_time(&j, f, ktime_ns);
	pw_json_uint(&j, "count", sum(lost));
	pw_json_object_begin(&j, "by_type");
	for (int t = 1; t < PW_EV_TYPE_MAX; t++)
		pw_json_uint(&j, pw_event_type_name(t), lost[t]);
	pw_json_object_end(&j);
	pw_json_object_end(&j);
}

void pw_format_counters(const struct pw_format *f, const struct pw_trace_counts *c)
{
	struct pw_json j;

	pw_json_init(&j, f->out);
	pw_json_object_begin(&j, NULL);
	pw_json_string(&j, "type", "counters");
	pw_json_string(&j, "probe", c->probe);
	pw_json_uint(&j, "seen", sum(c->seen));
	pw_json_uint(&j, "emitted", sum(c->emitted));
	pw_json_uint(&j, "dropped", sum(c->dropped));
	pw_json_uint(&j, "malformed", c->malformed);
	pw_json_object_begin(&j, "by_type");
	for (int t = 1; t < PW_EV_TYPE_MAX; t++) {
		pw_json_object_begin(&j, pw_event_type_name(t));
		pw_json_uint(&j, "seen", c->seen[t]);
		pw_json_uint(&j, "emitted", c->emitted[t]);
		pw_json_uint(&j, "dropped", c->dropped[t]);
		pw_json_object_end(&j);
	}
	pw_json_object_end(&j);
	pw_json_object_end(&j);
}
