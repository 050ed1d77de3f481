// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Import of a Proxmox VE SDN configuration: zones.cfg, vnets.cfg and subnets.cfg, in PVE's
 * section-config format, become one sdnd YAML document.
 *
 *	TYPE: ID		a section starts at column 0
 *		KEY VALUE	indented lines; the value is the rest of the line, trimmed
 *				a blank line ends the section; "#" lines are comments
 *
 * The three files are read into sections first (the syntax), then mapped in order: zones,
 * vnets (which name zones), subnets (which name vnets). Every problem is kept with its file
 * and line, and they are all printed sorted by position at the end, as
 * "FILE:LINE: error: ..." or "FILE:LINE: warning: ...". The document is printed only when
 * there was no error at all. Lines are read into a buffer of bounded size and the files have
 * a size limit, so no input can make this crash or grow without bound.
 */
#include "zones/model.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "sdnd/util.h"

#define PVE_LINE_MAX 4096	/* longer lines are an error */
#define PVE_FILE_MAX (4u << 20) /* larger files are an error (pmxcfs holds at most 1 MiB) */
#define PVE_MSGS_MAX 1000	/* messages shown; the rest are counted */
#define SHOW_MAX 64		/* bytes of a user string quoted in a message */
#define SHOW_BUFSZ (SHOW_MAX * 4 + 8)

enum {
	PF_ZONES,
	PF_VNETS,
	PF_SUBNETS,
	_PF_MAX,
};

static const char *const pf_names[_PF_MAX] = {
	[PF_ZONES] = "zones.cfg",
	[PF_VNETS] = "vnets.cfg",
	[PF_SUBNETS] = "subnets.cfg",
};

/* ---- the files as read -------------------------------------------------------------------- */

struct pkv {
	char *key, *val;
	unsigned int line;
};

struct psec {
	char *type, *id; /* type lowercased, as PVE does */
	unsigned int line;
	struct pkv *kv;
	size_t n_kv, cap_kv;
};

struct pfile {
	char *path;
	bool missing;
	struct psec *secs;
	size_t n_secs, cap_secs;
};

/* ---- what they map to --------------------------------------------------------------------- */

struct izone {
	const struct psec *s;
	bool dup;		/* a second section with the same id (reported) */
	int type;		/* enum zone_type; -1 when it cannot be mapped (reported) */
	uint32_t mtu, port, stag; /* 0: not given */
	const char *bridge;
	const char *vlan_protocol; /* "802.1q", "802.1ad" or NULL */
	char **peers;		   /* point into the value of the peers line */
	size_t n_peers;
	bool peers6;
	char **nodes;
	size_t n_nodes;
};

struct ivnet {
	const struct psec *s;
	bool dup;
	const char *zone; /* as written, NULL when not given */
	int zidx;	  /* -1 when not found */
	bool has_tag;
	uint32_t tag;
	const char *alias;
	bool vlanaware, isolate_ports;
};

struct isub {
	const struct psec *s;
	bool dup, id_ok;
	char cidr[SDND_PREFIX_STRLEN]; /* "ADDRESS/LEN" as written in the id */
	struct sdnd_ip net;
	uint8_t plen;
	int vidx; /* -1 when not found */
	const char *gateway; /* NULL: none, or not imported */
};

struct pmsg {
	unsigned int file, line; /* line 0: about the whole file (or directory) */
	size_t seq;
	const char *where;	 /* the path shown */
	bool error;
	char *text;
};

/* An id and its index, sorted by id then index: duplicates and look-ups in O(n log n). */
struct idsort {
	const char *id;
	size_t idx;
};

struct imp {
	const char *dir;
	struct pfile files[_PF_MAX];
	struct pmsg *msgs;
	size_t n_msgs, cap_msgs, n_dropped, n_errors;
	bool oom;

	struct idsort *zone_ids, *vnet_ids; /* sorted ids of zones.cfg and vnets.cfg */

	struct izone *zones;
	size_t n_zones;
	struct ivnet *vnets;
	size_t n_vnets;
	struct isub *subs;
	size_t n_subs;
};

/* ---- messages ----------------------------------------------------------------------------- */

static __attribute__((format(printf, 6, 0))) void vreport(struct imp *im, bool error,
							   unsigned int file, const char *where,
							   unsigned int line, const char *fmt,
							   va_list ap)
{
	char *text;

	if (error)
		im->n_errors++;
	if (im->n_msgs >= PVE_MSGS_MAX) {
		im->n_dropped++;
		return;
	}
	if (vasprintf(&text, fmt, ap) < 0) {
		im->oom = true;
		return;
	}
	if (sdnd_grow(&im->msgs, &im->cap_msgs, im->n_msgs + 1, sizeof(*im->msgs)) < 0) {
		free(text);
		im->oom = true;
		return;
	}
	im->msgs[im->n_msgs] = (struct pmsg){
		.file = file, .line = line, .seq = im->n_msgs, .where = where,
		.error = error, .text = text,
	};
	im->n_msgs++;
}

/* An error at line of file fi (line 0: the file as a whole). */
static __attribute__((format(printf, 4, 5))) void error_at(struct imp *im, unsigned int fi,
							   unsigned int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(im, true, fi, im->files[fi].path, line, fmt, ap);
	va_end(ap);
}

static __attribute__((format(printf, 4, 5))) void warn_at(struct imp *im, unsigned int fi,
							  unsigned int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(im, false, fi, im->files[fi].path, line, fmt, ap);
	va_end(ap);
}

static int pmsg_cmp(const void *a, const void *b)
{
	const struct pmsg *x = a, *y = b;

	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void print_msgs(struct imp *im, FILE *err)
{
	size_t i;

	if (im->n_msgs)
		qsort(im->msgs, im->n_msgs, sizeof(*im->msgs), pmsg_cmp);
	for (i = 0; err && i < im->n_msgs; i++) {
		const struct pmsg *m = &im->msgs[i];

		if (m->line)
			fprintf(err, "%s:%u: %s: %s\n", m->where, m->line,
				m->error ? "error" : "warning", m->text);
		else
			fprintf(err, "%s: %s: %s\n", m->where, m->error ? "error" : "warning",
				m->text);
	}
	if (err && im->n_dropped)
		fprintf(err, "%s: note: %zu more messages not shown\n", im->dir, im->n_dropped);
	if (err)
		fflush(err);
}

/*
 * Copy s into buf (SHOW_BUFSZ bytes) so that it is safe in a one-line message: control
 * characters, quotes and backslashes escaped, at most SHOW_MAX bytes shown, "..." marks a
 * cut. Returns buf.
 */
static const char *show(const char *s, char *buf)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, o = 0, o_char = 0;

	while (u[i]) {
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
			o += (size_t)sprintf(buf + o, "\\x%02x", u[i]);
			i++;
		} else if (u[i] == 0xc2 && u[i + 1] >= 0x80 && u[i + 1] <= 0x9f) { /* C1 */
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

/* ---- reading ------------------------------------------------------------------------------ */

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

struct rstate {
	bool in_sec; /* lines belong to the last section of the file */
	bool skip;   /* ignore indented lines (after a reported bad line) */
};

static struct psec *add_section(struct imp *im, struct pfile *pf, const char *type,
				size_t type_len, const char *id, unsigned int line)
{
	struct psec *s;
	size_t i;

	if (sdnd_grow(&pf->secs, &pf->cap_secs, pf->n_secs + 1, sizeof(*pf->secs)) < 0) {
		im->oom = true;
		return NULL;
	}
	s = &pf->secs[pf->n_secs];
	*s = (struct psec){ .line = line };
	s->type = strndup(type, type_len);
	s->id = strdup(id);
	if (!s->type || !s->id) {
		free(s->type);
		free(s->id);
		im->oom = true;
		return NULL;
	}
	for (i = 0; s->type[i]; i++)
		if (s->type[i] >= 'A' && s->type[i] <= 'Z')
			s->type[i] = (char)(s->type[i] - 'A' + 'a');
	pf->n_secs++;
	return s;
}

static void add_kv(struct imp *im, struct psec *s, const char *key, size_t key_len,
		   const char *val, unsigned int line)
{
	struct pkv *kv;

	if (sdnd_grow(&s->kv, &s->cap_kv, s->n_kv + 1, sizeof(*s->kv)) < 0) {
		im->oom = true;
		return;
	}
	kv = &s->kv[s->n_kv];
	kv->key = strndup(key, key_len);
	kv->val = strdup(val);
	kv->line = line;
	if (!kv->key || !kv->val) {
		free(kv->key);
		free(kv->val);
		im->oom = true;
		return;
	}
	s->n_kv++;
}

/* One line of file fi, NUL-terminated, without its newline. */
static void read_line(struct imp *im, unsigned int fi, unsigned int lineno, char *line,
		      size_t len, struct rstate *st)
{
	struct pfile *pf = &im->files[fi];
	char sb[SHOW_BUFSZ];
	const char *p, *colon, *id;
	size_t n;

	while (len && is_ws(line[len - 1]))
		line[--len] = '\0';
	if (len == 0) { /* a blank line ends the section */
		st->in_sec = st->skip = false;
		return;
	}
	for (p = line; is_ws(*p); p++)
		;
	if (*p == '#')
		return;

	if (p != line) { /* KEY VALUE */
		const char *key = p;

		if (st->skip)
			return;
		if (!st->in_sec) {
			error_at(im, fi, lineno,
				 "indented line outside a section (expected a \"TYPE: ID\" line "
				 "before it)");
			st->skip = true;
			return;
		}
		while (*p && !is_ws(*p))
			p++;
		n = (size_t)(p - key);
		while (is_ws(*p))
			p++;
		if (!*p) {
			char kb[SHOW_BUFSZ];

			memcpy(sb, key, n < SHOW_MAX ? n : SHOW_MAX);
			sb[n < SHOW_MAX ? n : SHOW_MAX] = '\0';
			error_at(im, fi, lineno, "key \"%s\" has no value", show(sb, kb));
			return;
		}
		add_kv(im, &pf->secs[pf->n_secs - 1], key, n, p, lineno);
		return;
	}

	/* TYPE: ID (as PVE reads it: ^(\S+):\s*(\S+)\s*$) */
	colon = strchr(line, ':');
	n = colon ? (size_t)(colon - line) : 0;
	id = colon ? colon + 1 : NULL;
	while (id && is_ws(*id))
		id++;
	if (!colon || n == 0 || memchr(line, ' ', n) || memchr(line, '\t', n) || !*id ||
	    strpbrk(id, " \t\r\v\f")) {
		error_at(im, fi, lineno,
			 "malformed line \"%s\" (expected \"TYPE: ID\" or an indented \"KEY "
			 "VALUE\")",
			 show(line, sb));
		st->in_sec = false;
		st->skip = true;
		return;
	}
	if (add_section(im, pf, line, n, id, lineno)) {
		st->in_sec = true;
		st->skip = false;
	}
}

/* Read file fi into sections. A missing file is empty. 0 or -errno (reported). */
static int read_file(struct imp *im, unsigned int fi)
{
	struct pfile *pf = &im->files[fi];
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	struct rstate st = { 0 };
	unsigned int lineno = 0;
	size_t total = 0;
	struct stat sb;
	bool eof = false;

	f = fopen(pf->path, "re");
	if (!f) {
		int e = errno;

		if (e == ENOENT) {
			pf->missing = true;
			return 0;
		}
		error_at(im, fi, 0, "cannot open the file: %s", strerror(e));
		return -e;
	}
	if (fstat(fileno(f), &sb) < 0) {
		int e = errno;

		error_at(im, fi, 0, "cannot read the file: %s", strerror(e));
		return -e;
	}
	if (S_ISDIR(sb.st_mode)) {
		error_at(im, fi, 0, "cannot read the file: %s", strerror(EISDIR));
		return -EISDIR;
	}
	line = malloc(PVE_LINE_MAX + 1);
	if (!line)
		return -ENOMEM;

	while (!eof && !im->oom) {
		bool toolong = false, nul = false;
		size_t len = 0;
		int c;

		for (;;) {
			c = getc(f);
			if (c == EOF) {
				eof = true;
				break;
			}
			if (++total > PVE_FILE_MAX) {
				error_at(im, fi, 0, "the file is larger than %u MiB",
					 PVE_FILE_MAX >> 20);
				return -EFBIG;
			}
			if (c == '\n')
				break;
			if (c == '\0')
				nul = true;
			if (len < PVE_LINE_MAX)
				line[len++] = (char)c;
			else
				toolong = true;
		}
		if (ferror(f)) {
			int e = errno ? errno : EIO;

			error_at(im, fi, 0, "cannot read the file: %s", strerror(e));
			return -e;
		}
		if (eof && len == 0)
			break;
		lineno++;
		line[len] = '\0';
		if (toolong)
			error_at(im, fi, lineno, "line is too long (more than %d bytes)",
				 PVE_LINE_MAX);
		else if (nul)
			error_at(im, fi, lineno, "line contains a NUL byte");
		else
			read_line(im, fi, lineno, line, len, &st);
	}
	return im->oom ? -ENOMEM : 0;
}

/* ---- values ------------------------------------------------------------------------------- */

/* [A-Za-z][A-Za-z0-9_-]*, 1..ZONE_NAME_MAX: what sdnd accepts as zone and vnet names */
static bool zone_name_ok(const char *s)
{
	size_t i;

	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return false;
	for (i = 1; s[i]; i++)
		if (i >= ZONE_NAME_MAX ||
		    !((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

#define ZONE_NAME_RULE "1 to 15 characters [A-Za-z0-9_-], starting with a letter"
#define NODE_NAME_RULE "1 to 63 characters [A-Za-z0-9._-]"
#define BRIDGE_NAME_RULE "1 to 15 bytes without \"/\", \":\" or whitespace, not \".\" or \"..\""

/* [A-Za-z0-9._-], 1..ZONE_NODE_NAME_MAX */
static bool node_name_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (i >= ZONE_NODE_NAME_MAX ||
		    !((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-' || s[i] == '.'))
			return false;
	return i > 0;
}

/* an existing device's name, as the kernel (and sdnd) takes it; no control characters */
static bool bridge_name_ok(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i;

	if (!strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (i = 0; u[i]; i++)
		if (i >= ZONE_NAME_MAX || u[i] == '/' || u[i] == ':' || u[i] <= ' ' || u[i] == 0x7f)
			return false;
	return i > 0;
}

/* Decimal digits only (leading zeros allowed, as PVE reads them), value in min..max. */
static bool parse_uint(const char *s, uint32_t min, uint32_t max, uint32_t *ret)
{
	unsigned long long v = 0;
	size_t i;

	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned int)(s[i] - '0');
		if (v > max)
			return false;
	}
	if (i == 0 || v < min)
		return false;
	*ret = (uint32_t)v;
	return true;
}

/* A key's integer value in min..max; false when reported. */
static bool get_uint(struct imp *im, unsigned int fi, const struct pkv *kv, uint32_t min,
		     uint32_t max, uint32_t *ret)
{
	char sb[SHOW_BUFSZ];

	if (parse_uint(kv->val, min, max, ret))
		return true;
	error_at(im, fi, kv->line, "invalid %s \"%s\" (expected an integer between %u and %u)",
		 kv->key, show(kv->val, sb), min, max);
	return false;
}

/* PVE's booleans: 1/0, true/false, yes/no, on/off. false when reported. */
static bool get_bool(struct imp *im, unsigned int fi, const struct pkv *kv, bool *ret)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "0", "false", "no", "off" };
	char sb[SHOW_BUFSZ];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(kv->val, yes[i])) {
			*ret = true;
			return true;
		}
		if (!strcasecmp(kv->val, no[i])) {
			*ret = false;
			return true;
		}
	}
	error_at(im, fi, kv->line, "invalid %s \"%s\" (expected 1 or 0)", kv->key,
		 show(kv->val, sb));
	return false;
}

/*
 * Split a list value in place, as PVE::Tools::split_list does (commas, semicolons and
 * whitespace separate items). *ret gets the items (pointers into val). -ENOMEM or the count.
 */
static ssize_t split_list(char *val, char ***ret)
{
	static const char sep[] = ",; \t\r\v\f";
	size_t n = 0, cap = 0;
	char **items = NULL, *p = val;

	for (;;) {
		p += strspn(p, sep);
		if (!*p)
			break;
		if (sdnd_grow(&items, &cap, n + 1, sizeof(*items)) < 0) {
			free(items);
			return -ENOMEM;
		}
		items[n++] = p;
		p += strcspn(p, sep);
		if (*p)
			*p++ = '\0';
	}
	*ret = items;
	return (ssize_t)n;
}

/* Valid UTF-8 without control characters (C0, DEL, C1): one line of printable text. */
static const char *text_problem(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n, k;
	uint32_t cp;

	while (u[i]) {
		if (u[i] < 0x80) {
			if (u[i] < 0x20 || u[i] == 0x7f)
				return "contains a control character";
			i++;
			continue;
		}
		if (u[i] >= 0xc2 && u[i] <= 0xdf) {
			n = 1;
			cp = u[i] & 0x1f;
		} else if (u[i] >= 0xe0 && u[i] <= 0xef) {
			n = 2;
			cp = u[i] & 0x0f;
		} else if (u[i] >= 0xf0 && u[i] <= 0xf4) {
			n = 3;
			cp = u[i] & 0x07;
		} else {
			return "is not valid UTF-8";
		}
		for (k = 1; k <= n; k++) {
			if ((u[i + k] & 0xc0) != 0x80)
				return "is not valid UTF-8";
			cp = (cp << 6) | (u[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return "is not valid UTF-8";
		if (cp >= 0x80 && cp <= 0x9f)
			return "contains a control character";
		i += n + 1;
	}
	return NULL;
}

static bool bit(const struct sdnd_ip *ip, unsigned int i)
{
	return ip->addr[i / 8] & (0x80 >> (i % 8));
}

/* true when every host bit of ip (beyond plen) equals v */
static bool host_bits_all(const struct sdnd_ip *ip, uint8_t plen, bool v)
{
	unsigned int i, bits = ip->family == AF_INET6 ? 128 : 32;

	for (i = plen; i < bits; i++)
		if (bit(ip, i) != v)
			return false;
	return true;
}

static bool in_prefix(const struct sdnd_ip *ip, const struct sdnd_ip *net, uint8_t plen)
{
	unsigned int i;

	if (ip->family != net->family)
		return false;
	for (i = 0; i < plen; i++)
		if (bit(ip, i) != bit(net, i))
			return false;
	return true;
}

static const char *family_name(int family)
{
	return family == AF_INET6 ? "IPv6" : "IPv4";
}

/* ---- keys of a section -------------------------------------------------------------------- */

struct keyspec {
	const char *key;
	unsigned int types;  /* the section subtypes it belongs to: bits 1 << subtype */
	bool ignore;	     /* harmless without an sdnd equivalent: a warning */
	const char *refuse;  /* cannot be mapped: this error */
};

/*
 * Sort the lines of section s (subtype bit sub) by spec: vals[i] gets the line of the mapped
 * key spec[i], NULL when not given; what the others are is reported. what: "a vlan zone".
 */
static void take_keys(struct imp *im, unsigned int fi, const struct psec *s, unsigned int sub,
		      const struct keyspec *spec, size_t n, const struct pkv **vals,
		      const char *what)
{
	char sb[SHOW_BUFSZ], list[512];
	size_t k, i, o;

	for (k = 0; k < s->n_kv; k++) {
		const struct pkv *kv = &s->kv[k];

		for (i = 0; i < n; i++)
			if ((spec[i].types & sub) && !strcmp(spec[i].key, kv->key))
				break;
		if (i == n) {
			list[0] = '\0';
			for (i = 0, o = 0; i < n; i++)
				if ((spec[i].types & sub) && o < sizeof(list))
					o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s",
							      o ? ", " : "", spec[i].key);
			error_at(im, fi, kv->line, "unknown key \"%s\" in %s (expected one of: %s)",
				 show(kv->key, sb), what, list);
		} else if (spec[i].refuse) {
			error_at(im, fi, kv->line, "%s", spec[i].refuse);
		} else if (spec[i].ignore) {
			warn_at(im, fi, kv->line, "key \"%s\" has no sdnd equivalent; ignored",
				kv->key);
		} else if (vals[i]) {
			error_at(im, fi, kv->line, "duplicate key \"%s\" (first at line %u)",
				 kv->key, vals[i]->line);
		} else {
			vals[i] = kv;
		}
	}
}

/* ---- ids ---------------------------------------------------------------------------------- */

static int idsort_cmp(const void *a, const void *b)
{
	const struct idsort *x = a, *y = b;
	int r = strcmp(x->id, y->id);

	if (r)
		return r;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * The ids of pf's sections, sorted; first[i] gets the index of the first section with the id
 * of section i (i itself when it is the first). NULL when out of memory.
 */
static struct idsort *sort_ids(const struct pfile *pf, size_t *first)
{
	struct idsort *ids = calloc(pf->n_secs + 1, sizeof(*ids));
	size_t i, g = 0;

	if (!ids)
		return NULL;
	for (i = 0; i < pf->n_secs; i++)
		ids[i] = (struct idsort){ pf->secs[i].id, i };
	qsort(ids, pf->n_secs, sizeof(*ids), idsort_cmp);
	for (i = 0; i < pf->n_secs; i++) {
		if (i == 0 || strcmp(ids[g].id, ids[i].id))
			g = i;
		first[ids[i].idx] = ids[g].idx;
	}
	return ids;
}

/* The index of the first of n sorted ids equal to id, -1 when there is none. */
static int lookup_id(const struct idsort *ids, size_t n, const char *id)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(ids[mid].id, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && !strcmp(ids[lo].id, id) ? (int)ids[lo].idx : -1;
}

/* ---- zones -------------------------------------------------------------------------------- */

static const char *const ztype_names[_ZONE_TYPE_MAX] = {
	[ZONE_SIMPLE] = "simple",
	[ZONE_VXLAN] = "vxlan",
	[ZONE_VLAN] = "vlan",
	[ZONE_QINQ] = "qinq",
};

#define T(t) (1u << (t))
#define T_ALL (T(ZONE_SIMPLE) | T(ZONE_VXLAN) | T(ZONE_VLAN) | T(ZONE_QINQ))

enum {
	ZK_BRIDGE,
	ZK_TAG,
	ZK_PROTO,
	ZK_PEERS,
	ZK_PORT,
	ZK_MTU,
	ZK_NODES,
	_ZK_MAPPED,
};

static const struct keyspec zone_keys[] = {
	[ZK_BRIDGE] = { .key = "bridge", .types = T(ZONE_VLAN) | T(ZONE_QINQ) },
	[ZK_TAG] = { .key = "tag", .types = T(ZONE_QINQ) },
	[ZK_PROTO] = { .key = "vlan-protocol", .types = T(ZONE_QINQ) },
	[ZK_PEERS] = { .key = "peers", .types = T(ZONE_VXLAN) },
	[ZK_PORT] = { .key = "vxlan-port", .types = T(ZONE_VXLAN) },
	[ZK_MTU] = { .key = "mtu", .types = T_ALL },
	[ZK_NODES] = { .key = "nodes", .types = T_ALL },
	{ .key = "fabric",
	  .types = T(ZONE_VXLAN),
	  .refuse = "key \"fabric\" is not supported by sdnd yet (list the zone's underlay "
		    "addresses in \"peers\" instead)" },
	{ .key = "ipam", .types = T_ALL, .ignore = true },
	{ .key = "dns", .types = T_ALL, .ignore = true },
	{ .key = "reversedns", .types = T_ALL, .ignore = true },
	{ .key = "dnszone", .types = T_ALL, .ignore = true },
	{ .key = "dhcp", .types = T(ZONE_SIMPLE), .ignore = true },
	{ .key = "bridge-disable-mac-learning",
	  .types = T(ZONE_VLAN) | T(ZONE_QINQ),
	  .ignore = true },
};

static void zone_peers(struct imp *im, struct izone *z, const struct pkv *kv)
{
	char sb[SHOW_BUFSZ];
	struct sdnd_ip *ips;
	size_t i, j, n = 0;
	int family = 0;
	ssize_t r;
	char **items;

	r = split_list(kv->val, &items);
	if (r < 0) {
		im->oom = true;
		return;
	}
	if (r == 0) {
		error_at(im, PF_ZONES, kv->line, "key \"peers\" lists no addresses");
		free(items);
		return;
	}
	ips = calloc((size_t)r, sizeof(*ips));
	if (!ips) {
		free(items);
		im->oom = true;
		return;
	}
	for (i = 0; i < (size_t)r; i++) {
		if (sdnd_ip_parse(items[i], &ips[n]) < 0) {
			error_at(im, PF_ZONES, kv->line, "invalid peer address \"%s\"",
				 show(items[i], sb));
			continue;
		}
		if (family && ips[n].family != family) {
			error_at(im, PF_ZONES, kv->line,
				 "peers mix IPv4 and IPv6 addresses (sdnd needs all of a zone's "
				 "peers in one family)");
			break;
		}
		family = ips[n].family;
		for (j = 0; j < n; j++)
			if (sdnd_ip_eq(&ips[j], &ips[n]))
				break;
		if (j < n) /* PVE tolerates duplicates; sdnd does not */
			continue;
		items[n++] = items[i];
	}
	free(ips);
	z->peers = items;
	z->n_peers = n;
	z->peers6 = family == AF_INET6;
}

static void zone_nodes(struct imp *im, struct izone *z, const struct pkv *kv)
{
	char sb[SHOW_BUFSZ];
	size_t i, j, n = 0;
	ssize_t r;
	char **items;

	r = split_list(kv->val, &items);
	if (r < 0) {
		im->oom = true;
		return;
	}
	if (r == 0)
		error_at(im, PF_ZONES, kv->line, "key \"nodes\" lists no nodes");
	for (i = 0; i < (size_t)r; i++) {
		if (!node_name_ok(items[i])) {
			error_at(im, PF_ZONES, kv->line,
				 "invalid node name \"%s\" (expected " NODE_NAME_RULE ")",
				 show(items[i], sb));
			continue;
		}
		for (j = 0; j < n; j++)
			if (!strcmp(items[j], items[i]))
				break;
		if (j == n)
			items[n++] = items[i];
	}
	z->nodes = items;
	z->n_nodes = n;
}

static void map_zone(struct imp *im, struct izone *z)
{
	const struct pkv *v[ARRAY_SIZE(zone_keys)] = { 0 };
	const struct psec *s = z->s;
	char sb[SHOW_BUFSZ], what[32];
	size_t t;

	for (t = 0; t < ARRAY_SIZE(ztype_names); t++)
		if (ztype_names[t] && !strcmp(ztype_names[t], s->type))
			break;
	if (t == ARRAY_SIZE(ztype_names)) {
		if (!strcmp(s->type, "evpn") || !strcmp(s->type, "faucet"))
			error_at(im, PF_ZONES, s->line, "%s zones are not supported by sdnd yet",
				 s->type);
		else
			error_at(im, PF_ZONES, s->line,
				 "unknown zone type \"%s\" (expected simple, vlan, qinq or vxlan)",
				 show(s->type, sb));
		return;
	}
	z->type = (int)t;
	if (!zone_name_ok(s->id))
		error_at(im, PF_ZONES, s->line,
			 "invalid zone name \"%s\" (expected " ZONE_NAME_RULE ")", show(s->id, sb));

	snprintf(what, sizeof(what), "a %s zone", ztype_names[t]);
	take_keys(im, PF_ZONES, s, T(t), zone_keys, ARRAY_SIZE(zone_keys), v, what);

	if (v[ZK_MTU])
		get_uint(im, PF_ZONES, v[ZK_MTU], 68, 65535, &z->mtu);
	if (v[ZK_NODES])
		zone_nodes(im, z, v[ZK_NODES]);
	if (v[ZK_PORT])
		get_uint(im, PF_ZONES, v[ZK_PORT], 1, 65535, &z->port);
	if (v[ZK_PEERS])
		zone_peers(im, z, v[ZK_PEERS]);
	else if (t == ZONE_VXLAN)
		error_at(im, PF_ZONES, s->line, "required key \"peers\" is missing");
	if (v[ZK_BRIDGE]) {
		if (bridge_name_ok(v[ZK_BRIDGE]->val))
			z->bridge = v[ZK_BRIDGE]->val;
		else
			error_at(im, PF_ZONES, v[ZK_BRIDGE]->line,
				 "invalid bridge name \"%s\" (expected " BRIDGE_NAME_RULE ")",
				 show(v[ZK_BRIDGE]->val, sb));
	} else if (t == ZONE_VLAN || t == ZONE_QINQ) {
		error_at(im, PF_ZONES, s->line, "required key \"bridge\" is missing");
	}
	if (v[ZK_TAG])
		get_uint(im, PF_ZONES, v[ZK_TAG], 1, ZONE_VID_MAX, &z->stag);
	else if (t == ZONE_QINQ)
		error_at(im, PF_ZONES, s->line, "required key \"tag\" is missing");
	if (v[ZK_PROTO]) {
		if (!strcasecmp(v[ZK_PROTO]->val, "802.1q"))
			z->vlan_protocol = "802.1q";
		else if (!strcasecmp(v[ZK_PROTO]->val, "802.1ad"))
			z->vlan_protocol = "802.1ad";
		else
			error_at(im, PF_ZONES, v[ZK_PROTO]->line,
				 "invalid vlan-protocol \"%s\" (expected 802.1q or 802.1ad)",
				 show(v[ZK_PROTO]->val, sb));
	}
}

static void map_zones(struct imp *im)
{
	const struct pfile *pf = &im->files[PF_ZONES];
	_cleanup_free_ size_t *first = NULL;
	char sb[SHOW_BUFSZ];
	size_t i, j;

	im->zones = calloc(pf->n_secs + 1, sizeof(*im->zones));
	first = calloc(pf->n_secs + 1, sizeof(*first));
	if (!im->zones || !first || !(im->zone_ids = sort_ids(pf, first))) {
		im->oom = true;
		return;
	}
	for (i = 0; i < pf->n_secs && !im->oom; i++) {
		struct izone *z = &im->zones[im->n_zones++];

		*z = (struct izone){ .s = &pf->secs[i], .type = -1 };
		j = first[i];
		if (j != i) {
			error_at(im, PF_ZONES, z->s->line,
				 "duplicate zone \"%s\" (first at line %u)", show(z->s->id, sb),
				 im->zones[j].s->line);
			z->dup = true;
			continue;
		}
		map_zone(im, z);
	}
}

static int find_zone(const struct imp *im, const char *id)
{
	return lookup_id(im->zone_ids, im->n_zones, id);
}

/* ---- vnets -------------------------------------------------------------------------------- */

enum {
	VK_ZONE,
	VK_TAG,
	VK_ALIAS,
	VK_VLANAWARE,
	VK_ISOLATE,
};

static const struct keyspec vnet_keys[] = {
	[VK_ZONE] = { .key = "zone", .types = 1 },
	[VK_TAG] = { .key = "tag", .types = 1 },
	[VK_ALIAS] = { .key = "alias", .types = 1 },
	[VK_VLANAWARE] = { .key = "vlanaware", .types = 1 },
	[VK_ISOLATE] = { .key = "isolate-ports", .types = 1 },
};

static void vnet_tag(struct imp *im, struct ivnet *vn, const struct pkv *kv)
{
	const struct izone *z = vn->zidx >= 0 ? &im->zones[vn->zidx] : NULL;
	int type = z ? z->type : -1;
	char sb[SHOW_BUFSZ], sb2[SHOW_BUFSZ];
	uint32_t max = ZONE_VNI_MAX;

	if (!kv) {
		if (type == ZONE_VXLAN || type == ZONE_VLAN)
			error_at(im, PF_VNETS, vn->s->line,
				 "required key \"tag\" is missing (a vnet in %s zone \"%s\" needs "
				 "%s)",
				 ztype_names[type], show(z->s->id, sb),
				 type == ZONE_VXLAN ? "a VNI" : "a VLAN tag");
		return;
	}
	if (type == ZONE_SIMPLE) {
		error_at(im, PF_VNETS, kv->line, "a vnet in simple zone \"%s\" cannot have a tag",
			 show(z->s->id, sb));
		return;
	}
	if (type == ZONE_VLAN || type == ZONE_QINQ)
		max = ZONE_VID_MAX;
	if (!parse_uint(kv->val, 1, max, &vn->tag)) {
		if (type >= 0)
			error_at(im, PF_VNETS, kv->line,
				 "invalid tag \"%s\" (expected an integer between 1 and %u for a "
				 "vnet in %s zone \"%s\")",
				 show(kv->val, sb), max, ztype_names[type], show(z->s->id, sb2));
		else
			error_at(im, PF_VNETS, kv->line,
				 "invalid tag \"%s\" (expected an integer between 1 and %u)",
				 show(kv->val, sb), max);
		return;
	}
	vn->has_tag = true;
}

static void map_vnet(struct imp *im, struct ivnet *vn)
{
	const struct pkv *v[ARRAY_SIZE(vnet_keys)] = { 0 };
	const struct psec *s = vn->s;
	char sb[SHOW_BUFSZ];
	const char *problem;

	if (strcmp(s->type, "vnet")) {
		error_at(im, PF_VNETS, s->line, "unknown section type \"%s\" (expected \"vnet\")",
			 show(s->type, sb));
		return;
	}
	if (!zone_name_ok(s->id))
		error_at(im, PF_VNETS, s->line,
			 "invalid vnet name \"%s\" (expected " ZONE_NAME_RULE ")", show(s->id, sb));
	take_keys(im, PF_VNETS, s, 1, vnet_keys, ARRAY_SIZE(vnet_keys), v, "a vnet");

	if (!v[VK_ZONE]) {
		error_at(im, PF_VNETS, s->line, "required key \"zone\" is missing");
	} else {
		vn->zone = v[VK_ZONE]->val;
		vn->zidx = find_zone(im, vn->zone);
		if (vn->zidx < 0)
			error_at(im, PF_VNETS, v[VK_ZONE]->line,
				 "zone \"%s\" is not defined in zones.cfg", show(vn->zone, sb));
	}
	if (vn->zidx >= 0 || v[VK_TAG])
		vnet_tag(im, vn, v[VK_TAG]);
	if (v[VK_ALIAS]) {
		const char *a = v[VK_ALIAS]->val;

		if (strlen(a) > ZONE_ALIAS_MAX)
			error_at(im, PF_VNETS, v[VK_ALIAS]->line,
				 "alias is too long (%zu bytes, at most %d)", strlen(a),
				 ZONE_ALIAS_MAX);
		else if ((problem = text_problem(a)))
			error_at(im, PF_VNETS, v[VK_ALIAS]->line, "alias \"%s\" %s", show(a, sb),
				 problem);
		else
			vn->alias = a;
	}
	if (v[VK_VLANAWARE])
		get_bool(im, PF_VNETS, v[VK_VLANAWARE], &vn->vlanaware);
	if (v[VK_ISOLATE])
		get_bool(im, PF_VNETS, v[VK_ISOLATE], &vn->isolate_ports);
}

static void map_vnets(struct imp *im)
{
	const struct pfile *pf = &im->files[PF_VNETS];
	_cleanup_free_ size_t *first = NULL;
	char sb[SHOW_BUFSZ];
	size_t i, j;

	im->vnets = calloc(pf->n_secs + 1, sizeof(*im->vnets));
	first = calloc(pf->n_secs + 1, sizeof(*first));
	if (!im->vnets || !first || !(im->vnet_ids = sort_ids(pf, first))) {
		im->oom = true;
		return;
	}
	for (i = 0; i < pf->n_secs && !im->oom; i++) {
		struct ivnet *vn = &im->vnets[im->n_vnets++];

		*vn = (struct ivnet){ .s = &pf->secs[i], .zidx = -1 };
		j = first[i];
		if (j != i) {
			error_at(im, PF_VNETS, vn->s->line,
				 "duplicate vnet \"%s\" (first at line %u)", show(vn->s->id, sb),
				 im->vnets[j].s->line);
			vn->dup = true;
			continue;
		}
		map_vnet(im, vn);
	}
}

static int find_vnet(const struct imp *im, const char *id)
{
	return lookup_id(im->vnet_ids, im->n_vnets, id);
}

/* ---- subnets ------------------------------------------------------------------------------ */

enum {
	SK_VNET,
	SK_GATEWAY,
};

static const struct keyspec subnet_keys[] = {
	[SK_VNET] = { .key = "vnet", .types = 1 },
	[SK_GATEWAY] = { .key = "gateway", .types = 1 },
	{ .key = "snat", .types = 1, .ignore = true },
	{ .key = "dhcp-range", .types = 1, .ignore = true },
	{ .key = "dhcp-dns-server", .types = 1, .ignore = true },
	{ .key = "dnszoneprefix", .types = 1, .ignore = true },
};

/*
 * "ZONE-ADDRESS-PREFIXLEN" (myzone-10.0.0.0-24, myzone-2001:db8::-64): addresses hold no
 * "-", so the last two dashes delimit them. Fills sn->cidr, net, plen; *zone_len gets the
 * length of the zone part. false when it does not parse.
 */
static bool parse_subnet_id(const char *id, struct isub *sn, size_t *zone_len)
{
	const char *d2 = strrchr(id, '-'), *d1;
	char addr[SDND_IP_STRLEN];
	uint32_t plen;
	size_t n;

	if (!d2 || d2 == id)
		return false;
	for (d1 = d2 - 1; d1 > id && *d1 != '-'; d1--)
		;
	if (d1 == id)
		return false;
	n = (size_t)(d2 - d1 - 1);
	if (n == 0 || n >= sizeof(addr) || strlen(d2 + 1) > 3)
		return false;
	memcpy(addr, d1 + 1, n);
	addr[n] = '\0';
	if (sdnd_ip_parse(addr, &sn->net) < 0 ||
	    !parse_uint(d2 + 1, 0, sn->net.family == AF_INET6 ? 128 : 32, &plen))
		return false;
	sn->plen = (uint8_t)plen;
	snprintf(sn->cidr, sizeof(sn->cidr), "%s/%u", addr, plen);
	*zone_len = (size_t)(d1 - id);
	return true;
}

static void subnet_gateway(struct imp *im, struct isub *sn, const struct pkv *kv)
{
	const struct ivnet *vn = sn->vidx >= 0 ? &im->vnets[sn->vidx] : NULL;
	const struct izone *z = vn && vn->zidx >= 0 ? &im->zones[vn->zidx] : NULL;
	char sb[SHOW_BUFSZ];
	struct sdnd_ip gw;
	bool v4 = sn->net.family == AF_INET;

	if (sdnd_ip_parse(kv->val, &gw) < 0) {
		error_at(im, PF_SUBNETS, kv->line,
			 "invalid gateway \"%s\" (expected an IP address)", show(kv->val, sb));
		return;
	}
	if (!sn->id_ok)
		return;
	if (gw.family != sn->net.family) {
		error_at(im, PF_SUBNETS, kv->line, "gateway %s is %s but subnet %s is %s", kv->val,
			 family_name(gw.family), sn->cidr, family_name(sn->net.family));
		return;
	}
	if (!in_prefix(&gw, &sn->net, sn->plen)) {
		error_at(im, PF_SUBNETS, kv->line, "gateway %s is outside subnet %s", kv->val,
			 sn->cidr);
		return;
	}
	if (sn->plen < (v4 ? 31 : 127) && host_bits_all(&gw, sn->plen, false)) {
		error_at(im, PF_SUBNETS, kv->line, "gateway %s is the network address of subnet %s",
			 kv->val, sn->cidr);
		return;
	}
	if (v4 && sn->plen < 31 && host_bits_all(&gw, sn->plen, true)) {
		error_at(im, PF_SUBNETS, kv->line,
			 "gateway %s is the broadcast address of subnet %s", kv->val, sn->cidr);
		return;
	}
	/*
	 * Only simple zones put a subnet's gateway on the vnet bridge in Proxmox VE; in a layer-2
	 * zone it is the address of a router elsewhere (kept for IPAM and DHCP), and sdnd would
	 * configure it on every node's bridge.
	 */
	if (z && z->type >= 0 && z->type != ZONE_SIMPLE) {
		warn_at(im, PF_SUBNETS, kv->line,
			"gateway %s ignored: in a %s zone Proxmox VE does not configure it on the "
			"vnet (it is a router's address, for IPAM); the subnet is imported "
			"without it",
			kv->val, ztype_names[z->type]);
		return;
	}
	sn->gateway = kv->val;
}

static void map_subnet(struct imp *im, struct isub *sn)
{
	const struct pkv *v[ARRAY_SIZE(subnet_keys)] = { 0 };
	const struct psec *s = sn->s;
	char sb[SHOW_BUFSZ], sb2[SHOW_BUFSZ], sb3[SHOW_BUFSZ];
	size_t zone_len = 0;
	const struct ivnet *vn;

	if (strcmp(s->type, "subnet")) {
		error_at(im, PF_SUBNETS, s->line,
			 "unknown section type \"%s\" (expected \"subnet\")", show(s->type, sb));
		return;
	}
	sn->id_ok = parse_subnet_id(s->id, sn, &zone_len);
	if (!sn->id_ok) {
		error_at(im, PF_SUBNETS, s->line,
			 "invalid subnet id \"%s\" (expected ZONE-ADDRESS-PREFIXLEN, like "
			 "myzone-10.0.0.0-24 or myzone-2001:db8::-64)",
			 show(s->id, sb));
	} else if (!host_bits_all(&sn->net, sn->plen, false)) {
		error_at(im, PF_SUBNETS, s->line, "subnet %s has host bits set", sn->cidr);
		sn->id_ok = false;
	}
	take_keys(im, PF_SUBNETS, s, 1, subnet_keys, ARRAY_SIZE(subnet_keys), v, "a subnet");

	if (!v[SK_VNET]) {
		error_at(im, PF_SUBNETS, s->line, "required key \"vnet\" is missing");
	} else {
		sn->vidx = find_vnet(im, v[SK_VNET]->val);
		if (sn->vidx < 0)
			error_at(im, PF_SUBNETS, v[SK_VNET]->line,
				 "vnet \"%s\" is not defined in vnets.cfg",
				 show(v[SK_VNET]->val, sb));
	}
	vn = sn->vidx >= 0 ? &im->vnets[sn->vidx] : NULL;
	if (vn && vn->vlanaware)
		error_at(im, PF_SUBNETS, v[SK_VNET]->line,
			 "vnet \"%s\" is vlanaware; sdnd does not allow subnets on a vlanaware "
			 "vnet",
			 show(vn->s->id, sb));
	if (vn && sn->id_ok && vn->zone &&
	    (strlen(vn->zone) != zone_len || strncmp(vn->zone, s->id, zone_len))) {
		char zb[SHOW_BUFSZ];

		memcpy(zb, s->id, zone_len < SHOW_MAX ? zone_len : SHOW_MAX);
		zb[zone_len < SHOW_MAX ? zone_len : SHOW_MAX] = '\0';
		warn_at(im, PF_SUBNETS, s->line,
			"the subnet id names zone \"%s\" but vnet \"%s\" is in zone \"%s\"; "
			"imported under the vnet",
			show(zb, sb), show(vn->s->id, sb2), show(vn->zone, sb3));
	}
	if (v[SK_GATEWAY])
		subnet_gateway(im, sn, v[SK_GATEWAY]);
}

/* Subnets by vnet, then by network (when bynet), then in file order. */
static int subsort_cmp(const void *a, const void *b, void *arg)
{
	const struct imp *im = arg;
	const struct isub *x = &im->subs[*(const size_t *)a], *y = &im->subs[*(const size_t *)b];
	int r;

	if (x->vidx != y->vidx)
		return x->vidx < y->vidx ? -1 : 1;
	if (x->net.family != y->net.family)
		return x->net.family < y->net.family ? -1 : 1;
	r = memcmp(x->net.addr, y->net.addr, sizeof(x->net.addr));
	if (r)
		return r;
	if (x->plen != y->plen)
		return x->plen < y->plen ? -1 : 1;
	return x < y ? -1 : x > y;
}

static int subsort_vnet_cmp(const void *a, const void *b, void *arg)
{
	const struct imp *im = arg;
	const struct isub *x = &im->subs[*(const size_t *)a], *y = &im->subs[*(const size_t *)b];

	if (x->vidx != y->vidx)
		return x->vidx < y->vidx ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* The subnets that will be written (valid id, known vnet, not a duplicate), sorted by cmp. */
static size_t *sort_subnets(const struct imp *im, int (*cmp)(const void *, const void *, void *),
			    size_t *ret_n)
{
	size_t *idx = calloc(im->n_subs + 1, sizeof(*idx)), i, n = 0;

	if (!idx)
		return NULL;
	for (i = 0; i < im->n_subs; i++)
		if (!im->subs[i].dup && im->subs[i].id_ok && im->subs[i].vidx >= 0)
			idx[n++] = i;
	qsort_r(idx, n, sizeof(*idx), cmp, (void *)im);
	*ret_n = n;
	return idx;
}

/* Two subnets of a vnet with the same network (their ids differ in the zone part). */
static void check_subnet_nets(struct imp *im)
{
	_cleanup_free_ size_t *idx = NULL;
	char sb[SHOW_BUFSZ];
	size_t i, g = 0, n;

	idx = sort_subnets(im, subsort_cmp, &n);
	if (!idx) {
		im->oom = true;
		return;
	}
	for (i = 1; i < n; i++) {
		const struct isub *a = &im->subs[idx[g]], *b = &im->subs[idx[i]];

		if (a->vidx != b->vidx || a->plen != b->plen || !sdnd_ip_eq(&a->net, &b->net)) {
			g = i;
			continue;
		}
		error_at(im, PF_SUBNETS, b->s->line,
			 "subnet %s is already defined for vnet \"%s\" (line %u)", b->cidr,
			 show(im->vnets[b->vidx].s->id, sb), a->s->line);
	}
}

static void map_subnets(struct imp *im)
{
	const struct pfile *pf = &im->files[PF_SUBNETS];
	_cleanup_free_ size_t *first = NULL;
	_cleanup_free_ struct idsort *ids = NULL;
	char sb[SHOW_BUFSZ];
	size_t i, j;

	im->subs = calloc(pf->n_secs + 1, sizeof(*im->subs));
	first = calloc(pf->n_secs + 1, sizeof(*first));
	if (!im->subs || !first || !(ids = sort_ids(pf, first))) {
		im->oom = true;
		return;
	}
	for (i = 0; i < pf->n_secs && !im->oom; i++) {
		struct isub *sn = &im->subs[im->n_subs++];

		*sn = (struct isub){ .s = &pf->secs[i], .vidx = -1 };
		j = first[i];
		if (j != i) {
			error_at(im, PF_SUBNETS, sn->s->line,
				 "duplicate subnet \"%s\" (first at line %u)", show(sn->s->id, sb),
				 im->subs[j].s->line);
			sn->dup = true;
			continue;
		}
		map_subnet(im, sn);
	}
	if (!im->oom)
		check_subnet_nets(im);
}

/* ---- the YAML document -------------------------------------------------------------------- */

/*
 * Whether s can be written as a plain scalar that every YAML reader takes for the same string:
 * a conservative set of characters, starting with a letter or "_", no trailing space, no word
 * YAML 1.1 gives a meaning (booleans, null). In flow context (lists) "," is excluded too.
 */
static bool plain_ok(const char *s, bool flow)
{
	static const char *const words[] = { "y", "n", "yes", "no", "true", "false",
					     "on", "off", "null" };
	size_t i, len = strlen(s);

	if (!len || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
		       s[0] == '_'))
		return false;
	if (s[len - 1] == ' ')
		return false;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || strchr(" _./()+=-", s[i]) ||
		      (!flow && s[i] == ',')))
			return false;
	for (i = 0; i < ARRAY_SIZE(words); i++)
		if (!strcasecmp(s, words[i]))
			return false;
	return true;
}

/* A double-quoted scalar: ", \ and control characters escaped; UTF-8 as is. */
static void y_quoted(FILE *f, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	fputc('"', f);
	for (; *u; u++) {
		if (*u == '"' || *u == '\\')
			fprintf(f, "\\%c", *u);
		else if (*u == '\t')
			fputs("\\t", f);
		else if (*u < 0x20 || *u == 0x7f)
			fprintf(f, "\\x%02x", *u);
		else
			fputc(*u, f);
	}
	fputc('"', f);
}

static void y_str(FILE *f, const char *s, bool flow)
{
	if (plain_ok(s, flow))
		fputs(s, f);
	else
		y_quoted(f, s);
}

/*
 * An address or prefix (validated). IPv4 is plain; IPv6 is quoted in flow context (where a
 * ":" before "," or "]" would end the scalar) and where it starts or ends with ":".
 */
static void y_addr(FILE *f, const char *s, bool flow)
{
	size_t len = strlen(s);

	if (strchr(s, ':') && (flow || s[0] == ':' || s[len - 1] == ':'))
		y_quoted(f, s);
	else
		fputs(s, f);
}

static void emit_zone(FILE *f, const struct izone *z)
{
	size_t i;

	fputs("  ", f);
	y_str(f, z->s->id, false);
	fprintf(f, ":\n    type: %s\n", ztype_names[z->type]);
	if (z->n_peers) {
		fputs("    peers: [", f);
		for (i = 0; i < z->n_peers; i++) {
			if (i)
				fputs(", ", f);
			y_addr(f, z->peers[i], true);
		}
		fputs("]\n", f);
	}
	if (z->port)
		fprintf(f, "    port: %u\n", z->port);
	if (z->bridge) {
		fputs("    bridge: ", f);
		y_str(f, z->bridge, false);
		fputc('\n', f);
	}
	if (z->stag)
		fprintf(f, "    tag: %u\n", z->stag);
	if (z->vlan_protocol)
		fprintf(f, "    vlan-protocol: %s\n", z->vlan_protocol);
	if (z->mtu)
		fprintf(f, "    mtu: %u\n", z->mtu);
	if (z->n_nodes) {
		fputs("    nodes: [", f);
		for (i = 0; i < z->n_nodes; i++) {
			if (i)
				fputs(", ", f);
			y_str(f, z->nodes[i], true);
		}
		fputs("]\n", f);
	}
}

/* *next: the position in subs (n entries, sorted by vnet) of the next vnet's subnets */
static void emit_vnet(FILE *f, const struct imp *im, size_t vi, const size_t *subs, size_t n,
		      size_t *next)
{
	const struct ivnet *vn = &im->vnets[vi];
	bool any = false;
	size_t i;

	fputs("  ", f);
	y_str(f, vn->s->id, false);
	fputs(":\n    zone: ", f);
	y_str(f, vn->zone, false);
	fputc('\n', f);
	if (vn->has_tag)
		fprintf(f, "    tag: %u\n", vn->tag);
	if (vn->alias) {
		fputs("    alias: ", f);
		y_str(f, vn->alias, false);
		fputc('\n', f);
	}
	if (vn->vlanaware)
		fputs("    vlanaware: true\n", f);
	if (vn->isolate_ports)
		fputs("    isolate-ports: true\n", f);
	for (i = *next; i < n && im->subs[subs[i]].vidx == (int)vi; i++) {
		const struct isub *sn = &im->subs[subs[i]];

		if (!any)
			fputs("    subnets:\n", f);
		any = true;
		fputs("      ", f);
		y_addr(f, sn->cidr, false);
		if (sn->gateway) {
			fputs(":\n        gateway: ", f);
			y_addr(f, sn->gateway, false);
			fputc('\n', f);
		} else {
			fputs(": {}\n", f);
		}
	}
	*next = i;
}

/* The document into a new buffer; -ENOMEM. */
static int emit(const struct imp *im, char **ret, size_t *ret_len)
{
	_cleanup_free_ size_t *subs = NULL;
	size_t len = 0, i, n_subs = 0, next = 0;
	char *buf = NULL;
	FILE *f;
	int r;

	subs = sort_subnets(im, subsort_vnet_cmp, &n_subs);
	if (!subs)
		return -ENOMEM;
	f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	fputs("version: 1\n", f);
	fputs(im->n_zones ? "zones:\n" : "zones: {}\n", f);
	for (i = 0; i < im->n_zones; i++)
		emit_zone(f, &im->zones[i]);
	fputs(im->n_vnets ? "vnets:\n" : "vnets: {}\n", f);
	for (i = 0; i < im->n_vnets; i++)
		emit_vnet(f, im, i, subs, n_subs, &next);
	r = ferror(f) ? -ENOMEM : 0;
	if (fclose(f) != 0 || !buf)
		r = -ENOMEM;
	if (r < 0) {
		free(buf);
		return r;
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}

/* ---- entry point -------------------------------------------------------------------------- */

static void imp_done(struct imp *im)
{
	size_t f, i, k;

	for (f = 0; f < _PF_MAX; f++) {
		struct pfile *pf = &im->files[f];

		for (i = 0; i < pf->n_secs; i++) {
			for (k = 0; k < pf->secs[i].n_kv; k++) {
				free(pf->secs[i].kv[k].key);
				free(pf->secs[i].kv[k].val);
			}
			free(pf->secs[i].kv);
			free(pf->secs[i].type);
			free(pf->secs[i].id);
		}
		free(pf->secs);
		free(pf->path);
	}
	for (i = 0; i < im->n_msgs; i++)
		free(im->msgs[i].text);
	free(im->msgs);
	for (i = 0; i < im->n_zones; i++) {
		free(im->zones[i].peers);
		free(im->zones[i].nodes);
	}
	free(im->zones);
	free(im->zone_ids);
	free(im->vnets);
	free(im->vnet_ids);
	free(im->subs);
}

/* A message about the directory itself. */
static __attribute__((format(printf, 3, 4))) void dir_report(struct imp *im, bool error,
							     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(im, error, 0, im->dir, 0, fmt, ap);
	va_end(ap);
}

static int import(struct imp *im, FILE *out)
{
	_cleanup_free_ char *doc = NULL;
	size_t len = 0, f, dlen = strlen(im->dir);
	struct stat st;
	int r;

	if (stat(im->dir, &st) < 0) {
		r = -errno;
		dir_report(im, true, "cannot read the directory: %s", strerror(-r));
		return r;
	}
	if (!S_ISDIR(st.st_mode)) {
		dir_report(im, true, "not a directory");
		return -ENOTDIR;
	}
	for (f = 0; f < _PF_MAX; f++)
		if (asprintf(&im->files[f].path, "%s%s%s", im->dir,
			     dlen && im->dir[dlen - 1] == '/' ? "" : "/", pf_names[f]) < 0) {
			im->files[f].path = NULL;
			return -ENOMEM;
		}
	for (f = 0; f < _PF_MAX; f++) {
		r = read_file(im, (unsigned int)f);
		if (r < 0)
			return r;
	}
	if (im->files[PF_ZONES].missing && im->files[PF_VNETS].missing &&
	    im->files[PF_SUBNETS].missing)
		dir_report(im, false,
			   "none of zones.cfg, vnets.cfg and subnets.cfg exists here; the document "
			   "is empty");

	map_zones(im);
	if (!im->oom)
		map_vnets(im);
	if (!im->oom)
		map_subnets(im);
	if (im->oom)
		return -ENOMEM;
	if (im->n_errors)
		return -EINVAL;

	r = emit(im, &doc, &len);
	if (r < 0)
		return r;
	if (out) {
		errno = 0;
		if (fwrite(doc, 1, len, out) != len || fflush(out) != 0)
			return errno ? -errno : -EIO;
	}
	return 0;
}

int zone_import_pve(const char *dir, FILE *out, FILE *err)
{
	struct imp im = { .dir = dir };
	int r;

	if (!dir)
		return -EINVAL;
	r = import(&im, out);
	print_msgs(&im, err);
	imp_done(&im);
	return r;
}
