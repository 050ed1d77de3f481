/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The control API: HTTP/1.1 with JSON bodies on a unix socket, served with libmicrohttpd from
 * the daemon's own event loop (no thread touches sdnd's state behind the reconciler's back).
 */
#ifndef SDND_API_H
#define SDND_API_H

#include "sdnd/reconcile.h"

#define SDND_API_MAX_BODY (4 * 1024 * 1024)

struct sdnd_api;

struct sdnd_source;

struct sdnd_api_hooks {
	struct sdnd_reconciler *rec;
	struct sdnd_source *src;        /* where PUT /v1/config stores the document */
	void *ctx;
	/* a new generation or attachment was committed: reconcile now (before answering) */
	void (*applied)(void *ctx);
};

struct sdnd_api_opts {
	const char *socket;             /* the unix socket's path */
	const char *group;              /* allowed besides root, if the group exists */
	const char *listen;             /* optional TCP listener, "HOST:PORT"; NULL: none */
	const char *token_file;         /* its bearer token (root's, mode 0600); required with it */
};

/*
 * Listen on the unix socket (mode 0660, root and the group if it exists) and, if asked, on TCP
 * for clients presenting the bearer token. Returns 0 or -errno (logged).
 */
int sdnd_api_start(struct sdnd_api **ret, const struct sdnd_api_opts *opts,
		   const struct sdnd_api_hooks *hooks);
/* The file descriptor to watch for readability (an epoll fd over libmicrohttpd's). */
int sdnd_api_fd(const struct sdnd_api *api);
/* Serve whatever is ready; call when the fd is readable and after timeouts. */
void sdnd_api_run(struct sdnd_api *api);
/* Milliseconds until the API needs sdnd_api_run() again (connection timeouts), -1 for never. */
int sdnd_api_timeout_ms(struct sdnd_api *api);
void sdnd_api_stop(struct sdnd_api *api);

#endif
