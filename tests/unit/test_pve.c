// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zones/pve.c: import of a Proxmox VE SDN configuration (zones.cfg, vnets.cfg, subnets.cfg).
 *
 * Each example set tests/data/pve/NAME/ is imported and compared byte for byte with
 * NAME/expected.yaml (the document; a set without one must be refused) and NAME/expected.err
 * (every warning and error; missing = none). The document of a good set must also pass sdnd's
 * own validation, on a node pve1 with the first vxlan peers and the uplink bridges vmbr0
 * (VLAN-aware) and vmbr1 (plain, port eth1). Then: YAML quoting round trips through the
 * parser, line endings and comments, every kind of bad line, size limits, I/O errors, and
 * random input that must never crash the importer.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sdnd/util.h"
#include "zones/model.h"

#include "testutil.h"

/* clang-format off */
#define IP4(a, b, c, d) { .family = AF_INET, .addr = { a, b, c, d } }
#define IP6_DOC(last) { .family = AF_INET6, .addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = last } }
/* clang-format on */

/* pve1: the first peer of the vxlan examples (192.0.2.1, 2001:db8::1) is local */
static const struct zone_local_addr pve1_addrs[] = {
	{ .ip = IP4(192, 0, 2, 1), .mtu = 1500 },
	{ .ip = IP6_DOC(1), .mtu = 1500 },
};

static const struct zone_local_link pve1_links[] = {
	{ .name = "vmbr0", .kind = "bridge", .vlan_filtering = true, .mtu = 1500 },
	{ .name = "vmbr1", .kind = "bridge", .vlan_filtering = false, .mtu = 1500 },
	{ .name = "eth1", .kind = "", .master = "vmbr1", .mtu = 1500 },
};

static const struct zone_env env_pve1 = {
	.node = "pve1",
	.addrs = pve1_addrs,
	.n_addrs = ARRAY_SIZE(pve1_addrs),
	.links = pve1_links,
	.n_links = ARRAY_SIZE(pve1_links),
};

/* The example sets under tests/data/pve; those named bad-* must be refused. */
static const char *const sets[] = {
	"simple", "vlan",     "qinq",	    "vxlan",	  "ipv6",	"mixed",
	"bad-evpn", "bad-zone", "bad-subnet", "bad-syntax", "bad-many",
};

/* ---- helpers ------------------------------------------------------------------------------ */

/* The whole file (NUL-terminated), NULL when it does not exist. */
static char *slurp(const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f, *m;
	int c;

	f = fopen(path, "re");
	if (!f) {
		assert_int_equal(errno, ENOENT);
		return NULL;
	}
	m = open_memstream(&buf, &len);
	assert_non_null(m);
	while ((c = getc(f)) != EOF)
		putc(c, m);
	fclose(f);
	assert_int_equal(fclose(m), 0);
	return buf;
}

struct result {
	int r;
	char *out, *err;
};

static struct result import(const char *dir)
{
	struct result res = { 0 };
	size_t lo = 0, le = 0;
	FILE *out, *err;

	out = open_memstream(&res.out, &lo);
	err = open_memstream(&res.err, &le);
	assert_non_null(out);
	assert_non_null(err);
	res.r = zone_import_pve(dir, out, err);
	assert_int_equal(fclose(out), 0);
	assert_int_equal(fclose(err), 0);
	return res;
}

static void result_free(struct result *res)
{
	free(res->out);
	free(res->err);
}

/* got must be want, byte for byte; what names it in the failure. */
static void expect_text(const char *what, const char *got, const char *want)
{
	if (strcmp(got, want))
		fail_msg("%s differs\n--- want:\n%s--- got:\n%s---", what, want, got);
}

/* A scratch directory for hand-made files. */
static char *tmpdir(void)
{
	char *d = strdup("/tmp/sdnd-pve-XXXXXX");

	assert_non_null(d);
	assert_non_null(mkdtemp(d));
	return d;
}

static void put(const char *dir, const char *name, const void *data, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void puts_file(const char *dir, const char *name, const char *text)
{
	put(dir, name, text, strlen(text));
}

static void rmtmp(char *dir)
{
	static const char *const names[] = { "zones.cfg", "vnets.cfg", "subnets.cfg" };
	char path[4096];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (unlink(path) < 0 && errno == EISDIR)
			assert_int_equal(rmdir(path), 0);
	}
	assert_int_equal(rmdir(dir), 0);
	free(dir);
}

/* The document must pass sdnd's validation on pve1; returns the model. */
static struct zone_config *validate(const char *name, const char *doc)
{
	struct zone_config *cfg = NULL;
	struct zone_errors e = { 0 };
	size_t i;
	int r;

	r = zone_parse(doc, strlen(doc), name, &env_pve1, &cfg, &e);
	if (r != 0 || e.n) {
		for (i = 0; i < e.n; i++)
			fprintf(stderr, "  %s\n", e.msgs[i]);
		fail_msg("the document imported from %s does not validate (%d):\n%s", name, r, doc);
	}
	zone_errors_clear(&e);
	assert_non_null(cfg);
	return cfg;
}

static const struct zone_vnet *vnet(const struct zone_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->n_vnets; i++)
		if (!strcmp(cfg->vnets[i].name, name))
			return &cfg->vnets[i];
	fail_msg("no vnet %s", name);
	return NULL;
}

/* ---- the example sets --------------------------------------------------------------------- */

/*
 * Work in tests/data: $SDND_TEST_DATA (as ctest sets it), else tests/data of the source tree
 * the build directory is in (build-x/test_pve -> tests/data), else ./tests/data.
 */
static int to_data(void **state)
{
	const char *data = getenv("SDND_TEST_DATA");
	char exe[4096], *slash;
	ssize_t n;

	if (data)
		return chdir(data) == 0 && access("pve", F_OK) == 0 ? 0 : -1;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 32);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			strcpy(slash, "/../tests/data");
			if (chdir(exe) == 0 && access("pve", F_OK) == 0)
				return 0;
		}
	}
	if (chdir("tests/data") == 0 && access("pve", F_OK) == 0)
		return 0;
	fprintf(stderr, "tests/data not found: set SDND_TEST_DATA\n");
	return -1;
}

/* NAME/expected.yaml and NAME/expected.err, byte for byte */
static void test_set(void **state)
{
	const char *name = *state;
	char dir[256], path[512];
	char *want_out, *want_err;
	struct result res;

	snprintf(dir, sizeof(dir), "pve/%s", name);
	snprintf(path, sizeof(path), "%s/expected.yaml", dir);
	want_out = slurp(path);
	snprintf(path, sizeof(path), "%s/expected.err", dir);
	want_err = slurp(path);
	assert_true(want_out || !strncmp(name, "bad-", 4));

	res = import(dir);
	expect_text("messages", res.err, want_err ? want_err : "");
	expect_text("document", res.out, want_out ? want_out : "");
	assert_int_equal(res.r, want_out ? 0 : -EINVAL);
	result_free(&res);
	free(want_out);
	free(want_err);
}

/* what a good set yields passes sdnd's own validation */
static void test_set_validates(void **state)
{
	const char *name = *state;
	struct zone_config *cfg;
	struct result res;
	char dir[256];

	snprintf(dir, sizeof(dir), "pve/%s", name);
	res = import(dir);
	assert_int_equal(res.r, 0);
	cfg = validate(dir, res.out);
	zone_config_free(cfg);
	result_free(&res);
}

/* every directory under pve/ is one of the sets above */
static void test_sets_listed(void **state)
{
	struct dirent *de;
	size_t i, n = 0;
	DIR *d = opendir("pve");

	assert_non_null(d);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		for (i = 0; i < ARRAY_SIZE(sets); i++)
			if (!strcmp(sets[i], de->d_name))
				break;
		if (i == ARRAY_SIZE(sets))
			fail_msg("pve/%s is not in sets[]", de->d_name);
		n++;
	}
	closedir(d);
	assert_int_equal(n, ARRAY_SIZE(sets));
}

/* What the sets mean, as sdnd's parser reads the imported documents. */
static void test_model(void **state)
{
	struct zone_config *cfg;
	const struct zone_vnet *v;
	struct result res;
	char ib[SDND_IP_STRLEN];

	res = import("pve/simple");
	cfg = validate("pve/simple", res.out);
	assert_int_equal(cfg->n_zones, 1);
	assert_int_equal(cfg->zones[0].type, ZONE_SIMPLE);
	assert_int_equal(cfg->zones[0].mtu, 1500);
	v = vnet(cfg, "lan");
	assert_string_equal(v->alias, "Home LAN: ground floor #1");
	assert_int_equal(v->n_subnets, 2);
	assert_true(v->subnets[0].has_gateway);
	assert_string_equal(sdnd_ip_str(&v->subnets[0].gateway, ib), "192.168.50.1");
	assert_int_equal(v->subnets[1].prefixlen, 64);
	assert_string_equal(sdnd_ip_str(&v->subnets[1].gateway, ib), "2001:db8:50::1");
	v = vnet(cfg, "dmz");
	assert_int_equal(v->n_subnets, 1);
	assert_false(v->subnets[0].has_gateway);
	zone_config_free(cfg);
	result_free(&res);

	res = import("pve/vxlan");
	cfg = validate("pve/vxlan", res.out);
	assert_int_equal(cfg->zones[0].type, ZONE_VXLAN);
	assert_int_equal(cfg->zones[0].n_peers, 3);
	assert_int_equal(cfg->zones[0].port, 4790);
	assert_int_equal(cfg->zones[0].mtu, 1450);
	assert_int_equal(cfg->zones[0].n_nodes, 2);
	assert_string_equal(cfg->zones[0].nodes[1], "pve2");
	v = vnet(cfg, "web");
	assert_int_equal(v->tag, 100);
	assert_string_equal(v->alias, "Web tier");
	assert_int_equal(v->n_subnets, 1);
	assert_false(v->subnets[0].has_gateway); /* a layer-2 zone's gateway is a router's */
	assert_true(vnet(cfg, "trunk")->vlanaware);
	assert_true(vnet(cfg, "private")->isolate_ports);
	zone_config_free(cfg);
	result_free(&res);

	res = import("pve/vlan");
	cfg = validate("pve/vlan", res.out);
	assert_int_equal(cfg->zones[0].type, ZONE_VLAN);
	assert_string_equal(cfg->zones[0].bridge, "vmbr0");
	assert_string_equal(cfg->zones[1].bridge, "vmbr1");
	assert_int_equal(vnet(cfg, "sales")->tag, 100);
	assert_true(vnet(cfg, "vms")->vlanaware);
	assert_false(vnet(cfg, "vms")->isolate_ports);
	assert_true(vnet(cfg, "quiet")->isolate_ports);
	zone_config_free(cfg);
	result_free(&res);

	res = import("pve/qinq");
	cfg = validate("pve/qinq", res.out);
	assert_int_equal(cfg->zones[0].type, ZONE_QINQ);
	assert_int_equal(cfg->zones[0].stag, 10);
	assert_int_equal(cfg->zones[0].vlan_protocol, ZONE_ETH_P_8021AD);
	assert_int_equal(cfg->zones[1].vlan_protocol, ZONE_ETH_P_8021Q); /* the default */
	assert_false(vnet(cfg, "untag")->has_tag);
	assert_true(vnet(cfg, "beta")->vlanaware);
	zone_config_free(cfg);
	result_free(&res);
}

/* ---- the directory ------------------------------------------------------------------------ */

static void test_missing_dir(void **state)
{
	struct result res = import("pve/no-such-dir");

	assert_int_equal(res.r, -ENOENT);
	expect_text("document", res.out, "");
	expect_text("messages", res.err,
		    "pve/no-such-dir: error: cannot read the directory: No such file or directory\n");
	result_free(&res);
}

static void test_not_a_dir(void **state)
{
	struct result res = import("pve/simple/zones.cfg");

	assert_int_equal(res.r, -ENOTDIR);
	expect_text("document", res.out, "");
	expect_text("messages", res.err, "pve/simple/zones.cfg: error: not a directory\n");
	result_free(&res);
}

/* no files at all: an empty (valid) document and a warning */
static void test_empty_dir(void **state)
{
	char *dir = tmpdir(), want[512];
	struct zone_config *cfg;
	struct result res;

	res = import(dir);
	assert_int_equal(res.r, 0);
	expect_text("document", res.out, "version: 1\nzones: {}\nvnets: {}\n");
	snprintf(want, sizeof(want),
		 "%s: warning: none of zones.cfg, vnets.cfg and subnets.cfg exists here; the "
		 "document is empty\n",
		 dir);
	expect_text("messages", res.err, want);
	cfg = validate(dir, res.out);
	assert_int_equal(cfg->n_zones, 0);
	zone_config_free(cfg);
	result_free(&res);

	/* a trailing slash is not doubled */
	puts_file(dir, "zones.cfg", "simple: z\n\tipam pve\n");
	snprintf(want, sizeof(want), "%s/", dir);
	res = import(want);
	assert_int_equal(res.r, 0);
	snprintf(want, sizeof(want),
		 "%s/zones.cfg:2: warning: key \"ipam\" has no sdnd equivalent; ignored\n", dir);
	expect_text("messages", res.err, want);
	expect_text("document", res.out,
		    "version: 1\nzones:\n  z:\n    type: simple\nvnets: {}\n");
	result_free(&res);
	rmtmp(dir);
}

static void test_file_is_a_dir(void **state)
{
	char *dir = tmpdir(), path[512], want[512];
	struct result res;

	snprintf(path, sizeof(path), "%s/vnets.cfg", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	res = import(dir);
	assert_int_equal(res.r, -EISDIR);
	expect_text("document", res.out, "");
	snprintf(want, sizeof(want), "%s/vnets.cfg: error: cannot read the file: Is a directory\n",
		 dir);
	expect_text("messages", res.err, want);
	result_free(&res);
	rmtmp(dir);
}

/* a failing output stream is an error, not a silent success */
static void test_output_fails(void **state)
{
	FILE *out = fopen("/dev/full", "we");

	if (!out)
		skip();
	setvbuf(out, NULL, _IOFBF, 1 << 16);
	assert_int_equal(zone_import_pve("pve/simple", out, NULL), -ENOSPC);
	fclose(out);
}

/* ---- the format --------------------------------------------------------------------------- */

/* vnets.cfg with one vnet in simple zone z (written first), imported and parsed back */
static struct result import_vnet(const char *vnets)
{
	char *dir = tmpdir();
	struct result res;

	puts_file(dir, "zones.cfg", "simple: z\n");
	puts_file(dir, "vnets.cfg", vnets);
	res = import(dir);
	rmtmp(dir);
	return res;
}

/* Whatever an alias holds, it arrives in sdnd as written (less the spaces around it). */
static void test_alias_quoting(void **state)
{
	static const char *const aliases[] = {
		"Web tier", "a: b", "a:b", "#hash", "a #b", "a#b", "yes", "No", "null", "~",
		"true", "100", "0x1F", "1e3", "-", "- item", "? key", "[list]", "{map}",
		"a, b", "*star", "&anchor", "!tag", "%percent", "@at", "`tick", "|pipe",
		">fold", "'single'", "\"double\"", "back\\slash", "tab\there", "Ünïcödé – ok",
		"€100", "a: b # c", "x:", ":x", "=", "(paren)", "a  b", ".", "_u",
	};
	char vnets[512];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(aliases); i++) {
		struct zone_config *cfg;
		struct result res;
		bool tab = strchr(aliases[i], '\t');

		snprintf(vnets, sizeof(vnets), "vnet: v\n\tzone z\n\talias %s\n", aliases[i]);
		res = import_vnet(vnets);
		if (tab) { /* a control character: sdnd refuses it, so does the import */
			assert_int_equal(res.r, -EINVAL);
			assert_non_null(strstr(res.err, "contains a control character"));
			result_free(&res);
			continue;
		}
		if (res.r)
			fail_msg("alias \"%s\": %d\n%s", aliases[i], res.r, res.err);
		cfg = validate(aliases[i], res.out);
		if (strcmp(cfg->vnets[0].alias, aliases[i]))
			fail_msg("alias \"%s\" came back as \"%s\" from\n%s", aliases[i],
				 cfg->vnets[0].alias, res.out);
		zone_config_free(cfg);
		result_free(&res);
	}
}

/* Names that are YAML words stay strings (PVE ids may be "yes" or "null"). */
static void test_name_quoting(void **state)
{
	static const char *const names[] = { "yes", "no", "on", "off", "true", "false", "null",
					     "Null", "NULL", "y", "n", "Yes", "web" };
	char zones[128], vnets[128];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		struct zone_config *cfg;
		struct result res;
		char *dir = tmpdir();

		snprintf(zones, sizeof(zones), "simple: %s\n\tnodes pve1,%s\n", names[i], names[i]);
		snprintf(vnets, sizeof(vnets), "vnet: %s\n\tzone %s\n", names[i], names[i]);
		puts_file(dir, "zones.cfg", zones);
		puts_file(dir, "vnets.cfg", vnets);
		res = import(dir);
		rmtmp(dir);
		assert_int_equal(res.r, 0);
		cfg = validate(names[i], res.out);
		assert_string_equal(cfg->zones[0].name, names[i]);
		assert_string_equal(cfg->zones[0].nodes[1], names[i]);
		assert_string_equal(cfg->vnets[0].name, names[i]);
		assert_string_equal(cfg->vnets[0].zone, names[i]);
		zone_config_free(cfg);
		result_free(&res);
	}
}

/* CRLF, comments anywhere, spaces for tabs, no blank line between sections, no final newline,
 * upper-case types, lists with spaces and semicolons, duplicates PVE tolerates */
static void test_format_variants(void **state)
{
	char *dir = tmpdir();
	struct zone_config *cfg;
	struct result res;

	puts_file(dir, "zones.cfg",
		  "# comment\r\n"
		  "VXLAN: lab\r\n"
		  "    # indented comment\r\n"
		  "    peers 192.0.2.1 ; 192.0.2.2,192.0.2.1  \r\n"
		  "\tnodes pve1;pve1, pve2\r\n"
		  "simple:home\r\n"
		  "  mtu   0001500\r\n"
		  "   \t \r\n"
		  "qinq: q\n"
		  "\tbridge vmbr0\n"
		  "\ttag 3\n"
		  "\tvlan-protocol 802.1Q");
	puts_file(dir, "vnets.cfg",
		  "vnet: web\n\tzone lab\n\ttag 00100\n\tvlanaware 0\n\tisolate-ports off\n"
		  "vnet: lan\n\tzone home\n\tisolate-ports TRUE\n");
	puts_file(dir, "subnets.cfg", "");
	res = import(dir);
	rmtmp(dir);
	expect_text("messages", res.err, "");
	expect_text("document", res.out,
		    "version: 1\n"
		    "zones:\n"
		    "  lab:\n"
		    "    type: vxlan\n"
		    "    peers: [192.0.2.1, 192.0.2.2]\n"
		    "    nodes: [pve1, pve2]\n"
		    "  home:\n"
		    "    type: simple\n"
		    "    mtu: 1500\n"
		    "  q:\n"
		    "    type: qinq\n"
		    "    bridge: vmbr0\n"
		    "    tag: 3\n"
		    "    vlan-protocol: 802.1q\n"
		    "vnets:\n"
		    "  web:\n"
		    "    zone: lab\n"
		    "    tag: 100\n"
		    "  lan:\n"
		    "    zone: home\n"
		    "    isolate-ports: true\n");
	assert_int_equal(res.r, 0);
	cfg = validate("variants", res.out);
	zone_config_free(cfg);
	result_free(&res);
}

/* Bad lines and values the example sets do not show, with their exact messages. */
static void test_bad_lines(void **state)
{
	char *dir = tmpdir(), *big, want[2048];
	struct result res;
	size_t i;

	/* a line over the limit, a NUL byte, an alias too long, a control character, bad
	 * UTF-8; the section goes on after each */
	big = malloc(5000);
	assert_non_null(big);
	memcpy(big, "\talias ", 7);
	memset(big + 7, 'x', 5000 - 8);
	big[4999] = '\n';
	{
		FILE *f;
		char path[512];

		snprintf(path, sizeof(path), "%s/vnets.cfg", dir);
		f = fopen(path, "we");
		assert_non_null(f);
		fputs("vnet: a\n\tzone z\n", f);
		fwrite(big, 1, 5000, f);
		fputs("\ttag\n", f);
		fwrite("\ttag \0\n", 1, 7, f);
		fputs("\n", f);
		fputs("vnet: b\n\tzone z\n\talias ", f);
		for (i = 0; i < 300; i++)
			fputc('y', f);
		fputs("\n\nvnet: c\n\tzone z\n\talias \x1b[31mred\n", f);
		fputs("\nvnet: d\n\tzone z\n\talias caf\xe9\n", f);
		fputs("\nvnet: e\n\tzone z\n\talias \xc2\x85next line\n", f);
		fputs("\nvnet: f\n\tzone nowhere\n\tvlanaware 2\n\tcolour blue\n", f);
		fputs("\nvnet: g\n\ttag 1\n", f);
		assert_int_equal(fclose(f), 0);
	}
	free(big);
	puts_file(dir, "zones.cfg",
		  "simple: z\n"
		  "\n"
		  "vxlan: x\n\tpeers 192.0.2.1,2001:db8::1\n\tmtu 65536\n\tnodes ,\n\n"
		  "vxlan: x2\n\tpeers nowhere 224.0.0.1x\n\n"
		  "vxlan: x3\n\tpeers ,;\n\n"
		  "vlan: v\n\tbridge vm/br0\n\tpeers 192.0.2.1\n\n"
		  "vlan: v2\n\tbridge vmbr0\n\n"
		  "qinq: q\n\tbridge vmbr0\n\n"
		  "simple: averyveryverylongname\n");
	puts_file(dir, "subnets.cfg",
		  "subnet: z-10.0.0.0-24\n\tvnet b\n\tgateway 10.0.0.0\n\n"
		  "subnet: z-2001:db8::-64\n\tvnet b\n\tgateway 2001:db8::\n\n"
		  "subnet: z-10.1.0.0-24\n\tvnet b\n\tgateway 10.1.0.300\n\n"
		  "subnet: z-10.2.0.0-24\n\n"
		  "subnet: z-1.2.3.4.5-24\n\tvnet b\n\n"
		  "subnet: -10.3.0.0-24\n\tvnet b\n\n"
		  "subnet: z-10.4.0.0-024x\n\tvnet b\n\n"
		  "vnet: z-10.5.0.0-24\n\tvnet b\n");
	res = import(dir);
	snprintf(
		want, sizeof(want),
		"%1$s/zones.cfg:4: error: peers mix IPv4 and IPv6 addresses (sdnd needs all of a "
		"zone's peers in one family)\n"
		"%1$s/zones.cfg:5: error: invalid mtu \"65536\" (expected an integer between 68 "
		"and 65535)\n"
		"%1$s/zones.cfg:6: error: key \"nodes\" lists no nodes\n"
		"%1$s/zones.cfg:9: error: invalid peer address \"nowhere\"\n"
		"%1$s/zones.cfg:9: error: invalid peer address \"224.0.0.1x\"\n"
		"%1$s/zones.cfg:12: error: key \"peers\" lists no addresses\n"
		"%1$s/zones.cfg:15: error: invalid bridge name \"vm/br0\" (expected 1 to 15 bytes "
		"without \"/\", \":\" or whitespace, not \".\" or \"..\")\n"
		"%1$s/zones.cfg:16: error: unknown key \"peers\" in a vlan zone (expected one of: "
		"bridge, mtu, nodes, ipam, dns, reversedns, dnszone, "
		"bridge-disable-mac-learning)\n"
		"%1$s/zones.cfg:21: error: required key \"tag\" is missing\n"
		"%1$s/zones.cfg:24: error: invalid zone name \"averyveryverylongname\" (expected 1 "
		"to 15 characters [A-Za-z0-9_-], starting with a letter)\n",
		dir);
	{
		/* the zones part, then the rest checked line by line below */
		size_t n = strlen(want);

		if (strncmp(res.err, want, n))
			fail_msg("messages differ\n--- want:\n%s--- got:\n%s---", want, res.err);
		snprintf(
			want, sizeof(want),
			"%1$s/vnets.cfg:3: error: line is too long (more than 4096 bytes)\n"
			"%1$s/vnets.cfg:4: error: key \"tag\" has no value\n"
			"%1$s/vnets.cfg:5: error: line contains a NUL byte\n"
			"%1$s/vnets.cfg:9: error: alias is too long (300 bytes, at most 256)\n"
			"%1$s/vnets.cfg:13: error: alias \"\\x1b[31mred\" contains a control "
			"character\n"
			"%1$s/vnets.cfg:17: error: alias \"caf\xe9\" is not valid UTF-8\n"
			"%1$s/vnets.cfg:21: error: alias \"\\u0085next line\" contains a control "
			"character\n"
			"%1$s/vnets.cfg:24: error: zone \"nowhere\" is not defined in zones.cfg\n"
			"%1$s/vnets.cfg:25: error: invalid vlanaware \"2\" (expected 1 or 0)\n"
			"%1$s/vnets.cfg:26: error: unknown key \"colour\" in a vnet (expected one of: "
			"zone, tag, alias, vlanaware, isolate-ports)\n"
			"%1$s/vnets.cfg:28: error: required key \"zone\" is missing\n"
			"%1$s/subnets.cfg:3: error: gateway 10.0.0.0 is the network address of subnet "
			"10.0.0.0/24\n"
			"%1$s/subnets.cfg:7: error: gateway 2001:db8:: is the network address of subnet "
			"2001:db8::/64\n"
			"%1$s/subnets.cfg:11: error: invalid gateway \"10.1.0.300\" (expected an IP "
			"address)\n"
			"%1$s/subnets.cfg:13: error: required key \"vnet\" is missing\n"
			"%1$s/subnets.cfg:15: error: invalid subnet id \"z-1.2.3.4.5-24\" (expected "
			"ZONE-ADDRESS-PREFIXLEN, like myzone-10.0.0.0-24 or myzone-2001:db8::-64)\n"
			"%1$s/subnets.cfg:18: error: invalid subnet id \"-10.3.0.0-24\" (expected "
			"ZONE-ADDRESS-PREFIXLEN, like myzone-10.0.0.0-24 or myzone-2001:db8::-64)\n"
			"%1$s/subnets.cfg:21: error: invalid subnet id \"z-10.4.0.0-024x\" (expected "
			"ZONE-ADDRESS-PREFIXLEN, like myzone-10.0.0.0-24 or myzone-2001:db8::-64)\n"
			"%1$s/subnets.cfg:24: error: unknown section type \"vnet\" (expected "
			"\"subnet\")\n",
			dir);
		expect_text("messages", res.err + n, want);
	}
	expect_text("document", res.out, "");
	assert_int_equal(res.r, -EINVAL);
	result_free(&res);
	rmtmp(dir);
}

/* Thousands of bad lines: the first 1000 messages, then how many more there were. */
static void test_many_errors(void **state)
{
	char *dir = tmpdir(), path[512], tail[256];
	struct result res;
	size_t i, n = 0;
	FILE *f;
	char *p;

	snprintf(path, sizeof(path), "%s/zones.cfg", dir);
	f = fopen(path, "we");
	assert_non_null(f);
	for (i = 0; i < 3000; i++)
		fputs("garbage\n", f);
	assert_int_equal(fclose(f), 0);
	res = import(dir);
	assert_int_equal(res.r, -EINVAL);
	for (p = res.err; (p = strchr(p, '\n')); p++)
		n++;
	assert_int_equal(n, 1001);
	snprintf(tail, sizeof(tail), "%s: note: 2000 more messages not shown\n", dir);
	assert_true(strlen(res.err) > strlen(tail));
	expect_text("last line", res.err + strlen(res.err) - strlen(tail), tail);
	result_free(&res);
	rmtmp(dir);
}

/* A file over 4 MiB is refused without reading on. */
static void test_file_too_large(void **state)
{
	static const char line[] = "# a comment line\n";
	char *dir = tmpdir(), path[512], want[512];
	struct result res;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/subnets.cfg", dir);
	f = fopen(path, "we");
	assert_non_null(f);
	for (n = 0; n <= (4u << 20); n += sizeof(line) - 1)
		fputs(line, f);
	assert_int_equal(fclose(f), 0);
	res = import(dir);
	assert_int_equal(res.r, -EFBIG);
	snprintf(want, sizeof(want), "%s/subnets.cfg: error: the file is larger than 4 MiB\n", dir);
	expect_text("messages", res.err, want);
	expect_text("document", res.out, "");
	result_free(&res);
	rmtmp(dir);
}

/* ---- never crash -------------------------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % n);
}

/* a random file: fragments of real configurations, mutated */
static size_t random_cfg(char *buf, size_t cap)
{
	static const char *const frags[] = {
		"simple: ", "vlan: ", "qinq: ", "vxlan: ", "evpn: ", "vnet: ", "subnet: ",
		"zone ", "tag ", "alias ", "peers ", "nodes ", "bridge ", "mtu ", "vnet ",
		"gateway ", "vlan-protocol ", "vxlan-port ", "vlanaware ", "isolate-ports ",
		"home", "lab", "web", "z-10.0.0.0-24", "z-2001:db8::-64", "192.0.2.1", "::1",
		"2001:db8::", "1", "0", "4094", "16777215", "99999999999999999999", "802.1ad",
		"\n", "\n", "\n", "\n\t", "\n\t", "\n\t", " ", ":", ",", "-", "#", "\r",
		"\xff", "\xc2\x85", "\"", "\\", "\0",
	};
	size_t len = 0, n = rnd(200), i;

	for (i = 0; i < n; i++) {
		const char *f = frags[rnd(ARRAY_SIZE(frags))];
		size_t fl = f[0] ? strlen(f) : 1;

		if (rnd(10) == 0) { /* a random byte instead */
			if (len < cap)
				buf[len++] = (char)rnd(256);
			continue;
		}
		if (len + fl > cap)
			break;
		memcpy(buf + len, f, fl);
		len += fl;
	}
	return len;
}

static int random_child(void *arg)
{
	char *dir = arg, buf[4096];
	static const char *const names[] = { "zones.cfg", "vnets.cfg", "subnets.cfg" };
	size_t i, k;

	for (i = 0; i < 1500; i++) {
		struct zone_config *cfg = NULL;
		struct zone_errors e = { 0 };
		char *out = NULL, *err = NULL;
		size_t lo = 0, le = 0;
		FILE *fo, *fe;
		int r;

		for (k = 0; k < ARRAY_SIZE(names); k++) {
			char path[512];
			size_t len = random_cfg(buf, sizeof(buf));
			FILE *f;

			snprintf(path, sizeof(path), "%s/%s", dir, names[k]);
			f = fopen(path, "we");
			if (!f || fwrite(buf, 1, len, f) != len || fclose(f))
				return 2;
		}
		fo = open_memstream(&out, &lo);
		fe = open_memstream(&err, &le);
		if (!fo || !fe)
			return 2;
		r = zone_import_pve(dir, fo, fe);
		fclose(fo);
		fclose(fe);
		if (r != 0 && r != -EINVAL) {
			fprintf(stderr, "unexpected result %d\n", r);
			return 1;
		}
		if (r == -EINVAL && lo) {
			fprintf(stderr, "a refused import printed a document\n");
			return 1;
		}
		/* an accepted document is YAML that sdnd reads without crashing */
		if (r == 0)
			zone_parse(out, lo, "random.yaml", &env_pve1, &cfg, &e);
		zone_config_free(cfg);
		zone_errors_clear(&e);
		free(out);
		free(err);
	}
	return 0;
}

static void test_random_input(void **state)
{
	char *dir = tmpdir();

	assert_true(test_survives(random_child, dir, 60));
	rmtmp(dir);
}

/* ---- main --------------------------------------------------------------------------------- */

#define SET(name)                                                                                  \
	{ "import " name, test_set, NULL, NULL, (void *)(name) }
#define VALID(name)                                                                                \
	{ "validate " name, test_set_validates, NULL, NULL, (void *)(name) }

int main(void)
{
	const struct CMUnitTest tests[] = {
		SET("simple"),
		SET("vlan"),
		SET("qinq"),
		SET("vxlan"),
		SET("ipv6"),
		SET("mixed"),
		SET("bad-evpn"),
		SET("bad-zone"),
		SET("bad-subnet"),
		SET("bad-syntax"),
		SET("bad-many"),
		cmocka_unit_test(test_sets_listed),
		VALID("simple"),
		VALID("vlan"),
		VALID("qinq"),
		VALID("vxlan"),
		VALID("ipv6"),
		VALID("mixed"),
		cmocka_unit_test(test_model),
		cmocka_unit_test(test_missing_dir),
		cmocka_unit_test(test_not_a_dir),
		cmocka_unit_test(test_empty_dir),
		cmocka_unit_test(test_file_is_a_dir),
		cmocka_unit_test(test_output_fails),
		cmocka_unit_test(test_alias_quoting),
		cmocka_unit_test(test_name_quoting),
		cmocka_unit_test(test_format_variants),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_many_errors),
		cmocka_unit_test(test_file_too_large),
		cmocka_unit_test(test_random_input),
	};

	return cmocka_run_group_tests(tests, to_data, NULL);
}
