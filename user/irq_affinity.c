// SPDX-License-Identifier: GPL-2.0-only
/* IRQs kept off the CPUs of containers that ask, and given back exactly. */
#include "irq_affinity.h"

#include "clock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "beneath.h"
#include "irqbalance.h"
#include "log.h"

#define DEFAULT_IRQ -1 /* /proc/irq/default_smp_affinity, a hex mask */

/* A move decided before any is made: the journal is written once, first. */
struct irq_move {
	int irq;
	struct pw_cpus to;
	bool give_back; /* to is its saved value: the entry goes after the write */
};

static void irq_file(int irq, char *rel, size_t size)
{
	if (irq == DEFAULT_IRQ)
		snprintf(rel, size, "irq/default_smp_affinity");
	else
		snprintf(rel, size, "irq/%d/smp_affinity_list", irq);
}

static int read_affinity(const struct pw_irq_affinity *ia, int irq, struct pw_cpus *out)
{
	char rel[64], buf[PW_CPUMASK_LEN];
	const char *why;
	ssize_t n;

	irq_file(irq, rel, sizeof(rel));
	n = pw_read_beneath(ia->files->proc_fd, rel, buf, sizeof(buf));
	if (n < 0)
		return n;
	if (irq == DEFAULT_IRQ)
		return pw_cpus_parse_mask(buf, n, out, &why);
	return pw_cpus_parse(buf, n, out, &why);
}

/* IRQs found unmovable are looked at again this long after the first of them. */
#define UNMOVABLE_RECHECK_MS (5 * 60 * 1000)

static bool unmovable(const struct pw_irq_affinity *ia, int irq)
{
	for (size_t i = 0; i < ia->nr_unmovable; i++)
		if (ia->unmovable[i] == irq)
			return true;
	return false;
}

/*
 * The kernel will not move it (a managed IRQ, a per-CPU one): its file is
 * read-only, or a write answers EIO. Said once, left alone.
 */
static void mark_unmovable(struct pw_irq_affinity *ia, int irq, const struct pw_cpus *on)
{
	char cpus[PW_CPULIST_LEN];
	int *list = realloc(ia->unmovable, (ia->nr_unmovable + 1) * sizeof(*list));

	if (!list)
		return;
	ia->unmovable = list;
	if (!ia->nr_unmovable)
		ia->unmovable_since_ms = pw_monotonic_ns() / 1000000;
	list[ia->nr_unmovable++] = irq;
	pw_cpus_format(on, cpus, sizeof(cpus));
	pw_warn("IRQ %d: the kernel will not move it (a managed or per-CPU IRQ): left on CPUs %s",
		irq, cpus);
}

/* Whether the kernel lets anyone set irq's affinity: it makes the file read-only when not. */
static bool settable(const struct pw_irq_affinity *ia, int irq)
{
	char rel[64];
	struct stat st;

	irq_file(irq, rel, sizeof(rel));
	return !fstatat(ia->files->proc_fd, rel, &st, AT_SYMLINK_NOFOLLOW) &&
	       (st.st_mode & S_IWUSR);
}

static int write_affinity(struct pw_irq_affinity *ia, int irq, const struct pw_cpus *cpus)
{
	char rel[64], buf[PW_CPUMASK_LEN];

	irq_file(irq, rel, sizeof(rel));
	if (irq == DEFAULT_IRQ)
		pw_cpus_format_mask(cpus, buf, sizeof(buf));
	else
		pw_cpus_format(cpus, buf, sizeof(buf));
	return pw_kernel_write(ia->files, ia->files->proc_fd, rel, buf, -EIO);
}

/* The numbered IRQs of /proc/irq, and the default; *nr of them in a new array. */
static int list_irqs(const struct pw_irq_affinity *ia, int **out, size_t *nr)
{
	int fd = openat(ia->files->proc_fd, "irq", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	size_t cap = 64;
	struct dirent *d;
	int *irqs;
	DIR *dir;

	*nr = 0;
	if (fd < 0)
		return -errno;
	dir = fdopendir(fd);
	irqs = malloc(cap * sizeof(*irqs));
	if (!dir || !irqs) {
		if (dir)
			closedir(dir);
		else
			close(fd);
		free(irqs);
		return -ENOMEM;
	}
	irqs[(*nr)++] = DEFAULT_IRQ;
	while ((d = readdir(dir))) {
		char *end;
		long irq = strtol(d->d_name, &end, 10);

		if (*end || end == d->d_name || irq < 0 || irq >= (1 << 20))
			continue;
		if (*nr == cap) {
			int *more = realloc(irqs, 2 * cap * sizeof(*irqs));

			if (!more)
				break;
			irqs = more;
			cap *= 2;
		}
		irqs[(*nr)++] = irq;
	}
	closedir(dir);
	*out = irqs;
	return 0;
}

static bool listed(const int *irqs, size_t nr, int irq)
{
	for (size_t i = 0; i < nr; i++)
		if (irqs[i] == irq)
			return true;
	return false;
}

/*
 * Where irq should be now that excluded is off limits: what it was (saved,
 * or as it is when the agent has not moved it), without excluded; when
 * that leaves nothing, the host's CPUs without excluded.
 */
static void plan(struct pw_irq_affinity *ia, int irq, const struct pw_cpus *excluded,
		 const struct pw_cpus *allowed, bool exact, struct irq_move *moves, size_t *nr)
{
	const struct pw_irq_saved *s = pw_journal_find_irq(ia->journal, irq);
	struct pw_cpus now, base, want;
	struct pw_irq_saved save = { .irq = irq };

	if (read_affinity(ia, irq, &now))
		return; /* gone, or unreadable: nothing to move */
	if (irq != DEFAULT_IRQ && !settable(ia, irq)) {
		mark_unmovable(ia, irq, &now);
		pw_journal_remove_irq(ia->journal, irq);
		return;
	}
	/* Changed since by someone else (irqbalance, an operator): that is what to give back. */
	base = s && pw_cpus_equal(&now, &s->set) ? s->old : now;
	if (s && !pw_cpus_equal(&now, &s->set)) {
		char cpus[PW_CPULIST_LEN];

		pw_cpus_format(&now, cpus, sizeof(cpus));
		pw_info("IRQ %d was set to CPUs %s since, not by the agent: that is what it gets back",
			irq, cpus);
	}
	want = base;
	pw_cpus_andnot(&want, excluded);
	/* Housekeeping: exactly those CPUs, whatever it had. */
	if (pw_cpus_empty(&want) || exact)
		want = *allowed;
	if (pw_cpus_equal(&want, &base)) {
		/* It no longer touches an isolated CPU: back to what it was, if the agent moved it. */
		if (s && !pw_cpus_equal(&now, &base))
			moves[(*nr)++] = (struct irq_move){ irq, base, true };
		else if (s)
			pw_journal_remove_irq(ia->journal, irq);
		return;
	}
	if (pw_cpus_equal(&want, &now) && s)
		return;
	save.old = base;
	save.set = want;
	pw_journal_save_irq(ia->journal, &save);
	if (!pw_cpus_equal(&want, &now))
		moves[(*nr)++] = (struct irq_move){ irq, want, false };
}

/* Every saved IRQ back to what it was, where it still holds what the agent set. */
static int give_all_back(struct pw_irq_affinity *ia)
{
	int first = 0;

	/* Entries go after their writes, in one journal write: a crash re-gives what is left. */
	pw_journal_begin(ia->journal);
	while (pw_journal_irq_count(ia->journal)) {
		const struct pw_irq_saved *s = pw_journal_irq_at(ia->journal, 0);
		struct pw_cpus now;
		int irq = s->irq, err = 0;

		if (!read_affinity(ia, irq, &now)) {
			if (pw_cpus_equal(&now, &s->set))
				err = write_affinity(ia, irq, &s->old);
			else if (!pw_cpus_equal(&now, &s->old)) /* not moved yet: nothing to undo */
				pw_info("IRQ %d is left as it is: changed since by someone else",
					irq);
		}
		if (err && err != -EIO && err != -ENOENT) {
			first = first ? first : err;
			break; /* the journal keeps it and the rest */
		}
		pw_journal_remove_irq(ia->journal, irq);
	}
	pw_journal_commit(ia->journal);
	return first;
}

/*
 * A running irqbalance would move IRQs back onto the CPUs at its next pass
 * (every 10 s), and the agent off again at its next rescan: a fight. So it
 * is asked, through its socket and without a restart, to ban them as well
 * (want: the CPUs no IRQ may use; empty: give back what it banned before).
 * The agent still moves the IRQs itself: at once, and on nodes without one.
 * The ask is journaled before it is made; a crash's is given back by the
 * next agent or `pinwatch restore`.
 */
static void irqbalance_sync(struct pw_irq_affinity *ia, const struct pw_cpus *want)
{
	const struct pw_irqbalance_ban *rec = pw_journal_irqbalance(ia->journal);
	struct pw_irqbalance_ban next = {};
	char list[PW_CPULIST_LEN], base[PW_CPULIST_LEN];
	pid_t pid;
	int err;

	/* Nothing banned, nothing to give back: no need to look for irqbalance at all. */
	if (!ia->irqbalance_dir || ia->files->dry_run || (!rec && pw_cpus_empty(want)))
		return;
	pid = rec && pw_irqbalance_alive(ia->irqbalance_dir, rec->pid) ?
		      rec->pid :
		      pw_irqbalance_find(ia->irqbalance_dir);
	if (rec && rec->pid != pid) {
		pw_cpus_format(&rec->banned, list, sizeof(list));
		pw_info("irqbalance pid %d, asked to ban CPUs %s, is gone: its ban went with it",
			rec->pid, list);
		pw_journal_clear_irqbalance(ia->journal);
		rec = NULL;
	}
	if (!pid)
		return;
	if (pw_cpus_empty(want)) {
		if (!rec)
			return; /* its ban went with the irqbalance that is gone */
		pw_cpus_format(&rec->base, base, sizeof(base));
		err = pw_irqbalance_ban(ia->irqbalance_dir, pid, &rec->base);
		if (err) {
			/* Kept in the journal: given back at the next sync. */
			pw_err("cannot give irqbalance pid %d its own bans back (%s): %s", pid,
			       base[0] ? base : "none", strerror(-err));
			return;
		}
		pw_info("irqbalance pid %d bans only its own CPUs again (%s), without a restart",
			pid, base[0] ? base : "none");
		pw_journal_clear_irqbalance(ia->journal);
		return;
	}
	if (rec) {
		next.base = rec->base;
	} else {
		err = pw_irqbalance_banned(ia->irqbalance_dir, pid, &next.base);
		if (err) {
			pw_err("cannot ask irqbalance pid %d what it bans (%s): IRQs are moved by "
			       "the agent only, and irqbalance may move them back",
			       pid, strerror(-err));
			return;
		}
	}
	next.pid = pid;
	next.banned = next.base;
	pw_cpus_or(&next.banned, want);
	if (rec && !ia->irqbalance_unsure && pw_cpus_equal(&rec->banned, &next.banned))
		return;
	err = pw_journal_save_irqbalance(ia->journal, &next);
	if (!err)
		err = pw_irqbalance_ban(ia->irqbalance_dir, pid, &next.banned);
	ia->irqbalance_unsure = err != 0;
	pw_cpus_format(&next.banned, list, sizeof(list));
	pw_cpus_format(&next.base, base, sizeof(base));
	if (err)
		pw_err("cannot ask irqbalance pid %d to ban CPUs %s: %s (tried again at the next "
		       "rescan)",
		       pid, list, strerror(-err));
	else
		pw_info("asked irqbalance pid %d to ban CPUs %s (its own: %s), without a restart",
			pid, list, base[0] ? base : "none");
}

/*
 * The housekeeping CPUs of a container asking irq-load-balancing:
 * housekeeping, as CRI-O defines them: its first CPU and that CPU's
 * hyperthread siblings (topology/thread_siblings_list), within its CPUs.
 */
static void housekeeping_of(struct pw_irq_affinity *ia, const struct pw_cpus *cpus,
			    struct pw_cpus *out)
{
	char rel[96], buf[PW_CPULIST_LEN];
	int first = pw_cpus_next(cpus, -1);
	struct pw_cpus siblings;
	const char *why;
	ssize_t n;

	pw_cpus_clear(out);
	if (first < 0)
		return;
	pw_cpus_set(out, first);
	snprintf(rel, sizeof(rel), "devices/system/cpu/cpu%d/topology/thread_siblings_list", first);
	n = pw_read_beneath(ia->files->sys_fd, rel, buf, sizeof(buf));
	if (n > 0 && !pw_cpus_parse(buf, n, &siblings, &why)) {
		pw_cpus_and(&siblings, cpus);
		pw_cpus_or(out, &siblings);
	}
}

int pw_irq_affinity_sync(struct pw_irq_affinity *ia)
{
	struct pw_cpus excluded, allowed, housekeeping, banned;
	struct irq_move *moves = NULL;
	size_t nr_irqs = 0, nr_moves = 0;
	int *irqs = NULL, err = 0;

	/*
	 * "disable": no IRQ on the container's CPUs. "housekeeping": IRQs on
	 * its housekeeping CPUs only, none on the rest of its CPUs, nor
	 * anywhere else: the union of every such container's.
	 */
	pw_cpus_clear(&excluded);
	pw_cpus_clear(&housekeeping);
	for (size_t i = 0; i < pw_journal_tuning_count(ia->journal); i++) {
		const struct pw_tuning *t = pw_journal_tuning_at(ia->journal, i);
		struct pw_cpus hk, rest;

		if (t->knob != PW_KNOB_IRQ)
			continue;
		if (strcmp(t->value, "housekeeping")) {
			pw_cpus_or(&excluded, &t->cpus);
			continue;
		}
		housekeeping_of(ia, &t->cpus, &hk);
		rest = t->cpus;
		pw_cpus_andnot(&rest, &hk);
		pw_cpus_or(&excluded, &rest);
		pw_cpus_or(&housekeeping, &hk);
	}
	pw_cpus_andnot(&housekeeping, &excluded);
	if (pw_cpus_empty(&excluded) && pw_cpus_empty(&housekeeping)) {
		irqbalance_sync(ia, &excluded);
		return give_all_back(ia);
	}
	allowed = *ia->host;
	pw_cpus_andnot(&allowed, &excluded);
	/* Only the housekeeping CPUs, where a container asks for them. */
	if (!pw_cpus_empty(&housekeeping))
		pw_cpus_and(&allowed, &housekeeping);
	if (pw_cpus_empty(&allowed)) {
		/* Said once for these CPUs; tried again when the containers or CPUs change. */
		if (!ia->no_room_said)
			pw_err("IRQs are left where they are: no CPU of the host would be left to "
			       "them");
		ia->no_room_said = true;
		return 0;
	}
	ia->no_room_said = false;
	banned = *ia->host;
	pw_cpus_andnot(&banned, &allowed);
	irqbalance_sync(ia, &banned);
	/* IRQ numbers are reused: what was found unmovable is looked at again, now and then. */
	if (ia->nr_unmovable &&
	    pw_monotonic_ns() / 1000000 - ia->unmovable_since_ms > UNMOVABLE_RECHECK_MS)
		ia->nr_unmovable = 0;
	err = list_irqs(ia, &irqs, &nr_irqs);
	if (err) {
		pw_err("cannot list '%s/irq': %s", ia->files->proc, strerror(-err));
		return err;
	}
	moves = calloc(nr_irqs, sizeof(*moves));
	if (!moves) {
		free(irqs);
		return -ENOMEM;
	}
	/* What each IRQ was goes to the journal, in one write, before any moves. */
	pw_journal_begin(ia->journal);
	for (size_t i = 0; i < nr_irqs; i++)
		if (!unmovable(ia, irqs[i]))
			plan(ia, irqs[i], &excluded, &allowed, !pw_cpus_empty(&housekeeping), moves,
			     &nr_moves);
	/* IRQs that went away since they were saved: no longer listed. */
	for (size_t i = pw_journal_irq_count(ia->journal); i-- > 0;) {
		int irq = pw_journal_irq_at(ia->journal, i)->irq;

		if (!listed(irqs, nr_irqs, irq))
			pw_journal_remove_irq(ia->journal, irq);
	}
	err = pw_journal_commit(ia->journal);
	pw_journal_begin(ia->journal);
	for (size_t i = 0; !err && i < nr_moves; i++) {
		int werr = write_affinity(ia, moves[i].irq, &moves[i].to);
		struct pw_cpus on;

		/* Read back: the kernel may keep an affinity of its own and say nothing. */
		if (!werr && !moves[i].give_back && !ia->files->dry_run &&
		    !read_affinity(ia, moves[i].irq, &on) && !pw_cpus_equal(&on, &moves[i].to)) {
			const struct pw_irq_saved *s =
				pw_journal_find_irq(ia->journal, moves[i].irq);

			pw_warn("IRQ %d reads back another affinity than the agent wrote: put back",
				moves[i].irq);
			if (s)
				write_affinity(ia, moves[i].irq, &s->old);
			werr = -EIO;
		}
		if (werr == -EIO) {
			if (!read_affinity(ia, moves[i].irq, &on))
				mark_unmovable(ia, moves[i].irq, &on);
			pw_journal_remove_irq(ia->journal, moves[i].irq);
		} else if (werr == -ENOENT || (!werr && moves[i].give_back)) {
			pw_journal_remove_irq(ia->journal, moves[i].irq);
		} else if (werr) {
			err = werr;
		}
	}
	pw_journal_commit(ia->journal);
	free(moves);
	free(irqs);
	return err;
}

void pw_irq_affinity_free(struct pw_irq_affinity *ia)
{
	free(ia->unmovable);
	ia->unmovable = NULL;
	ia->nr_unmovable = 0;
}
