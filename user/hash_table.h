/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one hash table: chains of links embedded in the caller's entries (as
 * the kernel's hlist), each link keeping its entry's hash so the table can
 * grow without asking for keys. The table never compares keys: a look-up
 * walks the links of one hash and the caller compares. It never allocates
 * or frees an entry either. Any 64-bit value is a hash (the table mixes it):
 * a cgroup id is its own.
 *
 * Used for the node's cgroups, the interned CPU sets, the runtimes' state
 * by id and by path, and the journal's unbalanced cpusets by cgroup id.
 */
#ifndef PW_HASH_TABLE_H
#define PW_HASH_TABLE_H

#include <stddef.h>
#include <stdint.h>

struct pw_hash_link {
	struct pw_hash_link *next;
	uint64_t hash;
};

struct pw_hash_table {
	struct pw_hash_link **buckets;
	size_t nr_buckets; /* a power of two */
	size_t count;
};

/* The entry of type holding link (member names the link in it). */
#define pw_hash_entry(link, type, member) ((type *)((char *)(link)-offsetof(type, member)))

/* An empty table of at least min_buckets buckets; 0 or -ENOMEM. */
int pw_hash_init(struct pw_hash_table *t, size_t min_buckets);
/* Free the buckets (the entries are the caller's). */
void pw_hash_free(struct pw_hash_table *t);
/* Empty the table without touching its entries (their links are stale after). */
void pw_hash_clear(struct pw_hash_table *t);

/* Link an entry under hash; the table doubles when it holds as many as it has buckets. */
void pw_hash_add(struct pw_hash_table *t, struct pw_hash_link *link, uint64_t hash);
/* Unlink an entry that is in t. */
void pw_hash_del(struct pw_hash_table *t, struct pw_hash_link *link);

/* The first link with this hash, then the next with the same hash; NULL at the end. */
struct pw_hash_link *pw_hash_first(const struct pw_hash_table *t, uint64_t hash);
struct pw_hash_link *pw_hash_next(const struct pw_hash_link *link);

/* Every link of t in turn; the body may unlink (not add) the one it is given. */
#define pw_hash_for_each(t, i, link, tmp)                                                          \
	for ((i) = 0; (i) < (t)->nr_buckets; (i)++)                                                \
		for ((link) = (t)->buckets[i]; (link) && ((tmp) = (link)->next, 1); (link) = (tmp))

/* A string's hash (FNV-1a over its bytes as they are): paths, container ids. */
uint64_t pw_hash_str(const char *s);

#endif /* PW_HASH_TABLE_H */
