// SPDX-License-Identifier: GPL-2.0-only
/* The one hash table: links found by hash, collisions kept apart, growth, removal while iterating. */
#include "hash_table.h"
#include "unit.h"

struct item {
	int key;
	struct pw_hash_link link;
};

static struct item *find(const struct pw_hash_table *t, int key, uint64_t hash)
{
	for (struct pw_hash_link *l = pw_hash_first(t, hash); l; l = pw_hash_next(l))
		if (pw_hash_entry(l, struct item, link)->key == key)
			return pw_hash_entry(l, struct item, link);
	return NULL;
}

UNIT_TEST(hash_table_finds_grows_and_removes)
{
	enum { N = 5000 };
	static struct item items[N];
	struct pw_hash_table t;
	struct pw_hash_link *link, *tmp;
	size_t i, seen = 0;

	CHECK_INT(pw_hash_init(&t, 10), 0);
	CHECK_INT(t.nr_buckets, 16); /* rounded up to a power of two */
	for (int k = 0; k < N; k++) {
		items[k].key = k;
		/* Every tenth key shares its hash with the one before: the caller tells them apart. */
		pw_hash_add(&t, &items[k].link, k % 10 == 9 ? (uint64_t)k - 1 : (uint64_t)k);
	}
	CHECK_INT(t.count, N);
	CHECK(t.nr_buckets >= N);
	for (int k = 0; k < N; k++)
		CHECK(find(&t, k, k % 10 == 9 ? (uint64_t)k - 1 : (uint64_t)k) == &items[k]);
	CHECK(find(&t, N, N) == NULL);
	/* A link of another hash in the same bucket is not returned for this one. */
	for (link = pw_hash_first(&t, 3); link; link = pw_hash_next(link))
		CHECK_INT(link->hash, 3);

	/* Unlink the odd keys while iterating over every link. */
	pw_hash_for_each(&t, i, link, tmp)
	{
		seen++;
		if (pw_hash_entry(link, struct item, link)->key % 2)
			pw_hash_del(&t, link);
	}
	CHECK_INT(seen, N);
	CHECK_INT(t.count, N / 2);
	CHECK(find(&t, 8, 8) == &items[8]);
	CHECK(find(&t, 9, 8) == NULL);
	CHECK(find(&t, 7, 7) == NULL);

	pw_hash_clear(&t);
	CHECK_INT(t.count, 0);
	CHECK(find(&t, 8, 8) == NULL);
	pw_hash_free(&t);
	CHECK(t.buckets == NULL);
}

UNIT_TEST(hash_table_string_hash)
{
	CHECK(pw_hash_str("") == 0xcbf29ce484222325ULL); /* FNV-1a's offset basis */
	CHECK(pw_hash_str("a") == 0xaf63dc4c8601ec8cULL);
	CHECK(pw_hash_str("/kubepods/a") != pw_hash_str("/kubepods/b"));
}
