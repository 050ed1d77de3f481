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

struct sdnd_api_hooks {
	struct sdnd_reconciler *rec;
	const char *config_path;        /* where PUT /v1/config writes the document */
	void *ctx;
	/* a new generation was committed: reconcile now */
	void (*applied)(void *ctx);
};

/*
 * Listen on socket_path (mode 0660, group group if it exists, else root's). Returns 0 or -errno.
 */
int sdnd_api_start(struct sdnd_api **ret, const char *socket_path, const char *group,
		   const struct sdnd_api_hooks *hooks);
/* The file descriptor to watch for readability (an epoll fd of libmicrohttpd's). */
int sdnd_api_fd(const struct sdnd_api *api);
/* Serve whatever is ready; call when the fd is readable and after timeouts. */
void sdnd_api_run(struct sdnd_api *api);
/* Milliseconds until the API needs sdnd_api_run() again (connection timeouts), -1 for never. */
int sdnd_api_timeout_ms(struct sdnd_api *api);
void sdnd_api_stop(struct sdnd_api *api);

#endif
