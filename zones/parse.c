// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * YAML/JSON document -> validated zone_config.
 *
 * The document is read with libyaml's event API into a small tree of our own, so that every
 * node keeps its position and aliases are never expanded (they are rejected where they appear,
 * which also rules out "billion laughs"). The tree is then walked once against the schema and
 * the cross-checks (zone references, VNIs, derived device names, local peers) run on the
 * result. Every problem is recorded with its position; they are handed to the caller sorted
 * by position, each formatted "FILE:LINE:COL: key.path: message". A document with any problem
 * yields no config.
 *
 * The tree, the context and the helpers that check a node are shared (zones/yparse.h) with the
 * parts of the schema kept elsewhere: the `firewall:` and `attachments:` sections are walked by
 * firewall/parse.c.
 */
#include "zones/model.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "sdnd/util.h"
#include "zones/yparse.h"

#define YDEPTH_MAX 32		  /* deeper nesting is rejected (the schema needs 5) */
#define ZONE_FILE_MAX (64u << 20) /* larger documents are rejected */

/* ---- errors ------------------------------------------------------------------------------- */

void zone_errors_clear(struct zone_errors *errs)
{
	size_t i;

	if (!errs)
		return;
	for (i = 0; i < errs->n; i++)
		free(errs->msgs[i]);
	free(errs->msgs);
	errs->msgs = NULL;
	errs->n = errs->cap = 0;
}

int zone_errors_add(struct zone_errors *errs, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int r;

	if (sdnd_grow(&errs->msgs, &errs->cap, errs->n + 1, sizeof(*errs->msgs)) < 0)
		return -ENOMEM;
	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	errs->msgs[errs->n++] = msg;
	return 0;
}

/* ---- the document tree -------------------------------------------------------------------- */

void zy_doc_done(struct ydoc *doc)
{
	size_t i;

	for (i = 0; i < doc->n_all; i++) {
		free(doc->all[i]->tag);
		free(doc->all[i]->str);
		free(doc->all[i]->items);
		free(doc->all[i]);
	}
	free(doc->all);
	*doc = (struct ydoc){ 0 };
}

/* ---- parse context ------------------------------------------------------------------------ */

/* What the walk remembers about a zone beyond the model. */
struct zinfo {
	const struct ynode *key;
	const struct ynode *peers;  /* the peers value, NULL when not given */
	const struct ynode *bridge; /* the bridge value, NULL when not given */
	const struct ynode *stag;   /* the tag value, NULL when not given */
	int type;		    /* enum zone_type, -1 when missing or unknown */
	bool name_ok;		    /* z->name is set */
	bool peers_ok;		    /* peers given, non-empty and every one valid */
	bool bridge_ok, stag_ok;    /* z->bridge, z->stag are set */
	bool stag_dup;		    /* the S-tag was reported as taken on its uplink */
	bool uplink_bad;	    /* the uplink bridge was reported as unusable on this node */
};

/* What the walk remembers about a vnet beyond the model. */
struct vinfo {
	const struct ynode *key;
	const struct ynode *zone; /* the zone value, NULL when not given or not a string */
	const struct ynode *tag_key, *tag;
	int64_t tag_val; /* the tag as written, when tag_int */
	bool name_ok, tag_int, tag_ok;
	bool tag_dup; /* the tag was reported as taken (in its zone or on its uplink) */
	int zidx;     /* index of its zone, -1 when not found */
};

static __attribute__((format(printf, 5, 0))) void perr_vadd(struct pctx *p, unsigned int line,
							    unsigned int col, const char *path,
							    const char *fmt, va_list ap)
{
	char *msg = NULL, *full = NULL, *jpath = NULL;

	if (vasprintf(&msg, fmt, ap) < 0) {
		p->oom = true;
		return;
	}
	if (p->json) {
		full = msg;
		jpath = strdup(path ? path : "");
		if (!jpath) {
			free(msg);
			p->oom = true;
			return;
		}
	} else {
		if (asprintf(&full, "%s:%u:%u: %s: %s", p->fname, line, col,
			     path && *path ? path : "(document)", msg) < 0) {
			free(msg);
			p->oom = true;
			return;
		}
		free(msg);
	}
	if (sdnd_grow(&p->errs, &p->cap_errs, p->n_errs + 1, sizeof(*p->errs)) < 0) {
		free(full);
		free(jpath);
		p->oom = true;
		return;
	}
	p->errs[p->n_errs] = (struct perr){ line, col, p->n_errs, full, jpath };
	p->n_errs++;
}

static __attribute__((format(printf, 5, 6))) void perr_add(struct pctx *p, unsigned int line,
							   unsigned int col, const char *path,
							   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	perr_vadd(p, line, col, path, fmt, ap);
	va_end(ap);
}

/* Record a problem at node n; path names the offending key ("" for the document root). */
__attribute__((format(printf, 4, 5))) void zy_err(struct pctx *p, const struct ynode *n,
						  const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	perr_vadd(p, n->line, n->col, path, fmt, ap);
	va_end(ap);
}

/*
 * Copy len bytes of s into buf (SHOW_BUFSZ bytes) so that it is safe in a one-line message:
 * control characters (C0, DEL, C1), quotes and backslashes are escaped, at most SHOW_MAX bytes
 * of s are shown and "..." marks a cut. Returns buf.
 */
const char *zy_show(const char *s, size_t len, char *buf)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, o = 0, o_char = 0;

	while (i < len) {
		if ((u[i] & 0xc0) != 0x80)
			o_char = o; /* output length before the character starting here */
		if (i >= SHOW_MAX) {
			/* do not cut a UTF-8 sequence in half */
			if ((u[i] & 0xc0) == 0x80)
				o = o_char;
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (u[i] < 0x20 || u[i] == 0x7f) {
			if (u[i] == '\n')
				o += (size_t)sprintf(buf + o, "\\n");
			else if (u[i] == '\t')
				o += (size_t)sprintf(buf + o, "\\t");
			else
				o += (size_t)sprintf(buf + o, "\\x%02x", u[i]);
			i++;
		} else if (u[i] == 0xc2 && i + 1 < len && u[i + 1] >= 0x80 && u[i + 1] <= 0x9f) {
			o += (size_t)sprintf(buf + o, "\\u%04x", u[i + 1]);
			i += 2;
		} else if (u[i] == '"' || u[i] == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)u[i++];
		} else {
			buf[o++] = (char)u[i++];
		}
	}
	buf[o] = '\0';
	return buf;
}

const char *zy_show_node(const struct ynode *n, char *buf)
{
	return zy_show(n->str, n->len, buf);
}

/* Key paths are cut at PATH_BUFSZ on purpose: a message names where, it need not be complete. */
__attribute__((format(printf, 2, 3))) void zy_path_printf(char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, PATH_BUFSZ, fmt, ap);
	va_end(ap);
}

/* path = parent "." key (key shown safely); parent "" is the root. */
const char *zy_path_key(char *path, const char *parent, const char *key, size_t len)
{
	char sb[SHOW_BUFSZ];

	zy_show(key, len, sb);
	if (*parent)
		zy_path_printf(path, "%s.%s", parent, sb);
	else
		zy_path_printf(path, "%s", sb);
	return path;
}

const char *zy_path_idx(char *path, const char *parent, size_t i)
{
	zy_path_printf(path, "%s[%zu]", parent, i);
	return path;
}

bool zy_is_null(const struct ynode *n)
{
	return n->kind == Y_SCALAR && n->plain && !n->tag &&
	       (!strcmp(n->str, "") || !strcmp(n->str, "~") || !strcmp(n->str, "null") ||
		!strcmp(n->str, "Null") || !strcmp(n->str, "NULL"));
}

/* "a mapping", "a list", "an empty value", "null", "\"abc\"" (buf: SHOW_BUFSZ + 32) */
const char *zy_describe(const struct ynode *n, char *buf)
{
	char sb[SHOW_BUFSZ];

	switch (n->kind) {
	case Y_MAP:
		return "a mapping";
	case Y_SEQ:
		return "a list";
	case Y_ALIAS:
		return "an alias";
	case Y_SCALAR:
		break;
	}
	if (zy_is_null(n))
		return n->len ? "null" : "an empty value";
	snprintf(buf, SHOW_BUFSZ + 32, "%s\"%s\"", n->plain ? "" : "the quoted string ",
		 zy_show_node(n, sb));
	return buf;
}

/* Aliases and explicit tags are refused wherever they appear. */
bool zy_node_ok(struct pctx *p, const struct ynode *n, const char *path)
{
	static const char core[] = "tag:yaml.org,2002:";
	char sb[SHOW_BUFSZ];

	if (n->kind == Y_ALIAS) {
		zy_err(p, n, path, "aliases are not supported (*%s)",
		       zy_show(n->str, strlen(n->str), sb));
		return false;
	}
	if (n->tag) {
		if (!strncmp(n->tag, core, sizeof(core) - 1))
			zy_err(p, n, path, "YAML tags are not supported (got \"!!%s\")",
			       zy_show(n->tag + sizeof(core) - 1, strlen(n->tag + sizeof(core) - 1),
				       sb));
		else
			zy_err(p, n, path, "YAML tags are not supported (got \"%s\")",
			       zy_show(n->tag, strlen(n->tag), sb));
		return false;
	}
	return true;
}

/* 1: a mapping; 0: null, taken as an empty mapping when null_ok; -1: reported. */
int zy_as_map(struct pctx *p, const struct ynode *n, const char *path, bool null_ok)
{
	char db[SHOW_BUFSZ + 32];

	if (!zy_node_ok(p, n, path))
		return -1;
	if (n->kind == Y_MAP)
		return 1;
	if (null_ok && zy_is_null(n))
		return 0;
	zy_err(p, n, path, "expected a mapping, got %s", zy_describe(n, db));
	return -1;
}

bool zy_as_seq(struct pctx *p, const struct ynode *n, const char *path, const char *what)
{
	char db[SHOW_BUFSZ + 32];

	if (!zy_node_ok(p, n, path))
		return false;
	if (n->kind == Y_SEQ)
		return true;
	zy_err(p, n, path, "expected a list of %s, got %s", what, zy_describe(n, db));
	return false;
}

/* A string value: any scalar but null and strings holding NUL characters. */
bool zy_get_str(struct pctx *p, const struct ynode *n, const char *path, const char *what)
{
	char db[SHOW_BUFSZ + 32];

	if (!zy_node_ok(p, n, path))
		return false;
	if (n->kind != Y_SCALAR || zy_is_null(n)) {
		zy_err(p, n, path, "expected %s, got %s", what, zy_describe(n, db));
		return false;
	}
	if (memchr(n->str, '\0', n->len)) {
		zy_err(p, n, path, "expected %s, got %s (contains a NUL character)", what,
		       zy_describe(n, db));
		return false;
	}
	return true;
}

/*
 * An integer: a plain scalar of decimal digits with an optional "-", no leading zeros (YAML
 * 1.1 reads those as octal), no "+", "0x", "_", exponent or fraction. Values beyond the range
 * of int64_t come back as INT64_MIN or INT64_MAX. false when reported.
 */
bool zy_get_int(struct pctx *p, const struct ynode *n, const char *path, int64_t *ret)
{
	char db[SHOW_BUFSZ + 32], sb[SHOW_BUFSZ];
	const char *s = n->str, *d;
	unsigned long long v;
	size_t nd;

	if (!zy_node_ok(p, n, path))
		return false;
	if (n->kind != Y_SCALAR || zy_is_null(n)) {
		zy_err(p, n, path, "expected an integer, got %s", zy_describe(n, db));
		return false;
	}
	d = s[0] == '-' ? s + 1 : s;
	nd = strspn(d, "0123456789");
	if (!n->plain || nd == 0 || (size_t)(d + nd - s) != n->len) {
		zy_err(p, n, path, "expected an integer, got %s%s", zy_describe(n, db),
		       !n->plain && nd && (size_t)(d + nd - s) == n->len
			       ? " (numbers must not be quoted)"
			       : "");
		return false;
	}
	if (d[0] == '0' && nd > 1) {
		zy_err(p, n, path,
		       "expected an integer, got \"%s\" (leading zeros are not allowed)",
		       zy_show_node(n, sb));
		return false;
	}
	v = nd <= 18 ? strtoull(d, NULL, 10) : (unsigned long long)INT64_MAX;
	*ret = d != s ? -(int64_t)v : (int64_t)v;
	return true;
}

/* An integer in min..max. false when reported. */
bool zy_get_uint(struct pctx *p, const struct ynode *n, const char *path, uint32_t min,
		 uint32_t max, uint32_t *ret)
{
	char sb[SHOW_BUFSZ];
	int64_t v;

	if (!zy_get_int(p, n, path, &v))
		return false;
	if (v < (int64_t)min || v > (int64_t)max) {
		zy_err(p, n, path, "expected an integer between %u and %u, got %s", min, max,
		       zy_show_node(n, sb));
		return false;
	}
	*ret = (uint32_t)v;
	return true;
}

/* A mapping key: a string scalar. */
bool zy_key_ok(struct pctx *p, const struct ynode *k, const char *parent)
{
	char db[SHOW_BUFSZ + 32];

	if (!zy_node_ok(p, k, parent))
		return false;
	if (k->kind != Y_SCALAR) {
		zy_err(p, k, parent, "expected a string key, got %s", zy_describe(k, db));
		return false;
	}
	return true;
}

bool zy_key_eq(const struct ynode *a, const struct ynode *b)
{
	return a->len == b->len && !memcmp(a->str, b->str, a->len);
}

bool zy_str_is(const struct ynode *n, const char *s)
{
	return n->len == strlen(s) && !memcmp(n->str, s, n->len);
}

/*
 * A boolean: the plain scalars true and false, nothing else (YAML 1.1's yes/no/on/off and
 * their capitalised forms are refused, as are quoted strings). false when reported.
 */
bool zy_get_bool(struct pctx *p, const struct ynode *n, const char *path, bool *ret)
{
	char db[SHOW_BUFSZ + 32];
	bool t, f;

	if (!zy_node_ok(p, n, path))
		return false;
	t = n->kind == Y_SCALAR && zy_str_is(n, "true");
	f = n->kind == Y_SCALAR && zy_str_is(n, "false");
	if (n->kind != Y_SCALAR || zy_is_null(n) || !n->plain || (!t && !f)) {
		zy_err(p, n, path, "expected true or false, got %s%s", zy_describe(n, db),
		       !n->plain && (t || f) ? " (booleans must not be quoted)" : "");
		return false;
	}
	*ret = t;
	return true;
}

/* [A-Za-z][A-Za-z0-9_-]*, 1..ZONE_NAME_MAX: zone and vnet names (and so bridge names) */
static bool zone_name_valid(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > ZONE_NAME_MAX)
		return false;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return false;
	for (i = 1; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

/*
 * A network device name as the kernel takes it (dev_valid_name()): 1..ZONE_NAME_MAX bytes, no
 * "/", ":" or whitespace, not "." or "..". The uplink bridge is not sdnd's: it may be named
 * anything the kernel allows.
 */
bool zy_ifname_valid(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > ZONE_NAME_MAX || memchr(s, '\0', len))
		return false;
	if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
		return false;
	for (i = 0; i < len; i++)
		if (s[i] == '/' || s[i] == ':' || s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))
			return false;
	return true;
}

/* [A-Za-z0-9._-], 1..ZONE_NODE_NAME_MAX */
static bool node_name_valid(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > ZONE_NODE_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-' || s[i] == '.'))
			return false;
	return true;
}

#define ZONE_NAME_RULE "1 to 15 characters [A-Za-z0-9_-], starting with a letter"
#define NODE_NAME_RULE "1 to 63 characters [A-Za-z0-9._-]"
#define ZONE_TYPES "simple, vxlan, vlan, qinq"

const char *zy_family_name(int family)
{
	return family == AF_INET6 ? "IPv6" : "IPv4";
}

/*
 * Sort helper: first[i] is the smallest index j <= i whose entry compares equal to entry i
 * (cmp returns 0), for all i < n. NULL (and p->oom) when out of memory.
 */
struct dupsort {
	int (*cmp)(size_t a, size_t b, void *ctx);
	void *ctx;
};

static int dupsort_cmp(const void *a, const void *b, void *arg)
{
	const struct dupsort *ds = arg;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int r = ds->cmp(x, y, ds->ctx);

	if (r)
		return r;
	return x < y ? -1 : x > y;
}

size_t *zy_find_dups(struct pctx *p, size_t n, int (*cmp)(size_t a, size_t b, void *ctx), void *ctx)
{
	struct dupsort ds = { cmp, ctx };
	_cleanup_free_ size_t *order = NULL;
	size_t *first, i, g = 0;

	first = calloc(n ? n : 1, sizeof(*first));
	order = calloc(n ? n : 1, sizeof(*order));
	if (!first || !order) {
		free(first);
		p->oom = true;
		return NULL;
	}
	for (i = 0; i < n; i++)
		order[i] = i;
	qsort_r(order, n, sizeof(*order), dupsort_cmp, &ds);
	for (i = 0; i < n; i++) {
		if (i == 0 || cmp(order[g], order[i], ctx))
			g = i;
		first[order[i]] = order[g];
	}
	return first;
}

/* mapping keys: non-scalar keys never compare equal to anything but themselves */
static int mapkey_cmp(size_t a, size_t b, void *ctx)
{
	const struct ynode *map = ctx, *x = map->items[2 * a], *y = map->items[2 * b];
	size_t l;
	int r;

	if (x->kind != Y_SCALAR || y->kind != Y_SCALAR)
		return (x->kind != Y_SCALAR) != (y->kind != Y_SCALAR)
			       ? (x->kind != Y_SCALAR ? 1 : -1)
			       : (a < b ? -1 : a > b);
	l = x->len < y->len ? x->len : y->len;
	r = memcmp(x->str, y->str, l);
	if (r)
		return r;
	return x->len < y->len ? -1 : x->len > y->len;
}

/*
 * Iterate the pairs of a mapping whose keys name things (zones, vnets, subnets): checks each
 * key and reports duplicates. Returns the per-pair "first" array (see zy_find_dups()); a pair is
 * to be used when its zy_key_ok() passed and first[i] == i.
 */
size_t *zy_named_pairs(struct pctx *p, const struct ynode *map, const char *parent)
{
	char path[PATH_BUFSZ], sb[SHOW_BUFSZ];
	size_t n = map->n / 2, i, *first;

	first = zy_find_dups(p, n, mapkey_cmp, (void *)map);
	if (!first)
		return NULL;
	for (i = 0; i < n; i++) {
		const struct ynode *k = map->items[2 * i];

		if (!zy_key_ok(p, k, parent)) {
			first[i] = SIZE_MAX;
			continue;
		}
		if (first[i] != i) {
			zy_path_key(path, parent, k->str, k->len);
			zy_err(p, k, path, "duplicate key \"%s\" (first at line %u)",
			       zy_show_node(k, sb), map->items[2 * first[i]]->line);
		}
	}
	return first;
}

void zy_map_fields(struct pctx *p, const struct ynode *map, const char *parent,
		   struct field *fields, size_t n_fields)
{
	char path[PATH_BUFSZ], sb[SHOW_BUFSZ], expect[256] = "";
	size_t i, j, o = 0;

	for (j = 0; j < n_fields && o < sizeof(expect); j++)
		o += (size_t)snprintf(expect + o, sizeof(expect) - o, "%s%s", o ? ", " : "",
				      fields[j].name);

	for (i = 0; i + 1 < map->n; i += 2) {
		const struct ynode *k = map->items[i];
		struct field *f = NULL;

		if (!zy_key_ok(p, k, parent))
			continue;
		for (j = 0; j < n_fields; j++)
			if (zy_str_is(k, fields[j].name)) {
				f = &fields[j];
				break;
			}
		zy_path_key(path, parent, k->str, k->len);
		if (!f)
			zy_err(p, k, path, "unknown key \"%s\" (expected one of: %s)",
			       zy_show_node(k, sb), expect);
		else if (f->key)
			zy_err(p, k, path, "duplicate key \"%s\" (first at line %u)",
			       zy_show_node(k, sb), f->key->line);
		else {
			f->key = k;
			f->val = map->items[i + 1];
		}
	}
}

/* ---- loading ------------------------------------------------------------------------------ */

static struct ynode *ynode_new(struct pctx *p, struct ydoc *doc, enum ykind kind,
			       const yaml_mark_t *mark, const yaml_char_t *tag)
{
	struct ynode *n;

	if (sdnd_grow(&doc->all, &doc->cap_all, doc->n_all + 1, sizeof(*doc->all)) < 0)
		return NULL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	doc->all[doc->n_all++] = n;
	n->kind = kind;
	n->line = (unsigned int)mark->line + 1;
	n->col = (unsigned int)mark->column + 1;
	if (tag) {
		n->tag = strdup((const char *)tag);
		if (!n->tag)
			return NULL;
	}
	return n;
}

static int ynode_append(struct ynode *parent, struct ynode *child)
{
	if (sdnd_grow(&parent->items, &parent->cap, parent->n + 1, sizeof(*parent->items)) < 0)
		return -ENOMEM;
	parent->items[parent->n++] = child;
	return 0;
}

/* line:col of a byte offset of the input (for reader errors, which carry no mark) */
static void offset_pos(const struct pctx *p, size_t off, unsigned int *line, unsigned int *col)
{
	size_t i, bol = 0;

	*line = 1;
	if (off > p->len)
		off = p->len;
	for (i = 0; i < off; i++)
		if (p->buf[i] == '\n') {
			(*line)++;
			bol = i + 1;
		}
	*col = (unsigned int)(off - bol) + 1;
}

static void report_yaml_error(struct pctx *p, const yaml_parser_t *parser)
{
	const char *problem = parser->problem ? parser->problem : "unknown error";
	unsigned int line, col;

	if (parser->error == YAML_MEMORY_ERROR) {
		p->oom = true;
		return;
	}
	if (parser->error == YAML_READER_ERROR) {
		offset_pos(p, parser->problem_offset, &line, &col);
		if (parser->problem_value != -1)
			perr_add(p, line, col, "", "invalid input: %s (0x%02X at byte %zu)",
				 problem, (unsigned int)parser->problem_value,
				 parser->problem_offset);
		else
			perr_add(p, line, col, "", "invalid input: %s (at byte %zu)", problem,
				 parser->problem_offset);
		return;
	}
	line = (unsigned int)parser->problem_mark.line + 1;
	col = (unsigned int)parser->problem_mark.column + 1;
	if (parser->context)
		perr_add(p, line, col, "", "syntax error: %s (%s at line %u, column %u)", problem,
			 parser->context, (unsigned int)parser->context_mark.line + 1,
			 (unsigned int)parser->context_mark.column + 1);
	else
		perr_add(p, line, col, "", "syntax error: %s", problem);
}

/*
 * Build the tree of the one document in p->buf. Returns 0 with doc->root set (NULL for an
 * empty stream), -EINVAL after recording a syntax problem, -ENOMEM.
 */
int zy_load(struct pctx *p, struct ydoc *doc)
{
	struct ynode *stack[YDEPTH_MAX];
	yaml_parser_t parser;
	unsigned int depth = 0, n_docs = 0;
	bool done = false;
	int r = 0;

	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)(p->buf ? p->buf : ""),
				     p->buf ? p->len : 0);

	while (!done && r == 0) {
		struct ynode *n = NULL;
		yaml_event_t ev;
		bool push = false;

		if (!yaml_parser_parse(&parser, &ev)) {
			report_yaml_error(p, &parser);
			r = p->oom ? -ENOMEM : -EINVAL;
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++n_docs > 1) {
				perr_add(p, (unsigned int)ev.start_mark.line + 1,
					 (unsigned int)ev.start_mark.column + 1, "",
					 "expected a single document, found a second one");
				r = -EINVAL;
			}
			break;
		case YAML_MAPPING_START_EVENT:
			n = ynode_new(p, doc, Y_MAP, &ev.start_mark, ev.data.mapping_start.tag);
			push = true;
			break;
		case YAML_SEQUENCE_START_EVENT:
			n = ynode_new(p, doc, Y_SEQ, &ev.start_mark, ev.data.sequence_start.tag);
			push = true;
			break;
		case YAML_SCALAR_EVENT:
			n = ynode_new(p, doc, Y_SCALAR, &ev.start_mark, ev.data.scalar.tag);
			if (n) {
				n->len = ev.data.scalar.length;
				n->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
				n->str = malloc(n->len + 1);
				if (n->str) {
					memcpy(n->str, ev.data.scalar.value, n->len);
					n->str[n->len] = '\0';
				} else {
					n = NULL;
				}
			}
			break;
		case YAML_ALIAS_EVENT:
			n = ynode_new(p, doc, Y_ALIAS, &ev.start_mark, NULL);
			if (n) {
				n->str = strdup((const char *)ev.data.alias.anchor);
				if (!n->str)
					n = NULL;
			}
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			if (depth > 0)
				depth--;
			break;
		default:
			break;
		}

		if (r == 0 &&
		    (ev.type == YAML_MAPPING_START_EVENT || ev.type == YAML_SEQUENCE_START_EVENT ||
		     ev.type == YAML_SCALAR_EVENT || ev.type == YAML_ALIAS_EVENT)) {
			if (!n)
				r = -ENOMEM;
			else if (push && depth >= YDEPTH_MAX) {
				zy_err(p, n, "", "the document is nested deeper than %d levels",
				       YDEPTH_MAX);
				r = -EINVAL;
			} else if (depth == 0) {
				doc->root = n;
			} else if (ynode_append(stack[depth - 1], n) < 0) {
				r = -ENOMEM;
			}
			if (r == 0 && push)
				stack[depth++] = n;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	if (r == -ENOMEM)
		p->oom = true;
	return r;
}

/* ---- zones -------------------------------------------------------------------------------- */

static void parse_peers(struct pctx *p, struct zone_zone *z, struct zinfo *zi,
			const struct ynode *v, const char *parent)
{
	static const uint8_t zero[16];
	char path[PATH_BUFSZ], sb[SHOW_BUFSZ], sb2[SHOW_BUFSZ];
	const struct ynode *first_ok = NULL;
	bool ok = true;
	size_t i, j;

	zi->peers = v;
	if (v->kind == Y_SCALAR && v->len == 4 && !memcmp(v->str, "auto", 4)) {
		if (p->env && !p->env->cluster)
			zy_err(p, v, parent,
			       "peers: auto takes the peers from the cluster store's live nodes, and "
			       "this node has none (start sdnd with --store etcd://HOST:PORT; sdnd "
			       "check and plan take --store too)");
		z->peers_auto = true;
		return;
	}
	if (!zy_as_seq(p, v, parent, "IP addresses (or auto)"))
		return;
	if (v->n == 0) {
		zy_err(p, v, parent,
		       "expected a non-empty list of IP addresses, got an empty list");
		return;
	}
	z->peers = calloc(v->n, sizeof(*z->peers));
	if (!z->peers) {
		p->oom = true;
		return;
	}
	for (i = 0; i < v->n; i++) {
		const struct ynode *it = v->items[i];
		struct sdnd_ip ip;

		zy_path_idx(path, parent, i);
		if (!zy_get_str(p, it, path, "an IP address")) {
			ok = false;
			continue;
		}
		if (sdnd_ip_parse(it->str, &ip) < 0) {
			zy_err(p, it, path, "expected an IP address, got \"%s\"",
			       zy_show_node(it, sb));
			ok = false;
			continue;
		}
		if (!memcmp(ip.addr, zero, sdnd_ip_len(&ip))) {
			zy_err(p, it, path, "%s is the unspecified address, not a peer's address",
			       zy_show_node(it, sb));
			ok = false;
			continue;
		}
		if ((ip.family == AF_INET && ip.addr[0] >= 224 && ip.addr[0] <= 239) ||
		    (ip.family == AF_INET6 && ip.addr[0] == 0xff)) {
			zy_err(p, it, path,
			       "%s is a multicast address; peers must be unicast addresses",
			       zy_show_node(it, sb));
			ok = false;
			continue;
		}
		if (first_ok && ip.family != z->peers[0].family) {
			zy_err(p, it, path,
			       "%s is %s but the first peer %s is %s (all peers must be of one "
			       "family)",
			       zy_show_node(it, sb), zy_family_name(ip.family),
			       zy_show_node(first_ok, sb2), zy_family_name(z->peers[0].family));
			ok = false;
			continue;
		}
		for (j = 0; j < z->n_peers; j++)
			if (sdnd_ip_eq(&z->peers[j], &ip))
				break;
		if (j < z->n_peers) {
			size_t k;

			/* find the list index of the first one, for the message */
			for (k = 0; k < i; k++)
				if (v->items[k]->kind == Y_SCALAR) {
					struct sdnd_ip o;

					if (!memchr(v->items[k]->str, '\0', v->items[k]->len) &&
					    sdnd_ip_parse(v->items[k]->str, &o) == 0 &&
					    sdnd_ip_eq(&o, &ip))
						break;
				}
			zy_err(p, it, path, "duplicate peer %s (first at %s[%zu])",
			       zy_show_node(it, sb), "peers", k);
			ok = false;
			continue;
		}
		if (!first_ok)
			first_ok = it;
		z->peers[z->n_peers++] = ip;
	}
	zi->peers_ok = ok && z->n_peers > 0;
}

static void parse_nodes(struct pctx *p, struct zone_zone *z, const struct ynode *v,
			const char *parent)
{
	char path[PATH_BUFSZ], sb[SHOW_BUFSZ];
	size_t i, j;

	if (!zy_as_seq(p, v, parent, "node names"))
		return;
	if (v->n == 0) {
		zy_err(p, v, parent,
		       "expected a non-empty list of node names, got an empty list (leave "
		       "\"nodes\" out for a zone on every node)");
		return;
	}
	z->nodes = calloc(v->n, sizeof(*z->nodes));
	if (!z->nodes) {
		p->oom = true;
		return;
	}
	for (i = 0; i < v->n; i++) {
		const struct ynode *it = v->items[i];

		zy_path_idx(path, parent, i);
		if (!zy_get_str(p, it, path, "a node name"))
			continue;
		if (!node_name_valid(it->str, it->len)) {
			zy_err(p, it, path,
			       "invalid node name \"%s\" (expected " NODE_NAME_RULE ")",
			       zy_show_node(it, sb));
			continue;
		}
		for (j = 0; j < i; j++)
			if (v->items[j]->kind == Y_SCALAR && zy_key_eq(v->items[j], it))
				break;
		if (j < i) {
			zy_err(p, it, path, "duplicate node \"%s\" (first at nodes[%zu])",
			       zy_show_node(it, sb), j);
			continue;
		}
		memcpy(z->nodes[z->n_nodes++], it->str, it->len + 1);
	}
}

/* bridge: the name of the uplink bridge (vlan, qinq) */
static void parse_bridge(struct pctx *p, struct zone_zone *z, struct zinfo *zi,
			 const struct ynode *v, const char *path)
{
	char sb[SHOW_BUFSZ];

	zi->bridge = v;
	if (!zy_get_str(p, v, path, "a bridge name"))
		return;
	if (!zy_ifname_valid(v->str, v->len)) {
		zy_err(p, v, path,
		       "invalid bridge name \"%s\" (expected a device name: " IFNAME_RULE ")",
		       zy_show_node(v, sb));
		return;
	}
	memcpy(z->bridge, v->str, v->len + 1);
	zi->bridge_ok = true;
}

/* vlan-protocol: the S-tag's ethertype (qinq) */
static void parse_vlan_protocol(struct pctx *p, struct zone_zone *z, const struct ynode *v,
				const char *path)
{
	char sb[SHOW_BUFSZ];

	if (!zy_get_str(p, v, path, "a VLAN protocol"))
		return;
	if (zy_str_is(v, "802.1q"))
		z->vlan_protocol = ZONE_ETH_P_8021Q;
	else if (zy_str_is(v, "802.1ad"))
		z->vlan_protocol = ZONE_ETH_P_8021AD;
	else
		zy_err(p, v, path, "unknown VLAN protocol \"%s\" (expected 802.1q or 802.1ad)",
		       zy_show_node(v, sb));
}

/* A key of other zone types in a zone of known type t: "not allowed in a T zone (why)". */
static void not_in_zone(struct pctx *p, const struct field *f, const char *zpath, int t,
			const char *why)
{
	char path[PATH_BUFSZ];

	zy_err(p, f->key, zy_path_key(path, zpath, f->name, strlen(f->name)),
	       "not allowed in a %s zone (%s)", zone_type_to_string((enum zone_type)t), why);
}

/*
 * The keys of one type are refused in a zone of another known type; when the type is missing
 * or unknown, their values are still checked on their own.
 */
static void parse_zone(struct pctx *p, const struct ynode *k, const struct ynode *v,
		       const char *zpath)
{
	enum { F_TYPE, F_PEERS, F_PORT, F_MTU, F_NODES, F_BRIDGE, F_TAG, F_PROTO };
	struct field f[] = {
		[F_TYPE] = { .name = "type" },	 [F_PEERS] = { .name = "peers" },
		[F_PORT] = { .name = "port" },	 [F_MTU] = { .name = "mtu" },
		[F_NODES] = { .name = "nodes" }, [F_BRIDGE] = { .name = "bridge" },
		[F_TAG] = { .name = "tag" },	 [F_PROTO] = { .name = "vlan-protocol" },
	};
	char path[PATH_BUFSZ], sb[SHOW_BUFSZ];
	struct zone_config *cfg = p->cfg;
	struct zone_zone *z;
	struct zinfo *zi;
	bool known, vx, vl;
	uint32_t u;
	int m;

	if (sdnd_grow(&cfg->zones, &p->cap_zones, cfg->n_zones + 1, sizeof(*cfg->zones)) < 0 ||
	    sdnd_grow(&p->zinfo, &p->cap_zinfo, cfg->n_zones + 1, sizeof(*p->zinfo)) < 0) {
		p->oom = true;
		return;
	}
	z = &cfg->zones[cfg->n_zones];
	zi = &p->zinfo[cfg->n_zones];
	cfg->n_zones++;
	*z = (struct zone_zone){ .port = ZONE_VXLAN_PORT_DEFAULT,
				 .vlan_protocol = ZONE_ETH_P_8021Q,
				 .loc = { k->line, k->col } };
	*zi = (struct zinfo){ .key = k, .type = -1 };

	if (!zone_name_valid(k->str, k->len)) {
		zy_err(p, k, zpath, "invalid zone name \"%s\" (expected " ZONE_NAME_RULE ")",
		       zy_show_node(k, sb));
	} else {
		memcpy(z->name, k->str, k->len + 1);
		zi->name_ok = true;
	}

	m = zy_as_map(p, v, zpath, false);
	if (m <= 0) {
		zi->type = -2; /* reported; suppress follow-up errors about it */
		return;
	}
	zy_map_fields(p, v, zpath, f, ARRAY_SIZE(f));

	if (!f[F_TYPE].val) {
		zy_err(p, k, zy_path_key(path, zpath, "type", 4),
		       "required key is missing (expected one of: " ZONE_TYPES ")");
		zi->type = -2;
	} else if (zy_get_str(p, f[F_TYPE].val, zy_path_key(path, zpath, "type", 4),
			      "a zone type")) {
		zi->type = zone_type_from_string(f[F_TYPE].val->str);
		if (zi->type < 0) {
			zy_err(p, f[F_TYPE].val, path,
			       "unknown zone type \"%s\" (expected one of: " ZONE_TYPES ")",
			       zy_show_node(f[F_TYPE].val, sb));
			zi->type = -2;
		}
	} else {
		zi->type = -2;
	}
	if (zi->type >= 0)
		z->type = (enum zone_type)zi->type;
	known = zi->type >= 0;
	vx = zi->type == ZONE_VXLAN;
	vl = zi->type == ZONE_VLAN || zi->type == ZONE_QINQ;

	if (f[F_MTU].val &&
	    zy_get_uint(p, f[F_MTU].val, zy_path_key(path, zpath, "mtu", 3), 68, 65535, &u))
		z->mtu = u;
	if (f[F_NODES].val)
		parse_nodes(p, z, f[F_NODES].val, zy_path_key(path, zpath, "nodes", 5));

	/* vxlan */
	if (known && !vx && f[F_PEERS].key)
		not_in_zone(p, &f[F_PEERS], zpath, zi->type, "only vxlan zones have peers");
	else if (f[F_PEERS].val)
		parse_peers(p, z, zi, f[F_PEERS].val, zy_path_key(path, zpath, "peers", 5));
	else if (vx)
		zy_err(p, k, zy_path_key(path, zpath, "peers", 5),
		       "required key is missing (a vxlan zone needs the list of its peers' IP "
		       "addresses, or auto)");
	if (known && !vx && f[F_PORT].key)
		not_in_zone(p, &f[F_PORT], zpath, zi->type, "only vxlan zones have a port");
	else if (f[F_PORT].val &&
		 zy_get_uint(p, f[F_PORT].val, zy_path_key(path, zpath, "port", 4), 1, 65535, &u))
		z->port = (uint16_t)u;

	/* vlan, qinq */
	if (known && !vl && f[F_BRIDGE].key)
		not_in_zone(p, &f[F_BRIDGE], zpath, zi->type,
			    "only vlan and qinq zones have an uplink bridge");
	else if (f[F_BRIDGE].val)
		parse_bridge(p, z, zi, f[F_BRIDGE].val, zy_path_key(path, zpath, "bridge", 6));
	else if (vl)
		zy_err(p, k, zy_path_key(path, zpath, "bridge", 6),
		       "required key is missing (a %s zone needs the name of its uplink bridge)",
		       zone_type_to_string(z->type));

	/* qinq */
	if (known && zi->type != ZONE_QINQ && f[F_TAG].key) {
		not_in_zone(p, &f[F_TAG], zpath, zi->type,
			    zi->type == ZONE_VLAN
				    ? "only qinq zones have a tag, the service VLAN; in a vlan "
				      "zone each vnet has its own"
				    : "only qinq zones have a tag, the service VLAN");
	} else if (f[F_TAG].val) {
		zi->stag = f[F_TAG].val;
		if (zy_get_uint(p, f[F_TAG].val, zy_path_key(path, zpath, "tag", 3), 1,
				ZONE_VID_MAX, &u)) {
			z->stag = (uint16_t)u;
			zi->stag_ok = true;
		}
	} else if (zi->type == ZONE_QINQ) {
		zy_err(p, k, zy_path_key(path, zpath, "tag", 3),
		       "required key is missing (a qinq zone needs its service VLAN, a tag between "
		       "1 and %d)",
		       ZONE_VID_MAX);
	}
	if (known && zi->type != ZONE_QINQ && f[F_PROTO].key)
		not_in_zone(p, &f[F_PROTO], zpath, zi->type,
			    "only qinq zones have a vlan-protocol");
	else if (f[F_PROTO].val)
		parse_vlan_protocol(p, z, f[F_PROTO].val,
				    zy_path_key(path, zpath, "vlan-protocol", 13));
}

static void parse_zones(struct pctx *p, const struct ynode *v)
{
	char path[PATH_BUFSZ];
	_cleanup_free_ size_t *first = NULL;
	size_t i;

	if (zy_as_map(p, v, "zones", true) <= 0)
		return;
	first = zy_named_pairs(p, v, "zones");
	if (!first)
		return;
	for (i = 0; i < v->n / 2; i++)
		if (first[i] == i)
			parse_zone(p, v->items[2 * i], v->items[2 * i + 1],
				   zy_path_key(path, "zones", v->items[2 * i]->str,
					       v->items[2 * i]->len));
}

/* ---- vnets -------------------------------------------------------------------------------- */

void zy_mask_prefix(struct sdnd_ip *ip, uint8_t len)
{
	unsigned int i, bits = (unsigned int)sdnd_ip_len(ip) * 8;

	for (i = len; i < bits; i++)
		ip->addr[i / 8] &= (uint8_t) ~(0x80 >> (i % 8));
}

static bool is_broadcast(const struct sdnd_ip *ip, uint8_t len)
{
	unsigned int i;

	if (ip->family != AF_INET || len >= 31)
		return false;
	for (i = len; i < 32; i++)
		if (!(ip->addr[i / 8] & (0x80 >> (i % 8))))
			return false;
	return true;
}

static void parse_gateway(struct pctx *p, struct zone_subnet *sn, const struct ynode *v,
			  const char *path, const char *cidr)
{
	char sb[SHOW_BUFSZ];
	struct sdnd_ip gw;

	if (!zy_get_str(p, v, path, "an IP address"))
		return;
	if (sdnd_ip_parse(v->str, &gw) < 0) {
		zy_err(p, v, path, "expected an IP address, got \"%s\"", zy_show_node(v, sb));
		return;
	}
	if (gw.family != sn->net.family) {
		zy_err(p, v, path, "gateway %s is %s but subnet %s is %s", zy_show_node(v, sb),
		       zy_family_name(gw.family), cidr, zy_family_name(sn->net.family));
		return;
	}
	if (!sdnd_ip_in_prefix(&gw, &sn->net, sn->prefixlen)) {
		zy_err(p, v, path, "gateway %s is outside subnet %s", zy_show_node(v, sb), cidr);
		return;
	}
	if (sn->prefixlen < (sn->net.family == AF_INET ? 31 : 127) && sdnd_ip_eq(&gw, &sn->net)) {
		zy_err(p, v, path, "gateway %s is the network address of subnet %s",
		       zy_show_node(v, sb), cidr);
		return;
	}
	if (is_broadcast(&gw, sn->prefixlen)) {
		zy_err(p, v, path, "gateway %s is the broadcast address of subnet %s",
		       zy_show_node(v, sb), cidr);
		return;
	}
	sn->has_gateway = true;
	sn->gateway = gw;
}

static void parse_subnets(struct pctx *p, struct zone_vnet *vn, const struct ynode *v,
			  const char *parent)
{
	char path[PATH_BUFSZ], gpath[PATH_BUFSZ], sb[SHOW_BUFSZ], sb2[SHOW_BUFSZ];
	char nb[SDND_IP_STRLEN];
	_cleanup_free_ size_t *first = NULL;
	_cleanup_free_ const struct ynode **keys = NULL;
	size_t i, j;

	if (zy_as_map(p, v, parent, true) <= 0)
		return;
	first = zy_named_pairs(p, v, parent);
	vn->subnets = calloc(v->n / 2 + 1, sizeof(*vn->subnets));
	keys = calloc(v->n / 2 + 1, sizeof(*keys));
	if (!first || !vn->subnets || !keys) {
		p->oom = true;
		return;
	}
	for (i = 0; i < v->n / 2; i++) {
		const struct ynode *k = v->items[2 * i], *val = v->items[2 * i + 1];
		/* snat is not named in the unknown-key message, which the tests pin */
		struct field f[] = { { .name = "gateway" }, { .name = "snat" } };
		struct zone_subnet sn = { 0 };
		bool ok = true;

		if (first[i] != i)
			continue;
		zy_path_key(path, parent, k->str, k->len);
		if (memchr(k->str, '\0', k->len) ||
		    sdnd_prefix_parse(k->str, &sn.net, &sn.prefixlen) < 0) {
			zy_err(p, k, path,
			       "invalid subnet \"%s\" (expected an address/prefix length like "
			       "192.168.50.0/24 or 2001:db8:50::/64)",
			       zy_show_node(k, sb));
			ok = false;
		} else if (!sdnd_prefix_is_network(&sn.net, sn.prefixlen)) {
			zy_mask_prefix(&sn.net, sn.prefixlen);
			zy_err(p, k, path, "%s has host bits set; did you mean %s/%u?",
			       zy_show_node(k, sb), sdnd_ip_str(&sn.net, nb), sn.prefixlen);
			ok = false;
		}
		if (ok) {
			for (j = 0; j < vn->n_subnets; j++)
				if (vn->subnets[j].prefixlen == sn.prefixlen &&
				    sdnd_ip_eq(&vn->subnets[j].net, &sn.net))
					break;
			if (j < vn->n_subnets) {
				zy_err(p, k, path,
				       "duplicate subnet %s (same as \"%s\" at line %u)",
				       zy_show_node(k, sb), zy_show_node(keys[j], sb2),
				       keys[j]->line);
				ok = false;
			}
		}

		if (zy_as_map(p, val, path, true) > 0) {
			zy_map_fields(p, val, path, f, ARRAY_SIZE(f));
			if (f[0].val && ok)
				parse_gateway(p, &sn, f[0].val,
					      zy_path_key(gpath, path, "gateway", 7), k->str);
			else if (f[0].val) /* still check what can be checked alone */
				zy_get_str(p, f[0].val, zy_path_key(gpath, path, "gateway", 7),
					   "an IP address");
			if (f[1].val)
				zy_get_bool(p, f[1].val, zy_path_key(gpath, path, "snat", 4),
					    &sn.snat);
		}
		if (ok) {
			keys[vn->n_subnets] = k;
			vn->subnets[vn->n_subnets++] = sn;
		}
	}
}

/* alias: at most ZONE_ALIAS_MAX bytes of one line of printable text */
static void parse_alias(struct pctx *p, struct zone_vnet *vn, const struct ynode *v,
			const char *path)
{
	const unsigned char *u = (const unsigned char *)v->str;
	char sb[SHOW_BUFSZ];
	size_t i;

	if (!zy_get_str(p, v, path, "a string"))
		return;
	if (v->len > ZONE_ALIAS_MAX) {
		zy_err(p, v, path, "alias is too long (%zu bytes, at most %d)", v->len,
		       ZONE_ALIAS_MAX);
		return;
	}
	for (i = 0; i < v->len; i++)
		if (u[i] < 0x20 || u[i] == 0x7f ||
		    (u[i] == 0xc2 && i + 1 < v->len && u[i + 1] >= 0x80 && u[i + 1] <= 0x9f)) {
			zy_err(p, v, path,
			       "alias contains a control character (\"%s\"); it must be one line "
			       "of printable text",
			       zy_show(v->str + i, u[i] == 0xc2 ? 2 : 1, sb));
			return;
		}
	vn->alias = strdup(v->str);
	if (!vn->alias)
		p->oom = true;
}

static void parse_vnet(struct pctx *p, const struct ynode *k, const struct ynode *v,
		       const char *vpath)
{
	enum { F_ZONE, F_TAG, F_ALIAS, F_SUBNETS, F_VLANAWARE, F_ISOLATE };
	struct field f[] = {
		[F_ZONE] = { .name = "zone" },		 [F_TAG] = { .name = "tag" },
		[F_ALIAS] = { .name = "alias" },	 [F_SUBNETS] = { .name = "subnets" },
		[F_VLANAWARE] = { .name = "vlanaware" }, [F_ISOLATE] = { .name = "isolate-ports" },
	};
	char path[PATH_BUFSZ], sb[SHOW_BUFSZ];
	struct zone_config *cfg = p->cfg;
	struct zone_vnet *vn;
	struct vinfo *vi;

	if (sdnd_grow(&cfg->vnets, &p->cap_vnets, cfg->n_vnets + 1, sizeof(*cfg->vnets)) < 0 ||
	    sdnd_grow(&p->vinfo, &p->cap_vinfo, cfg->n_vnets + 1, sizeof(*p->vinfo)) < 0) {
		p->oom = true;
		return;
	}
	vn = &cfg->vnets[cfg->n_vnets];
	vi = &p->vinfo[cfg->n_vnets];
	cfg->n_vnets++;
	*vn = (struct zone_vnet){ .loc = { k->line, k->col } };
	*vi = (struct vinfo){ .key = k, .zidx = -1 };

	if (!zone_name_valid(k->str, k->len)) {
		zy_err(p, k, vpath, "invalid vnet name \"%s\" (expected " ZONE_NAME_RULE ")",
		       zy_show_node(k, sb));
	} else {
		memcpy(vn->name, k->str, k->len + 1);
		vi->name_ok = true;
	}

	if (zy_as_map(p, v, vpath, false) <= 0)
		return;
	zy_map_fields(p, v, vpath, f, ARRAY_SIZE(f));

	if (!f[F_ZONE].val)
		zy_err(p, k, zy_path_key(path, vpath, "zone", 4),
		       "required key is missing (the name of the zone the vnet belongs to)");
	else if (zy_get_str(p, f[F_ZONE].val, zy_path_key(path, vpath, "zone", 4), "a zone name"))
		vi->zone = f[F_ZONE].val;

	/* the tag's range depends on the zone's type: checked with the zone (check_vnet_zones) */
	vi->tag_key = f[F_TAG].key;
	vi->tag = f[F_TAG].val;
	if (f[F_TAG].val &&
	    zy_get_int(p, f[F_TAG].val, zy_path_key(path, vpath, "tag", 3), &vi->tag_val))
		vi->tag_int = true;
	if (f[F_ALIAS].val)
		parse_alias(p, vn, f[F_ALIAS].val, zy_path_key(path, vpath, "alias", 5));
	if (f[F_VLANAWARE].val)
		zy_get_bool(p, f[F_VLANAWARE].val, zy_path_key(path, vpath, "vlanaware", 9),
			    &vn->vlanaware);
	if (f[F_ISOLATE].val)
		zy_get_bool(p, f[F_ISOLATE].val, zy_path_key(path, vpath, "isolate-ports", 13),
			    &vn->isolate_ports);
	if (f[F_SUBNETS].val) {
		const struct ynode *sv = f[F_SUBNETS].val;

		if (vn->vlanaware && sv->kind == Y_MAP && !sv->tag && sv->n > 0)
			zy_err(p, f[F_SUBNETS].key, zy_path_key(path, vpath, "subnets", 7),
			       "a vlanaware vnet cannot have subnets (its bridge carries the "
			       "guests' own VLANs; give routed subnets a vnet of their own)");
		parse_subnets(p, vn, sv, zy_path_key(path, vpath, "subnets", 7));
	}
}

static void parse_vnets(struct pctx *p, const struct ynode *v)
{
	char path[PATH_BUFSZ];
	_cleanup_free_ size_t *first = NULL;
	size_t i;

	if (zy_as_map(p, v, "vnets", true) <= 0)
		return;
	first = zy_named_pairs(p, v, "vnets");
	if (!first)
		return;
	for (i = 0; i < v->n / 2; i++)
		if (first[i] == i)
			parse_vnet(p, v->items[2 * i], v->items[2 * i + 1],
				   zy_path_key(path, "vnets", v->items[2 * i]->str,
					       v->items[2 * i]->len));
}

/* ---- cross-checks ------------------------------------------------------------------------- */

static const char *vnet_path(char *path, const struct vinfo *vi, const char *sub)
{
	char tmp[PATH_BUFSZ];

	zy_path_key(tmp, "vnets", vi->key->str, vi->key->len);
	if (!sub)
		return strcpy(path, tmp);
	return zy_path_key(path, tmp, sub, strlen(sub));
}

/* "lab, home, ..." of the zones defined in the document */
static void zone_list(const struct pctx *p, char *buf, size_t size)
{
	char sb[SHOW_BUFSZ];
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < p->cfg->n_zones && o < size; i++) {
		if (i == LIST_MAX) {
			snprintf(buf + o, size - o, ", ...");
			break;
		}
		o += (size_t)snprintf(buf + o, size - o, "%s%s", i ? ", " : "",
				      zy_show(p->zinfo[i].key->str, p->zinfo[i].key->len, sb));
	}
}

/*
 * Resolve each vnet's zone; range-check its tag for the zone's type (VNI 1..16777215 in vxlan
 * zones and wherever the zone is unknown, VLAN 1..4094 in vlan and qinq zones); the tag rules
 * of each type.
 */
static void check_vnet_zones(struct pctx *p)
{
	char path[PATH_BUFSZ], sb[SHOW_BUFSZ], sb2[SHOW_BUFSZ], list[LIST_MAX * 80];
	const struct zone_config *cfg = p->cfg;
	size_t i, j;

	for (i = 0; i < cfg->n_vnets; i++) {
		struct zone_vnet *vn = &cfg->vnets[i];
		struct vinfo *vi = &p->vinfo[i];
		int type = -1;

		if (vi->zone) {
			for (j = 0; j < cfg->n_zones; j++)
				if (zy_key_eq(p->zinfo[j].key, vi->zone))
					break;
			if (j < cfg->n_zones) {
				vi->zidx = (int)j;
				memcpy(vn->zone, cfg->zones[j].name, sizeof(vn->zone));
				type = p->zinfo[j].type;
			} else {
				zone_list(p, list, sizeof(list));
				if (cfg->n_zones)
					zy_err(p, vi->zone, vnet_path(path, vi, "zone"),
					       "zone \"%s\" does not exist (defined zones: %s)",
					       zy_show_node(vi->zone, sb), list);
				else
					zy_err(p, vi->zone, vnet_path(path, vi, "zone"),
					       "zone \"%s\" does not exist (no zones are defined)",
					       zy_show_node(vi->zone, sb));
			}
		}
		if (vi->tag_int && type != ZONE_SIMPLE) {
			uint32_t max = type == ZONE_VLAN || type == ZONE_QINQ ? ZONE_VID_MAX
									      : ZONE_VNI_MAX;

			if (vi->tag_val < 1 || vi->tag_val > (int64_t)max) {
				zy_err(p, vi->tag, vnet_path(path, vi, "tag"),
				       "expected an integer between 1 and %u, got %s", max,
				       zy_show_node(vi->tag, sb));
			} else {
				vn->tag = (uint32_t)vi->tag_val;
				vn->has_tag = true;
				vi->tag_ok = true;
			}
		}
		if (vi->zidx < 0)
			continue;
		if ((type == ZONE_VXLAN || type == ZONE_VLAN) && !vi->tag)
			zy_err(p, vi->key, vnet_path(path, vi, "tag"),
			       "required key is missing (a vnet in %s zone \"%s\" needs %s between "
			       "1 and %u)",
			       zone_type_to_string((enum zone_type)type),
			       zy_show_node(vi->zone, sb),
			       type == ZONE_VXLAN ? "a VNI" : "a VLAN tag",
			       type == ZONE_VXLAN ? ZONE_VNI_MAX : ZONE_VID_MAX);
		else if (type == ZONE_SIMPLE && vi->tag_key)
			zy_err(p, vi->tag_key, vnet_path(path, vi, "tag"),
			       "not allowed in simple zone \"%s\" (only vnets in vxlan, vlan and "
			       "qinq zones have a tag)",
			       zy_show(vi->zone->str, vi->zone->len, sb2));
	}
}

struct tag_sort {
	const struct zone_config *cfg;
	const size_t *idx; /* entry -> vnet index */
};

/* by zone, then tag */
static int zone_tag_cmp(size_t a, size_t b, void *ctx)
{
	const struct tag_sort *ts = ctx;
	const struct zone_vnet *x = &ts->cfg->vnets[ts->idx[a]], *y = &ts->cfg->vnets[ts->idx[b]];
	int r = strcmp(x->zone, y->zone);

	if (r)
		return r;
	return x->tag < y->tag ? -1 : x->tag > y->tag;
}

/*
 * In a vlan or qinq zone a tag names one VLAN (the C-tag in qinq), so no two vnets of a zone
 * share one; a qinq zone has at most one untagged vnet. Independent of the node.
 */
static void check_vlan_tags(struct pctx *p)
{
	const struct zone_config *cfg = p->cfg;
	_cleanup_free_ size_t *idx = NULL, *first = NULL, *untagged = NULL;
	char path[PATH_BUFSZ], sb[SHOW_BUFSZ], sb2[SHOW_BUFSZ];
	struct tag_sort ts = { .cfg = cfg };
	size_t i, n = 0;

	idx = calloc(cfg->n_vnets + 1, sizeof(*idx));
	untagged = calloc(cfg->n_zones + 1, sizeof(*untagged));
	if (!idx || !untagged) {
		p->oom = true;
		return;
	}
	for (i = 0; i < cfg->n_zones; i++)
		untagged[i] = SIZE_MAX;
	for (i = 0; i < cfg->n_vnets; i++) {
		const struct vinfo *vi = &p->vinfo[i];
		int type;

		if (vi->zidx < 0 || !p->zinfo[vi->zidx].name_ok)
			continue;
		type = p->zinfo[vi->zidx].type;
		if (type != ZONE_VLAN && type != ZONE_QINQ)
			continue;
		if (vi->tag_ok) {
			idx[n++] = i;
			continue;
		}
		if (type != ZONE_QINQ || vi->tag)
			continue;
		if (untagged[vi->zidx] == SIZE_MAX) {
			untagged[vi->zidx] = i;
			continue;
		}
		zy_err(p, vi->key, vnet_path(path, vi, "tag"),
		       "vnet \"%s\" is already the untagged vnet of qinq zone \"%s\" (at most one "
		       "vnet of a qinq zone may have no tag)",
		       zy_show_node(p->vinfo[untagged[vi->zidx]].key, sb),
		       zy_show_node(vi->zone, sb2));
	}
	ts.idx = idx;
	first = zy_find_dups(p, n, zone_tag_cmp, &ts);
	if (!first)
		return;
	for (i = 0; i < n; i++) {
		struct vinfo *vi = &p->vinfo[idx[i]];
		const struct vinfo *fi;

		if (first[i] == i)
			continue;
		fi = &p->vinfo[idx[first[i]]];
		vi->tag_dup = true;
		zy_err(p, vi->tag, vnet_path(path, vi, "tag"),
		       "VLAN %u is already used by vnet \"%s\" in zone \"%s\"",
		       cfg->vnets[idx[i]].tag, zy_show(fi->key->str, fi->key->len, sb),
		       zy_show_node(vi->zone, sb2));
	}
}

struct vni_sort {
	const struct zone_config *cfg;
	const size_t *idx; /* entry -> vnet index */
};

static int vni_cmp(size_t a, size_t b, void *ctx)
{
	const struct vni_sort *vs = ctx;
	uint32_t x = vs->cfg->vnets[vs->idx[a]].tag, y = vs->cfg->vnets[vs->idx[b]].tag;

	return x < y ? -1 : x > y;
}

/* The VNI namespace is global across vxlan zones. */
static void check_vnis(struct pctx *p)
{
	const struct zone_config *cfg = p->cfg;
	_cleanup_free_ size_t *idx = NULL, *first = NULL;
	char path[PATH_BUFSZ], sb[SHOW_BUFSZ];
	struct vni_sort vs = { .cfg = cfg };
	size_t i, n = 0;

	/* the vnets with a VNI */
	idx = calloc(cfg->n_vnets + 1, sizeof(*idx));
	if (!idx) {
		p->oom = true;
		return;
	}
	for (i = 0; i < cfg->n_vnets; i++)
		if (p->vinfo[i].tag_ok && p->vinfo[i].zidx >= 0 &&
		    p->zinfo[p->vinfo[i].zidx].type == ZONE_VXLAN)
			idx[n++] = i;
	vs.idx = idx;
	first = zy_find_dups(p, n, vni_cmp, &vs);
	if (!first)
		return;
	for (i = 0; i < n; i++) {
		const struct vinfo *vi = &p->vinfo[idx[i]], *fi;

		if (first[i] == i)
			continue;
		fi = &p->vinfo[idx[first[i]]];
		zy_err(p, vi->tag, vnet_path(path, vi, "tag"),
		       "VNI %u is already used by vnet \"%s\"", cfg->vnets[idx[i]].tag,
		       zy_show(fi->key->str, fi->key->len, sb));
	}
}

/* A VLAN taken on an uplink bridge: by a vlan zone's vnet, or by a qinq zone (its S-tag). */
struct vid_use {
	const char *bridge;
	uint32_t vid;
	uint16_t proto;
	bool zone; /* idx is a qinq zone, else a vnet */
	size_t idx;
	const struct ynode *at; /* the tag */
};

static int vid_use_cmp(size_t a, size_t b, void *ctx)
{
	const struct vid_use *u = ctx, *x = &u[a], *y = &u[b];
	int r = strcmp(x->bridge, y->bridge);

	if (r)
		return r;
	if (x->vid != y->vid)
		return x->vid < y->vid ? -1 : 1;
	return x->proto < y->proto ? -1 : x->proto > y->proto;
}

static int vid_use_pos_cmp(const void *a, const void *b)
{
	const struct vid_use *x = a, *y = b;

	if (x->at->line != y->at->line)
		return x->at->line < y->at->line ? -1 : 1;
	return x->at->col < y->at->col ? -1 : x->at->col > y->at->col;
}

/*
 * On this node, one VLAN (VID and protocol) of an uplink bridge carries one vnet: two vlan
 * zones on the same bridge cannot both use a tag (they would both create <uplink>.<tag>), nor
 * can a vlan zone use a qinq zone's service VLAN, nor two qinq zones share one. The first use
 * in the document keeps it; the others are reported. Duplicates within a zone were reported
 * by check_vlan_tags() and are not repeated.
 */
static void check_uplink_vids(struct pctx *p)
{
	const struct zone_config *cfg = p->cfg;
	_cleanup_free_ struct vid_use *u = NULL;
	_cleanup_free_ size_t *first = NULL;
	char path[PATH_BUFSZ], sb[SHOW_BUFSZ], sb2[SHOW_BUFSZ], sb3[SHOW_BUFSZ];
	char what[2 * SHOW_BUFSZ + 64];
	size_t i, n = 0;

	u = calloc(cfg->n_zones + cfg->n_vnets + 1, sizeof(*u));
	if (!u) {
		p->oom = true;
		return;
	}
	for (i = 0; i < cfg->n_zones; i++) {
		const struct zone_zone *z = &cfg->zones[i];
		const struct zinfo *zi = &p->zinfo[i];

		if (zi->type == ZONE_QINQ && zi->name_ok && zi->bridge_ok && zi->stag_ok &&
		    zone_on_node(z, cfg->node))
			u[n++] = (struct vid_use){ .bridge = z->bridge,
						   .vid = z->stag,
						   .proto = z->vlan_protocol,
						   .zone = true,
						   .idx = i,
						   .at = zi->stag };
	}
	for (i = 0; i < cfg->n_vnets; i++) {
		const struct vinfo *vi = &p->vinfo[i];
		const struct zone_zone *z;

		if (vi->zidx < 0 || !vi->tag_ok || vi->tag_dup)
			continue;
		z = &cfg->zones[vi->zidx];
		if (p->zinfo[vi->zidx].type == ZONE_VLAN && p->zinfo[vi->zidx].name_ok &&
		    p->zinfo[vi->zidx].bridge_ok && zone_on_node(z, cfg->node))
			u[n++] = (struct vid_use){ .bridge = z->bridge,
						   .vid = cfg->vnets[i].tag,
						   .proto = ZONE_ETH_P_8021Q,
						   .idx = i,
						   .at = vi->tag };
	}
	qsort(u, n, sizeof(*u), vid_use_pos_cmp);
	first = zy_find_dups(p, n, vid_use_cmp, u);
	if (!first)
		return;
	for (i = 0; i < n; i++) {
		const struct vid_use *a = &u[i], *b = &u[first[i]];

		if (first[i] == i)
			continue;
		if (b->zone) {
			const char *zn = cfg->zones[b->idx].name;

			snprintf(what, sizeof(what), "qinq zone \"%s\" (its service VLAN)",
				 zy_show(zn, strlen(zn), sb));
		} else {
			const struct zone_vnet *bv = &cfg->vnets[b->idx];

			snprintf(what, sizeof(what), "vnet \"%s\" of zone \"%s\"",
				 zy_show(bv->name, strlen(bv->name), sb),
				 zy_show(bv->zone, strlen(bv->zone), sb3));
		}
		if (a->zone) {
			const struct zinfo *zi = &p->zinfo[a->idx];
			char zpath[PATH_BUFSZ];

			p->zinfo[a->idx].stag_dup = true;
			zy_path_key(zpath, "zones", zi->key->str, zi->key->len);
			zy_err(p, a->at, zy_path_key(path, zpath, "tag", 3),
			       "service VLAN %u on bridge \"%s\" is already used by %s", a->vid,
			       zy_show(a->bridge, strlen(a->bridge), sb2), what);
		} else {
			p->vinfo[a->idx].tag_dup = true;
			zy_err(p, a->at, vnet_path(path, &p->vinfo[a->idx], "tag"),
			       "VLAN %u on bridge \"%s\" is already used by %s", a->vid,
			       zy_show(a->bridge, strlen(a->bridge), sb2), what);
		}
	}
}

/*
 * The uplink bridge of each vlan and qinq zone present on this node exists there and is a
 * bridge; a plain (not VLAN-aware) one has a physical port to carry the VLANs. Only checked
 * when env knows the node's devices. A zone whose uplink is unusable derives no device names.
 */
static void check_uplinks(struct pctx *p)
{
	const struct zone_config *cfg = p->cfg;
	const struct zone_env *env = p->env;
	char zpath[PATH_BUFSZ], path[PATH_BUFSZ], sb[SHOW_BUFSZ], sb2[SHOW_BUFSZ];
	char list[LIST_MAX * (SHOW_BUFSZ + 2) + 32];
	size_t i, j, k;

	if (!env || !env->links)
		return;
	for (i = 0; i < cfg->n_zones; i++) {
		const struct zone_zone *z = &cfg->zones[i];
		struct zinfo *zi = &p->zinfo[i];
		const struct zone_local_link *l;
		size_t nb = 0, o = 0;

		if (!zi->bridge_ok || !zone_on_node(z, cfg->node))
			continue;
		zy_path_key(zpath, "zones", zi->key->str, zi->key->len);
		zy_path_key(path, zpath, "bridge", 6);
		l = zone_env_link(env, z->bridge);
		zi->uplink_bad = !l || strcmp(l->kind, "bridge") ||
				 (!l->vlan_filtering && !zone_uplink_port(env, z->bridge));
		if (l && strcmp(l->kind, "bridge")) {
			if (l->kind[0])
				zy_err(p, zi->bridge, path,
				       "\"%s\" is not a bridge (it is a %s device)",
				       zy_show_node(zi->bridge, sb),
				       zy_show(l->kind, strlen(l->kind), sb2));
			else
				zy_err(p, zi->bridge, path,
				       "\"%s\" is not a bridge (it is a physical interface)",
				       zy_show_node(zi->bridge, sb));
			continue;
		}
		if (l) {
			if (!l->vlan_filtering && !zone_uplink_port(env, z->bridge))
				zy_err(p, zi->bridge, path,
				       "bridge \"%s\" is not VLAN-aware and has no physical port "
				       "to carry the VLANs",
				       zy_show_node(zi->bridge, sb));
			continue;
		}
		for (k = 0; k < env->n_links; k++)
			nb += !strcmp(env->links[k].kind, "bridge");
		list[0] = '\0';
		for (k = 0, j = 0; k < env->n_links && o < sizeof(list); k++) {
			const struct zone_local_link *b = &env->links[k];

			if (strcmp(b->kind, "bridge"))
				continue;
			if (j == LIST_MAX) {
				snprintf(list + o, sizeof(list) - o, ", ... (%zu more)",
					 nb - LIST_MAX);
				break;
			}
			o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", j++ ? ", " : "",
					      zy_show(b->name, strlen(b->name), sb2));
		}
		if (nb)
			zy_err(p, zi->bridge, path,
			       "bridge \"%s\" does not exist on this node (%s); local bridges: %s",
			       zy_show_node(zi->bridge, sb), cfg->node, list);
		else
			zy_err(p, zi->bridge, path,
			       "bridge \"%s\" does not exist on this node (%s); it has no bridges",
			       zy_show_node(zi->bridge, sb), cfg->node);
	}
}

/* A kernel device sdnd would create on this node, or an uplink bridge it uses. */
struct devname {
	char name[ZONE_NAME_MAX + 1];
	const char *what;
	size_t idx; /* a vnet, or a zone when zone or uplink */
	bool zone;
	bool uplink; /* the uplink bridge of zone idx */
};

static int devname_cmp(size_t a, size_t b, void *ctx)
{
	const struct devname *d = ctx;

	return strcmp(d[a].name, d[b].name);
}

struct devnames {
	struct devname *d;
	size_t n, cap;
};

static void devname_push(struct pctx *p, struct devnames *dv, const char *name, const char *what,
			 size_t idx, bool zone, bool uplink)
{
	if (sdnd_grow(&dv->d, &dv->cap, dv->n + 1, sizeof(*dv->d)) < 0) {
		p->oom = true;
		return;
	}
	dv->d[dv->n] = (struct devname){ .what = what, .idx = idx, .zone = zone, .uplink = uplink };
	sdnd_strlcpy(dv->d[dv->n].name, name, sizeof(dv->d[dv->n].name));
	dv->n++;
}

/* Whether the names derived from zone i can be computed: the keys they depend on are valid. */
static bool zone_names_ok(const struct pctx *p, size_t i)
{
	const struct zinfo *zi = &p->zinfo[i];

	switch (zi->type) {
	case ZONE_SIMPLE:
	case ZONE_VXLAN:
		return true;
	case ZONE_VLAN:
		return zi->bridge_ok && !zi->uplink_bad;
	case ZONE_QINQ:
		return zi->name_ok && zi->bridge_ok && !zi->uplink_bad && zi->stag_ok &&
		       !zi->stag_dup;
	default:
		return false;
	}
}

/*
 * The devices of every zone and vnet on this node (zone_zone_devices(), zone_vnet_devices())
 * must all have distinct names, and none may be named like an uplink bridge. A vnet whose
 * other names cannot be computed (its zone or tag has problems, reported elsewhere) counts
 * with its bridge only. The uplink bridges come first, then the zones' devices, then the
 * vnets', each in document order; a collision is reported at the later one.
 */
static void check_devnames(struct pctx *p)
{
	const struct zone_config *cfg = p->cfg;
	struct devnames dv = { 0 };
	_cleanup_free_ size_t *first = NULL;
	char path[PATH_BUFSZ], sb[SHOW_BUFSZ], sb2[SHOW_BUFSZ];
	struct zone_devname dn[ZONE_VNET_DEVICES_MAX];
	size_t i, j, k;

	for (i = 0; i < cfg->n_zones; i++)
		if (p->zinfo[i].bridge_ok && zone_on_node(&cfg->zones[i], cfg->node))
			devname_push(p, &dv, cfg->zones[i].bridge, "uplink bridge", i, true, true);
	for (i = 0; i < cfg->n_zones; i++) {
		if (!zone_names_ok(p, i) || !zone_on_node(&cfg->zones[i], cfg->node))
			continue;
		k = zone_zone_devices(&cfg->zones[i], p->env, dn);
		for (j = 0; j < k; j++)
			devname_push(p, &dv, dn[j].name, dn[j].what, i, true, false);
	}
	for (i = 0; i < cfg->n_vnets; i++) {
		const struct vinfo *vi = &p->vinfo[i];
		const struct zone_zone *z;

		if (!vi->name_ok || vi->zidx < 0)
			continue;
		z = &cfg->zones[vi->zidx];
		if (!zone_on_node(z, cfg->node))
			continue;
		if (!zone_names_ok(p, (size_t)vi->zidx) || vi->tag_dup ||
		    (vi->tag && !vi->tag_ok)) {
			devname_push(p, &dv, cfg->vnets[i].name, "bridge", i, false, false);
			continue;
		}
		k = zone_vnet_devices(z, &cfg->vnets[i], p->env, dn);
		for (j = 0; j < k; j++)
			devname_push(p, &dv, dn[j].name, dn[j].what, i, false, false);
	}
	if (!p->oom)
		first = zy_find_dups(p, dv.n, devname_cmp, dv.d);
	for (i = 0; first && i < dv.n; i++) {
		const struct devname *a = &dv.d[i], *b = &dv.d[first[i]];
		const char *bname = b->zone ? cfg->zones[b->idx].name : cfg->vnets[b->idx].name;
		const struct ynode *at;

		if (first[i] == i || a->uplink) /* zones may share an uplink */
			continue;
		if (a->zone) {
			at = p->zinfo[a->idx].key;
			zy_path_key(path, "zones", at->str, at->len);
		} else {
			at = p->vinfo[a->idx].key;
			vnet_path(path, &p->vinfo[a->idx], NULL);
		}
		zy_err(p, at, path, "%s \"%s\" has the same name as the %s of %s \"%s\"", a->what,
		       zy_show(a->name, strlen(a->name), sb), b->what, b->zone ? "zone" : "vnet",
		       zy_show(bname, strlen(bname), sb2));
	}
	free(dv.d);
}

/* Each vxlan zone present on this node must have exactly one local peer. */
static void check_local_peers(struct pctx *p)
{
	const struct zone_config *cfg = p->cfg;
	const struct zone_env *env = p->env;
	char zpath[PATH_BUFSZ], path[PATH_BUFSZ], ib[SDND_IP_STRLEN];
	char list[LIST_MAX * (SDND_IP_STRLEN + 2) + 32];
	size_t i, j, k;

	if (!env)
		return;
	for (i = 0; i < cfg->n_zones; i++) {
		const struct zone_zone *z = &cfg->zones[i];
		const struct zinfo *zi = &p->zinfo[i];
		size_t n_local = 0, o = 0;

		if (zi->type != ZONE_VXLAN || !zi->peers_ok || !zone_on_node(z, cfg->node))
			continue;
		list[0] = '\0';
		for (j = 0; j < z->n_peers; j++) {
			for (k = 0; k < env->n_addrs; k++)
				if (sdnd_ip_eq(&z->peers[j], &env->addrs[k].ip))
					break;
			if (k == env->n_addrs)
				continue;
			if (n_local < LIST_MAX)
				o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s",
						      n_local ? ", " : "",
						      sdnd_ip_str(&z->peers[j], ib));
			n_local++;
		}
		zy_path_key(zpath, "zones", zi->key->str, zi->key->len);
		zy_path_key(path, zpath, "peers", 5);
		if (n_local > 1) {
			zy_err(p, zi->peers, path,
			       "more than one peer is an address of this node (%s): %s (exactly "
			       "one must be)",
			       cfg->node, list);
			continue;
		}
		if (n_local == 1)
			continue;
		o = 0;
		for (k = 0; k < env->n_addrs && o < sizeof(list); k++) {
			if (k == LIST_MAX) {
				snprintf(list + o, sizeof(list) - o, ", ... (%zu more)",
					 env->n_addrs - LIST_MAX);
				break;
			}
			o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", k ? ", " : "",
					      sdnd_ip_str(&env->addrs[k].ip, ib));
		}
		if (env->n_addrs)
			zy_err(p, zi->peers, path,
			       "none of the peers is an address of this node (%s); local "
			       "addresses: %s",
			       cfg->node, list);
		else
			zy_err(p, zi->peers, path,
			       "none of the peers is an address of this node (%s); it has no local "
			       "addresses",
			       cfg->node);
	}
}

/* ---- the document ------------------------------------------------------------------------- */

static void parse_root(struct pctx *p, const struct ynode *root)
{
	enum { F_VERSION, F_NODE, F_RESYNC, F_ZONES, F_VNETS, F_FIREWALL, F_ATTACHMENTS };
	struct field f[] = {
		[F_VERSION] = { .name = "version" },
		[F_NODE] = { .name = "node" },
		[F_RESYNC] = { .name = "resync-interval" },
		[F_ZONES] = { .name = "zones" },
		[F_VNETS] = { .name = "vnets" },
		[F_FIREWALL] = { .name = "firewall" },
		[F_ATTACHMENTS] = { .name = "attachments" },
	};
	struct zone_config *cfg = p->cfg;
	char sb[SHOW_BUFSZ];
	uint32_t u;
	int64_t v;

	if (!root || zy_is_null(root)) {
		perr_add(p, 1, 1, "",
			 "empty document (expected a mapping with at least \"version: 1\")");
		return;
	}
	if (zy_as_map(p, root, "", false) <= 0)
		return;
	zy_map_fields(p, root, "", f, ARRAY_SIZE(f));

	if (!f[F_VERSION].val)
		zy_err(p, root, "version", "required key is missing (expected \"version: 1\")");
	else if (zy_get_int(p, f[F_VERSION].val, "version", &v)) {
		if (v != 1)
			zy_err(p, f[F_VERSION].val, "version",
			       "unsupported version %s (expected 1)",
			       zy_show_node(f[F_VERSION].val, sb));
		else
			cfg->version = 1;
	}

	if (f[F_NODE].val && p->env && p->env->cluster) {
		zy_err(p, f[F_NODE].val, "node",
		       "a cluster store's definition is every node's: it names none (each node is "
		       "named by sdnd -n, or by its host name)");
	} else if (f[F_NODE].val) {
		const struct ynode *nv = f[F_NODE].val;

		if (zy_get_str(p, nv, "node", "a node name")) {
			if (!node_name_valid(nv->str, nv->len))
				zy_err(p, nv, "node",
				       "invalid node name \"%s\" (expected " NODE_NAME_RULE ")",
				       zy_show_node(nv, sb));
			else
				memcpy(cfg->node, nv->str, nv->len + 1);
		}
	} else {
		const char *h = p->env && p->env->node ? p->env->node : "localhost";

		if (!node_name_valid(h, strlen(h)))
			zy_err(p, root, "node",
			       "this host's name \"%s\" is not a valid node name "
			       "(expected " NODE_NAME_RULE "); set \"node\" in the document",
			       zy_show(h, strlen(h), sb));
		else
			strcpy(cfg->node, h);
	}

	if (f[F_RESYNC].val && zy_get_uint(p, f[F_RESYNC].val, "resync-interval", 1, 86400, &u))
		cfg->resync_interval = u;

	if (f[F_ZONES].val)
		parse_zones(p, f[F_ZONES].val);
	if (f[F_VNETS].val)
		parse_vnets(p, f[F_VNETS].val);
	if (f[F_FIREWALL].val || f[F_ATTACHMENTS].val)
		zy_fw_parse(p, f[F_FIREWALL].val, f[F_ATTACHMENTS].val);
	if (p->oom)
		return;

	check_vnet_zones(p);
	check_vnis(p);
	check_vlan_tags(p);
	check_uplink_vids(p);
	check_uplinks(p);
	check_devnames(p);
	check_local_peers(p);
}

static int perr_cmp(const void *a, const void *b)
{
	const struct perr *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void zy_errs_sort(struct pctx *p)
{
	if (p->n_errs)
		qsort(p->errs, p->n_errs, sizeof(*p->errs), perr_cmp);
}

void zy_errs_done(struct pctx *p)
{
	size_t i;

	for (i = 0; i < p->n_errs; i++) {
		free(p->errs[i].msg);
		free(p->errs[i].path);
	}
	free(p->errs);
	p->errs = NULL;
	p->n_errs = p->cap_errs = 0;
}

void zone_config_free(struct zone_config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	for (i = 0; i < cfg->n_zones; i++) {
		free(cfg->zones[i].peers);
		free(cfg->zones[i].nodes);
	}
	for (i = 0; i < cfg->n_vnets; i++) {
		free(cfg->vnets[i].alias);
		free(cfg->vnets[i].subnets);
	}
	free(cfg->zones);
	free(cfg->vnets);
	fw_config_done(&cfg->fw);
	free(cfg);
}

int zone_parse(const char *buf, size_t len, const char *fname, const struct zone_env *env,
	       struct zone_config **ret_cfg, struct zone_errors *errs)
{
	struct pctx p = {
		.fname = fname ? fname : "<input>",
		.buf = buf,
		.len = buf ? len : 0,
		.env = env,
	};
	struct zone_errors scratch = { 0 };
	struct ydoc doc = { 0 };
	size_t i, moved = 0;
	int r;

	if (!errs)
		errs = &scratch;
	p.cfg = calloc(1, sizeof(*p.cfg));
	if (!p.cfg)
		return -ENOMEM;
	p.cfg->resync_interval = ZONE_RESYNC_DEFAULT;

	r = zy_load(&p, &doc);
	if (r == 0)
		parse_root(&p, doc.root);
	zy_doc_done(&doc);
	free(p.zinfo);
	free(p.vinfo);

	/* hand the problems over sorted by position */
	zy_errs_sort(&p);
	if (p.n_errs &&
	    sdnd_grow(&errs->msgs, &errs->cap, errs->n + p.n_errs, sizeof(*errs->msgs)) < 0)
		p.oom = true;
	else
		for (moved = 0; moved < p.n_errs; moved++)
			errs->msgs[errs->n++] = p.errs[moved].msg;
	for (i = moved; i < p.n_errs; i++)
		free(p.errs[i].msg);
	free(p.errs);
	zone_errors_clear(&scratch);

	if (p.oom || p.n_errs) {
		zone_config_free(p.cfg);
		return p.oom ? -ENOMEM : -EINVAL;
	}
	if (ret_cfg)
		*ret_cfg = p.cfg;
	else
		zone_config_free(p.cfg);
	return 0;
}

int zone_parse_file(const char *path, const struct zone_env *env, struct zone_config **ret_cfg,
		    struct zone_errors *errs)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int fd = -1;
	size_t len = 0, cap = 0;
	struct stat st;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) < 0)
		goto fail;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		goto fail;
	}
	for (;;) {
		if (len == cap) {
			if (cap >= ZONE_FILE_MAX) {
				errno = EFBIG;
				goto fail;
			}
			if (sdnd_grow(&buf, &cap, len + 65536, 1) < 0)
				return -ENOMEM;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	return zone_parse(buf, len, path, env, ret_cfg, errs);

fail : {
	int e = errno ? errno : EIO;

	if (errs && zone_errors_add(errs, "%s:1:1: (document): cannot read the file: %s", path,
				    strerror(e)) < 0)
		return -ENOMEM;
	return -e;
}
}
