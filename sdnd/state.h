/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Files under the run directory: atomic writes. */
#ifndef SDND_STATE_H
#define SDND_STATE_H

#include <stdbool.h>

/*
 * Write text to path through a temporary file and rename(2); with durable, fsync it first (for
 * what must survive a crash, not for what is rewritten every second). 0 or -errno.
 */
int sdnd_write_atomic(const char *path, const char *text, bool durable);
/* mkdir -p with mode. 0 or -errno. */
int sdnd_mkdir_p(const char *path, unsigned int mode);

#endif
