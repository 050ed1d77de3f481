/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internal to the configuration parser (zones/parse.c) and the parts of the schema that live in
 * other directories (firewall/parse.c): the document tree, the parse context, error recording
 * and the helpers that check one node against the schema. Not a public interface.
 *
 * Every helper that checks something reports what is wrong itself (zy_err(): position, key path,
 * message) and returns false or -1; callers only decide what to skip next.
 */
#ifndef ZONES_YPARSE_H
#define ZONES_YPARSE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "firewall/fw.h"
#include "zones/model.h"

#define SHOW_MAX 64 /* bytes of a user string quoted in a message */
#define SHOW_BUFSZ (SHOW_MAX * 4 + 8)
#define PATH_BUFSZ 768
#define LIST_MAX 8 /* names/addresses listed in one message */

#define IFNAME_RULE "1 to 15 bytes without \"/\", \":\" or whitespace, not \".\" or \"..\""

/* One problem found while parsing, kept with its position until they are sorted. */
struct perr {
	unsigned int line, col;
	size_t seq;
	char *msg;  /* "FILE:LINE:COL: path: message"; in json mode the message alone */
	char *path; /* json mode only: the key path */
};

/* ---- the document tree -------------------------------------------------------------------- */

enum ykind {
	Y_SCALAR,
	Y_SEQ,
	Y_MAP,
	Y_ALIAS,
};

struct ynode {
	enum ykind kind;
	unsigned int line, col; /* 1-based */
	char *tag;		/* explicit tag, NULL when none was written */
	char *str;		/* scalar value (NUL-terminated, may hold NULs), alias anchor */
	size_t len;		/* scalar length */
	bool plain;		/* plain (unquoted) scalar */
	struct ynode **items;	/* seq: items; map: key0, value0, key1, value1, ... */
	size_t n, cap;
};

struct ydoc {
	struct ynode *root;
	struct ynode **all; /* every node, to free them without recursion */
	size_t n_all, cap_all;
};

/* ---- parse context ------------------------------------------------------------------------ */

struct zinfo; /* zones/parse.c */
struct vinfo;

struct pctx {
	const char *fname;
	const char *buf;
	size_t len;
	const struct zone_env *env;
	bool oom;
	/*
	 * Errors keep their key path apart and the message without "FILE:LINE:COL: path: " (for
	 * documents that are JSON objects of the control API, whose callers want a JSON path).
	 */
	bool json;

	struct perr *errs;
	size_t n_errs, cap_errs;

	struct zone_config *cfg; /* NULL in json mode */
	size_t cap_zones, cap_vnets;
	struct zinfo *zinfo; /* parallel to cfg->zones */
	struct vinfo *vinfo; /* parallel to cfg->vnets */
	size_t cap_zinfo, cap_vinfo;
};

/* Build the tree of the one document in p->buf; 0, -EINVAL (recorded) or -ENOMEM. */
int zy_load(struct pctx *p, struct ydoc *doc);
void zy_doc_done(struct ydoc *doc);
/* Sort p's errors by position (then order found). */
void zy_errs_sort(struct pctx *p);
/* Free p's errors. */
void zy_errs_done(struct pctx *p);

/* Record a problem at node n; path names the offending key ("" for the document root). */
__attribute__((format(printf, 4, 5))) void zy_err(struct pctx *p, const struct ynode *n,
						  const char *path, const char *fmt, ...);

/*
 * Copy len bytes of s into buf (SHOW_BUFSZ bytes) so that it is safe in a one-line message;
 * see zones/parse.c. Returns buf.
 */
const char *zy_show(const char *s, size_t len, char *buf);
const char *zy_show_node(const struct ynode *n, char *buf);
__attribute__((format(printf, 2, 3))) void zy_path_printf(char *path, const char *fmt, ...);
/* path (PATH_BUFSZ) = parent "." key (key shown safely); parent "" is the root. Returns path. */
const char *zy_path_key(char *path, const char *parent, const char *key, size_t len);
/* path = parent "[" i "]". Returns path. */
const char *zy_path_idx(char *path, const char *parent, size_t i);

bool zy_is_null(const struct ynode *n);
/* "a mapping", "a list", "an empty value", "null", "\"abc\"" (buf: SHOW_BUFSZ + 32) */
const char *zy_describe(const struct ynode *n, char *buf);
/* Aliases and explicit tags are refused wherever they appear. */
bool zy_node_ok(struct pctx *p, const struct ynode *n, const char *path);
/* 1: a mapping; 0: null, taken as an empty mapping when null_ok; -1: reported. */
int zy_as_map(struct pctx *p, const struct ynode *n, const char *path, bool null_ok);
bool zy_as_seq(struct pctx *p, const struct ynode *n, const char *path, const char *what);
/* A string value: any scalar but null and strings holding NUL characters. */
bool zy_get_str(struct pctx *p, const struct ynode *n, const char *path, const char *what);
/* A plain decimal integer (see zones/parse.c). false when reported. */
bool zy_get_int(struct pctx *p, const struct ynode *n, const char *path, int64_t *ret);
bool zy_get_uint(struct pctx *p, const struct ynode *n, const char *path, uint32_t min,
		 uint32_t max, uint32_t *ret);
/* The plain scalars true and false. false when reported. */
bool zy_get_bool(struct pctx *p, const struct ynode *n, const char *path, bool *ret);
bool zy_key_ok(struct pctx *p, const struct ynode *k, const char *parent);
bool zy_key_eq(const struct ynode *a, const struct ynode *b);
bool zy_str_is(const struct ynode *n, const char *s);

/* A network device name as the kernel takes it (IFNAME_RULE). */
bool zy_ifname_valid(const char *s, size_t len);
/* "IPv4" or "IPv6" */
const char *zy_family_name(int family);
/* Clear the host bits of ip/len. */
void zy_mask_prefix(struct sdnd_ip *ip, uint8_t len);

/*
 * first[i] is the smallest index j <= i whose entry compares equal to entry i (cmp returns 0),
 * for all i < n. NULL (and p->oom) when out of memory.
 */
size_t *zy_find_dups(struct pctx *p, size_t n, int (*cmp)(size_t a, size_t b, void *ctx),
		     void *ctx);
/*
 * The pairs of a mapping whose keys name things: checks each key and reports duplicates.
 * Returns the per-pair "first" array; a pair is to be used when first[i] == i.
 */
size_t *zy_named_pairs(struct pctx *p, const struct ynode *map, const char *parent);

/* A fixed-schema mapping: which of the known keys are present, unknown/duplicate ones reported. */
struct field {
	const char *name;
	const struct ynode *key, *val;
};

void zy_map_fields(struct pctx *p, const struct ynode *map, const char *parent,
		   struct field *fields, size_t n_fields);

/* ---- the firewall's part of the schema (firewall/parse.c) --------------------------------- */

/*
 * The `firewall:` and `attachments:` sections (either may be NULL) into p->cfg->fw. Runs after
 * the vnets were parsed: firewall.vnets keys are checked against them.
 */
void zy_fw_parse(struct pctx *p, const struct ynode *fw, const struct ynode *attachments);

/*
 * One NIC firewall section at node v (path names it), references looked up in refs (NULL: not
 * checked, and aliases cannot be resolved); has_mac: 1 yes, 0 no, -1 unknown. Returns true when
 * nothing was reported (ret is then filled; else emptied).
 */
bool zy_fw_parse_nic(struct pctx *p, const struct ynode *v, const char *path,
		     const struct fw_config *refs, int has_mac, struct fw_nic *ret);

#endif
