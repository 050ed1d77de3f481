/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where the definition comes from: a source. The daemon runs one, chosen at start: the local
 * file (sdnd/source_file.c, the default) or a cluster store (sdnd/cluster.c, etcd). A source
 * hands documents to the reconciler (sdnd_rec_offer) and calls changed() when a new generation
 * is running; PUT /v1/config stores a validated document through it.
 */
#ifndef SDND_SOURCE_H
#define SDND_SOURCE_H

#include <json-c/json.h>

#include "sdnd/reconcile.h"

struct sdnd_source;

/* A write's result, when it could not be had at once (see write()); err is "" on success. */
typedef void (*sdnd_write_done)(void *ctx, int r, const char *err);

struct sdnd_source_ops {
	const char *kind;                                       /* "file", "etcd" */
	/* Load the first definition (there may be none yet) and start watching. */
	int (*start)(struct sdnd_source *s);
	/* For the event loop: an fd to read (-1: none), ms until run() is due (-1: never). */
	int (*fd)(struct sdnd_source *s);
	int (*timeout_ms)(struct sdnd_source *s);
	void (*run)(struct sdnd_source *s);
	/* SIGHUP: read the definition again. */
	void (*reload)(struct sdnd_source *s, const char *why);
	/*
	 * Store g (validated by sdnd_rec_prepare) as the new definition and make it the running
	 * generation, if the definition if_match names (an ETag of etag(); NULL or "*": any) is
	 * still the current one. Done at once: 0; -ESTALE when it is not (another writer came
	 * first); -EAGAIN with err when the store cannot be reached; or -errno with err. Or
	 * -EINPROGRESS: the source took g (the caller's is emptied) and calls done(ctx, r, err)
	 * with one of those results later, from run(), unless cancel_write(s, ctx) came first;
	 * before that run() returns, what it wrote is running and reconciled (changed()).
	 */
	int (*write)(struct sdnd_source *s, struct sdnd_generation *g, const char *if_match,
		     sdnd_write_done done, void *ctx, char *err, size_t err_size);
	/* Forget the write started with ctx: no done() call follows. NULL: writes are at once. */
	void (*cancel_write)(struct sdnd_source *s, void *ctx);
	/* The ETag of the running definition, quoted. */
	void (*etag)(struct sdnd_source *s, char *buf, size_t size);
	/* A reconcile ran (the status may have changed). NULL: nothing to do. */
	void (*reconciled)(struct sdnd_source *s);
	/* The cluster's nodes and their status for GET /v1/cluster; NULL: not a cluster. */
	struct json_object *(*cluster_json)(struct sdnd_source *s);
	/* Stopping: clean (SIGTERM) tells the cluster at once. */
	void (*stop)(struct sdnd_source *s, bool clean);
	void (*free)(struct sdnd_source *s);
};

struct sdnd_source {
	const struct sdnd_source_ops *ops;
	struct sdnd_reconciler *rec;
	/* a new generation is running: reconcile */
	void (*changed)(void *ctx);
	void *ctx;
};

/* The local file: path, reread when it changes (inotify) and on SIGHUP; PUT writes it. */
int sdnd_source_file_new(struct sdnd_source **ret, const char *path);

#endif
