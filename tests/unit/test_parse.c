// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zones/parse.c and zones/model.c: every validation message (exact text and position), the
 * model a good document yields, JSON input, the shipped examples, derived names.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "parseutil.h"
#include "sdnd/util.h"
#include "zones/model.h"

/* clang-format off */
#define IP4(a, b, c, d) { .family = AF_INET, .addr = { a, b, c, d } }
/* clang-format on */

static const struct zone_local_addr local_first[] = {
	{ .ip = IP4(192, 0, 2, 1), .mtu = 1500 },
};

/*
 * pve1's devices: a VLAN-aware bridge vmbr0 (port eth0), a plain bridge vmbr1 whose physical
 * port eth1 comes after a guest's tap, a plain bridge vmbr2 with only a veth, a physical NIC
 * eth2 and a bond bond0 that are no bridge's ports.
 */
static const struct zone_local_link links_pve1[] = {
	{ .name = "vmbr0", .kind = "bridge", .vlan_filtering = true, .mtu = 1500 },
	{ .name = "eth0", .master = "vmbr0", .mtu = 1500 },
	{ .name = "vmbr1", .kind = "bridge", .mtu = 9000 },
	{ .name = "tap100i0", .kind = "tun", .master = "vmbr1", .mtu = 9000 },
	{ .name = "eth1", .master = "vmbr1", .mtu = 9000 },
	{ .name = "vmbr2", .kind = "bridge", .mtu = 1500 },
	{ .name = "veth7", .kind = "veth", .master = "vmbr2", .mtu = 1500 },
	{ .name = "eth2", .mtu = 1500 },
	{ .name = "bond0", .kind = "bond", .mtu = 1500 },
};

/* pve1, whose address is 192.0.2.1: the first peer of every example */
static const struct zone_env env_pve1 = {
	.node = "pve1",
	.addrs = local_first,
	.n_addrs = ARRAY_SIZE(local_first),
	.links = links_pve1,
	.n_links = ARRAY_SIZE(links_pve1),
};

static struct sdnd_ip ip(const char *s)
{
	struct sdnd_ip r;

	assert_int_equal(sdnd_ip_parse(s, &r), 0);
	return r;
}

#define EXPECT_ERRORS_ENV(env, doc, ...)                                                           \
	check_errors(doc, env, (const char *const[]){ __VA_ARGS__, NULL })
#define EXPECT_ERRORS(doc, ...) EXPECT_ERRORS_ENV(&env_pve1, doc, __VA_ARGS__)

#define parse_ok parse_env_ok

static void accept_doc(const char *doc, const struct zone_env *env)
{
	zone_config_free(parse_ok(doc, env));
}

/* A valid vxlan zone to hang vnets on, on lines 1-5. */
#define HEAD                                                                                       \
	"version: 1\n"                                                                             \
	"zones:\n"                                                                                 \
	"  lab: {type: vxlan, peers: [192.0.2.1, 192.0.2.2]}\n"                                    \
	"  home: {type: simple}\n"                                                                 \
	"vnets:\n"

/* ---- successful parses -------------------------------------------------------------------- */

/* clang-format off */
static const char full_doc[] =
	"version: 1\n"
	"node: pve1\n"
	"resync-interval: 30\n"
	"zones:\n"
	"  lab:\n"
	"    type: vxlan\n"
	"    peers: [192.0.2.1, 192.0.2.2, 192.0.2.3]\n"
	"    port: 4790\n"
	"    mtu: 1450\n"
	"    nodes: [pve1, pve2]\n"
	"  home:\n"
	"    type: simple\n"
	"    mtu: 1500\n"
	"vnets:\n"
	"  web:\n"
	"    zone: lab\n"
	"    tag: 100\n"
	"    alias: Web tier\n"
	"  lan:\n"
	"    zone: home\n"
	"    subnets:\n"
	"      192.168.50.0/24:\n"
	"        gateway: 192.168.50.1\n"
	"      2001:db8:50::/64:\n"
	"        gateway: 2001:db8:50::1\n"
	"      10.9.0.0/16:\n";
/* clang-format on */

static void check_full_model(const struct zone_config *cfg)
{
	const struct zone_zone *lab, *home;
	const struct zone_vnet *web, *lan;
	struct sdnd_ip a;

	assert_int_equal(cfg->version, 1);
	assert_string_equal(cfg->node, "pve1");
	assert_int_equal(cfg->resync_interval, 30);
	assert_int_equal(cfg->n_zones, 2);
	assert_int_equal(cfg->n_vnets, 2);

	lab = &cfg->zones[0];
	assert_string_equal(lab->name, "lab");
	assert_int_equal(lab->type, ZONE_VXLAN);
	assert_int_equal(lab->mtu, 1450);
	assert_int_equal(lab->port, 4790);
	assert_int_equal(lab->n_peers, 3);
	a = ip("192.0.2.3");
	assert_true(sdnd_ip_eq(&lab->peers[2], &a));
	assert_int_equal(lab->n_nodes, 2);
	assert_string_equal(lab->nodes[1], "pve2");
	assert_int_equal(lab->loc.line, 5);
	assert_int_equal(lab->loc.col, 3);

	home = &cfg->zones[1];
	assert_string_equal(home->name, "home");
	assert_int_equal(home->type, ZONE_SIMPLE);
	assert_int_equal(home->mtu, 1500);
	assert_int_equal(home->n_peers, 0);
	assert_int_equal(home->n_nodes, 0);
	assert_ptr_equal(zone_config_find_zone(cfg, "home"), home);
	assert_null(zone_config_find_zone(cfg, "nope"));

	web = &cfg->vnets[0];
	assert_string_equal(web->name, "web");
	assert_string_equal(web->zone, "lab");
	assert_true(web->has_tag);
	assert_int_equal(web->tag, 100);
	assert_string_equal(web->alias, "Web tier");
	assert_int_equal(web->n_subnets, 0);
	assert_int_equal(web->loc.line, 15);

	lan = &cfg->vnets[1];
	assert_string_equal(lan->zone, "home");
	assert_false(lan->has_tag);
	assert_null(lan->alias);
	assert_int_equal(lan->n_subnets, 3);
	a = ip("192.168.50.0");
	assert_true(sdnd_ip_eq(&lan->subnets[0].net, &a));
	assert_int_equal(lan->subnets[0].prefixlen, 24);
	assert_true(lan->subnets[0].has_gateway);
	a = ip("192.168.50.1");
	assert_true(sdnd_ip_eq(&lan->subnets[0].gateway, &a));
	a = ip("2001:db8:50::1");
	assert_int_equal(lan->subnets[1].prefixlen, 64);
	assert_true(sdnd_ip_eq(&lan->subnets[1].gateway, &a));
	assert_false(lan->subnets[2].has_gateway);
	assert_int_equal(lan->subnets[2].prefixlen, 16);
}

static void test_full_document(void **state)
{
	struct zone_config *cfg = parse_ok(full_doc, &env_pve1);

	check_full_model(cfg);
	zone_config_free(cfg);
}

static void test_file(void **state)
{
	const char *dir = getenv("SDND_TEST_DATA");
	struct zone_config *cfg = NULL;
	struct zone_errors e = { 0 };
	char path[4096];

	if (!dir)
		skip();
	snprintf(path, sizeof(path), "%s/full.yaml", dir);
	assert_int_equal(zone_parse_file(path, &env_pve1, &cfg, &e), 0);
	assert_int_equal(e.n, 0);
	check_full_model(cfg);
	zone_config_free(cfg);
}

static void test_file_missing(void **state)
{
	struct zone_config *cfg = NULL;
	struct zone_errors e = { 0 };

	assert_int_equal(zone_parse_file("/nonexistent/sdnd.yaml", &env_pve1, &cfg, &e), -ENOENT);
	assert_null(cfg);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.msgs[0], "/nonexistent/sdnd.yaml:1:1: (document): cannot read the "
				       "file: No such file or directory");
	zone_errors_clear(&e);
}

static void test_defaults(void **state)
{
	struct zone_config *cfg = parse_ok(HEAD "  web: {zone: lab, tag: 1}\n", &env_pve1);

	assert_string_equal(cfg->node, "pve1"); /* from env */
	assert_int_equal(cfg->resync_interval, ZONE_RESYNC_DEFAULT);
	assert_int_equal(cfg->zones[0].port, ZONE_VXLAN_PORT_DEFAULT);
	assert_int_equal(cfg->zones[0].mtu, 0);
	assert_int_equal(cfg->zones[1].mtu, 0);
	zone_config_free(cfg);

	/* no env: node "localhost", no local-peer check */
	cfg = parse_ok("version: 1\nzones:\n  lab: {type: vxlan, peers: [10.1.1.1]}\n", NULL);
	assert_string_equal(cfg->node, "localhost");
	zone_config_free(cfg);

	/* an env without a node name is like no name */
	cfg = parse_ok("version: 1\n", &(struct zone_env){ .node = NULL });
	assert_string_equal(cfg->node, "localhost");
	zone_config_free(cfg);
}

static void test_minimal_and_empty_sections(void **state)
{
	struct zone_config *cfg = parse_ok("version: 1\nzones:\nvnets: {}\n", &env_pve1);

	assert_int_equal(cfg->n_zones, 0);
	assert_int_equal(cfg->n_vnets, 0);
	zone_config_free(cfg);
	accept_doc(HEAD "  lan: {zone: home, subnets: ~}\n", &env_pve1);
	accept_doc(HEAD "  lan: {zone: home, subnets: {10.0.0.0/8: {}}}\n", &env_pve1);
	/* anchors alone are harmless; quoted addresses are fine */
	accept_doc("version: &v 1\nzones:\n  lab: {type: vxlan, peers: ['192.0.2.1', "
		   "\"192.0.2.9\"]}\n",
		   &env_pve1);
}

static void test_json(void **state)
{
	static const char doc[] =
		"{\"version\": 1, \"node\": \"pve2\", \"resync-interval\": 5,\n"
		" \"zones\": {\"lab\": {\"type\": \"vxlan\", \"peers\": [\"2001:db8::1\", "
		"\"2001:db8::2\"], \"port\": 8472, \"nodes\": [\"pve2\"]},\n"
		"           \"home\": {\"type\": \"simple\", \"mtu\": 9000}},\n"
		" \"vnets\": {\"web\": {\"zone\": \"lab\", \"tag\": 16777215, \"alias\": null},\n"
		"           \"lan\": {\"zone\": \"home\", \"subnets\": {\"10.1.0.0/16\": "
		"{\"gateway\": \"10.1.255.254\"}}}}}\n";
	const struct zone_local_addr a6[] = { { .ip = ip("2001:db8::2"), .mtu = 1500 } };
	const struct zone_env env = { .node = "pve9", .addrs = a6, .n_addrs = 1 };
	struct zone_config *cfg;

	/* alias: null is not a string */
	EXPECT_ERRORS_ENV(&env, doc, "t.yaml:4:61: vnets.web.alias: expected a string, got null");

	cfg = parse_ok(
		"{\"version\": 1, \"node\": \"pve2\", \"zones\": {\"lab\": {\"type\": \"vxlan\", "
		"\"peers\": [\"2001:db8::1\", \"2001:db8::2\"], \"port\": 8472}}, "
		"\"vnets\": {\"web\": {\"zone\": \"lab\", \"tag\": 16777215}}}",
		&env);
	assert_string_equal(cfg->node, "pve2");
	assert_int_equal(cfg->zones[0].port, 8472);
	assert_int_equal(cfg->zones[0].peers[0].family, AF_INET6);
	assert_int_equal(cfg->vnets[0].tag, 16777215);
	zone_config_free(cfg);
}

/* errors are appended after what errs already holds */
static void test_errors_append(void **state)
{
	struct zone_config *cfg = NULL;
	struct zone_errors e = { 0 };

	assert_int_equal(zone_errors_add(&e, "first %d", 1), 0);
	assert_int_equal(zone_parse("x: 1\n", 5, "a.yaml", NULL, &cfg, &e), -EINVAL);
	assert_int_equal(e.n, 3);
	assert_string_equal(e.msgs[0], "first 1");
	/* same position: in the order found */
	assert_string_equal(e.msgs[1], "a.yaml:1:1: x: unknown key \"x\" (expected one of: "
				       "version, node, resync-interval, zones, vnets, firewall, "
				       "attachments)");
	assert_string_equal(e.msgs[2], "a.yaml:1:1: version: required key is missing "
				       "(expected \"version: 1\")");
	zone_errors_clear(&e);
	zone_errors_clear(&e); /* idempotent */
	zone_errors_clear(NULL);
	zone_config_free(NULL);
	/* no errs and no ret_cfg: validation only */
	assert_int_equal(zone_parse("version: 1\n", 11, NULL, NULL, NULL, NULL), 0);
	assert_int_equal(zone_parse("version: 2\n", 11, NULL, NULL, NULL, NULL), -EINVAL);
}

/* ---- document-level errors ---------------------------------------------------------------- */

static void test_empty_document(void **state)
{
	static const char msg[] =
		"t.yaml:1:1: (document): empty document (expected a mapping with at least "
		"\"version: 1\")";

	EXPECT_ERRORS("", msg);
	EXPECT_ERRORS("---\n", msg);
	EXPECT_ERRORS("# nothing here\n", msg);
	EXPECT_ERRORS("~\n", msg);
}

static void test_syntax_error(void **state)
{
	EXPECT_ERRORS("version: 1\nzones: [a\n",
		      "t.yaml:3:1: (document): syntax error: did not find expected ',' or ']' "
		      "(while parsing a flow sequence at line 2, column 8)");
	EXPECT_ERRORS("version: 1\nx: @foo\n",
		      "t.yaml:2:4: (document): syntax error: found character that cannot start "
		      "any token (while scanning for the next token at line 2, column 4)");
	EXPECT_ERRORS("version: 1\nzones: \"abc\n",
		      "t.yaml:3:1: (document): syntax error: found unexpected end of stream (while "
		      "scanning a quoted scalar at line 2, column 8)");
	EXPECT_ERRORS("version: 1\nzones: x: y\n",
		      "t.yaml:2:9: (document): syntax error: mapping values are not allowed in "
		      "this context");
}

static void test_invalid_input(void **state)
{
	static const char bad_utf8[] = "version: 1\nnode: \xff\n";
	static const char nul[] = "version: 1\n\0";

	EXPECT_ERRORS(bad_utf8, "t.yaml:2:7: (document): invalid input: invalid leading UTF-8 "
				"octet (0xFF at byte 17)");
	{
		struct zone_errors e = { 0 };

		assert_int_equal(zone_parse(nul, sizeof(nul) - 1, "t.yaml", NULL, NULL, &e),
				 -EINVAL);
		assert_int_equal(e.n, 1);
		assert_string_equal(e.msgs[0], "t.yaml:2:1: (document): invalid input: control "
					       "characters are not allowed (0x00 at byte 11)");
		zone_errors_clear(&e);
	}
}

static void test_root_not_mapping(void **state)
{
	EXPECT_ERRORS("- version\n", "t.yaml:1:1: (document): expected a mapping, got a list");
	EXPECT_ERRORS("hello\n", "t.yaml:1:1: (document): expected a mapping, got \"hello\"");
}

static void test_several_documents(void **state)
{
	EXPECT_ERRORS("version: 1\n---\nversion: 1\n",
		      "t.yaml:2:1: (document): expected a single document, found a second one");
}

static void test_too_deep(void **state)
{
	char doc[256] = "version: 1\nx: ";
	int i;

	for (i = 0; i < 40; i++)
		strcat(doc, "[");
	for (i = 0; i < 40; i++)
		strcat(doc, "]");
	EXPECT_ERRORS(doc, "t.yaml:2:35: (document): the document is nested deeper than 32 levels");
}

static void test_aliases_rejected(void **state)
{
	EXPECT_ERRORS("version: 1\nzones: &z {}\nvnets: *z\n",
		      "t.yaml:3:8: vnets: aliases are not supported (*z)");
	/* billion laughs: nothing is expanded */
	EXPECT_ERRORS("version: 1\n"
		      "a: &a [x, x, x, x, x, x, x, x, x]\n"
		      "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
		      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
		      "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
		      "zones: {lab: {type: vxlan, peers: *d}}\n",
		      "t.yaml:2:1: a: unknown key \"a\" (expected one of: version, node, "
		      "resync-interval, zones, vnets, firewall, attachments)",
		      "t.yaml:3:1: b: unknown key \"b\" (expected one of: version, node, "
		      "resync-interval, zones, vnets, firewall, attachments)",
		      "t.yaml:4:1: c: unknown key \"c\" (expected one of: version, node, "
		      "resync-interval, zones, vnets, firewall, attachments)",
		      "t.yaml:5:1: d: unknown key \"d\" (expected one of: version, node, "
		      "resync-interval, zones, vnets, firewall, attachments)",
		      "t.yaml:6:35: zones.lab.peers: aliases are not supported (*d)");
}

static void test_tags_rejected(void **state)
{
	EXPECT_ERRORS("version: !!str 1\n",
		      "t.yaml:1:10: version: YAML tags are not supported (got \"!!str\")");
	EXPECT_ERRORS("version: 1\nzones: !mine {}\n",
		      "t.yaml:2:8: zones: YAML tags are not supported (got \"!mine\")");
}

static void test_unknown_keys(void **state)
{
	EXPECT_ERRORS("version: 1\nfoo: 1\n",
		      "t.yaml:2:1: foo: unknown key \"foo\" (expected one of: version, node, "
		      "resync-interval, zones, vnets, firewall, attachments)");
	EXPECT_ERRORS("version: 1\nzones:\n  lab: {type: simple, foo: 1}\n",
		      "t.yaml:3:23: zones.lab.foo: unknown key \"foo\" (expected one of: type, "
		      "peers, port, mtu, nodes, bridge, tag, vlan-protocol)");
	EXPECT_ERRORS(HEAD "  web: {zone: home, vlan: 3}\n",
		      "t.yaml:6:21: vnets.web.vlan: unknown key \"vlan\" (expected one of: zone, "
		      "tag, alias, subnets, vlanaware, isolate-ports)");
	EXPECT_ERRORS(HEAD "  web: {zone: home, subnets: {10.0.0.0/8: {gw: 10.0.0.1}}}\n",
		      "t.yaml:6:44: vnets.web.subnets.10.0.0.0/8.gw: unknown key \"gw\" (expected "
		      "one of: gateway, snat)");
	/* hostile keys are shown escaped and cut */
	EXPECT_ERRORS("version: 1\n\"a\\tb\\e\\u0085\\\"\": 1\n",
		      "t.yaml:2:1: a\\tb\\x1b\\u0085\\\": unknown key \"a\\tb\\x1b\\u0085\\\"\" "
		      "(expected one of: version, node, resync-interval, zones, vnets, firewall, "
		      "attachments)");
	EXPECT_ERRORS(
		"version: 1\n"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaéé: 1\n",
		"t.yaml:2:1: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...: "
		"unknown key "
		"\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\" "
		"(expected one of: version, node, resync-interval, zones, vnets, firewall, "
		"attachments)");
}

static void test_duplicate_keys(void **state)
{
	EXPECT_ERRORS("version: 1\nversion: 1\n",
		      "t.yaml:2:1: version: duplicate key \"version\" (first at line 1)");
	EXPECT_ERRORS("version: 1\nzones:\n  lab: {type: simple}\n  lab: {type: simple}\n",
		      "t.yaml:4:3: zones.lab: duplicate key \"lab\" (first at line 3)");
	EXPECT_ERRORS(HEAD "  web: {zone: home}\n  x: {zone: home}\n  web: {zone: home}\n",
		      "t.yaml:8:3: vnets.web: duplicate key \"web\" (first at line 6)");
	EXPECT_ERRORS(HEAD "  web:\n    zone: home\n    subnets:\n      10.0.0.0/8:\n"
			   "      10.0.0.0/8:\n",
		      "t.yaml:10:7: vnets.web.subnets.10.0.0.0/8: duplicate key \"10.0.0.0/8\" "
		      "(first at line 9)");
	EXPECT_ERRORS("version: 1\nzones: {lab: {type: simple, type: vxlan}}\n",
		      "t.yaml:2:29: zones.lab.type: duplicate key \"type\" (first at line 2)");
}

static void test_non_string_key(void **state)
{
	EXPECT_ERRORS("version: 1\n? [a, b]\n: 1\n",
		      "t.yaml:2:3: (document): expected a string key, got a list");
	EXPECT_ERRORS("version: 1\nzones:\n  {a: 1}: {}\n",
		      "t.yaml:3:3: zones: expected a string key, got a mapping");
}

static void test_wrong_types(void **state)
{
	EXPECT_ERRORS("version: abc\n", "t.yaml:1:10: version: expected an integer, got \"abc\"");
	EXPECT_ERRORS("version: 1\nzones: [a]\n",
		      "t.yaml:2:8: zones: expected a mapping, got a list");
	EXPECT_ERRORS("version: 1\nvnets: web\n",
		      "t.yaml:2:8: vnets: expected a mapping, got \"web\"");
	EXPECT_ERRORS("version: 1\nzones:\n  lab: simple\n",
		      "t.yaml:3:8: zones.lab: expected a mapping, got \"simple\"");
	EXPECT_ERRORS(HEAD "  web:\n",
		      "t.yaml:6:7: vnets.web: expected a mapping, got an empty value");
	EXPECT_ERRORS("version: 1\nzones:\n  lab: {type: vxlan, peers: 192.0.2.1}\n",
		      "t.yaml:3:29: zones.lab.peers: expected a list of IP addresses (or auto), got "
		      "\"192.0.2.1\"");
	EXPECT_ERRORS("version: 1\nzones:\n  lab: {type: simple, nodes: {a: b}}\n",
		      "t.yaml:3:30: zones.lab.nodes: expected a list of node names, got a mapping");
	EXPECT_ERRORS("version: 1\nzones:\n  lab: {type: [simple]}\n",
		      "t.yaml:3:15: zones.lab.type: expected a zone type, got a list");
	EXPECT_ERRORS(HEAD "  web: {zone: home, subnets: {10.0.0.0/8: 10.0.0.1}}\n",
		      "t.yaml:6:43: vnets.web.subnets.10.0.0.0/8: expected a mapping, got "
		      "\"10.0.0.1\"");
	EXPECT_ERRORS(HEAD "  web: {zone: home, alias: {a: b}}\n",
		      "t.yaml:6:28: vnets.web.alias: expected a string, got a mapping");
	EXPECT_ERRORS(HEAD "  web: {zone: ~}\n",
		      "t.yaml:6:15: vnets.web.zone: expected a zone name, got null");
	EXPECT_ERRORS(HEAD "  web: {zone: \"la\\0b\"}\n",
		      "t.yaml:6:15: vnets.web.zone: expected a zone name, got the quoted string "
		      "\"la\\x00b\" (contains a NUL character)");
}

static void test_integers_strict(void **state)
{
	/* YAML 1.1 would read some of these as numbers; they are all refused */
	static const char *const bad[] = {
		"0x10", "+5", "1.5", "1e3", "1_000", "true", "--1", "1 2", "4789/udp",
	};
	char doc[128], want[256];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(doc, sizeof(doc), "version: 1\nresync-interval: %s\n", bad[i]);
		snprintf(want, sizeof(want),
			 "t.yaml:2:18: resync-interval: expected an integer, got \"%s\"", bad[i]);
		check_errors(doc, &env_pve1, (const char *const[]){ want, NULL });
	}
	EXPECT_ERRORS("version: 1\nresync-interval: \"60\"\n",
		      "t.yaml:2:18: resync-interval: expected an integer, got the quoted string "
		      "\"60\" (numbers must not be quoted)");
	EXPECT_ERRORS("version: 1\nresync-interval: 060\n",
		      "t.yaml:2:18: resync-interval: expected an integer, got \"060\" (leading "
		      "zeros are not allowed)");
	EXPECT_ERRORS(
		"version: 1\nresync-interval: 0\n",
		"t.yaml:2:18: resync-interval: expected an integer between 1 and 86400, got 0");
	EXPECT_ERRORS("version: 1\nresync-interval: 86401\n",
		      "t.yaml:2:18: resync-interval: expected an integer between 1 and 86400, got "
		      "86401");
	EXPECT_ERRORS("version: 1\nresync-interval: -60\n",
		      "t.yaml:2:18: resync-interval: expected an integer between 1 and 86400, got "
		      "-60");
	EXPECT_ERRORS("version: 1\nresync-interval: 99999999999999999999999999\n",
		      "t.yaml:2:18: resync-interval: expected an integer between 1 and 86400, got "
		      "99999999999999999999999999");
}

static void test_version(void **state)
{
	EXPECT_ERRORS("zones: {}\n",
		      "t.yaml:1:1: version: required key is missing (expected \"version: 1\")");
	EXPECT_ERRORS("version: 2\n", "t.yaml:1:10: version: unsupported version 2 (expected 1)");
	EXPECT_ERRORS("version: 0\n", "t.yaml:1:10: version: unsupported version 0 (expected 1)");
	EXPECT_ERRORS("version: 1.0\n", "t.yaml:1:10: version: expected an integer, got \"1.0\"");
}

static void test_node_name(void **state)
{
	struct zone_config *cfg;

	EXPECT_ERRORS("version: 1\nnode: pve 1\n",
		      "t.yaml:2:7: node: invalid node name \"pve 1\" (expected 1 to 63 characters "
		      "[A-Za-z0-9._-])");
	EXPECT_ERRORS("version: 1\nnode: \"\"\n",
		      "t.yaml:2:7: node: invalid node name \"\" (expected 1 to 63 characters "
		      "[A-Za-z0-9._-])");
	EXPECT_ERRORS_ENV(&(struct zone_env){ .node = "my host" }, "version: 1\n",
			  "t.yaml:1:1: node: this host's name \"my host\" is not a valid node name "
			  "(expected 1 to 63 characters [A-Za-z0-9._-]); set \"node\" in the "
			  "document");
	/* the document's node name wins over the host's, even an invalid one */
	cfg = parse_ok("version: 1\nnode: n-1.example\n", &(struct zone_env){ .node = "my host" });
	assert_string_equal(cfg->node, "n-1.example");
	zone_config_free(cfg);
}

/* ---- zones -------------------------------------------------------------------------------- */

static void test_zone_name(void **state)
{
	EXPECT_ERRORS("version: 1\nzones:\n  1lab: {type: simple}\n",
		      "t.yaml:3:3: zones.1lab: invalid zone name \"1lab\" (expected 1 to 15 "
		      "characters [A-Za-z0-9_-], starting with a letter)");
	EXPECT_ERRORS("version: 1\nzones:\n  abcdefghijklmnop: {type: simple}\n",
		      "t.yaml:3:3: zones.abcdefghijklmnop: invalid zone name \"abcdefghijklmnop\" "
		      "(expected 1 to 15 characters [A-Za-z0-9_-], starting with a letter)");
	EXPECT_ERRORS("version: 1\nzones:\n  \"a.b\": {type: simple}\n",
		      "t.yaml:3:3: zones.a.b: invalid zone name \"a.b\" (expected 1 to 15 "
		      "characters [A-Za-z0-9_-], starting with a letter)");
	accept_doc(
		"version: 1\nzones:\n  abcdefghijklmno: {type: simple}\n  A_-9: {type: simple}\n",
		&env_pve1);
}

static void test_zone_type(void **state)
{
	EXPECT_ERRORS("version: 1\nzones:\n  lab: {mtu: 1500}\n",
		      "t.yaml:3:3: zones.lab.type: required key is missing (expected one of: "
		      "simple, vxlan, vlan, qinq)");
	EXPECT_ERRORS("version: 1\nzones:\n  lab: {type: evpn}\n",
		      "t.yaml:3:15: zones.lab.type: unknown zone type \"evpn\" (expected one of: "
		      "simple, vxlan, vlan, qinq)");
	EXPECT_ERRORS("version: 1\nzones:\n  lab: {type: VXLAN}\n",
		      "t.yaml:3:15: zones.lab.type: unknown zone type \"VXLAN\" (expected one of: "
		      "simple, vxlan, vlan, qinq)");
}

static void test_zone_mtu_port(void **state)
{
	EXPECT_ERRORS(
		"version: 1\nzones:\n  lab: {type: simple, mtu: 67}\n",
		"t.yaml:3:28: zones.lab.mtu: expected an integer between 68 and 65535, got 67");
	EXPECT_ERRORS("version: 1\nzones:\n  lab: {type: simple, mtu: 65536}\n",
		      "t.yaml:3:28: zones.lab.mtu: expected an integer between 68 and 65535, got "
		      "65536");
	EXPECT_ERRORS(
		"version: 1\nzones:\n  lab: {type: vxlan, peers: [192.0.2.1], port: 0}\n",
		"t.yaml:3:48: zones.lab.port: expected an integer between 1 and 65535, got 0");
	EXPECT_ERRORS("version: 1\nzones:\n  lab: {type: vxlan, peers: [192.0.2.1], port: 65536}\n",
		      "t.yaml:3:48: zones.lab.port: expected an integer between 1 and 65535, got "
		      "65536");
}

static void test_simple_zone_no_vxlan_keys(void **state)
{
	EXPECT_ERRORS(
		"version: 1\nzones:\n  home:\n    type: simple\n    peers: [192.0.2.1]\n"
		"    port: 4789\n",
		"t.yaml:5:5: zones.home.peers: not allowed in a simple zone (only vxlan zones "
		"have peers)",
		"t.yaml:6:5: zones.home.port: not allowed in a simple zone (only vxlan zones "
		"have a port)");
}

static void test_peers(void **state)
{
	EXPECT_ERRORS(
		"version: 1\nzones:\n  lab: {type: vxlan}\n",
		"t.yaml:3:3: zones.lab.peers: required key is missing (a vxlan zone needs the "
		"list of its peers' IP addresses, or auto)");
	/* auto: the cluster store's live nodes, which a node without one does not have */
	EXPECT_ERRORS("version: 1\nzones:\n  lab: {type: vxlan, peers: auto}\n",
		      "t.yaml:3:29: zones.lab.peers: peers: auto takes the peers from the cluster "
		      "store's live nodes, and this node has none (start sdnd with --store "
		      "etcd://HOST:PORT; sdnd check and plan take --store too)");
	{
		struct zone_env env = env_pve1;
		struct zone_config *cfg;

		env.cluster = true;
		cfg = parse_ok("version: 1\nzones:\n  lab: {type: vxlan, peers: auto, nodes: [pve1]}\n"
			       "vnets: {web: {zone: lab, tag: 5}}\n", &env);
		assert_true(cfg->zones[0].peers_auto);
		assert_int_equal(cfg->zones[0].n_peers, 0);
		zone_config_free(cfg);
	}
	{
		/* one document for every node of the cluster: it cannot say which node it is */
		struct zone_env env = env_pve1;

		env.cluster = true;
		EXPECT_ERRORS_ENV(&env, "version: 1\nnode: pve2\n",
				  "t.yaml:2:7: node: a cluster store's definition is every node's: "
				  "it names none (each node is named by sdnd -n, or by its host "
				  "name)");
	}
	EXPECT_ERRORS("version: 1\nzones:\n  lab: {type: vxlan, peers: automatic}\n",
		      "t.yaml:3:29: zones.lab.peers: expected a list of IP addresses (or auto), got "
		      "\"automatic\"");
	EXPECT_ERRORS(
		"version: 1\nzones:\n  lab: {type: vxlan, peers: []}\n",
		"t.yaml:3:29: zones.lab.peers: expected a non-empty list of IP addresses, got "
		"an empty list");
	EXPECT_ERRORS(
		"version: 1\nzones:\n  lab: {type: vxlan, peers: [192.0.2.1, 192.0.2.256, "
		"pve2, [1], 192.0.2.1/24]}\n",
		"t.yaml:3:41: zones.lab.peers[1]: expected an IP address, got \"192.0.2.256\"",
		"t.yaml:3:54: zones.lab.peers[2]: expected an IP address, got \"pve2\"",
		"t.yaml:3:60: zones.lab.peers[3]: expected an IP address, got a list",
		"t.yaml:3:65: zones.lab.peers[4]: expected an IP address, got \"192.0.2.1/24\"");
	EXPECT_ERRORS("version: 1\nzones:\n  lab: {type: vxlan, peers: [192.0.2.1, 2001:db8::2]}\n",
		      "t.yaml:3:41: zones.lab.peers[1]: 2001:db8::2 is IPv6 but the first peer "
		      "192.0.2.1 is IPv4 (all peers must be of one family)");
	EXPECT_ERRORS(
		"version: 1\nzones:\n  lab:\n    type: vxlan\n    peers:\n"
		"      - 192.0.2.1\n      - 192.0.2.2\n      - 192.0.2.1\n",
		"t.yaml:8:9: zones.lab.peers[2]: duplicate peer 192.0.2.1 (first at peers[0])");
	EXPECT_ERRORS("version: 1\nzones:\n  lab: {type: vxlan, peers: ['2001:db8::1', "
		      "'2001:DB8:0::1']}\n",
		      "t.yaml:3:45: zones.lab.peers[1]: duplicate peer 2001:DB8:0::1 (first at "
		      "peers[0])");
	EXPECT_ERRORS(
		"version: 1\nzones:\n  lab: {type: vxlan, peers: [0.0.0.0, '::']}\n",
		"t.yaml:3:30: zones.lab.peers[0]: 0.0.0.0 is the unspecified address, not a "
		"peer's address",
		"t.yaml:3:39: zones.lab.peers[1]: :: is the unspecified address, not a peer's "
		"address");
	EXPECT_ERRORS("version: 1\nzones:\n  lab: {type: vxlan, peers: [239.1.1.1, 'ff02::1']}\n",
		      "t.yaml:3:30: zones.lab.peers[0]: 239.1.1.1 is a multicast address; peers "
		      "must be unicast addresses",
		      "t.yaml:3:41: zones.lab.peers[1]: ff02::1 is a multicast address; peers must "
		      "be unicast addresses");
}

static void test_nodes(void **state)
{
	struct zone_config *cfg;

	EXPECT_ERRORS(
		"version: 1\nzones:\n  lab: {type: simple, nodes: [pve1, 'a b', pve1, '']}\n",
		"t.yaml:3:37: zones.lab.nodes[1]: invalid node name \"a b\" (expected 1 to 63 "
		"characters [A-Za-z0-9._-])",
		"t.yaml:3:44: zones.lab.nodes[2]: duplicate node \"pve1\" (first at nodes[0])",
		"t.yaml:3:50: zones.lab.nodes[3]: invalid node name \"\" (expected 1 to 63 "
		"characters [A-Za-z0-9._-])");
	EXPECT_ERRORS(
		"version: 1\nzones:\n  lab: {type: simple, nodes: []}\n",
		"t.yaml:3:30: zones.lab.nodes: expected a non-empty list of node names, got an "
		"empty list (leave \"nodes\" out for a zone on every node)");
	cfg = parse_ok("version: 1\nzones:\n  lab: {type: simple, nodes: [pve1, pve2.lan]}\n",
		       &env_pve1);
	assert_true(zone_on_node(&cfg->zones[0], "pve2.lan"));
	assert_false(zone_on_node(&cfg->zones[0], "pve3"));
	zone_config_free(cfg);
}

/* ---- vnets -------------------------------------------------------------------------------- */

static void test_vnet_name(void **state)
{
	EXPECT_ERRORS(HEAD "  _web: {zone: home}\n",
		      "t.yaml:6:3: vnets._web: invalid vnet name \"_web\" (expected 1 to 15 "
		      "characters [A-Za-z0-9_-], starting with a letter)");
	EXPECT_ERRORS(HEAD "  averyveryverylongname: {zone: home}\n",
		      "t.yaml:6:3: vnets.averyveryverylongname: invalid vnet name "
		      "\"averyveryverylongname\" (expected 1 to 15 characters [A-Za-z0-9_-], "
		      "starting with a letter)");
	/* the same name as a zone is fine: different namespaces */
	accept_doc(HEAD "  lab: {zone: lab, tag: 5}\n  home: {zone: home}\n", &env_pve1);
}

static void test_vnet_zone(void **state)
{
	EXPECT_ERRORS(HEAD "  web: {tag: 5}\n",
		      "t.yaml:6:3: vnets.web.zone: required key is missing (the name of the zone "
		      "the vnet belongs to)");
	EXPECT_ERRORS(HEAD "  web: {zone: nope}\n",
		      "t.yaml:6:15: vnets.web.zone: zone \"nope\" does not exist (defined zones: "
		      "lab, home)");
	EXPECT_ERRORS("version: 1\nvnets:\n  web: {zone: nope}\n",
		      "t.yaml:3:15: vnets.web.zone: zone \"nope\" does not exist (no zones are "
		      "defined)");
	/* a zone with its own errors still exists: no second error on the vnet */
	EXPECT_ERRORS("version: 1\nzones:\n  lab: {type: bad}\nvnets:\n  web: {zone: lab}\n",
		      "t.yaml:3:15: zones.lab.type: unknown zone type \"bad\" (expected one of: "
		      "simple, vxlan, vlan, qinq)");
}

static void test_vnet_tag(void **state)
{
	EXPECT_ERRORS(HEAD "  lan: {zone: home, tag: 5}\n",
		      "t.yaml:6:21: vnets.lan.tag: not allowed in simple zone \"home\" (only vnets "
		      "in vxlan, vlan and qinq zones have a tag)");
	EXPECT_ERRORS(HEAD "  web: {zone: lab}\n",
		      "t.yaml:6:3: vnets.web.tag: required key is missing (a vnet in vxlan zone "
		      "\"lab\" needs a VNI between 1 and 16777215)");
	EXPECT_ERRORS(
		HEAD "  web: {zone: lab, tag: 0}\n",
		"t.yaml:6:25: vnets.web.tag: expected an integer between 1 and 16777215, got 0");
	EXPECT_ERRORS(HEAD "  web: {zone: lab, tag: 16777216}\n",
		      "t.yaml:6:25: vnets.web.tag: expected an integer between 1 and 16777215, got "
		      "16777216");
	EXPECT_ERRORS(
		HEAD "  web: {zone: lab, tag: \"100\"}\n",
		"t.yaml:6:25: vnets.web.tag: expected an integer, got the quoted string \"100\" "
		"(numbers must not be quoted)");
}

static void test_duplicate_vni(void **state)
{
	/* the VNI namespace is global across vxlan zones */
	EXPECT_ERRORS("version: 1\n"
		      "zones:\n"
		      "  lab: {type: vxlan, peers: [192.0.2.1]}\n"
		      "  dc2: {type: vxlan, peers: [192.0.2.1], nodes: [other]}\n"
		      "  home: {type: simple}\n"
		      "vnets:\n"
		      "  web: {zone: lab, tag: 100}\n"
		      "  db: {zone: lab, tag: 101}\n"
		      "  web2: {zone: dc2, tag: 100}\n"
		      "  web3: {zone: lab, tag: 100}\n",
		      "t.yaml:9:26: vnets.web2.tag: VNI 100 is already used by vnet \"web\"",
		      "t.yaml:10:26: vnets.web3.tag: VNI 100 is already used by vnet \"web\"");
}

static void test_device_names(void **state)
{
	/* a bridge named like an earlier vnet's vxlan device */
	EXPECT_ERRORS(HEAD "  web: {zone: lab, tag: 1}\n  vxlan_web: {zone: home}\n",
		      "t.yaml:7:3: vnets.vxlan_web: bridge \"vxlan_web\" has the same name as the "
		      "vxlan device of vnet \"web\"");
	/* a vxlan device named like an earlier vnet's bridge */
	EXPECT_ERRORS(HEAD "  vxlan_web: {zone: home}\n  web: {zone: lab, tag: 1}\n",
		      "t.yaml:7:3: vnets.web: vxlan device \"vxlan_web\" has the same name as the "
		      "bridge of vnet \"vxlan_web\"");
	/* two shortened vxlan device names that collide (same 7 characters, same hash) */
	EXPECT_ERRORS(HEAD "  collidegel: {zone: lab, tag: 1}\n  collideoba: {zone: lab, tag: 2}\n",
		      "t.yaml:7:3: vnets.collideoba: vxlan device \"vx_collide_fd27\" has the same "
		      "name as the vxlan device of vnet \"collidegel\"");
	/* no vxlan device in a simple zone, so no collision */
	accept_doc(HEAD "  web: {zone: home}\n  vxlan_web: {zone: home}\n", &env_pve1);
}

static void test_subnets(void **state)
{
	EXPECT_ERRORS(
		HEAD "  lan:\n    zone: home\n    subnets:\n      192.168.50.1/24:\n",
		"t.yaml:9:7: vnets.lan.subnets.192.168.50.1/24: 192.168.50.1/24 has host bits "
		"set; did you mean 192.168.50.0/24?");
	EXPECT_ERRORS(HEAD "  lan:\n    zone: home\n    subnets:\n      2001:db8:50::1/64:\n",
		      "t.yaml:9:7: vnets.lan.subnets.2001:db8:50::1/64: 2001:db8:50::1/64 has host "
		      "bits set; did you mean 2001:db8:50::/64?");
	EXPECT_ERRORS(HEAD "  lan:\n    zone: home\n    subnets:\n      192.168.50.0:\n"
			   "      10.0.0.0/33:\n      fe80::/129:\n      x/8:\n",
		      "t.yaml:9:7: vnets.lan.subnets.192.168.50.0: invalid subnet \"192.168.50.0\" "
		      "(expected an address/prefix length like 192.168.50.0/24 or "
		      "2001:db8:50::/64)",
		      "t.yaml:10:7: vnets.lan.subnets.10.0.0.0/33: invalid subnet \"10.0.0.0/33\" "
		      "(expected an address/prefix length like 192.168.50.0/24 or "
		      "2001:db8:50::/64)",
		      "t.yaml:11:7: vnets.lan.subnets.fe80::/129: invalid subnet \"fe80::/129\" "
		      "(expected an address/prefix length like 192.168.50.0/24 or "
		      "2001:db8:50::/64)",
		      "t.yaml:12:7: vnets.lan.subnets.x/8: invalid subnet \"x/8\" (expected an "
		      "address/prefix length like 192.168.50.0/24 or 2001:db8:50::/64)");
	EXPECT_ERRORS(HEAD "  lan:\n    zone: home\n    subnets:\n      2001:db8:50::/64:\n"
			   "      2001:DB8:50:0::/64:\n",
		      "t.yaml:10:7: vnets.lan.subnets.2001:DB8:50:0::/64: duplicate subnet "
		      "2001:DB8:50:0::/64 (same as \"2001:db8:50::/64\" at line 9)");
	/* the same subnet in two vnets is not this check's business */
	accept_doc(HEAD "  a: {zone: home, subnets: {10.0.0.0/8: ~}}\n"
			"  b: {zone: home, subnets: {10.0.0.0/8: ~}}\n",
		   &env_pve1);
}

static void test_gateway(void **state)
{
#define SUBNET(cidr, gw)                                                                           \
	HEAD "  lan:\n    zone: home\n    subnets:\n      " cidr ":\n        gateway: " gw "\n"
	EXPECT_ERRORS(SUBNET("192.168.50.0/24", "router"),
		      "t.yaml:10:18: vnets.lan.subnets.192.168.50.0/24.gateway: expected an IP "
		      "address, got \"router\"");
	EXPECT_ERRORS(SUBNET("192.168.50.0/24", "2001:db8::1"),
		      "t.yaml:10:18: vnets.lan.subnets.192.168.50.0/24.gateway: gateway "
		      "2001:db8::1 is IPv6 but subnet 192.168.50.0/24 is IPv4");
	EXPECT_ERRORS(SUBNET("192.168.50.0/24", "192.168.51.1"),
		      "t.yaml:10:18: vnets.lan.subnets.192.168.50.0/24.gateway: gateway "
		      "192.168.51.1 is outside subnet 192.168.50.0/24");
	EXPECT_ERRORS(SUBNET("192.168.50.0/24", "192.168.50.0"),
		      "t.yaml:10:18: vnets.lan.subnets.192.168.50.0/24.gateway: gateway "
		      "192.168.50.0 is the network address of subnet 192.168.50.0/24");
	EXPECT_ERRORS(SUBNET("2001:db8:50::/64", "'2001:db8:50::'"),
		      "t.yaml:10:18: vnets.lan.subnets.2001:db8:50::/64.gateway: gateway "
		      "2001:db8:50:: is the network address of subnet 2001:db8:50::/64");
	EXPECT_ERRORS(SUBNET("192.168.50.0/24", "192.168.50.255"),
		      "t.yaml:10:18: vnets.lan.subnets.192.168.50.0/24.gateway: gateway "
		      "192.168.50.255 is the broadcast address of subnet 192.168.50.0/24");
	EXPECT_ERRORS(SUBNET("192.168.50.0/24", "[192.168.50.1]"),
		      "t.yaml:10:18: vnets.lan.subnets.192.168.50.0/24.gateway: expected an IP "
		      "address, got a list");
	/* a bad subnet still gets its gateway's type checked, nothing more */
	EXPECT_ERRORS(
		SUBNET("192.168.50.1/24", "192.168.99.1"),
		"t.yaml:9:7: vnets.lan.subnets.192.168.50.1/24: 192.168.50.1/24 has host bits "
		"set; did you mean 192.168.50.0/24?");
	/* point-to-point prefixes have no network/broadcast address */
	accept_doc(SUBNET("10.0.0.0/31", "10.0.0.0"), &env_pve1);
	accept_doc(SUBNET("10.0.0.1/32", "10.0.0.1"), &env_pve1);
	accept_doc(SUBNET("2001:db8::/127", "'2001:db8::'"), &env_pve1);
	accept_doc(SUBNET("10.0.0.0/8", "10.255.255.254"), &env_pve1);
#undef SUBNET
}

static void test_alias(void **state)
{
	char doc[1024], want[512];
	struct zone_config *cfg;

	snprintf(doc, sizeof(doc), HEAD "  lan: {zone: home, alias: %0257d}\n", 0);
	EXPECT_ERRORS(doc,
		      "t.yaml:6:28: vnets.lan.alias: alias is too long (257 bytes, at most 256)");
	snprintf(doc, sizeof(doc), HEAD "  lan: {zone: home, alias: %0256d}\n", 0);
	accept_doc(doc, &env_pve1);

	EXPECT_ERRORS(
		HEAD "  lan: {zone: home, alias: \"Web\\ttier\"}\n",
		"t.yaml:6:28: vnets.lan.alias: alias contains a control character (\"\\t\"); it "
		"must be one line of printable text");
	EXPECT_ERRORS(
		HEAD "  lan:\n    zone: home\n    alias: |\n      two\n      lines\n",
		"t.yaml:8:12: vnets.lan.alias: alias contains a control character (\"\\n\"); it "
		"must be one line of printable text");
	EXPECT_ERRORS(HEAD "  lan: {zone: home, alias: \"a\\x85b\"}\n",
		      "t.yaml:6:28: vnets.lan.alias: alias contains a control character "
		      "(\"\\u0085\"); it must be one line of printable text");
	snprintf(want, sizeof(want), "%s", "Büro – Ωmega 100% \"quoted\"");
	cfg = parse_ok(HEAD "  lan: {zone: home, alias: 'Büro – Ωmega 100% \"quoted\"'}\n",
		       &env_pve1);
	assert_string_equal(cfg->vnets[0].alias, want);
	zone_config_free(cfg);
}

/* ---- vlan and qinq zones ----------------------------------------------------------------- */

/* Zones on pve1's uplinks to hang vnets on, on lines 1-7: vmbr0 is VLAN-aware, vmbr1 plain. */
#define VHEAD                                                                                      \
	"version: 1\n"                                                                             \
	"zones:\n"                                                                                 \
	"  office: {type: vlan, bridge: vmbr0}\n"                                                  \
	"  storage: {type: vlan, bridge: vmbr1}\n"                                                 \
	"  tenants: {type: qinq, bridge: vmbr0, tag: 10}\n"                                        \
	"  home: {type: simple}\n"                                                                 \
	"vnets:\n"

static void test_vlan_zones(void **state)
{
	static const char doc[] =
		"version: 1\n"
		"zones:\n"
		"  office:\n"
		"    type: vlan\n"
		"    bridge: vmbr0\n"
		"    mtu: 1500\n"
		"  tenants:\n"
		"    type: qinq\n"
		"    bridge: vmbr1\n"
		"    tag: 4094\n"
		"    vlan-protocol: 802.1ad\n"
		"  dot1q: {type: qinq, bridge: vmbr1, tag: 1}\n"
		"  lab: {type: vxlan, peers: [192.0.2.1]}\n"
		"vnets:\n"
		"  sales: {zone: office, tag: 1}\n"
		"  vms: {zone: office, tag: 4094, vlanaware: true}\n"
		"  quiet: {zone: office, tag: 400, isolate-ports: true, vlanaware: false}\n"
		"  acme: {zone: tenants, tag: 101, vlanaware: true}\n"
		"  shared: {zone: tenants}\n"
		"  trunk: {zone: lab, tag: 300, vlanaware: true, isolate-ports: false}\n"
		"  other: {zone: dot1q, tag: 101}\n";
	struct zone_config *cfg = parse_ok(doc, &env_pve1);
	const struct zone_zone *z;
	const struct zone_vnet *v;

	assert_int_equal(cfg->n_zones, 4);
	assert_int_equal(cfg->n_vnets, 7);
	z = &cfg->zones[0];
	assert_int_equal(z->type, ZONE_VLAN);
	assert_string_equal(z->bridge, "vmbr0");
	assert_int_equal(z->mtu, 1500);
	assert_int_equal(z->stag, 0);
	assert_int_equal(z->n_peers, 0);
	z = &cfg->zones[1];
	assert_int_equal(z->type, ZONE_QINQ);
	assert_string_equal(z->bridge, "vmbr1");
	assert_int_equal(z->stag, 4094);
	assert_int_equal(z->vlan_protocol, ZONE_ETH_P_8021AD);
	assert_int_equal(z->mtu, 0);
	z = &cfg->zones[2];
	assert_int_equal(z->stag, 1);
	assert_int_equal(z->vlan_protocol, ZONE_ETH_P_8021Q); /* the default */
	assert_string_equal(cfg->zones[3].bridge, "");

	v = &cfg->vnets[0];
	assert_string_equal(v->zone, "office");
	assert_true(v->has_tag);
	assert_int_equal(v->tag, 1);
	assert_false(v->vlanaware);
	assert_false(v->isolate_ports);
	v = &cfg->vnets[1];
	assert_int_equal(v->tag, 4094);
	assert_true(v->vlanaware);
	v = &cfg->vnets[2];
	assert_true(v->isolate_ports);
	assert_false(v->vlanaware);
	v = &cfg->vnets[3];
	assert_true(v->has_tag);
	assert_int_equal(v->tag, 101);
	assert_true(v->vlanaware);
	v = &cfg->vnets[4];
	assert_string_equal(v->zone, "tenants");
	assert_false(v->has_tag); /* the untagged vnet */
	v = &cfg->vnets[5];
	assert_int_equal(v->tag, 300);
	assert_true(v->vlanaware);
	assert_false(v->isolate_ports);
	/* C-tags are per zone: 101 in two qinq zones */
	assert_int_equal(cfg->vnets[6].tag, 101);
	zone_config_free(cfg);

	/* JSON */
	cfg = parse_ok("{\"version\": 1, \"zones\": {\"q\": {\"type\": \"qinq\", \"bridge\": "
		       "\"vmbr0\", \"tag\": 7, \"vlan-protocol\": \"802.1q\"}}, \"vnets\": "
		       "{\"a\": {\"zone\": \"q\", \"tag\": 2, \"isolate-ports\": true}}}",
		       &env_pve1);
	assert_int_equal(cfg->zones[0].vlan_protocol, ZONE_ETH_P_8021Q);
	assert_true(cfg->vnets[0].isolate_ports);
	zone_config_free(cfg);
}

static void test_vlan_zone_keys(void **state)
{
	EXPECT_ERRORS("version: 1\nzones:\n  office: {type: vlan}\n  q: {type: qinq}\n",
		      "t.yaml:3:3: zones.office.bridge: required key is missing (a vlan zone needs "
		      "the name of its uplink bridge)",
		      "t.yaml:4:3: zones.q.bridge: required key is missing (a qinq zone needs the "
		      "name of its uplink bridge)",
		      "t.yaml:4:3: zones.q.tag: required key is missing (a qinq zone needs its "
		      "service VLAN, a tag between 1 and 4094)");
	/* the keys of other types */
	EXPECT_ERRORS(
		"version: 1\nzones:\n"
		"  office:\n    type: vlan\n    bridge: vmbr0\n    peers: [192.0.2.1]\n"
		"    port: 4789\n    tag: 5\n    vlan-protocol: 802.1q\n"
		"  lab:\n    type: vxlan\n    peers: [192.0.2.1]\n    bridge: vmbr0\n"
		"    tag: 5\n"
		"  home: {type: simple, bridge: vmbr0, vlan-protocol: 802.1ad}\n"
		"  q: {type: qinq, bridge: vmbr0, tag: 5, peers: [192.0.2.1]}\n",
		"t.yaml:6:5: zones.office.peers: not allowed in a vlan zone (only vxlan zones "
		"have peers)",
		"t.yaml:7:5: zones.office.port: not allowed in a vlan zone (only vxlan zones "
		"have a port)",
		"t.yaml:8:5: zones.office.tag: not allowed in a vlan zone (only qinq zones "
		"have a tag, the service VLAN; in a vlan zone each vnet has its own)",
		"t.yaml:9:5: zones.office.vlan-protocol: not allowed in a vlan zone (only "
		"qinq zones have a vlan-protocol)",
		"t.yaml:13:5: zones.lab.bridge: not allowed in a vxlan zone (only vlan and "
		"qinq zones have an uplink bridge)",
		"t.yaml:14:5: zones.lab.tag: not allowed in a vxlan zone (only qinq zones have "
		"a tag, the service VLAN)",
		"t.yaml:15:24: zones.home.bridge: not allowed in a simple zone (only vlan and "
		"qinq zones have an uplink bridge)",
		"t.yaml:15:39: zones.home.vlan-protocol: not allowed in a simple zone (only "
		"qinq zones have a vlan-protocol)",
		"t.yaml:16:42: zones.q.peers: not allowed in a qinq zone (only vxlan zones "
		"have peers)");
	/* the S-tag */
	EXPECT_ERRORS("version: 1\nzones:\n  a: {type: qinq, bridge: vmbr0, tag: 0}\n"
		      "  b: {type: qinq, bridge: vmbr0, tag: 4095}\n"
		      "  c: {type: qinq, bridge: vmbr0, tag: '5'}\n",
		      "t.yaml:3:39: zones.a.tag: expected an integer between 1 and 4094, got 0",
		      "t.yaml:4:39: zones.b.tag: expected an integer between 1 and 4094, got 4095",
		      "t.yaml:5:39: zones.c.tag: expected an integer, got the quoted string \"5\" "
		      "(numbers must not be quoted)");
	/* the S-tag's protocol */
	EXPECT_ERRORS("version: 1\nzones:\n"
		      "  a: {type: qinq, bridge: vmbr0, tag: 5, vlan-protocol: 802.1Q}\n"
		      "  b: {type: qinq, bridge: vmbr0, tag: 6, vlan-protocol: 0x88a8}\n"
		      "  c: {type: qinq, bridge: vmbr0, tag: 7, vlan-protocol: [802.1ad]}\n",
		      "t.yaml:3:57: zones.a.vlan-protocol: unknown VLAN protocol \"802.1Q\" "
		      "(expected 802.1q or 802.1ad)",
		      "t.yaml:4:57: zones.b.vlan-protocol: unknown VLAN protocol \"0x88a8\" "
		      "(expected 802.1q or 802.1ad)",
		      "t.yaml:5:57: zones.c.vlan-protocol: expected a VLAN protocol, got a list");
	/* a zone of unknown type: the values are checked, not whether they belong */
	EXPECT_ERRORS("version: 1\nzones:\n  a: {type: evpn, bridge: 'a/b', tag: 0}\n",
		      "t.yaml:3:13: zones.a.type: unknown zone type \"evpn\" (expected one of: "
		      "simple, vxlan, vlan, qinq)",
		      "t.yaml:3:27: zones.a.bridge: invalid bridge name \"a/b\" (expected a device "
		      "name: 1 to 15 bytes without \"/\", \":\" or whitespace, not \".\" or "
		      "\"..\")",
		      "t.yaml:3:39: zones.a.tag: expected an integer between 1 and 4094, got 0");
}

static void test_bridge_name(void **state)
{
	/* as written, as shown */
	static const char *const bad[][2] = {
		{ "'a/b'", "a/b" }, { "'a:b'", "a:b" },
		{ "'a b'", "a b" }, { "\"a\\tb\"", "a\\tb" },
		{ "'.'", "." },	    { "'..'", ".." },
		{ "''", "" },	    { "abcdefghijklmnop", "abcdefghijklmnop" },
	};
	char doc[128], want[512];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(doc, sizeof(doc), "version: 1\nzones:\n  a: {type: vlan, bridge: %s}\n",
			 bad[i][0]);
		snprintf(want, sizeof(want),
			 "t.yaml:3:27: zones.a.bridge: invalid bridge name \"%s\" (expected a "
			 "device name: 1 to 15 bytes without \"/\", \":\" or whitespace, not \".\" "
			 "or \"..\")",
			 bad[i][1]);
		check_errors(doc, NULL, (const char *const[]){ want, NULL });
	}
	EXPECT_ERRORS("version: 1\nzones:\n  a: {type: vlan, bridge: [vmbr0]}\n",
		      "t.yaml:3:27: zones.a.bridge: expected a bridge name, got a list");
	EXPECT_ERRORS("version: 1\nzones:\n  a: {type: vlan, bridge: ~}\n",
		      "t.yaml:3:27: zones.a.bridge: expected a bridge name, got null");
	/* anything the kernel takes; 15 bytes; "..." is not ".." */
	accept_doc("version: 1\nzones:\n  a: {type: vlan, bridge: br.lan-1_Ü}\n"
		   "  b: {type: vlan, bridge: abcdefghijklmno}\n  c: {type: vlan, bridge: ...}\n",
		   NULL);
}

static void test_vlan_vnet_tag(void **state)
{
	EXPECT_ERRORS(VHEAD "  sales: {zone: office}\n",
		      "t.yaml:8:3: vnets.sales.tag: required key is missing (a vnet in vlan zone "
		      "\"office\" needs a VLAN tag between 1 and 4094)");
	EXPECT_ERRORS(VHEAD "  a: {zone: office, tag: 0}\n  b: {zone: office, tag: 4095}\n"
			    "  c: {zone: tenants, tag: 4095}\n  d: {zone: tenants, tag: -1}\n"
			    "  e: {zone: storage, tag: 16777215}\n",
		      "t.yaml:8:26: vnets.a.tag: expected an integer between 1 and 4094, got 0",
		      "t.yaml:9:26: vnets.b.tag: expected an integer between 1 and 4094, got 4095",
		      "t.yaml:10:27: vnets.c.tag: expected an integer between 1 and 4094, got 4095",
		      "t.yaml:11:27: vnets.d.tag: expected an integer between 1 and 4094, got -1",
		      "t.yaml:12:27: vnets.e.tag: expected an integer between 1 and 4094, got "
		      "16777215");
	EXPECT_ERRORS(VHEAD "  a: {zone: office, tag: '100'}\n  b: {zone: tenants, tag: x}\n",
		      "t.yaml:8:26: vnets.a.tag: expected an integer, got the quoted string "
		      "\"100\" (numbers must not be quoted)",
		      "t.yaml:9:27: vnets.b.tag: expected an integer, got \"x\"");
	/* a vnet of an unknown zone: checked as a VNI */
	EXPECT_ERRORS(VHEAD "  a: {zone: nope, tag: 16777216}\n",
		      "t.yaml:8:13: vnets.a.zone: zone \"nope\" does not exist (defined zones: "
		      "office, storage, tenants, home)",
		      "t.yaml:8:24: vnets.a.tag: expected an integer between 1 and 16777215, got "
		      "16777216");
	/* a simple zone's vnet: the tag is only refused, not range-checked */
	EXPECT_ERRORS(
		VHEAD "  a: {zone: home, tag: 0}\n",
		"t.yaml:8:19: vnets.a.tag: not allowed in simple zone \"home\" (only vnets in "
		"vxlan, vlan and qinq zones have a tag)");
	accept_doc(VHEAD "  a: {zone: office, tag: 1}\n  b: {zone: office, tag: 4094}\n"
			 "  c: {zone: tenants, tag: 4094}\n  d: {zone: tenants}\n",
		   &env_pve1);
}

static void test_vlan_duplicate_tags(void **state)
{
	EXPECT_ERRORS(VHEAD "  a: {zone: office, tag: 100}\n  b: {zone: office, tag: 101}\n"
			    "  c: {zone: office, tag: 100}\n  d: {zone: tenants, tag: 100}\n"
			    "  e: {zone: tenants, tag: 100}\n  f: {zone: storage, tag: 100}\n",
		      "t.yaml:10:26: vnets.c.tag: VLAN 100 is already used by vnet \"a\" in zone "
		      "\"office\"",
		      "t.yaml:12:27: vnets.e.tag: VLAN 100 is already used by vnet \"d\" in zone "
		      "\"tenants\"");
	/* within a zone even where the zone does not exist: the document is the same everywhere */
	EXPECT_ERRORS(
		"version: 1\nzones:\n  z: {type: vlan, bridge: vmbr9, nodes: [pve2]}\n"
		"vnets:\n  a: {zone: z, tag: 7}\n  b: {zone: z, tag: 7}\n",
		"t.yaml:6:21: vnets.b.tag: VLAN 7 is already used by vnet \"a\" in zone \"z\"");
	/* one untagged vnet per qinq zone */
	EXPECT_ERRORS(VHEAD "  a: {zone: tenants}\n  b: {zone: tenants, tag: 5}\n"
			    "  c: {zone: tenants}\n  d: {zone: tenants, alias: x}\n",
		      "t.yaml:10:3: vnets.c.tag: vnet \"a\" is already the untagged vnet of qinq "
		      "zone \"tenants\" (at most one vnet of a qinq zone may have no tag)",
		      "t.yaml:11:3: vnets.d.tag: vnet \"a\" is already the untagged vnet of qinq "
		      "zone \"tenants\" (at most one vnet of a qinq zone may have no tag)");
	/* a bad tag is not an untagged vnet */
	EXPECT_ERRORS(VHEAD "  a: {zone: tenants}\n  b: {zone: tenants, tag: 0}\n",
		      "t.yaml:9:27: vnets.b.tag: expected an integer between 1 and 4094, got 0");
	/* a vlan zone's VLANs and a qinq zone's C-tags are separate, as are VNIs */
	accept_doc(VHEAD "  a: {zone: office, tag: 100}\n  b: {zone: tenants, tag: 100}\n"
			 "  c: {zone: storage, tag: 100}\n",
		   &env_pve1);
}

static void test_uplink_vids(void **state)
{
	/* two vlan zones on one uplink: <uplink>.<tag> once */
	EXPECT_ERRORS("version: 1\nzones:\n  office: {type: vlan, bridge: vmbr0}\n"
		      "  again: {type: vlan, bridge: vmbr0}\n"
		      "  tenants: {type: qinq, bridge: vmbr0, tag: 10}\n"
		      "vnets:\n  a: {zone: office, tag: 100}\n  b: {zone: again, tag: 100}\n"
		      "  c: {zone: again, tag: 10}\n",
		      "t.yaml:8:25: vnets.b.tag: VLAN 100 on bridge \"vmbr0\" is already used by "
		      "vnet \"a\" of zone \"office\"",
		      "t.yaml:9:25: vnets.c.tag: VLAN 10 on bridge \"vmbr0\" is already used by "
		      "qinq zone \"tenants\" (its service VLAN)");
	/* a qinq zone's service VLAN taken by an earlier vnet, or by another qinq zone */
	EXPECT_ERRORS("version: 1\nvnets:\n  a: {zone: office, tag: 10}\nzones:\n"
		      "  office: {type: vlan, bridge: vmbr0}\n"
		      "  q1: {type: qinq, bridge: vmbr0, tag: 10}\n"
		      "  q2: {type: qinq, bridge: vmbr1, tag: 20}\n"
		      "  q3: {type: qinq, bridge: vmbr1, tag: 20}\n",
		      "t.yaml:6:40: zones.q1.tag: service VLAN 10 on bridge \"vmbr0\" is already "
		      "used by vnet \"a\" of zone \"office\"",
		      "t.yaml:8:40: zones.q3.tag: service VLAN 20 on bridge \"vmbr1\" is already "
		      "used by qinq zone \"q2\" (its service VLAN)");
	/* different bridges, different protocols on a plain uplink (sv_q1, sv_q2 on eth1), or
	 * zones that do not meet on a node */
	accept_doc("version: 1\nzones:\n  a: {type: vlan, bridge: vmbr0}\n"
		   "  b: {type: vlan, bridge: vmbr1}\n"
		   "  q1: {type: qinq, bridge: vmbr1, tag: 30}\n"
		   "  q2: {type: qinq, bridge: vmbr1, tag: 30, vlan-protocol: 802.1ad}\n"
		   "  c: {type: vlan, bridge: vmbr0, nodes: [pve2]}\n"
		   "vnets:\n  x: {zone: a, tag: 100}\n  y: {zone: b, tag: 100}\n"
		   "  z: {zone: c, tag: 100}\n",
		   &env_pve1);
}

static void test_booleans(void **state)
{
	/* YAML 1.1 would read some of these as booleans; they are all refused */
	static const char *const bad[] = {
		"yes", "no", "on", "off", "True", "FALSE", "1", "0", "y", "truee",
	};
	char doc[256], want[256];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(doc, sizeof(doc), HEAD "  a: {zone: home, vlanaware: %s}\n", bad[i]);
		snprintf(want, sizeof(want),
			 "t.yaml:6:30: vnets.a.vlanaware: expected true or false, got \"%s\"",
			 bad[i]);
		check_errors(doc, &env_pve1, (const char *const[]){ want, NULL });
	}
	EXPECT_ERRORS(HEAD "  a: {zone: home, vlanaware: \"true\", isolate-ports: 'false'}\n",
		      "t.yaml:6:30: vnets.a.vlanaware: expected true or false, got the quoted "
		      "string \"true\" (booleans must not be quoted)",
		      "t.yaml:6:53: vnets.a.isolate-ports: expected true or false, got the quoted "
		      "string \"false\" (booleans must not be quoted)");
	EXPECT_ERRORS(
		HEAD "  a: {zone: home, isolate-ports: ~}\n  b: {zone: home, vlanaware: "
		     "[true]}\n  c: {zone: home, vlanaware: !!bool true}\n"
		     "  d: {zone: home, vlanaware: \"yes\"}\n",
		"t.yaml:6:34: vnets.a.isolate-ports: expected true or false, got null",
		"t.yaml:7:30: vnets.b.vlanaware: expected true or false, got a list",
		"t.yaml:8:30: vnets.c.vlanaware: YAML tags are not supported (got \"!!bool\")",
		"t.yaml:9:30: vnets.d.vlanaware: expected true or false, got the quoted "
		"string \"yes\"");
}

static void test_vlanaware_subnets(void **state)
{
	EXPECT_ERRORS(
		HEAD "  lan:\n    zone: home\n    vlanaware: true\n    subnets:\n"
		     "      10.0.0.0/8: {gateway: 10.0.0.1}\n"
		     "  lan2: {zone: lab, tag: 7, subnets: {10.1.0.1/16: ~}, vlanaware: true}\n",
		"t.yaml:9:5: vnets.lan.subnets: a vlanaware vnet cannot have subnets (its "
		"bridge carries the guests' own VLANs; give routed subnets a vnet of their "
		"own)",
		"t.yaml:11:29: vnets.lan2.subnets: a vlanaware vnet cannot have subnets (its "
		"bridge carries the guests' own VLANs; give routed subnets a vnet of their "
		"own)",
		"t.yaml:11:39: vnets.lan2.subnets.10.1.0.1/16: 10.1.0.1/16 has host bits set; "
		"did you mean 10.1.0.0/16?");
	/* no subnets, or an empty mapping of them, is fine; so are subnets without vlanaware */
	accept_doc(HEAD "  a: {zone: home, vlanaware: true, subnets: {}}\n"
			"  b: {zone: home, vlanaware: true, subnets: ~}\n"
			"  c: {zone: home, vlanaware: false, subnets: {10.0.0.0/8: ~}}\n",
		   &env_pve1);
}

static void test_uplink_bridge(void **state)
{
	struct zone_local_link many[12];
	struct zone_env env = env_pve1;
	size_t i;

	EXPECT_ERRORS("version: 1\nzones:\n  a: {type: vlan, bridge: vmbr9}\n"
		      "  b: {type: qinq, bridge: eth1, tag: 5}\n"
		      "  c: {type: vlan, bridge: bond0}\n"
		      "  d: {type: vlan, bridge: vmbr2}\n"
		      "  e: {type: qinq, bridge: vmbr2, tag: 6}\n"
		      "  f: {type: vlan, bridge: vmbr9, nodes: [pve2]}\n",
		      "t.yaml:3:27: zones.a.bridge: bridge \"vmbr9\" does not exist on this node "
		      "(pve1); local bridges: vmbr0, vmbr1, vmbr2",
		      "t.yaml:4:27: zones.b.bridge: \"eth1\" is not a bridge (it is a physical "
		      "interface)",
		      "t.yaml:5:27: zones.c.bridge: \"bond0\" is not a bridge (it is a bond "
		      "device)",
		      "t.yaml:6:27: zones.d.bridge: bridge \"vmbr2\" is not VLAN-aware and has no "
		      "physical port to carry the VLANs",
		      "t.yaml:7:27: zones.e.bridge: bridge \"vmbr2\" is not VLAN-aware and has no "
		      "physical port to carry the VLANs");
	/* an unusable uplink derives no names: no follow-up collisions */
	EXPECT_ERRORS("version: 1\nzones:\n  a: {type: vlan, bridge: eth2}\n"
		      "  b: {type: vlan, bridge: vmbr2}\n  h: {type: simple}\nvnets:\n"
		      "  x: {zone: a, tag: 100}\n  eth2v100: {zone: h}\n  y: {zone: b, tag: 5}\n"
		      "  ln_y: {zone: h}\n",
		      "t.yaml:3:27: zones.a.bridge: \"eth2\" is not a bridge (it is a physical "
		      "interface)",
		      "t.yaml:4:27: zones.b.bridge: bridge \"vmbr2\" is not VLAN-aware and has no "
		      "physical port to carry the VLANs");
	/* the node name is the document's */
	EXPECT_ERRORS("version: 1\nnode: n7\nzones:\n  a: {type: vlan, bridge: vmbr9}\n",
		      "t.yaml:4:27: zones.a.bridge: bridge \"vmbr9\" does not exist on this node "
		      "(n7); local bridges: vmbr0, vmbr1, vmbr2");
	/* a node without bridges, a node with many */
	env.n_links = 0;
	EXPECT_ERRORS_ENV(&env, "version: 1\nzones:\n  a: {type: vlan, bridge: vmbr0}\n",
			  "t.yaml:3:27: zones.a.bridge: bridge \"vmbr0\" does not exist on this "
			  "node (pve1); it has no bridges");
	for (i = 0; i < ARRAY_SIZE(many); i++) {
		many[i] = (struct zone_local_link){ .kind = "bridge" };
		snprintf(many[i].name, sizeof(many[i].name), "br%zu", i);
	}
	many[3].kind[0] = '\0'; /* not a bridge: not listed */
	env.links = many;
	env.n_links = ARRAY_SIZE(many);
	EXPECT_ERRORS_ENV(&env, "version: 1\nzones:\n  a: {type: vlan, bridge: vmbr0}\n",
			  "t.yaml:3:27: zones.a.bridge: bridge \"vmbr0\" does not exist on this "
			  "node (pve1); local bridges: br0, br1, br2, br4, br5, br6, br7, br8, ... "
			  "(3 more)");
	/* devices unknown: not checked */
	env.links = NULL;
	accept_doc("version: 1\nzones:\n  a: {type: vlan, bridge: vmbr9}\n", &env);
	accept_doc("version: 1\nzones:\n  a: {type: vlan, bridge: vmbr9}\n", NULL);
	/* a plain bridge whose physical port is a bond */
	{
		const struct zone_local_link l[] = {
			{ .name = "vmbr5", .kind = "bridge" },
			{ .name = "vx5", .kind = "vxlan", .master = "vmbr5" },
			{ .name = "bond0", .kind = "bond", .master = "vmbr5" },
		};

		env.links = l;
		env.n_links = ARRAY_SIZE(l);
		accept_doc("version: 1\nzones:\n  a: {type: vlan, bridge: vmbr5}\n", &env);
		env.n_links = 2;
		EXPECT_ERRORS_ENV(&env, "version: 1\nzones:\n  a: {type: vlan, bridge: vmbr5}\n",
				  "t.yaml:3:27: zones.a.bridge: bridge \"vmbr5\" is not VLAN-aware "
				  "and has no physical port to carry the VLANs");
	}
}

static void test_vlan_device_names(void **state)
{
	/* plain uplink vmbr1: ln_<vnet>, pr_<vnet>, vmbr1v<tag> (and eth1.<tag>, which no vnet
	 * can be named); reported at the later vnet */
	EXPECT_ERRORS(
		VHEAD "  ln_web: {zone: home}\n  web: {zone: storage, tag: 100}\n"
		      "  vmbr1v100: {zone: home}\n  pr_web: {zone: home}\n",
		"t.yaml:9:3: vnets.web: veth \"ln_web\" has the same name as the bridge of "
		"vnet \"ln_web\"",
		"t.yaml:10:3: vnets.vmbr1v100: bridge \"vmbr1v100\" has the same name as the "
		"bridge of vnet \"web\"",
		"t.yaml:11:3: vnets.pr_web: bridge \"pr_web\" has the same name as the veth of "
		"vnet \"web\"");
	/* VLAN-aware uplink vmbr0: vmbr0.<tag>; a vnet named like an uplink */
	EXPECT_ERRORS(VHEAD "  vmbr0: {zone: home}\n  vmbr1: {zone: office, tag: 5}\n",
		      "t.yaml:8:3: vnets.vmbr0: bridge \"vmbr0\" has the same name as the uplink "
		      "bridge of zone \"office\"",
		      "t.yaml:9:3: vnets.vmbr1: bridge \"vmbr1\" has the same name as the uplink "
		      "bridge of zone \"storage\"");
	/* qinq: z_<zone>, ln_/pr_<zone>, the S-VLAN device; zones and vnets share names */
	EXPECT_ERRORS(
		VHEAD "  z_tenants: {zone: home}\n  tenants: {zone: storage, tag: 7}\n"
		      "  pr_tenants: {zone: home}\n",
		"t.yaml:8:3: vnets.z_tenants: bridge \"z_tenants\" has the same name as the "
		"bridge of zone \"tenants\"",
		"t.yaml:9:3: vnets.tenants: veth \"ln_tenants\" has the same name as the veth "
		"of zone \"tenants\"",
		"t.yaml:9:3: vnets.tenants: veth \"pr_tenants\" has the same name as the veth "
		"of zone \"tenants\"",
		"t.yaml:10:3: vnets.pr_tenants: bridge \"pr_tenants\" has the same name as "
		"the veth of zone \"tenants\"");
	/* two qinq zones on one VLAN-aware uplink with one VID but different protocols */
	EXPECT_ERRORS("version: 1\nzones:\n  a: {type: qinq, bridge: vmbr0, tag: 10}\n"
		      "  b: {type: qinq, bridge: vmbr0, tag: 10, vlan-protocol: 802.1ad}\n",
		      "t.yaml:4:3: zones.b: VLAN device \"vmbr0.10\" has the same name as the VLAN "
		      "device of zone \"a\"");
	/* a qinq zone on an uplink named like another zone's device */
	EXPECT_ERRORS_ENV(
		NULL,
		"version: 1\nzones:\n  a: {type: qinq, bridge: z_b, tag: 10}\n"
		"  b: {type: qinq, bridge: vmbr0, tag: 11}\n",
		"t.yaml:4:3: zones.b: bridge \"z_b\" has the same name as the uplink bridge "
		"of zone \"a\"");
	/* a qinq vnet's VLAN device is on z_<zone> (devices unknown: VLAN-aware uplinks) */
	EXPECT_ERRORS_ENV(
		NULL,
		"version: 1\nzones:\n  v: {type: vlan, bridge: z_a}\n"
		"  a: {type: qinq, bridge: vmbr0, tag: 10}\n"
		"vnets:\n  x: {zone: a, tag: 5}\n  y: {zone: v, tag: 5}\n",
		"t.yaml:4:3: zones.a: bridge \"z_a\" has the same name as the uplink "
		"bridge of zone \"v\"",
		"t.yaml:7:3: vnets.y: VLAN device \"z_a.5\" has the same name as the VLAN "
		"device of vnet \"x\"");
	/* names hashed to fit 15 characters, and zones not on this node, do not collide */
	accept_doc("version: 1\nzones:\n  storage: {type: vlan, bridge: vmbr1}\n"
		   "  far: {type: vlan, bridge: vmbr1, nodes: [pve2]}\n  home: {type: simple}\n"
		   "  tenants: {type: qinq, bridge: vmbr0, tag: 10}\n"
		   "vnets:\n  storage-net-01: {zone: storage, tag: 100}\n"
		   "  storage-net-02: {zone: storage, tag: 101}\n"
		   "  web: {zone: far, tag: 102}\n  ln_web: {zone: home}\n"
		   "  tenants: {zone: home}\n  x: {zone: tenants, tag: 5}\n  y: {zone: tenants}\n",
		   &env_pve1);
}

/* ---- the node-dependent check ------------------------------------------------------------- */

static void test_local_peer(void **state)
{
	static const char doc[] = "version: 1\nzones:\n  lab:\n    type: vxlan\n"
				  "    peers: [192.0.2.5, 192.0.2.6]\n";
	const struct zone_local_addr addrs[] = {
		{ .ip = IP4(10, 0, 0, 1) },  { .ip = IP4(10, 0, 0, 2) },
		{ .ip = IP4(10, 0, 0, 3) },  { .ip = IP4(10, 0, 0, 4) },
		{ .ip = IP4(10, 0, 0, 5) },  { .ip = IP4(10, 0, 0, 6) },
		{ .ip = IP4(10, 0, 0, 7) },  { .ip = IP4(10, 0, 0, 8) },
		{ .ip = IP4(10, 0, 0, 9) },  { .ip = IP4(10, 0, 0, 10) },
		{ .ip = IP4(192, 0, 2, 6) }, { .ip = IP4(192, 0, 2, 5) },
	};
	struct zone_env env = { .node = "pve1", .addrs = addrs, .n_addrs = 2 };

	EXPECT_ERRORS_ENV(&env, doc,
			  "t.yaml:5:12: zones.lab.peers: none of the peers is an address of this "
			  "node (pve1); local addresses: 10.0.0.1, 10.0.0.2");
	env.n_addrs = 10;
	EXPECT_ERRORS_ENV(&env, doc,
			  "t.yaml:5:12: zones.lab.peers: none of the peers is an address of this "
			  "node (pve1); local addresses: 10.0.0.1, 10.0.0.2, 10.0.0.3, 10.0.0.4, "
			  "10.0.0.5, 10.0.0.6, 10.0.0.7, 10.0.0.8, ... (2 more)");
	env.n_addrs = 0;
	EXPECT_ERRORS_ENV(&env, doc,
			  "t.yaml:5:12: zones.lab.peers: none of the peers is an address of this "
			  "node (pve1); it has no local addresses");
	env.n_addrs = 12;
	EXPECT_ERRORS_ENV(&env, doc,
			  "t.yaml:5:12: zones.lab.peers: more than one peer is an address of this "
			  "node (pve1): 192.0.2.5, 192.0.2.6 (exactly one must be)");
	/* the node name in the message is the document's */
	env.n_addrs = 0;
	EXPECT_ERRORS_ENV(&env,
			  "version: 1\nnode: n7\nzones: {lab: {type: vxlan, peers: [1.1.1.1]}}\n",
			  "t.yaml:3:35: zones.lab.peers: none of the peers is an address of this "
			  "node (n7); it has no local addresses");
	/* not checked for a zone that does not exist on this node, nor without env */
	accept_doc("version: 1\nzones:\n  lab: {type: vxlan, peers: [192.0.2.5], nodes: [pve2]}\n",
		   &env);
	accept_doc(doc, NULL);
	/* exactly one */
	env.n_addrs = 11;
	accept_doc(doc, &env);
}

/* ---- many errors at once ------------------------------------------------------------------ */

static void test_all_errors_reported(void **state)
{
	EXPECT_ERRORS(
		"version: 2\n"
		"resync-interval: 0\n"
		"zones:\n"
		"  lab:\n"
		"    type: vxlan\n"
		"    peers: [192.0.2.1, nope]\n"
		"    mtu: 10\n"
		"  home: {type: simple, port: 1}\n"
		"vnets:\n"
		"  web: {zone: lab}\n"
		"  lan: {zone: home, tag: 3, subnets: {10.0.0.1/8: ~}}\n"
		"  x: {zone: gone, bad: 1}\n",
		"t.yaml:1:10: version: unsupported version 2 (expected 1)",
		"t.yaml:2:18: resync-interval: expected an integer between 1 and 86400, got 0",
		"t.yaml:6:24: zones.lab.peers[1]: expected an IP address, got \"nope\"",
		"t.yaml:7:10: zones.lab.mtu: expected an integer between 68 and 65535, got 10",
		"t.yaml:8:24: zones.home.port: not allowed in a simple zone (only vxlan zones "
		"have a port)",
		"t.yaml:10:3: vnets.web.tag: required key is missing (a vnet in vxlan zone "
		"\"lab\" needs a VNI between 1 and 16777215)",
		"t.yaml:11:21: vnets.lan.tag: not allowed in simple zone \"home\" (only vnets "
		"in vxlan, vlan and qinq zones have a tag)",
		"t.yaml:11:39: vnets.lan.subnets.10.0.0.1/8: 10.0.0.1/8 has host bits set; did "
		"you mean 10.0.0.0/8?",
		"t.yaml:12:13: vnets.x.zone: zone \"gone\" does not exist (defined zones: lab, "
		"home)",
		"t.yaml:12:19: vnets.x.bad: unknown key \"bad\" (expected one of: zone, tag, "
		"alias, subnets, vlanaware, isolate-ports)");
}

/* ---- examples ----------------------------------------------------------------------------- */

static void test_examples(void **state)
{
	const char *data = getenv("SDND_TEST_DATA");
	char dir[4096], path[8192];
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	if (!data)
		skip();
	snprintf(dir, sizeof(dir), "%s/../../examples", data);
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d))) {
		struct zone_config *cfg = NULL;
		struct zone_errors e = { 0 };
		size_t len = strlen(de->d_name), i;

		if (len < 6 || strcmp(de->d_name + len - 5, ".yaml"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (zone_parse_file(path, &env_pve1, &cfg, &e) < 0) {
			print_errors(&e);
			fail_msg("%s does not validate", path);
		}
		/* the local peer is the first one of every vxlan zone on pve1; uplinks exist */
		for (i = 0; i < cfg->n_zones; i++) {
			const struct sdnd_ip *peer = NULL;

			if (cfg->zones[i].type != ZONE_VXLAN ||
			    !zone_on_node(&cfg->zones[i], "pve1"))
				continue;
			assert_non_null(zone_local_peer(&cfg->zones[i], &env_pve1, &peer));
			assert_ptr_equal(peer, &cfg->zones[i].peers[0]);
		}
		for (i = 0; i < cfg->n_zones; i++)
			if (cfg->zones[i].type == ZONE_VLAN || cfg->zones[i].type == ZONE_QINQ)
				assert_non_null(zone_env_link(&env_pve1, cfg->zones[i].bridge));
		zone_config_free(cfg);
		n++;
	}
	closedir(d);
	assert_true(n >= 4);
}

/* ---- model.c ------------------------------------------------------------------------------ */

static void test_zone_type_strings(void **state)
{
	int t;

	for (t = 0; t < _ZONE_TYPE_MAX; t++) {
		const char *s = zone_type_to_string((enum zone_type)t);

		assert_non_null(s);
		assert_int_equal(zone_type_from_string(s), t);
	}
	assert_null(zone_type_to_string(_ZONE_TYPE_MAX));
	assert_null(zone_type_to_string((enum zone_type) - 1));
	assert_string_equal(zone_type_to_string(ZONE_SIMPLE), "simple");
	assert_string_equal(zone_type_to_string(ZONE_VXLAN), "vxlan");
	assert_string_equal(zone_type_to_string(ZONE_VLAN), "vlan");
	assert_string_equal(zone_type_to_string(ZONE_QINQ), "qinq");
	assert_int_equal(zone_type_from_string("evpn"), -1);
	assert_int_equal(zone_type_from_string("VLAN"), -1);
	assert_int_equal(zone_type_from_string(""), -1);
	assert_int_equal(zone_type_from_string(NULL), -1);
}

static void test_vxlan_ifname(void **state)
{
	char buf[16];

	assert_string_equal(zone_vxlan_ifname("web", buf), "vxlan_web");
	assert_string_equal(zone_vxlan_ifname("abcdefghi", buf), "vxlan_abcdefghi"); /* 15 */
	/* FNV-1a("storagenet") & 0xffff = 0xe449 */
	assert_string_equal(zone_vxlan_ifname("storagenet", buf), "vx_storage_e449");
	assert_string_equal(zone_vxlan_ifname("verylongvnetname", buf), "vx_verylon_881d");
	assert_int_equal(strlen(zone_vxlan_ifname("abcdefghijklmno", buf)), 15);
	assert_string_not_equal(zone_vxlan_ifname("abcdefghij", buf),
				zone_vxlan_ifname("abcdefghik", (char[16]){ 0 }));
}

static void test_ifname(void **state)
{
	char buf[16], cat[64], want[16];

	/* fits: the parts as they are */
	assert_string_equal(zone_ifname(buf, "ln_", "web", ""), "ln_web");
	assert_string_equal(zone_ifname(buf, "", "vmbr0", ".100"), "vmbr0.100");
	assert_string_equal(zone_ifname(buf, "", "vmbr1", "v4094"), "vmbr1v4094");
	assert_string_equal(zone_ifname(buf, "ln_", "abcdefghijkl", ""), "ln_abcdefghijkl");
	assert_string_equal(zone_ifname(buf, "", "abcdefghijklmno", ""), "abcdefghijklmno");
	/* too long: prefix + start of base + "_" + FNV-1a(prefix base suffix) & 0xffff + suffix */
	assert_string_equal(zone_ifname(buf, "ln_", "storagenetwork", ""), "ln_storage_af41");
	assert_string_equal(zone_ifname(buf, "ln_", "abcdefghijklm", ""), "ln_abcdefg_049b");
	assert_string_equal(zone_ifname(buf, "", "vmbr-uplink-01", ".4094"), "vmbr-_a3ed.4094");
	assert_string_equal(zone_ifname(buf, "", "uplinkbridge1", "v100"), "uplink_4915v100");
	assert_string_equal(zone_ifname(buf, "z_", "averylongzonena", ""), "z_averylon_47c8");
	snprintf(cat, sizeof(cat), "%s%s%s", "pr_", "storagenetwork", "");
	snprintf(want, sizeof(want), "pr_storage_%04x",
		 (unsigned int)(sdnd_hash_str(cat) & 0xffff));
	assert_string_equal(zone_ifname(buf, "pr_", "storagenetwork", ""), want);
	/* the hash covers prefix and suffix too: same base, different names */
	assert_string_not_equal(zone_ifname(buf, "", "uplinkbridge1", "v100"),
				zone_ifname((char[16]){ 0 }, "", "uplinkbridge1", "v101"));
	/* no room for any of base: cut to 15 */
	assert_string_equal(zone_ifname(buf, "abcdefgh", "x", "ijklmnop"), "abcdefgh_19ffij");
}

static const struct zone_devname *devs(size_t n, const struct zone_devname *d, size_t want_n)
{
	assert_int_equal(n, want_n);
	assert_true(n <= ZONE_VNET_DEVICES_MAX);
	return d;
}

#define ASSERT_DEV(d, i, nm, wh)                                                                   \
	do {                                                                                       \
		assert_string_equal((d)[i].name, nm);                                              \
		assert_string_equal((d)[i].what, wh);                                              \
	} while (0)

static void test_vnet_devices(void **state)
{
	struct zone_zone z = { .type = ZONE_SIMPLE };
	struct zone_vnet v = { .name = "web", .has_tag = true, .tag = 100 };
	struct zone_devname out[ZONE_VNET_DEVICES_MAX];
	const struct zone_devname *d;

	d = devs(zone_vnet_devices(&z, &v, &env_pve1, out), out, 1);
	ASSERT_DEV(d, 0, "web", "bridge");
	z.type = ZONE_VXLAN;
	d = devs(zone_vnet_devices(&z, &v, &env_pve1, out), out, 2);
	ASSERT_DEV(d, 0, "web", "bridge");
	ASSERT_DEV(d, 1, "vxlan_web", "vxlan device");

	/* vlan, VLAN-aware uplink; devices unknown count as VLAN-aware */
	z = (struct zone_zone){ .type = ZONE_VLAN, .bridge = "vmbr0" };
	d = devs(zone_vnet_devices(&z, &v, &env_pve1, out), out, 2);
	ASSERT_DEV(d, 0, "web", "bridge");
	ASSERT_DEV(d, 1, "vmbr0.100", "VLAN device");
	strcpy(z.bridge, "vmbr1");
	d = devs(zone_vnet_devices(&z, &v, NULL, out), out, 2);
	ASSERT_DEV(d, 1, "vmbr1.100", "VLAN device");
	d = devs(zone_vnet_devices(&z, &v, &(struct zone_env){ .node = "pve1" }, out), out, 2);
	ASSERT_DEV(d, 1, "vmbr1.100", "VLAN device");

	/* vlan, plain uplink: <uplink>v<tag>, <port>.<tag>, the veth pair */
	d = devs(zone_vnet_devices(&z, &v, &env_pve1, out), out, 5);
	ASSERT_DEV(d, 0, "web", "bridge");
	ASSERT_DEV(d, 1, "vmbr1v100", "bridge");
	ASSERT_DEV(d, 2, "eth1.100", "VLAN device");
	ASSERT_DEV(d, 3, "ln_web", "veth");
	ASSERT_DEV(d, 4, "pr_web", "veth");
	/* ... without a physical port (does not validate): that device left out */
	strcpy(z.bridge, "vmbr2");
	d = devs(zone_vnet_devices(&z, &v, &env_pve1, out), out, 4);
	ASSERT_DEV(d, 1, "vmbr2v100", "bridge");
	ASSERT_DEV(d, 2, "ln_web", "veth");
	ASSERT_DEV(d, 3, "pr_web", "veth");
	/* long names */
	v = (struct zone_vnet){ .name = "storagenetwork", .has_tag = true, .tag = 4094 };
	strcpy(z.bridge, "vmbr-uplink-01");
	d = devs(zone_vnet_devices(&z, &v, NULL, out), out, 2);
	ASSERT_DEV(d, 0, "storagenetwork", "bridge");
	ASSERT_DEV(d, 1, "vmbr-_a3ed.4094", "VLAN device");
	/* no tag (does not validate): the bridge only */
	v.has_tag = false;
	devs(zone_vnet_devices(&z, &v, NULL, out), out, 1);

	/* qinq: a tagged vnet's VLAN device on z_<zone>; the untagged vnet has none */
	z = (struct zone_zone){
		.name = "tenants", .type = ZONE_QINQ, .bridge = "vmbr0", .stag = 10
	};
	v = (struct zone_vnet){ .name = "acme", .has_tag = true, .tag = 101 };
	d = devs(zone_vnet_devices(&z, &v, &env_pve1, out), out, 2);
	ASSERT_DEV(d, 0, "acme", "bridge");
	ASSERT_DEV(d, 1, "z_tenants.101", "VLAN device");
	strcpy(z.bridge, "vmbr1"); /* the uplink does not matter */
	d = devs(zone_vnet_devices(&z, &v, &env_pve1, out), out, 2);
	ASSERT_DEV(d, 1, "z_tenants.101", "VLAN device");
	strcpy(z.name, "averylongzonena");
	d = devs(zone_vnet_devices(&z, &v, &env_pve1, out), out, 2);
	ASSERT_DEV(d, 1, "z_aver_db3f.101", "VLAN device"); /* on z_averylon_47c8 */
	v.has_tag = false;
	d = devs(zone_vnet_devices(&z, &v, &env_pve1, out), out, 1);
	ASSERT_DEV(d, 0, "acme", "bridge");
}

static void test_zone_devices(void **state)
{
	struct zone_zone z = {
		.name = "tenants", .type = ZONE_QINQ, .bridge = "vmbr0", .stag = 10
	};
	struct zone_devname out[ZONE_VNET_DEVICES_MAX];
	const struct zone_devname *d;

	/* VLAN-aware uplink (or unknown devices): <uplink>.<stag> */
	d = devs(zone_zone_devices(&z, &env_pve1, out), out, 4);
	ASSERT_DEV(d, 0, "z_tenants", "bridge");
	ASSERT_DEV(d, 1, "ln_tenants", "veth");
	ASSERT_DEV(d, 2, "pr_tenants", "veth");
	ASSERT_DEV(d, 3, "vmbr0.10", "VLAN device");
	strcpy(z.bridge, "vmbr1");
	d = devs(zone_zone_devices(&z, NULL, out), out, 4);
	ASSERT_DEV(d, 3, "vmbr1.10", "VLAN device");
	/* plain uplink: sv_<zone> on its physical port, left out without one */
	d = devs(zone_zone_devices(&z, &env_pve1, out), out, 4);
	ASSERT_DEV(d, 3, "sv_tenants", "VLAN device");
	strcpy(z.bridge, "vmbr2");
	d = devs(zone_zone_devices(&z, &env_pve1, out), out, 3);
	ASSERT_DEV(d, 2, "pr_tenants", "veth");
	/* long names */
	z = (struct zone_zone){ .name = "averylongzonena",
				.type = ZONE_QINQ,
				.bridge = "vmbr-uplink-01",
				.stag = 4094 };
	d = devs(zone_zone_devices(&z, NULL, out), out, 4);
	ASSERT_DEV(d, 0, "z_averylon_47c8", "bridge");
	assert_int_equal(strlen(d[1].name), 15);
	assert_int_equal(strncmp(d[1].name, "ln_averylo_", 11), 0);
	ASSERT_DEV(d, 3, "vmbr-_a3ed.4094", "VLAN device");
	/* other zone types: nothing per zone */
	z.type = ZONE_VLAN;
	devs(zone_zone_devices(&z, &env_pve1, out), out, 0);
	z.type = ZONE_VXLAN;
	devs(zone_zone_devices(&z, &env_pve1, out), out, 0);
	z.type = ZONE_SIMPLE;
	devs(zone_zone_devices(&z, &env_pve1, out), out, 0);
}

static void test_uplink_port(void **state)
{
	const struct zone_local_link l[] = {
		{ .name = "vmbr5", .kind = "bridge" },
		{ .name = "vx5", .kind = "vxlan", .master = "vmbr5" },
		{ .name = "veth5", .kind = "veth", .master = "vmbr5" },
		{ .name = "eth9", .master = "vmbr6" },
		{ .name = "bond0", .kind = "bond", .master = "vmbr5" },
		{ .name = "eth5", .master = "vmbr5" },
	};
	const struct zone_env env = { .node = "a", .links = l, .n_links = ARRAY_SIZE(l) };

	assert_ptr_equal(zone_uplink_port(&env_pve1, "vmbr0"), &links_pve1[1]);
	assert_ptr_equal(zone_uplink_port(&env_pve1, "vmbr1"), &links_pve1[4]); /* not the tap */
	assert_null(zone_uplink_port(&env_pve1, "vmbr2"));			/* a veth only */
	assert_null(zone_uplink_port(&env_pve1, "vmbr9"));
	assert_null(zone_uplink_port(&env_pve1, ""));
	assert_ptr_equal(zone_uplink_port(&env, "vmbr5"), &l[4]); /* the first NIC or bond */
	assert_ptr_equal(zone_uplink_port(&env, "vmbr6"), &l[3]);
	assert_null(zone_uplink_port(NULL, "vmbr0"));
	assert_null(zone_uplink_port(&(struct zone_env){ .node = "a" }, "vmbr0"));

	assert_ptr_equal(zone_env_link(&env_pve1, "vmbr1"), &links_pve1[2]);
	assert_ptr_equal(zone_env_link(&env_pve1, "bond0"), &links_pve1[8]);
	assert_null(zone_env_link(&env_pve1, "vmbr"));
	assert_null(zone_env_link(&env_pve1, NULL));
	assert_null(zone_env_link(NULL, "vmbr0"));
	assert_null(zone_env_link(&(struct zone_env){ .node = "a", .n_links = 3 }, "vmbr0"));
}

static void test_local_peer_lookup(void **state)
{
	struct sdnd_ip peers[] = { ip("192.0.2.7"), ip("192.0.2.8"), ip("192.0.2.9") };
	const struct zone_local_addr addrs[] = {
		{ .ip = IP4(10, 0, 0, 1), .mtu = 1500 },
		{ .ip = IP4(192, 0, 2, 9), .mtu = 9000 },
		{ .ip = IP4(192, 0, 2, 8), .mtu = 1400 },
	};
	const struct zone_env env = { .node = "a", .addrs = addrs, .n_addrs = 3 };
	struct zone_zone z = { .type = ZONE_VXLAN, .peers = peers, .n_peers = 3 };
	const struct sdnd_ip *peer = (const struct sdnd_ip *)0x1;
	const struct zone_local_addr *la;

	la = zone_local_peer(&z, &env, &peer);
	assert_ptr_equal(la, &addrs[2]); /* the first peer (in peer order) that is local */
	assert_ptr_equal(peer, &peers[1]);
	assert_int_equal(la->mtu, 1400);

	peer = (const struct sdnd_ip *)0x1;
	z.n_peers = 1;
	assert_null(zone_local_peer(&z, &env, &peer));
	assert_ptr_equal(peer, (const struct sdnd_ip *)0x1); /* untouched */
	assert_null(zone_local_peer(&z, NULL, &peer));
	z.n_peers = 3;
	assert_non_null(zone_local_peer(&z, &env, NULL));

	assert_true(zone_on_node(&z, "anything"));
	assert_true(zone_on_node(&z, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_document),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_file_missing),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_minimal_and_empty_sections),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_errors_append),
		cmocka_unit_test(test_empty_document),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_invalid_input),
		cmocka_unit_test(test_root_not_mapping),
		cmocka_unit_test(test_several_documents),
		cmocka_unit_test(test_too_deep),
		cmocka_unit_test(test_aliases_rejected),
		cmocka_unit_test(test_tags_rejected),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_non_string_key),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_integers_strict),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_node_name),
		cmocka_unit_test(test_zone_name),
		cmocka_unit_test(test_zone_type),
		cmocka_unit_test(test_zone_mtu_port),
		cmocka_unit_test(test_simple_zone_no_vxlan_keys),
		cmocka_unit_test(test_peers),
		cmocka_unit_test(test_nodes),
		cmocka_unit_test(test_vnet_name),
		cmocka_unit_test(test_vnet_zone),
		cmocka_unit_test(test_vnet_tag),
		cmocka_unit_test(test_duplicate_vni),
		cmocka_unit_test(test_device_names),
		cmocka_unit_test(test_subnets),
		cmocka_unit_test(test_gateway),
		cmocka_unit_test(test_alias),
		cmocka_unit_test(test_vlan_zones),
		cmocka_unit_test(test_vlan_zone_keys),
		cmocka_unit_test(test_bridge_name),
		cmocka_unit_test(test_vlan_vnet_tag),
		cmocka_unit_test(test_vlan_duplicate_tags),
		cmocka_unit_test(test_uplink_vids),
		cmocka_unit_test(test_booleans),
		cmocka_unit_test(test_vlanaware_subnets),
		cmocka_unit_test(test_uplink_bridge),
		cmocka_unit_test(test_vlan_device_names),
		cmocka_unit_test(test_local_peer),
		cmocka_unit_test(test_all_errors_reported),
		cmocka_unit_test(test_examples),
		cmocka_unit_test(test_zone_type_strings),
		cmocka_unit_test(test_vxlan_ifname),
		cmocka_unit_test(test_local_peer_lookup),
		cmocka_unit_test(test_ifname),
		cmocka_unit_test(test_vnet_devices),
		cmocka_unit_test(test_zone_devices),
		cmocka_unit_test(test_uplink_port),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
