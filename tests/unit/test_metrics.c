// SPDX-License-Identifier: GPL-2.0-only
/* The Prometheus text: every sample under its own HELP and TYPE, labelled values in place. */
#include <stdlib.h>

#include "metrics.h"
#include "unit.h"

static char *render(const struct pw_metrics_view *v)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);

	if (!out)
		return NULL;
	pw_metrics_write(out, v);
	fclose(out);
	return text;
}

/* Each sample's metric name was introduced by "# HELP name" and "# TYPE name" before it. */
static int samples_without_header(char *text)
{
	char *save = NULL, last[128] = "", *line;
	int bad = 0;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t n;

		if (!strncmp(line, "# TYPE ", 7)) {
			n = strcspn(line + 7, " ");
			snprintf(last, sizeof(last), "%.*s", (int)n, line + 7);
			continue;
		}
		if (line[0] == '#')
			continue;
		n = strcspn(line, "{ ");
		/* A histogram's samples are NAME_bucket, NAME_sum, NAME_count. */
		if (strncmp(line, last, strlen(last)) || !last[0] ||
		    (n != strlen(last) && line[strlen(last)] != '_'))
			bad++;
	}
	return bad;
}

UNIT_TEST(metrics_text_has_every_sample_under_its_header)
{
	struct pw_metrics m = { .applies = 3, .held = 2 };
	struct pw_metrics_view v = { .m = &m, .backend = "v1", .containers = 5 };
	char *text;

	pw_metrics_count_refusal(&m, "not_exclusive");
	pw_metrics_count_refusal(&m, "not_exclusive");
	pw_metrics_observe(&m.latency, 0.002);
	v.kernel[PW_EV_EXEC * PW_CNT_MAX + PW_CNT_DROPPED] = 4;
	v.untrusted_execs[PW_UNTRUSTED_MNT_NS] = 7;
	v.knobs.applied[PW_KNOB_QUOTA] = 1;
	v.knobs.irqs_moved = 9;
	text = render(&v);
	CHECK(text != NULL);
	if (!text)
		return;
	CHECK(strstr(text, "\npinwatch_containers_tracked 5\n"));
	CHECK(strstr(text, "\npinwatch_applies_total 3\n"));
	CHECK(strstr(text, "\npinwatch_refusals_total{reason=\"not_exclusive\"} 2\n"));
	CHECK(strstr(text, "\npinwatch_ringbuf_dropped_total{type=\"exec\"} 4\n"));
	CHECK(strstr(text, "\npinwatch_untrusted_execs_total{reason=\"mnt_ns\"} 7\n"));
	CHECK(strstr(text, "\npinwatch_apply_latency_seconds_bucket{le=\"0.0025\"} 1\n"));
	CHECK(strstr(text, "\npinwatch_held_total 2\n"));
	CHECK(strstr(text, "\npinwatch_knobs_applied{knob=\"quota\"} 1\n"));
	CHECK(strstr(text, "\npinwatch_irqs_moved 9\n"));
	CHECK_INT(samples_without_header(text), 0);
	free(text);
}

/* agent --noise: per container and kind; an id with bytes Prometheus would choke on is made safe. */
UNIT_TEST(metrics_noise_per_container_labels_are_safe)
{
	struct pw_quiet_totals t[2] = {
		{ .container_id = "3f0c9a51e2d4",
		  .task_switches = 12,
		  .irqs = 250,
		  .task_ns = 1500000000 },
		{ .container_id = "bad\"id\n}x", .kthread_switches = 1 },
	};
	struct pw_metrics m = {};
	struct pw_metrics_view v = { .m = &m, .backend = "v1", .noise = t, .nr_noise = 2 };
	char *text = render(&v);

	CHECK(text != NULL);
	if (!text)
		return;
	CHECK(strstr(
		text,
		"\npinwatch_noise_intrusions_total{container=\"3f0c9a51e2d4\",kind=\"task\"} 12\n"));
	CHECK(strstr(
		text,
		"\npinwatch_noise_intrusions_total{container=\"3f0c9a51e2d4\",kind=\"irq\"} 250\n"));
	CHECK(strstr(
		text,
		"\npinwatch_noise_seconds_total{container=\"3f0c9a51e2d4\",kind=\"task\"} 1.5\n"));
	CHECK(strstr(text, "{container=\"bad_id__x\",kind=\"kthread\"} 1\n"));
	CHECK_INT(samples_without_header(text), 0);
	free(text);
}

UNIT_TEST(metrics_no_noise_without_it)
{
	struct pw_metrics m = {};
	struct pw_metrics_view v = { .m = &m, .backend = "v2" };
	char *text = render(&v);

	CHECK(text != NULL);
	CHECK(text && !strstr(text, "pinwatch_noise_"));
	free(text);
}
