// SPDX-License-Identifier: GPL-2.0-only
/* The one hash table: intrusive chains, doubled as it fills. */
#include "hash_table.h"

#include <errno.h>
#include <stdlib.h>

/*
 * Fibonacci hashing: the multiply spreads every bit of hash into the high
 * ones, which pick the bucket, so a key may be its own hash (a cgroup id).
 */
static size_t bucket_of(const struct pw_hash_table *t, uint64_t hash)
{
	return (size_t)((hash * 0x9e3779b97f4a7c15ULL) >> 32) & (t->nr_buckets - 1);
}

int pw_hash_init(struct pw_hash_table *t, size_t min_buckets)
{
	size_t nr = 16;

	while (nr < min_buckets)
		nr *= 2;
	t->buckets = calloc(nr, sizeof(*t->buckets));
	t->nr_buckets = t->buckets ? nr : 0;
	t->count = 0;
	return t->buckets ? 0 : -ENOMEM;
}

void pw_hash_free(struct pw_hash_table *t)
{
	free(t->buckets);
	t->buckets = NULL;
	t->nr_buckets = 0;
	t->count = 0;
}

void pw_hash_clear(struct pw_hash_table *t)
{
	for (size_t i = 0; i < t->nr_buckets; i++)
		t->buckets[i] = NULL;
	t->count = 0;
}

static void grow(struct pw_hash_table *t)
{
	struct pw_hash_table bigger = { .nr_buckets = t->nr_buckets * 2 };
	struct pw_hash_link *link, *tmp;
	size_t i;

	bigger.buckets = calloc(bigger.nr_buckets, sizeof(*bigger.buckets));
	if (!bigger.buckets)
		return; /* longer chains, still correct */
	pw_hash_for_each(t, i, link, tmp)
	{
		size_t b = bucket_of(&bigger, link->hash);

		link->next = bigger.buckets[b];
		bigger.buckets[b] = link;
	}
	free(t->buckets);
	t->buckets = bigger.buckets;
	t->nr_buckets = bigger.nr_buckets;
}

void pw_hash_add(struct pw_hash_table *t, struct pw_hash_link *link, uint64_t hash)
{
	size_t b;

	if (t->count >= t->nr_buckets)
		grow(t);
	b = bucket_of(t, hash);
	link->hash = hash;
	link->next = t->buckets[b];
	t->buckets[b] = link;
	t->count++;
}

void pw_hash_del(struct pw_hash_table *t, struct pw_hash_link *link)
{
	struct pw_hash_link **pp = &t->buckets[bucket_of(t, link->hash)];

	for (; *pp; pp = &(*pp)->next) {
		if (*pp == link) {
			*pp = link->next;
			t->count--;
			return;
		}
	}
}

static struct pw_hash_link *same_hash(struct pw_hash_link *link, uint64_t hash)
{
	while (link && link->hash != hash)
		link = link->next;
	return link;
}

struct pw_hash_link *pw_hash_first(const struct pw_hash_table *t, uint64_t hash)
{
	return same_hash(t->buckets[bucket_of(t, hash)], hash);
}

struct pw_hash_link *pw_hash_next(const struct pw_hash_link *link)
{
	return same_hash(link->next, link->hash);
}

uint64_t pw_hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}
