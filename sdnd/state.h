/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Files under the run directory: atomic writes, whole reads. */
#ifndef SDND_STATE_H
#define SDND_STATE_H

#include <stddef.h>

/*
 * Write text (and a final newline if it has none) to path through a temporary file and
 * rename(2): readers see the old or the new
 * file, never a part, and a crash of the daemon loses nothing. There is no fsync: sdnd's state
 * describes kernel objects, which do not outlive the machine either. 0 or -errno.
 */
int sdnd_write_atomic(const char *path, const char *text);
/*
 * The whole of path (at most 64 MiB) into *ret_buf (malloc'd, NUL-terminated), its length in
 * *ret_len. 0 or -errno (-EFBIG past the limit).
 */
int sdnd_read_file(const char *path, char **ret_buf, size_t *ret_len);
/* mkdir -p with mode. 0 or -errno. */
int sdnd_mkdir_p(const char *path, unsigned int mode);

#endif
