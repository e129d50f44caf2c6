// SPDX-License-Identifier: GPL-2.0-only
/* cpulist parsing and formatting, bitmap operations. */
#include "cpulist.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

void pw_cpus_clear(struct pw_cpus *cpus)
{
	memset(cpus, 0, sizeof(*cpus));
}

void pw_cpus_set(struct pw_cpus *cpus, unsigned int cpu)
{
	if (cpu < PW_MAX_CPUS)
		cpus->bits[cpu / 64] |= 1ULL << (cpu % 64);
}

bool pw_cpus_test(const struct pw_cpus *cpus, unsigned int cpu)
{
	return cpu < PW_MAX_CPUS && (cpus->bits[cpu / 64] >> (cpu % 64)) & 1;
}

bool pw_cpus_empty(const struct pw_cpus *cpus)
{
	for (size_t i = 0; i < PW_MAX_CPUS / 64; i++)
		if (cpus->bits[i])
			return false;
	return true;
}

bool pw_cpus_equal(const struct pw_cpus *a, const struct pw_cpus *b)
{
	return memcmp(a->bits, b->bits, sizeof(a->bits)) == 0;
}

bool pw_cpus_intersects(const struct pw_cpus *a, const struct pw_cpus *b)
{
	for (size_t i = 0; i < PW_MAX_CPUS / 64; i++)
		if (a->bits[i] & b->bits[i])
			return true;
	return false;
}

unsigned int pw_cpus_count(const struct pw_cpus *cpus)
{
	unsigned int n = 0;

	for (size_t i = 0; i < PW_MAX_CPUS / 64; i++)
		n += __builtin_popcountll(cpus->bits[i]);
	return n;
}

void pw_cpus_or(struct pw_cpus *dst, const struct pw_cpus *src)
{
	for (size_t i = 0; i < PW_MAX_CPUS / 64; i++)
		dst->bits[i] |= src->bits[i];
}

void pw_cpus_and(struct pw_cpus *dst, const struct pw_cpus *src)
{
	for (size_t i = 0; i < PW_MAX_CPUS / 64; i++)
		dst->bits[i] &= src->bits[i];
}

void pw_cpus_andnot(struct pw_cpus *dst, const struct pw_cpus *src)
{
	for (size_t i = 0; i < PW_MAX_CPUS / 64; i++)
		dst->bits[i] &= ~src->bits[i];
}

bool pw_cpus_subset(const struct pw_cpus *a, const struct pw_cpus *b)
{
	for (size_t i = 0; i < PW_MAX_CPUS / 64; i++)
		if (a->bits[i] & ~b->bits[i])
			return false;
	return true;
}

int pw_cpus_next(const struct pw_cpus *cpus, int prev)
{
	unsigned int cpu = prev + 1;

	while (cpu < PW_MAX_CPUS) {
		uint64_t word = cpus->bits[cpu / 64] >> (cpu % 64);

		if (word)
			return cpu + __builtin_ctzll(word);
		cpu = (cpu / 64 + 1) * 64;
	}
	return -1;
}

/* Parse a CPU number at s[*pos]; -1 if there is none or it is too large. */
static long parse_cpu(const char *s, size_t len, size_t *pos)
{
	long v = 0;
	size_t start = *pos;

	while (*pos < len && isdigit((unsigned char)s[*pos])) {
		v = v * 10 + (s[*pos] - '0');
		if (v >= PW_MAX_CPUS)
			return -1;
		(*pos)++;
	}
	return *pos == start ? -1 : v;
}

int pw_cpus_parse(const char *s, size_t len, struct pw_cpus *cpus, const char **why)
{
	size_t pos = 0;
	long first, last;

	pw_cpus_clear(cpus);
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	while (pos < len && isspace((unsigned char)s[pos]))
		pos++;
	if (pos == len)
		return 0;
	for (;;) {
		size_t at = pos;

		first = parse_cpu(s, len, &pos);
		if (first < 0) {
			*why = pos < len && isdigit((unsigned char)s[at]) ? "CPU number too large" :
									    "expected a CPU number";
			return -EINVAL;
		}
		last = first;
		if (pos < len && s[pos] == '-') {
			pos++;
			last = parse_cpu(s, len, &pos);
			if (last < 0) {
				*why = "expected a CPU number after '-'";
				return -EINVAL;
			}
			if (last < first) {
				*why = "range ends before it starts";
				return -EINVAL;
			}
		}
		for (long c = first; c <= last; c++)
			pw_cpus_set(cpus, c);
		if (pos == len)
			return 0;
		if (s[pos] != ',') {
			*why = "unexpected character";
			return -EINVAL;
		}
		pos++;
	}
}

void pw_cpus_format(const struct pw_cpus *cpus, char *buf, size_t size)
{
	size_t used = 0;
	int n, c, end;

	if (size == 0)
		return;
	buf[0] = '\0';
	/* Walk the set bits, not all 8192: a cpulist is formatted per container in ps. */
	for (c = pw_cpus_next(cpus, -1); c >= 0; c = pw_cpus_next(cpus, end)) {
		end = c;
		while (end + 1 < PW_MAX_CPUS && pw_cpus_test(cpus, end + 1))
			end++;
		if (end == c)
			n = snprintf(buf + used, size - used, "%s%d", used ? "," : "", c);
		else
			n = snprintf(buf + used, size - used, "%s%d-%d", used ? "," : "", c, end);
		/* Keep room for ",..." so a cut list says so and never ends in a cut number. */
		if (n < 0 || (size_t)n + 5 > size - used) {
			snprintf(buf + used, size - used, "%s", size - used >= 5 ? ",..." : "");
			return;
		}
		used += n;
	}
}

int pw_cpus_parse_mask(const char *s, size_t len, struct pw_cpus *cpus, const char **why)
{
	unsigned int bit = 0, digits = 0;

	pw_cpus_clear(cpus);
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	while (len && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	if (!len) {
		*why = "an empty mask";
		return -EINVAL;
	}
	/* From the lowest digit up: each one is CPUs bit..bit+3. */
	for (size_t i = len; i-- > 0;) {
		int v;

		if (s[i] == ',') {
			/* A word boundary: every word but the first has 8 digits. */
			if (digits != 8 || i == 0) {
				*why = "a mask word that is not 8 hex digits";
				return -EINVAL;
			}
			digits = 0;
			continue;
		}
		if (!isxdigit((unsigned char)s[i]) || digits == 8) {
			*why = "not a hex CPU mask";
			return -EINVAL;
		}
		v = isdigit((unsigned char)s[i]) ? s[i] - '0' :
						   (tolower((unsigned char)s[i]) - 'a' + 10);
		for (int b = 0; b < 4; b++, bit++)
			if (v & (1 << b)) {
				if (bit >= PW_MAX_CPUS) {
					*why = "a CPU number beyond 8191";
					return -EINVAL;
				}
				pw_cpus_set(cpus, bit);
			}
		digits++;
	}
	return 0;
}

void pw_cpus_format_mask(const struct pw_cpus *cpus, char *buf, size_t size)
{
	int words = 1, last = -1;
	size_t used = 0;

	if (size == 0)
		return;
	for (int c = pw_cpus_next(cpus, -1); c >= 0; c = pw_cpus_next(cpus, c))
		last = c;
	if (last >= 0)
		words = last / 32 + 1;
	buf[0] = '\0';
	for (int w = words - 1; w >= 0; w--) {
		uint32_t word = (uint32_t)(cpus->bits[w / 2] >> (w % 2 * 32));
		int n = snprintf(buf + used, size - used, w == words - 1 ? "%x" : ",%08x", word);

		if (n < 0 || (size_t)n >= size - used) {
			buf[0] = '\0'; /* a cut mask would name other CPUs: none at all */
			return;
		}
		used += n;
	}
}

#define POOL_MIN_BUCKETS 64

static uint64_t cpus_hash(const struct pw_cpus *cpus)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < PW_MAX_CPUS / 64; i++)
		h = (h ^ cpus->bits[i]) * 0x100000001b3ULL;
	return h;
}

int pw_cpuset_pool_init(struct pw_cpuset_pool *pool)
{
	return pw_hash_init(&pool->sets, POOL_MIN_BUCKETS);
}

void pw_cpuset_pool_free(struct pw_cpuset_pool *pool)
{
	struct pw_hash_link *link, *tmp;
	size_t i;

	if (!pool || !pool->sets.buckets)
		return;
	pw_hash_for_each(&pool->sets, i, link, tmp)
		free(pw_hash_entry(link, struct pw_cpuset, link));
	pw_hash_free(&pool->sets);
}

const struct pw_cpuset *pw_cpuset_get(struct pw_cpuset_pool *pool, const struct pw_cpus *cpus)
{
	uint64_t h = cpus_hash(cpus);
	struct pw_hash_link *link;
	struct pw_cpuset *s;

	for (link = pw_hash_first(&pool->sets, h); link; link = pw_hash_next(link)) {
		s = pw_hash_entry(link, struct pw_cpuset, link);
		if (pw_cpus_equal(&s->cpus, cpus)) {
			s->refs++;
			return s;
		}
	}
	s = malloc(sizeof(*s));
	if (!s)
		return NULL;
	s->cpus = *cpus;
	s->refs = 1;
	pw_hash_add(&pool->sets, &s->link, h);
	return s;
}

void pw_cpuset_put(struct pw_cpuset_pool *pool, const struct pw_cpuset *set)
{
	struct pw_cpuset *s = (struct pw_cpuset *)set;

	if (!s || --s->refs)
		return;
	pw_hash_del(&pool->sets, &s->link);
	free(s);
}

int pw_cpus_online(struct pw_cpus *cpus)
{
	char buf[PW_CPULIST_LEN * 4];
	const char *why;
	FILE *f = fopen("/sys/devices/system/cpu/online", "re");
	int err = -EIO;

	if (!f)
		return -errno;
	if (fgets(buf, sizeof(buf), f))
		err = pw_cpus_parse(buf, strlen(buf), cpus, &why);
	fclose(f);
	return err;
}

int pw_cpus_parse_option(const char *arg, const char *option, struct pw_cpus *out)
{
	const char *why;

	if (pw_cpus_parse(arg, strlen(arg), out, &why)) {
		pw_err("invalid %s '%s': %s", option, PW_Q(arg), why);
		return -EINVAL;
	}
	if (!pw_cpus_count(out)) {
		pw_err("invalid %s '%s': names no CPU", option, PW_Q(arg));
		return -EINVAL;
	}
	return 0;
}
