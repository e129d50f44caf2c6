// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpf_floor OBJECT tracepoint|fentry: attach the empty programs of
 * bpf/floor.bpf.c on the hooks pinwatch trace uses in that mode, say how
 * many on stdout, and hold them until SIGINT or SIGTERM. The benchmark's
 * floor: what attaching costs before any program does anything.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

/* Syscall tracepoints in tracepoint mode, fentry/fexit in fentry mode, BTF tracepoints in both. */
static bool wanted(const struct bpf_program *prog, const char *mode)
{
	enum bpf_attach_type attach = bpf_program__expected_attach_type(prog);
	bool fentry = attach == BPF_TRACE_FENTRY || attach == BPF_TRACE_FEXIT;

	if (bpf_program__type(prog) == BPF_PROG_TYPE_TRACING && attach == BPF_TRACE_RAW_TP)
		return true;
	return strcmp(mode, "fentry") ? !fentry : fentry;
}

int main(int argc, char **argv)
{
	struct bpf_link *links[32];
	struct bpf_program *prog;
	struct bpf_object *obj;
	int n = 0, err = 1, sig;
	sigset_t stop;

	if (argc != 3 || (strcmp(argv[2], "tracepoint") && strcmp(argv[2], "fentry"))) {
		fprintf(stderr, "usage: bpf_floor OBJECT tracepoint|fentry\n");
		return 2;
	}
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "bpf_floor: cannot open '%s': %s\n", argv[1], strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(prog, obj)
		bpf_program__set_autoload(prog, wanted(prog, argv[2]));
	if (bpf_object__load(obj)) {
		fprintf(stderr, "bpf_floor: cannot load '%s' for %s: %s\n", argv[1], argv[2],
			strerror(errno));
		goto cleanup;
	}
	bpf_object__for_each_program(prog, obj)
	{
		if (!wanted(prog, argv[2]))
			continue;
		links[n] = bpf_program__attach(prog);
		if (!links[n]) {
			fprintf(stderr, "bpf_floor: cannot attach %s: %s\n",
				bpf_program__name(prog), strerror(errno));
			goto cleanup;
		}
		n++;
	}
	printf("attached %d programs\n", n);
	fflush(stdout);
	sigwait(&stop, &sig);
	err = 0;
cleanup:
	while (n-- > 0)
		bpf_link__destroy(links[n]);
	bpf_object__close(obj);
	return err;
}
