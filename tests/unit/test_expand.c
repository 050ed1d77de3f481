// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zones/expand.c, zones/zone_simple.c, zones/zone_vxlan.c: a model built by hand (no parser)
 * expands into exactly the kernel objects a user expects, with the documented keys.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <linux/if_bridge.h>

#include "sdnd/obj.h"
#include "sdnd/util.h"
#include "zones/expand.h"
#include "zones/model.h"

static struct sdnd_ip ip(const char *s)
{
	struct sdnd_ip r;

	assert_int_equal(sdnd_ip_parse(s, &r), 0);
	return r;
}

/* The object under key, which must exist. */
static const struct sdnd_obj *get(const struct sdnd_objset *set, const char *key)
{
	const struct sdnd_obj *o = sdnd_objset_find(set, key);

	if (!o) {
		size_t i;

		fprintf(stderr, "missing %s; have:\n", key);
		for (i = 0; i < set->n; i++)
			fprintf(stderr, "  %s\n", set->objs[i].key);
	}
	assert_non_null(o);
	return o;
}

/* set holds exactly the keys in want[] (NULL-terminated), in that order. */
static void assert_keys(const struct sdnd_objset *set, const char *const *want)
{
	size_t n = 0, i;

	while (want[n])
		n++;
	if (set->n != n) {
		for (i = 0; i < set->n; i++)
			fprintf(stderr, "  got %s\n", set->objs[i].key);
	}
	assert_int_equal(set->n, n);
	for (i = 0; i < n; i++)
		assert_string_equal(set->objs[i].key, want[i]);
}

/* Independent FNV-1a, to check the documented short VXLAN name form. */
static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 16777619u;
	}
	return h;
}

/* A vnet in zone with optional subnets (gateway may be NULL: no gateway). */
struct subnet_spec {
	const char *net;
	const char *gw;
};

static void make_vnet(struct zone_vnet *v, const char *name, const char *zone, uint32_t tag,
		      const char *alias, const struct subnet_spec *subnets, size_t n)
{
	size_t i;

	memset(v, 0, sizeof(*v));
	sdnd_strlcpy(v->name, name, sizeof(v->name));
	sdnd_strlcpy(v->zone, zone, sizeof(v->zone));
	v->has_tag = tag != 0;
	v->tag = tag;
	v->alias = alias ? strdup(alias) : NULL;
	if (n) {
		v->subnets = calloc(n, sizeof(*v->subnets));
		assert_non_null(v->subnets);
	}
	for (i = 0; i < n; i++) {
		struct zone_subnet *s = &v->subnets[i];

		assert_int_equal(sdnd_prefix_parse(subnets[i].net, &s->net, &s->prefixlen), 0);
		if (subnets[i].gw) {
			s->has_gateway = true;
			s->gateway = ip(subnets[i].gw);
		}
	}
	v->n_subnets = n;
}

static void make_zone(struct zone_zone *z, const char *name, enum zone_type type, uint32_t mtu,
		      const char *const *peers, const char *const *nodes)
{
	size_t i, n;

	memset(z, 0, sizeof(*z));
	sdnd_strlcpy(z->name, name, sizeof(z->name));
	z->type = type;
	z->mtu = mtu;
	z->port = ZONE_VXLAN_PORT_DEFAULT;
	for (n = 0; peers && peers[n]; n++)
		;
	if (n) {
		z->peers = calloc(n, sizeof(*z->peers));
		assert_non_null(z->peers);
	}
	for (i = 0; i < n; i++)
		z->peers[i] = ip(peers[i]);
	z->n_peers = n;
	for (n = 0; nodes && nodes[n]; n++)
		;
	if (n) {
		z->nodes = calloc(n, sizeof(*z->nodes));
		assert_non_null(z->nodes);
	}
	for (i = 0; i < n; i++)
		sdnd_strlcpy(z->nodes[i], nodes[i], sizeof(z->nodes[i]));
	z->n_nodes = n;
}

/* A config of n_zones zones and n_vnets vnets, to be filled by the caller; node "pve1". */
static struct zone_config *new_config(size_t n_zones, size_t n_vnets)
{
	struct zone_config *cfg = calloc(1, sizeof(*cfg));

	assert_non_null(cfg);
	cfg->version = 1;
	sdnd_strlcpy(cfg->node, "pve1", sizeof(cfg->node));
	cfg->resync_interval = ZONE_RESYNC_DEFAULT;
	cfg->zones = calloc(n_zones, sizeof(*cfg->zones));
	cfg->vnets = calloc(n_vnets, sizeof(*cfg->vnets));
	assert_non_null(cfg->zones);
	assert_non_null(cfg->vnets);
	cfg->n_zones = n_zones;
	cfg->n_vnets = n_vnets;
	return cfg;
}

#define ENV(name, ...)                                                                             \
	static const struct zone_local_addr name##_addrs[] = { __VA_ARGS__ };                      \
	const struct zone_env name = { .node = "pve1", .addrs = name##_addrs,                      \
				       .n_addrs = ARRAY_SIZE(name##_addrs) }

static const char *const peers3[] = { "192.0.2.1", "192.0.2.2", "192.0.2.3", NULL };
static const char *const peers3_v6[] = { "2001:db8::1", "2001:db8::2", "2001:db8::3", NULL };

/* A simple zone vnet: a bridge with its gateways and forwarding for each family with one. */
static void test_simple_zone(void **state)
{
	static const struct subnet_spec subnets[] = {
		{ "10.1.0.0/24", "10.1.0.1" },
		{ "10.2.0.0/16", NULL },
		{ "fd00:1::/64", "fd00:1::1" },
	};
	struct zone_config *cfg = new_config(1, 1);
	struct sdnd_objset out = { 0 };
	const struct sdnd_obj *o;
	char buf[SDND_IP_STRLEN];

	ENV(env, { .ip = { .family = AF_INET, .addr = { 192, 0, 2, 1 } }, .mtu = 1500 });

	make_zone(&cfg->zones[0], "lan", ZONE_SIMPLE, 0, NULL, NULL);
	make_vnet(&cfg->vnets[0], "web", "lan", 0, "Web tier", subnets, ARRAY_SIZE(subnets));
	assert_int_equal(zone_expand(cfg, &env, &out), 0);
	assert_keys(&out, (const char *const[]){ "link/web", "addr/web/10.1.0.1/24",
						 "addr/web/fd00:1::1/64", "fwd/web/4", "fwd/web/6",
						 NULL });

	o = get(&out, "link/web");
	assert_int_equal(o->kind, SDND_KIND_BRIDGE);
	assert_string_equal(o->vnet, "web");
	assert_string_equal(o->link.ifname, "web");
	assert_int_equal(o->link.mtu, 0); /* simple zone without mtu: the kernel's default */
	assert_true(o->link.up);
	assert_int_equal(o->link.stp_state, 0);
	assert_int_equal(o->link.forward_delay, 0);
	assert_string_equal(o->link.alias, "Web tier");
	assert_string_equal(o->link.master, "");

	o = get(&out, "addr/web/10.1.0.1/24");
	assert_int_equal(o->kind, SDND_KIND_ADDR);
	assert_string_equal(o->vnet, "web");
	assert_string_equal(o->addr.ifname, "web");
	assert_int_equal(o->addr.ip.family, AF_INET);
	assert_string_equal(sdnd_ip_str(&o->addr.ip, buf), "10.1.0.1");
	assert_int_equal(o->addr.prefixlen, 24);

	o = get(&out, "addr/web/fd00:1::1/64");
	assert_int_equal(o->addr.ip.family, AF_INET6);
	assert_int_equal(o->addr.prefixlen, 64);

	o = get(&out, "fwd/web/4");
	assert_int_equal(o->kind, SDND_KIND_FWD);
	assert_string_equal(o->vnet, "web");
	assert_string_equal(o->fwd.ifname, "web");
	assert_int_equal(o->fwd.family, AF_INET);
	assert_int_equal(o->fwd.value, 1);
	o = get(&out, "fwd/web/6");
	assert_int_equal(o->fwd.family, AF_INET6);
	assert_int_equal(o->fwd.value, 1);

	sdnd_objset_clear(&out);
	zone_config_free(cfg);
}

/* A vnet with no subnet gateway gets no address and no forwarding; zone mtu is applied. */
static void test_simple_zone_no_gateway(void **state)
{
	static const struct subnet_spec v4only[] = { { "10.3.0.0/24", "10.3.0.1" } };
	static const struct subnet_spec nogw[] = { { "10.4.0.0/24", NULL } };
	struct zone_config *cfg = new_config(1, 3);
	struct sdnd_objset out = { 0 };

	ENV(env, { .ip = { .family = AF_INET, .addr = { 192, 0, 2, 1 } }, .mtu = 1500 });

	make_zone(&cfg->zones[0], "lan", ZONE_SIMPLE, 9000, NULL, NULL);
	make_vnet(&cfg->vnets[0], "a", "lan", 0, NULL, NULL, 0);
	make_vnet(&cfg->vnets[1], "b", "lan", 0, NULL, v4only, 1);
	make_vnet(&cfg->vnets[2], "c", "lan", 0, NULL, nogw, 1);
	assert_int_equal(zone_expand(cfg, &env, &out), 0);
	assert_keys(&out, (const char *const[]){ "link/a", "link/b", "addr/b/10.3.0.1/24",
						 "fwd/b/4", "link/c", NULL });
	assert_int_equal(get(&out, "link/a")->link.mtu, 9000);
	assert_string_equal(get(&out, "link/a")->link.alias, "");
	assert_int_equal(get(&out, "link/c")->link.mtu, 9000);
	assert_string_equal(get(&out, "fwd/b/4")->vnet, "b");

	sdnd_objset_clear(&out);
	zone_config_free(cfg);
}

/*
 * A vxlan zone vnet: bridge + vxlan_<vnet> enslaved to it, VNI = tag, the zone's port, the
 * local peer as source, learning off, MTU = underlay - 50, and an all-zeros FDB entry towards
 * every other peer.
 */
static void test_vxlan_zone(void **state)
{
	static const struct subnet_spec subnets[] = { { "10.5.0.0/24", "10.5.0.1" } };
	static const uint8_t zero[6];
	struct zone_config *cfg = new_config(1, 1);
	struct sdnd_objset out = { 0 };
	const struct sdnd_obj *o;
	char buf[SDND_IP_STRLEN];

	/* this node is the second peer; an unrelated address comes first */
	ENV(env, { .ip = { .family = AF_INET, .addr = { 10, 0, 0, 5 } }, .mtu = 1500 },
	    { .ip = { .family = AF_INET, .addr = { 192, 0, 2, 2 } }, .mtu = 9000 });

	make_zone(&cfg->zones[0], "vx", ZONE_VXLAN, 0, peers3, NULL);
	cfg->zones[0].port = 8472;
	make_vnet(&cfg->vnets[0], "db", "vx", 100, "Databases", subnets, 1);
	assert_int_equal(zone_expand(cfg, &env, &out), 0);
	assert_keys(&out, (const char *const[]){ "link/db", "link/vxlan_db",
						 "fdb/vxlan_db/00:00:00:00:00:00/192.0.2.1",
						 "fdb/vxlan_db/00:00:00:00:00:00/192.0.2.3",
						 "addr/db/10.5.0.1/24", "fwd/db/4", NULL });
	/* no entry towards ourselves */
	assert_null(sdnd_objset_find(&out, "fdb/vxlan_db/00:00:00:00:00:00/192.0.2.2"));

	o = get(&out, "link/db");
	assert_int_equal(o->kind, SDND_KIND_BRIDGE);
	assert_int_equal(o->link.mtu, 8950);
	assert_true(o->link.up);
	assert_int_equal(o->link.stp_state, 0);
	assert_int_equal(o->link.forward_delay, 0);
	assert_string_equal(o->link.alias, "Databases");

	o = get(&out, "link/vxlan_db");
	assert_int_equal(o->kind, SDND_KIND_VXLAN);
	assert_string_equal(o->vnet, "db");
	assert_string_equal(o->link.ifname, "vxlan_db");
	assert_string_equal(o->link.master, "db");
	assert_int_equal(o->link.vni, 100);
	assert_int_equal(o->link.port, 8472);
	assert_int_equal(o->link.local.family, AF_INET);
	assert_string_equal(sdnd_ip_str(&o->link.local, buf), "192.0.2.2");
	assert_false(o->link.learning);
	assert_true(o->link.up);
	assert_int_equal(o->link.mtu, 8950);

	o = get(&out, "fdb/vxlan_db/00:00:00:00:00:00/192.0.2.3");
	assert_int_equal(o->kind, SDND_KIND_FDB);
	assert_string_equal(o->vnet, "db");
	assert_string_equal(o->fdb.ifname, "vxlan_db");
	assert_memory_equal(o->fdb.mac, zero, 6);
	assert_string_equal(sdnd_ip_str(&o->fdb.dst, buf), "192.0.2.3");

	sdnd_objset_clear(&out);
	zone_config_free(cfg);
}

/* IPv6 underlay: the overhead is 70 bytes and the FDB destinations are IPv6. */
static void test_vxlan_zone_ipv6(void **state)
{
	struct zone_config *cfg = new_config(1, 1);
	struct sdnd_objset out = { 0 };
	const struct sdnd_obj *o;
	char buf[SDND_IP_STRLEN];

	ENV(env, { .ip = { .family = AF_INET6,
			   .addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } },
		   .mtu = 1500 });

	make_zone(&cfg->zones[0], "vx6", ZONE_VXLAN, 0, peers3_v6, NULL);
	make_vnet(&cfg->vnets[0], "v6net", "vx6", 4242, NULL, NULL, 0);
	assert_int_equal(zone_expand(cfg, &env, &out), 0);
	assert_keys(&out, (const char *const[]){ "link/v6net", "link/vxlan_v6net",
						 "fdb/vxlan_v6net/00:00:00:00:00:00/2001:db8::2",
						 "fdb/vxlan_v6net/00:00:00:00:00:00/2001:db8::3",
						 NULL });
	assert_int_equal(get(&out, "link/v6net")->link.mtu, 1430);
	o = get(&out, "link/vxlan_v6net");
	assert_int_equal(o->link.mtu, 1430);
	assert_int_equal(o->link.vni, 4242);
	assert_int_equal(o->link.port, ZONE_VXLAN_PORT_DEFAULT);
	assert_int_equal(o->link.local.family, AF_INET6);
	assert_string_equal(sdnd_ip_str(&o->link.local, buf), "2001:db8::1");
	o = get(&out, "fdb/vxlan_v6net/00:00:00:00:00:00/2001:db8::3");
	assert_int_equal(o->fdb.dst.family, AF_INET6);

	sdnd_objset_clear(&out);
	zone_config_free(cfg);
}

/* MTU: 1450 when the local address's interface MTU is unknown; the zone's mtu wins when set. */
static void test_vxlan_mtu(void **state)
{
	struct zone_config *cfg = new_config(2, 2);
	struct sdnd_objset out = { 0 };

	ENV(env_unknown, { .ip = { .family = AF_INET, .addr = { 192, 0, 2, 1 } }, .mtu = 0 });
	ENV(env_9000, { .ip = { .family = AF_INET, .addr = { 192, 0, 2, 1 } }, .mtu = 9000 });

	make_zone(&cfg->zones[0], "vx", ZONE_VXLAN, 0, peers3, NULL);
	make_zone(&cfg->zones[1], "vxm", ZONE_VXLAN, 1400, peers3, NULL);
	make_vnet(&cfg->vnets[0], "a", "vx", 10, NULL, NULL, 0);
	make_vnet(&cfg->vnets[1], "b", "vxm", 11, NULL, NULL, 0);

	assert_int_equal(zone_expand(cfg, &env_unknown, &out), 0);
	assert_int_equal(get(&out, "link/a")->link.mtu, 1450);
	assert_int_equal(get(&out, "link/vxlan_a")->link.mtu, 1450);
	assert_int_equal(get(&out, "link/b")->link.mtu, 1400);
	assert_int_equal(get(&out, "link/vxlan_b")->link.mtu, 1400);
	sdnd_objset_clear(&out);

	assert_int_equal(zone_expand(cfg, &env_9000, &out), 0);
	assert_int_equal(get(&out, "link/a")->link.mtu, 8950);
	assert_int_equal(get(&out, "link/vxlan_a")->link.mtu, 8950);
	assert_int_equal(get(&out, "link/b")->link.mtu, 1400);
	assert_int_equal(get(&out, "link/vxlan_b")->link.mtu, 1400);
	/* both vnets of the same peers: their own FDB entries each */
	get(&out, "fdb/vxlan_a/00:00:00:00:00:00/192.0.2.2");
	get(&out, "fdb/vxlan_b/00:00:00:00:00:00/192.0.2.2");
	assert_null(sdnd_objset_find(&out, "fdb/vxlan_a/00:00:00:00:00:00/192.0.2.1"));
	sdnd_objset_clear(&out);

	zone_config_free(cfg);
}

/* A zone restricted to other nodes expands to nothing here; one naming us does expand. */
static void test_nodes_filter(void **state)
{
	static const char *const other[] = { "pve2", "pve3", NULL };
	static const char *const with_us[] = { "pve3", "pve1", NULL };
	struct zone_config *cfg = new_config(3, 3);
	struct sdnd_objset out = { 0 };

	ENV(env, { .ip = { .family = AF_INET, .addr = { 192, 0, 2, 1 } }, .mtu = 1500 });

	make_zone(&cfg->zones[0], "elsewhere", ZONE_VXLAN, 0, peers3, other);
	make_zone(&cfg->zones[1], "here", ZONE_SIMPLE, 0, NULL, with_us);
	make_zone(&cfg->zones[2], "away", ZONE_SIMPLE, 0, NULL, other);
	make_vnet(&cfg->vnets[0], "x", "elsewhere", 7, NULL, NULL, 0);
	make_vnet(&cfg->vnets[1], "y", "here", 0, NULL, NULL, 0);
	make_vnet(&cfg->vnets[2], "z", "away", 0, NULL, NULL, 0);
	assert_int_equal(zone_expand(cfg, &env, &out), 0);
	assert_keys(&out, (const char *const[]){ "link/y", NULL });
	sdnd_objset_clear(&out);

	/* the same document on pve2 */
	sdnd_strlcpy(cfg->node, "pve2", sizeof(cfg->node));
	assert_int_equal(zone_expand(cfg, &env, &out), 0);
	assert_keys(&out, (const char *const[]){ "link/x", "link/vxlan_x",
						 "fdb/vxlan_x/00:00:00:00:00:00/192.0.2.2",
						 "fdb/vxlan_x/00:00:00:00:00:00/192.0.2.3",
						 "link/z", NULL });
	sdnd_objset_clear(&out);

	zone_config_free(cfg);
}

/* vnet names too long for "vxlan_<vnet>" use "vx_<first 7>_<4 hex of FNV-1a>". */
static void test_long_vnet_name(void **state)
{
	struct zone_config *cfg = new_config(1, 2);
	struct sdnd_objset out = { 0 };
	char want_long[IFNAMSIZ], fdb_key[SDND_KEY_MAX], key[SDND_KEY_MAX], buf[IFNAMSIZ];
	const struct sdnd_obj *o;

	ENV(env, { .ip = { .family = AF_INET, .addr = { 192, 0, 2, 3 } }, .mtu = 1500 });

	make_zone(&cfg->zones[0], "vx", ZONE_VXLAN, 0, peers3, NULL);
	make_vnet(&cfg->vnets[0], "storage01", "vx", 1, NULL, NULL, 0);   /* 9: fits */
	make_vnet(&cfg->vnets[1], "storagebackup", "vx", 2, NULL, NULL, 0); /* 13: too long */
	assert_int_equal(zone_expand(cfg, &env, &out), 0);

	o = get(&out, "link/vxlan_storage01");
	assert_string_equal(o->link.master, "storage01");

	snprintf(want_long, sizeof(want_long), "vx_storage_%04x",
		 (unsigned int)(fnv1a("storagebackup") & 0xffff));
	assert_int_equal(strlen(want_long), 15);
	assert_string_equal(zone_vxlan_ifname("storagebackup", buf), want_long);
	snprintf(key, sizeof(key), "link/%s", want_long);
	o = get(&out, key);
	assert_int_equal(o->kind, SDND_KIND_VXLAN);
	assert_string_equal(o->link.ifname, want_long);
	assert_string_equal(o->link.master, "storagebackup");
	assert_string_equal(o->vnet, "storagebackup");
	assert_int_equal(o->link.vni, 2);
	snprintf(fdb_key, sizeof(fdb_key), "fdb/%s/00:00:00:00:00:00/192.0.2.1", want_long);
	assert_string_equal(get(&out, fdb_key)->fdb.ifname, want_long);
	assert_int_equal(out.n, 2 * 4); /* bridge, vxlan, two FDB entries each */

	sdnd_objset_clear(&out);
	zone_config_free(cfg);
}

/* Pure: the same model expands to the same objects, byte for byte. */

/* A node with a VLAN-aware vmbr0 (MTU 9000) and a plain vmbr1 whose physical port is eth1. */
static const struct zone_local_link vlan_links[] = {
	{ .name = "vmbr0", .kind = "bridge", .vlan_filtering = true, .mtu = 9000 },
	{ .name = "eth0", .kind = "", .master = "vmbr0", .mtu = 9000 },
	{ .name = "vmbr1", .kind = "bridge", .mtu = 1500 },
	{ .name = "tap100i0", .kind = "tun", .master = "vmbr1", .mtu = 1500 },
	{ .name = "eth1", .kind = "", .master = "vmbr1", .mtu = 1500 },
};
static const struct zone_env vlan_env = { .node = "pve1", .links = vlan_links,
					  .n_links = ARRAY_SIZE(vlan_links) };

/* Every link object of set is one of the devices zone_*_devices() announce for validation. */
static void assert_devices_announced(const struct zone_config *cfg, const struct sdnd_objset *set)
{
	struct zone_devname names[64];
	size_t n = 0, i, j;

	for (i = 0; i < cfg->n_zones; i++)
		n += zone_zone_devices(&cfg->zones[i], &vlan_env, names + n);
	for (i = 0; i < cfg->n_vnets; i++)
		n += zone_vnet_devices(zone_config_find_zone(cfg, cfg->vnets[i].zone),
				       &cfg->vnets[i], &vlan_env, names + n);
	for (i = 0; i < set->n; i++) {
		bool found = false;

		if (!sdnd_obj_is_link(&set->objs[i]))
			continue;
		for (j = 0; j < n && !found; j++)
			found = !strcmp(names[j].name, set->objs[i].link.ifname);
		if (!found)
			fprintf(stderr, "not announced: %s\n", set->objs[i].link.ifname);
		assert_true(found);
	}
}

static void test_vlan_zone(void **state)
{
	struct zone_config *cfg = new_config(2, 3);
	struct sdnd_objset set = { 0 };
	const struct sdnd_obj *o;
	static const char *const keys[] = {
		"link/sales", "link/vmbr0.100", "vid/vmbr0/100",
		"link/vms", "link/vmbr0.200", "vid/vmbr0/200", "vids/vmbr0.200",
		"link/backup", "link/vmbr1v300", "link/eth1.300", "link/ln_backup", "link/pr_backup",
		NULL
	};

	make_zone(&cfg->zones[0], "office", ZONE_VLAN, 0, NULL, NULL);
	sdnd_strlcpy(cfg->zones[0].bridge, "vmbr0", sizeof(cfg->zones[0].bridge));
	make_zone(&cfg->zones[1], "storage", ZONE_VLAN, 1400, NULL, NULL);
	sdnd_strlcpy(cfg->zones[1].bridge, "vmbr1", sizeof(cfg->zones[1].bridge));
	make_vnet(&cfg->vnets[0], "sales", "office", 100, NULL, NULL, 0);
	make_vnet(&cfg->vnets[1], "vms", "office", 200, NULL, NULL, 0);
	cfg->vnets[1].vlanaware = true;
	make_vnet(&cfg->vnets[2], "backup", "storage", 300, NULL, NULL, 0);
	assert_int_equal(zone_expand(cfg, &vlan_env, &set), 0);
	assert_keys(&set, keys);
	assert_devices_announced(cfg, &set);

	/* VLAN-aware uplink: an 802.1Q device on the uplink bridge, MTU inherited from it */
	o = get(&set, "link/vmbr0.100");
	assert_int_equal(o->kind, SDND_KIND_VLAN);
	assert_string_equal(o->link.link, "vmbr0");
	assert_string_equal(o->link.master, "sales");
	assert_int_equal(o->link.vid, 100);
	assert_int_equal(o->link.vlan_protocol, ZONE_ETH_P_8021Q);
	assert_int_equal(o->link.mtu, 9000);
	assert_int_equal(get(&set, "link/sales")->link.mtu, 9000);
	o = get(&set, "vid/vmbr0/100");
	assert_true(o->vids.self && o->vids.subset);
	assert_int_equal(o->vids.n, 1);
	assert_int_equal(o->vids.r[0].lo, 100);
	/* vlanaware: the bridge filters, its uplink port trunks 2-4094 with PVID 1 untagged */
	assert_int_equal(get(&set, "link/vms")->link.vlan_filtering, 1);
	o = get(&set, "vids/vmbr0.200");
	assert_false(o->vids.self || o->vids.subset);
	assert_int_equal(o->vids.n, 2);
	assert_int_equal(o->vids.r[0].lo, 1);
	assert_int_equal(o->vids.r[0].flags, BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED);
	assert_int_equal(o->vids.r[1].lo, 2);
	assert_int_equal(o->vids.r[1].hi, 4094);
	/* plain uplink: <uplink>v<tag> joins <phys>.<tag> and the veth pair, zone MTU 1400 */
	o = get(&set, "link/eth1.300");
	assert_string_equal(o->link.link, "eth1");
	assert_string_equal(o->link.master, "vmbr1v300");
	assert_int_equal(o->link.mtu, 1400);
	o = get(&set, "link/ln_backup");
	assert_int_equal(o->kind, SDND_KIND_VETH);
	assert_string_equal(o->link.link, "pr_backup");
	assert_string_equal(o->link.master, "backup");
	o = get(&set, "link/pr_backup");
	assert_int_equal(o->kind, SDND_KIND_VETH_PEER);
	assert_string_equal(o->link.master, "vmbr1v300");
	sdnd_objset_clear(&set);
	zone_config_free(cfg);
}

static void test_qinq_zone(void **state)
{
	struct zone_config *cfg = new_config(1, 2);
	struct sdnd_objset set = { 0 };
	const struct sdnd_obj *o;
	static const char *const keys[] = {
		"link/z_tenants", "vids/z_tenants/self", "vid/vmbr0/10", "brproto/vmbr0",
		"link/vmbr0.10", "vids/vmbr0.10", "link/ln_tenants", "link/pr_tenants",
		"vids/ln_tenants",
		"link/acme", "link/z_tenants.101",
		"link/shared",
		NULL
	};

	make_zone(&cfg->zones[0], "tenants", ZONE_QINQ, 0, NULL, NULL);
	sdnd_strlcpy(cfg->zones[0].bridge, "vmbr0", sizeof(cfg->zones[0].bridge));
	cfg->zones[0].stag = 10;
	cfg->zones[0].vlan_protocol = ZONE_ETH_P_8021AD;
	make_vnet(&cfg->vnets[0], "acme", "tenants", 101, NULL, NULL, 0);
	make_vnet(&cfg->vnets[1], "shared", "tenants", 0, NULL, NULL, 0);
	assert_int_equal(zone_expand(cfg, &vlan_env, &set), 0);
	assert_keys(&set, keys);
	assert_devices_announced(cfg, &set);

	assert_int_equal(get(&set, "link/z_tenants")->link.vlan_filtering, 1);
	o = get(&set, "link/vmbr0.10");
	assert_int_equal(o->link.vid, 10);
	assert_int_equal(o->link.vlan_protocol, ZONE_ETH_P_8021AD);
	assert_string_equal(o->link.master, "z_tenants");
	assert_int_equal(get(&set, "brproto/vmbr0")->brproto.vlan_protocol, ZONE_ETH_P_8021AD);
	o = get(&set, "link/z_tenants.101");
	assert_string_equal(o->link.link, "z_tenants");
	assert_int_equal(o->link.vlan_protocol, ZONE_ETH_P_8021Q);
	assert_string_equal(o->link.master, "acme");
	/* the untagged vnet is reached through the veth pair */
	assert_string_equal(get(&set, "link/pr_tenants")->link.master, "shared");
	assert_string_equal(get(&set, "link/ln_tenants")->link.master, "z_tenants");
	/* zone-wide objects are shown under the zone bridge's name */
	assert_string_equal(get(&set, "link/vmbr0.10")->vnet, "z_tenants");
	sdnd_objset_clear(&set);
	zone_config_free(cfg);
}

/* isolate-ports and vlanaware reach the vnet bridge of any zone type. */
static void test_vnet_flags(void **state)
{
	struct zone_config *cfg = new_config(1, 1);
	struct sdnd_objset set = { 0 };
	struct zone_local_addr addr = { .ip = ip("192.0.2.1"), .mtu = 1500 };
	struct zone_env env = { .node = "pve1", .addrs = &addr, .n_addrs = 1 };

	make_zone(&cfg->zones[0], "lab", ZONE_VXLAN, 0, peers3, NULL);
	make_vnet(&cfg->vnets[0], "web", "lab", 100, NULL, NULL, 0);
	cfg->vnets[0].isolate_ports = true;
	cfg->vnets[0].vlanaware = true;
	assert_int_equal(zone_expand(cfg, &env, &set), 0);
	assert_true(get(&set, "link/web")->link.isolate_ports);
	assert_int_equal(get(&set, "link/web")->link.vlan_filtering, 1);
	assert_int_equal(get(&set, "vids/vxlan_web")->vids.r[1].hi, 4094);
	sdnd_objset_clear(&set);
	zone_config_free(cfg);
}

/*
 * peers: auto: the cluster's live nodes the zone is on are the peers, this node (by its
 * underlay address) the tunnel source, and the smallest of their underlay MTUs the zone's.
 */
static void test_vxlan_auto(void **state)
{
	static const char *const nodes[] = { "pve1", "pve2", "pve4", NULL };
	const struct zone_member members[] = {
		{ .name = "pve2", .underlay = ip("192.0.2.2"), .mtu = 9000 },
		{ .name = "pve1", .underlay = ip("192.0.2.1"), .mtu = 9000 },
		{ .name = "pve3", .underlay = ip("192.0.2.3"), .mtu = 1500 }, /* not in the zone */
		{ .name = "pve4", .underlay = ip("192.0.2.4"), .mtu = 8000 },
	};
	struct zone_local_addr addr = { .ip = ip("192.0.2.1"), .mtu = 9000 };
	struct zone_env env = { .node = "pve1", .addrs = &addr, .n_addrs = 1, .cluster = true,
				.members = members, .n_members = 4 };
	struct zone_config *cfg = new_config(1, 1);
	struct sdnd_objset out = { 0 };
	char buf[SDND_IP_STRLEN];

	make_zone(&cfg->zones[0], "vx", ZONE_VXLAN, 0, NULL, nodes);
	cfg->zones[0].peers_auto = true;
	make_vnet(&cfg->vnets[0], "db", "vx", 100, NULL, NULL, 0);
	assert_int_equal(zone_expand(cfg, &env, &out), 0);
	assert_keys(&out, (const char *const[]){ "link/db", "link/vxlan_db",
						 "fdb/vxlan_db/00:00:00:00:00:00/192.0.2.2",
						 "fdb/vxlan_db/00:00:00:00:00:00/192.0.2.4", NULL });
	assert_string_equal(sdnd_ip_str(&get(&out, "link/vxlan_db")->link.local, buf),
			    "192.0.2.1");
	assert_int_equal(get(&out, "link/vxlan_db")->link.mtu, 8000 - 50);
	sdnd_objset_clear(&out);

	/* pve4 leaves: its tunnel goes, and the MTU follows the others */
	env.n_members = 3;
	assert_int_equal(zone_expand(cfg, &env, &out), 0);
	assert_null(sdnd_objset_find(&out, "fdb/vxlan_db/00:00:00:00:00:00/192.0.2.4"));
	assert_non_null(sdnd_objset_find(&out, "fdb/vxlan_db/00:00:00:00:00:00/192.0.2.2"));
	assert_int_equal(get(&out, "link/vxlan_db")->link.mtu, 9000 - 50);
	sdnd_objset_clear(&out);

	/* alone: a bridge and a tunnel device without flooding entries */
	env.members = &members[1];
	env.n_members = 1;
	assert_int_equal(zone_expand(cfg, &env, &out), 0);
	assert_keys(&out, (const char *const[]){ "link/db", "link/vxlan_db", NULL });
	sdnd_objset_clear(&out);
	zone_config_free(cfg);
}

static void test_expand_is_deterministic(void **state)
{
	static const struct subnet_spec subnets[] = { { "10.5.0.0/24", "10.5.0.1" } };
	struct zone_config *cfg = new_config(2, 2);
	struct sdnd_objset a = { 0 }, b = { 0 };
	size_t i;

	ENV(env, { .ip = { .family = AF_INET, .addr = { 192, 0, 2, 1 } }, .mtu = 1500 });

	make_zone(&cfg->zones[0], "vx", ZONE_VXLAN, 0, peers3, NULL);
	make_zone(&cfg->zones[1], "lan", ZONE_SIMPLE, 0, NULL, NULL);
	make_vnet(&cfg->vnets[0], "db", "vx", 100, "x", subnets, 1);
	make_vnet(&cfg->vnets[1], "web", "lan", 0, NULL, subnets, 1);
	assert_int_equal(zone_expand(cfg, &env, &a), 0);
	assert_int_equal(zone_expand(cfg, &env, &b), 0);
	assert_int_equal(a.n, b.n);
	for (i = 0; i < a.n; i++) {
		assert_string_equal(a.objs[i].key, b.objs[i].key);
		assert_memory_equal(&a.objs[i], &b.objs[i], sizeof(a.objs[i]));
	}
	sdnd_objset_clear(&a);
	sdnd_objset_clear(&b);
	zone_config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple_zone),
		cmocka_unit_test(test_simple_zone_no_gateway),
		cmocka_unit_test(test_vxlan_zone),
		cmocka_unit_test(test_vxlan_zone_ipv6),
		cmocka_unit_test(test_vxlan_mtu),
		cmocka_unit_test(test_nodes_filter),
		cmocka_unit_test(test_long_vnet_name),
		cmocka_unit_test(test_expand_is_deterministic),
		cmocka_unit_test(test_vlan_zone),
		cmocka_unit_test(test_qinq_zone),
		cmocka_unit_test(test_vnet_flags),
		cmocka_unit_test(test_vxlan_auto),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
