// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * firewall/compile.c, firewall/ruleset.c and fw_diff(): what a configuration compiles to (chains,
 * rules as nft text, sets, verdict-map elements), tags, and the steps that bring a kernel's copy
 * to the wanted one: everything from nothing, nothing when equal, and only the changed chain,
 * element or set otherwise.
 */
#include <errno.h>
#include <linux/netfilter.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "firewall/compile.h"
#include "firewall/nft.h"
#include "parseutil.h"
#include "sdnd/util.h"
#include "zones/model.h"

static const char *const base_doc =
	"version: 1\n"
	"node: n1\n"
	"zones: {z1: {type: simple}}\n"
	"vnets:\n"
	"  web:\n"
	"    zone: z1\n"
	"    subnets: {10.0.1.0/24: {gateway: 10.0.1.1, snat: true}}\n"
	"firewall:\n"
	"  ipsets:\n"
	"    mgmt: [10.0.0.0/24, \"!10.0.0.13\"]\n"
	"  aliases: {dns1: 192.0.2.53}\n"
	"  groups:\n"
	"    webserver:\n"
	"      - {dir: in, action: accept, proto: tcp, dport: \"80,443\"}\n"
	"      - {dir: in, action: accept, macro: SSH, source: +mgmt}\n"
	"  vnets:\n"
	"    web:\n"
	"      policy-forward: drop\n"
	"      rules:\n"
	"        - {dir: forward, action: reject, dest: dns1, proto: udp, dport: 53}\n"
	"attachments:\n"
	"  tap1:\n"
	"    firewall: {macfilter: true, ipfilter: [10.0.1.10],\n"
	"               rules: [{group: webserver}, {dir: in, action: reject, proto: tcp,\n"
	"                        dport: 8080}]}\n";

struct fx {
	struct zone_config *cfg;
	struct fw_nic_input nic[2];
	struct fw_vnet_input vnet;
	struct fw_input in;
};

static void fx_init(struct fx *f, const char *doc)
{
	static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0x0a };

	memset(f, 0, sizeof(*f));
	f->cfg = parse_env_ok(doc, NULL);
	f->nic[0] = (struct fw_nic_input){ .ifname = "tap1", .bridge = "web", .has_mac = true,
					   .fw = fw_config_nic(&f->cfg->fw, "tap1") };
	memcpy(f->nic[0].mac, mac, 6);
	f->vnet = (struct fw_vnet_input){ .vnet = "web", .bridge = "web",
					  .fw = fw_config_vnet(&f->cfg->fw, "web"),
					  .subnets = f->cfg->vnets[0].subnets,
					  .n_subnets = f->cfg->vnets[0].n_subnets };
	f->in = (struct fw_input){ .cfg = &f->cfg->fw, .nics = f->nic, .n_nics = 1,
				   .vnets = &f->vnet, .n_vnets = 1, .ct = true };
}

static void compile_ok(const struct fw_input *in, struct fw_ruleset *rs)
{
	char err[256];

	fw_ruleset_init(rs);
	if (fw_compile(in, rs, err, sizeof(err)) < 0)
		fail_msg("compile: %s", err);
}

/* Does chain c of the bridge table hold a rule whose text is want? */
static bool has_rule(const struct fw_ruleset *rs, int t, const char *chain, const char *want)
{
	const struct fw_chain *c = fw_table_chain(&rs->t[t], chain);
	char buf[512];
	size_t i;

	if (!c)
		return false;
	for (i = 0; i < c->n; i++)
		if (!strcmp(fw_nrule_text(&c->r[i], rs->t[t].family, buf, sizeof(buf)), want))
			return true;
	for (i = 0; i < c->n; i++)
		fprintf(stderr, "  %s: %s\n", chain,
			fw_nrule_text(&c->r[i], rs->t[t].family, buf, sizeof(buf)));
	return false;
}

static void test_compile_layout(void **state)
{
	struct fw_ruleset rs;
	const struct fw_set *s;
	struct fx f;

	fx_init(&f, base_doc);
	compile_ok(&f.in, &rs);
	assert_true(rs.t[FW_T_BRIDGE].present);
	assert_true(rs.t[FW_T_INET].present);
	for (const char *const *n = (const char *const[]){ "prerouting", "forward", "output",
							   "out-tap1", "in-tap1", "inb-tap1",
							   "vnet-web", NULL };
	     *n; n++)
		assert_non_null(fw_table_chain(&rs.t[FW_T_BRIDGE], *n));
	assert_true(fw_table_chain(&rs.t[FW_T_BRIDGE], "prerouting")->base);
	/* an ipset with ranges is an interval set, one of single addresses (or none) a hash set */
	assert_true(fw_table_set(&rs.t[FW_T_BRIDGE], "ipset-mgmt-v4")->interval);
	assert_false(fw_table_set(&rs.t[FW_T_BRIDGE], "ipset-mgmt-v6")->interval);
	assert_true(has_rule(&rs, FW_T_BRIDGE, "prerouting",
			     "ct state established,related accept"));
	assert_true(has_rule(&rs, FW_T_BRIDGE, "prerouting", "iifname vmap @nic-out"));
	assert_true(has_rule(&rs, FW_T_BRIDGE, "prerouting", "ether daddr vmap @nic-in-mac"));
	/* anti-spoofing */
	assert_true(has_rule(&rs, FW_T_BRIDGE, "out-tap1", "ether saddr != 02:00:00:00:00:0a drop"));
	assert_true(has_rule(&rs, FW_T_BRIDGE, "out-tap1",
			     "meta protocol arp arp saddr ether != 02:00:00:00:00:0a drop"));
	assert_true(has_rule(&rs, FW_T_BRIDGE, "out-tap1",
			     "meta protocol ip ip saddr != @ipf4-tap1 drop"));
	/* the group, its macro and ipset, the rule's own reject, the policy */
	assert_true(has_rule(&rs, FW_T_BRIDGE, "in-tap1", "meta l4proto 6 th dport 443 return"));
	assert_true(has_rule(&rs, FW_T_BRIDGE, "in-tap1",
			     "meta protocol ip meta l4proto 6 ip saddr @ipset-mgmt-v4 th dport 22 "
			     "return"));
	assert_true(has_rule(&rs, FW_T_BRIDGE, "in-tap1",
			     "meta l4proto 6 th dport 8080 reject with tcp reset"));
	assert_true(has_rule(&rs, FW_T_BRIDGE, "in-tap1", "drop"));
	/* where REJECT is not allowed, it drops */
	assert_true(has_rule(&rs, FW_T_BRIDGE, "inb-tap1", "meta l4proto 6 th dport 8080 drop"));
	assert_true(has_rule(&rs, FW_T_BRIDGE, "vnet-web",
			     "meta protocol ip meta l4proto 17 ip daddr 192.0.2.53 th dport 53 "
			     "reject with icmpx port-unreachable"));
	/* and the same rules for traffic routed out of or into the vnet */
	assert_true(has_rule(&rs, FW_T_INET, "forward", "ct state established,related accept"));
	assert_true(has_rule(&rs, FW_T_INET, "forward", "iifname vmap @vnet-from"));
	assert_true(has_rule(&rs, FW_T_INET, "forward", "oifname vmap @vnet-to"));
	assert_true(has_rule(&rs, FW_T_INET, "vnet-web",
			     "meta nfproto ipv4 meta l4proto 17 ip daddr 192.0.2.53 th dport 53 "
			     "reject with icmpx port-unreachable"));
	assert_true(has_rule(&rs, FW_T_INET, "vnet-web", "drop"));
	s = fw_table_set(&rs.t[FW_T_INET], "vnet-to");
	assert_non_null(s);
	assert_int_equal(s->n, 1);
	assert_string_equal(s->e[0].chain, "vnet-web");
	assert_true(has_rule(&rs, FW_T_INET, "postrouting",
			     "meta nfproto ipv4 ip saddr 10.0.1.0-10.0.1.255 oifname != \"web\" "
			     "masquerade"));
	/* the ipset with its exclusion, the NIC's own addresses (+ 0.0.0.0) */
	s = fw_table_set(&rs.t[FW_T_BRIDGE], "ipset-mgmt-v4");
	assert_non_null(s);
	assert_true(s->interval);
	assert_int_equal(s->n, 2);
	assert_memory_equal(s->e[0].key_hi, ((uint8_t[]){ 10, 0, 0, 12 }), 4);
	assert_memory_equal(s->e[1].key, ((uint8_t[]){ 10, 0, 0, 14 }), 4);
	s = fw_table_set(&rs.t[FW_T_BRIDGE], "ipf4-tap1");
	assert_int_equal(s->n, 2);
	s = fw_table_set(&rs.t[FW_T_BRIDGE], "nic-out");
	assert_true(s->map);
	assert_int_equal(s->n, 1);
	assert_string_equal(s->e[0].chain, "out-tap1");
	s = fw_table_set(&rs.t[FW_T_BRIDGE], "nic-in-mac");
	assert_int_equal(s->n, 1);
	assert_string_equal(s->e[0].chain, "in-tap1");
	fw_ruleset_done(&rs);
	zone_config_free(f.cfg);
}

static void test_compile_without_ct_and_firewall(void **state)
{
	struct fw_ruleset rs;
	struct fx f;

	fx_init(&f, base_doc);
	f.in.ct = false;
	compile_ok(&f.in, &rs);
	assert_false(has_rule(&rs, FW_T_BRIDGE, "prerouting",
			      "ct state established,related accept"));
	fw_ruleset_done(&rs);
	/* nothing enabled and no snat: no table at all */
	f.nic[0].fw = NULL;
	f.vnet.fw = NULL;
	f.vnet.n_subnets = 0;
	compile_ok(&f.in, &rs);
	assert_false(rs.t[FW_T_BRIDGE].present);
	assert_false(rs.t[FW_T_INET].present);
	fw_ruleset_done(&rs);
	zone_config_free(f.cfg);
}

/*
 * In rules that never reject need no copy for the paths where the kernel cannot reject, and a
 * rule repeating an earlier one of its chain (two groups opening DNS) is left out.
 */
static void test_compile_fewer_rules(void **state)
{
	static const char doc[] =
		"version: 1\n"
		"node: n1\n"
		"zones: {z1: {type: simple}}\n"
		"vnets: {web: {zone: z1}}\n"
		"firewall:\n"
		"  groups:\n"
		"    ga: [{dir: out, action: accept, macro: DNS}, {dir: in, action: accept, macro: SSH}]\n"
		"    gb: [{dir: out, action: accept, macro: DNS}, {dir: in, action: accept, macro: HTTP}]\n"
		"attachments:\n"
		"  tap1:\n"
		"    firewall: {rules: [{group: ga}, {group: gb}, {dir: in, action: accept, macro: SSH}]}\n";
	const struct fw_chain *c;
	const struct fw_set *s;
	struct fw_ruleset rs;
	struct fx f;
	size_t i, dns = 0, ssh = 0;
	char buf[512];

	fx_init(&f, doc);
	compile_ok(&f.in, &rs);
	assert_null(fw_table_chain(&rs.t[FW_T_BRIDGE], "inb-tap1"));
	s = fw_table_set(&rs.t[FW_T_BRIDGE], "nic-in-port");
	assert_int_equal(s->n, 1);
	assert_string_equal(s->e[0].chain, "in-tap1");
	assert_true(has_rule(&rs, FW_T_BRIDGE, "inu-tap1", "jump in-tap1"));
	c = fw_table_chain(&rs.t[FW_T_BRIDGE], "out-tap1");
	for (i = 0; i < c->n; i++)
		dns += !strcmp(fw_nrule_text(&c->r[i], NFPROTO_BRIDGE, buf, sizeof(buf)),
			       "meta l4proto 17 th dport 53 return");
	assert_int_equal(dns, 1);
	c = fw_table_chain(&rs.t[FW_T_BRIDGE], "in-tap1");
	for (i = 0; i < c->n; i++)
		ssh += !strcmp(fw_nrule_text(&c->r[i], NFPROTO_BRIDGE, buf, sizeof(buf)),
			       "meta l4proto 6 th dport 22 return");
	assert_int_equal(ssh, 1);
	assert_true(has_rule(&rs, FW_T_BRIDGE, "in-tap1", "meta l4proto 6 th dport 80 return"));
	fw_ruleset_done(&rs);
	zone_config_free(f.cfg);
}

/* nics-per-table: 1 and three NICs: four bridge tables, each NIC's part in the one it hashes to. */
static const char *const table_nics[] = { "tap1", "tap2", "tap3" };

/* base_doc with nics-per-table: 1 (and extra addresses in ipset mgmt), and three NICs. */
static void fx_tables(struct fx *f, struct fw_nic_input nic[3], const char *extra)
{
	const char *at = strstr(base_doc, "firewall:\n") + strlen("firewall:\n");
	const char *mgmt = strstr(base_doc, "\"!10.0.0.13\"]");
	char doc[4096];
	size_t i;

	snprintf(doc, sizeof(doc), "%.*s  nics-per-table: 1\n%.*s%s%s", (int)(at - base_doc),
		 base_doc, (int)(mgmt - at), at, extra, mgmt);
	fx_init(f, doc);
	assert_int_equal(f->cfg->fw.nics_per_table, 1);
	for (i = 0; i < 3; i++) {
		nic[i] = f->nic[0];
		nic[i].ifname = table_nics[i];
		nic[i].mac[5] = (uint8_t)i;
	}
	f->in.nics = nic;
	f->in.n_nics = 3;
	assert_int_equal(fw_input_tables(&f->in), 4);
}

static void test_compile_tables(void **state)
{
	const char *const *names = table_nics;
	struct fw_nic_input nic[3];
	struct fw_ruleset rs;
	struct fx f;
	size_t i, k, n_nics = 0;

	fx_tables(&f, nic, "");
	compile_ok(&f.in, &rs);
	for (k = 0; k < 4; k++) {
		const struct fw_table *t = &rs.t[fw_bridge_table((unsigned)k)];

		assert_true(t->present);
		assert_non_null(fw_table_set(t, "nic-out"));
		assert_non_null(fw_table_set(t, "ipset-mgmt-v4"));
		/* one array of elements for every copy of the ipset */
		assert_ptr_equal(fw_table_set(t, "ipset-mgmt-v4")->e,
				 fw_table_set(&rs.t[FW_T_BRIDGE], "ipset-mgmt-v4")->e);
		assert_int_equal(fw_table_set(t, "ipset-mgmt-v4")->n,
				 fw_table_set(&rs.t[FW_T_BRIDGE], "ipset-mgmt-v4")->n);
		assert_int_equal(*fw_table_set(t, "ipset-mgmt-v4")->refs, 4);
		if (k == 0) {
			assert_non_null(fw_table_chain(t, "vnet-web"));
			continue;
		}
		assert_null(fw_table_set(t, "vnet-fwd"));
		assert_int_equal(fw_table_chain(t, "prerouting-out")->prio, -1);
		assert_int_equal(fw_table_chain(t, "prerouting-in")->prio, 1);
		assert_true(has_rule(&rs, fw_bridge_table((unsigned)k), "prerouting-out",
				     "iifname vmap @nic-out"));
		assert_true(has_rule(&rs, fw_bridge_table((unsigned)k), "prerouting-in",
				     "ether daddr vmap @nic-in-mac"));
		assert_non_null(fw_table_chain(t, "forward"));
		assert_non_null(fw_table_chain(t, "output"));
		assert_null(fw_table_chain(t, "vnet-web"));
	}
	assert_false(rs.t[fw_bridge_table(4)].present);
	for (i = 0; i < 3; i++) {
		unsigned home = fw_nic_table(names[i], 4);
		char chain[32];

		snprintf(chain, sizeof(chain), "out-%s", names[i]);
		for (k = 0; k < 4; k++) {
			const struct fw_table *t = &rs.t[fw_bridge_table((unsigned)k)];

			assert_true(!fw_table_chain(t, chain) == (k != home));
		}
	}
	for (k = 0; k < 4; k++)
		n_nics += fw_table_set(&rs.t[fw_bridge_table((unsigned)k)], "nic-out")->n;
	assert_int_equal(n_nics, 3);
	assert_string_equal(rs.t[fw_bridge_table(3)].name, "sdnd-3");
	assert_int_equal(fw_table_index(NFPROTO_BRIDGE, "sdnd-3"), fw_bridge_table(3));
	assert_int_equal(fw_table_index(NFPROTO_BRIDGE, "sdnd"), FW_T_BRIDGE);
	assert_int_equal(fw_table_index(NFPROTO_INET, "sdnd"), FW_T_INET);
	assert_int_equal(fw_table_index(NFPROTO_INET, "sdnd-1"), -1);
	assert_int_equal(fw_table_index(NFPROTO_BRIDGE, "sdnd-16"), -1);
	assert_int_equal(fw_table_index(NFPROTO_BRIDGE, "sdnd-01"), -1);
	assert_int_equal(fw_table_index(NFPROTO_BRIDGE, "sdnda"), -1);
	/* the NICs need 1, 2, 4 ... tables, and never more than FW_BRIDGE_TABLES_MAX */
	assert_int_equal(fw_tables_for(0, 256), 1);
	assert_int_equal(fw_tables_for(256, 256), 1);
	assert_int_equal(fw_tables_for(257, 256), 2);
	assert_int_equal(fw_tables_for(1000, 256), 4);
	assert_int_equal(fw_tables_for(100000, 256), FW_BRIDGE_TABLES_MAX);
	fw_ruleset_done(&rs);
	zone_config_free(f.cfg);
}

/*
 * One more ipset element with four bridge tables: the element is added to each table's copy,
 * and nothing else changes; the copies' elements are compared once.
 */
static void test_diff_tables(void **state)
{
	struct fw_nic_input nic[3], nic2[3];
	struct fw_ruleset have, want;
	struct fw_diff_stats st;
	struct fw_ops ops;
	struct fx f, g;
	size_t k;

	fx_tables(&f, nic, "");
	fx_tables(&g, nic2, "192.0.2.99, ");
	compile_ok(&f.in, &have);
	compile_ok(&g.in, &want);
	assert_int_equal(fw_diff(&want, &have, &ops, &st), 0);
	assert_int_equal(ops.n, 4);
	assert_int_equal(st.elems, 4);
	for (k = 0; k < 4; k++) {
		const struct fw_op *o = &ops.v[k];

		assert_int_equal(o->kind, FWO_NEWELEMS);
		assert_int_equal(o->table, fw_bridge_table((unsigned)k));
		assert_string_equal(o->set->name, "ipset-mgmt-v4");
		assert_int_equal(o->n, 1);
		assert_memory_equal(o->e[0]->key, ((uint8_t[]){ 192, 0, 2, 99 }), 4);
	}
	fw_ops_done(&ops);
	/* and back: the element goes from each table */
	assert_int_equal(fw_diff(&have, &want, &ops, &st), 0);
	assert_int_equal(ops.n, 4);
	for (k = 0; k < 4; k++)
		assert_true(ops.v[k].kind == FWO_DELELEMS && ops.v[k].n == 1);
	fw_ops_done(&ops);
	fw_ruleset_done(&have);
	fw_ruleset_done(&want);
	zone_config_free(f.cfg);
	zone_config_free(g.cfg);
}

static void test_tags(void **state)
{
	struct fw_ruleset a, b;
	const struct fw_chain *c;
	char comment[160];
	uint64_t tag;
	size_t i;
	struct fx f;

	fx_init(&f, base_doc);
	compile_ok(&f.in, &a);
	compile_ok(&f.in, &b);
	c = fw_table_chain(&a.t[FW_T_BRIDGE], "in-tap1");
	for (i = 0; i < c->n; i++) {
		assert_int_not_equal(c->r[i].tag, 0);
		/* the same configuration gives the same tags */
		assert_int_equal(c->r[i].tag, fw_table_chain(&b.t[FW_T_BRIDGE], "in-tap1")->r[i].tag);
		fw_nrule_comment(&c->r[i], comment, sizeof(comment));
		assert_true(fw_comment_tag(comment, &tag));
		assert_int_equal(tag, c->r[i].tag);
	}
	/* the same rule text in two chains differs */
	assert_int_not_equal(fw_table_chain(&a.t[FW_T_BRIDGE], "in-tap1")->r[0].tag,
			     fw_table_chain(&a.t[FW_T_BRIDGE], "inb-tap1")->r[0].tag);
	assert_false(fw_comment_tag("sdnd:12", &tag));
	assert_false(fw_comment_tag("user comment", &tag));
	assert_false(fw_comment_tag(NULL, &tag));
	fw_ruleset_done(&a);
	fw_ruleset_done(&b);
	zone_config_free(f.cfg);
}

static size_t count_ops(const struct fw_ops *ops, enum fw_opk k)
{
	size_t i, n = 0;

	for (i = 0; i < ops->n; i++)
		n += ops->v[i].kind == k;
	return n;
}

static void test_diff(void **state)
{
	struct fw_ruleset want, have, empty;
	struct fw_diff_stats st;
	struct fw_ops ops;
	struct fx f, g;
	char *doc;

	fx_init(&f, base_doc);
	compile_ok(&f.in, &want);
	fw_ruleset_init(&empty);

	/* from nothing: tables, then sets, chains, elements and rules, in that order */
	assert_int_equal(fw_diff(&want, &empty, &ops, &st), 0);
	assert_int_equal(ops.v[0].kind, FWO_NEWTABLE);
	assert_int_equal(count_ops(&ops, FWO_NEWTABLE), 2);
	assert_int_equal(count_ops(&ops, FWO_NEWCHAIN), want.t[0].n_chains + want.t[1].n_chains);
	assert_int_equal(count_ops(&ops, FWO_NEWSET), want.t[0].n_sets + want.t[1].n_sets);
	assert_int_equal(count_ops(&ops, FWO_FLUSH), 0);
	for (size_t i = 1; i < ops.n; i++)
		if (ops.v[i].table == ops.v[i - 1].table)
			assert_true(ops.v[i].kind == ops.v[i - 1].kind ||
				    (ops.v[i - 1].kind == FWO_NEWTABLE) ||
				    (ops.v[i - 1].kind == FWO_NEWSET &&
				     ops.v[i].kind == FWO_NEWCHAIN) ||
				    (ops.v[i - 1].kind == FWO_NEWCHAIN &&
				     ops.v[i].kind == FWO_NEWELEMS) ||
				    (ops.v[i - 1].kind == FWO_NEWELEMS &&
				     ops.v[i].kind == FWO_NEWRULES) ||
				    (ops.v[i - 1].kind == FWO_NEWCHAIN &&
				     ops.v[i].kind == FWO_NEWRULES));
	fw_ops_done(&ops);

	/* equal: nothing to do */
	compile_ok(&f.in, &have);
	assert_int_equal(fw_diff(&want, &have, &ops, &st), 0);
	assert_int_equal(ops.n, 0);
	fw_ops_done(&ops);

	/* one more ipset element: one step, one element */
	assert_true(asprintf(&doc, "%s", base_doc) > 0);
	doc = realloc(doc, strlen(doc) + 32);
	{
		char *p = strstr(doc, "\"!10.0.0.13\"]");

		memmove(p + 13, p, strlen(p) + 1);
		memcpy(p, "192.0.2.99, ", 12);
		p[12] = ' ';
	}
	fx_init(&g, doc);
	free(doc);
	fw_ruleset_done(&want);
	compile_ok(&g.in, &want);
	assert_int_equal(fw_diff(&want, &have, &ops, &st), 0);
	assert_int_equal(ops.n, 1);
	assert_int_equal(ops.v[0].kind, FWO_NEWELEMS);
	assert_string_equal(ops.v[0].set->name, "ipset-mgmt-v4");
	assert_int_equal(ops.v[0].n, 1);
	assert_int_equal(st.elems, 1);
	fw_ops_done(&ops);
	zone_config_free(g.cfg);

	/* one NIC's rules changed: that NIC's chains are rewritten, nothing else */
	g = f;
	{
		struct fw_nic copy;

		assert_int_equal(fw_nic_copy(&copy, f.nic[0].fw), 0);
		copy.policy_in = FW_ACCEPT;
		g.nic[0].fw = &copy;
		g.in.nics = g.nic;
		g.in.vnets = &g.vnet;
		fw_ruleset_done(&want);
		compile_ok(&g.in, &want);
		fw_nic_done(&copy);
	}
	assert_int_equal(fw_diff(&want, &have, &ops, &st), 0);
	assert_int_equal(ops.n, 4); /* flush + add rules for in-tap1 and inb-tap1 */
	for (size_t i = 0; i < ops.n; i++) {
		assert_true(ops.v[i].kind == FWO_FLUSH || ops.v[i].kind == FWO_NEWRULES);
		assert_true(!strcmp(ops.v[i].chain->name, "in-tap1") ||
			    !strcmp(ops.v[i].chain->name, "inb-tap1"));
	}
	fw_ops_done(&ops);

	/* the NIC goes: its chains are all emptied before any is deleted (inu- jumps to in-) */
	g = f;
	g.in.nics = g.nic;
	g.in.vnets = &g.vnet;
	g.nic[0].fw = NULL;
	fw_ruleset_done(&want);
	compile_ok(&g.in, &want);
	assert_int_equal(fw_diff(&want, &have, &ops, &st), 0);
	assert_int_equal(count_ops(&ops, FWO_DELCHAIN), 4); /* out-, in-, inb-, inu-tap1 */
	for (size_t i = 0, flushes = 0; i < ops.n; i++) {
		if (ops.v[i].kind == FWO_FLUSH)
			flushes++;
		if (ops.v[i].kind == FWO_DELCHAIN)
			assert_int_equal(flushes, 4);
	}
	fw_ops_done(&ops);

	/* nothing wanted: the tables go */
	assert_int_equal(fw_diff(&empty, &have, &ops, &st), 0);
	assert_int_equal(ops.n, 2);
	assert_int_equal(count_ops(&ops, FWO_DELTABLE), 2);
	fw_ops_done(&ops);

	fw_ruleset_done(&want);
	fw_ruleset_done(&have);
	zone_config_free(f.cfg);
}

static void test_strings(void **state)
{
	int i;

	for (i = 0; i < _FWF_MAX; i++) {
		assert_non_null(fw_field_to_string((enum fw_field)i));
		assert_int_not_equal(fw_field_len((enum fw_field)i), 0);
	}
	for (i = 0; i < _FWC_MAX; i++)
		assert_non_null(fw_cmp_to_string((enum fw_cmp)i));
	for (i = 0; i < _FWV_MAX; i++)
		assert_non_null(fw_verdict_to_string((enum fw_verdict)i));
	for (i = 0; i < _FWO_MAX; i++)
		assert_non_null(fw_opk_to_string((enum fw_opk)i));
	assert_null(fw_opk_to_string(_FWO_MAX));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compile_layout),
		cmocka_unit_test(test_compile_without_ct_and_firewall),
		cmocka_unit_test(test_compile_fewer_rules),
		cmocka_unit_test(test_compile_tables),
		cmocka_unit_test(test_diff_tables),
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_strings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
