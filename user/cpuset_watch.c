// SPDX-License-Identifier: GPL-2.0-only
/* inotify watches on cpuset.cpus files, indexed by watch descriptor. */
#include "cpuset_watch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "log.h"

#define MAX_WATCHES_FILE "/proc/sys/fs/inotify/max_user_watches"

int pw_cpuset_watch_open(struct pw_cpuset_watch *w)
{
	memset(w, 0, sizeof(*w));
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0) {
		int err = -errno;

		pw_err("cannot watch cpuset files: inotify_init1: %s%s", strerror(-err),
		       err == -EMFILE ? " (fs.inotify.max_user_instances reached)" : "");
		return err;
	}
	return 0;
}

void pw_cpuset_watch_close(struct pw_cpuset_watch *w)
{
	if (w->fd >= 0)
		close(w->fd);
	free(w->entries);
	memset(w, 0, sizeof(*w));
	w->fd = -1;
}

/* The first entry whose wd is not below wd. */
static size_t lower_bound(const struct pw_cpuset_watch *w, int wd)
{
	size_t lo = 0, hi = w->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (w->entries[mid].wd < wd)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct pw_watched *find(const struct pw_cpuset_watch *w, int wd)
{
	size_t i = lower_bound(w, wd);

	return i < w->count && w->entries[i].wd == wd && w->entries[i].id ? &w->entries[i] : NULL;
}

/* Drop the holes once they are half the array: removal stays O(1) amortized. */
static void compact(struct pw_cpuset_watch *w)
{
	size_t kept = 0;

	if (w->holes * 2 < w->count)
		return;
	for (size_t i = 0; i < w->count; i++)
		if (w->entries[i].id)
			w->entries[kept++] = w->entries[i];
	w->count = kept;
	w->holes = 0;
}

static int insert(struct pw_cpuset_watch *w, int wd, int hierarchy, uint64_t id)
{
	size_t i = lower_bound(w, wd);

	/* The file was watched already (the kernel gives its watch again), or a hole is there. */
	if (i < w->count && w->entries[i].wd == wd) {
		if (!w->entries[i].id)
			w->holes--;
		w->entries[i] = (struct pw_watched){ wd, hierarchy, id };
		return 0;
	}
	if (w->count == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 256;
		struct pw_watched *e = realloc(w->entries, cap * sizeof(*e));

		if (!e)
			return -ENOMEM;
		w->entries = e;
		w->cap = cap;
	}
	/* New descriptors come increasing: almost always an append. */
	memmove(&w->entries[i + 1], &w->entries[i], (w->count - i) * sizeof(*w->entries));
	w->entries[i] = (struct pw_watched){ wd, hierarchy, id };
	w->count++;
	return 0;
}

static void say_limit(struct pw_cpuset_watch *w)
{
	char limit[32] = "?";
	FILE *f;

	w->at_limit++;
	if (w->limit_said)
		return;
	w->limit_said = true;
	f = fopen(MAX_WATCHES_FILE, "re");
	if (f) {
		if (fgets(limit, sizeof(limit), f))
			limit[strcspn(limit, "\n")] = '\0';
		fclose(f);
	}
	pw_warn("cannot watch more cpuset files: fs.inotify.max_user_watches (%s) is reached; CPU "
		"changes of further cgroups are seen at each rescan only (raise it with sysctl)",
		limit);
}

int pw_cpuset_watch_add(struct pw_cpuset_watch *w, int dir_fd, int hierarchy, uint64_t id)
{
	char path[64];
	int wd, err;

	/* By the directory already opened beneath the mount: no path a name could bend. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d/cpuset.cpus", dir_fd);
	wd = inotify_add_watch(w->fd, path, IN_MODIFY | IN_DONT_FOLLOW);
	if (wd < 0) {
		err = -errno;
		if (err == -ENOSPC)
			say_limit(w);
		return err;
	}
	err = insert(w, wd, hierarchy, id);
	if (err) {
		inotify_rm_watch(w->fd, wd);
		return err;
	}
	return wd;
}

void pw_cpuset_watch_remove(struct pw_cpuset_watch *w, int wd)
{
	struct pw_watched *e = find(w, wd);

	if (!e)
		return;
	/* EINVAL: the kernel dropped it already (IN_IGNORED on its way). */
	inotify_rm_watch(w->fd, wd);
	e->id = 0;
	w->holes++;
	compact(w);
}

int pw_cpuset_watch_read(struct pw_cpuset_watch *w,
			 void (*changed)(void *ctx, int hierarchy, uint64_t id),
			 void (*overflow)(void *ctx), void *ctx)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));

	/*
	 * A few reads per turn at most: a writer that never stops (a user
	 * rewriting its own cpuset.cpus) cannot keep the agent here; what is
	 * left is read on the next turn (the fd stays readable).
	 */
	for (int reads = 0; reads < PW_CPUSET_WATCH_READS; reads++) {
		ssize_t n = read(w->fd, buf, sizeof(buf));

		if (n < 0)
			return errno == EAGAIN ? 0 : -errno;
		for (ssize_t off = 0; off + (ssize_t)sizeof(struct inotify_event) <= n;) {
			const struct inotify_event *ev = (const void *)(buf + off);
			struct pw_watched *e;

			off += sizeof(*ev) + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				overflow(ctx);
				continue;
			}
			e = find(w, ev->wd);
			if (!e)
				continue;
			if (ev->mask & IN_IGNORED) {
				e->id = 0; /* the kernel removed the watch: its file is gone */
				w->holes++;
				compact(w);
			} else if (ev->mask & IN_MODIFY) {
				changed(ctx, e->hierarchy, e->id); /* may add or remove watches */
			}
		}
	}
	return 0;
}
