// SPDX-License-Identifier: GPL-2.0-only
/* Runner for the unit tests registered with UNIT_TEST. */
#include "unit.h"

#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_TESTS 256

static struct {
	const char *name;
	unit_fn fn;
} tests[MAX_TESTS];
static int nr_tests;
static int current_failed;

void unit_register(const char *name, unit_fn fn)
{
	if (nr_tests == MAX_TESTS) {
		fprintf(stderr, "unit: more than %d tests: raise MAX_TESTS\n", MAX_TESTS);
		exit(2);
	}
	tests[nr_tests].name = name;
	tests[nr_tests].fn = fn;
	nr_tests++;
}

void unit_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stdout, "# %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	current_failed = 1;
}

char *unit_capture(void (*fn)(FILE *out, const void *arg), const void *arg)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&buf, &size);

	if (!mem)
		abort();
	fn(mem, arg);
	fclose(mem);
	return buf;
}

char *unit_dir_with_file(const char *name, const char *text)
{
	char tmpl[] = "/tmp/pw-unit-XXXXXX", path[128];
	char *dir = mkdtemp(tmpl) ? strdup(tmpl) : NULL;
	FILE *f;

	if (!dir)
		abort();
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
	return dir;
}

void unit_remove_dir(char *dir, const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	rmdir(dir);
	free(dir);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;

	/* Constructors run in link order: sort so the output is stable. */
	qsort(tests, nr_tests, sizeof(tests[0]), by_name);
	for (int i = 0; i < nr_tests; i++) {
		if (argc > 1 && !strstr(tests[i].name, argv[1]))
			continue;
		current_failed = 0;
		tests[i].fn();
		printf("%s - unit/%s\n", current_failed ? "not ok" : "ok", tests[i].name);
		fflush(stdout);
		if (current_failed)
			failed++;
		else
			passed++;
	}
	if (passed + failed == 0) {
		printf("not ok - unit: no test matched\n");
		return 1;
	}
	return failed ? 1 : 0;
}
