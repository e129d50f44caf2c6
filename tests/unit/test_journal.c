// SPDX-License-Identifier: GPL-2.0-only
/* The agent's journal: round trip, version 1 files, broken and hostile files, the lock. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal.h"
#include "unit.h"

static char *temp_dir(void)
{
	return unit_dir_with_file("placeholder", "");
}

static void write_state(const char *dir, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/state.json", dir);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static void remove_dir(char *dir)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/state.json", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/state.json.tmp", dir);
	unlink(path);
	unit_remove_dir(dir, "placeholder");
}

static struct pw_isolation entry(const char *id, const char *path, uint64_t cgroup_id,
				 const char *cpus)
{
	struct pw_isolation iso = {
		.container_id = (char *)id,
		.path = (char *)path,
		.hierarchy = 3,
		.cgroup_id = cgroup_id,
		.backend = "v1",
	};
	const char *why;

	pw_cpus_parse(cpus, strlen(cpus), &iso.cpus, &why);
	return iso;
}

UNIT_TEST(journal_round_trip)
{
	struct pw_journal *j, *back;
	struct pw_isolation a = entry("abc", "/k/p/abc", 1ULL << 40, "1-3");
	char *dir = temp_dir();

	CHECK_INT(pw_journal_open(&j, dir, PW_JOURNAL_WRITE), 0);
	CHECK_INT(pw_journal_count(j), 0);
	CHECK_INT(pw_journal_set_housekeeping(j, "/pinwatch.housekeeping"), 0);
	CHECK_INT(pw_journal_add(j, &a), 0);
	CHECK_INT(pw_journal_add(j, &a), -EEXIST);
	CHECK_INT(pw_journal_set_v2_progress(j, 3, 1ULL << 40, 2, true), 0);
	CHECK_INT(pw_journal_add_unbalanced(j, "/k", 11), 0);
	CHECK_INT(pw_journal_add_unbalanced(j, "/k", 11), 0); /* no duplicates */
	CHECK_INT(pw_journal_add_unbalanced(j, "/k/p", 12), 0);
	pw_journal_close(j);

	CHECK_INT(pw_journal_open(&back, dir, PW_JOURNAL_READ), 0);
	CHECK_INT(pw_journal_count(back), 1);
	CHECK_STR(pw_journal_housekeeping(back), "/pinwatch.housekeeping");
	CHECK_STR(pw_journal_at(back, 0)->path, "/k/p/abc");
	CHECK(pw_journal_at(back, 0)->cgroup_id == 1ULL << 40);
	CHECK_INT(pw_journal_at(back, 0)->exclusive_levels, 2);
	CHECK(pw_journal_at(back, 0)->partition);
	CHECK(pw_cpus_equal(&pw_journal_at(back, 0)->cpus, &a.cpus));
	CHECK(pw_journal_find(back, 3, 1ULL << 40) == pw_journal_at(back, 0));
	CHECK_INT(pw_journal_unbalanced_count(back), 2);
	CHECK(pw_journal_find_unbalanced(back, 12, "/whatever") != NULL);
	/* READ changes nothing on disk. */
	CHECK_INT(pw_journal_remove(back, 3, 1ULL << 40), 0);
	CHECK_INT(pw_journal_count(back), 0);
	pw_journal_close(back);
	CHECK_INT(pw_journal_open(&back, dir, PW_JOURNAL_READ), 0);
	CHECK_INT(pw_journal_count(back), 1);
	pw_journal_close(back);
	remove_dir(dir);
}

UNIT_TEST(journal_reads_version_1)
{
	struct pw_journal *j;
	char *dir = temp_dir();

	write_state(dir,
		    "{\"version\": 1, \"v1_housekeeping\": \"/pinwatch.housekeeping\","
		    "\"isolated\": [{\"container_id\": \"a\", \"path\": \"/x/y/z\","
		    " \"hierarchy\": 0, \"cgroup_id\": 9, \"backend\": \"v2\", \"cpus\": \"1\","
		    " \"changed_levels\": 3}],"
		    "\"v1_unbalanced\": [\"/x\", \"/x/y\"]}");
	CHECK_INT(pw_journal_open(&j, dir, PW_JOURNAL_WRITE), 0);
	CHECK_INT(pw_journal_count(j), 1);
	/* Bits 0 and 1: levels 1 and 2 were changed, the leaf not yet. */
	CHECK_INT(pw_journal_at(j, 0)->exclusive_levels, 2);
	CHECK(!pw_journal_at(j, 0)->partition);
	CHECK_INT(pw_journal_unbalanced_count(j), 2);
	CHECK(pw_journal_find_unbalanced(j, 0, "/x/y") != NULL);
	pw_journal_close(j);
	remove_dir(dir);
}

UNIT_TEST(journal_refuses_broken_files)
{
	/* The file as a whole cannot be read: refused, left as it is. */
	static const char *const broken[] = {
		"",
		"{",
		"[]",
		"{\"isolated\": 7}",
		"{\"v1_unbalanced\": {\"a\": 1}, \"isolated\": []}",
		"{\"isolated\": []} trailing",
	};

	for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		struct pw_journal *j = NULL;
		char *dir = temp_dir();

		write_state(dir, broken[i]);
		if (pw_journal_open(&j, dir, PW_JOURNAL_WRITE) >= 0)
			unit_fail(__FILE__, __LINE__, "broken journal #%zu was accepted", i);
		pw_journal_close(j);
		remove_dir(dir);
	}
}

UNIT_TEST(journal_skips_entries_it_cannot_use)
{
	/* One entry cannot be used: skipped and named; the others are kept. */
	static const char *const bad_entry[] = {
		"{\"isolated\": [{\"container_id\": \"a\"}]}",
		"{\"isolated\": [{\"container_id\": \"a\", \"path\": \"/x/../../etc\", \"hierarchy\": 0,"
		" \"cgroup_id\": 1, \"backend\": \"v2\", \"cpus\": \"1\", \"exclusive_levels\": 1}]}",
		"{\"isolated\": [{\"container_id\": \"a\", \"path\": \"/x\", \"hierarchy\": 0,"
		" \"cgroup_id\": 1, \"backend\": \"v9\", \"cpus\": \"1\", \"exclusive_levels\": 1}]}",
		"{\"isolated\": [{\"container_id\": \"a\", \"path\": \"/x\", \"hierarchy\": 0,"
		" \"cgroup_id\": 1, \"backend\": \"v2\", \"cpus\": \"7-3\", \"exclusive_levels\": 1}]}",
		/* More levels than the path has: a crafted journal must not reach the kernel. */
		"{\"isolated\": [{\"container_id\": \"a\", \"path\": \"/x\", \"hierarchy\": 0,"
		" \"cgroup_id\": 1, \"backend\": \"v2\", \"cpus\": \"1\", \"exclusive_levels\": 40}]}",
		"{\"isolated\": [{\"container_id\": \"a\", \"path\": \"/\", \"hierarchy\": 0,"
		" \"cgroup_id\": 1, \"backend\": \"v2\", \"cpus\": \"1\", \"exclusive_levels\": -1}]}",
		"{\"v1_unbalanced\": [\"/a/../b\", 7], \"isolated\": []}",
		"{\"isolated\": [], \"irqbalance\": {\"pid\": -1, \"base\": \"\", \"banned\": \"1\"}}",
		"{\"isolated\": [], \"irqbalance\": {\"pid\": 7, \"base\": \"9-1\", \"banned\": \"1\"}}",
	};

	for (size_t i = 0; i < sizeof(bad_entry) / sizeof(bad_entry[0]); i++) {
		struct pw_journal *j = NULL;
		char *dir = temp_dir();

		write_state(dir, bad_entry[i]);
		if (pw_journal_open(&j, dir, PW_JOURNAL_WRITE))
			unit_fail(__FILE__, __LINE__, "journal #%zu with one bad entry was refused",
				  i);
		else if (pw_journal_count(j) || pw_journal_unbalanced_count(j) ||
			 pw_journal_irqbalance(j))
			unit_fail(__FILE__, __LINE__, "journal #%zu kept its bad entry", i);
		pw_journal_close(j);
		remove_dir(dir);
	}
}

UNIT_TEST(journal_reads_back_every_path_it_writes)
{
	/* "..evil" is a legal cgroup name: written, and read back (restore too). */
	static const char *const good[] = { "/..evil", "/a/..b/...", "/.hidden/x.",
					    "/a b/\xe2\x80\xae" };
	static const char *const bad[] = { "/a/../b", "/..", "/a/.", "relative", "/a//b" };
	struct pw_journal *j, *again;
	char *dir = temp_dir();

	CHECK(!pw_journal_open(&j, dir, PW_JOURNAL_WRITE));
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK(!pw_journal_add_unbalanced(j, good[i], 100 + i));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(pw_journal_add_unbalanced(j, bad[i], 200 + i) == -EINVAL);
	pw_journal_close(j);
	CHECK(!pw_journal_open(&again, dir, PW_JOURNAL_READ));
	CHECK(pw_journal_unbalanced_count(again) == sizeof(good) / sizeof(good[0]));
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK(pw_journal_find_unbalanced(again, 100 + i, good[i]));
	pw_journal_close(again);
	remove_dir(dir);
}

UNIT_TEST(journal_crafted_old_levels_are_bounded)
{
	struct pw_journal *j;
	char *dir = temp_dir();

	/* A version 1 mask with every bit set (or bit 39) stays within the path's levels. */
	write_state(dir,
		    "{\"isolated\": [{\"container_id\": \"a\", \"path\": \"/x/y\","
		    " \"hierarchy\": 0, \"cgroup_id\": 1, \"backend\": \"v2\", \"cpus\": \"1\","
		    " \"changed_levels\": 549755813887}]}");
	CHECK_INT(pw_journal_open(&j, dir, PW_JOURNAL_READ), 0);
	CHECK_INT(pw_journal_at(j, 0)->exclusive_levels, 2);
	pw_journal_close(j);
	remove_dir(dir);
}

UNIT_TEST(journal_refuses_what_is_not_a_file)
{
	char *dir = temp_dir(), path[128];
	struct pw_journal *j = NULL;

	snprintf(path, sizeof(path), "%s/state.json", dir);
	CHECK_INT(mkfifo(path, 0600), 0);
	/* A FIFO would block the open for good: refused without waiting. */
	CHECK_INT(pw_journal_open(&j, dir, PW_JOURNAL_WRITE), -EINVAL);
	unlink(path);
	CHECK_INT(symlink("/dev/zero", path), 0);
	CHECK_INT(pw_journal_open(&j, dir, PW_JOURNAL_WRITE), -ELOOP);
	unlink(path);
	CHECK_INT(mkdir(path, 0700), 0);
	CHECK_INT(pw_journal_open(&j, dir, PW_JOURNAL_WRITE), -EINVAL);
	rmdir(path);
	remove_dir(dir);
}

UNIT_TEST(journal_state_dir_checks_and_lock)
{
	char *dir = temp_dir(), sub[160], file[160];
	struct pw_journal *j, *other = NULL;

	/* Missing parents are refused with the reason. */
	snprintf(sub, sizeof(sub), "%s/missing/state", dir);
	CHECK_INT(pw_journal_open(&j, sub, PW_JOURNAL_WRITE), -ENOENT);
	/* A file is not a directory. */
	snprintf(file, sizeof(file), "%s/placeholder", dir);
	CHECK_INT(pw_journal_open(&j, file, PW_JOURNAL_WRITE), -ENOTDIR);
	/* A directory writable by others would let a local user plant a journal. */
	snprintf(sub, sizeof(sub), "%s/open", dir);
	CHECK_INT(mkdir(sub, 0777), 0);
	CHECK_INT(chmod(sub, 0777), 0);
	CHECK_INT(pw_journal_open(&j, sub, PW_JOURNAL_WRITE), -EPERM);
	rmdir(sub);
	/* Made when only the last component is missing; one holder at a time. */
	snprintf(sub, sizeof(sub), "%s/state", dir);
	CHECK_INT(pw_journal_open(&j, sub, PW_JOURNAL_WRITE), 0);
	CHECK_INT(pw_journal_open(&other, sub, PW_JOURNAL_WRITE), -EBUSY);
	CHECK_INT(pw_journal_open(&other, sub, PW_JOURNAL_READ), 0);
	pw_journal_close(other);
	pw_journal_close(j);
	CHECK_INT(pw_journal_open(&j, sub, PW_JOURNAL_WRITE), 0);
	pw_journal_close(j);
	rmdir(sub);
	remove_dir(dir);
}

UNIT_TEST(journal_batches_write_once)
{
	struct pw_journal *j;
	char *dir = temp_dir(), path[128];
	struct stat before, after;

	CHECK_INT(pw_journal_open(&j, dir, PW_JOURNAL_WRITE), 0);
	CHECK_INT(pw_journal_add_unbalanced(j, "/a", 1), 0);
	snprintf(path, sizeof(path), "%s/state.json", dir);
	CHECK_INT(stat(path, &before), 0);
	pw_journal_begin(j);
	for (int i = 2; i < 100; i++) {
		char p[32];

		snprintf(p, sizeof(p), "/c%d", i);
		CHECK_INT(pw_journal_add_unbalanced(j, p, i), 0);
	}
	/* Nothing written until the batch commits... */
	CHECK_INT(stat(path, &after), 0);
	CHECK(after.st_ino == before.st_ino);
	CHECK_INT(pw_journal_commit(j), 0);
	/* ...then once, by rename. */
	CHECK_INT(stat(path, &after), 0);
	CHECK(after.st_ino != before.st_ino);
	pw_journal_close(j);
	remove_dir(dir);
}

UNIT_TEST(journal_in_memory_writes_nothing)
{
	struct pw_isolation a = entry("abc", "/k/p/abc", 5, "1");
	struct pw_journal *j;
	char *dir = temp_dir(), path[128];

	CHECK_INT(pw_journal_open(&j, dir, PW_JOURNAL_MEMORY), 0);
	CHECK_INT(pw_journal_add(j, &a), 0);
	CHECK_INT(pw_journal_count(j), 1);
	pw_journal_close(j);
	snprintf(path, sizeof(path), "%s/state.json", dir);
	CHECK(access(path, F_OK) != 0);
	remove_dir(dir);
}

UNIT_TEST(journal_unbalanced_index_under_churn)
{
	struct pw_journal *j;
	char path[32];

	CHECK_INT(pw_journal_open(&j, "/nonexistent", PW_JOURNAL_MEMORY), 0);
	for (uint64_t id = 1; id <= 5000; id++) {
		snprintf(path, sizeof(path), "/c%llu", (unsigned long long)id);
		CHECK_INT(pw_journal_add_unbalanced(j, path, id), 0);
	}
	/* Remove every third one; the rest are still found, by id, with their paths. */
	for (uint64_t id = 3; id <= 5000; id += 3)
		CHECK_INT(pw_journal_remove_unbalanced(j, pw_journal_find_unbalanced(j, id, NULL)),
			  0);
	CHECK_INT(pw_journal_unbalanced_count(j), 5000 - 1666);
	for (uint64_t id = 1; id <= 5000; id++) {
		const struct pw_unbalanced *u = pw_journal_find_unbalanced(j, id, NULL);

		snprintf(path, sizeof(path), "/c%llu", (unsigned long long)id);
		if (id % 3 == 0) {
			CHECK(u == NULL);
		} else if (!u || strcmp(u->path, path)) {
			unit_fail(__FILE__, __LINE__, "cgroup %llu lost", (unsigned long long)id);
			break;
		}
	}
	pw_journal_close(j);
}

UNIT_TEST(journal_keeps_knobs_across_a_restart)
{
	struct pw_knob_saved s = { .target = 3, .old = "0", .set = "n/a" };
	struct pw_tuning t = {
		.container_id = "abc",
		.path = "/k/p/abc",
		.hierarchy = 3,
		.cgroup_id = 77,
		.knob = PW_KNOB_CSTATES,
		.value = "disable",
	};
	struct pw_irq_saved irq = { .irq = 24 };
	struct pw_irqbalance_ban ban = { .pid = 4242 };
	struct pw_journal *j, *back;
	const struct pw_tuning *got;
	char *dir = temp_dir();

	pw_cpus_set(&t.cpus, 3);
	pw_cpus_set(&irq.old, 0);
	pw_cpus_set(&irq.old, 3);
	pw_cpus_set(&irq.set, 0);
	CHECK_INT(pw_journal_open(&j, dir, PW_JOURNAL_WRITE), 0);
	CHECK_INT(pw_journal_add_tuning(j, &t), 0);
	CHECK_INT(pw_journal_add_tuning(j, &t), -EEXIST);
	CHECK_INT(pw_journal_tuning_save(j, 3, 77, PW_KNOB_CSTATES, &s), 0);
	CHECK_INT(pw_journal_tuning_save(j, 3, 78, PW_KNOB_CSTATES, &s), -ENOENT);
	CHECK_INT(pw_journal_save_irq(j, &irq), 0);
	pw_cpus_set(&ban.base, 5);
	ban.banned = ban.base;
	pw_cpus_set(&ban.banned, 3);
	CHECK_INT(pw_journal_save_irqbalance(j, &ban), 0);
	pw_journal_close(j);

	CHECK_INT(pw_journal_open(&back, dir, PW_JOURNAL_READ), 0);
	CHECK(pw_journal_irqbalance(back) != NULL);
	if (pw_journal_irqbalance(back)) {
		CHECK_INT(pw_journal_irqbalance(back)->pid, 4242);
		CHECK(pw_cpus_equal(&pw_journal_irqbalance(back)->base, &ban.base));
		CHECK(pw_cpus_equal(&pw_journal_irqbalance(back)->banned, &ban.banned));
	}
	CHECK_INT(pw_journal_tuning_count(back), 1);
	got = pw_journal_find_tuning(back, 3, 77, PW_KNOB_CSTATES);
	CHECK(got != NULL);
	if (got) {
		CHECK_STR(got->value, "disable");
		CHECK(pw_cpus_equal(&got->cpus, &t.cpus));
		CHECK_INT(got->nr_saved, 1);
		CHECK_INT(got->saved[0].target, 3);
		CHECK_STR(got->saved[0].old, "0");
		CHECK_STR(got->saved[0].set, "n/a");
	}
	CHECK(pw_journal_find_tuning(back, 3, 77, PW_KNOB_QUOTA) == NULL);
	CHECK_INT(pw_journal_irq_count(back), 1);
	CHECK(pw_cpus_equal(&pw_journal_find_irq(back, 24)->old, &irq.old));
	CHECK(pw_cpus_equal(&pw_journal_find_irq(back, 24)->set, &irq.set));
	pw_journal_close(back);

	CHECK_INT(pw_journal_open(&j, dir, PW_JOURNAL_WRITE), 0);
	CHECK_INT(pw_journal_remove_tuning(j, 3, 77, PW_KNOB_CSTATES), 0);
	CHECK_INT(pw_journal_remove_irq(j, 24), 0);
	CHECK_INT(pw_journal_clear_irqbalance(j), 0);
	CHECK_INT(pw_journal_tuning_count(j), 0);
	CHECK_INT(pw_journal_irq_count(j), 0);
	CHECK(pw_journal_irqbalance(j) == NULL);
	pw_journal_close(j);
	remove_dir(dir);
}

UNIT_TEST(journal_refuses_hostile_knob_entries)
{
	static const char *const bad[] = {
		/* a value to be written back that is not one a kernel file gave */
		"{\"isolated\":[],\"tuned\":[{\"container_id\":\"a\",\"path\":\"/a\",\"hierarchy\":3,"
		"\"cgroup_id\":1,\"knob\":\"cpu-c-states\",\"value\":\"disable\",\"cpus\":\"1\","
		"\"saved\":[{\"target\":1,\"old\":\"0\\n1\",\"set\":\"n/a\"}]}]}",
		/* a target beyond any CPU */
		"{\"isolated\":[],\"tuned\":[{\"container_id\":\"a\",\"path\":\"/a\",\"hierarchy\":3,"
		"\"cgroup_id\":1,\"knob\":\"cpu-c-states\",\"value\":\"disable\",\"cpus\":\"1\","
		"\"saved\":[{\"target\":99999,\"old\":\"0\",\"set\":\"n/a\"}]}]}",
		/* no such knob */
		"{\"isolated\":[],\"tuned\":[{\"container_id\":\"a\",\"path\":\"/a\",\"hierarchy\":3,"
		"\"cgroup_id\":1,\"knob\":\"bogus\",\"value\":\"disable\",\"cpus\":\"1\",\"saved\":[]}]}",
		/* a governor that is a path */
		"{\"isolated\":[],\"tuned\":[{\"container_id\":\"a\",\"path\":\"/a\",\"hierarchy\":3,"
		"\"cgroup_id\":1,\"knob\":\"cpu-freq-governor\",\"value\":\"../x\",\"cpus\":\"1\","
		"\"saved\":[]}]}",
		/* a path that climbs */
		"{\"isolated\":[],\"tuned\":[{\"container_id\":\"a\",\"path\":\"/a/../..\","
		"\"hierarchy\":3,\"cgroup_id\":1,\"knob\":\"cpu-quota\",\"value\":\"disable\","
		"\"cpus\":\"1\",\"saved\":[]}]}",
		"{\"isolated\":[],\"irq_saved\":[{\"irq\":-5,\"old\":\"0\",\"set\":\"0\"}]}",
		"{\"isolated\":[],\"irq_saved\":[{\"irq\":3,\"old\":\"0-\",\"set\":\"0\"}]}",
		"{\"isolated\":[],\"tuned\":{}}",
	};
	char *dir = temp_dir();

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct pw_journal *j = NULL;
		int err;

		write_state(dir, bad[i]);
		err = pw_journal_open(&j, dir, PW_JOURNAL_READ);
		/* Refused as a whole, or read without the hostile entry: never used. */
		if (!err && (pw_journal_tuning_count(j) || pw_journal_irq_count(j)))
			unit_fail(__FILE__, __LINE__, "hostile journal %zu was used", i);
		pw_journal_close(j);
	}
	remove_dir(dir);
}
