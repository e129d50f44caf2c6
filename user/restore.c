// SPDX-License-Identifier: GPL-2.0-only
/*
 * `pinwatch restore`: undo what the agent's journal holds, through the
 * backend each entry names. It takes the journal's lock: it never runs
 * beside an agent, and an agent never overwrites what it did.
 */
#include "restore.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "journal.h"
#include "log.h"
#include "parse.h"
#include "privileges.h"
#include "tuner.h"

#include <linux/capability.h>

static const char usage[] =
	"Usage: pinwatch restore [--state-dir DIR]\n"
	"\n"
	"Restore load balancing on every CPU the agent's journal holds isolated, undo\n"
	"the v1 housekeeping layout, and put back every knob (IRQ affinity, CFS quota,\n"
	"C-state latency, cpufreq governor) the agent changed. Only what still holds the\n"
	"value the agent wrote is written back; a later change by someone else is left\n"
	"alone, and said. It refuses to run while an agent holds the journal: stop the\n"
	"agent first.\n"
	"\n"
	"Options:\n"
	"      --state-dir DIR  where the journal lives (default /run/pinwatch)\n"
	"  -h, --help           show this help\n"
	"\n"
	"Examples:\n"
	"  systemctl stop pinwatch && pinwatch restore\n";

static const struct option long_options[] = {
	{ "state-dir", required_argument, NULL, 's' },
	{ "help", no_argument, NULL, 'h' },
	{},
};

int cmd_restore(int argc, char **argv)
{
	const char *state_dir = PW_DEFAULT_STATE_DIR;
	struct pw_backend b = {};
	struct pw_tuner tuner = {};
	struct pw_mounts mounts;
	struct pw_cpus v1_left;
	int opt, err, failed = 0, host_lock;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
		switch (opt) {
		case 's':
			state_dir = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			pw_bad_option(opt, argv, "restore");
			return 2;
		}
	}
	if (pw_no_operands(argc, argv, "restore"))
		return 2;
	/*
	 * Root's uid is all it needs (the files it writes are root's), and,
	 * held, what the writes of either backend ask for.
	 */
	if (geteuid() == 0 &&
	    pw_drop_privileges(0, pw_backend_v1.held_caps | pw_backend_v2.held_caps, 0))
		return 1;
	err = pw_journal_open(&b.journal, state_dir, PW_JOURNAL_WRITE);
	if (err)
		return 1;
	err = pw_mounts_open(&mounts);
	if (err) {
		pw_err("no cgroup v1 cpuset or cgroup2 mount found in /proc/self/mounts");
		pw_journal_close(b.journal);
		return 1;
	}
	b.mounts = &mounts;
	host_lock = pw_mounts_lock_host(&mounts);
	if (host_lock < 0) {
		pw_mounts_close(&mounts);
		pw_journal_close(b.journal);
		return 1;
	}
	{
		struct pw_cpus none;
		struct pw_tuner_config tcfg = { .journal = b.journal,
						.mounts = &mounts,
						.host = &none };

		/* Every knob, IRQs given back: nothing is left to re-apply, nothing to follow. */
		pw_cpus_clear(&none);
		if (pw_tuner_open(&tuner, &tcfg) || pw_tuner_revert_all(&tuner, "pinwatch restore"))
			failed++;
		pw_tuner_close(&tuner);
	}
	for (size_t i = pw_journal_count(b.journal); i-- > 0;) {
		const struct pw_isolation *iso = pw_journal_at(b.journal, i);
		const struct pw_backend_ops *ops = pw_backend_by_name(iso->backend);

		b.ops = ops;
		pw_info("restore load balancing on CPUs of %.12s (%s): pinwatch restore",
			PW_Q(iso->container_id), PW_Q(iso->path));
		if (ops->revert(&b, iso))
			failed++;
	}
	/*
	 * The v1 layout goes with the last v1 entry, also after a teardown that
	 * was cut short; never while a v1 entry is left (its sync would set it
	 * up again).
	 */
	pw_journal_isolated_cpus(b.journal, pw_backend_v1.name, &v1_left);
	if (mounts.v1_cpuset.fd >= 0 && pw_cpus_empty(&v1_left) &&
	    (pw_journal_housekeeping(b.journal) || pw_journal_unbalanced_count(b.journal))) {
		b.ops = &pw_backend_v1;
		if (b.ops->sync(&b))
			failed++;
	}
	pw_info("restore done, %zu entries left in the journal%s",
		pw_journal_count(b.journal) + pw_journal_tuning_count(b.journal) +
			pw_journal_irq_count(b.journal),
		pw_journal_housekeeping(b.journal) ? " (and the v1 housekeeping cpuset)" : "");
	err = failed || pw_journal_count(b.journal) || pw_journal_housekeeping(b.journal) ||
			      pw_journal_tuning_count(b.journal) ||
			      pw_journal_irq_count(b.journal) ?
		      -EIO :
		      0;
	close(host_lock);
	pw_mounts_close(&mounts);
	pw_journal_close(b.journal);
	pw_backend_release(&b);
	return err ? 1 : 0;
}
