// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The firewall model -> nftables objects.
 *
 * bridge sdnd (guest and vnet traffic, ARP included):
 *   prerouting  [ct established,related accept; ct invalid drop]
 *               iifname vmap @nic-out        guest -> out-IF (anti-spoofing, out rules, policy)
 *               meta ibrname vmap @vnet-fwd  vnet  -> vnet-V (forward rules, policy)
 *               ether daddr vmap @nic-in-mac unicast to a guest -> in-IF (in rules, policy)
 *   forward     [ct ...] broadcast/multicast: oifname vmap @nic-in-port -> inb-IF; unicast:
 *               oifname vmap @nic-in-uni -> inu-IF (to another MAC than the guest's: inb-IF),
 *               or inb-IF for a guest whose MAC sdnd does not know
 *   output      [ct ...] from the host: oifname vmap @nic-in-port -> inb-IF
 * Netfilter allows REJECT in the bridge family only in prerouting and input, which is why the in
 * rules of a guest are evaluated in prerouting, keyed by its MAC; inb-IF is the same chain for
 * the paths where REJECT cannot be (it drops instead), made only when the in rules reject: where
 * they do not, those paths use in-IF itself. In every chain "accept" means "this stage
 * lets it through": it returns to the base chain, which goes on to the next stage.
 *
 * inet sdnd (routed traffic): postrouting nat: masquerade of subnets with snat.
 */
#include "firewall/compile.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter_bridge.h>
#include <stdarg.h>
#include <string.h>

#include "sdnd/util.h"

#define FW_RULE_EXPANSION_MAX 4096 /* nft rules one configured rule may become */
#define GROUP_DEPTH_MAX 16

#define PKT_HOST 0
#define PKT_OTHERHOST 3
#define CT_INVALID 1u
#define CT_ESTABLISHED 2u
#define CT_RELATED 4u

/* The verdict maps, defined first in every compile: their index in the (unsorted) table. */
enum { MAP_NIC_OUT, MAP_NIC_IN_MAC, MAP_NIC_IN_PORT, MAP_NIC_IN_UNI, MAP_VNET_FWD, _MAP_MAX };

static const struct {
	const char *name;
	uint32_t type, len;
} maps[_MAP_MAX] = {
	[MAP_NIC_OUT] = { "nic-out", FWK_IFNAME, 16 },
	[MAP_NIC_IN_MAC] = { "nic-in-mac", FWK_ETHER, 6 },
	[MAP_NIC_IN_PORT] = { "nic-in-port", FWK_IFNAME, 16 },
	[MAP_NIC_IN_UNI] = { "nic-in-uni", FWK_IFNAME, 16 },
	[MAP_VNET_FWD] = { "vnet-fwd", FWK_IFNAME, 16 },
};

/* The chains and sets of a NIC's part: prefix + ifname. */
static const char *const nic_chain_prefixes[] = { "out-", "in-", "inb-", "inu-" };
static const char *const nic_set_prefixes[] = { "ipf4-", "ipf6-" };

struct cctx {
	const struct fw_input *in;
	struct fw_table *bt, *it;
	char *err;
	size_t err_size;
	int r;
};

static __attribute__((format(printf, 3, 4))) int fail(struct cctx *x, int r, const char *fmt, ...)
{
	va_list ap;

	if (x->r)
		return x->r;
	va_start(ap, fmt);
	vsnprintf(x->err, x->err_size, fmt, ap);
	va_end(ap);
	x->r = r;
	return r;
}

static int oom(struct cctx *x)
{
	return fail(x, -ENOMEM, "out of memory");
}

static void ifname_key(uint8_t key[16], const char *name)
{
	memset(key, 0, 16);
	memcpy(key, name, strnlen(name, 15));
}

static struct fw_nrule *add_rule(struct cctx *x, struct fw_chain *c)
{
	struct fw_nrule *r = fw_chain_add_rule(c);

	if (!r)
		oom(x);
	return r;
}

static void seal(struct cctx *x, struct fw_chain *c, struct fw_nrule *r, int family)
{
	fw_nrule_seal(r, c->name, family);
}

static void m_u8(struct fw_nrule *r, enum fw_field f, enum fw_cmp c, uint8_t v)
{
	fw_nrule_match(r, f, c, &v, NULL, NULL);
}

static void m_u16(struct fw_nrule *r, enum fw_field f, enum fw_cmp c, uint16_t v)
{
	uint16_t be = htons(v);

	fw_nrule_match(r, f, c, &be, NULL, NULL);
}

static void m_ct(struct fw_nrule *r, uint32_t mask)
{
	fw_nrule_match(r, FWF_CT_STATE, FWC_ANY, &mask, NULL, NULL);
}

static void m_vmap(struct fw_nrule *r, enum fw_field f, const char *map)
{
	fw_nrule_match(r, f, FWC_VMAP, NULL, NULL, map);
}

/* A rule in chain c of table t: matches added by the caller; the verdict given here. */
static struct fw_nrule *rule(struct cctx *x, struct fw_chain *c, enum fw_verdict v)
{
	struct fw_nrule *r = add_rule(x, c);

	if (r)
		r->verdict = v;
	return r;
}

static struct fw_chain *base_chain(struct cctx *x, struct fw_table *t, const char *name,
				   uint32_t hook, int32_t prio, bool nat)
{
	struct fw_chain *c = fw_table_add_chain(t, name);

	if (!c) {
		oom(x);
		return NULL;
	}
	c->base = true;
	c->hook = hook;
	c->prio = prio;
	c->nat = nat;
	return c;
}

static struct fw_chain *chain(struct cctx *x, struct fw_table *t, const char *prefix,
			       const char *a)
{
	char name[FW_OBJNAME_MAX];
	struct fw_chain *c;

	snprintf(name, sizeof(name), "%s%s", prefix, a);
	c = fw_table_add_chain(t, name);
	if (!c)
		oom(x);
	return c;
}

static void ct_rules(struct cctx *x, struct fw_chain *c, bool invalid)
{
	struct fw_nrule *r;

	if (!x->in->ct)
		return;
	r = rule(x, c, FWV_ACCEPT);
	if (!r)
		return;
	m_ct(r, CT_ESTABLISHED | CT_RELATED);
	seal(x, c, r, NFPROTO_BRIDGE);
	if (!invalid)
		return;
	/* only IP has connection tracking: everything else would look invalid */
	for (int i = 0; i < 2; i++) {
		r = rule(x, c, FWV_DROP);
		if (!r)
			return;
		m_u16(r, FWF_PROTOCOL, FWC_EQ, i ? 0x86dd : 0x0800);
		m_ct(r, CT_INVALID);
		seal(x, c, r, NFPROTO_BRIDGE);
	}
}

/* The same in inet sdnd, where connection tracking always works. */
static void inet_ct_rules(struct cctx *x, struct fw_chain *c)
{
	struct fw_nrule *r = rule(x, c, FWV_ACCEPT);

	if (!r)
		return;
	m_ct(r, CT_ESTABLISHED | CT_RELATED);
	seal(x, c, r, NFPROTO_INET);
	r = rule(x, c, FWV_DROP);
	if (!r)
		return;
	m_ct(r, CT_INVALID);
	seal(x, c, r, NFPROTO_INET);
}

/* ---- configured rules -> nft rules ------------------------------------------------------- */

/* Where a configured rule lands. */
struct stage {
	struct fw_chain *c;
	int family;                  /* of the table */
	enum fw_dir dir;             /* the rules it takes */
	const char *ifname;          /* NIC stages: the NIC (iface filters group rules) */
	bool vnet;                   /* vnet stage: iface matches the input port */
	bool routed;                 /* vnet stage of routed traffic: no ports to match */
	bool can_reject;
};

/* One address alternative of a source or destination. */
struct addr_alt {
	enum fw_cmp cmp;             /* FWC_EQ, FWC_RANGE, FWC_SET; or _FWC_MAX for any */
	const uint8_t *lo, *hi;
	char set[FW_OBJNAME_MAX];
};

/* The alternatives of a for family (AF_INET/AF_INET6); 0 when a restricts to other families. */
static size_t addr_alts(const struct fw_addr *a, int family, struct addr_alt **ret)
{
	struct addr_alt *v;
	size_t i, n = 0;

	if (a->ipset[0]) {
		v = calloc(1, sizeof(*v));
		if (!v)
			return SIZE_MAX;
		v->cmp = FWC_SET;
		snprintf(v->set, sizeof(v->set), "ipset-%s-%s", a->ipset,
			 family == AF_INET ? "v4" : "v6");
		*ret = v;
		return 1;
	}
	if (!a->n) {
		v = calloc(1, sizeof(*v));
		if (!v)
			return SIZE_MAX;
		v->cmp = _FWC_MAX;
		*ret = v;
		return 1;
	}
	v = calloc(a->n, sizeof(*v));
	if (!v)
		return SIZE_MAX;
	for (i = 0; i < a->n; i++) {
		const struct fw_iprange *r = &a->r[i];

		if (r->lo.family != family)
			continue;
		v[n].cmp = sdnd_ip_eq(&r->lo, &r->hi) ? FWC_EQ : FWC_RANGE;
		v[n].lo = r->lo.addr;
		v[n].hi = r->hi.addr;
		n++;
	}
	*ret = v;
	return n;
}

static bool addr_has_family(const struct fw_addr *a, int family)
{
	size_t i;

	if (a->ipset[0] || !a->n)
		return true;
	for (i = 0; i < a->n; i++)
		if (a->r[i].lo.family == family)
			return true;
	return false;
}

static void m_addr(struct fw_nrule *r, enum fw_field f, const struct addr_alt *a)
{
	if (a->cmp == _FWC_MAX)
		return;
	fw_nrule_match(r, f, a->cmp, a->lo, a->hi, a->cmp == FWC_SET ? a->set : NULL);
}

static void m_port(struct fw_nrule *r, enum fw_field f, const struct fw_portrange *p)
{
	uint16_t lo, hi;

	if (!p)
		return;
	lo = htons(p->lo);
	hi = htons(p->hi);
	fw_nrule_match(r, f, p->lo == p->hi ? FWC_EQ : FWC_RANGE, &lo, &hi, NULL);
}

/* What one protocol alternative of a rule asks (from the rule or one macro entry). */
struct proto_alt {
	int proto;
	const struct fw_portrange *sport, *dport;
	size_t n_sport, n_dport;
	int icmp_type;
};

static const char *const action_names[] = { "accept", "drop", "reject" };

/* Emit the nft rules of one (family, source, dest, ports) combination. */
static void emit_one(struct cctx *x, const struct stage *s, const struct fw_rule *ru,
		     const struct proto_alt *pa, int family, const struct addr_alt *src,
		     const struct addr_alt *dst, const struct fw_portrange *sp,
		     const struct fw_portrange *dp)
{
	bool ip6 = family == AF_INET6;
	int variants[3], nv = 0, i;

	if (ru->action == FW_ACCEPT) {
		variants[nv++] = FWV_RETURN;
	} else if (ru->action == FW_DROP || !s->can_reject) {
		variants[nv++] = FWV_DROP;
	} else if (pa->proto == IPPROTO_TCP) {
		variants[nv++] = FWV_REJECT_TCP;
	} else if (pa->proto == IPPROTO_UDP) {
		variants[nv++] = FWV_REJECT_PORT;
	} else if (pa->proto < 0) {
		variants[nv++] = FWV_REJECT_TCP;
		variants[nv++] = FWV_REJECT_PORT;
		variants[nv++] = FWV_REJECT_ADMIN;
	} else {
		variants[nv++] = FWV_REJECT_ADMIN;
	}

	for (i = 0; i < nv; i++) {
		struct fw_nrule *r = rule(x, s->c, (enum fw_verdict)variants[i]);

		if (!r)
			return;
		if (family && s->family == NFPROTO_BRIDGE)
			m_u16(r, FWF_PROTOCOL, FWC_EQ, ip6 ? 0x86dd : 0x0800);
		else if (family)
			m_u8(r, FWF_NFPROTO, FWC_EQ, ip6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
		if (pa->proto >= 0)
			m_u8(r, FWF_L4PROTO, FWC_EQ, (uint8_t)pa->proto);
		else if (nv > 1 && variants[i] != FWV_REJECT_ADMIN)
			m_u8(r, FWF_L4PROTO, FWC_EQ,
			     variants[i] == FWV_REJECT_TCP ? IPPROTO_TCP : IPPROTO_UDP);
		if (s->vnet && ru->iface[0]) {
			uint8_t k[16];

			ifname_key(k, ru->iface);
			fw_nrule_match(r, FWF_IIFNAME, FWC_EQ, k, NULL, NULL);
		}
		if (src)
			m_addr(r, ip6 ? FWF_IP6_SADDR : FWF_IP_SADDR, src);
		if (dst)
			m_addr(r, ip6 ? FWF_IP6_DADDR : FWF_IP_DADDR, dst);
		m_port(r, FWF_SPORT, sp);
		m_port(r, FWF_DPORT, dp);
		if (pa->icmp_type >= 0)
			m_u8(r, FWF_ICMP_TYPE, FWC_EQ, (uint8_t)pa->icmp_type);
		if (ru->log != FW_LOG_NOLOG) {
			r->log_level = (int8_t)(ru->log - FW_LOG_EMERG);
			snprintf(r->log_prefix, sizeof(r->log_prefix), "sdnd %.24s %s: ", s->c->name,
				 action_names[ru->action]);
		}
		snprintf(r->comment, sizeof(r->comment), "%.95s", ru->comment);
		seal(x, s->c, r, s->family);
	}
}

static void emit_proto(struct cctx *x, const struct stage *s, const struct fw_rule *ru,
		       const struct proto_alt *pa, size_t *budget)
{
	static const int fams[] = { AF_INET, AF_INET6 };
	bool any_addr = !ru->source.ipset[0] && !ru->source.n && !ru->dest.ipset[0] &&
			!ru->dest.n;
	size_t fi, a, b, c, d;

	for (fi = 0; fi < ARRAY_SIZE(fams); fi++) {
		int family = fams[fi];
		_cleanup_free_ struct addr_alt *src = NULL, *dst = NULL;
		size_t ns, nd, nsp = pa->n_sport ? pa->n_sport : 1;
		size_t ndp = pa->n_dport ? pa->n_dport : 1;

		if (pa->proto == IPPROTO_ICMP && family != AF_INET)
			continue;
		if (pa->proto == IPPROTO_ICMPV6 && family != AF_INET6)
			continue;
		if (any_addr && pa->proto != IPPROTO_ICMP && pa->proto != IPPROTO_ICMPV6) {
			/* one rule for every family (and for non-IP when no protocol is given) */
			if (fi)
				break;
			family = 0;
		} else if (!addr_has_family(&ru->source, family) ||
			   !addr_has_family(&ru->dest, family)) {
			continue;
		}
		ns = addr_alts(&ru->source, family ? family : AF_INET, &src);
		nd = addr_alts(&ru->dest, family ? family : AF_INET, &dst);
		if (ns == SIZE_MAX || nd == SIZE_MAX) {
			oom(x);
			return;
		}
		if (ns * nd * nsp * ndp > *budget) {
			fail(x, -E2BIG,
			     "%s: the rule at line %u expands to more than %u nftables rules (list "
			     "fewer addresses or ports, or use an ipset)",
			     s->c->name, ru->line, FW_RULE_EXPANSION_MAX);
			return;
		}
		*budget -= ns * nd * nsp * ndp;
		for (a = 0; a < ns; a++)
			for (b = 0; b < nd; b++)
				for (c = 0; c < nsp; c++)
					for (d = 0; d < ndp; d++)
						emit_one(x, s, ru, pa, family,
							 family ? &src[a] : NULL,
							 family ? &dst[b] : NULL,
							 pa->n_sport ? &pa->sport[c] : NULL,
							 pa->n_dport ? &pa->dport[d] : NULL);
	}
}

static void emit_rules(struct cctx *x, const struct stage *s, const struct fw_rules *rules,
		       unsigned int depth);

static void emit_rule(struct cctx *x, const struct stage *s, const struct fw_rule *ru,
		      unsigned int depth)
{
	size_t budget = FW_RULE_EXPANSION_MAX, i;

	if (!ru->enable || x->r)
		return;
	if (!s->vnet && ru->iface[0] && strcmp(ru->iface, s->ifname) != 0)
		return;
	if (s->routed && ru->iface[0])
		return;
	if (ru->group[0]) {
		const struct fw_group *g = fw_config_group(x->in->cfg, ru->group);

		if (!g) {
			fail(x, -ENOENT, "%s: security group \"%s\" does not exist", s->c->name,
			     ru->group);
			return;
		}
		if (depth >= GROUP_DEPTH_MAX) {
			fail(x, -ELOOP, "%s: security group \"%s\" includes groups too deeply",
			     s->c->name, ru->group);
			return;
		}
		emit_rules(x, s, &g->rules, depth + 1);
		return;
	}
	if (ru->dir != s->dir)
		return;
	if (ru->macro[0]) {
		const struct fw_macro *m = fw_macro_find(ru->macro);

		if (!m) {
			fail(x, -ENOENT, "%s: unknown macro \"%s\"", s->c->name, ru->macro);
			return;
		}
		for (i = 0; i < m->n && !x->r; i++) {
			const struct fw_macro_entry *e = &m->e[i];
			struct proto_alt pa = {
				.proto = e->proto,
				.sport = e->sport.lo ? &e->sport : NULL,
				.n_sport = e->sport.lo ? 1 : 0,
				.dport = e->dport.lo ? &e->dport : NULL,
				.n_dport = e->dport.lo ? 1 : 0,
				.icmp_type = e->icmp_type,
			};

			emit_proto(x, s, ru, &pa, &budget);
		}
		return;
	}
	struct proto_alt pa = {
		.proto = ru->proto,
		.sport = ru->sport,
		.n_sport = ru->n_sport,
		.dport = ru->dport,
		.n_dport = ru->n_dport,
		.icmp_type = ru->icmp_type,
	};

	emit_proto(x, s, ru, &pa, &budget);
}

static void emit_rules(struct cctx *x, const struct stage *s, const struct fw_rules *rules,
		       unsigned int depth)
{
	size_t i;

	for (i = 0; i < rules->n && !x->r; i++)
		emit_rule(x, s, &rules->v[i], depth);
}

/* The policy at the end of a stage: accept falls through (back to the base chain). */
static void policy(struct cctx *x, const struct stage *s, enum fw_action a, enum fw_log log)
{
	struct fw_rule ru = { .enable = true, .action = a, .dir = s->dir, .proto = -1,
			      .icmp_type = -1, .log = log };
	struct fw_nrule *r;

	if (a == FW_ACCEPT) {
		if (log == FW_LOG_NOLOG)
			return;
		r = rule(x, s->c, FWV_NONE);
		if (!r)
			return;
		r->log_level = (int8_t)(log - FW_LOG_EMERG);
		snprintf(r->log_prefix, sizeof(r->log_prefix), "sdnd %.24s policy accept: ",
			 s->c->name);
		seal(x, s->c, r, s->family);
		return;
	}
	snprintf(ru.comment, sizeof(ru.comment), "policy");
	emit_rule(x, s, &ru, 0);
}

/* "return" for traffic of a protocol and ports (DHCP, NDP allowances). */
static void allow(struct cctx *x, struct fw_chain *c, enum fw_verdict v, uint16_t ethertype,
		  int l4, int sport, int dport, int icmp_type)
{
	struct fw_nrule *r = rule(x, c, v);

	if (!r)
		return;
	if (ethertype)
		m_u16(r, FWF_PROTOCOL, FWC_EQ, ethertype);
	if (l4 >= 0)
		m_u8(r, FWF_L4PROTO, FWC_EQ, (uint8_t)l4);
	if (sport >= 0)
		m_u16(r, FWF_SPORT, FWC_EQ, (uint16_t)sport);
	if (dport >= 0)
		m_u16(r, FWF_DPORT, FWC_EQ, (uint16_t)dport);
	if (icmp_type >= 0)
		m_u8(r, FWF_ICMP_TYPE, FWC_EQ, (uint8_t)icmp_type);
	seal(x, c, r, NFPROTO_BRIDGE);
}

static bool macfilter_on(const struct fw_nic_input *n)
{
	return n->has_mac && n->fw->macfilter != 0;
}

/* The set of a NIC's own addresses for ipfilter (family AF_INET or AF_INET6). */
static void ipfilter_set(struct cctx *x, const struct fw_nic_input *n, int family,
			 const char *name)
{
	struct fw_set *s = fw_table_add_set(x->bt, name, family == AF_INET ? FWK_IPV4 : FWK_IPV6,
					    family == AF_INET ? 4 : 16, true, false);
	struct fw_elem *e;
	size_t i;

	if (!s) {
		oom(x);
		return;
	}
	for (i = 0; i < n->fw->n_ipfilter; i++) {
		const struct fw_iprange *r = &n->fw->ipfilter[i];

		if (r->lo.family != family)
			continue;
		e = fw_set_add_elem(s);
		if (!e)
			goto oom;
		memcpy(e->key, r->lo.addr, s->keylen);
		memcpy(e->key_hi, r->hi.addr, s->keylen);
	}
	/* unspecified sources: ARP probes and DHCP (v4), duplicate address detection (v6) */
	e = fw_set_add_elem(s);
	if (!e)
		goto oom;
	if (family == AF_INET6) {
		/* and the guest's link-local address: EUI-64 from its MAC, else any */
		e = fw_set_add_elem(s);
		if (!e)
			goto oom;
		e->key[0] = 0xfe;
		e->key[1] = 0x80;
		memcpy(e->key_hi, e->key, 16);
		if (n->has_mac) {
			e->key[8] = e->key_hi[8] = n->mac[0] ^ 0x02;
			e->key[9] = e->key_hi[9] = n->mac[1];
			e->key[10] = e->key_hi[10] = n->mac[2];
			e->key[11] = e->key_hi[11] = 0xff;
			e->key[12] = e->key_hi[12] = 0xfe;
			e->key[13] = e->key_hi[13] = n->mac[3];
			e->key[14] = e->key_hi[14] = n->mac[4];
			e->key[15] = e->key_hi[15] = n->mac[5];
		} else {
			e->key_hi[1] = 0xbf;
			memset(e->key_hi + 2, 0xff, 14);
		}
	}
	fw_set_sort(s);
	/* the guest's list may overlap what was added: merge */
	for (i = 1; i < s->n;) {
		struct fw_elem *p = &s->e[i - 1], *c = &s->e[i];

		if (memcmp(c->key, p->key_hi, s->keylen) <= 0) {
			if (memcmp(c->key_hi, p->key_hi, s->keylen) > 0)
				memcpy(p->key_hi, c->key_hi, s->keylen);
			memmove(c, c + 1, (s->n - i - 1) * sizeof(*c));
			s->n--;
		} else {
			i++;
		}
	}
	return;
oom:
	oom(x);
}

static void set_elem(struct cctx *x, struct fw_set *s, const void *key, size_t keylen,
		     const char *chain_name)
{
	struct fw_elem *e = fw_set_add_elem(s);

	if (!e) {
		oom(x);
		return;
	}
	memcpy(e->key, key, keylen);
	memcpy(e->key_hi, key, keylen);
	snprintf(e->chain, sizeof(e->chain), "%s", chain_name);
}

static void map_elem(struct cctx *x, int map, const void *key, size_t keylen,
		     const char *chain_name)
{
	set_elem(x, &x->bt->sets[map], key, keylen, chain_name);
}

static bool chain_rejects(const struct fw_chain *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->r[i].verdict >= FWV_REJECT_TCP && c->r[i].verdict <= FWV_REJECT_ADMIN)
			return true;
	return false;
}

static void nic_in_chain(struct cctx *x, const struct fw_nic_input *n, struct fw_chain *c,
			 bool can_reject)
{
	const struct fw_nic *fw = n->fw;
	struct stage s = { .c = c, .family = NFPROTO_BRIDGE, .dir = FW_DIR_IN,
			   .ifname = n->ifname, .can_reject = can_reject };

	allow(x, c, FWV_RETURN, 0x0806, -1, -1, -1, -1);
	if (fw->dhcp) {
		allow(x, c, FWV_RETURN, 0x0800, IPPROTO_UDP, 67, 68, -1);
		allow(x, c, FWV_RETURN, 0x86dd, IPPROTO_UDP, 547, 546, -1);
	}
	if (fw->ndp)
		for (int t = 134; t <= 137; t++)
			allow(x, c, FWV_RETURN, 0x86dd, IPPROTO_ICMPV6, -1, -1, t);
	emit_rules(x, &s, &fw->rules, 0);
	policy(x, &s, fw->policy_in, fw->log_in);
}

static void nic(struct cctx *x, const struct fw_nic_input *n, bool mac_taken)
{
	const struct fw_nic *fw = n->fw;
	char name[FW_OBJNAME_MAX], set4[FW_OBJNAME_MAX], set6[FW_OBJNAME_MAX];
	char inb_name[FW_OBJNAME_MAX];
	struct fw_chain *out, *in, *uni;
	struct fw_nrule *r;
	uint8_t key[16];
	size_t first = x->bt->n_chains;

	/* adding a chain may move the others: take their addresses once both are there */
	if (!chain(x, x->bt, "out-", n->ifname) || !chain(x, x->bt, "in-", n->ifname))
		return;
	out = &x->bt->chains[first];
	in = &x->bt->chains[first + 1];

	/* anti-spoofing */
	if (macfilter_on(n)) {
		r = rule(x, out, FWV_DROP);
		if (!r)
			return;
		fw_nrule_match(r, FWF_ETHER_SADDR, FWC_NEQ, n->mac, NULL, NULL);
		snprintf(r->comment, sizeof(r->comment), "macfilter");
		seal(x, out, r, NFPROTO_BRIDGE);
		r = rule(x, out, FWV_DROP);
		if (!r)
			return;
		m_u16(r, FWF_PROTOCOL, FWC_EQ, 0x0806);
		fw_nrule_match(r, FWF_ARP_SHA, FWC_NEQ, n->mac, NULL, NULL);
		snprintf(r->comment, sizeof(r->comment), "macfilter");
		seal(x, out, r, NFPROTO_BRIDGE);
	}
	if (fw->has_ipfilter) {
		static const struct {
			uint16_t proto;
			enum fw_field f;
		} chk[] = { { 0x0806, FWF_ARP_SPA }, { 0x0800, FWF_IP_SADDR },
			    { 0x86dd, FWF_IP6_SADDR } };

		snprintf(set4, sizeof(set4), "ipf4-%s", n->ifname);
		snprintf(set6, sizeof(set6), "ipf6-%s", n->ifname);
		ipfilter_set(x, n, AF_INET, set4);
		ipfilter_set(x, n, AF_INET6, set6);
		for (size_t i = 0; i < ARRAY_SIZE(chk); i++) {
			r = rule(x, out, FWV_DROP);
			if (!r)
				return;
			m_u16(r, FWF_PROTOCOL, FWC_EQ, chk[i].proto);
			fw_nrule_match(r, chk[i].f, FWC_NSET, NULL, NULL,
				       chk[i].proto == 0x86dd ? set6 : set4);
			snprintf(r->comment, sizeof(r->comment), "ipfilter");
			seal(x, out, r, NFPROTO_BRIDGE);
		}
	}
	allow(x, out, FWV_RETURN, 0x0806, -1, -1, -1, -1);
	if (fw->dhcp) {
		allow(x, out, FWV_RETURN, 0x0800, IPPROTO_UDP, 68, 67, -1);
		allow(x, out, FWV_RETURN, 0x86dd, IPPROTO_UDP, 546, 547, -1);
	}
	if (!fw->radv)
		allow(x, out, FWV_DROP, 0x86dd, IPPROTO_ICMPV6, -1, -1, 134);
	if (fw->ndp) {
		allow(x, out, FWV_RETURN, 0x86dd, IPPROTO_ICMPV6, -1, -1, 133);
		allow(x, out, FWV_RETURN, 0x86dd, IPPROTO_ICMPV6, -1, -1, 135);
		allow(x, out, FWV_RETURN, 0x86dd, IPPROTO_ICMPV6, -1, -1, 136);
	}
	{
		struct stage s = { .c = out, .family = NFPROTO_BRIDGE, .dir = FW_DIR_OUT,
				   .ifname = n->ifname, .can_reject = true };

		emit_rules(x, &s, &fw->rules, 0);
		policy(x, &s, fw->policy_out, fw->log_out);
	}
	nic_in_chain(x, n, in, true);
	/*
	 * The paths where the kernel cannot reject need a copy of the in rules that drops instead,
	 * unless they do not reject at all.
	 */
	snprintf(inb_name, sizeof(inb_name), "%s", in->name);
	if (chain_rejects(in)) {
		struct fw_chain *inb = chain(x, x->bt, "inb-", n->ifname);

		if (!inb)
			return;
		nic_in_chain(x, n, inb, false);
		snprintf(inb_name, sizeof(inb_name), "%s", inb->name);
	}

	ifname_key(key, n->ifname);
	snprintf(name, sizeof(name), "out-%s", n->ifname);
	map_elem(x, MAP_NIC_OUT, key, 16, name);
	map_elem(x, MAP_NIC_IN_PORT, key, 16, inb_name);
	if (!n->has_mac || mac_taken) {
		/* unicast to it is filtered in forward only */
		map_elem(x, MAP_NIC_IN_UNI, key, 16, inb_name);
		return;
	}
	snprintf(name, sizeof(name), "in-%s", n->ifname);
	map_elem(x, MAP_NIC_IN_MAC, n->mac, 6, name);
	/*
	 * Unicast to its MAC was filtered in prerouting; unicast to any other MAC behind the port
	 * (a guest that changed its address, nested bridges) is filtered in forward.
	 */
	uni = chain(x, x->bt, "inu-", n->ifname);
	if (!uni)
		return;
	r = rule(x, uni, FWV_RETURN);
	if (!r)
		return;
	fw_nrule_match(r, FWF_ETHER_DADDR, FWC_EQ, n->mac, NULL, NULL);
	seal(x, uni, r, NFPROTO_BRIDGE);
	r = rule(x, uni, FWV_JUMP);
	if (!r)
		return;
	snprintf(r->target, sizeof(r->target), "%s", inb_name);
	seal(x, uni, r, NFPROTO_BRIDGE);
	map_elem(x, MAP_NIC_IN_UNI, key, 16, uni->name);
}

static void vnet(struct cctx *x, const struct fw_vnet_input *v)
{
	struct fw_chain *c = chain(x, x->bt, "vnet-", v->vnet);
	struct stage s = { .c = c, .family = NFPROTO_BRIDGE, .dir = FW_DIR_FORWARD,
			   .vnet = true, .can_reject = true };
	struct fw_nrule *r;
	uint8_t key[16];

	if (!c)
		return;
	/* frames for the host itself are the host's business, not the vnet's */
	r = rule(x, c, FWV_RETURN);
	if (!r)
		return;
	m_u8(r, FWF_PKTTYPE, FWC_EQ, PKT_HOST);
	seal(x, c, r, NFPROTO_BRIDGE);
	allow(x, c, FWV_RETURN, 0x0806, -1, -1, -1, -1);
	emit_rules(x, &s, &v->fw->rules, 0);
	policy(x, &s, v->fw->policy_forward, v->fw->log_forward);
	ifname_key(key, v->bridge);
	map_elem(x, MAP_VNET_FWD, key, 16, c->name);
}

bool fw_ipset_interval(const struct fw_ipset *ip, int family)
{
	size_t i;

	for (i = 0; i < ip->n; i++)
		if (ip->r[i].lo.family == family &&
		    memcmp(ip->r[i].lo.addr, ip->r[i].hi.addr, family == AF_INET6 ? 16 : 4))
			return true;
	return false;
}

/* The ipsets' sets; elems false: empty, to share bridge sdnd's (share_ipsets). */
static void ipsets(struct cctx *x, bool elems)
{
	const struct fw_config *cfg = x->in->cfg;
	size_t i, j;

	for (i = 0; cfg && i < cfg->n_ipsets; i++) {
		const struct fw_ipset *ip = &cfg->ipsets[i];

		for (int f = 0; f < 2; f++) {
			int family = f ? AF_INET6 : AF_INET;
			char name[FW_OBJNAME_MAX];
			struct fw_set *s;

			snprintf(name, sizeof(name), "ipset-%s-%s", ip->name, f ? "v6" : "v4");
			s = fw_table_add_set(x->bt, name, f ? FWK_IPV6 : FWK_IPV4, f ? 16 : 4,
					     fw_ipset_interval(ip, family), false);
			if (!s) {
				oom(x);
				return;
			}
			for (j = 0; elems && j < ip->n; j++) {
				struct fw_elem *e;

				if (ip->r[j].lo.family != family)
					continue;
				e = fw_set_add_elem(s);
				if (!e) {
					oom(x);
					return;
				}
				memcpy(e->key, ip->r[j].lo.addr, s->keylen);
				memcpy(e->key_hi, ip->r[j].hi.addr, s->keylen);
			}
		}
	}
}

static bool nic_on(const struct fw_nic_input *n)
{
	return n->fw && n->fw->enable;
}

static bool vnet_on(const struct fw_vnet_input *v)
{
	return v->fw && v->fw->enable;
}

/* The maps, first in the table (see enum above); vnets have theirs in bridge sdnd only. */
static void define_maps(struct cctx *x, bool first)
{
	size_t i, n = first ? ARRAY_SIZE(maps) : MAP_VNET_FWD;

	for (i = 0; i < n; i++)
		if (!fw_table_add_set(x->bt, maps[i].name, maps[i].type, maps[i].len, false, true))
			return (void)oom(x);
}

/* A rule of base chain c handing frames to the chains of map by field f. */
static void dispatch(struct cctx *x, struct fw_chain *c, enum fw_field f, int map, int pkttype,
		     enum fw_cmp pkttype_cmp)
{
	struct fw_nrule *r = rule(x, c, FWV_NONE);

	if (!r)
		return;
	if (pkttype >= 0)
		m_u8(r, FWF_PKTTYPE, pkttype_cmp, (uint8_t)pkttype);
	m_vmap(r, f, maps[map].name);
	seal(x, c, r, NFPROTO_BRIDGE);
}

/* forward and output: to guests, through the in stages prerouting did not reach. */
static void nic_in_dispatch(struct cctx *x, struct fw_chain *fwd, struct fw_chain *out)
{
	ct_rules(x, fwd, true);
	dispatch(x, fwd, FWF_OIFNAME, MAP_NIC_IN_PORT, PKT_OTHERHOST, FWC_NEQ);
	dispatch(x, fwd, FWF_OIFNAME, MAP_NIC_IN_UNI, PKT_OTHERHOST, FWC_EQ);
	ct_rules(x, out, false);
	dispatch(x, out, FWF_OIFNAME, MAP_NIC_IN_PORT, -1, FWC_EQ);
}

/* The bridge table's shared part: base chains, ipsets, vnets. */
static void bridge_shared(struct cctx *x)
{
	const struct fw_input *in = x->in;
	struct fw_chain *pre;
	size_t i, first = x->bt->n_chains;

	if (!base_chain(x, x->bt, "prerouting", NF_BR_PRE_ROUTING, 0, false) ||
	    !base_chain(x, x->bt, "forward", NF_BR_FORWARD, 0, false) ||
	    !base_chain(x, x->bt, "output", NF_BR_LOCAL_OUT, 0, false))
		return;
	/* no other chain is added before their rules are */
	pre = &x->bt->chains[first];
	ct_rules(x, pre, true);
	dispatch(x, pre, FWF_IIFNAME, MAP_NIC_OUT, -1, FWC_EQ);
	/* meta ibrname needs nft_meta_bridge: only where a vnet has rules */
	for (i = 0; i < in->n_vnets; i++)
		if (vnet_on(&in->vnets[i]))
			break;
	if (i < in->n_vnets)
		dispatch(x, pre, FWF_IBRNAME, MAP_VNET_FWD, -1, FWC_EQ);
	dispatch(x, pre, FWF_ETHER_DADDR, MAP_NIC_IN_MAC, -1, FWC_EQ);
	nic_in_dispatch(x, &x->bt->chains[first + 1], &x->bt->chains[first + 2]);
	ipsets(x, true);
	for (i = 0; i < in->n_vnets && !x->r; i++)
		if (vnet_on(&in->vnets[i]))
			vnet(x, &in->vnets[i]);
}

/*
 * A further bridge table's shared part (bridge sdnd-K). Its NICs' out stages come before any
 * vnet's (priority -1) and their in stages after (priority 1), as in bridge sdnd's prerouting.
 */
static void bridge_more_shared(struct cctx *x)
{
	struct fw_chain *pout, *pin;
	size_t first = x->bt->n_chains;

	if (!base_chain(x, x->bt, "prerouting-out", NF_BR_PRE_ROUTING, -1, false) ||
	    !base_chain(x, x->bt, "prerouting-in", NF_BR_PRE_ROUTING, 1, false) ||
	    !base_chain(x, x->bt, "forward", NF_BR_FORWARD, 0, false) ||
	    !base_chain(x, x->bt, "output", NF_BR_LOCAL_OUT, 0, false))
		return;
	pout = &x->bt->chains[first];
	pin = &x->bt->chains[first + 1];
	ct_rules(x, pout, true);
	dispatch(x, pout, FWF_IIFNAME, MAP_NIC_OUT, -1, FWC_EQ);
	ct_rules(x, pin, true);
	dispatch(x, pin, FWF_ETHER_DADDR, MAP_NIC_IN_MAC, -1, FWC_EQ);
	nic_in_dispatch(x, &x->bt->chains[first + 2], &x->bt->chains[first + 3]);
	ipsets(x, false);
}

/*
 * Traffic routed out of or into a vnet with rules: forward, by the vnet's bridge as the input
 * or output interface. Traffic routed from one such vnet to another meets both.
 */
static void inet_vnets(struct cctx *x)
{
	const struct fw_input *in = x->in;
	struct fw_chain *fwd;
	struct fw_nrule *r;
	size_t i, n = 0;
	uint8_t key[16];

	for (i = 0; i < in->n_vnets; i++)
		n += vnet_on(&in->vnets[i]);
	if (!n)
		return;
	x->it->present = true;
	/* sets 0 and 1 of the table */
	if (!fw_table_add_set(x->it, "vnet-from", FWK_IFNAME, 16, false, true) ||
	    !fw_table_add_set(x->it, "vnet-to", FWK_IFNAME, 16, false, true))
		return (void)oom(x);
	fwd = base_chain(x, x->it, "forward", NF_INET_FORWARD, 0, false);
	if (!fwd)
		return;
	inet_ct_rules(x, fwd);
	if ((r = rule(x, fwd, FWV_NONE))) {
		m_vmap(r, FWF_IIFNAME, "vnet-from");
		seal(x, fwd, r, NFPROTO_INET);
	}
	if ((r = rule(x, fwd, FWV_NONE))) {
		m_vmap(r, FWF_OIFNAME, "vnet-to");
		seal(x, fwd, r, NFPROTO_INET);
	}
	for (i = 0; i < in->n_vnets && !x->r; i++) {
		const struct fw_vnet_input *v = &in->vnets[i];
		struct fw_chain *c;
		struct stage s = { .family = NFPROTO_INET, .dir = FW_DIR_FORWARD, .vnet = true,
				   .routed = true, .can_reject = true };

		if (!vnet_on(v) || !(c = chain(x, x->it, "vnet-", v->vnet)))
			continue;
		s.c = c;
		emit_rules(x, &s, &v->fw->rules, 0);
		policy(x, &s, v->fw->policy_forward, v->fw->log_forward);
		ifname_key(key, v->bridge);
		set_elem(x, &x->it->sets[0], key, 16, c->name);
		set_elem(x, &x->it->sets[1], key, 16, c->name);
	}
}

static void inet_table(struct cctx *x)
{
	const struct fw_input *in = x->in;
	struct fw_chain *post = NULL;
	size_t i, j;

	inet_vnets(x);
	for (i = 0; i < in->n_vnets && !x->r; i++) {
		const struct fw_vnet_input *v = &in->vnets[i];

		for (j = 0; j < v->n_subnets; j++) {
			const struct zone_subnet *sn = &v->subnets[j];
			bool v6 = sn->net.family == AF_INET6;
			uint8_t lo[16] = { 0 }, hi[16] = { 0 }, k[16];
			size_t len = v6 ? 16 : 4, b;
			struct fw_nrule *r;

			if (!sn->snat)
				continue;
			if (!post) {
				x->it->present = true;
				post = base_chain(x, x->it, "postrouting", NF_INET_POST_ROUTING, 100,
						  true);
				if (!post)
					return;
			}
			memcpy(lo, sn->net.addr, len);
			memcpy(hi, sn->net.addr, len);
			for (b = sn->prefixlen; b < len * 8; b++)
				hi[b / 8] |= (uint8_t)(0x80 >> (b % 8));
			r = rule(x, post, FWV_MASQUERADE);
			if (!r)
				return;
			m_u8(r, FWF_NFPROTO, FWC_EQ, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
			fw_nrule_match(r, v6 ? FWF_IP6_SADDR : FWF_IP_SADDR, FWC_RANGE, lo, hi, NULL);
			ifname_key(k, v->bridge);
			fw_nrule_match(r, FWF_OIFNAME, FWC_NEQ, k, NULL, NULL);
			snprintf(r->comment, sizeof(r->comment), "snat %s", v->vnet);
			seal(x, post, r, NFPROTO_INET);
		}
	}
}

bool fw_input_bridge(const struct fw_input *in)
{
	size_t i;

	if (fw_input_nics_on(in))
		return true;
	for (i = 0; i < in->n_vnets; i++)
		if (vnet_on(&in->vnets[i]))
			return true;
	return false;
}

size_t fw_input_nics_on(const struct fw_input *in)
{
	size_t i, n = 0;

	for (i = 0; i < in->n_nics; i++)
		n += nic_on(&in->nics[i]);
	return n;
}

uint32_t fw_input_per_table(const struct fw_input *in)
{
	return in->cfg && in->cfg->nics_per_table ? in->cfg->nics_per_table : FW_NICS_PER_TABLE;
}

unsigned fw_tables_for(size_t n_nics, uint32_t per_table)
{
	unsigned k = 1;

	while (k < FW_BRIDGE_TABLES_MAX && n_nics > (size_t)per_table * k)
		k *= 2;
	return k;
}

unsigned fw_input_tables(const struct fw_input *in)
{
	if (in->tables)
		return in->tables < FW_BRIDGE_TABLES_MAX ? in->tables : FW_BRIDGE_TABLES_MAX;
	return fw_tables_for(fw_input_nics_on(in), fw_input_per_table(in));
}

unsigned fw_nic_table(const char *ifname, unsigned n_tables)
{
	if (n_tables <= 1)
		return 0;
	return (unsigned)(sdnd_fnv64(SDND_FNV64_INIT, ifname, strlen(ifname)) % n_tables);
}

static const struct fw_input *mac_sort_in;

static int mac_qcmp(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c = memcmp(mac_sort_in->nics[i].mac, mac_sort_in->nics[j].mac, 6);

	return c ? c : (i > j) - (i < j);
}

int fw_input_macs_taken(const struct fw_input *in, bool *ret)
{
	_cleanup_free_ size_t *v = NULL;
	size_t i, n = 0;

	memset(ret, 0, in->n_nics * sizeof(*ret));
	v = malloc((in->n_nics + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < in->n_nics; i++)
		if (nic_on(&in->nics[i]) && in->nics[i].has_mac)
			v[n++] = i;
	mac_sort_in = in;
	qsort(v, n, sizeof(*v), mac_qcmp);
	for (i = 1; i < n; i++)
		ret[v[i]] = !memcmp(in->nics[v[i]].mac, in->nics[v[i - 1]].mac, 6);
	return 0;
}

static bool terminal(const struct fw_nrule *r)
{
	return r->verdict != FWV_NONE && r->verdict != FWV_JUMP && r->verdict != FWV_MASQUERADE;
}

struct tag_at {
	uint64_t tag;
	size_t i;
};

static int tag_at_cmp(const void *a, const void *b)
{
	const struct tag_at *x = a, *y = b;

	if (x->tag != y->tag)
		return x->tag < y->tag ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

/*
 * A rule that ends evaluation and repeats an earlier one of its chain can never match (two
 * groups that both open DNS, say): leave it out, so the kernel has fewer rules to check.
 */
static int drop_repeats(struct fw_ruleset *rs)
{
	_cleanup_free_ struct tag_at *v = NULL;
	_cleanup_free_ bool *dup = NULL;
	size_t ti, ci, i, n, cap = 0;

	for (ti = 0; ti < _FW_T_MAX; ti++) {
		const struct fw_table *t = &rs->t[ti];

		for (ci = 0; ci < t->n_chains; ci++) {
			struct fw_chain *c = &t->chains[ci];

			if (c->n < 2)
				continue;
			if (c->n > cap) {
				free(v);
				free(dup);
				cap = c->n;
				v = malloc(cap * sizeof(*v));
				dup = malloc(cap * sizeof(*dup));
				if (!v || !dup)
					return -ENOMEM;
			}
			for (i = n = 0; i < c->n; i++)
				if (terminal(&c->r[i]))
					v[n++] = (struct tag_at){ c->r[i].tag, i };
			qsort(v, n, sizeof(*v), tag_at_cmp);
			memset(dup, 0, c->n * sizeof(*dup));
			for (i = 1; i < n; i++)
				dup[v[i].i] = v[i].tag == v[i - 1].tag;
			for (i = n = 0; i < c->n; i++)
				if (!dup[i])
					c->r[n++] = c->r[i];
			c->n = n;
		}
	}
	return 0;
}

/* The further bridge tables' ipsets share bridge sdnd's elements (sorted, so sorted once). */
static int share_ipsets(struct fw_ruleset *rs, unsigned n_tables)
{
	const struct fw_table *t0 = &rs->t[FW_T_BRIDGE];
	unsigned k;
	size_t i;

	for (k = 1; k < n_tables; k++) {
		struct fw_table *t = &rs->t[fw_bridge_table(k)];

		for (i = 0; i < t->n_sets; i++) {
			struct fw_set *s = &t->sets[i], *s0;

			if (strncmp(s->name, "ipset-", 6) || !(s0 = fw_table_set(t0, s->name)))
				continue;
			if (fw_set_share(s, s0) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

int fw_compile_parts(const struct fw_input *in, bool shared, const bool *nics,
		     const bool *taken, struct fw_ruleset *ret, char *err, size_t err_size)
{
	struct cctx x = { .in = in, .bt = &ret->t[FW_T_BRIDGE], .it = &ret->t[FW_T_INET],
			  .err = err, .err_size = err_size };
	_cleanup_free_ bool *own = NULL;
	unsigned k, n_tables = fw_input_tables(in);
	size_t i;

	err[0] = 0;
	if (!taken) {
		own = malloc(in->n_nics + 1);
		if (!own || fw_input_macs_taken(in, own) < 0) {
			fw_ruleset_done(ret);
			snprintf(err, err_size, "out of memory");
			return -ENOMEM;
		}
		taken = own;
	}
	if (fw_input_bridge(in)) {
		/* every bridge table, with its maps, is in every part */
		for (k = 0; k < n_tables && !x.r; k++) {
			x.bt = &ret->t[fw_bridge_table(k)];
			x.bt->present = true;
			define_maps(&x, k == 0);
			if (shared && !x.r) {
				if (k == 0)
					bridge_shared(&x);
				else
					bridge_more_shared(&x);
			}
		}
		for (i = 0; i < in->n_nics && !x.r; i++) {
			const struct fw_nic_input *n = &in->nics[i];

			if (!nic_on(n) || (nics && !nics[i]))
				continue;
			x.bt = &ret->t[fw_bridge_table(fw_nic_table(n->ifname, n_tables))];
			nic(&x, n, taken[i]);
		}
	}
	if (shared && !x.r)
		inet_table(&x);
	if (!x.r && drop_repeats(ret) < 0)
		oom(&x);
	if (x.r) {
		fw_ruleset_done(ret);
		return x.r;
	}
	fw_ruleset_sort(ret);
	if (shared && share_ipsets(ret, n_tables) < 0) {
		fw_ruleset_done(ret);
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

int fw_compile(const struct fw_input *in, struct fw_ruleset *ret, char *err, size_t err_size)
{
	return fw_compile_parts(in, true, NULL, NULL, ret, err, err_size);
}

const char *fw_part_of(const char *name, bool set)
{
	const char *const *p = set ? nic_set_prefixes : nic_chain_prefixes;
	size_t n = set ? ARRAY_SIZE(nic_set_prefixes) : ARRAY_SIZE(nic_chain_prefixes), i, len;

	for (i = 0; i < n; i++) {
		len = strlen(p[i]);
		if (!strncmp(name, p[i], len))
			return name + len;
	}
	return NULL;
}
