// SPDX-License-Identifier: GPL-2.0-or-later
/* nftables objects as values: containers, tags, and their text in nft syntax. */
#include "firewall/ruleset.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/netfilter.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sdnd/ip.h"
#include "sdnd/util.h"

static const struct {
	const char *name;
	uint8_t len;
} fields[_FWF_MAX] = {
	[FWF_IIFNAME] = { "iifname", 16 },	     [FWF_OIFNAME] = { "oifname", 16 },
	[FWF_IBRNAME] = { "meta ibrname", 16 },	     [FWF_PROTOCOL] = { "meta protocol", 2 },
	[FWF_NFPROTO] = { "meta nfproto", 1 },	     [FWF_L4PROTO] = { "meta l4proto", 1 },
	[FWF_PKTTYPE] = { "meta pkttype", 1 },	     [FWF_ETHER_SADDR] = { "ether saddr", 6 },
	[FWF_ETHER_DADDR] = { "ether daddr", 6 },    [FWF_IP_SADDR] = { "ip saddr", 4 },
	[FWF_IP_DADDR] = { "ip daddr", 4 },	     [FWF_IP6_SADDR] = { "ip6 saddr", 16 },
	[FWF_IP6_DADDR] = { "ip6 daddr", 16 },	     [FWF_ARP_SHA] = { "arp saddr ether", 6 },
	[FWF_ARP_SPA] = { "arp saddr ip", 4 },	     [FWF_SPORT] = { "th sport", 2 },
	[FWF_DPORT] = { "th dport", 2 },	     [FWF_ICMP_TYPE] = { "@th,0,8", 1 },
	[FWF_CT_STATE] = { "ct state", 4 },
};

static const char *const cmps[_FWC_MAX] = {
	[FWC_EQ] = "eq",     [FWC_NEQ] = "neq", [FWC_RANGE] = "range", [FWC_SET] = "set",
	[FWC_NSET] = "nset", [FWC_ANY] = "any", [FWC_VMAP] = "vmap",
};

static const char *const verdicts[_FWV_MAX] = {
	[FWV_NONE] = "",
	[FWV_ACCEPT] = "accept",
	[FWV_DROP] = "drop",
	[FWV_RETURN] = "return",
	[FWV_JUMP] = "jump",
	[FWV_REJECT_TCP] = "reject with tcp reset",
	[FWV_REJECT_PORT] = "reject with icmpx port-unreachable",
	[FWV_REJECT_ADMIN] = "reject with icmpx admin-prohibited",
	[FWV_MASQUERADE] = "masquerade",
};

size_t fw_field_len(enum fw_field f)
{
	return f < _FWF_MAX ? fields[f].len : 0;
}

const char *fw_field_to_string(enum fw_field f)
{
	return f < _FWF_MAX ? fields[f].name : NULL;
}

const char *fw_cmp_to_string(enum fw_cmp c)
{
	return c < _FWC_MAX ? cmps[c] : NULL;
}

const char *fw_verdict_to_string(enum fw_verdict v)
{
	return v < _FWV_MAX ? verdicts[v] : NULL;
}

/* ---- containers --------------------------------------------------------------------------- */

void fw_ruleset_init(struct fw_ruleset *rs)
{
	size_t i;

	*rs = (struct fw_ruleset){ 0 };
	for (i = 0; i < _FW_T_MAX; i++) {
		struct fw_table *t = &rs->t[i];

		t->family = fw_table_family((int)i);
		snprintf(t->name, sizeof(t->name), "%s", fw_table_name((int)i));
	}
}

int fw_table_family(int ti)
{
	return ti == FW_T_INET ? NFPROTO_INET : NFPROTO_BRIDGE;
}

const char *fw_table_name(int ti)
{
	static const char *const names[_FW_T_MAX] = {
		FW_TABLE, FW_TABLE, FW_TABLE "-1", FW_TABLE "-2", FW_TABLE "-3", FW_TABLE "-4",
		FW_TABLE "-5", FW_TABLE "-6", FW_TABLE "-7", FW_TABLE "-8", FW_TABLE "-9",
		FW_TABLE "-10", FW_TABLE "-11", FW_TABLE "-12", FW_TABLE "-13", FW_TABLE "-14",
		FW_TABLE "-15",
	};

	return ti >= 0 && ti < _FW_T_MAX ? names[ti] : NULL;
}

int fw_table_index(int family, const char *name)
{
	size_t len = strlen(FW_TABLE);
	char *end;
	long k;

	if (strncmp(name, FW_TABLE, len))
		return -1;
	if (!name[len])
		return family == NFPROTO_INET ? FW_T_INET : family == NFPROTO_BRIDGE ? FW_T_BRIDGE : -1;
	if (family != NFPROTO_BRIDGE || name[len] != '-' || name[len + 1] < '1' ||
	    name[len + 1] > '9')
		return -1;
	k = strtol(name + len + 1, &end, 10);
	if (*end || k < 1 || k >= FW_BRIDGE_TABLES_MAX)
		return -1;
	return fw_bridge_table((unsigned)k);
}

static void table_done(struct fw_table *t)
{
	size_t i;

	for (i = 0; i < t->n_chains; i++)
		free(t->chains[i].r);
	for (i = 0; i < t->n_sets; i++)
		fw_set_drop_elems(&t->sets[i]);
	free(t->chains);
	free(t->sets);
}

void fw_ruleset_done(struct fw_ruleset *rs)
{
	size_t i;

	if (!rs)
		return;
	for (i = 0; i < _FW_T_MAX; i++)
		table_done(&rs->t[i]);
	fw_ruleset_init(rs);
}

/* Chains and sets begin with their names: one comparison sorts both, and finds a name in them. */
_Static_assert(offsetof(struct fw_chain, name) == 0 && offsetof(struct fw_set, name) == 0,
	       "chains and sets begin with their names");

static int name_cmp(const void *a, const void *b)
{
	/* names are kept to FW_OBJNAME_MAX - 1 bytes: a longer one is looked up as kept */
	return strncmp(a, b, FW_OBJNAME_MAX - 1);
}

int fw_elem_cmp(const struct fw_set *s, const struct fw_elem *a, const struct fw_elem *b)
{
	return memcmp(a->key, b->key, s->keylen);
}

static __thread const struct fw_set *sort_set;

static int elem_qcmp(const void *a, const void *b)
{
	return fw_elem_cmp(sort_set, a, b);
}

void fw_set_sort(struct fw_set *s)
{
	size_t i;

	/* the compiler mostly adds elements in order (ipsets come sorted): check first */
	for (i = 1; i < s->n && fw_elem_cmp(s, &s->e[i - 1], &s->e[i]) <= 0; i++)
		;
	if (i >= s->n)
		return;
	sort_set = s;
	qsort(s->e, s->n, sizeof(*s->e), elem_qcmp);
}

void fw_table_sort(struct fw_table *t)
{
	size_t j;

	if (t->n_chains > 1)
		qsort(t->chains, t->n_chains, sizeof(*t->chains), name_cmp);
	if (t->n_sets > 1)
		qsort(t->sets, t->n_sets, sizeof(*t->sets), name_cmp);
	for (j = 0; j < t->n_sets; j++)
		fw_set_sort(&t->sets[j]);
}

void fw_ruleset_sort(struct fw_ruleset *rs)
{
	size_t i;

	for (i = 0; i < _FW_T_MAX; i++)
		fw_table_sort(&rs->t[i]);
}

struct fw_chain *fw_table_chain(const struct fw_table *t, const char *name)
{
	return t->n_chains ? bsearch(name, t->chains, t->n_chains, sizeof(*t->chains), name_cmp)
			   : NULL;
}

struct fw_set *fw_table_set(const struct fw_table *t, const char *name)
{
	return t->n_sets ? bsearch(name, t->sets, t->n_sets, sizeof(*t->sets), name_cmp) : NULL;
}

struct fw_chain *fw_table_add_chain(struct fw_table *t, const char *name)
{
	struct fw_chain *c;

	if (sdnd_grow(&t->chains, &t->cap_chains, t->n_chains + 1, sizeof(*t->chains)) < 0)
		return NULL;
	c = &t->chains[t->n_chains++];
	*c = (struct fw_chain){ 0 };
	snprintf(c->name, sizeof(c->name), "%s", name);
	return c;
}

struct fw_set *fw_table_add_set(struct fw_table *t, const char *name, uint32_t keytype,
				uint32_t keylen, bool interval, bool map)
{
	struct fw_set *s;

	if (sdnd_grow(&t->sets, &t->cap_sets, t->n_sets + 1, sizeof(*t->sets)) < 0)
		return NULL;
	s = &t->sets[t->n_sets++];
	*s = (struct fw_set){ .keytype = keytype, .keylen = keylen, .interval = interval,
			      .map = map };
	snprintf(s->name, sizeof(s->name), "%s", name);
	return s;
}

struct fw_nrule *fw_chain_add_rule(struct fw_chain *c)
{
	struct fw_nrule *r;

	if (sdnd_grow(&c->r, &c->cap, c->n + 1, sizeof(*c->r)) < 0)
		return NULL;
	r = &c->r[c->n++];
	r->n_m = 0;
	r->verdict = FWV_NONE;
	r->log_level = -1;
	r->log_prefix[0] = r->target[0] = r->comment[0] = 0;
	r->tag = 0;
	return r;
}

void fw_set_drop_elems(struct fw_set *s)
{
	if (!s->refs || !--*s->refs) {
		free(s->e);
		free(s->refs);
	}
	s->e = NULL;
	s->refs = NULL;
	s->n = s->cap = 0;
}

int fw_set_share(struct fw_set *dst, struct fw_set *src)
{
	if (dst == src)
		return 0;
	if (!src->refs) {
		src->refs = malloc(sizeof(*src->refs));
		if (!src->refs)
			return -ENOMEM;
		*src->refs = 1;
	}
	fw_set_drop_elems(dst);
	dst->e = src->e;
	dst->n = src->n;
	dst->refs = src->refs;
	++*dst->refs;
	return 0;
}

/* Make s's elements its own, to change them. */
static int set_own(struct fw_set *s)
{
	struct fw_elem *e;

	if (!s->refs)
		return 0;
	e = malloc((s->n + 1) * sizeof(*e));
	if (!e)
		return -ENOMEM;
	memcpy(e, s->e, s->n * sizeof(*e));
	if (!--*s->refs)
		free(s->refs), free(s->e);
	s->refs = NULL;
	s->e = e;
	s->cap = s->n + 1;
	return 0;
}

struct fw_elem *fw_set_add_elem(struct fw_set *s)
{
	if (set_own(s) < 0)
		return NULL;
	if (sdnd_grow(&s->e, &s->cap, s->n + 1, sizeof(*s->e)) < 0)
		return NULL;
	return memset(&s->e[s->n++], 0, sizeof(*s->e));
}

bool fw_nrule_match(struct fw_nrule *r, enum fw_field f, enum fw_cmp c, const void *lo,
		    const void *hi, const char *set)
{
	struct fw_match *m;
	size_t len = fw_field_len(f);

	if (r->n_m >= FW_MATCHES_MAX)
		return false;
	m = &r->m[r->n_m++];
	memset(m, 0, sizeof(*m));
	m->field = f;
	m->cmp = c;
	if (lo)
		memcpy(m->lo, lo, len);
	if (hi)
		memcpy(m->hi, hi, len);
	if (set)
		snprintf(m->set, sizeof(m->set), "%s", set);
	return true;
}

/* ---- tags --------------------------------------------------------------------------------- */

void fw_nrule_seal(struct fw_nrule *r, const char *chain, int family)
{
	uint64_t h = SDND_FNV64_INIT;
	uint8_t hdr[4] = { (uint8_t)family, r->n_m, r->verdict, (uint8_t)r->log_level };
	size_t i;

	h = sdnd_fnv64(h, chain, strlen(chain) + 1);
	h = sdnd_fnv64(h, hdr, sizeof(hdr));
	for (i = 0; i < r->n_m; i++) {
		const struct fw_match *m = &r->m[i];
		size_t len = fw_field_len(m->field);

		h = sdnd_fnv64(h, &m->field, 2);
		h = sdnd_fnv64(h, m->lo, len);
		if (m->cmp == FWC_RANGE)
			h = sdnd_fnv64(h, m->hi, len);
		if (m->set[0])
			h = sdnd_fnv64(h, m->set, strlen(m->set) + 1);
	}
	h = sdnd_fnv64(h, r->target, strlen(r->target) + 1);
	h = sdnd_fnv64(h, r->log_prefix, strlen(r->log_prefix) + 1);
	h = sdnd_fnv64(h, r->comment, strlen(r->comment) + 1);
	r->tag = h ? h : 1;
}

const char *fw_nrule_comment(const struct fw_nrule *r, char *buf, size_t size)
{
	if (r->comment[0])
		snprintf(buf, size, "sdnd:%016" PRIx64 " %s", r->tag, r->comment);
	else
		snprintf(buf, size, "sdnd:%016" PRIx64, r->tag);
	return buf;
}

bool fw_comment_tag(const char *comment, uint64_t *ret_tag)
{
	char *end;
	uint64_t v;

	if (!comment || strncmp(comment, "sdnd:", 5) != 0)
		return false;
	errno = 0;
	v = strtoull(comment + 5, &end, 16);
	if (errno || end != comment + 5 + 16 || (*end && *end != ' '))
		return false;
	*ret_tag = v;
	return true;
}

/* ---- text --------------------------------------------------------------------------------- */

struct sbuf {
	char *p;
	size_t size, len;
};

static __attribute__((format(printf, 2, 3))) void sb_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->len >= b->size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->size - b->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->len += (size_t)n;
}

static const char *const pkttypes[] = { "host", "broadcast", "multicast", "other" };

/* One value of field f in nft syntax. */
static void value_text(struct sbuf *b, enum fw_field f, const uint8_t *v)
{
	char ip[SDND_IP_STRLEN];
	struct sdnd_ip a = { 0 };
	uint16_t u16;

	switch (f) {
	case FWF_IIFNAME:
	case FWF_OIFNAME:
	case FWF_IBRNAME:
		sb_add(b, "\"%.16s\"", (const char *)v);
		break;
	case FWF_PROTOCOL:
		memcpy(&u16, v, 2);
		u16 = ntohs(u16);
		if (u16 == 0x0800)
			sb_add(b, "ip");
		else if (u16 == 0x86dd)
			sb_add(b, "ip6");
		else if (u16 == 0x0806)
			sb_add(b, "arp");
		else
			sb_add(b, "0x%04x", u16);
		break;
	case FWF_NFPROTO:
		sb_add(b, "%s", v[0] == NFPROTO_IPV4 ? "ipv4" : "ipv6");
		break;
	case FWF_PKTTYPE:
		if (v[0] < ARRAY_SIZE(pkttypes))
			sb_add(b, "%s", pkttypes[v[0]]);
		else
			sb_add(b, "%u", v[0]);
		break;
	case FWF_L4PROTO:
	case FWF_ICMP_TYPE:
		sb_add(b, "%u", v[0]);
		break;
	case FWF_ETHER_SADDR:
	case FWF_ETHER_DADDR:
	case FWF_ARP_SHA:
		sb_add(b, "%s", sdnd_mac_str(v, ip));
		break;
	case FWF_IP_SADDR:
	case FWF_IP_DADDR:
	case FWF_ARP_SPA:
		a.family = AF_INET;
		memcpy(a.addr, v, 4);
		sb_add(b, "%s", sdnd_ip_str(&a, ip));
		break;
	case FWF_IP6_SADDR:
	case FWF_IP6_DADDR:
		a.family = AF_INET6;
		memcpy(a.addr, v, 16);
		sb_add(b, "%s", sdnd_ip_str(&a, ip));
		break;
	case FWF_SPORT:
	case FWF_DPORT:
		memcpy(&u16, v, 2);
		sb_add(b, "%u", ntohs(u16));
		break;
	case FWF_CT_STATE: {
		static const char *const st[] = { "invalid", "established", "related", "new" };
		uint32_t m;
		bool first = true;
		size_t i;

		memcpy(&m, v, 4);
		for (i = 0; i < ARRAY_SIZE(st); i++)
			if (m & (1u << i)) {
				sb_add(b, "%s%s", first ? "" : ",", st[i]);
				first = false;
			}
		break;
	}
	default:
		sb_add(b, "?");
	}
}

static const char *const loglevels[] = { "emerg", "alert", "crit", "err",
					 "warn",  "notice", "info", "debug" };

static void rule_text(struct sbuf *b, const struct fw_nrule *r)
{
	size_t i;

	for (i = 0; i < r->n_m; i++) {
		const struct fw_match *m = &r->m[i];

		sb_add(b, "%s%s ", i ? " " : "", fw_field_to_string(m->field));
		switch (m->cmp) {
		case FWC_EQ:
		case FWC_ANY:
			value_text(b, m->field, m->lo);
			break;
		case FWC_NEQ:
			sb_add(b, "!= ");
			value_text(b, m->field, m->lo);
			break;
		case FWC_RANGE:
			value_text(b, m->field, m->lo);
			sb_add(b, "-");
			value_text(b, m->field, m->hi);
			break;
		case FWC_SET:
			sb_add(b, "@%s", m->set);
			break;
		case FWC_NSET:
			sb_add(b, "!= @%s", m->set);
			break;
		case FWC_VMAP:
			sb_add(b, "vmap @%s", m->set);
			break;
		}
	}
	if (r->log_level >= 0)
		sb_add(b, "%slog prefix \"%s\" level %s", r->n_m ? " " : "", r->log_prefix,
		       loglevels[r->log_level & 7]);
	if (r->verdict != FWV_NONE)
		sb_add(b, "%s%s", r->n_m || r->log_level >= 0 ? " " : "", verdicts[r->verdict]);
	if (r->verdict == FWV_JUMP)
		sb_add(b, " %s", r->target);
}

const char *fw_nrule_text(const struct fw_nrule *r, int family, char *buf, size_t size)
{
	struct sbuf b = { buf, size, 0 };

	buf[0] = 0;
	rule_text(&b, r);
	return buf;
}

static const char *const hooks[] = { "prerouting", "input", "forward", "output", "postrouting" };

static void elem_text(struct sbuf *b, const struct fw_set *s, const struct fw_elem *e)
{
	enum fw_field f;

	switch (s->keytype) {
	case FWK_IPV4:
		f = FWF_IP_SADDR;
		break;
	case FWK_IPV6:
		f = FWF_IP6_SADDR;
		break;
	case FWK_ETHER:
		f = FWF_ETHER_SADDR;
		break;
	default:
		f = FWF_IIFNAME;
	}
	value_text(b, f, e->key);
	if (s->interval && memcmp(e->key, e->key_hi, s->keylen)) {
		sb_add(b, "-");
		value_text(b, f, e->key_hi);
	}
	if (s->map)
		sb_add(b, " : jump %s", e->chain);
}

int fw_ruleset_print(const struct fw_ruleset *rs, FILE *out)
{
	static const char *const keytypes[] = { [FWK_IPV4] = "ipv4_addr",
						[FWK_IPV6] = "ipv6_addr",
						[FWK_ETHER] = "ether_addr",
						[FWK_IFNAME] = "ifname" };
	size_t size = 8192, ti, i, j;
	_cleanup_free_ char *buf = malloc(size);
	char cbuf[160];

	if (!buf)
		return -ENOMEM;
	for (ti = 0; ti < _FW_T_MAX; ti++) {
		const struct fw_table *t = &rs->t[ti];

		if (!t->present)
			continue;
		fprintf(out, "table %s %s {\n", t->family == NFPROTO_BRIDGE ? "bridge" : "inet",
			t->name);
		for (i = 0; i < t->n_sets; i++) {
			const struct fw_set *s = &t->sets[i];

			fprintf(out, "\t%s %s {\n\t\ttype %s%s;\n", s->map ? "map" : "set", s->name,
				keytypes[s->keytype], s->map ? " : verdict" : "");
			if (s->interval)
				fprintf(out, "\t\tflags interval;\n");
			for (j = 0; j < s->n; j++) {
				struct sbuf b = { buf, size, 0 };

				elem_text(&b, s, &s->e[j]);
				fprintf(out, "%s%s%s", j ? ", " : "\t\telements = { ", buf,
					j + 1 == s->n ? " }\n" : "");
			}
			fprintf(out, "\t}\n");
		}
		for (i = 0; i < t->n_chains; i++) {
			const struct fw_chain *c = &t->chains[i];

			fprintf(out, "\tchain %s {\n", c->name);
			if (c->base)
				fprintf(out, "\t\ttype %s hook %s priority %d; policy accept;\n",
					c->nat ? "nat" : "filter", hooks[c->hook % 5], c->prio);
			for (j = 0; j < c->n; j++) {
				struct sbuf b = { buf, size, 0 };

				rule_text(&b, &c->r[j]);
				fprintf(out, "\t\t%s comment \"%s\"\n", buf,
					fw_nrule_comment(&c->r[j], cbuf, sizeof(cbuf)));
			}
			fprintf(out, "\t}\n");
		}
		fprintf(out, "}\n");
	}
	return ferror(out) ? -EIO : 0;
}
