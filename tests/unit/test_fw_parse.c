// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * firewall/parse.c, firewall/json.c, firewall/model.c and firewall/macro.c: the `firewall:` and
 * `attachments:` sections (the model a good document yields, ipset arithmetic, every validation
 * message with its position and key path), a subnet's snat, the control API's JSON form of a
 * NIC firewall (round trip, errors as JSON paths), copies, comparison and the string tables.
 */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include <json-c/json.h>

#include "firewall/fw.h"
#include "parseutil.h"
#include "sdnd/util.h"
#include "zones/model.h"

#define EXPECT_ERRORS(doc, ...) check_errors(doc, NULL, (const char *const[]){ __VA_ARGS__, NULL })

static struct zone_config *parse_ok(const char *doc)
{
	return parse_env_ok(doc, NULL);
}

static struct sdnd_ip ip(const char *s)
{
	struct sdnd_ip r;

	assert_int_equal(sdnd_ip_parse(s, &r), 0);
	return r;
}

static void assert_range(const struct fw_iprange *r, const char *lo, const char *hi)
{
	struct sdnd_ip a = ip(lo), b = ip(hi);
	char s1[SDND_IP_STRLEN], s2[SDND_IP_STRLEN];

	if (!sdnd_ip_eq(&r->lo, &a) || !sdnd_ip_eq(&r->hi, &b))
		fail_msg("range %s-%s, want %s-%s", sdnd_ip_str(&r->lo, s1),
			 sdnd_ip_str(&r->hi, s2), lo, hi);
}

static void assert_ports(const struct fw_portrange *p, size_t n, const char *want)
{
	char buf[256] = "";
	size_t i, o = 0;

	for (i = 0; i < n; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%u:%u", i ? "," : "", p[i].lo,
				      p[i].hi);
	assert_string_equal(buf, want);
}

/* The ranges of an ipset as fw_iprange_str() shows them, ", "-separated. */
static void assert_set(const struct fw_config *fw, const char *name, const char *want)
{
	const struct fw_ipset *s = fw_config_ipset(fw, name);
	char buf[1024] = "", b[FW_IPRANGE_STRLEN];
	size_t i, o = 0;

	assert_non_null(s);
	for (i = 0; i < s->n; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s", i ? ", " : "",
				      fw_iprange_str(&s->r[i], b));
	assert_string_equal(buf, want);
}

/* Three valid lines to hang a firewall section on: zone z1, vnets web and db. */
#define HEAD                                                                                       \
	"version: 1\n"                                                                             \
	"zones: {z1: {type: simple}}\n"                                                            \
	"vnets: {web: {zone: z1}, db: {zone: z1}}\n"

/* One rule of group gg, on line 7 from column 9. */
#define GROUP_RULE(rule) HEAD "firewall:\n  groups:\n    gg:\n      - " rule "\n"

/* ---- a full document ---------------------------------------------------------------------- */

/* clang-format off */
static const char full_doc[] =
	"version: 1\n"
	"zones:\n"
	"  z1: {type: simple}\n"
	"vnets:\n"
	"  web:\n"
	"    zone: z1\n"
	"    subnets:\n"
	"      10.0.1.0/24: {gateway: 10.0.1.1, snat: true}\n"
	"      10.0.2.0/24: {gateway: 10.0.2.1}\n"
	"  db: {zone: z1}\n"
	"firewall:\n"
	"  ipsets:\n"
	"    mgmt: [10.0.0.0/24, 192.0.2.7, \"!10.0.0.13\"]\n"
	"    v6: [\"2001:db8::/64\", \"!2001:db8:0:0:8000::/65\", "
	"\"2001:db8:1::1-2001:db8:1::5\",\n"
	"         10.1.0.0/16, 10.0.255.255, \"!10.1.128.0/17\"]\n"
	"    merged: [10.2.0.0/25, 10.2.0.128/25, 10.2.0.10-10.2.1.5, dns1, "
	"\"!10.2.0.0\", \"!dns1\"]\n"
	"    empty: []\n"
	"    none:\n"
	"  aliases:\n"
	"    dns1: 192.0.2.53\n"
	"    lan6: 2001:db8:5::/48\n"
	"  groups:\n"
	"    webserver:\n"
	"      - {dir: in, action: accept, proto: tcp, dport: \"80,443\"}\n"
	"      - {dir: in, action: accept, macro: ssh, source: +mgmt}\n"
	"      - {group: other, enable: false, iface: net0, comment: included}\n"
	"    other:\n"
	"      - {dir: out, action: drop, proto: udp, sport: bootpc, "
	"dport: \"domain,1000:2000, ntp\",\n"
	"         log: warning}\n"
	"      - {dir: in, action: reject, proto: icmpv6, icmp-type: nd-neighbor-solicit, "
	"dest: lan6}\n"
	"      - {dir: in, action: accept, proto: 47, "
	"source: \"10.0.0.1, 10.0.0.8-10.0.0.9,dns1\"}\n"
	"  vnets:\n"
	"    web:\n"
	"      enable: true\n"
	"      policy-forward: drop\n"
	"      log-forward: info\n"
	"      rules:\n"
	"        - {dir: forward, action: accept, proto: icmp, icmp-type: echo-request}\n"
	"        - {dir: forward, action: reject, dest: dns1, proto: udp, dport: 53, log: info}\n"
	"    db: {}\n"
	"attachments:\n"
	"  tap100i0:\n"
	"    firewall: {enable: true, policy-in: reject, policy-out: drop, log-in: debug, "
	"log-out: err,\n"
	"               macfilter: true, ipfilter: [10.0.1.10, \"2001:db8::10\", 10.0.1.64/26],\n"
	"               dhcp: true, ndp: true, radv: false,\n"
	"               rules: [{group: webserver},\n"
	"                       {dir: in, action: accept, proto: tcp, dport: 8080, "
	"source: 10.0.1.0/24}]}\n"
	"  tap101i0:\n"
	"    firewall:\n";
/* clang-format on */

static void test_full_document(void **state)
{
	struct zone_config *cfg = parse_ok(full_doc);
	const struct fw_config *fw = &cfg->fw;
	const struct fw_group *g;
	const struct fw_vnet *vn;
	const struct fw_nic *nic;
	const struct fw_rule *r;

	/* snat */
	assert_int_equal(cfg->vnets[0].n_subnets, 2);
	assert_true(cfg->vnets[0].subnets[0].snat);
	assert_false(cfg->vnets[0].subnets[1].snat);

	/* ipsets: union of the included entries minus the excluded ones, per family */
	assert_int_equal(fw->n_ipsets, 5);
	assert_set(fw, "mgmt", "10.0.0.0-10.0.0.12, 10.0.0.14-10.0.0.255, 192.0.2.7");
	/* 10.0.255.255 is adjacent to 10.1.0.0/16: one range, then cut by the exclusion */
	assert_set(fw, "v6",
		   "10.0.255.255-10.1.127.255, 2001:db8::/65, 2001:db8:1::1-2001:db8:1::5");
	assert_set(fw, "merged", "10.2.0.1-10.2.1.5");
	assert_set(fw, "empty", "");
	assert_set(fw, "none", "");
	assert_null(fw_config_ipset(fw, "dns1"));
	assert_null(fw_config_ipset(NULL, "mgmt"));

	/* aliases */
	assert_int_equal(fw->n_aliases, 2);
	assert_range(&fw_config_alias(fw, "dns1")->r, "192.0.2.53", "192.0.2.53");
	assert_range(&fw_config_alias(fw, "lan6")->r,
		     "2001:db8:5::", "2001:db8:5:ffff:ffff:ffff:ffff:ffff");
	assert_null(fw_config_alias(fw, "mgmt"));

	/* groups */
	assert_int_equal(fw->n_groups, 2);
	g = fw_config_group(fw, "webserver");
	assert_non_null(g);
	assert_int_equal(g->rules.n, 3);
	r = &g->rules.v[0];
	assert_int_equal(r->dir, FW_DIR_IN);
	assert_int_equal(r->action, FW_ACCEPT);
	assert_true(r->enable);
	assert_string_equal(r->group, "");
	assert_string_equal(r->macro, "");
	assert_int_equal(r->proto, IPPROTO_TCP);
	assert_ports(r->dport, r->n_dport, "80:80,443:443");
	assert_int_equal(r->n_sport, 0);
	assert_null(r->sport);
	assert_int_equal(r->icmp_type, -1);
	assert_string_equal(r->source.ipset, "");
	assert_int_equal(r->source.n, 0);
	assert_int_equal(r->dest.n, 0);
	assert_int_equal(r->log, FW_LOG_NOLOG);
	assert_string_equal(r->iface, "");
	assert_string_equal(r->comment, "");
	assert_int_equal(r->line, 24);
	assert_int_equal(r->col, 9);
	r = &g->rules.v[1];
	assert_string_equal(r->macro, "SSH"); /* as the table spells it */
	assert_int_equal(r->proto, -1);
	assert_string_equal(r->source.ipset, "mgmt");
	assert_int_equal(r->source.n, 0);
	r = &g->rules.v[2];
	assert_string_equal(r->group, "other");
	assert_false(r->enable);
	assert_string_equal(r->iface, "net0");
	assert_string_equal(r->comment, "included");

	g = fw_config_group(fw, "other");
	assert_int_equal(g->rules.n, 3);
	r = &g->rules.v[0];
	assert_int_equal(r->dir, FW_DIR_OUT);
	assert_int_equal(r->action, FW_DROP);
	assert_int_equal(r->proto, IPPROTO_UDP);
	assert_ports(r->sport, r->n_sport, "68:68");
	assert_ports(r->dport, r->n_dport, "53:53,1000:2000,123:123");
	assert_int_equal(r->log, FW_LOG_WARNING);
	r = &g->rules.v[1];
	assert_int_equal(r->action, FW_REJECT);
	assert_int_equal(r->proto, IPPROTO_ICMPV6);
	assert_int_equal(r->icmp_type, 135);
	assert_int_equal(r->dest.n, 1);
	assert_range(&r->dest.r[0], "2001:db8:5::", "2001:db8:5:ffff:ffff:ffff:ffff:ffff");
	r = &g->rules.v[2];
	assert_int_equal(r->proto, 47);
	assert_int_equal(r->source.n, 3);
	assert_range(&r->source.r[0], "10.0.0.1", "10.0.0.1");
	assert_range(&r->source.r[1], "10.0.0.8", "10.0.0.9");
	assert_range(&r->source.r[2], "192.0.2.53", "192.0.2.53");
	assert_null(fw_config_group(fw, "nope"));

	/* vnets */
	assert_int_equal(fw->n_vnets, 2);
	vn = fw_config_vnet(fw, "web");
	assert_true(vn->enable);
	assert_int_equal(vn->policy_forward, FW_DROP);
	assert_int_equal(vn->log_forward, FW_LOG_INFO);
	assert_int_equal(vn->rules.n, 2);
	r = &vn->rules.v[0];
	assert_int_equal(r->dir, FW_DIR_FORWARD);
	assert_int_equal(r->proto, IPPROTO_ICMP);
	assert_int_equal(r->icmp_type, 8);
	r = &vn->rules.v[1];
	assert_int_equal(r->action, FW_REJECT);
	assert_int_equal(r->dest.n, 1);
	assert_range(&r->dest.r[0], "192.0.2.53", "192.0.2.53");
	assert_ports(r->dport, r->n_dport, "53:53");
	assert_int_equal(r->log, FW_LOG_INFO);
	vn = fw_config_vnet(fw, "db"); /* defaults */
	assert_true(vn->enable);
	assert_int_equal(vn->policy_forward, FW_ACCEPT);
	assert_int_equal(vn->log_forward, FW_LOG_NOLOG);
	assert_int_equal(vn->rules.n, 0);
	assert_null(fw_config_vnet(fw, "nope"));

	/* attachments */
	assert_int_equal(fw->n_nics, 2);
	assert_string_equal(fw->nics[0].ifname, "tap100i0");
	nic = fw_config_nic(fw, "tap100i0");
	assert_ptr_equal(nic, &fw->nics[0].fw);
	assert_true(nic->enable);
	assert_int_equal(nic->policy_in, FW_REJECT);
	assert_int_equal(nic->policy_out, FW_DROP);
	assert_int_equal(nic->log_in, FW_LOG_DEBUG);
	assert_int_equal(nic->log_out, FW_LOG_ERR);
	assert_int_equal(nic->macfilter, 1);
	assert_true(nic->has_ipfilter);
	assert_int_equal(nic->n_ipfilter, 3);
	assert_range(&nic->ipfilter[0], "10.0.1.10", "10.0.1.10");
	assert_range(&nic->ipfilter[1], "2001:db8::10", "2001:db8::10");
	assert_range(&nic->ipfilter[2], "10.0.1.64", "10.0.1.127");
	assert_true(nic->dhcp);
	assert_true(nic->ndp);
	assert_false(nic->radv);
	assert_int_equal(nic->rules.n, 2);
	assert_string_equal(nic->rules.v[0].group, "webserver");
	r = &nic->rules.v[1];
	assert_ports(r->dport, r->n_dport, "8080:8080");
	assert_range(&r->source.r[0], "10.0.1.0", "10.0.1.255");

	nic = fw_config_nic(fw, "tap101i0"); /* an empty section: the defaults */
	assert_non_null(nic);
	assert_true(nic->enable);
	assert_int_equal(nic->policy_in, FW_DROP);
	assert_int_equal(nic->policy_out, FW_ACCEPT);
	assert_int_equal(nic->log_in, FW_LOG_NOLOG);
	assert_int_equal(nic->log_out, FW_LOG_NOLOG);
	assert_int_equal(nic->macfilter, -1);
	assert_false(nic->has_ipfilter);
	assert_int_equal(nic->n_ipfilter, 0);
	assert_false(nic->dhcp);
	assert_false(nic->ndp);
	assert_false(nic->radv);
	assert_int_equal(nic->rules.n, 0);
	assert_null(fw_config_nic(fw, "tap102i0"));

	zone_config_free(cfg);
}

/* The example of the documentation. */
static void test_file(void **state)
{
	const char *dir = getenv("SDND_TEST_DATA");
	struct zone_config *cfg = NULL;
	struct zone_errors e = { 0 };
	char path[4096];
	int r;

	snprintf(path, sizeof(path), "%s/firewall.yaml", dir ? dir : "tests/data");
	r = zone_parse_file(path, NULL, &cfg, &e);
	if (r < 0) {
		print_errors(&e);
		fail_msg("%s: %d", path, r);
	}
	assert_set(&cfg->fw, "mgmt", "10.0.0.0-10.0.0.12, 10.0.0.14-10.0.0.255, 192.0.2.7");
	assert_set(&cfg->fw, "v6only",
		   "2001:db8:10::, 2001:db8:10::2-2001:db8:10:0:ffff:ffff:ffff:ffff");
	assert_int_equal(cfg->fw.n_groups, 2);
	assert_int_equal(cfg->fw.n_vnets, 1);
	assert_int_equal(cfg->fw.n_nics, 1);
	assert_true(cfg->vnets[0].subnets[0].snat);
	zone_config_free(cfg);
}

/* No firewall: an empty model; snat defaults to false. */
static void test_no_firewall(void **state)
{
	struct zone_config *cfg = parse_ok(HEAD);

	assert_int_equal(cfg->fw.n_ipsets + cfg->fw.n_aliases + cfg->fw.n_groups + cfg->fw.n_vnets +
				 cfg->fw.n_nics,
			 0);
	zone_config_free(cfg);
	cfg = parse_ok(HEAD "firewall:\nattachments: {}\n");
	assert_int_equal(cfg->fw.n_nics, 0);
	zone_config_free(cfg);
	cfg = parse_ok("version: 1\nzones: {z1: {type: simple}}\n"
		       "vnets: {web: {zone: z1, subnets: {10.0.0.0/8: {}}}}\n");
	assert_false(cfg->vnets[0].subnets[0].snat);
	zone_config_free(cfg);
}

static void test_snat(void **state)
{
	EXPECT_ERRORS("version: 1\nzones: {z1: {type: simple}}\n"
		      "vnets: {web: {zone: z1, subnets: {10.0.0.0/8: {snat: yes}}}}\n",
		      "t.yaml:3:54: vnets.web.subnets.10.0.0.0/8.snat: expected true or false, got "
		      "\"yes\"");
}

/* Range arithmetic at the ends of the address space. */
static void test_ipset_edges(void **state)
{
	struct zone_config *cfg = parse_ok(
		HEAD "firewall:\n"
		     "  ipsets:\n"
		     "    all4: [0.0.0.0/0, \"!0.0.0.0\", \"!255.255.255.255\"]\n"
		     "    all6: [\"::/0\", \"!::/1\"]\n"
		     "    gone: [10.0.0.0/24, \"!10.0.0.0/23\"]\n"
		     "    holes: [10.0.0.0-10.0.0.20, \"!10.0.0.2\", \"!10.0.0.4-10.0.0.5\", "
		     "\"!10.0.0.20\", \"!192.0.2.0/24\", \"!::1\"]\n"
		     "    dups: [10.0.0.1, 10.0.0.1, 10.0.0.0/31, \"10.0.0.2\", \"::\", \"::1\"]\n"
		     "    top: [255.255.255.254, 255.255.255.255, \"ffff:ffff:ffff:ffff:ffff:ffff:"
		     "ffff:ffff\"]\n");

	assert_set(&cfg->fw, "all4", "0.0.0.1-255.255.255.254");
	assert_set(&cfg->fw, "all6", "8000::/1");
	assert_set(&cfg->fw, "gone", "");
	assert_set(&cfg->fw, "holes", "10.0.0.0/31, 10.0.0.3, 10.0.0.6-10.0.0.19");
	assert_set(&cfg->fw, "dups", "10.0.0.0-10.0.0.2, ::/127");
	assert_set(&cfg->fw, "top", "255.255.255.254/31, ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	zone_config_free(cfg);
}

/* ---- errors ------------------------------------------------------------------------------- */

static void test_sections(void **state)
{
	EXPECT_ERRORS(HEAD "firewall: [1]\nattachments: 3\n",
		      "t.yaml:4:11: firewall: expected a mapping, got a list",
		      "t.yaml:5:14: attachments: expected a mapping, got \"3\"");
	EXPECT_ERRORS(
		HEAD "firewall: {ipset: {}, groups: [], aliases: 1}\n",
		"t.yaml:4:12: firewall.ipset: unknown key \"ipset\" (expected one of: ipsets, "
		"aliases, groups, vnets, nics-per-table)",
		"t.yaml:4:31: firewall.groups: expected a mapping, got a list",
		"t.yaml:4:44: firewall.aliases: expected a mapping, got \"1\"");
	EXPECT_ERRORS(HEAD "firewall: {nics-per-table: 0}\n",
		      "t.yaml:4:28: firewall.nics-per-table: expected an integer between 1 and "
		      "65535, got 0");
}

static void test_names(void **state)
{
	EXPECT_ERRORS(
		HEAD "firewall:\n"
		     "  ipsets: {a: [], 1b: [], a_b-c: [], "
		     "abcdefghijklmnopqrstuvwxyz012345: [], mgmt: [], mgmt: []}\n"
		     "  aliases: {x.y: 10.0.0.1, mgmt: 10.0.0.2}\n"
		     "  groups: {\"g g\": []}\n",
		"t.yaml:5:12: firewall.ipsets.a: invalid ipset name \"a\" (expected 2 to 31 "
		"characters [A-Za-z0-9_-], starting with a letter)",
		"t.yaml:5:19: firewall.ipsets.1b: invalid ipset name \"1b\" (expected 2 to 31 "
		"characters [A-Za-z0-9_-], starting with a letter)",
		"t.yaml:5:38: firewall.ipsets.abcdefghijklmnopqrstuvwxyz012345: invalid ipset "
		"name \"abcdefghijklmnopqrstuvwxyz012345\" (expected 2 to 31 characters "
		"[A-Za-z0-9_-], starting with a letter)",
		"t.yaml:5:86: firewall.ipsets.mgmt: duplicate key \"mgmt\" (first at line 5)",
		"t.yaml:6:13: firewall.aliases.x.y: invalid alias name \"x.y\" (expected 2 to "
		"31 characters [A-Za-z0-9_-], starting with a letter)",
		"t.yaml:6:28: firewall.aliases.mgmt: alias \"mgmt\" has the same name as the "
		"ipset at line 5 (aliases and ipsets share one namespace)",
		"t.yaml:7:12: firewall.groups.g g: invalid group name \"g g\" (expected 2 to 31 "
		"characters [A-Za-z0-9_-], starting with a letter)");
}

static void test_ipset_entries(void **state)
{
	EXPECT_ERRORS(
		HEAD "firewall:\n"
		     "  aliases: {dns1: 192.0.2.53}\n"
		     "  ipsets:\n"
		     "    s1: [10.0.0.1-10.0.0.0, \"10.0.0.1-::1\", 10.0.0.5/8, bogus, \"+x\", "
		     "\"!\", 10.0.0.1-x]\n"
		     "    s2: 10.0.0.1\n"
		     "    s3: [[]]\n",
		"t.yaml:7:10: firewall.ipsets.s1[0]: address range \"10.0.0.1-10.0.0.0\" is "
		"backwards (10.0.0.1 is greater than 10.0.0.0)",
		"t.yaml:7:29: firewall.ipsets.s1[1]: address range \"10.0.0.1-::1\" mixes "
		"IPv4 and IPv6",
		"t.yaml:7:45: firewall.ipsets.s1[2]: 10.0.0.5/8 has host bits set; did you "
		"mean 10.0.0.0/8?",
		"t.yaml:7:57: firewall.ipsets.s1[3]: alias \"bogus\" does not exist (defined "
		"aliases: dns1)",
		"t.yaml:7:64: firewall.ipsets.s1[4]: an ipset cannot contain another ipset "
		"(got \"+x\")",
		"t.yaml:7:70: firewall.ipsets.s1[5]: invalid address \"\" (expected an IP "
		"address, a CIDR, a range a-b or an alias, optionally after \"!\")",
		"t.yaml:7:75: firewall.ipsets.s1[6]: invalid address range \"10.0.0.1-x\" "
		"(expected two addresses a-b of one family)",
		"t.yaml:8:9: firewall.ipsets.s2: expected a list of addresses, got \"10.0.0.1\"",
		"t.yaml:9:10: firewall.ipsets.s3[0]: expected an address, got a list");
}

static void test_aliases(void **state)
{
	EXPECT_ERRORS(HEAD "firewall:\n"
			   "  aliases:\n"
			   "    a1: 10.0.0.1-10.0.0.2\n"
			   "    a2: other\n"
			   "    a3: 10.0.0.1/33\n"
			   "    a4: [10.0.0.1]\n",
		      "t.yaml:6:9: firewall.aliases.a1: invalid address \"10.0.0.1-10.0.0.2\" "
		      "(expected an IP address or a CIDR)",
		      "t.yaml:7:9: firewall.aliases.a2: invalid address \"other\" (expected an IP "
		      "address or a CIDR)",
		      "t.yaml:8:9: firewall.aliases.a3: invalid address \"10.0.0.1/33\" (expected "
		      "an IP address or a CIDR)",
		      "t.yaml:9:9: firewall.aliases.a4: expected an IP address or a CIDR, got a "
		      "list");
}

static void test_rule_shape(void **state)
{
	EXPECT_ERRORS(GROUP_RULE("[]"), "t.yaml:7:9: firewall.groups.gg[0]: expected a mapping, "
					"got a list");
	EXPECT_ERRORS(HEAD "firewall: {groups: {gg: {dir: in}}}\n",
		      "t.yaml:4:25: firewall.groups.gg: expected a list of rules, got a mapping");
	EXPECT_ERRORS(
		GROUP_RULE("{dir: in, action: accept, bogus: 1}"),
		"t.yaml:7:35: firewall.groups.gg[0].bogus: unknown key \"bogus\" (expected one "
		"of: dir, action, macro, proto, source, dest, sport, dport, icmp-type, iface, "
		"log, enable, group, comment)");
	EXPECT_ERRORS(GROUP_RULE("{proto: tcp}"),
		      "t.yaml:7:9: firewall.groups.gg[0].dir: required key is missing (expected in "
		      "or out)",
		      "t.yaml:7:9: firewall.groups.gg[0].action: required key is missing (expected "
		      "accept, drop or reject)");
	EXPECT_ERRORS(GROUP_RULE("{dir: sideways, action: yes}"),
		      "t.yaml:7:15: firewall.groups.gg[0].dir: unknown direction \"sideways\" "
		      "(expected in or out)",
		      "t.yaml:7:33: firewall.groups.gg[0].action: unknown action \"yes\" (expected "
		      "accept, drop or reject)");
	EXPECT_ERRORS(
		GROUP_RULE("{dir: forward, action: accept}"),
		"t.yaml:7:15: firewall.groups.gg[0].dir: direction \"forward\" is for vnet rules "
		"only (expected in or out)");
	EXPECT_ERRORS(
		GROUP_RULE("{dir: in, action: accept, enable: 1, log: loud}"),
		"t.yaml:7:43: firewall.groups.gg[0].enable: expected true or false, got \"1\"",
		"t.yaml:7:51: firewall.groups.gg[0].log: unknown log level \"loud\" (expected "
		"one of: emerg, alert, crit, err, warning, notice, info, debug, nolog)");
}

static void test_rule_iface_comment(void **state)
{
	EXPECT_ERRORS(GROUP_RULE("{dir: in, action: accept, iface: \"a/b\", comment: \"a\\tb\"}"),
		      "t.yaml:7:42: firewall.groups.gg[0].iface: invalid interface name \"a/b\" "
		      "(expected 1 to 15 bytes without \"/\", \":\" or whitespace, not \".\" or "
		      "\"..\")",
		      "t.yaml:7:58: firewall.groups.gg[0].comment: comment contains a control "
		      "character (\"\\t\"); it must be one line of printable text");
	EXPECT_ERRORS(
		GROUP_RULE("{dir: in, action: accept, iface: abcdefghijklmnop, comment: "
			   "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			   "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx}"),
		"t.yaml:7:42: firewall.groups.gg[0].iface: invalid interface name "
		"\"abcdefghijklmnop\" (expected 1 to 15 bytes without \"/\", \":\" or "
		"whitespace, not \".\" or \"..\")",
		"t.yaml:7:69: firewall.groups.gg[0].comment: comment is too long (128 bytes, at "
		"most 127)");
}

static void test_macro(void **state)
{
	struct zone_config *cfg;
	char want[2048] =
		"t.yaml:7:42: firewall.groups.gg[0].macro: unknown macro \"Nope\" (expected "
		"one of: ";
	const struct fw_macro *m;
	size_t n, i;

	/* conflicting options: every one named */
	EXPECT_ERRORS(
		GROUP_RULE("{dir: in, action: accept, macro: SSH, proto: tcp, dport: 22, "
			   "sport: 1, icmp-type: 8}"),
		"t.yaml:7:47: firewall.groups.gg[0].proto: conflicting options \"macro\" and "
		"\"proto\": a macro sets the protocol and ports itself",
		"t.yaml:7:59: firewall.groups.gg[0].dport: conflicting options \"macro\" and "
		"\"dport\": a macro sets the protocol and ports itself",
		"t.yaml:7:70: firewall.groups.gg[0].sport: conflicting options \"macro\" and "
		"\"sport\": a macro sets the protocol and ports itself",
		"t.yaml:7:80: firewall.groups.gg[0].icmp-type: conflicting options \"macro\" and "
		"\"icmp-type\": a macro sets the protocol and ports itself");
	EXPECT_ERRORS(GROUP_RULE("{dir: in, action: accept, macro: SSH, dport: 2222}"),
		      "t.yaml:7:47: firewall.groups.gg[0].dport: conflicting options \"macro\" and "
		      "\"dport\": a macro sets the protocol and ports itself");

	/* an unknown one: all are listed */
	m = fw_macros(&n);
	for (i = 0; i < n; i++) {
		strcat(want, m[i].name);
		strcat(want, i + 1 < n ? ", " : ")");
	}
	EXPECT_ERRORS(GROUP_RULE("{dir: in, action: accept, macro: Nope}"), want);

	/* case-insensitive, stored as the table spells it */
	cfg = parse_ok(GROUP_RULE("{dir: in, action: accept, macro: neighbordiscovery}"));
	assert_string_equal(cfg->fw.groups[0].rules.v[0].macro, "NeighborDiscovery");
	zone_config_free(cfg);
}

static void test_proto(void **state)
{
	struct zone_config *cfg;

	EXPECT_ERRORS(GROUP_RULE("{dir: in, action: accept, proto: 300}"),
		      "t.yaml:7:42: firewall.groups.gg[0].proto: protocol 300 is out of range "
		      "(expected 0 to 255)");
	EXPECT_ERRORS(
		GROUP_RULE("{dir: in, action: accept, proto: TCP}"),
		"t.yaml:7:42: firewall.groups.gg[0].proto: unknown protocol \"TCP\" (expected a "
		"name like tcp, udp, icmp or icmpv6, or a number between 0 and 255)");
	/* clang-format off */
	cfg = parse_ok(GROUP_RULE("{dir: in, action: accept, proto: ipv6-icmp}")
		       "      - {dir: in, action: accept, proto: \"0\"}\n"
		       "      - {dir: out, action: drop, proto: vrrp}\n"
		       "      - {dir: out, action: drop, proto: 255}\n");
	/* clang-format on */
	assert_int_equal(cfg->fw.groups[0].rules.v[0].proto, IPPROTO_ICMPV6);
	assert_int_equal(cfg->fw.groups[0].rules.v[1].proto, 0);
	assert_int_equal(cfg->fw.groups[0].rules.v[2].proto, 112);
	assert_int_equal(cfg->fw.groups[0].rules.v[3].proto, 255);
	zone_config_free(cfg);
}

static void test_ports(void **state)
{
	struct zone_config *cfg;
	const struct fw_rule *r;

	EXPECT_ERRORS(
		GROUP_RULE("{dir: in, action: accept, proto: tcp, dport: \"0,70000,,foo,1:2:3,"
			   "90:80,080\"}"),
		"t.yaml:7:54: firewall.groups.gg[0].dport: port 0 is out of range (expected 1 "
		"to 65535)",
		"t.yaml:7:54: firewall.groups.gg[0].dport: port 70000 is out of range "
		"(expected 1 to 65535)",
		"t.yaml:7:54: firewall.groups.gg[0].dport: empty entry in the port list "
		"\"0,70000,,foo,1:2:3,90:80,080\"",
		"t.yaml:7:54: firewall.groups.gg[0].dport: unknown service \"foo\" (expected a "
		"port between 1 and 65535, a service name like ssh or https, or a range a:b)",
		"t.yaml:7:54: firewall.groups.gg[0].dport: invalid port range \"1:2:3\" "
		"(expected a:b)",
		"t.yaml:7:54: firewall.groups.gg[0].dport: port range \"90:80\" is backwards "
		"(90 is greater than 80)",
		"t.yaml:7:54: firewall.groups.gg[0].dport: invalid port \"080\" (leading zeros "
		"are not allowed)");
	/* ports need a protocol that has them */
	EXPECT_ERRORS(
		GROUP_RULE("{dir: in, action: accept, dport: 22}"),
		"t.yaml:7:35: firewall.groups.gg[0].dport: ports need proto tcp, udp, sctp or "
		"udplite (no proto is given)");
	EXPECT_ERRORS(
		GROUP_RULE("{dir: in, action: accept, proto: icmp, sport: 22}"),
		"t.yaml:7:48: firewall.groups.gg[0].sport: ports need proto tcp, udp, sctp or "
		"udplite (proto is icmp)");
	EXPECT_ERRORS(GROUP_RULE("{dir: in, action: accept, proto: 99, dport: [22]}"),
		      "t.yaml:7:53: firewall.groups.gg[0].dport: expected a port, a range a:b or a "
		      "comma-separated list of them, got a list");

	/* integers, strings, names, ranges of names, blanks around entries */
	/* clang-format off */
	cfg = parse_ok(GROUP_RULE("{dir: in, action: accept, proto: sctp, dport: 65535, "
				  "sport: \"ssh:https , 1\"}")
		       "      - {dir: in, action: accept, proto: udplite, dport: 1024:65535}\n");
	/* clang-format on */
	r = &cfg->fw.groups[0].rules.v[0];
	assert_ports(r->dport, r->n_dport, "65535:65535");
	assert_ports(r->sport, r->n_sport, "22:443,1:1");
	r = &cfg->fw.groups[0].rules.v[1];
	assert_ports(r->dport, r->n_dport, "1024:65535");
	zone_config_free(cfg);
}

static void test_icmp_type(void **state)
{
	struct zone_config *cfg;

	EXPECT_ERRORS(GROUP_RULE("{dir: in, action: accept, icmp-type: 8}"),
		      "t.yaml:7:35: firewall.groups.gg[0].icmp-type: icmp-type needs proto icmp or "
		      "icmpv6 (no proto is given)");
	EXPECT_ERRORS(GROUP_RULE("{dir: in, action: accept, proto: tcp, icmp-type: 8}"),
		      "t.yaml:7:47: firewall.groups.gg[0].icmp-type: icmp-type needs proto icmp or "
		      "icmpv6 (proto is tcp)");
	EXPECT_ERRORS(
		GROUP_RULE("{dir: in, action: accept, proto: icmp, icmp-type: "
			   "nd-neighbor-solicit}"),
		"t.yaml:7:59: firewall.groups.gg[0].icmp-type: unknown ICMP type "
		"\"nd-neighbor-solicit\" (expected a name like echo-request, a number between "
		"0 and 255, or any)");
	EXPECT_ERRORS(GROUP_RULE("{dir: in, action: accept, proto: icmpv6, icmp-type: 256}"),
		      "t.yaml:7:61: firewall.groups.gg[0].icmp-type: ICMP type 256 is out of range "
		      "(expected 0 to 255)");
	/* clang-format off */
	cfg = parse_ok(GROUP_RULE("{dir: in, action: accept, proto: icmp, icmp-type: any}")
		       "      - {dir: in, action: accept, proto: 58, icmp-type: packet-too-big}\n"
		       "      - {dir: in, action: accept, proto: icmp, icmp-type: 42}\n");
	/* clang-format on */
	assert_int_equal(cfg->fw.groups[0].rules.v[0].icmp_type, -1);
	assert_int_equal(cfg->fw.groups[0].rules.v[1].icmp_type, 2);
	assert_int_equal(cfg->fw.groups[0].rules.v[2].icmp_type, 42);
	zone_config_free(cfg);
}

static void test_addresses(void **state)
{
	EXPECT_ERRORS(
		HEAD "firewall:\n"
		     "  ipsets: {mgmt: []}\n"
		     "  aliases: {dns1: 192.0.2.53}\n"
		     "  groups:\n"
		     "    gg:\n"
		     "      - {dir: in, action: accept, source: \"+mgmt,10.0.0.1\"}\n"
		     "      - {dir: in, action: accept, source: \"+1x\"}\n"
		     "      - {dir: in, action: accept, source: \"+nope\"}\n"
		     "      - {dir: in, action: accept, source: \"10.0.0.1,,+mgmt\"}\n"
		     "      - {dir: in, action: accept, source: \"10.0.0.1\", dest: \"::1\"}\n"
		     "      - {dir: in, action: accept, dest: \"10.0.0.9/24\"}\n"
		     "      - {dir: in, action: accept, dest: nope}\n",
		"t.yaml:9:43: firewall.groups.gg[0].source: an ipset must stand alone, not in "
		"a list (got \"+mgmt,10.0.0.1\")",
		"t.yaml:10:43: firewall.groups.gg[1].source: invalid ipset name \"1x\" "
		"(expected 2 to 31 characters [A-Za-z0-9_-], starting with a letter)",
		"t.yaml:11:43: firewall.groups.gg[2].source: ipset \"nope\" does not exist "
		"(defined ipsets: mgmt)",
		"t.yaml:12:43: firewall.groups.gg[3].source: empty entry in the list "
		"\"10.0.0.1,,+mgmt\"",
		"t.yaml:12:43: firewall.groups.gg[3].source: invalid address \"+mgmt\" (an "
		"ipset cannot be in a list)",
		"t.yaml:13:61: firewall.groups.gg[4].dest: source and dest have no address "
		"family in common (source is IPv4, dest is IPv6)",
		"t.yaml:14:41: firewall.groups.gg[5].dest: 10.0.0.9/24 has host bits set; did "
		"you mean 10.0.0.0/24?",
		"t.yaml:15:41: firewall.groups.gg[6].dest: alias \"nope\" does not exist "
		"(defined aliases: dns1)");
	/* nothing defined */
	EXPECT_ERRORS(
		GROUP_RULE("{dir: in, action: accept, source: +mgmt, dest: dns1}"),
		"t.yaml:7:43: firewall.groups.gg[0].source: ipset \"mgmt\" does not exist (no "
		"ipsets are defined)",
		"t.yaml:7:56: firewall.groups.gg[0].dest: alias \"dns1\" does not exist (no "
		"aliases are defined)");
	/* families in common: fine, also with a mixed list */
	zone_config_free(parse_ok(GROUP_RULE("{dir: in, action: accept, source: \"10.0.0.1,::1\", "
					     "dest: \"::2\"}")));
}

static void test_group_includes(void **state)
{
	/* only group, enable, iface and comment go with group */
	EXPECT_ERRORS(HEAD
		      "firewall:\n"
		      "  groups:\n"
		      "    g1: [{group: g2, dir: in, action: drop, comment: x, enable: false}]\n"
		      "    g2: [{group: nope}]\n",
		      "t.yaml:6:22: firewall.groups.g1[0].dir: not allowed in a rule that includes "
		      "a group (only group, enable, iface and comment are)",
		      "t.yaml:6:31: firewall.groups.g1[0].action: not allowed in a rule that "
		      "includes a group (only group, enable, iface and comment are)",
		      "t.yaml:7:18: firewall.groups.g2[0].group: group \"nope\" does not exist "
		      "(defined groups: g1, g2)");
	/* a group defined later can be included; a broken one stays quiet */
	EXPECT_ERRORS(HEAD "firewall:\n"
			   "  groups:\n"
			   "    g1: [{group: g2}, {group: g-3}]\n"
			   "    g2: []\n"
			   "    g-3: [{dir: in}]\n",
		      "t.yaml:8:11: firewall.groups.g-3[0].action: required key is missing "
		      "(expected accept, drop or reject)");
}

static void test_group_loops(void **state)
{
	EXPECT_ERRORS(HEAD "firewall:\n"
			   "  groups:\n"
			   "    self: [{group: self}]\n",
		      "t.yaml:6:20: firewall.groups.self[0].group: group \"self\" includes itself");
	EXPECT_ERRORS(HEAD "firewall:\n"
			   "  groups:\n"
			   "    aa: [{dir: in, action: accept}, {group: bb}]\n"
			   "    bb: [{group: cc}]\n"
			   "    cc: [{group: aa}, {group: dd}]\n"
			   "    dd: [{group: bb}]\n"
			   "    ee: [{group: aa}]\n",
		      "t.yaml:8:18: firewall.groups.cc[0].group: groups include each other in a "
		      "loop: aa -> bb -> cc -> aa",
		      "t.yaml:9:18: firewall.groups.dd[0].group: groups include each other in a "
		      "loop: bb -> cc -> dd -> bb");
	/* a diamond is no loop */
	zone_config_free(parse_ok(HEAD "firewall:\n"
				       "  groups:\n"
				       "    aa: [{group: bb}, {group: cc}]\n"
				       "    bb: [{group: dd}]\n"
				       "    cc: [{group: dd}]\n"
				       "    dd: []\n"));
}

static void test_vnets(void **state)
{
	EXPECT_ERRORS(HEAD "firewall:\n"
			   "  vnets:\n"
			   "    web:\n"
			   "      rules: [{dir: in, action: accept}, {group: g1}]\n"
			   "      policy-forward: allow\n"
			   "      log-forward: loud\n"
			   "      enable: on\n"
			   "      policy-in: drop\n"
			   "    nope: {}\n"
			   "    db: []\n",
		      "t.yaml:7:21: firewall.vnets.web.rules[0].dir: vnet rules filter the traffic "
		      "forwarded across the vnet: expected forward, got \"in\"",
		      "t.yaml:7:43: firewall.vnets.web.rules[1].group: vnet rules cannot include a "
		      "group (security groups hold in and out rules)",
		      "t.yaml:8:23: firewall.vnets.web.policy-forward: unknown action \"allow\" "
		      "(expected accept, drop or reject)",
		      "t.yaml:9:20: firewall.vnets.web.log-forward: unknown log level \"loud\" "
		      "(expected one of: emerg, alert, crit, err, warning, notice, info, debug, "
		      "nolog)",
		      "t.yaml:10:15: firewall.vnets.web.enable: expected true or false, got \"on\"",
		      "t.yaml:11:7: firewall.vnets.web.policy-in: unknown key \"policy-in\" "
		      "(expected one of: enable, policy-forward, log-forward, rules)",
		      "t.yaml:12:5: firewall.vnets.nope: vnet \"nope\" does not exist (defined "
		      "vnets: web, db)",
		      "t.yaml:13:9: firewall.vnets.db: expected a mapping, got a list");
	EXPECT_ERRORS("version: 1\nfirewall: {vnets: {web: {}}}\n",
		      "t.yaml:2:20: firewall.vnets.web: vnet \"web\" does not exist (no vnets are "
		      "defined)");
}

static void test_attachments(void **state)
{
	EXPECT_ERRORS(
		HEAD "attachments:\n"
		     "  tap0: {firewall: {rules: [{dir: forward, action: accept}], "
		     "ipfilter: [10.0.0.0/24, \"10.0.0.1-10.0.0.2\", +mgmt, 10.0.0.1/8], "
		     "macfilter: yes, bogus: 1}}\n"
		     "  tap1: {bridge: vmbr0, vnet: web}\n"
		     "  \"a/b\": {firewall: {}}\n"
		     "  tap2: {firewall: null, firewall: {}}\n"
		     "  tap3: {}\n"
		     "  tap4:\n"
		     "  tap5: {firewall: {ipfilter: 10.0.0.1, policy-out: maybe, dhcp: 1, ndp: 1, "
		     "radv: 1, rules: {}}}\n",
		"t.yaml:5:35: attachments.tap0.firewall.rules[0].dir: direction \"forward\" is "
		"for vnet rules only (expected in or out)",
		"t.yaml:5:86: attachments.tap0.firewall.ipfilter[1]: invalid address "
		"\"10.0.0.1-10.0.0.2\" (expected an IP address or a CIDR)",
		"t.yaml:5:107: attachments.tap0.firewall.ipfilter[2]: invalid address \"+mgmt\" "
		"(expected an IP address or a CIDR)",
		"t.yaml:5:114: attachments.tap0.firewall.ipfilter[3]: 10.0.0.1/8 has host bits "
		"set; did you mean 10.0.0.0/8?",
		"t.yaml:5:138: attachments.tap0.firewall.macfilter: expected true or false, "
		"got \"yes\"",
		"t.yaml:5:143: attachments.tap0.firewall.bogus: unknown key \"bogus\" "
		"(expected one of: enable, policy-in, policy-out, log-in, log-out, macfilter, "
		"ipfilter, dhcp, ndp, radv, rules)",
		"t.yaml:6:10: attachments.tap1.bridge: unknown key \"bridge\" (only "
		"\"firewall\" can be set here; attachments themselves are made through the "
		"control API: sdnctl attach)",
		"t.yaml:6:25: attachments.tap1.vnet: unknown key \"vnet\" (only \"firewall\" "
		"can be set here; attachments themselves are made through the control API: "
		"sdnctl attach)",
		"t.yaml:7:3: attachments.a/b: invalid interface name \"a/b\" (expected 1 to 15 "
		"bytes without \"/\", \":\" or whitespace, not \".\" or \"..\")",
		"t.yaml:8:26: attachments.tap2.firewall: duplicate key \"firewall\" (first at "
		"line 8)",
		"t.yaml:9:3: attachments.tap3.firewall: required key is missing (the firewall "
		"of the attachment)",
		"t.yaml:10:8: attachments.tap4: expected a mapping, got an empty value",
		"t.yaml:11:31: attachments.tap5.firewall.ipfilter: expected a list of IP "
		"addresses or CIDRs, got \"10.0.0.1\"",
		"t.yaml:11:53: attachments.tap5.firewall.policy-out: unknown action \"maybe\" "
		"(expected accept, drop or reject)",
		"t.yaml:11:66: attachments.tap5.firewall.dhcp: expected true or false, got "
		"\"1\"",
		"t.yaml:11:74: attachments.tap5.firewall.ndp: expected true or false, got "
		"\"1\"",
		"t.yaml:11:83: attachments.tap5.firewall.radv: expected true or false, got "
		"\"1\"",
		"t.yaml:11:93: attachments.tap5.firewall.rules: expected a list of rules, got "
		"a mapping");
}

/* Every problem of every section is reported, sorted by position; no config is returned. */
static void test_all_errors_reported(void **state)
{
	EXPECT_ERRORS(
		"version: 1\n"
		"zones: {z1: {type: bogus}}\n"
		"vnets: {web: {zone: z1, subnets: {10.0.0.0/8: {snat: 1}}}}\n"
		"attachments: {tap0: {firewall: {rules: [{group: nope}]}}}\n"
		"firewall: {groups: {g1: [{dir: in}]}}\n",
		"t.yaml:2:20: zones.z1.type: unknown zone type \"bogus\" (expected one of: "
		"simple, vxlan, vlan, qinq)",
		"t.yaml:3:54: vnets.web.subnets.10.0.0.0/8.snat: expected true or false, got "
		"\"1\"",
		"t.yaml:4:49: attachments.tap0.firewall.rules[0].group: group \"nope\" does not "
		"exist (defined groups: g1)",
		"t.yaml:5:26: firewall.groups.g1[0].action: required key is missing (expected "
		"accept, drop or reject)");
}

/* ---- JSON --------------------------------------------------------------------------------- */

static struct json_object *jparse(const char *s)
{
	struct json_object *j = json_tokener_parse(s);

	if (!j)
		fail_msg("bad JSON in the test: %s", s);
	return j;
}

/* from_json(j) must fail with where and msg; ret untouched. */
static void check_json_error(const char *json, const struct fw_config *cfg, bool has_mac,
			     const char *want_where, const char *want_msg)
{
	struct json_object *j = jparse(json);
	struct fw_nic nic = { .n_ipfilter = 77 };
	char where[256], msg[1024];

	assert_int_equal(
		fw_nic_from_json(j, cfg, has_mac, &nic, where, sizeof(where), msg, sizeof(msg)),
		-EINVAL);
	assert_string_equal(where, want_where);
	assert_string_equal(msg, want_msg);
	assert_int_equal(nic.n_ipfilter, 77);
	json_object_put(j);
}

/* from_json(to_json(n)) == n, and to_json of that is the same text */
static void check_round_trip(const struct fw_nic *n, const struct fw_config *cfg)
{
	struct json_object *j = fw_nic_to_json(n), *j2;
	struct fw_nic back;
	char where[256], msg[1024];
	int r;

	assert_non_null(j);
	r = fw_nic_from_json(j, cfg, true, &back, where, sizeof(where), msg, sizeof(msg));
	if (r < 0)
		fail_msg("%s: %s (%s)", where, msg,
			 json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
	assert_true(fw_nic_equal(n, &back));
	j2 = fw_nic_to_json(&back);
	assert_string_equal(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN),
			    json_object_to_json_string_ext(j2, JSON_C_TO_STRING_PLAIN));
	fw_nic_done(&back);
	json_object_put(j);
	json_object_put(j2);
}

static void test_json_round_trip(void **state)
{
	struct zone_config *cfg = parse_ok(full_doc);
	struct json_object *j;
	struct fw_nic nic;
	char where[256], msg[1024];
	size_t i;

	for (i = 0; i < cfg->fw.n_nics; i++)
		check_round_trip(&cfg->fw.nics[i].fw, &cfg->fw);

	/* every kind of field, through JSON in, out, in */
	j = jparse("{\"enable\": false, \"policy-in\": \"accept\", \"policy-out\": \"reject\","
		   " \"log-in\": \"alert\", \"log-out\": \"crit\", \"macfilter\": false,"
		   " \"ipfilter\": [], \"dhcp\": true, \"radv\": true, \"rules\": ["
		   " {\"dir\": \"out\", \"action\": \"reject\", \"macro\": \"dns\","
		   "  \"log\": \"emerg\","
		   "  \"source\": \"10.0.0.0/8,10.1.0.1-10.1.0.9,192.0.2.1\", \"dest\": \"+mgmt\","
		   "  \"iface\": \"net0\", \"comment\": \"caf\u00e9 \\\"quoted\\\" / slash\"},"
		   " {\"dir\": \"in\", \"action\": \"drop\", \"proto\": 17, \"sport\": 53,"
		   "  \"dport\": \"1:1023,ntp\", \"enable\": false, \"dest\": \"dns1\"},"
		   " {\"dir\": \"in\", \"action\": \"accept\", \"proto\": \"icmp\","
		   "  \"icmp-type\": 13},"
		   " {\"dir\": \"in\", \"action\": \"accept\", \"proto\": \"icmp\","
		   "  \"icmp-type\": 200},"
		   " {\"dir\": \"in\", \"action\": \"accept\", \"proto\": 250},"
		   " {\"group\": \"other\", \"iface\": \"net1\", \"comment\": \"x\"}]}");
	assert_int_equal(
		fw_nic_from_json(j, &cfg->fw, false, &nic, where, sizeof(where), msg, sizeof(msg)),
		0);
	json_object_put(j);
	assert_false(nic.enable);
	assert_int_equal(nic.policy_in, FW_ACCEPT);
	assert_int_equal(nic.policy_out, FW_REJECT);
	assert_int_equal(nic.log_in, FW_LOG_ALERT);
	assert_int_equal(nic.log_out, FW_LOG_CRIT);
	assert_int_equal(nic.macfilter, 0);
	assert_true(nic.has_ipfilter);
	assert_int_equal(nic.n_ipfilter, 0);
	assert_true(nic.dhcp);
	assert_false(nic.ndp);
	assert_true(nic.radv);
	assert_int_equal(nic.rules.n, 6);
	assert_string_equal(nic.rules.v[0].macro, "DNS");
	assert_string_equal(nic.rules.v[0].dest.ipset, "mgmt");
	assert_int_equal(nic.rules.v[0].source.n, 3);
	assert_string_equal(nic.rules.v[0].comment, "caf\u00e9 \"quoted\" / slash");
	assert_int_equal(nic.rules.v[0].line, 0); /* from the API */
	assert_int_equal(nic.rules.v[1].dest.n, 1);
	assert_range(&nic.rules.v[1].dest.r[0], "192.0.2.53", "192.0.2.53"); /* the alias */
	assert_ports(nic.rules.v[1].dport, nic.rules.v[1].n_dport, "1:1023,123:123");
	assert_string_equal(nic.rules.v[5].group, "other");
	check_round_trip(&nic, &cfg->fw);

	/* what the API shows */
	j = fw_nic_to_json(&nic);
	assert_string_equal(
		json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE),
		"{\"enable\":false,\"policy-in\":\"accept\",\"policy-out\":\"reject\","
		"\"log-in\":\"alert\",\"log-out\":\"crit\",\"macfilter\":false,\"ipfilter\":[],"
		"\"dhcp\":true,\"ndp\":false,\"radv\":true,\"rules\":["
		"{\"dir\":\"out\",\"action\":\"reject\",\"macro\":\"DNS\","
		"\"source\":\"10.0.0.0/8,10.1.0.1-10.1.0.9,192.0.2.1\",\"dest\":\"+mgmt\","
		"\"log\":\"emerg\",\"enable\":true,\"iface\":\"net0\","
		"\"comment\":\"caf\u00e9 \\\"quoted\\\" / slash\"},"
		"{\"dir\":\"in\",\"action\":\"drop\",\"proto\":\"udp\",\"dest\":\"192.0.2.53\","
		"\"sport\":\"53\",\"dport\":\"1:1023,123\",\"log\":\"nolog\",\"enable\":false},"
		"{\"dir\":\"in\",\"action\":\"accept\",\"proto\":\"icmp\","
		"\"icmp-type\":\"timestamp-request\",\"log\":\"nolog\",\"enable\":true},"
		"{\"dir\":\"in\",\"action\":\"accept\",\"proto\":\"icmp\",\"icmp-type\":200,"
		"\"log\":\"nolog\",\"enable\":true},"
		"{\"dir\":\"in\",\"action\":\"accept\",\"proto\":250,\"log\":\"nolog\","
		"\"enable\":true},"
		"{\"group\":\"other\",\"enable\":true,\"iface\":\"net1\",\"comment\":\"x\"}]}");
	json_object_put(j);
	fw_nic_done(&nic);

	/* null and {}: the defaults; without a configuration, ipsets and groups are not checked */
	assert_int_equal(
		fw_nic_from_json(NULL, NULL, false, &nic, where, sizeof(where), msg, sizeof(msg)),
		0);
	assert_true(nic.enable);
	assert_int_equal(nic.policy_in, FW_DROP);
	assert_int_equal(nic.macfilter, -1);
	fw_nic_done(&nic);
	j = jparse("{\"rules\": [{\"group\": \"anything\"}, {\"dir\": \"in\", \"action\": "
		   "\"accept\", \"source\": \"+whatever\"}]}");
	assert_int_equal(
		fw_nic_from_json(j, NULL, false, &nic, where, sizeof(where), msg, sizeof(msg)), 0);
	assert_string_equal(nic.rules.v[0].group, "anything");
	check_round_trip(&nic, NULL);
	/* ... but they are when checked against one */
	assert_int_equal(fw_nic_check_refs(&nic, &cfg->fw, msg, sizeof(msg)), -ENOENT);
	assert_string_equal(msg, "group \"anything\" does not exist");
	strcpy(nic.rules.v[0].group, "other");
	assert_int_equal(fw_nic_check_refs(&nic, &cfg->fw, msg, sizeof(msg)), -ENOENT);
	assert_string_equal(msg, "ipset \"whatever\" does not exist");
	strcpy(nic.rules.v[1].source.ipset, "mgmt");
	assert_int_equal(fw_nic_check_refs(&nic, &cfg->fw, msg, sizeof(msg)), 0);
	assert_int_equal(fw_nic_check_refs(&nic, NULL, msg, sizeof(msg)), -ENOENT);
	assert_string_equal(msg, "group \"other\" does not exist");
	fw_nic_done(&nic);
	json_object_put(j);

	zone_config_free(cfg);
}

static void test_json_errors(void **state)
{
	struct zone_config *cfg = parse_ok(full_doc);
	const struct fw_config *fw = &cfg->fw;

	check_json_error(
		"{\"rules\": [{\"dir\": \"in\", \"action\": \"accept\", \"proto\": \"tcp\","
		" \"dport\": \"0\"}]}",
		fw, true, "firewall.rules[0].dport",
		"port 0 is out of range (expected 1 to 65535)");
	check_json_error("{\"policy-in\": \"maybe\"}", fw, true, "firewall.policy-in",
			 "unknown action \"maybe\" (expected accept, drop or reject)");
	check_json_error("{\"colour\": 1}", fw, true, "firewall.colour",
			 "unknown key \"colour\" (expected one of: enable, policy-in, policy-out, "
			 "log-in, log-out, macfilter, ipfilter, dhcp, ndp, radv, rules)");
	check_json_error("{\"enable\": \"true\"}", fw, true, "firewall.enable",
			 "expected true or false, got the quoted string \"true\" (booleans must "
			 "not be quoted)");
	check_json_error("{\"macfilter\": true}", fw, false, "firewall.macfilter",
			 "macfilter needs a MAC address, and the attachment has none");
	check_json_error("[]", fw, true, "firewall", "expected a mapping, got a list");
	check_json_error("{\"rules\": [{\"group\": \"nope\"}]}", fw, true,
			 "firewall.rules[0].group",
			 "group \"nope\" does not exist (defined groups: webserver, other)");
	check_json_error("{\"rules\": [{\"group\": \"x\"}]}", NULL, true, "firewall.rules[0].group",
			 "invalid group name \"x\" (expected 2 to 31 characters [A-Za-z0-9_-], "
			 "starting with a letter)");
	check_json_error(
		"{\"rules\": [{\"dir\": \"in\", \"action\": \"accept\", \"dest\": \"dns1\"}]}",
		NULL, true, "firewall.rules[0].dest",
		"alias \"dns1\" does not exist (no aliases are defined)");
	check_json_error(
		"{\"rules\": [{\"dir\": \"in\", \"action\": \"accept\", \"macro\": \"SSH\","
		" \"dport\": 22}]}",
		fw, true, "firewall.rules[0].dport",
		"conflicting options \"macro\" and \"dport\": a macro sets the protocol and "
		"ports itself");
	check_json_error("{\"ipfilter\": [\"10.0.0.1\", 5.5]}", fw, true, "firewall.ipfilter[1]",
			 "invalid address \"5.5\" (expected an IP address or a CIDR)");
	check_json_error("{\"rules\": [{\"dir\": \"in\", \"action\": \"accept\", \"comment\": "
			 "\"a\\u0000b\"}]}",
			 fw, true, "firewall.rules[0].comment",
			 "expected a string, got the quoted string \"a\\x00b\" (contains a NUL "
			 "character)");
	/* the first of several, in document order */
	check_json_error("{\"dhcp\": 1, \"rules\": [{}]}", fw, true, "firewall.dhcp",
			 "expected true or false, got \"1\"");
	zone_config_free(cfg);
}

/* ---- the model ---------------------------------------------------------------------------- */

static void test_copy_equal(void **state)
{
	struct zone_config *cfg = parse_ok(full_doc);
	const struct fw_nic *a = fw_config_nic(&cfg->fw, "tap100i0");
	struct fw_nic b;
	struct fw_config empty = { 0 };

	assert_int_equal(fw_nic_copy(&b, a), 0);
	assert_true(fw_nic_equal(a, &b));
	assert_ptr_not_equal(a->rules.v, b.rules.v);
	assert_ptr_not_equal(a->ipfilter, b.ipfilter);
	b.rules.v[1].line = 99; /* where it was written does not count */
	assert_true(fw_nic_equal(a, &b));
	b.rules.v[1].dport[0].hi = 8081;
	assert_false(fw_nic_equal(a, &b));
	b.rules.v[1].dport[0].hi = 8080;
	b.ipfilter[2].hi = b.ipfilter[2].lo;
	assert_false(fw_nic_equal(a, &b));
	b.ipfilter[2].hi = a->ipfilter[2].hi;
	b.macfilter = -1;
	assert_false(fw_nic_equal(a, &b));
	b.macfilter = 1;
	strcpy(b.rules.v[0].group, "other");
	assert_false(fw_nic_equal(a, &b));
	assert_true(fw_nic_equal(NULL, NULL));
	assert_false(fw_nic_equal(a, NULL));
	fw_nic_done(&b);
	assert_null(b.rules.v);
	fw_nic_done(&b); /* idempotent */
	fw_nic_done(NULL);
	fw_rules_done(NULL);
	fw_config_done(NULL);
	fw_config_done(&empty);

	/* an empty one */
	assert_int_equal(fw_nic_copy(&b, fw_config_nic(&cfg->fw, "tap101i0")), 0);
	assert_true(fw_nic_equal(&b, fw_config_nic(&cfg->fw, "tap101i0")));
	assert_false(fw_nic_equal(&b, a));
	fw_nic_done(&b);
	zone_config_free(cfg);
}

static void test_iprange_str(void **state)
{
	struct fw_iprange r;
	char b[FW_IPRANGE_STRLEN];

	r = (struct fw_iprange){ ip("0.0.0.0"), ip("255.255.255.255") };
	assert_string_equal(fw_iprange_str(&r, b), "0.0.0.0/0");
	r = (struct fw_iprange){ ip("10.0.0.0"), ip("10.0.0.0") };
	assert_string_equal(fw_iprange_str(&r, b), "10.0.0.0");
	r = (struct fw_iprange){ ip("10.0.0.0"), ip("10.0.0.1") };
	assert_string_equal(fw_iprange_str(&r, b), "10.0.0.0/31");
	r = (struct fw_iprange){ ip("10.0.0.1"), ip("10.0.0.2") };
	assert_string_equal(fw_iprange_str(&r, b), "10.0.0.1-10.0.0.2");
	r = (struct fw_iprange){ ip("10.0.0.0"), ip("10.0.0.2") };
	assert_string_equal(fw_iprange_str(&r, b), "10.0.0.0-10.0.0.2");
	r = (struct fw_iprange){ ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:0"),
				 ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff") };
	assert_string_equal(fw_iprange_str(&r, b), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:0/112");
	r = (struct fw_iprange){ ip("::"), ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff") };
	assert_string_equal(fw_iprange_str(&r, b), "::/0");
	r = (struct fw_iprange){ ip("1:2:3:4:5:6:7:8"),
				 ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe") };
	assert_string_equal(fw_iprange_str(&r, b),
			    "1:2:3:4:5:6:7:8-ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe");
}

/* Every enum value has a name that maps back to it. */
static void test_string_tables(void **state)
{
	int i;

	for (i = 0; i < _FW_DIR_MAX; i++) {
		assert_non_null(fw_dir_to_string((enum fw_dir)i));
		assert_int_equal(fw_dir_from_string(fw_dir_to_string((enum fw_dir)i)), i);
	}
	assert_null(fw_dir_to_string(_FW_DIR_MAX));
	for (i = 0; i < _FW_ACTION_MAX; i++) {
		assert_non_null(fw_action_to_string((enum fw_action)i));
		assert_int_equal(fw_action_from_string(fw_action_to_string((enum fw_action)i)), i);
	}
	assert_null(fw_action_to_string(_FW_ACTION_MAX));
	for (i = 0; i < _FW_LOG_MAX; i++) {
		assert_non_null(fw_log_to_string((enum fw_log)i));
		assert_int_equal(fw_log_from_string(fw_log_to_string((enum fw_log)i)), i);
	}
	assert_null(fw_log_to_string(_FW_LOG_MAX));
	assert_null(fw_log_to_string((enum fw_log) - 1));

	assert_string_equal(fw_dir_to_string(FW_DIR_FORWARD), "forward");
	assert_string_equal(fw_action_to_string(FW_REJECT), "reject");
	assert_string_equal(fw_log_to_string(FW_LOG_NOLOG), "nolog");
	assert_string_equal(fw_log_to_string(FW_LOG_WARNING), "warning");
	assert_int_equal(fw_dir_from_string("IN"), -1);
	assert_int_equal(fw_action_from_string("ACCEPT"), -1);
	assert_int_equal(fw_log_from_string(""), -1);
	assert_int_equal(fw_log_from_string(NULL), -1);

	/* protocols, ICMP types, services */
	assert_int_equal(fw_proto_from_string("tcp"), IPPROTO_TCP);
	assert_int_equal(fw_proto_from_string("ipv6-icmp"), IPPROTO_ICMPV6);
	assert_string_equal(fw_proto_to_string(IPPROTO_ICMPV6), "icmpv6");
	assert_string_equal(fw_proto_to_string(IPPROTO_UDPLITE), "udplite");
	assert_null(fw_proto_to_string(250));
	assert_int_equal(fw_proto_from_string("nope"), -1);
	for (i = 0; i < 256; i++) {
		const char *s = fw_proto_to_string(i);

		if (s)
			assert_int_equal(fw_proto_from_string(s), i);
		s = fw_icmp_type_to_string(IPPROTO_ICMP, i);
		if (s)
			assert_int_equal(fw_icmp_type_from_string(IPPROTO_ICMP, s), i);
		s = fw_icmp_type_to_string(IPPROTO_ICMPV6, i);
		if (s)
			assert_int_equal(fw_icmp_type_from_string(IPPROTO_ICMPV6, s), i);
	}
	assert_int_equal(fw_icmp_type_from_string(IPPROTO_ICMP, "echo-request"), 8);
	assert_int_equal(fw_icmp_type_from_string(IPPROTO_ICMPV6, "echo-request"), 128);
	assert_int_equal(fw_icmp_type_from_string(IPPROTO_ICMPV6, "router-solicitation"), 133);
	assert_string_equal(fw_icmp_type_to_string(IPPROTO_ICMPV6, 136), "nd-neighbor-advert");
	assert_int_equal(fw_icmp_type_from_string(IPPROTO_TCP, "echo-request"), -1);
	assert_null(fw_icmp_type_to_string(IPPROTO_TCP, 8));
	assert_int_equal(fw_service_from_string("ssh"), 22);
	assert_int_equal(fw_service_from_string("domain"), 53);
	assert_int_equal(fw_service_from_string("postgresql"), 5432);
	assert_int_equal(fw_service_from_string("SSH"), -1);
}

static void assert_entry(const struct fw_macro_entry *e, int proto, unsigned int dlo,
			 unsigned int dhi, unsigned int slo, unsigned int shi, int icmp)
{
	assert_int_equal(e->proto, proto);
	assert_int_equal(e->dport.lo, dlo);
	assert_int_equal(e->dport.hi, dhi);
	assert_int_equal(e->sport.lo, slo);
	assert_int_equal(e->sport.hi, shi);
	assert_int_equal(e->icmp_type, icmp);
}

static void test_macros(void **state)
{
	static const char *const required[] = {
		"SSH",	  "HTTP",  "HTTPS",   "DNS",  "Ping",  "NTP",	     "SMTP",
		"IMAP",	  "IMAPS", "DHCPfwd", "BGP",  "MySQL", "PostgreSQL", "RDP",
		"Telnet", "FTP",   "SNMP",    "POP3", "POP3S", "SMTPS",	     "Submission",
		"LDAP",	  "LDAPS", "Syslog",  "HKP",  "Web",   "Squid",	     "NeighborDiscovery",
	};
	const struct fw_macro *m, *all;
	size_t n, i, j;

	all = fw_macros(&n);
	assert_true(n >= ARRAY_SIZE(required));
	for (i = 0; i < n; i++) {
		assert_true(strlen(all[i].name) >= 2 && strlen(all[i].name) <= FW_NAME_MAX);
		assert_true(all[i].desc && *all[i].desc);
		assert_true(all[i].n > 0);
		assert_ptr_equal(fw_macro_find(all[i].name), &all[i]);
		if (i)
			assert_true(strcasecmp(all[i - 1].name, all[i].name) < 0); /* sorted */
		for (j = 0; j < all[i].n; j++) {
			const struct fw_macro_entry *e = &all[i].e[j];

			assert_true(e->proto >= 0 && e->proto <= 255);
			assert_true(e->dport.lo <= e->dport.hi && e->sport.lo <= e->sport.hi);
			if (e->dport.lo || e->sport.lo)
				assert_true(e->proto == IPPROTO_TCP || e->proto == IPPROTO_UDP);
			if (e->icmp_type >= 0)
				assert_true(e->proto == IPPROTO_ICMP || e->proto == IPPROTO_ICMPV6);
		}
	}
	for (i = 0; i < ARRAY_SIZE(required); i++)
		if (!fw_macro_find(required[i]))
			fail_msg("macro %s is missing", required[i]);

	m = fw_macro_find("ssh");
	assert_string_equal(m->name, "SSH");
	assert_int_equal(m->n, 1);
	assert_entry(&m->e[0], IPPROTO_TCP, 22, 22, 0, 0, -1);
	m = fw_macro_find("DNS");
	assert_int_equal(m->n, 2);
	assert_entry(&m->e[0], IPPROTO_UDP, 53, 53, 0, 0, -1);
	assert_entry(&m->e[1], IPPROTO_TCP, 53, 53, 0, 0, -1);
	m = fw_macro_find("PING");
	assert_int_equal(m->n, 1);
	assert_entry(&m->e[0], IPPROTO_ICMP, 0, 0, 0, 0, 8);
	m = fw_macro_find("DHCPfwd");
	assert_entry(&m->e[0], IPPROTO_UDP, 67, 68, 67, 68, -1);
	m = fw_macro_find("NeighborDiscovery");
	assert_int_equal(m->n, 5);
	for (i = 0; i < 5; i++)
		assert_entry(&m->e[i], IPPROTO_ICMPV6, 0, 0, 0, 0, 133 + (int)i);
	m = fw_macro_find("Web");
	assert_int_equal(m->n, 2);
	assert_entry(&m->e[0], IPPROTO_TCP, 80, 80, 0, 0, -1);
	assert_entry(&m->e[1], IPPROTO_TCP, 443, 443, 0, 0, -1);
	m = fw_macro_find("GRE");
	assert_entry(&m->e[0], 47, 0, 0, 0, 0, -1);
	assert_null(fw_macro_find("SixXS"));
	assert_null(fw_macro_find(""));
	assert_null(fw_macro_find(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_document),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_no_firewall),
		cmocka_unit_test(test_snat),
		cmocka_unit_test(test_ipset_edges),
		cmocka_unit_test(test_sections),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_ipset_entries),
		cmocka_unit_test(test_aliases),
		cmocka_unit_test(test_rule_shape),
		cmocka_unit_test(test_rule_iface_comment),
		cmocka_unit_test(test_macro),
		cmocka_unit_test(test_proto),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_icmp_type),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_group_includes),
		cmocka_unit_test(test_group_loops),
		cmocka_unit_test(test_vnets),
		cmocka_unit_test(test_attachments),
		cmocka_unit_test(test_all_errors_reported),
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_json_errors),
		cmocka_unit_test(test_copy_equal),
		cmocka_unit_test(test_iprange_str),
		cmocka_unit_test(test_string_tables),
		cmocka_unit_test(test_macros),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
