/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SDND_DAEMON_H
#define SDND_DAEMON_H

#include "sdnd/reconcile.h"

struct sdnd_daemon_opts {
	const char *config;
	const char *state_dir;
	const char *node;
	unsigned int resync_interval;   /* 0: from the document */
	int event_buf;                  /* event socket receive buffer, bytes */
	const char *socket;             /* control API socket; NULL: <state_dir>/sdnd.sock */
	const char *group;              /* group allowed on the API besides root */
	const char *listen;             /* optional TCP listener of the API, "HOST:PORT" */
	const char *token_file;         /* its bearer token */
	bool foreground;
};

/* Take the state directory's lock. Returns the lock fd, or -EBUSY with *ret_pid the holder. */
int sdnd_lock(const char *state_dir, bool write_pid, pid_t *ret_pid);
struct sdnd_source;
/* Run the daemon with the definition from src until SIGTERM/SIGINT. Returns the exit status. */
int sdnd_daemon_run(const struct sdnd_daemon_opts *opts, struct sdnd_source *src);

#endif
