// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The firewall model: string tables, lookups, copies, comparison and destruction. Pure
 * functions; only fw_nic_copy() allocates.
 */
#include "firewall/fw.h"

#include <errno.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdnd/util.h"

/* ---- string tables ------------------------------------------------------------------------ */

static const char *const dir_table[_FW_DIR_MAX] = {
	[FW_DIR_IN] = "in",
	[FW_DIR_OUT] = "out",
	[FW_DIR_FORWARD] = "forward",
};

static const char *const action_table[_FW_ACTION_MAX] = {
	[FW_ACCEPT] = "accept",
	[FW_DROP] = "drop",
	[FW_REJECT] = "reject",
};

static const char *const log_table[_FW_LOG_MAX] = {
	[FW_LOG_NOLOG] = "nolog",   [FW_LOG_EMERG] = "emerg", [FW_LOG_ALERT] = "alert",
	[FW_LOG_CRIT] = "crit",	    [FW_LOG_ERR] = "err",     [FW_LOG_WARNING] = "warning",
	[FW_LOG_NOTICE] = "notice", [FW_LOG_INFO] = "info",   [FW_LOG_DEBUG] = "debug",
};

static const char *table_to_string(const char *const *t, size_t n, unsigned int v)
{
	return v < n ? t[v] : NULL;
}

static int table_from_string(const char *const *t, size_t n, const char *s)
{
	size_t i;

	if (!s)
		return -1;
	for (i = 0; i < n; i++)
		if (t[i] && !strcmp(t[i], s))
			return (int)i;
	return -1;
}

/* NULL for a value outside the enum. */
const char *fw_dir_to_string(enum fw_dir d)
{
	return table_to_string(dir_table, ARRAY_SIZE(dir_table), (unsigned int)d);
}

const char *fw_action_to_string(enum fw_action a)
{
	return table_to_string(action_table, ARRAY_SIZE(action_table), (unsigned int)a);
}

const char *fw_log_to_string(enum fw_log l)
{
	return table_to_string(log_table, ARRAY_SIZE(log_table), (unsigned int)l);
}

int fw_dir_from_string(const char *s)
{
	return table_from_string(dir_table, ARRAY_SIZE(dir_table), s);
}

int fw_action_from_string(const char *s)
{
	return table_from_string(action_table, ARRAY_SIZE(action_table), s);
}

int fw_log_from_string(const char *s)
{
	return table_from_string(log_table, ARRAY_SIZE(log_table), s);
}

/* ---- lookups ------------------------------------------------------------------------------ */

const struct fw_ipset *fw_config_ipset(const struct fw_config *c, const char *name)
{
	size_t i;

	if (!c || !name)
		return NULL;
	for (i = 0; i < c->n_ipsets; i++)
		if (!strcmp(c->ipsets[i].name, name))
			return &c->ipsets[i];
	return NULL;
}

const struct fw_alias *fw_config_alias(const struct fw_config *c, const char *name)
{
	size_t i;

	if (!c || !name)
		return NULL;
	for (i = 0; i < c->n_aliases; i++)
		if (!strcmp(c->aliases[i].name, name))
			return &c->aliases[i];
	return NULL;
}

const struct fw_group *fw_config_group(const struct fw_config *c, const char *name)
{
	size_t i;

	if (!c || !name)
		return NULL;
	for (i = 0; i < c->n_groups; i++)
		if (!strcmp(c->groups[i].name, name))
			return &c->groups[i];
	return NULL;
}

const struct fw_vnet *fw_config_vnet(const struct fw_config *c, const char *vnet)
{
	size_t i;

	if (!c || !vnet)
		return NULL;
	for (i = 0; i < c->n_vnets; i++)
		if (!strcmp(c->vnets[i].vnet, vnet))
			return &c->vnets[i];
	return NULL;
}

const struct fw_nic *fw_config_nic(const struct fw_config *c, const char *ifname)
{
	size_t i;

	if (!c || !ifname)
		return NULL;
	for (i = 0; i < c->n_nics; i++)
		if (!strcmp(c->nics[i].ifname, ifname))
			return &c->nics[i].fw;
	return NULL;
}

/* ---- formatting --------------------------------------------------------------------------- */

/* The prefix length when lo..hi is exactly one prefix, else -1. */
static int range_prefixlen(const struct fw_iprange *r)
{
	size_t n = sdnd_ip_len(&r->lo), i;
	unsigned int bits = (unsigned int)n * 8, len = 0;

	if (!n || r->lo.family != r->hi.family)
		return -1;
	/* the common leading bits, then lo all zeros and hi all ones */
	while (len < bits && !((r->lo.addr[len / 8] ^ r->hi.addr[len / 8]) & (0x80 >> (len % 8))))
		len++;
	for (i = len; i < bits; i++)
		if ((r->lo.addr[i / 8] & (0x80 >> (i % 8))) ||
		    !(r->hi.addr[i / 8] & (0x80 >> (i % 8))))
			return -1;
	return (int)len;
}

const char *fw_iprange_str(const struct fw_iprange *r, char *buf)
{
	char a[SDND_IP_STRLEN], b[SDND_IP_STRLEN];
	unsigned int bits = (unsigned int)sdnd_ip_len(&r->lo) * 8;
	int len;

	sdnd_ip_str(&r->lo, a);
	if (sdnd_ip_eq(&r->lo, &r->hi)) {
		snprintf(buf, FW_IPRANGE_STRLEN, "%s", a);
		return buf;
	}
	len = range_prefixlen(r);
	if (len >= 0 && (unsigned int)len < bits)
		snprintf(buf, FW_IPRANGE_STRLEN, "%s/%d", a, len);
	else
		snprintf(buf, FW_IPRANGE_STRLEN, "%s-%s", a, sdnd_ip_str(&r->hi, b));
	return buf;
}

/* ---- destruction, copies, comparison ------------------------------------------------------ */

static void addr_done(struct fw_addr *a)
{
	free(a->r);
	a->r = NULL;
	a->n = 0;
}

static void rule_done(struct fw_rule *r)
{
	addr_done(&r->source);
	addr_done(&r->dest);
	free(r->sport);
	free(r->dport);
	r->sport = r->dport = NULL;
	r->n_sport = r->n_dport = 0;
}

void fw_rules_done(struct fw_rules *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n; i++)
		rule_done(&r->v[i]);
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

void fw_nic_done(struct fw_nic *n)
{
	if (!n)
		return;
	free(n->ipfilter);
	n->ipfilter = NULL;
	n->n_ipfilter = 0;
	fw_rules_done(&n->rules);
}

void fw_config_done(struct fw_config *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->n_ipsets; i++)
		free(c->ipsets[i].r);
	for (i = 0; i < c->n_groups; i++)
		fw_rules_done(&c->groups[i].rules);
	for (i = 0; i < c->n_vnets; i++)
		fw_rules_done(&c->vnets[i].rules);
	for (i = 0; i < c->n_nics; i++)
		fw_nic_done(&c->nics[i].fw);
	free(c->ipsets);
	free(c->aliases);
	free(c->groups);
	free(c->vnets);
	free(c->nics);
	*c = (struct fw_config){ 0 };
}

/* *ret = a copy of n elements of size sz at src (NULL when n is 0). 0 or -ENOMEM. */
static int dup_array(void *ret, const void *src, size_t n, size_t sz)
{
	void *d = NULL;

	if (n) {
		d = malloc(n * sz);
		if (!d)
			return -ENOMEM;
		memcpy(d, src, n * sz);
	}
	*(void **)ret = d;
	return 0;
}

int fw_nic_copy(struct fw_nic *ret, const struct fw_nic *src)
{
	struct fw_nic n = *src;
	size_t i;

	n.ipfilter = NULL;
	n.rules = (struct fw_rules){ 0 };
	if (dup_array(&n.ipfilter, src->ipfilter, src->n_ipfilter, sizeof(*n.ipfilter)) < 0)
		goto fail;
	if (src->rules.n) {
		n.rules.v = calloc(src->rules.n, sizeof(*n.rules.v));
		if (!n.rules.v)
			goto fail;
	}
	for (i = 0; i < src->rules.n; i++) {
		const struct fw_rule *s = &src->rules.v[i];
		struct fw_rule *d = &n.rules.v[i];

		*d = *s;
		d->source.r = d->dest.r = NULL;
		d->sport = d->dport = NULL;
		n.rules.n++;
		if (dup_array(&d->source.r, s->source.r, s->source.n, sizeof(*s->source.r)) < 0 ||
		    dup_array(&d->dest.r, s->dest.r, s->dest.n, sizeof(*s->dest.r)) < 0 ||
		    dup_array(&d->sport, s->sport, s->n_sport, sizeof(*s->sport)) < 0 ||
		    dup_array(&d->dport, s->dport, s->n_dport, sizeof(*s->dport)) < 0)
			goto fail;
	}
	*ret = n;
	return 0;

fail:
	fw_nic_done(&n);
	*ret = (struct fw_nic){ 0 };
	return -ENOMEM;
}

static bool ranges_equal(const struct fw_iprange *a, size_t na, const struct fw_iprange *b,
			 size_t nb)
{
	size_t i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (!sdnd_ip_eq(&a[i].lo, &b[i].lo) || !sdnd_ip_eq(&a[i].hi, &b[i].hi))
			return false;
	return true;
}

static bool ports_equal(const struct fw_portrange *a, size_t na, const struct fw_portrange *b,
			size_t nb)
{
	size_t i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (a[i].lo != b[i].lo || a[i].hi != b[i].hi)
			return false;
	return true;
}

static bool addr_equal(const struct fw_addr *a, const struct fw_addr *b)
{
	return !strcmp(a->ipset, b->ipset) && ranges_equal(a->r, a->n, b->r, b->n);
}

/* Where a rule was written does not count. */
static bool rule_equal(const struct fw_rule *a, const struct fw_rule *b)
{
	return a->dir == b->dir && a->action == b->action && a->enable == b->enable &&
	       !strcmp(a->group, b->group) && !strcmp(a->macro, b->macro) && a->proto == b->proto &&
	       addr_equal(&a->source, &b->source) && addr_equal(&a->dest, &b->dest) &&
	       ports_equal(a->sport, a->n_sport, b->sport, b->n_sport) &&
	       ports_equal(a->dport, a->n_dport, b->dport, b->n_dport) &&
	       a->icmp_type == b->icmp_type && !strcmp(a->iface, b->iface) && a->log == b->log &&
	       !strcmp(a->comment, b->comment);
}

bool fw_nic_equal(const struct fw_nic *a, const struct fw_nic *b)
{
	size_t i;

	if (a == b)
		return true;
	if (!a || !b)
		return false;
	if (a->enable != b->enable || a->policy_in != b->policy_in ||
	    a->policy_out != b->policy_out || a->log_in != b->log_in || a->log_out != b->log_out ||
	    a->macfilter != b->macfilter || a->has_ipfilter != b->has_ipfilter ||
	    a->dhcp != b->dhcp || a->ndp != b->ndp || a->radv != b->radv ||
	    !ranges_equal(a->ipfilter, a->n_ipfilter, b->ipfilter, b->n_ipfilter) ||
	    a->rules.n != b->rules.n)
		return false;
	for (i = 0; i < a->rules.n; i++)
		if (!rule_equal(&a->rules.v[i], &b->rules.v[i]))
			return false;
	return true;
}

/* ---- digests ------------------------------------------------------------------------------ */

#define HASH_VAL(h, v) sdnd_fnv64(h, &(v), sizeof(v))

static uint64_t hash_str(uint64_t h, const char *s)
{
	return sdnd_fnv64(h, s, strlen(s) + 1);
}

static uint64_t hash_ranges(uint64_t h, const struct fw_iprange *r, size_t n)
{
	size_t i;

	h = HASH_VAL(h, n);
	for (i = 0; i < n; i++) {
		size_t len = r[i].lo.family == AF_INET6 ? 16 : 4;

		h = HASH_VAL(h, r[i].lo.family);
		h = sdnd_fnv64(h, r[i].lo.addr, len);
		h = sdnd_fnv64(h, r[i].hi.addr, len);
	}
	return h;
}

static uint64_t hash_ports(uint64_t h, const struct fw_portrange *p, size_t n)
{
	h = HASH_VAL(h, n);
	return n ? sdnd_fnv64(h, p, n * sizeof(*p)) : h;
}

static uint64_t hash_addr(uint64_t h, const struct fw_addr *a)
{
	return hash_ranges(hash_str(h, a->ipset), a->r, a->n);
}

uint64_t fw_rules_hash(uint64_t h, const struct fw_rules *rules)
{
	size_t i;

	h = HASH_VAL(h, rules->n);
	for (i = 0; i < rules->n; i++) {
		const struct fw_rule *r = &rules->v[i];
		const int v[] = { r->dir, r->action, r->enable, r->proto, r->icmp_type, r->log };

		/* as rule_equal(): where it was written does not count */
		h = sdnd_fnv64(h, v, sizeof(v));
		h = hash_str(hash_str(hash_str(hash_str(h, r->group), r->macro), r->iface),
			     r->comment);
		h = hash_addr(hash_addr(h, &r->source), &r->dest);
		h = hash_ports(hash_ports(h, r->sport, r->n_sport), r->dport, r->n_dport);
	}
	return h;
}

uint64_t fw_nic_hash(uint64_t h, const struct fw_nic *n)
{
	const int v[] = { n->enable,	  n->policy_in, n->policy_out, n->log_in, n->log_out,
			  n->macfilter,	  n->has_ipfilter, n->dhcp,     n->ndp,	   n->radv };

	h = sdnd_fnv64(h, v, sizeof(v));
	h = hash_ranges(h, n->ipfilter, n->n_ipfilter);
	return fw_rules_hash(h, &n->rules);
}

uint64_t fw_groups_hash(uint64_t h, const struct fw_config *c)
{
	size_t i;

	h = HASH_VAL(h, c->n_groups);
	for (i = 0; i < c->n_groups; i++)
		h = fw_rules_hash(hash_str(h, c->groups[i].name), &c->groups[i].rules);
	return h;
}
