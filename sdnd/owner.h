/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Ownership: the kernel objects sdnd created, persisted in its state directory so that a
 * restarted daemon adopts them and never touches anything else. Links are recorded with their
 * ifindex (0 while a create is in flight: a crash then still leaves a record to adopt or delete).
 */
#ifndef SDND_OWNER_H
#define SDND_OWNER_H

#include <stdbool.h>
#include <stddef.h>

#include "sdnd/obj.h"

struct sdnd_owner_entry {
	char key[SDND_KEY_MAX];
	int ifindex;
	char kind[16];               /* links: "bridge", "vxlan" */
	bool used;                   /* slot holds a live entry */
	bool deleted;                /* tombstone */
};

struct sdnd_owner {
	struct sdnd_owner_entry *e;
	size_t cap, n;               /* cap is a power of two; n live entries */
	size_t tombs;                /* deleted slots, reclaimed by the next rehash */
	char *path;                  /* NULL: not persisted */
	bool dirty;
};

/* Load path (a missing file is an empty set). 0 or -errno (-EBADMSG for a corrupt file). */
int sdnd_owner_load(struct sdnd_owner *o, const char *path);
/* Write atomically if changed. 0 or -errno. */
int sdnd_owner_save(struct sdnd_owner *o);
void sdnd_owner_free(struct sdnd_owner *o);

const struct sdnd_owner_entry *sdnd_owner_get(const struct sdnd_owner *o, const char *key);
int sdnd_owner_set(struct sdnd_owner *o, const char *key, const char *kind, int ifindex);
void sdnd_owner_del(struct sdnd_owner *o, const char *key);

#endif
