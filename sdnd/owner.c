// SPDX-License-Identifier: GPL-2.0-or-later
#include "sdnd/owner.h"

#include <fcntl.h>
#include <json-c/json.h>

#include "sdnd/log.h"
#include "sdnd/state.h"
#include "sdnd/util.h"

static struct sdnd_owner_entry *slot(const struct sdnd_owner *o, const char *key, bool for_insert)
{
	struct sdnd_owner_entry *tomb = NULL;
	size_t h;

	if (!o->cap)
		return NULL;
	h = sdnd_hash_str(key) & (o->cap - 1);
	for (;;) {
		struct sdnd_owner_entry *e = &o->e[h];

		if (!e->used && !e->deleted)
			return for_insert ? (tomb ? tomb : e) : NULL;
		if (e->deleted) {
			if (!tomb)
				tomb = e;
		} else if (!strcmp(e->key, key)) {
			return e;
		}
		h = (h + 1) & (o->cap - 1);
	}
}

const struct sdnd_owner_entry *sdnd_owner_get(const struct sdnd_owner *o, const char *key)
{
	return slot(o, key, false);
}

static int owner_rehash(struct sdnd_owner *o, size_t cap)
{
	struct sdnd_owner_entry *old = o->e;
	size_t oldcap = o->cap, i;

	o->e = calloc(cap, sizeof(*o->e));
	if (!o->e) {
		o->e = old;
		return -ENOMEM;
	}
	o->cap = cap;
	o->n = 0;
	o->tombs = 0;
	for (i = 0; i < oldcap; i++) {
		if (old[i].used) {
			*slot(o, old[i].key, true) = old[i];
			o->n++;
		}
	}
	free(old);
	return 0;
}

int sdnd_owner_set(struct sdnd_owner *o, const char *key, const char *kind, int ifindex)
{
	struct sdnd_owner_entry *e;
	int r;

	/* Tombstones count against the load factor, or probing could find no free slot. */
	if ((o->n + o->tombs + 1) * 2 > o->cap) {
		size_t cap = o->cap ? o->cap : 64;

		while ((o->n + 1) * 2 > cap)
			cap *= 2;
		r = owner_rehash(o, cap);
		if (r < 0)
			return r;
	}
	e = slot(o, key, true);
	if (e->used && e->ifindex == ifindex && !strcmp(e->kind, kind ? kind : ""))
		return 0;
	if (!e->used) {
		if (e->deleted)
			o->tombs--;
		o->n++;
	}
	memset(e, 0, sizeof(*e));
	e->used = true;
	sdnd_strlcpy(e->key, key, sizeof(e->key));
	sdnd_strlcpy(e->kind, kind ? kind : "", sizeof(e->kind));
	e->ifindex = ifindex;
	o->dirty = true;
	return 0;
}

void sdnd_owner_del(struct sdnd_owner *o, const char *key)
{
	struct sdnd_owner_entry *e = slot(o, key, false);

	if (!e)
		return;
	e->used = false;
	e->deleted = true;
	o->n--;
	o->tombs++;
	o->dirty = true;
}

int sdnd_owner_load(struct sdnd_owner *o, const char *path)
{
	struct json_object *root, *objs;
	int r = 0;

	memset(o, 0, sizeof(*o));
	if (path) {
		o->path = strdup(path);
		if (!o->path)
			return -ENOMEM;
	}
	if (!path || access(path, F_OK) < 0)
		return 0;
	root = json_object_from_file(path);
	if (!root || !json_object_object_get_ex(root, "objects", &objs) ||
	    !json_object_is_type(objs, json_type_object)) {
		log_err("%s: not a valid ownership file; adopting nothing", path);
		r = -EBADMSG;
		goto out;
	}
	json_object_object_foreach(objs, key, val) {
		struct json_object *idx, *kind;
		int ifindex = 0;
		const char *k = "";

		if (json_object_object_get_ex(val, "ifindex", &idx))
			ifindex = json_object_get_int(idx);
		if (json_object_object_get_ex(val, "kind", &kind))
			k = json_object_get_string(kind);
		r = sdnd_owner_set(o, key, k, ifindex);
		if (r < 0)
			break;
	}
	o->dirty = false;
out:
	json_object_put(root);
	return r;
}

int sdnd_owner_save(struct sdnd_owner *o)
{
	struct json_object *root, *objs;
	size_t i;
	int r;

	if (!o->path || !o->dirty)
		return 0;
	root = json_object_new_object();
	objs = json_object_new_object();
	json_object_object_add(root, "version", json_object_new_int(1));
	json_object_object_add(root, "objects", objs);
	for (i = 0; i < o->cap; i++) {
		struct json_object *e;

		if (!o->e[i].used)
			continue;
		e = json_object_new_object();
		if (*o->e[i].kind)
			json_object_object_add(e, "kind", json_object_new_string(o->e[i].kind));
		if (o->e[i].ifindex)
			json_object_object_add(e, "ifindex", json_object_new_int(o->e[i].ifindex));
		json_object_object_add(objs, o->e[i].key, e);
	}
	r = sdnd_write_atomic(o->path, json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	json_object_put(root);
	if (r == 0)
		o->dirty = false;
	return r;
}

void sdnd_owner_free(struct sdnd_owner *o)
{
	free(o->e);
	free(o->path);
	memset(o, 0, sizeof(*o));
}
