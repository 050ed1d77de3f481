// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The firewall's part of the configuration schema: the `firewall:` section (ipsets, aliases,
 * security groups, vnet rules) and the `attachments:` section (a NIC firewall per interface
 * name), walked on the document tree of zones/parse.c with its helpers and error machinery.
 * The NIC section is also what the control API takes for an attachment (firewall/json.c feeds
 * the JSON object through here), so both get the same fields, defaults and checks.
 *
 * References are resolved while parsing: aliases become address ranges, ipsets are computed
 * (inclusions minus exclusions), a +ipset or group reference is checked and kept by name.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firewall/fw.h"
#include "sdnd/util.h"
#include "zones/yparse.h"

#define FW_NAME_RULE "2 to 31 characters [A-Za-z0-9_-], starting with a letter"
#define LOG_LEVELS "emerg, alert, crit, err, warning, notice, info, debug, nolog"
#define ADDR_ITEM_MAX 128 /* longer list items are not addresses */

/* A name the `firewall:` section defines: its key, and its index in the model. */
struct fwname {
	const struct ynode *key;
	long idx; /* -1: the name or the value was reported (references to it stay quiet) */
};

/* A group's rule that includes a group, for the loop check. */
struct incl {
	size_t from, to; /* indexes into fwp.groups */
	size_t rule;	 /* the rule's index in the group */
	const struct ynode *at;
};

struct fwp {
	struct pctx *p;
	/*
	 * The `firewall:` section being built; references are looked up in the names below.
	 * NULL for a NIC section of the API, whose references are looked up in refs.
	 */
	struct fw_config *fw;
	const struct fw_config *refs; /* NULL: ipsets and groups not checked, no aliases */
	int has_mac;		      /* 1, 0, -1: not known */
	struct fwname *aliases, *ipsets, *groups;
	size_t n_aliases, n_ipsets, n_groups;
	struct incl *incl;
	size_t n_incl, cap_incl;
	size_t cur_group; /* the group whose rules are parsed; SIZE_MAX: none */
};

/* Where a rule is: which directions it may have, whether it may include a group. */
enum rctx {
	RC_GROUP,
	RC_VNET,
	RC_NIC,
};

enum ref {
	REF_FOUND,
	REF_BROKEN, /* defined, but reported: stay quiet */
	REF_MISSING,
};

/* ---- names -------------------------------------------------------------------------------- */

/* [A-Za-z][A-Za-z0-9_-]*, 2..FW_NAME_MAX: ipset, alias and group names */
static bool fw_name_valid(const char *s, size_t len)
{
	size_t i;

	if (len < 2 || len > FW_NAME_MAX)
		return false;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return false;
	for (i = 1; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

/* "a, b, c, ..." of at most LIST_MAX names */
struct namelist {
	char buf[LIST_MAX * (SHOW_BUFSZ + 2) + 16];
	size_t o, n;
};

static void nl_add(struct namelist *l, const char *s, size_t len)
{
	char sb[SHOW_BUFSZ];

	if (l->n > LIST_MAX || l->o >= sizeof(l->buf))
		return;
	if (l->n == LIST_MAX)
		l->o += (size_t)snprintf(l->buf + l->o, sizeof(l->buf) - l->o, ", ...");
	else
		l->o += (size_t)snprintf(l->buf + l->o, sizeof(l->buf) - l->o, "%s%s",
					 l->n ? ", " : "", zy_show(s, len, sb));
	l->n++;
}

enum kind {
	K_ALIAS,
	K_IPSET,
	K_GROUP,
};

static const char *const kind_name[] = { "alias", "ipset", "group" };
static const char *const kind_plural[] = { "aliases", "ipsets", "groups" };

/*
 * Look a name up; *ret_idx is its index in the model (refs or the section being built), and
 * *ret_reg its index in the names of the section being built.
 */
static enum ref lookup(const struct fwp *f, enum kind k, const char *s, size_t len, size_t *ret_idx,
		       size_t *ret_reg)
{
	const struct fwname *v = k == K_ALIAS ? f->aliases : k == K_IPSET ? f->ipsets : f->groups;
	size_t n = k == K_ALIAS ? f->n_aliases : k == K_IPSET ? f->n_ipsets : f->n_groups, i;

	if (f->fw) {
		for (i = 0; i < n; i++)
			if (v[i].key->len == len && !memcmp(v[i].key->str, s, len)) {
				if (v[i].idx < 0)
					return REF_BROKEN;
				*ret_idx = (size_t)v[i].idx;
				*ret_reg = i;
				return REF_FOUND;
			}
		return REF_MISSING;
	}
	if (!f->refs)
		return k == K_ALIAS ? REF_MISSING : REF_FOUND;
	n = k == K_ALIAS   ? f->refs->n_aliases
	    : k == K_IPSET ? f->refs->n_ipsets
			   : f->refs->n_groups;
	for (i = 0; i < n; i++) {
		const char *name = k == K_ALIAS	  ? f->refs->aliases[i].name
				   : k == K_IPSET ? f->refs->ipsets[i].name
						  : f->refs->groups[i].name;

		if (strlen(name) == len && !memcmp(name, s, len)) {
			*ret_idx = i;
			return REF_FOUND;
		}
	}
	return REF_MISSING;
}

/* Report that a referenced name does not exist, naming those that do. */
static void missing(struct fwp *f, const struct ynode *at, const char *path, enum kind k,
		    const char *s, size_t len)
{
	struct namelist l = { 0 };
	char sb[SHOW_BUFSZ];
	size_t i, n;

	if (f->fw) {
		const struct fwname *v = k == K_ALIAS	? f->aliases
					 : k == K_IPSET ? f->ipsets
							: f->groups;

		n = k == K_ALIAS ? f->n_aliases : k == K_IPSET ? f->n_ipsets : f->n_groups;
		for (i = 0; i < n; i++)
			nl_add(&l, v[i].key->str, v[i].key->len);
	} else if (f->refs) {
		n = k == K_ALIAS   ? f->refs->n_aliases
		    : k == K_IPSET ? f->refs->n_ipsets
				   : f->refs->n_groups;
		for (i = 0; i < n; i++) {
			const char *name = k == K_ALIAS	  ? f->refs->aliases[i].name
					   : k == K_IPSET ? f->refs->ipsets[i].name
							  : f->refs->groups[i].name;

			nl_add(&l, name, strlen(name));
		}
	}
	if (l.n)
		zy_err(f->p, at, path, "%s \"%s\" does not exist (defined %s: %s)", kind_name[k],
		       zy_show(s, len, sb), kind_plural[k], l.buf);
	else
		zy_err(f->p, at, path, "%s \"%s\" does not exist (no %s are defined)", kind_name[k],
		       zy_show(s, len, sb), kind_plural[k]);
}

/*
 * A reference to a name at node at: true and *ret_idx (see lookup()) when it can be used; else
 * reported (or quiet when what it names was reported).
 */
static bool ref(struct fwp *f, const struct ynode *at, const char *path, enum kind k, const char *s,
		size_t len, size_t *ret_idx, size_t *ret_reg)
{
	size_t reg;

	switch (lookup(f, k, s, len, ret_idx, ret_reg ? ret_reg : &reg)) {
	case REF_FOUND:
		return true;
	case REF_BROKEN:
		return false;
	case REF_MISSING:
		break;
	}
	missing(f, at, path, k, s, len);
	return false;
}

/* ---- addresses ---------------------------------------------------------------------------- */

static int ip_cmp(const struct sdnd_ip *a, const struct sdnd_ip *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->addr, b->addr, sdnd_ip_len(a));
}

/* The next address; false when a is the last one of its family (a is then undefined). */
static bool ip_inc(struct sdnd_ip *a)
{
	size_t i;

	for (i = sdnd_ip_len(a); i-- > 0;)
		if (++a->addr[i])
			return true;
	return false;
}

static bool ip_dec(struct sdnd_ip *a)
{
	size_t i;

	for (i = sdnd_ip_len(a); i-- > 0;)
		if (a->addr[i]--)
			return true;
	return false;
}

/* The last address of net/len. */
static struct sdnd_ip prefix_last(const struct sdnd_ip *net, uint8_t len)
{
	struct sdnd_ip ip = *net;
	unsigned int i, bits = (unsigned int)sdnd_ip_len(net) * 8;

	for (i = len; i < bits; i++)
		ip.addr[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	return ip;
}

/* 1: IPv4, 2: IPv6 */
static unsigned int family_bit(int family)
{
	return family == AF_INET6 ? 2 : 1;
}

static unsigned int families(const struct fw_iprange *r, size_t n)
{
	unsigned int m = 0;
	size_t i;

	for (i = 0; i < n; i++)
		m |= family_bit(r[i].lo.family);
	return m;
}

static int range_cmp(const void *a, const void *b)
{
	const struct fw_iprange *x = a, *y = b;
	int r = ip_cmp(&x->lo, &y->lo);

	return r ? r : ip_cmp(&x->hi, &y->hi);
}

/* Sort, then merge overlapping and adjacent ranges, in place. Returns the new count. */
static size_t ranges_normalize(struct fw_iprange *r, size_t n)
{
	size_t i, o = 0;

	if (!n)
		return 0;
	qsort(r, n, sizeof(*r), range_cmp);
	for (i = 1; i < n; i++) {
		struct fw_iprange *cur = &r[o];
		struct sdnd_ip next = cur->hi;

		if (r[i].lo.family == cur->lo.family &&
		    (ip_cmp(&r[i].lo, &cur->hi) <= 0 ||
		     (ip_inc(&next) && ip_cmp(&r[i].lo, &next) == 0))) {
			if (ip_cmp(&r[i].hi, &cur->hi) > 0)
				cur->hi = r[i].hi;
			continue;
		}
		r[++o] = r[i];
	}
	return o + 1;
}

/*
 * inc minus exc, both normalized; the result (normalized) in *ret (NULL when empty).
 * 0 or -ENOMEM.
 */
static int ranges_subtract(const struct fw_iprange *inc, size_t n_inc, const struct fw_iprange *exc,
			   size_t n_exc, struct fw_iprange **ret, size_t *ret_n)
{
	struct fw_iprange *out = NULL;
	size_t i, j = 0, k, n = 0;

	if (n_inc) {
		out = calloc(n_inc + n_exc, sizeof(*out));
		if (!out)
			return -ENOMEM;
	}
	for (i = 0; i < n_inc; i++) {
		struct sdnd_ip lo = inc[i].lo;
		bool left = true;

		/* excludes wholly before this range are before every later one too */
		while (j < n_exc && ip_cmp(&exc[j].hi, &inc[i].lo) < 0)
			j++;
		for (k = j; left && k < n_exc && ip_cmp(&exc[k].lo, &inc[i].hi) <= 0; k++) {
			struct sdnd_ip before = exc[k].lo;

			if (ip_cmp(&exc[k].hi, &lo) < 0)
				continue;
			if (ip_cmp(&exc[k].lo, &lo) > 0 && ip_dec(&before))
				out[n++] = (struct fw_iprange){ lo, before };
			lo = exc[k].hi;
			left = ip_inc(&lo) && ip_cmp(&lo, &inc[i].hi) <= 0;
		}
		if (left)
			out[n++] = (struct fw_iprange){ lo, inc[i].hi };
	}
	if (!n) {
		free(out);
		out = NULL;
	}
	*ret = out;
	*ret_n = n;
	return 0;
}

/* What may stand in one address item. */
enum {
	A_RANGE = 1, /* a-b */
	A_ALIAS = 2, /* an alias name */
	A_LIST = 4,  /* an item of source or dest */
};

/*
 * One address item s (len bytes, not NUL-terminated) of the value at node v: an address, a
 * CIDR, a range a-b or an alias name, as flags allow; what describes what is expected. 0 with
 * *ret, or -1 (reported at v, or quietly for a reported alias).
 */
static int addr_item(struct fwp *f, const struct ynode *v, const char *path, const char *s,
		     size_t len, unsigned int flags, const char *what, struct fw_iprange *ret)
{
	char buf[ADDR_ITEM_MAX + 1], sb[SHOW_BUFSZ], nb[SDND_IP_STRLEN], nb2[SDND_IP_STRLEN];
	struct sdnd_ip a, b;
	uint8_t plen;
	char *dash;
	size_t idx;

	if ((flags & A_ALIAS) && fw_name_valid(s, len)) {
		if (!ref(f, v, path, K_ALIAS, s, len, &idx, NULL))
			return -1;
		*ret = f->fw ? f->fw->aliases[idx].r : f->refs->aliases[idx].r;
		return 0;
	}
	if (len > ADDR_ITEM_MAX || memchr(s, '\0', len))
		goto invalid;
	memcpy(buf, s, len);
	buf[len] = '\0';
	dash = strchr(buf, '-');
	if (dash && (flags & A_RANGE)) {
		*dash = '\0';
		if (sdnd_ip_parse(buf, &a) < 0 || sdnd_ip_parse(dash + 1, &b) < 0) {
			zy_err(f->p, v, path,
			       "invalid address range \"%s\" (expected two addresses a-b of one "
			       "family)",
			       zy_show(s, len, sb));
			return -1;
		}
		if (a.family != b.family) {
			zy_err(f->p, v, path, "address range \"%s\" mixes IPv4 and IPv6",
			       zy_show(s, len, sb));
			return -1;
		}
		if (ip_cmp(&a, &b) > 0) {
			zy_err(f->p, v, path,
			       "address range \"%s\" is backwards (%s is greater than %s)",
			       zy_show(s, len, sb), sdnd_ip_str(&a, nb), sdnd_ip_str(&b, nb2));
			return -1;
		}
		*ret = (struct fw_iprange){ a, b };
		return 0;
	}
	if (strchr(buf, '/')) {
		if (sdnd_prefix_parse(buf, &a, &plen) < 0)
			goto invalid;
		if (!sdnd_prefix_is_network(&a, plen)) {
			zy_mask_prefix(&a, plen);
			zy_err(f->p, v, path, "%s has host bits set; did you mean %s/%u?",
			       zy_show(s, len, sb), sdnd_ip_str(&a, nb), plen);
			return -1;
		}
		*ret = (struct fw_iprange){ a, prefix_last(&a, plen) };
		return 0;
	}
	if (sdnd_ip_parse(buf, &a) < 0)
		goto invalid;
	*ret = (struct fw_iprange){ a, a };
	return 0;

invalid:
	if ((flags & A_LIST) && len && s[0] == '+')
		zy_err(f->p, v, path, "invalid address \"%s\" (an ipset cannot be in a list)",
		       zy_show(s, len, sb));
	else
		zy_err(f->p, v, path, "invalid address \"%s\" (expected %s)", zy_show(s, len, sb),
		       what);
	return -1;
}

/* Trim blanks around s[*a..*b). */
static void trim(const char *s, size_t *a, size_t *b)
{
	while (*a < *b && (s[*a] == ' ' || s[*a] == '\t'))
		(*a)++;
	while (*b > *a && (s[*b - 1] == ' ' || s[*b - 1] == '\t'))
		(*b)--;
}

#define ADDR_WHAT "an IP address, a CIDR, a range a-b, an alias or +ipset"

/* source, dest: +ipset alone, or a comma-separated list of addresses, CIDRs, ranges, aliases */
static bool parse_addr(struct fwp *f, const struct ynode *v, const char *path, struct fw_addr *ret)
{
	const char *s = v->str;
	char sb[SHOW_BUFSZ];
	size_t a, b, n, idx;
	bool ok = true;

	if (!zy_get_str(f->p, v, path, "an address"))
		return false;
	if (s[0] == '+') {
		if (memchr(s, ',', v->len)) {
			zy_err(f->p, v, path,
			       "an ipset must stand alone, not in a list (got \"%s\")",
			       zy_show_node(v, sb));
			return false;
		}
		if (!fw_name_valid(s + 1, v->len - 1)) {
			zy_err(f->p, v, path,
			       "invalid ipset name \"%s\" (expected " FW_NAME_RULE ")",
			       zy_show(s + 1, v->len - 1, sb));
			return false;
		}
		if (!ref(f, v, path, K_IPSET, s + 1, v->len - 1, &idx, NULL))
			return false;
		memcpy(ret->ipset, s + 1, v->len); /* with the NUL */
		return true;
	}
	for (n = 1, a = 0; a < v->len; a++)
		n += s[a] == ',';
	ret->r = calloc(n, sizeof(*ret->r));
	if (!ret->r) {
		f->p->oom = true;
		return false;
	}
	for (a = 0; a <= v->len; a = b + 1) {
		size_t e;

		for (b = a; b < v->len && s[b] != ','; b++)
			;
		e = b;
		trim(s, &a, &e);
		if (a == e) {
			zy_err(f->p, v, path, "empty entry in the list \"%s\"",
			       zy_show_node(v, sb));
			ok = false;
			continue;
		}
		if (addr_item(f, v, path, s + a, e - a, A_RANGE | A_ALIAS | A_LIST, ADDR_WHAT,
			      &ret->r[ret->n]) < 0) {
			ok = false;
			continue;
		}
		ret->n++;
	}
	return ok;
}

/* ---- ports, protocols, ICMP types --------------------------------------------------------- */

#define PORT_WHAT                                                                                  \
	"expected a port between 1 and 65535, a service name like ssh or https, or a range a:b"

/* One port: a number 1..65535 or a service name; -1 when reported. */
static long port_value(struct fwp *f, const struct ynode *v, const char *path, const char *s,
		       size_t len)
{
	char buf[32], sb[SHOW_BUFSZ];
	size_t nd = 0;
	long port;

	while (nd < len && s[nd] >= '0' && s[nd] <= '9')
		nd++;
	if (len && nd == len) {
		if (s[0] == '0' && len > 1) {
			zy_err(f->p, v, path, "invalid port \"%s\" (leading zeros are not allowed)",
			       zy_show(s, len, sb));
			return -1;
		}
		port = len > 6 ? 65536 : strtol(s, NULL, 10);
		if (port < 1 || port > 65535) {
			zy_err(f->p, v, path, "port %s is out of range (expected 1 to 65535)",
			       zy_show(s, len, sb));
			return -1;
		}
		return port;
	}
	if (len < sizeof(buf) && !memchr(s, '\0', len)) {
		memcpy(buf, s, len);
		buf[len] = '\0';
		port = fw_service_from_string(buf);
		if (port > 0)
			return port;
	}
	zy_err(f->p, v, path, "unknown service \"%s\" (" PORT_WHAT ")", zy_show(s, len, sb));
	return -1;
}

/* sport, dport: a comma-separated list of ports and ranges a:b (YAML integers too) */
static bool parse_ports(struct fwp *f, const struct ynode *v, const char *path,
			struct fw_portrange **ret, size_t *ret_n)
{
	const char *s = v->str;
	char sb[SHOW_BUFSZ];
	size_t a, b, n;
	bool ok = true;

	if (!zy_get_str(f->p, v, path, "a port, a range a:b or a comma-separated list of them"))
		return false;
	for (n = 1, a = 0; a < v->len; a++)
		n += s[a] == ',';
	*ret = calloc(n, sizeof(**ret));
	if (!*ret) {
		f->p->oom = true;
		return false;
	}
	for (a = 0; a <= v->len; a = b + 1) {
		const char *colon;
		long lo, hi;
		size_t e;

		for (b = a; b < v->len && s[b] != ','; b++)
			;
		e = b;
		trim(s, &a, &e);
		if (a == e) {
			zy_err(f->p, v, path, "empty entry in the port list \"%s\"",
			       zy_show_node(v, sb));
			ok = false;
			continue;
		}
		colon = memchr(s + a, ':', e - a);
		if (!colon) {
			lo = hi = port_value(f, v, path, s + a, e - a);
		} else if (memchr(colon + 1, ':', (size_t)(s + e - colon - 1))) {
			zy_err(f->p, v, path, "invalid port range \"%s\" (expected a:b)",
			       zy_show(s + a, e - a, sb));
			lo = hi = -1;
		} else {
			lo = port_value(f, v, path, s + a, (size_t)(colon - s - a));
			hi = lo < 0 ? -1
				    : port_value(f, v, path, colon + 1,
						 (size_t)(s + e - colon - 1));
			if (lo > 0 && hi > 0 && lo > hi) {
				zy_err(f->p, v, path,
				       "port range \"%s\" is backwards (%ld is greater than %ld)",
				       zy_show(s + a, e - a, sb), lo, hi);
				hi = -1;
			}
		}
		if (lo < 0 || hi < 0) {
			ok = false;
			continue;
		}
		(*ret)[(*ret_n)++] = (struct fw_portrange){ (uint16_t)lo, (uint16_t)hi };
	}
	return ok;
}

/* A number 0..255 written as digits (quoted or not); -1 not a number, -2 reported. */
static int byte_value(struct fwp *f, const struct ynode *v, const char *path, const char *what)
{
	char sb[SHOW_BUFSZ];
	size_t nd = strspn(v->str, "0123456789");
	long n;

	if (!v->len || nd != v->len || (v->str[0] == '0' && v->len > 1))
		return -1;
	n = v->len > 4 ? 256 : strtol(v->str, NULL, 10);
	if (n > 255) {
		zy_err(f->p, v, path, "%s %s is out of range (expected 0 to 255)", what,
		       zy_show_node(v, sb));
		return -2;
	}
	return (int)n;
}

/* proto: a name or a number; the number, or -1 when reported */
static int parse_proto(struct fwp *f, const struct ynode *v, const char *path)
{
	char sb[SHOW_BUFSZ];
	int n;

	if (!zy_get_str(f->p, v, path, "a protocol"))
		return -1;
	n = byte_value(f, v, path, "protocol");
	if (n == -2)
		return -1;
	if (n >= 0)
		return n;
	n = fw_proto_from_string(v->str);
	if (n < 0)
		zy_err(f->p, v, path,
		       "unknown protocol \"%s\" (expected a name like tcp, udp, icmp or icmpv6, or "
		       "a number between 0 and 255)",
		       zy_show_node(v, sb));
	return n;
}

static bool proto_has_ports(int proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP ||
	       proto == IPPROTO_UDPLITE;
}

/* "icmp", "47" */
static const char *proto_str(int proto, char *buf)
{
	const char *s = fw_proto_to_string(proto);

	if (s)
		return s;
	snprintf(buf, 8, "%d", proto);
	return buf;
}

/* icmp-type: a name of proto's types, any or a number; *ret, false when reported */
static bool parse_icmp_type(struct fwp *f, const struct ynode *v, const char *path, int proto,
			    int *ret)
{
	char sb[SHOW_BUFSZ];
	int n;

	if (!zy_get_str(f->p, v, path, "an ICMP type"))
		return false;
	if (zy_str_is(v, "any")) {
		*ret = -1;
		return true;
	}
	n = byte_value(f, v, path, "ICMP type");
	if (n == -2)
		return false;
	if (n < 0)
		n = fw_icmp_type_from_string(proto, v->str);
	if (n < 0) {
		zy_err(f->p, v, path,
		       "unknown %s type \"%s\" (expected a name like echo-request, a number "
		       "between 0 and 255, or any)",
		       proto == IPPROTO_ICMPV6 ? "ICMPv6" : "ICMP", zy_show_node(v, sb));
		return false;
	}
	*ret = n;
	return true;
}

/* ---- other values ------------------------------------------------------------------------- */

/* A value of a string table: the index, or -1 when reported. */
static int get_enum(struct fwp *f, const struct ynode *v, const char *path,
		    int (*from_string)(const char *s), const char *what, const char *expect)
{
	char sb[SHOW_BUFSZ];
	int r;

	if (!zy_get_str(f->p, v, path, what))
		return -1;
	r = from_string(v->str);
	if (r < 0)
		zy_err(f->p, v, path, "unknown %s \"%s\" (expected %s)", what, zy_show_node(v, sb),
		       expect);
	return r;
}

static int action_from_string(const char *s)
{
	return fw_action_from_string(s);
}

static int log_from_string(const char *s)
{
	return fw_log_from_string(s);
}

static bool parse_action(struct fwp *f, const struct ynode *v, const char *path,
			 enum fw_action *ret)
{
	int r = get_enum(f, v, path, action_from_string, "action", "accept, drop or reject");

	if (r < 0)
		return false;
	*ret = (enum fw_action)r;
	return true;
}

static bool parse_log(struct fwp *f, const struct ynode *v, const char *path, enum fw_log *ret)
{
	int r = get_enum(f, v, path, log_from_string, "log level", "one of: " LOG_LEVELS);

	if (r < 0)
		return false;
	*ret = (enum fw_log)r;
	return true;
}

static bool parse_iface(struct fwp *f, const struct ynode *v, const char *path, char *ret)
{
	char sb[SHOW_BUFSZ];

	if (!zy_get_str(f->p, v, path, "an interface name"))
		return false;
	if (!zy_ifname_valid(v->str, v->len)) {
		zy_err(f->p, v, path, "invalid interface name \"%s\" (expected " IFNAME_RULE ")",
		       zy_show_node(v, sb));
		return false;
	}
	memcpy(ret, v->str, v->len + 1);
	return true;
}

/* comment: at most FW_COMMENT_MAX bytes of one line of printable text */
static bool parse_comment(struct fwp *f, const struct ynode *v, const char *path, char *ret)
{
	const unsigned char *u = (const unsigned char *)v->str;
	char sb[SHOW_BUFSZ];
	size_t i;

	if (!zy_get_str(f->p, v, path, "a string"))
		return false;
	if (v->len > FW_COMMENT_MAX) {
		zy_err(f->p, v, path, "comment is too long (%zu bytes, at most %d)", v->len,
		       FW_COMMENT_MAX);
		return false;
	}
	for (i = 0; i < v->len; i++)
		if (u[i] < 0x20 || u[i] == 0x7f ||
		    (u[i] == 0xc2 && i + 1 < v->len && u[i + 1] >= 0x80 && u[i + 1] <= 0x9f)) {
			zy_err(f->p, v, path,
			       "comment contains a control character (\"%s\"); it must be one line "
			       "of printable text",
			       zy_show(v->str + i, u[i] == 0xc2 ? 2 : 1, sb));
			return false;
		}
	memcpy(ret, v->str, v->len + 1);
	return true;
}

/* A list, or null for an empty one: 1 list, 0 null, -1 reported. */
static int as_list(struct pctx *p, const struct ynode *v, const char *path, const char *what)
{
	if (v->kind == Y_SCALAR && !v->tag && zy_is_null(v))
		return 0;
	return zy_as_seq(p, v, path, what) ? 1 : -1;
}

/* ---- rules -------------------------------------------------------------------------------- */

static void record_include(struct fwp *f, size_t to, size_t rule, const struct ynode *at)
{
	if (f->cur_group == SIZE_MAX)
		return;
	if (sdnd_grow(&f->incl, &f->cap_incl, f->n_incl + 1, sizeof(*f->incl)) < 0) {
		f->p->oom = true;
		return;
	}
	f->incl[f->n_incl++] = (struct incl){ f->cur_group, to, rule, at };
}

/* The dir of a rule in rc; false when reported. */
static bool parse_dir(struct fwp *f, const struct ynode *v, const char *path, enum rctx rc,
		      enum fw_dir *ret)
{
	char sb[SHOW_BUFSZ];
	int d;

	if (!zy_get_str(f->p, v, path, "a direction"))
		return false;
	d = fw_dir_from_string(v->str);
	if (d < 0) {
		zy_err(f->p, v, path, "unknown direction \"%s\" (expected %s)", zy_show_node(v, sb),
		       rc == RC_VNET ? "forward" : "in or out");
		return false;
	}
	if (rc == RC_VNET && d != FW_DIR_FORWARD) {
		zy_err(f->p, v, path,
		       "vnet rules filter the traffic forwarded across the vnet: expected forward, "
		       "got \"%s\"",
		       zy_show_node(v, sb));
		return false;
	}
	if (rc != RC_VNET && d == FW_DIR_FORWARD) {
		zy_err(f->p, v, path,
		       "direction \"forward\" is for vnet rules only (expected in or out)");
		return false;
	}
	*ret = (enum fw_dir)d;
	return true;
}

/* One rule at node n (path); idx its index in its list. true when nothing was reported. */
static bool parse_rule(struct fwp *f, const struct ynode *n, const char *path, enum rctx rc,
		       size_t idx, struct fw_rule *r)
{
	enum {
		F_DIR,
		F_ACTION,
		F_MACRO,
		F_PROTO,
		F_SOURCE,
		F_DEST,
		F_SPORT,
		F_DPORT,
		F_ICMP,
		F_IFACE,
		F_LOG,
		F_ENABLE,
		F_GROUP,
		F_COMMENT,
	};
	struct field fl[] = {
		[F_DIR] = { .name = "dir" },	    [F_ACTION] = { .name = "action" },
		[F_MACRO] = { .name = "macro" },    [F_PROTO] = { .name = "proto" },
		[F_SOURCE] = { .name = "source" },  [F_DEST] = { .name = "dest" },
		[F_SPORT] = { .name = "sport" },    [F_DPORT] = { .name = "dport" },
		[F_ICMP] = { .name = "icmp-type" }, [F_IFACE] = { .name = "iface" },
		[F_LOG] = { .name = "log" },	    [F_ENABLE] = { .name = "enable" },
		[F_GROUP] = { .name = "group" },    [F_COMMENT] = { .name = "comment" },
	};
	static const size_t by_macro[] = { F_PROTO, F_SPORT, F_DPORT, F_ICMP };
	struct pctx *p = f->p;
	size_t e0 = p->n_errs, i, gi, greg = SIZE_MAX;
	char kp[PATH_BUFSZ], sb[SHOW_BUFSZ], pb[8];
	int proto_state = 0; /* 0 not given, 1 parsed, -1 reported */
	bool src_ok = false, dst_ok = false;

	*r = (struct fw_rule){ .enable = true, .proto = -1, .icmp_type = -1 };
	if (!p->json) {
		r->line = n->line;
		r->col = n->col;
	}
	if (zy_as_map(p, n, path, false) <= 0)
		return false;
	zy_map_fields(p, n, path, fl, ARRAY_SIZE(fl));
#define KP(i) zy_path_key(kp, path, fl[i].name, strlen(fl[i].name))

	if (fl[F_GROUP].key) {
		const struct ynode *g = fl[F_GROUP].val;

		if (rc == RC_VNET)
			zy_err(p, fl[F_GROUP].key, KP(F_GROUP),
			       "vnet rules cannot include a group (security groups hold in and out "
			       "rules)");
		else if (zy_get_str(p, g, KP(F_GROUP), "a group name")) {
			if (!f->fw && !f->refs && !fw_name_valid(g->str, g->len))
				zy_err(p, g, kp,
				       "invalid group name \"%s\" (expected " FW_NAME_RULE ")",
				       zy_show_node(g, sb));
			else if (ref(f, g, kp, K_GROUP, g->str, g->len, &gi, &greg)) {
				memcpy(r->group, g->str, g->len + 1);
				if (greg != SIZE_MAX)
					record_include(f, greg, idx, g);
			}
		}
		for (i = 0; i < ARRAY_SIZE(fl); i++)
			if (fl[i].key && i != F_GROUP && i != F_ENABLE && i != F_IFACE &&
			    i != F_COMMENT)
				zy_err(p, fl[i].key, KP(i),
				       "not allowed in a rule that includes a group (only group, "
				       "enable, iface and comment are)");
	} else {
		if (!fl[F_DIR].val)
			zy_err(p, n, KP(F_DIR), "required key is missing (expected %s)",
			       rc == RC_VNET ? "forward" : "in or out");
		else
			parse_dir(f, fl[F_DIR].val, KP(F_DIR), rc, &r->dir);
		if (!fl[F_ACTION].val)
			zy_err(p, n, KP(F_ACTION),
			       "required key is missing (expected accept, drop or reject)");
		else
			parse_action(f, fl[F_ACTION].val, KP(F_ACTION), &r->action);

		if (fl[F_MACRO].val &&
		    zy_get_str(p, fl[F_MACRO].val, KP(F_MACRO), "a macro name")) {
			const struct fw_macro *m = fw_macro_find(fl[F_MACRO].val->str);

			if (m) {
				sdnd_strlcpy(r->macro, m->name, sizeof(r->macro));
			} else {
				char list[4096];
				size_t nm, o = 0;
				const struct fw_macro *all = fw_macros(&nm);

				for (i = 0; i < nm && o < sizeof(list); i++)
					o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s",
							      i ? ", " : "", all[i].name);
				zy_err(p, fl[F_MACRO].val, kp,
				       "unknown macro \"%s\" (expected one of: %s)",
				       zy_show_node(fl[F_MACRO].val, sb), list);
			}
		}
		/* a macro gives the protocol and the ports */
		for (i = 0; fl[F_MACRO].key && i < ARRAY_SIZE(by_macro); i++)
			if (fl[by_macro[i]].key)
				zy_err(p, fl[by_macro[i]].key, KP(by_macro[i]),
				       "conflicting options \"macro\" and \"%s\": a macro sets the "
				       "protocol and ports itself",
				       fl[by_macro[i]].name);
		if (!fl[F_MACRO].key) {
			if (fl[F_PROTO].val) {
				r->proto = parse_proto(f, fl[F_PROTO].val, KP(F_PROTO));
				proto_state = r->proto < 0 ? -1 : 1;
			}
			for (i = F_SPORT; i <= F_DPORT; i++) {
				bool ok;

				if (!fl[i].val)
					continue;
				ok = i == F_SPORT ? parse_ports(f, fl[i].val, KP(i), &r->sport,
								&r->n_sport)
						  : parse_ports(f, fl[i].val, KP(i), &r->dport,
								&r->n_dport);
				if (!ok || proto_state < 0)
					continue;
				if (proto_state == 0)
					zy_err(p, fl[i].key, KP(i),
					       "ports need proto tcp, udp, sctp or udplite (no "
					       "proto is given)");
				else if (!proto_has_ports(r->proto))
					zy_err(p, fl[i].key, KP(i),
					       "ports need proto tcp, udp, sctp or udplite (proto "
					       "is %s)",
					       proto_str(r->proto, pb));
			}
			if (fl[F_ICMP].val && proto_state >= 0) {
				if (proto_state == 0)
					zy_err(p, fl[F_ICMP].key, KP(F_ICMP),
					       "icmp-type needs proto icmp or icmpv6 (no proto is "
					       "given)");
				else if (r->proto != IPPROTO_ICMP && r->proto != IPPROTO_ICMPV6)
					zy_err(p, fl[F_ICMP].key, KP(F_ICMP),
					       "icmp-type needs proto icmp or icmpv6 (proto is %s)",
					       proto_str(r->proto, pb));
				else
					parse_icmp_type(f, fl[F_ICMP].val, KP(F_ICMP), r->proto,
							&r->icmp_type);
			}
		}
		if (fl[F_SOURCE].val)
			src_ok = parse_addr(f, fl[F_SOURCE].val, KP(F_SOURCE), &r->source);
		if (fl[F_DEST].val)
			dst_ok = parse_addr(f, fl[F_DEST].val, KP(F_DEST), &r->dest);
		if (src_ok && dst_ok && r->source.n && r->dest.n &&
		    !(families(r->source.r, r->source.n) & families(r->dest.r, r->dest.n)))
			zy_err(p, fl[F_DEST].val, KP(F_DEST),
			       "source and dest have no address family in common (source is %s, "
			       "dest is %s)",
			       zy_family_name(r->source.r[0].lo.family),
			       zy_family_name(r->dest.r[0].lo.family));
		if (fl[F_LOG].val)
			parse_log(f, fl[F_LOG].val, KP(F_LOG), &r->log);
	}
	if (fl[F_ENABLE].val)
		zy_get_bool(p, fl[F_ENABLE].val, KP(F_ENABLE), &r->enable);
	if (fl[F_IFACE].val)
		parse_iface(f, fl[F_IFACE].val, KP(F_IFACE), r->iface);
	if (fl[F_COMMENT].val)
		parse_comment(f, fl[F_COMMENT].val, KP(F_COMMENT), r->comment);
#undef KP
	return p->n_errs == e0 && !p->oom;
}

/* A list of rules (null: none) into out. true when nothing was reported. */
static bool parse_rules(struct fwp *f, const struct ynode *v, const char *path, enum rctx rc,
			struct fw_rules *out)
{
	char ip[PATH_BUFSZ];
	bool ok = true;
	size_t i;
	int l;

	l = as_list(f->p, v, path, "rules");
	if (l <= 0)
		return l == 0;
	if (!v->n)
		return true;
	out->v = calloc(v->n, sizeof(*out->v));
	if (!out->v) {
		f->p->oom = true;
		return false;
	}
	for (i = 0; i < v->n; i++) {
		ok &= parse_rule(f, v->items[i], zy_path_idx(ip, path, i), rc, i, &out->v[i]);
		out->n++;
	}
	return ok;
}

/* ---- NIC firewall ------------------------------------------------------------------------- */

static bool parse_nic(struct fwp *f, const struct ynode *v, const char *path, struct fw_nic *nic)
{
	enum {
		F_ENABLE,
		F_POLICY_IN,
		F_POLICY_OUT,
		F_LOG_IN,
		F_LOG_OUT,
		F_MACFILTER,
		F_IPFILTER,
		F_DHCP,
		F_NDP,
		F_RADV,
		F_RULES,
	};
	struct field fl[] = {
		[F_ENABLE] = { .name = "enable" },
		[F_POLICY_IN] = { .name = "policy-in" },
		[F_POLICY_OUT] = { .name = "policy-out" },
		[F_LOG_IN] = { .name = "log-in" },
		[F_LOG_OUT] = { .name = "log-out" },
		[F_MACFILTER] = { .name = "macfilter" },
		[F_IPFILTER] = { .name = "ipfilter" },
		[F_DHCP] = { .name = "dhcp" },
		[F_NDP] = { .name = "ndp" },
		[F_RADV] = { .name = "radv" },
		[F_RULES] = { .name = "rules" },
	};
	struct pctx *p = f->p;
	size_t e0 = p->n_errs, i;
	char kp[PATH_BUFSZ], ip[PATH_BUFSZ];
	bool b;

	*nic = (struct fw_nic){
		.enable = true, .policy_in = FW_DROP, .policy_out = FW_ACCEPT, .macfilter = -1
	};
	if (zy_as_map(p, v, path, true) <= 0)
		return p->n_errs == e0 && !p->oom;
	zy_map_fields(p, v, path, fl, ARRAY_SIZE(fl));
#define KP(i) zy_path_key(kp, path, fl[i].name, strlen(fl[i].name))

	if (fl[F_ENABLE].val)
		zy_get_bool(p, fl[F_ENABLE].val, KP(F_ENABLE), &nic->enable);
	if (fl[F_POLICY_IN].val)
		parse_action(f, fl[F_POLICY_IN].val, KP(F_POLICY_IN), &nic->policy_in);
	if (fl[F_POLICY_OUT].val)
		parse_action(f, fl[F_POLICY_OUT].val, KP(F_POLICY_OUT), &nic->policy_out);
	if (fl[F_LOG_IN].val)
		parse_log(f, fl[F_LOG_IN].val, KP(F_LOG_IN), &nic->log_in);
	if (fl[F_LOG_OUT].val)
		parse_log(f, fl[F_LOG_OUT].val, KP(F_LOG_OUT), &nic->log_out);
	if (fl[F_MACFILTER].val && zy_get_bool(p, fl[F_MACFILTER].val, KP(F_MACFILTER), &b)) {
		if (b && f->has_mac == 0)
			zy_err(p, fl[F_MACFILTER].val, kp,
			       "macfilter needs a MAC address, and the attachment has none");
		else
			nic->macfilter = b;
	}
	if (fl[F_IPFILTER].val &&
	    zy_as_seq(p, fl[F_IPFILTER].val, KP(F_IPFILTER), "IP addresses or CIDRs")) {
		const struct ynode *l = fl[F_IPFILTER].val;

		nic->has_ipfilter = true;
		nic->ipfilter = l->n ? calloc(l->n, sizeof(*nic->ipfilter)) : NULL;
		if (l->n && !nic->ipfilter) {
			p->oom = true;
			return false;
		}
		for (i = 0; i < l->n; i++) {
			const struct ynode *it = l->items[i];

			zy_path_idx(ip, kp, i);
			if (zy_get_str(p, it, ip, "an IP address or a CIDR") &&
			    addr_item(f, it, ip, it->str, it->len, A_ALIAS,
				      "an IP address or a CIDR",
				      &nic->ipfilter[nic->n_ipfilter]) == 0)
				nic->n_ipfilter++;
		}
	}
	if (fl[F_DHCP].val)
		zy_get_bool(p, fl[F_DHCP].val, KP(F_DHCP), &nic->dhcp);
	if (fl[F_NDP].val)
		zy_get_bool(p, fl[F_NDP].val, KP(F_NDP), &nic->ndp);
	if (fl[F_RADV].val)
		zy_get_bool(p, fl[F_RADV].val, KP(F_RADV), &nic->radv);
	if (fl[F_RULES].val)
		parse_rules(f, fl[F_RULES].val, KP(F_RULES), RC_NIC, &nic->rules);
#undef KP
	return p->n_errs == e0 && !p->oom;
}

bool zy_fw_parse_nic(struct pctx *p, const struct ynode *v, const char *path,
		     const struct fw_config *refs, int has_mac, struct fw_nic *ret)
{
	struct fwp f = { .p = p, .refs = refs, .has_mac = has_mac, .cur_group = SIZE_MAX };
	static const struct ynode null = { .kind = Y_SCALAR, .str = (char *)"", .plain = true };

	if (!parse_nic(&f, v ? v : &null, path, ret)) {
		fw_nic_done(ret);
		*ret = (struct fw_nic){ 0 };
		return false;
	}
	return true;
}

/* ---- the firewall section ----------------------------------------------------------------- */

/*
 * Register the names of one of the sections aliases, ipsets, groups; their entries in first, and
 * room for them in the model's array *model (elements of elsz bytes).
 */
static bool register_names(struct fwp *f, const struct ynode *v, const char *parent, enum kind k,
			   struct fwname **ret, size_t *ret_n, size_t **ret_first, void *model,
			   size_t elsz)
{
	char path[PATH_BUFSZ], sb[SHOW_BUFSZ];
	void **m = model;
	size_t i, *first;

	*ret_first = NULL;
	if (zy_as_map(f->p, v, parent, true) <= 0)
		return false;
	first = zy_named_pairs(f->p, v, parent);
	*ret = calloc(v->n / 2 + 1, sizeof(**ret));
	*m = calloc(v->n / 2 + 1, elsz);
	if (!first || !*ret || !*m) {
		free(first);
		f->p->oom = true;
		return false;
	}
	for (i = 0; i < v->n / 2; i++) {
		const struct ynode *key = v->items[2 * i];

		if (first[i] != i)
			continue;
		(*ret)[(*ret_n)++] = (struct fwname){ key, -1 };
		if (!fw_name_valid(key->str, key->len))
			zy_err(f->p, key, zy_path_key(path, parent, key->str, key->len),
			       "invalid %s name \"%s\" (expected " FW_NAME_RULE ")", kind_name[k],
			       zy_show_node(key, sb));
	}
	*ret_first = first;
	return true;
}

static void parse_aliases(struct fwp *f, const struct ynode *v)
{
	_cleanup_free_ size_t *first = NULL;
	char path[PATH_BUFSZ];
	size_t i, j = 0;

	if (!register_names(f, v, "firewall.aliases", K_ALIAS, &f->aliases, &f->n_aliases, &first, &f->fw->aliases,
			    sizeof(*f->fw->aliases)))
		return;
	for (i = 0; i < v->n / 2; i++) {
		const struct ynode *key = v->items[2 * i], *val = v->items[2 * i + 1];
		struct fwname *nm;
		struct fw_iprange r;

		if (first[i] != i)
			continue;
		nm = &f->aliases[j++];
		zy_path_key(path, "firewall.aliases", key->str, key->len);
		if (!zy_get_str(f->p, val, path, "an IP address or a CIDR") ||
		    addr_item(f, val, path, val->str, val->len, 0, "an IP address or a CIDR", &r) <
			    0 ||
		    !fw_name_valid(key->str, key->len))
			continue;
		memcpy(f->fw->aliases[f->fw->n_aliases].name, key->str, key->len + 1);
		f->fw->aliases[f->fw->n_aliases].r = r;
		nm->idx = (long)f->fw->n_aliases++;
	}
}

#define IPSET_WHAT "an IP address, a CIDR, a range a-b or an alias, optionally after \"!\""

/* One ipset's entries: the union of the included ones minus the excluded ones. */
static bool parse_ipset_entries(struct fwp *f, const struct ynode *v, const char *parent,
				struct fw_ipset *set)
{
	_cleanup_free_ struct fw_iprange *inc = NULL, *exc = NULL;
	size_t n_inc = 0, n_exc = 0, i;
	char path[PATH_BUFSZ];
	bool ok = true;
	int l;

	l = as_list(f->p, v, parent, "addresses");
	if (l <= 0)
		return l == 0;
	inc = calloc(v->n + 1, sizeof(*inc));
	exc = calloc(v->n + 1, sizeof(*exc));
	if (!inc || !exc) {
		f->p->oom = true;
		return false;
	}
	for (i = 0; i < v->n; i++) {
		const struct ynode *it = v->items[i];
		bool neg;
		char sb[SHOW_BUFSZ];

		zy_path_idx(path, parent, i);
		if (!zy_get_str(f->p, it, path, "an address")) {
			ok = false;
			continue;
		}
		neg = it->str[0] == '!';
		if (it->str[neg] == '+') {
			zy_err(f->p, it, path, "an ipset cannot contain another ipset (got \"%s\")",
			       zy_show_node(it, sb));
			ok = false;
			continue;
		}
		if (addr_item(f, it, path, it->str + neg, it->len - neg, A_RANGE | A_ALIAS,
			      IPSET_WHAT, neg ? &exc[n_exc] : &inc[n_inc]) < 0) {
			ok = false;
			continue;
		}
		if (neg)
			n_exc++;
		else
			n_inc++;
	}
	if (!ok)
		return false;
	n_inc = ranges_normalize(inc, n_inc);
	n_exc = ranges_normalize(exc, n_exc);
	if (ranges_subtract(inc, n_inc, exc, n_exc, &set->r, &set->n) < 0) {
		f->p->oom = true;
		return false;
	}
	return true;
}

static void parse_ipsets(struct fwp *f, const struct ynode *v)
{
	_cleanup_free_ size_t *first = NULL;
	char path[PATH_BUFSZ];
	size_t i, j = 0;

	if (!register_names(f, v, "firewall.ipsets", K_IPSET, &f->ipsets, &f->n_ipsets, &first, &f->fw->ipsets,
			    sizeof(*f->fw->ipsets)))
		return;
	for (i = 0; i < v->n / 2; i++) {
		const struct ynode *key = v->items[2 * i], *val = v->items[2 * i + 1];
		struct fw_ipset *set = &f->fw->ipsets[f->fw->n_ipsets];
		struct fwname *nm;

		if (first[i] != i)
			continue;
		nm = &f->ipsets[j++];
		zy_path_key(path, "firewall.ipsets", key->str, key->len);
		if (!parse_ipset_entries(f, val, path, set) || !fw_name_valid(key->str, key->len)) {
			free(set->r);
			*set = (struct fw_ipset){ 0 };
			continue;
		}
		memcpy(set->name, key->str, key->len + 1);
		nm->idx = (long)f->fw->n_ipsets++;
	}
}

/* Aliases and ipsets share one namespace: an alias named like an ipset is refused. */
static void check_alias_ipset_names(struct fwp *f)
{
	char path[PATH_BUFSZ], sb[SHOW_BUFSZ];
	size_t i, j;

	for (i = 0; i < f->n_aliases; i++) {
		const struct ynode *a = f->aliases[i].key;

		for (j = 0; j < f->n_ipsets; j++)
			if (zy_key_eq(a, f->ipsets[j].key))
				break;
		if (j == f->n_ipsets)
			continue;
		zy_err(f->p, a, zy_path_key(path, "firewall.aliases", a->str, a->len),
		       "alias \"%s\" has the same name as the ipset at line %u (aliases and ipsets "
		       "share one namespace)",
		       zy_show_node(a, sb), f->ipsets[j].key->line);
		f->aliases[i].idx = -1;
	}
}

static void parse_groups(struct fwp *f, const struct ynode *v)
{
	_cleanup_free_ size_t *first = NULL;
	char path[PATH_BUFSZ];
	size_t i, j = 0;

	if (!register_names(f, v, "firewall.groups", K_GROUP, &f->groups, &f->n_groups, &first,
			    &f->fw->groups, sizeof(*f->fw->groups)))
		return;
	/* every valid name first, so that rules can include groups defined later */
	for (i = 0; i < f->n_groups; i++) {
		const struct ynode *key = f->groups[i].key;

		if (!fw_name_valid(key->str, key->len))
			continue;
		memcpy(f->fw->groups[f->fw->n_groups].name, key->str, key->len + 1);
		f->groups[i].idx = (long)f->fw->n_groups++;
	}
	for (i = 0; i < v->n / 2; i++) {
		const struct ynode *key = v->items[2 * i], *val = v->items[2 * i + 1];
		struct fw_rules scratch = { 0 };
		struct fwname *nm;

		if (first[i] != i)
			continue;
		nm = &f->groups[j];
		f->cur_group = j++;
		zy_path_key(path, "firewall.groups", key->str, key->len);
		parse_rules(f, val, path, RC_GROUP,
			    nm->idx >= 0 ? &f->fw->groups[nm->idx].rules : &scratch);
		fw_rules_done(&scratch);
	}
	f->cur_group = SIZE_MAX;
}

static int incl_cmp(const void *a, const void *b)
{
	const struct incl *x = a, *y = b;

	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

/*
 * Groups including each other in a loop: a depth-first walk in document order (without
 * recursion: the chain may be long), each include that closes a loop reported at its rule.
 */
static void check_group_loops(struct fwp *f)
{
	_cleanup_free_ size_t *start = NULL, *stack = NULL, *next = NULL;
	_cleanup_free_ unsigned char *color = NULL; /* 0 new, 1 on the stack, 2 done */
	size_t ng = f->n_groups, i, depth;

	if (!f->n_incl)
		return;
	qsort(f->incl, f->n_incl, sizeof(*f->incl), incl_cmp);
	start = calloc(ng + 1, sizeof(*start));
	stack = calloc(ng + 1, sizeof(*stack));
	next = calloc(ng + 1, sizeof(*next));
	color = calloc(ng + 1, 1);
	if (!start || !stack || !next || !color) {
		f->p->oom = true;
		return;
	}
	for (i = 0; i < f->n_incl; i++)
		start[f->incl[i].from + 1]++;
	for (i = 0; i < ng; i++)
		start[i + 1] += start[i];

	for (i = 0; i < ng; i++) {
		if (color[i])
			continue;
		depth = 0;
		stack[depth++] = i;
		next[i] = start[i];
		color[i] = 1;
		while (depth) {
			size_t g = stack[depth - 1], t;
			const struct incl *e;

			if (next[g] == start[g + 1]) {
				color[g] = 2;
				depth--;
				continue;
			}
			e = &f->incl[next[g]++];
			t = e->to;
			if (color[t] == 0) {
				color[t] = 1;
				next[t] = start[t];
				stack[depth++] = t;
			} else if (color[t] == 1) {
				char path[PATH_BUFSZ], gp[PATH_BUFSZ], rp[PATH_BUFSZ];
				char sb[SHOW_BUFSZ];
				char loop[LIST_MAX * (SHOW_BUFSZ + 4) + 16];
				const struct ynode *fk = f->groups[g].key;
				size_t k = depth, o = 0, shown = 0;

				zy_path_key(gp, "firewall.groups", fk->str, fk->len);
				zy_path_key(path, zy_path_idx(rp, gp, e->rule), "group", 5);
				if (t == g) {
					zy_err(f->p, e->at, path, "group \"%s\" includes itself",
					       zy_show_node(fk, sb));
					continue;
				}
				while (k > 0 && stack[k - 1] != t)
					k--;
				for (k = k - 1; k < depth && o < sizeof(loop); k++, shown++) {
					const struct ynode *n = f->groups[stack[k]].key;

					if (shown == LIST_MAX) {
						o += (size_t)snprintf(loop + o, sizeof(loop) - o,
								      " -> ...");
						break;
					}
					o += (size_t)snprintf(loop + o, sizeof(loop) - o, "%s%s",
							      shown ? " -> " : "",
							      zy_show_node(n, sb));
				}
				if (o < sizeof(loop))
					snprintf(loop + o, sizeof(loop) - o, " -> %s",
						 zy_show_node(f->groups[t].key, sb));
				zy_err(f->p, e->at, path, "groups include each other in a loop: %s",
				       loop);
			}
		}
	}
}

static void vnet_list(const struct zone_config *cfg, struct namelist *l)
{
	size_t i;

	for (i = 0; cfg && i < cfg->n_vnets; i++)
		if (cfg->vnets[i].name[0])
			nl_add(l, cfg->vnets[i].name, strlen(cfg->vnets[i].name));
}

static void parse_fw_vnet(struct fwp *f, const struct ynode *k, const struct ynode *v,
			  const char *vpath)
{
	enum { F_ENABLE, F_POLICY, F_LOG, F_RULES };
	struct field fl[] = {
		[F_ENABLE] = { .name = "enable" },
		[F_POLICY] = { .name = "policy-forward" },
		[F_LOG] = { .name = "log-forward" },
		[F_RULES] = { .name = "rules" },
	};
	const struct zone_config *cfg = f->p->cfg;
	struct fw_vnet vn = { .enable = true, .policy_forward = FW_ACCEPT };
	char kp[PATH_BUFSZ], sb[SHOW_BUFSZ];
	struct namelist l = { 0 };
	bool exists = false;
	size_t i;

	for (i = 0; cfg && i < cfg->n_vnets; i++)
		if (cfg->vnets[i].name[0] && zy_str_is(k, cfg->vnets[i].name))
			exists = true;
	if (!exists) {
		vnet_list(cfg, &l);
		if (l.n)
			zy_err(f->p, k, vpath, "vnet \"%s\" does not exist (defined vnets: %s)",
			       zy_show_node(k, sb), l.buf);
		else
			zy_err(f->p, k, vpath, "vnet \"%s\" does not exist (no vnets are defined)",
			       zy_show_node(k, sb));
	}
	if (zy_as_map(f->p, v, vpath, true) > 0) {
		zy_map_fields(f->p, v, vpath, fl, ARRAY_SIZE(fl));
#define KP(i) zy_path_key(kp, vpath, fl[i].name, strlen(fl[i].name))
		if (fl[F_ENABLE].val)
			zy_get_bool(f->p, fl[F_ENABLE].val, KP(F_ENABLE), &vn.enable);
		if (fl[F_POLICY].val)
			parse_action(f, fl[F_POLICY].val, KP(F_POLICY), &vn.policy_forward);
		if (fl[F_LOG].val)
			parse_log(f, fl[F_LOG].val, KP(F_LOG), &vn.log_forward);
		if (fl[F_RULES].val)
			parse_rules(f, fl[F_RULES].val, KP(F_RULES), RC_VNET, &vn.rules);
#undef KP
	}
	if (!exists) {
		fw_rules_done(&vn.rules);
		return;
	}
	memcpy(vn.vnet, k->str, k->len + 1);
	f->fw->vnets[f->fw->n_vnets++] = vn;
}

typedef void (*named_fn)(struct fwp *f, const struct ynode *k, const struct ynode *v,
			 const char *path);

/*
 * A mapping of named entries (firewall.vnets, attachments): room for all of them in *arr
 * (elements of elsz bytes), then fn for the first of each name.
 */
static void each_named(struct fwp *f, const struct ynode *v, const char *parent, void *arr,
		       size_t elsz, named_fn fn)
{
	_cleanup_free_ size_t *first = NULL;
	char path[PATH_BUFSZ];
	void **a = arr;
	size_t i;

	if (zy_as_map(f->p, v, parent, true) <= 0)
		return;
	first = zy_named_pairs(f->p, v, parent);
	*a = calloc(v->n / 2 + 1, elsz);
	if (!first || !*a) {
		f->p->oom = true;
		return;
	}
	for (i = 0; i < v->n / 2; i++)
		if (first[i] == i)
			fn(f, v->items[2 * i], v->items[2 * i + 1],
			   zy_path_key(path, parent, v->items[2 * i]->str, v->items[2 * i]->len));
}

static void parse_fw_vnets(struct fwp *f, const struct ynode *v)
{
	each_named(f, v, "firewall.vnets", &f->fw->vnets, sizeof(*f->fw->vnets), parse_fw_vnet);
}

/* attachments.IFNAME: {firewall: {...}}; nothing else (attachments are made through the API) */
static void parse_attachment(struct fwp *f, const struct ynode *k, const struct ynode *v,
			     const char *apath)
{
	const struct ynode *fwk = NULL, *fwv = NULL;
	char kp[PATH_BUFSZ], sb[SHOW_BUFSZ];
	struct fw_nic_conf *nc;
	bool name_ok = true, others = false;
	size_t i;

	if (!zy_ifname_valid(k->str, k->len)) {
		zy_err(f->p, k, apath, "invalid interface name \"%s\" (expected " IFNAME_RULE ")",
		       zy_show_node(k, sb));
		name_ok = false;
	}
	if (zy_as_map(f->p, v, apath, false) <= 0)
		return;
	for (i = 0; i + 1 < v->n; i += 2) {
		const struct ynode *key = v->items[i];

		if (!zy_key_ok(f->p, key, apath))
			continue;
		zy_path_key(kp, apath, key->str, key->len);
		if (!zy_str_is(key, "firewall")) {
			others = true;
			zy_err(f->p, key, kp,
			       "unknown key \"%s\" (only \"firewall\" can be set here; attachments "
			       "themselves are made through the control API: sdnctl attach)",
			       zy_show_node(key, sb));
		} else if (fwk) {
			zy_err(f->p, key, kp, "duplicate key \"firewall\" (first at line %u)",
			       fwk->line);
		} else {
			fwk = key;
			fwv = v->items[i + 1];
		}
	}
	if (!fwk) {
		/* an attachment made here was reported above */
		if (!others)
			zy_err(f->p, k, zy_path_key(kp, apath, "firewall", 8),
			       "required key is missing (the firewall of the attachment)");
		return;
	}
	nc = &f->fw->nics[f->fw->n_nics];
	parse_nic(f, fwv, zy_path_key(kp, apath, "firewall", 8), &nc->fw);
	if (!name_ok) {
		fw_nic_done(&nc->fw);
		*nc = (struct fw_nic_conf){ 0 };
		return;
	}
	memcpy(nc->ifname, k->str, k->len + 1);
	f->fw->n_nics++;
}

static void parse_attachments(struct fwp *f, const struct ynode *v)
{
	each_named(f, v, "attachments", &f->fw->nics, sizeof(*f->fw->nics), parse_attachment);
}

void zy_fw_parse(struct pctx *p, const struct ynode *fwn, const struct ynode *attachments)
{
	enum { F_IPSETS, F_ALIASES, F_GROUPS, F_VNETS, F_NICS_PER_TABLE };
	struct field fl[] = {
		[F_IPSETS] = { .name = "ipsets" },
		[F_ALIASES] = { .name = "aliases" },
		[F_GROUPS] = { .name = "groups" },
		[F_VNETS] = { .name = "vnets" },
		[F_NICS_PER_TABLE] = { .name = "nics-per-table" },
	};
	struct fwp f = { .p = p, .fw = &p->cfg->fw, .has_mac = -1, .cur_group = SIZE_MAX };
	uint32_t u;

	if (fwn && zy_as_map(p, fwn, "firewall", true) > 0)
		zy_map_fields(p, fwn, "firewall", fl, ARRAY_SIZE(fl));
	if (fl[F_NICS_PER_TABLE].val &&
	    zy_get_uint(p, fl[F_NICS_PER_TABLE].val, "firewall.nics-per-table", 1, 65535, &u))
		f.fw->nics_per_table = u;
	/* names first: aliases are used by ipsets, all three by rules */
	if (fl[F_ALIASES].val)
		parse_aliases(&f, fl[F_ALIASES].val);
	if (fl[F_IPSETS].val && !p->oom)
		parse_ipsets(&f, fl[F_IPSETS].val);
	check_alias_ipset_names(&f);
	if (fl[F_GROUPS].val && !p->oom)
		parse_groups(&f, fl[F_GROUPS].val);
	if (!p->oom)
		check_group_loops(&f);
	if (fl[F_VNETS].val && !p->oom)
		parse_fw_vnets(&f, fl[F_VNETS].val);
	if (attachments && !p->oom)
		parse_attachments(&f, attachments);
	free(f.aliases);
	free(f.ipsets);
	free(f.groups);
	free(f.incl);
}
