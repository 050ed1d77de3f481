// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The local file as the source of the definition: read at start, read again when it changes
 * (inotify on its directory, so editors that replace the file are seen; debounced) and on
 * SIGHUP. PUT /v1/config writes the file before the new generation runs, so a restart finds
 * what the API accepted.
 */
#include <libgen.h>
#include <sys/inotify.h>

#include "sdnd/log.h"
#include "sdnd/source.h"
#include "sdnd/state.h"
#include "sdnd/util.h"

#define RELOAD_DEBOUNCE_MS 50

struct file_source {
	struct sdnd_source s;
	char *path, *dir, *base;
	int ifd;
	uint64_t reload_at;             /* ms (monotonic) when to read the file again; 0: not due */
};

static struct file_source *fs_of(struct sdnd_source *s)
{
	return (struct file_source *)s;
}

static void load(struct file_source *f, const char *why)
{
	struct sdnd_reconciler *rec = f->s.rec;
	uint64_t gen = rec->generation;

	if (sdnd_rec_load(rec, f->path, NULL) == 0 && rec->generation != gen) {
		log_info("%s: loaded generation %llu (%s, %zu objects)", f->path,
			 (unsigned long long)rec->generation, why, rec->want.n);
		f->s.changed(f->s.ctx);
		return;
	}
	/* rejected, or the running document again (which clears a rejection): say so */
	sdnd_rec_write_status(rec);
}

static int fs_start(struct sdnd_source *s)
{
	struct file_source *f = fs_of(s);

	if (inotify_add_watch(f->ifd, f->dir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE) < 0)
		log_warn("%s: cannot watch for changes (%s); reload with SIGHUP", f->dir,
			 strerror(errno));
	if (sdnd_rec_load(s->rec, f->path, NULL) == 0)
		log_info("%s: loaded generation 1 (%zu objects)", f->path, s->rec->want.n);
	else
		log_err("no valid configuration yet: the kernel is left as it is until %s is fixed",
			f->path);
	return 0;
}

static int fs_fd(struct sdnd_source *s)
{
	return fs_of(s)->ifd;
}

static int fs_timeout_ms(struct sdnd_source *s)
{
	struct file_source *f = fs_of(s);
	uint64_t now = sdnd_now_ms();

	if (!f->reload_at)
		return -1;
	return f->reload_at > now ? (int)(f->reload_at - now) : 0;
}

/* Does an inotify batch name the file? */
static bool inotify_hits(struct file_source *f)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool hit = false;
	ssize_t n;

	while ((n = read(f->ifd, buf, sizeof(buf))) > 0) {
		char *p;

		for (p = buf; p < buf + n;) {
			const struct inotify_event *e = (const struct inotify_event *)p;

			if (e->len && !strcmp(e->name, f->base))
				hit = true;
			p += sizeof(*e) + e->len;
		}
	}
	return hit;
}

static void fs_run(struct sdnd_source *s)
{
	struct file_source *f = fs_of(s);

	if (inotify_hits(f) && !f->reload_at)
		f->reload_at = sdnd_now_ms() + RELOAD_DEBOUNCE_MS;
	if (f->reload_at && f->reload_at <= sdnd_now_ms()) {
		f->reload_at = 0;
		load(f, "the file changed");
	}
}

static void fs_reload(struct sdnd_source *s, const char *why)
{
	load(fs_of(s), why);
}

static void fs_etag(struct sdnd_source *s, char *buf, size_t size)
{
	snprintf(buf, size, "\"%llu\"", (unsigned long long)s->rec->generation);
}

static int fs_write(struct sdnd_source *s, struct sdnd_generation *g, const char *if_match,
		    sdnd_write_done done, void *ctx, char *err, size_t err_size)
{
	struct file_source *f = fs_of(s);
	char etag[32];
	int r;

	fs_etag(s, etag, sizeof(etag));
	if (if_match && strcmp(if_match, "*") && strcmp(if_match, etag) &&
	    strtoull(if_match, NULL, 10) != s->rec->generation)
		return -ESTALE;
	r = sdnd_write_atomic(f->path, g->text);
	if (r < 0) {
		snprintf(err, err_size, "%s: %s", f->path, strerror(-r));
		return r;
	}
	r = sdnd_rec_commit(s->rec, g);
	if (r < 0)
		snprintf(err, err_size, "%s", strerror(-r));
	return r;
}

static void fs_free(struct sdnd_source *s)
{
	struct file_source *f = fs_of(s);

	if (f->ifd >= 0)
		close(f->ifd);
	free(f->path);
	free(f->dir);
	free(f->base);
	free(f);
}

static const struct sdnd_source_ops file_ops = {
	.kind = "file",
	.start = fs_start,
	.fd = fs_fd,
	.timeout_ms = fs_timeout_ms,
	.run = fs_run,
	.reload = fs_reload,
	.write = fs_write,
	.etag = fs_etag,
	.free = fs_free,
};

int sdnd_source_file_new(struct sdnd_source **ret, const char *path)
{
	struct file_source *f = calloc(1, sizeof(*f));
	_cleanup_free_ char *d = strdup(path), *b = strdup(path);

	if (!f || !d || !b) {
		free(f);
		return -ENOMEM;
	}
	f->s.ops = &file_ops;
	f->path = strdup(path);
	f->dir = strdup(dirname(d));
	f->base = strdup(basename(b));
	f->ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (!f->path || !f->dir || !f->base || f->ifd < 0) {
		int r = f->ifd < 0 ? -errno : -ENOMEM;

		fs_free(&f->s);
		return r;
	}
	*ret = &f->s;
	return 0;
}
