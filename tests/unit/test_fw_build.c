// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * firewall/build.c: incremental compiles. After every update and commit the kept ruleset is
 * exactly what compiling everything gives, and the steps computed from the changed parts alone
 * are the steps a comparison of everything gives. One NIC's change compiles and touches that
 * NIC only; a changed ipset touches that set only; nothing changed compiles nothing.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "firewall/build.h"
#include "firewall/nft.h"
#include "parseutil.h"
#include "sdnd/util.h"
#include "zones/model.h"

#define N_NICS 80
#define N_VARIANTS 4

/*
 * Two versions of one document: the second has another ipset element, another group rule and,
 * with flip_kind, a hash set where the first has an interval set.
 */
#define DOC_FMT \
	"version: 1\n" \
	"node: n1\n" \
	"zones: {z1: {type: simple}}\n" \
	"vnets:\n" \
	"  web:\n" \
	"    zone: z1\n" \
	"    subnets: {10.0.1.0/24: {gateway: 10.0.1.1, snat: true}}\n" \
	"firewall:\n" \
	"%s" \
	"  ipsets:\n" \
	"    mgmt: [10.0.0.0/24, \"!10.0.0.13\"%s]\n" \
	"    other: [192.0.2.0/24, %s]\n" \
	"  groups:\n" \
	"    webserver:\n" \
	"      - {dir: in, action: accept, proto: tcp, dport: \"%s\"}\n" \
	"      - {dir: in, action: accept, macro: SSH, source: +mgmt}\n" \
	"  vnets:\n" \
	"    web:\n" \
	"      rules:\n" \
	"        - {dir: forward, action: drop, proto: udp, dport: 53}\n" \
	"attachments:\n" \
	"  v0:\n" \
	"    firewall: {ipfilter: [10.0.1.10], rules: [{group: webserver}]}\n" \
	"  v1:\n" \
	"    firewall: {policy-in: accept, rules: [{dir: out, action: drop, dest: +other}]}\n" \
	"  v2:\n" \
	"    firewall: {dhcp: true, ndp: true, rules: [{dir: in, action: reject, proto: udp,\n" \
	"               dport: \"53,123\"}, {group: webserver}]}\n" \
	"  v3:\n" \
	"    firewall: {enable: false}\n"

struct world {
	struct zone_config *cfg[2];
	int doc;                               /* which of cfg */
	char names[N_NICS][16];
	struct fw_nic_input nic[N_NICS];
	int variant[N_NICS];
	size_t n_nics;
	struct fw_vnet_input vnet;
	struct fw_input in;
	uint64_t rev;
};

/* "  nics-per-table: N\n" to spread the NICs over several bridge tables, or "" */
static const char *per_table = "";
/* the second document turns other's IPv6 set from an interval set into a hash set */
static bool flip_kind;

static struct zone_config *parse(int which)
{
	char doc[4096];

	snprintf(doc, sizeof(doc), DOC_FMT, per_table, which ? ", 10.9.0.99" : "",
		 which && flip_kind ? "2001:db8::1" : "2001:db8::/64", which ? "80,8443" : "80,443");
	return parse_env_ok(doc, NULL);
}

static void set_nic(struct world *w, size_t i, int variant, int mac)
{
	char v[4];

	snprintf(v, sizeof(v), "v%d", variant);
	w->variant[i] = variant;
	w->nic[i].fw = fw_config_nic(&w->cfg[w->doc]->fw, v);
	w->nic[i].has_mac = mac >= 0;
	memset(w->nic[i].mac, 0, 6);
	w->nic[i].mac[0] = 0x02;
	w->nic[i].mac[5] = (uint8_t)(mac >= 0 ? mac : 0);
	w->nic[i].key = ++w->rev;
}

/* Point the inputs at the current document. */
static void refresh(struct world *w)
{
	size_t i;

	w->vnet = (struct fw_vnet_input){ .vnet = "web", .bridge = "web",
					  .fw = fw_config_vnet(&w->cfg[w->doc]->fw, "web"),
					  .subnets = w->cfg[w->doc]->vnets[0].subnets,
					  .n_subnets = w->cfg[w->doc]->vnets[0].n_subnets };
	for (i = 0; i < w->n_nics; i++) {
		char v[4];

		snprintf(v, sizeof(v), "v%d", w->variant[i]);
		w->nic[i].fw = fw_config_nic(&w->cfg[w->doc]->fw, v);
	}
	w->in = (struct fw_input){ .cfg = &w->cfg[w->doc]->fw, .nics = w->nic,
				   .n_nics = w->n_nics, .vnets = &w->vnet, .n_vnets = 1, .ct = true };
}

static void world_init(struct world *w, size_t n)
{
	size_t i;

	memset(w, 0, sizeof(*w));
	w->cfg[0] = parse(0);
	w->cfg[1] = parse(1);
	for (i = 0; i < N_NICS; i++) {
		snprintf(w->names[i], sizeof(w->names[i]), "tap%03zu", i);
		w->nic[i].ifname = w->names[i];
		w->nic[i].bridge = "web";
	}
	w->n_nics = n;
	for (i = 0; i < N_NICS; i++)
		set_nic(w, i, (int)(i % N_VARIANTS), (int)i);
	refresh(w);
}

static void world_done(struct world *w)
{
	zone_config_free(w->cfg[0]);
	zone_config_free(w->cfg[1]);
}

/* Each step as a line "kind table name count", sorted: two lists of steps compare as sets. */
static char *steps(const struct fw_ops *ops)
{
	char **v = calloc(ops->n + 1, sizeof(*v)), *out;
	size_t i, len = 1;

	assert_non_null(v);
	for (i = 0; i < ops->n; i++) {
		const struct fw_op *o = &ops->v[i];
		size_t n = o->kind == FWO_NEWRULES || o->kind == FWO_FLUSH ? o->chain->n : o->n;

		assert_true(asprintf(&v[i], "%s %d %s %zu\n", fw_opk_to_string(o->kind), o->table,
				     o->chain ? o->chain->name : o->set ? o->set->name : "",
				     n) > 0);
		len += strlen(v[i]);
	}
	for (i = 1; i < ops->n; i++)
		for (size_t j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
			char *t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	out = calloc(1, len);
	assert_non_null(out);
	for (i = 0; i < ops->n; i++) {
		strcat(out, v[i]);
		free(v[i]);
	}
	free(v);
	return out;
}

/*
 * One update against b (which the kernel is taken to hold): its steps must be those comparing
 * everything gives, and after the commit b must hold what compiling everything gives. Returns
 * the steps (to free) and the delta's kind in *ret_full.
 */
/* Every further bridge table's copy of an ipset shares bridge sdnd's elements. */
static void assert_ipsets_shared(const struct fw_ruleset *rs)
{
	const struct fw_table *t0 = &rs->t[FW_T_BRIDGE];
	unsigned k;
	size_t i;

	for (k = 1; k < FW_BRIDGE_TABLES_MAX; k++) {
		const struct fw_table *t = &rs->t[fw_bridge_table(k)];

		for (i = 0; i < t->n_sets; i++) {
			const struct fw_set *s = &t->sets[i], *s0 = fw_table_set(t0, s->name);

			if (strncmp(s->name, "ipset-", 6))
				continue;
			assert_non_null(s0);
			assert_ptr_equal(s->e, s0->e);
			assert_int_equal(s->n, s0->n);
			assert_true(s->n == 0 || *s->refs >= 2);
		}
	}
}

static char *step(struct world *w, struct fw_build *b, bool shared, bool *ret_full,
		  size_t *ret_names)
{
	struct fw_input in = w->in;
	struct fw_ruleset full;
	struct fw_ops ops, all;
	struct fw_delta d;
	char err[256], *a, *p;
	size_t n_on = fw_input_nics_on(&w->in);
	uint32_t per = fw_input_per_table(&w->in);

	if (fw_build_update(b, &w->in, shared, &d, err, sizeof(err)) < 0)
		fail_msg("update: %s", err);
	/* enough bridge tables for the NICs, and not four times too many */
	assert_true(d.tables >= 1 && d.tables <= FW_BRIDGE_TABLES_MAX);
	assert_true(n_on <= (size_t)per * d.tables || d.tables == FW_BRIDGE_TABLES_MAX);
	assert_true(d.tables == 1 || n_on > (size_t)per * d.tables / 4);
	if (b->valid && d.tables != b->tables)
		assert_true(d.full);
	/* a full compile spreading the NICs over as many tables */
	in.tables = d.tables;
	fw_ruleset_init(&full);
	assert_int_equal(fw_compile(&in, &full, err, sizeof(err)), 0);
	assert_int_equal(fw_diff(&full, &b->rs, &all, NULL), 0);
	assert_int_equal(fw_diff(&d.new, d.full ? &b->rs : &d.old, &ops, NULL), 0);
	a = steps(&all);
	p = steps(&ops);
	assert_string_equal(p, a);
	free(a);
	*ret_full = d.full;
	*ret_names = d.n_names;
	fw_ops_done(&all);
	fw_ops_done(&ops);

	assert_int_equal(fw_build_commit(b, &d), 0);
	fw_delta_done(&d);
	assert_int_equal(fw_diff(&full, &b->rs, &ops, NULL), 0);
	if (ops.n)
		fail_msg("after the commit, %zu steps from a full compile, the first %s %s", ops.n,
			 fw_opk_to_string(ops.v[0].kind),
			 ops.v[0].chain ? ops.v[0].chain->name : ops.v[0].set->name);
	fw_ops_done(&ops);
	assert_ipsets_shared(&b->rs);
	fw_ruleset_done(&full);
	return p;
}

static void test_one_nic(void **state)
{
	struct fw_build b;
	struct world w;
	bool full;
	size_t names;
	char *s;

	world_init(&w, 20);
	fw_build_init(&b);
	s = step(&w, &b, false, &full, &names);
	assert_true(full); /* the first compile is all of it */
	free(s);

	/* again: nothing compiled, nothing to do */
	s = step(&w, &b, false, &full, &names);
	assert_false(full);
	assert_int_equal(names, 0);
	assert_string_equal(s, "");
	free(s);

	/* one NIC changes its rules: its chains and sets, its map elements, nothing else */
	set_nic(&w, 5, 2, 5);
	s = step(&w, &b, false, &full, &names);
	assert_false(full);
	assert_int_equal(names, 1);
	for (char *l = strtok(s, "\n"); l; l = strtok(NULL, "\n"))
		if (!strstr(l, "tap005") && !strstr(l, "nic-"))
			fail_msg("step outside tap005's part: %s", l);
	free(s);

	/* the same key again: taken as unchanged without looking */
	s = step(&w, &b, false, &full, &names);
	assert_int_equal(names, 0);
	free(s);

	/* a NIC's firewall turned off, one removed, one added */
	set_nic(&w, 6, 3, 6);
	w.n_nics = 21;
	set_nic(&w, 20, 1, 20);
	refresh(&w);
	s = step(&w, &b, false, &full, &names);
	assert_false(full);
	assert_int_equal(names, 2);
	free(s);
	w.n_nics = 19;
	refresh(&w);
	s = step(&w, &b, false, &full, &names);
	assert_false(full);
	free(s);

	/* two NICs with one MAC: the second is filtered by port; when the first goes, it is not */
	set_nic(&w, 7, 0, 8);
	s = step(&w, &b, false, &full, &names);
	assert_int_equal(names, 2); /* tap007 changed, tap008 now shares its MAC */
	free(s);
	set_nic(&w, 7, 0, 7);
	s = step(&w, &b, false, &full, &names);
	assert_int_equal(names, 2);
	free(s);

	/* the shared part: another ipset element and another group rule */
	w.doc = 1;
	refresh(&w);
	s = step(&w, &b, true, &full, &names);
	assert_false(full);
	if (!strstr(s, "ipset-mgmt-v4 1"))
		fail_msg("no element step for ipset mgmt:\n%s", s);
	free(s);
	/* the same document again (a reload): nothing */
	s = step(&w, &b, true, &full, &names);
	assert_int_equal(names, 0);
	assert_string_equal(s, "");
	free(s);

	fw_build_done(&b);
	world_done(&w);
}

/*
 * Many random changes, some of them with the shared part, against a full compile each time; with
 * state, the NICs are spread over several bridge tables (8 NICs each), as many as their number
 * (0 to 80) needs.
 */
static void test_random(void **state)
{
	struct fw_build b;
	struct world w;
	unsigned int seed = 1;
	bool full;
	size_t names;
	int round;
	unsigned max_tables = 1;

	per_table = *state ? *state : "";
	flip_kind = true;
	world_init(&w, 40);
	fw_build_init(&b);
	for (round = 0; round < 150; round++) {
		int k = rand_r(&seed) % 4 + 1;
		bool shared = false;
		char *s;

		while (k--) {
			size_t i = (size_t)rand_r(&seed) % N_NICS;
			int mac = rand_r(&seed) % 50 - 5;

			set_nic(&w, i, rand_r(&seed) % N_VARIANTS, mac);
		}
		if (rand_r(&seed) % 8 == 0) {
			w.n_nics = (size_t)(rand_r(&seed) % N_NICS);
		}
		if (rand_r(&seed) % 6 == 0) {
			w.doc = !w.doc;
			shared = true;
		}
		/* keys of 0: digests are taken */
		if (rand_r(&seed) % 10 == 0)
			for (size_t i = 0; i < N_NICS; i++)
				w.nic[i].key = 0;
		refresh(&w);
		s = step(&w, &b, shared, &full, &names);
		free(s);
		if (b.tables > max_tables)
			max_tables = b.tables;
	}
	/* the NICs were spread (the tables came and went, each time checked above) */
	if (*state)
		assert_true(max_tables >= 8);
	fw_build_done(&b);
	world_done(&w);
	per_table = "";
	flip_kind = false;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_nic),
		cmocka_unit_test(test_random),
		cmocka_unit_test_prestate(test_random, "  nics-per-table: 8\n"),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
