// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sdnd/plan.c (with sdnd/cache.c and sdnd/obj.c): diff tables. The observed kernel is built
 * from rtnetlink messages encoded with libmnl exactly as the kernel sends them (so the cache's
 * decoding is exercised too), ownership by hand; the plan must be what a user expects: the
 * right actions in dependency order, nothing for what sdnd does not own.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/neighbour.h>
#include <linux/netconf.h>
#include <linux/rtnetlink.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

#include "sdnd/cache.h"
#include "sdnd/obj.h"
#include "sdnd/owner.h"
#include "sdnd/plan.h"
#include "sdnd/util.h"

#define ZERO_MAC "00:00:00:00:00:00"

static struct sdnd_ip ip(const char *s)
{
	struct sdnd_ip r;

	assert_int_equal(sdnd_ip_parse(s, &r), 0);
	return r;
}

/* ---- wanted objects, built by hand ---- */

static void want_add(struct sdnd_objset *set, struct sdnd_obj *o, const char *vnet)
{
	sdnd_strlcpy(o->vnet, vnet, sizeof(o->vnet));
	sdnd_obj_key(o);
	assert_int_equal(sdnd_objset_add(set, o), 0);
}

static void want_bridge(struct sdnd_objset *set, const char *name, const char *alias)
{
	struct sdnd_obj o = { .kind = SDND_KIND_BRIDGE };

	sdnd_strlcpy(o.link.ifname, name, sizeof(o.link.ifname));
	o.link.mtu = 1450;
	o.link.up = true;
	if (alias)
		sdnd_strlcpy(o.link.alias, alias, sizeof(o.link.alias));
	want_add(set, &o, name);
}

static void want_vxlan(struct sdnd_objset *set, const char *vnet, uint32_t vni)
{
	struct sdnd_obj o = { .kind = SDND_KIND_VXLAN };

	snprintf(o.link.ifname, sizeof(o.link.ifname), "vxlan_%s", vnet);
	sdnd_strlcpy(o.link.master, vnet, sizeof(o.link.master));
	o.link.mtu = 1450;
	o.link.up = true;
	o.link.vni = vni;
	o.link.port = 4789;
	o.link.local = ip("192.0.2.1");
	want_add(set, &o, vnet);
}

static void want_fdb(struct sdnd_objset *set, const char *vnet, const char *dst)
{
	struct sdnd_obj o = { .kind = SDND_KIND_FDB };

	snprintf(o.fdb.ifname, sizeof(o.fdb.ifname), "vxlan_%s", vnet);
	o.fdb.dst = ip(dst);
	want_add(set, &o, vnet);
}

static void want_addr(struct sdnd_objset *set, const char *vnet, const char *addr, uint8_t len)
{
	struct sdnd_obj o = { .kind = SDND_KIND_ADDR };

	sdnd_strlcpy(o.addr.ifname, vnet, sizeof(o.addr.ifname));
	o.addr.ip = ip(addr);
	o.addr.prefixlen = len;
	want_add(set, &o, vnet);
}

static void want_fwd(struct sdnd_objset *set, const char *vnet, int family)
{
	struct sdnd_obj o = { .kind = SDND_KIND_FWD };

	sdnd_strlcpy(o.fwd.ifname, vnet, sizeof(o.fwd.ifname));
	o.fwd.family = family;
	o.fwd.value = 1;
	want_add(set, &o, vnet);
}

/* ---- the kernel, as rtnetlink messages ---- */

struct klink {
	const char *ifname;
	int ifindex;
	const char *kind;            /* IFLA_INFO_KIND; NULL: no IFLA_LINKINFO */
	uint32_t mtu;
	bool up;
	int master;
	const char *alias;
	uint32_t stp, fwd_delay;     /* bridge */
	uint32_t vni;                /* vxlan */
	uint16_t port;
	const char *local;
	bool learning;
	int fwd4, fwd6;              /* -1: no IFLA_AF_SPEC for that family */
	bool brport;                 /* a bridge port: slave data with the two flags below */
	uint8_t port_learning, port_isolated;
};

/* RTM_NEWLINK as the kernel sends it; returns what sdnd_cache_handle() said. */
static bool feed_link(struct sdnd_cache *c, const struct klink *k)
{
	char buf[4096];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	struct nlattr *li, *data, *spec, *af;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = k->ifindex;
	ifi->ifi_flags = k->up ? IFF_UP | IFF_BROADCAST | IFF_MULTICAST : IFF_BROADCAST;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, k->ifname);
	mnl_attr_put_u32(nlh, IFLA_MTU, k->mtu);
	mnl_attr_put_u8(nlh, IFLA_OPERSTATE, k->up ? 6 : 2); /* IF_OPER_UP, IF_OPER_DOWN */
	if (k->master)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)k->master);
	if (k->alias && *k->alias)
		mnl_attr_put_strz(nlh, IFLA_IFALIAS, k->alias);
	if (k->kind || k->brport) {
		li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
		if (k->kind)
			mnl_attr_put_strz(nlh, IFLA_INFO_KIND, k->kind);
		if (k->brport) {
			mnl_attr_put_strz(nlh, IFLA_INFO_SLAVE_KIND, "bridge");
			data = mnl_attr_nest_start(nlh, IFLA_INFO_SLAVE_DATA);
			mnl_attr_put_u8(nlh, IFLA_BRPORT_STATE, 3);
			mnl_attr_put_u8(nlh, IFLA_BRPORT_LEARNING, k->port_learning);
			mnl_attr_put_u8(nlh, IFLA_BRPORT_ISOLATED, k->port_isolated);
			mnl_attr_nest_end(nlh, data);
		}
		if (!k->kind) {
		} else if (!strcmp(k->kind, "bridge")) {
			data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
			mnl_attr_put_u32(nlh, IFLA_BR_FORWARD_DELAY, k->fwd_delay);
			mnl_attr_put_u32(nlh, IFLA_BR_HELLO_TIME, 200);
			mnl_attr_put_u32(nlh, IFLA_BR_STP_STATE, k->stp);
			mnl_attr_put_u16(nlh, IFLA_BR_PRIORITY, 0x8000);
			mnl_attr_nest_end(nlh, data);
		} else if (!strcmp(k->kind, "vxlan")) {
			data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
			mnl_attr_put_u32(nlh, IFLA_VXLAN_ID, k->vni);
			if (k->local) {
				struct sdnd_ip l = ip(k->local);

				mnl_attr_put(nlh, l.family == AF_INET ? IFLA_VXLAN_LOCAL :
					     IFLA_VXLAN_LOCAL6, sdnd_ip_len(&l), l.addr);
			}
			mnl_attr_put_u8(nlh, IFLA_VXLAN_TTL, 0);
			mnl_attr_put_u8(nlh, IFLA_VXLAN_LEARNING, k->learning);
			mnl_attr_put_u32(nlh, IFLA_VXLAN_AGEING, 300);
			mnl_attr_put_u16(nlh, IFLA_VXLAN_PORT, htons(k->port));
			mnl_attr_nest_end(nlh, data);
		}
		mnl_attr_nest_end(nlh, li);
	}
	spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	if (k->fwd4 >= 0) {
		uint32_t conf[IPV4_DEVCONF_MAX] = { 0 };

		conf[IPV4_DEVCONF_FORWARDING - 1] = (uint32_t)k->fwd4;
		conf[IPV4_DEVCONF_MC_FORWARDING - 1] = 0;
		af = mnl_attr_nest_start(nlh, AF_INET);
		mnl_attr_put(nlh, IFLA_INET_CONF, sizeof(conf), conf);
		mnl_attr_nest_end(nlh, af);
	}
	if (k->fwd6 >= 0) {
		int32_t conf[DEVCONF_MAX] = { 0 };

		conf[DEVCONF_FORWARDING] = k->fwd6;
		conf[DEVCONF_HOPLIMIT] = 64;
		af = mnl_attr_nest_start(nlh, AF_INET6);
		mnl_attr_put_u32(nlh, IFLA_INET6_FLAGS, 0);
		mnl_attr_put(nlh, IFLA_INET6_CONF, sizeof(conf), conf);
		mnl_attr_nest_end(nlh, af);
	}
	mnl_attr_nest_end(nlh, spec);
	return sdnd_cache_handle(c, nlh);
}

static bool feed_dellink(struct sdnd_cache *c, int ifindex)
{
	char buf[256];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_DELLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = ifindex;
	return sdnd_cache_handle(c, nlh);
}

static bool feed_addr(struct sdnd_cache *c, uint16_t type, int ifindex, const char *addr,
		      uint8_t len)
{
	struct sdnd_ip a = ip(addr);
	char buf[256];
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)a.family;
	ifa->ifa_prefixlen = len;
	ifa->ifa_index = (uint32_t)ifindex;
	ifa->ifa_scope = a.family == AF_INET6 && a.addr[0] == 0xfe ? RT_SCOPE_LINK :
								      RT_SCOPE_UNIVERSE;
	mnl_attr_put(nlh, IFA_ADDRESS, sdnd_ip_len(&a), a.addr);
	if (a.family == AF_INET) {
		mnl_attr_put(nlh, IFA_LOCAL, 4, a.addr);
		mnl_attr_put_strz(nlh, IFA_LABEL, "x");
	}
	mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_PERMANENT);
	return sdnd_cache_handle(c, nlh);
}

/* A bridge FDB entry (AF_BRIDGE neighbour); dst NULL for a local entry without NDA_DST. */
static bool feed_fdb(struct sdnd_cache *c, uint16_t type, int ifindex, const uint8_t mac[6],
		     const char *dst)
{
	char buf[256];
	struct nlmsghdr *nlh;
	struct ndmsg *ndm;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = AF_BRIDGE;
	ndm->ndm_ifindex = ifindex;
	ndm->ndm_state = NUD_PERMANENT | NUD_NOARP;
	ndm->ndm_flags = NTF_SELF;
	mnl_attr_put(nlh, NDA_LLADDR, 6, mac);
	if (dst) {
		struct sdnd_ip d = ip(dst);

		mnl_attr_put(nlh, NDA_DST, sdnd_ip_len(&d), d.addr);
	}
	return sdnd_cache_handle(c, nlh);
}

/* A static entry on a bridge port, as "bridge fdb add MAC dev PORT master static" leaves it. */
static bool feed_sfdb(struct sdnd_cache *c, uint16_t type, int ifindex, int bridge,
		      const uint8_t mac[6], uint16_t vid)
{
	char buf[256];
	struct nlmsghdr *nlh;
	struct ndmsg *ndm;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = AF_BRIDGE;
	ndm->ndm_ifindex = ifindex;
	ndm->ndm_state = NUD_NOARP;
	mnl_attr_put(nlh, NDA_LLADDR, 6, mac);
	mnl_attr_put_u32(nlh, NDA_MASTER, (uint32_t)bridge);
	if (vid)
		mnl_attr_put_u16(nlh, NDA_VLAN, vid);
	return sdnd_cache_handle(c, nlh);
}

static bool feed_netconf(struct sdnd_cache *c, int family, int ifindex, int fwd)
{
	char buf[256];
	struct nlmsghdr *nlh;
	struct netconfmsg *ncm;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWNETCONF;
	ncm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ncm));
	ncm->ncm_family = (uint8_t)family;
	mnl_attr_put_u32(nlh, NETCONFA_IFINDEX, (uint32_t)ifindex);
	mnl_attr_put_u32(nlh, NETCONFA_FORWARDING, (uint32_t)fwd);
	return sdnd_cache_handle(c, nlh);
}

static const uint8_t zero_mac[6];
static const uint8_t vm_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

/* ---- the fixture: two vxlan vnets, web (with a gateway) and db ---- */

enum { L_WEB, L_VXWEB, L_DB, L_VXDB, _L_MAX };

struct fx {
	struct sdnd_objset want;
	struct sdnd_cache cache;
	struct sdnd_owner owner;
	struct sdnd_plan plan;
	struct klink k[_L_MAX];      /* the kernel in sync with want; tests change it */
	bool planned;
	struct sdnd_attachments atts;
};

static const struct klink k_in_sync[_L_MAX] = {
	[L_WEB] = { .ifname = "web", .ifindex = 10, .kind = "bridge", .mtu = 1450, .up = true,
		    .alias = "Web tier", .fwd4 = 1, .fwd6 = 0 },
	[L_VXWEB] = { .ifname = "vxlan_web", .ifindex = 11, .kind = "vxlan", .mtu = 1450,
		      .up = true, .master = 10, .vni = 100, .port = 4789, .local = "192.0.2.1",
		      .fwd4 = 0, .fwd6 = 0 },
	[L_DB] = { .ifname = "db", .ifindex = 20, .kind = "bridge", .mtu = 1450, .up = true,
		   .fwd4 = 0, .fwd6 = 0 },
	[L_VXDB] = { .ifname = "vxlan_db", .ifindex = 21, .kind = "vxlan", .mtu = 1450,
		     .up = true, .master = 20, .vni = 200, .port = 4789, .local = "192.0.2.1",
		     .fwd4 = 0, .fwd6 = 0 },
};

static void want_web(struct sdnd_objset *w)
{
	want_bridge(w, "web", "Web tier");
	want_vxlan(w, "web", 100);
	want_fdb(w, "web", "192.0.2.2");
	want_addr(w, "web", "10.1.0.1", 24);
	want_fwd(w, "web", AF_INET);
}

static void want_db(struct sdnd_objset *w)
{
	want_bridge(w, "db", NULL);
	want_vxlan(w, "db", 200);
	want_fdb(w, "db", "192.0.2.2");
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	memcpy(f->k, k_in_sync, sizeof(f->k));
	want_web(&f->want);
	want_db(&f->want);
	/* what sdnd recorded when it created all that */
	assert_int_equal(sdnd_owner_load(&f->owner, NULL), 0);
	assert_int_equal(sdnd_owner_set(&f->owner, "link/web", "bridge", 10), 0);
	assert_int_equal(sdnd_owner_set(&f->owner, "link/vxlan_web", "vxlan", 11), 0);
	assert_int_equal(sdnd_owner_set(&f->owner, "link/db", "bridge", 20), 0);
	assert_int_equal(sdnd_owner_set(&f->owner, "link/vxlan_db", "vxlan", 21), 0);
	assert_int_equal(sdnd_owner_set(&f->owner, "addr/web/10.1.0.1/24", "", 0), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	sdnd_plan_free(&f->plan);
	sdnd_objset_clear(&f->want);
	sdnd_cache_free(&f->cache);
	sdnd_owner_free(&f->owner);
	sdnd_attachments_free(&f->atts);
	free(f);
	return 0;
}

/* Fill the cache with f->k[] (NULL ifname: absent) and their addresses and FDB entries. */
static void load_kernel(struct fx *f)
{
	size_t i;

	/* the underlay, which is not ours */
	feed_link(&f->cache, &(struct klink){ .ifname = "eth0", .ifindex = 2, .mtu = 1500,
					      .up = true, .fwd4 = 1, .fwd6 = 1 });
	feed_addr(&f->cache, RTM_NEWADDR, 2, "192.0.2.1", 24);
	for (i = 0; i < _L_MAX; i++)
		if (f->k[i].ifname)
			assert_true(feed_link(&f->cache, &f->k[i]));
	if (f->k[L_WEB].ifname) {
		assert_true(feed_addr(&f->cache, RTM_NEWADDR, 10, "10.1.0.1", 24));
		/* the kernel's own IPv6 link-local address: never ours */
		assert_true(feed_addr(&f->cache, RTM_NEWADDR, 10, "fe80::1", 64));
	}
	if (f->k[L_VXWEB].ifname) {
		assert_true(feed_fdb(&f->cache, RTM_NEWNEIGH, 11, zero_mac, "192.0.2.2"));
		/* the device's own address: no destination, not a replication entry */
		assert_false(feed_fdb(&f->cache, RTM_NEWNEIGH, 11, vm_mac, NULL));
	}
	if (f->k[L_VXDB].ifname)
		assert_true(feed_fdb(&f->cache, RTM_NEWNEIGH, 21, zero_mac, "192.0.2.2"));
}

/*
 * Compute the plan of f. It runs in a child first: when there is nothing to do (the steady
 * state) plan->acts is NULL, and qsort(NULL, 0, ...) there was undefined behaviour that made
 * the UBSan build abort; a regression now fails the tests with an empty plan, not the binary.
 */
static int plan_compute_child(void *arg)
{
	struct fx *f = arg;
	struct sdnd_plan p;

	return sdnd_plan_compute(&f->want, &f->atts, &f->cache, &f->owner, &p) == 0 ? 0 : 1;
}

static void compute(struct fx *f)
{
	if (f->planned)
		sdnd_plan_free(&f->plan);
	f->planned = false;
	if (!test_survives(plan_compute_child, f, 10))
		fail_msg("sdnd_plan_compute() crashed on this input (sanitizer report above)");
	assert_int_equal(sdnd_plan_compute(&f->want, &f->atts, &f->cache, &f->owner, &f->plan), 0);
	f->planned = true;
}

/* The plan is exactly want[] (NULL-terminated "<action> <key>"), in that order. */
static void assert_plan(const struct sdnd_plan *plan, const char *const *want)
{
	size_t n = 0, i;
	char got[256];
	bool ok;

	while (want[n])
		n++;
	ok = plan->n == n;
	for (i = 0; ok && i < n; i++) {
		const struct sdnd_action *a = &plan->acts[i];

		snprintf(got, sizeof(got), "%s %s", sdnd_act_to_string(a->type),
			 (a->want ? a->want : a->have)->key);
		ok = !strcmp(got, want[i]);
	}
	if (!ok) {
		fprintf(stderr, "plan differs; got:\n");
		for (i = 0; i < plan->n; i++) {
			const struct sdnd_action *a = &plan->acts[i];

			fprintf(stderr, "  %s %s\n", sdnd_act_to_string(a->type),
				(a->want ? a->want : a->have)->key);
		}
		fprintf(stderr, "want:\n");
		for (i = 0; i < n; i++)
			fprintf(stderr, "  %s\n", want[i]);
	}
	assert_true(ok);
}

#define PLAN(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NO_ACTIONS ((const char *const[]){ NULL })

/* Every action is consistent: create has only want, delete only have, the rest both. */
static void assert_actions_sane(const struct sdnd_plan *plan)
{
	size_t i;

	for (i = 0; i < plan->n; i++) {
		const struct sdnd_action *a = &plan->acts[i];

		switch (a->type) {
		case SDND_ACT_CREATE:
			assert_non_null(a->want);
			assert_null(a->have);
			break;
		case SDND_ACT_DELETE:
			assert_null(a->want);
			assert_non_null(a->have);
			break;
		default:
			assert_non_null(a->want);
			assert_non_null(a->have);
			assert_string_equal(a->want->key, a->have->key);
			assert_int_not_equal(a->changed, 0);
			break;
		}
		assert_non_null(a->reason);
	}
}

static const struct sdnd_action *action_for(const struct sdnd_plan *plan, const char *key)
{
	size_t i;

	for (i = 0; i < plan->n; i++) {
		const struct sdnd_action *a = &plan->acts[i];

		if (!strcmp((a->want ? a->want : a->have)->key, key))
			return a;
	}
	return NULL;
}

/* ---- the cache decodes what the kernel sends ---- */

static void test_cache_decodes_kernel(void **state)
{
	struct fx *f = *state;
	const struct sdnd_link *l;
	struct zone_env env;
	char buf[SDND_IP_STRLEN];
	size_t i;

	load_kernel(f);
	l = sdnd_cache_link(&f->cache, "vxlan_web");
	assert_non_null(l);
	assert_int_equal(l->ifindex, 11);
	assert_string_equal(l->kind, "vxlan");
	assert_int_equal(l->mtu, 1450);
	assert_true(l->up);
	assert_int_equal(l->master_ifindex, 10);
	assert_int_equal(l->vni, 100);
	assert_int_equal(l->port, 4789);
	assert_string_equal(sdnd_ip_str(&l->local, buf), "192.0.2.1");
	assert_false(l->learning);
	assert_int_equal(l->fwd4, 0);
	assert_int_equal(l->fwd6, 0);

	l = sdnd_cache_link(&f->cache, "web");
	assert_non_null(l);
	assert_string_equal(l->kind, "bridge");
	assert_string_equal(l->alias, "Web tier");
	assert_int_equal(l->stp_state, 0);
	assert_int_equal(l->forward_delay, 0);
	assert_int_equal(l->fwd4, 1);
	assert_ptr_equal(sdnd_cache_link_by_index(&f->cache, 10), l);
	assert_int_equal(sdnd_cache_ifindex(&f->cache, "web"), 10);
	assert_int_equal(sdnd_cache_ifindex(&f->cache, "nope"), 0);
	assert_null(sdnd_cache_link_by_index(&f->cache, 99));
	assert_null(sdnd_cache_link_by_index(&f->cache, 0));

	l = sdnd_cache_link(&f->cache, "eth0");
	assert_non_null(l);
	assert_string_equal(l->kind, "");
	assert_int_equal(l->fwd4, 1);
	assert_int_equal(l->fwd6, 1);

	assert_non_null(sdnd_objset_find(&f->cache.addrs, "addr/web/10.1.0.1/24"));
	assert_non_null(sdnd_objset_find(&f->cache.addrs, "addr/web/fe80::1/64"));
	assert_non_null(sdnd_objset_find(&f->cache.fdbs,
					 "fdb/vxlan_web/" ZERO_MAC "/192.0.2.2"));
	assert_int_equal(f->cache.fdbs.n, 2);

	/* the same message again changes nothing */
	assert_false(feed_link(&f->cache, &f->k[L_WEB]));
	assert_false(feed_addr(&f->cache, RTM_NEWADDR, 10, "10.1.0.1", 24));
	assert_false(feed_fdb(&f->cache, RTM_NEWNEIGH, 11, zero_mac, "192.0.2.2"));
	/* a bridge port notification (AF_BRIDGE) is not a device */
	{
		char b[256];
		struct nlmsghdr *nlh;
		struct ifinfomsg *ifi;

		memset(b, 0, sizeof(b));
		nlh = mnl_nlmsg_put_header(b);
		nlh->nlmsg_type = RTM_NEWLINK;
		ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
		ifi->ifi_family = AF_BRIDGE;
		ifi->ifi_index = 11;
		mnl_attr_put_strz(nlh, IFLA_IFNAME, "vxlan_web");
		mnl_attr_put_u32(nlh, IFLA_MTU, 9000);
		assert_false(sdnd_cache_handle(&f->cache, nlh));
		assert_int_equal(sdnd_cache_link(&f->cache, "vxlan_web")->mtu, 1450);
	}

	/* the node's addresses with their devices' MTU, for expansion */
	assert_int_equal(sdnd_cache_env(&f->cache, "pve1", &env), 0);
	assert_string_equal(env.node, "pve1");
	for (i = 0; i < env.n_addrs; i++)
		if (env.addrs[i].ip.family == AF_INET &&
		    !strcmp(sdnd_ip_str(&env.addrs[i].ip, buf), "192.0.2.1"))
			break;
	assert_true(i < env.n_addrs);
	assert_int_equal(env.addrs[i].mtu, 1500);
}

/* ---- diff tables ---- */

/* Nothing in the kernel: everything created, in dependency (kind) order. */
static void test_empty_kernel(void **state)
{
	struct fx *f = *state;

	sdnd_owner_free(&f->owner);
	assert_int_equal(sdnd_owner_load(&f->owner, NULL), 0);
	compute(f);
	assert_int_equal(f->plan.n_conflicts, 0);
	assert_plan(&f->plan, PLAN("create link/db", "create link/web", "create link/vxlan_db",
				   "create link/vxlan_web",
				   "create fdb/vxlan_db/" ZERO_MAC "/192.0.2.2",
				   "create fdb/vxlan_web/" ZERO_MAC "/192.0.2.2",
				   "create addr/web/10.1.0.1/24", "create fwd/web/4"));
	assert_actions_sane(&f->plan);
}

/* The kernel already as wanted: nothing to do, and the plan says so. */
static void test_in_sync(void **state)
{
	struct fx *f = *state;
	char *out = NULL;
	size_t len = 0;
	FILE *m;

	load_kernel(f);
	compute(f);
	assert_int_equal(f->plan.n_conflicts, 0);
	assert_plan(&f->plan, NO_ACTIONS);

	m = open_memstream(&out, &len);
	assert_non_null(m);
	sdnd_plan_print(&f->plan, m);
	fclose(m);
	assert_string_equal(out, "nothing to change\n");
	free(out);
}

static void test_mtu_differs(void **state)
{
	struct fx *f = *state;
	const struct sdnd_action *a;

	f->k[L_WEB].mtu = 1400;
	load_kernel(f);
	compute(f);
	assert_plan(&f->plan, PLAN("update link/web"));
	a = &f->plan.acts[0];
	assert_int_equal(a->changed, SDND_LINK_MTU);
	assert_int_equal(a->have->link.mtu, 1400);
	assert_int_equal(a->want->link.mtu, 1450);
	assert_actions_sane(&f->plan);
}

/* The same drift arriving as an event after the dump. */
static void test_mtu_drift_event(void **state)
{
	struct fx *f = *state;
	struct klink k;

	load_kernel(f);
	k = f->k[L_VXDB];
	k.mtu = 1500;
	assert_true(feed_link(&f->cache, &k));
	compute(f);
	assert_plan(&f->plan, PLAN("update link/vxlan_db"));
	assert_int_equal(f->plan.acts[0].changed, SDND_LINK_MTU);
}

static void test_bridge_down(void **state)
{
	struct fx *f = *state;

	f->k[L_WEB].up = false;
	load_kernel(f);
	compute(f);
	assert_plan(&f->plan, PLAN("update link/web"));
	assert_int_equal(f->plan.acts[0].changed, SDND_LINK_UP);
	assert_false(f->plan.acts[0].have->link.up);
}

static void test_vxlan_detached(void **state)
{
	struct fx *f = *state;

	f->k[L_VXWEB].master = 0;
	load_kernel(f);
	compute(f);
	assert_plan(&f->plan, PLAN("update link/vxlan_web"));
	assert_int_equal(f->plan.acts[0].changed, SDND_LINK_MASTER);
	assert_string_equal(f->plan.acts[0].have->link.master, "");
}

static void test_vxlan_wrong_master(void **state)
{
	struct fx *f = *state;

	f->k[L_VXWEB].master = 20;
	load_kernel(f);
	compute(f);
	assert_plan(&f->plan, PLAN("update link/vxlan_web"));
	assert_int_equal(f->plan.acts[0].changed, SDND_LINK_MASTER);
	assert_string_equal(f->plan.acts[0].have->link.master, "db");
}

static void test_alias_and_learning(void **state)
{
	struct fx *f = *state;

	f->k[L_WEB].alias = "changed by hand";
	f->k[L_VXDB].learning = true;
	load_kernel(f);
	compute(f);
	assert_plan(&f->plan, PLAN("update link/web", "update link/vxlan_db"));
	assert_int_equal(f->plan.acts[0].changed, SDND_LINK_ALIAS);
	assert_int_equal(f->plan.acts[1].changed, SDND_LINK_LEARNING);
}

/* VNI, port, local address: the device must be replaced, and the plan says why. */
static void test_vxlan_replace(void **state)
{
	struct fx *f = *state;
	const struct sdnd_action *a;

	f->k[L_VXWEB].vni = 101;
	f->k[L_VXDB].port = 8472;
	load_kernel(f);
	compute(f);
	assert_plan(&f->plan, PLAN("replace link/vxlan_db", "replace link/vxlan_web"));
	assert_actions_sane(&f->plan);
	a = action_for(&f->plan, "link/vxlan_web");
	assert_true(a->changed & SDND_LINK_VNI);
	assert_false(a->changed & SDND_LINK_PORT);
	assert_non_null(a->reason);
	assert_true(strlen(a->reason) > 0);
	assert_int_equal(a->have->link.vni, 101);
	a = action_for(&f->plan, "link/vxlan_db");
	assert_true(a->changed & SDND_LINK_PORT);
	assert_false(a->changed & SDND_LINK_VNI);

	/* the local address too */
	sdnd_cache_free(&f->cache);
	memcpy(f->k, k_in_sync, sizeof(f->k));
	f->k[L_VXWEB].local = "192.0.2.77";
	load_kernel(f);
	compute(f);
	assert_plan(&f->plan, PLAN("replace link/vxlan_web"));
	assert_true(f->plan.acts[0].changed & SDND_LINK_LOCAL);
}

/* Our device turned into something else under its name (same ifindex, kind differs). */
static void test_kind_differs_replace(void **state)
{
	struct fx *f = *state;

	f->k[L_DB] = (struct klink){ .ifname = "db", .ifindex = 20, .kind = "vxlan", .mtu = 1450,
				     .up = true, .vni = 9, .port = 4789, .fwd4 = 0, .fwd6 = 0 };
	load_kernel(f);
	compute(f);
	assert_plan(&f->plan, PLAN("replace link/db"));
	assert_int_equal(f->plan.acts[0].changed, SDND_LINK_KIND);
}

/* An owned vnet removed from the configuration: its devices go, their children with them. */
static void test_owned_unwanted_deleted(void **state)
{
	struct fx *f = *state;
	const struct sdnd_action *a;

	assert_int_equal(sdnd_owner_set(&f->owner, "addr/db/10.2.0.1/24", "", 0), 0);
	load_kernel(f);
	assert_true(feed_addr(&f->cache, RTM_NEWADDR, 20, "10.2.0.1", 24));
	sdnd_objset_clear(&f->want);
	want_web(&f->want);
	compute(f);
	/* reverse kind order: the vxlan device before its bridge; no FDB or address deletes */
	assert_plan(&f->plan, PLAN("delete link/vxlan_db", "delete link/db"));
	assert_actions_sane(&f->plan);
	a = &f->plan.acts[1];
	assert_int_equal(a->have->kind, SDND_KIND_BRIDGE);
	assert_int_equal(a->have->link.ifindex, 20);
	assert_string_equal(a->reason, "no longer in the configuration");
	assert_int_equal(f->plan.acts[0].have->kind, SDND_KIND_VXLAN);
}

/* A device with a wanted name that sdnd did not create: the vnet is skipped, others go on. */
static void test_foreign_link_conflict(void **state)
{
	struct fx *f = *state;
	size_t i;

	sdnd_owner_del(&f->owner, "link/web");
	sdnd_owner_del(&f->owner, "link/vxlan_web");
	sdnd_owner_del(&f->owner, "addr/web/10.1.0.1/24");
	/* someone's own "web" bridge, down and with another MTU; no db at all */
	f->k[L_WEB].up = false;
	f->k[L_WEB].mtu = 1500;
	f->k[L_VXWEB].ifname = NULL;
	f->k[L_DB].ifname = NULL;
	f->k[L_VXDB].ifname = NULL;
	load_kernel(f);
	compute(f);

	assert_int_equal(f->plan.n_conflicts, 1);
	assert_string_equal(f->plan.conflicts[0].vnet, "web");
	assert_string_equal(f->plan.conflicts[0].ifname, "web");
	assert_string_equal(f->plan.conflicts[0].msg,
			    "interface web exists and is not managed by sdnd");
	assert_true(sdnd_plan_vnet_conflicts(&f->plan, "web"));
	assert_false(sdnd_plan_vnet_conflicts(&f->plan, "db"));
	/* nothing for web (not even its missing vxlan device), db created */
	assert_plan(&f->plan, PLAN("create link/db", "create link/vxlan_db",
				   "create fdb/vxlan_db/" ZERO_MAC "/192.0.2.2"));
	for (i = 0; i < f->plan.n; i++)
		assert_string_equal(f->plan.acts[i].want->vnet, "db");
}

/* The vxlan device's name is taken by a foreign device: the whole vnet is skipped. */
static void test_foreign_vxlan_conflict(void **state)
{
	struct fx *f = *state;

	sdnd_owner_del(&f->owner, "link/vxlan_db");
	f->k[L_VXDB].vni = 999; /* would be a replace if it were ours */
	f->k[L_DB].mtu = 1300;  /* would be an update */
	load_kernel(f);
	compute(f);
	assert_int_equal(f->plan.n_conflicts, 1);
	assert_string_equal(f->plan.conflicts[0].vnet, "db");
	assert_string_equal(f->plan.conflicts[0].ifname, "vxlan_db");
	assert_plan(&f->plan, NO_ACTIONS);
}

/* A crash between "create" and recording the ifindex: the device is adopted, not a conflict. */
static void test_adopt_after_crash(void **state)
{
	struct fx *f = *state;

	assert_int_equal(sdnd_owner_set(&f->owner, "link/web", "bridge", 0), 0);
	assert_int_equal(sdnd_owner_set(&f->owner, "link/vxlan_web", "vxlan", 0), 0);
	f->k[L_WEB].mtu = 1500; /* and it still gets repaired */
	load_kernel(f);
	compute(f);
	assert_int_equal(f->plan.n_conflicts, 0);
	assert_plan(&f->plan, PLAN("update link/web"));
}

/* ... but only when the device is of the kind sdnd was creating. */
static void test_adopt_kind_mismatch(void **state)
{
	struct fx *f = *state;

	assert_int_equal(sdnd_owner_set(&f->owner, "link/web", "vxlan", 0), 0);
	load_kernel(f);
	compute(f);
	assert_int_equal(f->plan.n_conflicts, 1);
	assert_string_equal(f->plan.conflicts[0].vnet, "web");
	assert_plan(&f->plan, NO_ACTIONS);

	/* a foreign tap that happens to carry the name of a bridge sdnd was creating */
	sdnd_cache_free(&f->cache);
	assert_int_equal(sdnd_owner_set(&f->owner, "link/web", "bridge", 0), 0);
	f->k[L_WEB] = (struct klink){ .ifname = "web", .ifindex = 10, .kind = "tun", .mtu = 1500,
				      .up = true, .fwd4 = 0, .fwd6 = 0 };
	load_kernel(f);
	compute(f);
	assert_int_equal(f->plan.n_conflicts, 1);
	assert_string_equal(f->plan.conflicts[0].vnet, "web");
	assert_plan(&f->plan, NO_ACTIONS);
}

/* Our device was deleted and someone else created one with the name: not ours any more. */
static void test_ifindex_differs(void **state)
{
	struct fx *f = *state;

	f->k[L_DB].ifindex = 99;
	f->k[L_VXDB].master = 99;
	load_kernel(f);
	compute(f);
	assert_int_equal(f->plan.n_conflicts, 1);
	assert_string_equal(f->plan.conflicts[0].vnet, "db");
	assert_string_equal(f->plan.conflicts[0].ifname, "db");
	assert_plan(&f->plan, NO_ACTIONS);
}

/*
 * Our device was recreated by someone else (the recorded ifindex no longer matches): sdnd must
 * not touch it at all, not even to remove an address it once added there.
 *
 * BUG (sdnd/plan.c, snapshot_unwanted): owned addresses are selected by their owner record
 * alone; the device they sit on is never checked with link_owned(). An address sdnd once added
 * (still in the owner file) that now sits on a foreign device of the same name is deleted --
 * re-configuring an interface sdnd did not create (DESIGN.md section 2), in a vnet the plan
 * itself reports as a conflict.
 */
static void test_no_address_delete_on_foreign_device(void **state)
{
	struct fx *f = *state;

	assert_int_equal(sdnd_owner_set(&f->owner, "addr/web/10.1.0.99/24", "", 0), 0);
	assert_int_equal(sdnd_owner_set(&f->owner, "link/web", "bridge", 99), 0);
	load_kernel(f);
	assert_true(feed_addr(&f->cache, RTM_NEWADDR, 10, "10.1.0.99", 24));
	compute(f);
	assert_int_equal(f->plan.n_conflicts, 1);
	assert_string_equal(f->plan.conflicts[0].vnet, "web");
	assert_plan(&f->plan, NO_ACTIONS);
}

/*
 * A vnet in conflict gets no action at all, including the removal of stale replication entries
 * from its (owned) VXLAN device.
 *
 * BUG (sdnd/plan.c, snapshot_unwanted): stale all-zeros FDB entries are selected by the owner
 * of their VXLAN device only; they are deleted even though the vnet the device serves was
 * skipped as a conflict (the observed entry carries no vnet, so the conflict check of pass 2
 * does not see it).
 */
static void test_no_fdb_delete_in_conflicting_vnet(void **state)
{
	struct fx *f = *state;

	sdnd_owner_del(&f->owner, "link/web"); /* web's bridge is someone else's */
	load_kernel(f);
	assert_true(feed_fdb(&f->cache, RTM_NEWNEIGH, 11, zero_mac, "192.0.2.9"));
	compute(f);
	assert_int_equal(f->plan.n_conflicts, 1);
	assert_string_equal(f->plan.conflicts[0].vnet, "web");
	assert_plan(&f->plan, NO_ACTIONS);
}

/* Unwanted devices: deleted when adopted after a crash, left alone when recreated by others. */
static void test_unwanted_ownership(void **state)
{
	struct fx *f = *state;

	load_kernel(f);
	/* created by sdnd, crashed before recording its ifindex, then removed from the config */
	assert_int_equal(sdnd_owner_set(&f->owner, "link/old", "bridge", 0), 0);
	assert_true(feed_link(&f->cache, &(struct klink){ .ifname = "old", .ifindex = 50,
							  .kind = "bridge", .mtu = 1500, .up = true,
							  .fwd4 = 0, .fwd6 = 0 }));
	/* sdnd's vxlan_gone (ifindex 51) was deleted; somebody created a new one (52) */
	assert_int_equal(sdnd_owner_set(&f->owner, "link/vxlan_gone", "vxlan", 51), 0);
	assert_true(feed_link(&f->cache, &(struct klink){ .ifname = "vxlan_gone", .ifindex = 52,
							  .kind = "vxlan", .mtu = 1450, .up = true,
							  .vni = 5, .port = 4789, .fwd4 = -1,
							  .fwd6 = -1 }));
	/* a crash while creating "half" as a bridge; a tap now carries that name */
	assert_int_equal(sdnd_owner_set(&f->owner, "link/half", "bridge", 0), 0);
	assert_true(feed_link(&f->cache, &(struct klink){ .ifname = "half", .ifindex = 53,
							  .kind = "tun", .mtu = 1500, .up = true,
							  .fwd4 = 0, .fwd6 = 0 }));
	/* an owner record of a device that is gone: nothing to do */
	assert_int_equal(sdnd_owner_set(&f->owner, "link/vanished", "bridge", 60), 0);
	compute(f);
	assert_plan(&f->plan, PLAN("delete link/old"));
	assert_int_equal(f->plan.acts[0].have->link.ifindex, 50);
}

/* A peer left the zone: its replication entry goes; entries that are not ours stay. */
static void test_unwanted_fdb(void **state)
{
	struct fx *f = *state;
	const struct sdnd_action *a;

	load_kernel(f);
	assert_true(feed_fdb(&f->cache, RTM_NEWNEIGH, 11, zero_mac, "192.0.2.9"));
	/* a static entry for a VM's MAC someone added by hand: not a replication entry */
	assert_true(feed_fdb(&f->cache, RTM_NEWNEIGH, 11, vm_mac, "192.0.2.9"));
	/* an all-zeros entry on somebody else's VXLAN device */
	assert_true(feed_link(&f->cache, &(struct klink){ .ifname = "vxlan_x", .ifindex = 40,
							  .kind = "vxlan", .mtu = 1450, .up = true,
							  .vni = 7, .port = 4789, .fwd4 = -1,
							  .fwd6 = -1 }));
	assert_true(feed_fdb(&f->cache, RTM_NEWNEIGH, 40, zero_mac, "192.0.2.9"));
	compute(f);
	assert_plan(&f->plan, PLAN("delete fdb/vxlan_web/" ZERO_MAC "/192.0.2.9"));
	a = &f->plan.acts[0];
	assert_string_equal(a->have->fdb.ifname, "vxlan_web");
	assert_string_equal(a->reason, "no longer in the configuration");
}

/* Addresses: one added by hand on our bridge stays; one sdnd added and no longer wants goes. */
static void test_addresses(void **state)
{
	struct fx *f = *state;

	load_kernel(f);
	assert_true(feed_addr(&f->cache, RTM_NEWADDR, 10, "10.9.9.9", 24));
	assert_true(feed_addr(&f->cache, RTM_NEWADDR, 10, "fd00:9::9", 64));
	compute(f);
	assert_plan(&f->plan, NO_ACTIONS);

	assert_int_equal(sdnd_owner_set(&f->owner, "addr/web/10.1.0.99/24", "", 0), 0);
	assert_true(feed_addr(&f->cache, RTM_NEWADDR, 10, "10.1.0.99", 24));
	compute(f);
	assert_plan(&f->plan, PLAN("delete addr/web/10.1.0.99/24"));

	/* the gateway removed behind our back: added again */
	assert_true(feed_addr(&f->cache, RTM_DELADDR, 10, "10.1.0.1", 24));
	compute(f);
	assert_plan(&f->plan, PLAN("delete addr/web/10.1.0.99/24", "create addr/web/10.1.0.1/24"));
}

/* A VM's tap plugged into our bridge is not ours: nothing to do about it. */
static void test_foreign_port(void **state)
{
	struct fx *f = *state;

	load_kernel(f);
	assert_true(feed_link(&f->cache, &(struct klink){ .ifname = "tap100i0", .ifindex = 30,
							  .kind = "tun", .mtu = 1450, .up = true,
							  .master = 10, .fwd4 = 0, .fwd6 = 0 }));
	assert_true(feed_link(&f->cache, &(struct klink){ .ifname = "veth101i0", .ifindex = 31,
							  .kind = "veth", .mtu = 1450, .up = false,
							  .master = 20, .fwd4 = 0, .fwd6 = 0 }));
	compute(f);
	assert_int_equal(f->plan.n_conflicts, 0);
	assert_plan(&f->plan, NO_ACTIONS);
}

/* Forwarding turned off by hand, then back on through /proc/sys (RTM_NEWNETCONF). */
static void test_forwarding(void **state)
{
	struct fx *f = *state;

	f->k[L_WEB].fwd4 = 0;
	load_kernel(f);
	compute(f);
	assert_plan(&f->plan, PLAN("update fwd/web/4"));
	assert_int_equal(f->plan.acts[0].changed, SDND_FWD_VALUE);
	assert_int_equal(f->plan.acts[0].have->fwd.value, 0);

	assert_true(feed_netconf(&f->cache, AF_INET, 10, 1));
	assert_false(feed_netconf(&f->cache, AF_INET, 10, 1));
	compute(f);
	assert_plan(&f->plan, NO_ACTIONS);
}

/* Deleted devices, as events: recreated with their children (the kernel flushed them). */
static void test_deleted_by_hand(void **state)
{
	struct fx *f = *state;

	load_kernel(f);
	assert_true(feed_dellink(&f->cache, 11));
	assert_false(feed_dellink(&f->cache, 11));
	assert_null(sdnd_cache_link(&f->cache, "vxlan_web"));
	compute(f);
	assert_plan(&f->plan, PLAN("create link/vxlan_web",
				   "create fdb/vxlan_web/" ZERO_MAC "/192.0.2.2"));

	assert_true(feed_dellink(&f->cache, 20));
	compute(f);
	assert_plan(&f->plan, PLAN("create link/db", "update link/vxlan_db",
				   "create link/vxlan_web",
				   "create fdb/vxlan_web/" ZERO_MAC "/192.0.2.2"));
	/* vxlan_db lost its master with the bridge */
	assert_int_equal(action_for(&f->plan, "link/vxlan_db")->changed, SDND_LINK_MASTER);
}

/*
 * Our bridge renamed by hand: the renamed device is no longer "ours by name" and is left
 * alone; web is created again, its vxlan device moved back to it, its gateway added again.
 */
static void test_renamed_by_hand(void **state)
{
	struct fx *f = *state;
	struct klink k;

	load_kernel(f);
	k = f->k[L_WEB];
	k.ifname = "web-renamed";
	assert_true(feed_link(&f->cache, &k));
	assert_null(sdnd_cache_link(&f->cache, "web"));
	assert_string_equal(sdnd_cache_link_by_index(&f->cache, 10)->ifname, "web-renamed");
	compute(f);
	assert_int_equal(f->plan.n_conflicts, 0);
	assert_plan(&f->plan, PLAN("create link/web", "update link/vxlan_web",
				   "create addr/web/10.1.0.1/24", "create fwd/web/4"));
	assert_string_equal(action_for(&f->plan, "link/vxlan_web")->have->link.master,
			    "web-renamed");
}

/* ---- what `sdnd plan` prints ---- */

/* A fresh fixture within one test. */
static struct fx *reset(void **state)
{
	teardown(state);
	assert_int_equal(setup(state), 0);
	return *state;
}

static void check_format(const struct sdnd_plan *plan, const char *key, const char *want)
{
	const struct sdnd_action *a = action_for(plan, key);
	char line[1024];

	assert_non_null(a);
	sdnd_action_format(a, line, sizeof(line));
	assert_string_equal(line, want);
}

static void test_action_format(void **state)
{
	struct fx *f = *state;
	char small[24];

	/* creates */
	sdnd_owner_free(&f->owner);
	assert_int_equal(sdnd_owner_load(&f->owner, NULL), 0);
	compute(f);
	check_format(&f->plan, "link/web",
		     "create bridge web (vnet web): mtu 1450, alias Web tier, state up, stp off, "
		     "forward-delay 0");
	check_format(&f->plan, "link/vxlan_web",
		     "create vxlan vxlan_web (vnet web): mtu 1450, master web, state up, vni 100, "
		     "port 4789, local 192.0.2.1, learning off");
	check_format(&f->plan, "fdb/vxlan_web/" ZERO_MAC "/192.0.2.2",
		     "create fdb vxlan_web (vnet web): fdb 00:00:00:00:00:00 dst 192.0.2.2");
	check_format(&f->plan, "addr/web/10.1.0.1/24",
		     "create address web (vnet web): address 10.1.0.1/24");
	check_format(&f->plan, "fwd/web/4",
		     "create forwarding web (vnet web): ipv4-forwarding on");
	/* truncation is safe and terminated */
	sdnd_action_format(action_for(&f->plan, "link/vxlan_web"), small, sizeof(small));
	assert_string_equal(small, "create vxlan vxlan_web ");

	/* updates and replaces */
	f = reset(state);
	f->k[L_WEB].mtu = 1400;
	f->k[L_VXWEB].vni = 101;
	f->k[L_VXDB].master = 0;
	f->k[L_DB].up = false;
	load_kernel(f);
	compute(f);
	check_format(&f->plan, "link/web", "update bridge web (vnet web): mtu 1400 -> 1450");
	check_format(&f->plan, "link/db", "update bridge db (vnet db): state down -> up");
	check_format(&f->plan, "link/vxlan_db",
		     "update vxlan vxlan_db (vnet db): master none -> db");
	check_format(&f->plan, "link/vxlan_web",
		     "replace vxlan vxlan_web (vnet web): mtu 1450, master web, state up, "
		     "vni 101 -> 100, port 4789, local 192.0.2.1, learning off "
		     "[VNI, port and local address cannot change in place]");

	/* deletes */
	f = reset(state);
	assert_int_equal(sdnd_owner_set(&f->owner, "addr/web/10.1.0.99/24", "", 0), 0);
	load_kernel(f);
	assert_true(feed_fdb(&f->cache, RTM_NEWNEIGH, 11, zero_mac, "192.0.2.9"));
	assert_true(feed_addr(&f->cache, RTM_NEWADDR, 10, "10.1.0.99", 24));
	sdnd_objset_clear(&f->want);
	want_web(&f->want);
	compute(f);
	check_format(&f->plan, "link/db", "delete bridge db [no longer in the configuration]");
	check_format(&f->plan, "link/vxlan_db",
		     "delete vxlan vxlan_db [no longer in the configuration]");
	check_format(&f->plan, "fdb/vxlan_web/" ZERO_MAC "/192.0.2.9",
		     "delete fdb vxlan_web: fdb 00:00:00:00:00:00 dst 192.0.2.9 "
		     "[no longer in the configuration]");
	check_format(&f->plan, "addr/web/10.1.0.99/24",
		     "delete address web: address 10.1.0.99/24 [no longer in the configuration]");
}

/* Plan and conflicts printed together, as `sdnd plan` shows them. */
static void test_plan_print(void **state)
{
	struct fx *f = *state;
	char *out = NULL;
	size_t len = 0;
	FILE *m;

	sdnd_owner_del(&f->owner, "link/vxlan_db");
	f->k[L_WEB].mtu = 1400;
	load_kernel(f);
	compute(f);
	m = open_memstream(&out, &len);
	assert_non_null(m);
	sdnd_plan_print(&f->plan, m);
	fclose(m);
	assert_string_equal(out,
			    "skip vnet db: interface vxlan_db exists and is not managed by sdnd\n"
			    "update bridge web (vnet web): mtu 1400 -> 1450\n");
	free(out);
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	assert_true(json_object_is_type(v, json_type_string));
	return json_object_get_string(v);
}

static struct json_object *jget(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	assert_true(json_object_object_get_ex(o, key, &v));
	return v;
}

/* The JSON form: one object per action with its changes; conflicts listed. */
static void test_plan_json(void **state)
{
	struct fx *f = *state;
	struct json_object *root, *acts, *conf, *a, *ch, *c;
	size_t i;

	sdnd_owner_del(&f->owner, "link/vxlan_db");
	assert_int_equal(sdnd_owner_set(&f->owner, "addr/web/10.1.0.99/24", "", 0), 0);
	f->k[L_WEB].mtu = 1400;
	f->k[L_VXWEB].ifname = NULL; /* create vxlan_web and its FDB entry */
	load_kernel(f);
	assert_true(feed_addr(&f->cache, RTM_NEWADDR, 10, "10.1.0.99", 24));
	compute(f);

	root = sdnd_plan_to_json(&f->plan);
	assert_non_null(root);
	acts = jget(root, "actions");
	conf = jget(root, "conflicts");
	assert_true(json_object_is_type(acts, json_type_array));
	assert_int_equal(json_object_array_length(acts), f->plan.n);
	assert_int_equal(f->plan.n, 4);

	/* in plan order: delete addr, update web, create vxlan_web, create fdb */
	a = json_object_array_get_idx(acts, 0);
	assert_string_equal(jstr(a, "action"), "delete");
	assert_string_equal(jstr(a, "kind"), "address");
	assert_string_equal(jstr(a, "name"), "web");
	assert_string_equal(jstr(a, "key"), "addr/web/10.1.0.99/24");
	assert_string_equal(jstr(a, "reason"), "no longer in the configuration");
	ch = jget(a, "changes");
	assert_int_equal(json_object_array_length(ch), 1);
	c = json_object_array_get_idx(ch, 0);
	assert_string_equal(jstr(c, "attr"), "address");
	assert_string_equal(jstr(c, "from"), "10.1.0.99/24");
	assert_null(jstr(c, "to"));

	a = json_object_array_get_idx(acts, 1);
	assert_string_equal(jstr(a, "action"), "update");
	assert_string_equal(jstr(a, "kind"), "bridge");
	assert_string_equal(jstr(a, "name"), "web");
	assert_string_equal(jstr(a, "key"), "link/web");
	assert_string_equal(jstr(a, "vnet"), "web");
	assert_string_equal(jstr(a, "reason"), "attributes differ");
	ch = jget(a, "changes");
	assert_int_equal(json_object_array_length(ch), 1);
	c = json_object_array_get_idx(ch, 0);
	assert_string_equal(jstr(c, "attr"), "mtu");
	assert_string_equal(jstr(c, "from"), "1400");
	assert_string_equal(jstr(c, "to"), "1450");

	a = json_object_array_get_idx(acts, 2);
	assert_string_equal(jstr(a, "action"), "create");
	assert_string_equal(jstr(a, "kind"), "vxlan");
	assert_string_equal(jstr(a, "name"), "vxlan_web");
	assert_string_equal(jstr(a, "vnet"), "web");
	ch = jget(a, "changes");
	assert_true(json_object_array_length(ch) >= 7);
	for (i = 0; i < json_object_array_length(ch); i++) {
		c = json_object_array_get_idx(ch, i);
		assert_null(jstr(c, "from"));
		assert_non_null(jstr(c, "to"));
		if (!strcmp(jstr(c, "attr"), "vni"))
			assert_string_equal(jstr(c, "to"), "100");
	}

	a = json_object_array_get_idx(acts, 3);
	assert_string_equal(jstr(a, "action"), "create");
	assert_string_equal(jstr(a, "kind"), "fdb");
	assert_string_equal(jstr(a, "key"), "fdb/vxlan_web/" ZERO_MAC "/192.0.2.2");

	assert_int_equal(json_object_array_length(conf), 1);
	c = json_object_array_get_idx(conf, 0);
	assert_string_equal(jstr(c, "vnet"), "db");
	assert_string_equal(jstr(c, "interface"), "vxlan_db");
	assert_string_equal(jstr(c, "error"),
			    "interface vxlan_db exists and is not managed by sdnd");
	json_object_put(root);
}

/* ---- sdnd_objset ---- */

static void obj_named(struct sdnd_obj *o, size_t i)
{
	memset(o, 0, sizeof(*o));
	o->kind = SDND_KIND_BRIDGE;
	snprintf(o->link.ifname, sizeof(o->link.ifname), "br%zu", i);
	o->link.mtu = (uint32_t)i;
	sdnd_obj_key(o);
}

static void test_objset(void **state)
{
	struct sdnd_objset set = { 0 };
	struct sdnd_obj o, *p;
	size_t i;

	assert_null(sdnd_objset_find(&set, "link/br0"));
	for (i = 0; i < 20000; i++) {
		obj_named(&o, i);
		assert_int_equal(sdnd_objset_add(&set, &o), 0);
	}
	assert_int_equal(set.n, 20000);
	/* a duplicate key is refused and changes nothing */
	obj_named(&o, 1234);
	o.link.mtu = 1;
	assert_int_equal(sdnd_objset_add(&set, &o), -EEXIST);
	assert_int_equal(set.n, 20000);
	for (i = 0; i < 20000; i++) {
		char key[SDND_KEY_MAX];

		snprintf(key, sizeof(key), "link/br%zu", i);
		p = sdnd_objset_find(&set, key);
		assert_non_null(p);
		assert_string_equal(p->key, key);
		assert_int_equal(p->link.mtu, i);
		assert_ptr_equal(p, &set.objs[i]); /* insertion order kept */
	}
	assert_null(sdnd_objset_find(&set, "link/br20000"));
	assert_null(sdnd_objset_find(&set, "link/br"));
	assert_null(sdnd_objset_find(&set, ""));
	sdnd_objset_clear(&set);
	assert_int_equal(set.n, 0);
	assert_null(sdnd_objset_find(&set, "link/br0"));
	/* usable again after clearing */
	obj_named(&o, 0);
	assert_int_equal(sdnd_objset_add(&set, &o), 0);
	assert_non_null(sdnd_objset_find(&set, "link/br0"));
	sdnd_objset_clear(&set);
	sdnd_objset_clear(&set);
}

/* Keys as documented in sdnd/obj.h. */
static void test_obj_keys(void **state)
{
	struct sdnd_obj o = { .kind = SDND_KIND_FDB };
	static const uint8_t mac[6] = { 0xaa, 0xbb, 0xcc, 0x00, 0x01, 0xff };

	sdnd_strlcpy(o.fdb.ifname, "vxlan_web", sizeof(o.fdb.ifname));
	memcpy(o.fdb.mac, mac, 6);
	o.fdb.dst = ip("2001:db8::2");
	sdnd_obj_key(&o);
	assert_string_equal(o.key, "fdb/vxlan_web/aa:bb:cc:00:01:ff/2001:db8::2");
	assert_string_equal(sdnd_obj_ifname(&o), "vxlan_web");
	assert_false(sdnd_obj_is_link(&o));

	o = (struct sdnd_obj){ .kind = SDND_KIND_ADDR };
	sdnd_strlcpy(o.addr.ifname, "web", sizeof(o.addr.ifname));
	o.addr.ip = ip("fd00:1::1");
	o.addr.prefixlen = 64;
	sdnd_obj_key(&o);
	assert_string_equal(o.key, "addr/web/fd00:1::1/64");

	o = (struct sdnd_obj){ .kind = SDND_KIND_FWD };
	sdnd_strlcpy(o.fwd.ifname, "web", sizeof(o.fwd.ifname));
	o.fwd.family = AF_INET6;
	sdnd_obj_key(&o);
	assert_string_equal(o.key, "fwd/web/6");

	o = (struct sdnd_obj){ .kind = SDND_KIND_VXLAN };
	sdnd_strlcpy(o.link.ifname, "vx_storage_1a2b", sizeof(o.link.ifname));
	sdnd_obj_key(&o);
	assert_string_equal(o.key, "link/vx_storage_1a2b");
	assert_true(sdnd_obj_is_link(&o));
}

/* ---- attachments: guest ports sdnd plugs but does not own ---- */

static void attach(struct fx *f, const char *ifname, const char *vnet, bool learning)
{
	struct sdnd_attach a = { .learning = learning };

	sdnd_strlcpy(a.ifname, ifname, sizeof(a.ifname));
	sdnd_strlcpy(a.vnet, vnet, sizeof(a.vnet));
	if (!learning) {
		a.has_mac = true;
		memcpy(a.mac, vm_mac, 6);
	}
	assert_int_equal(sdnd_attachments_put(&f->atts, &a), 0);
}

/* A VM's tap as QEMU leaves it: down, MTU 1500, no master. */
static const struct klink k_tap = { .ifname = "tap100i0", .ifindex = 30, .kind = "tun",
				    .mtu = 1500, .fwd4 = -1, .fwd6 = -1 };
/* The same tap plugged into web (ifindex 10) as an attachment with learning off wants it. */
static const struct klink k_tap_plugged = { .ifname = "tap100i0", .ifindex = 30, .kind = "tun",
					    .mtu = 1450, .up = true, .master = 10, .brport = true,
					    .fwd4 = -1, .fwd6 = -1 };

#define SFDB_KEY "sfdb/tap100i0/52:54:00:12:34:56/0"

static void test_attach_plug(void **state)
{
	struct fx *f = *state;
	const struct sdnd_action *a;
	const char *why;
	char line[512];

	attach(f, "tap100i0", "web", false);
	load_kernel(f);
	feed_link(&f->cache, &k_tap);
	compute(f);
	assert_actions_sane(&f->plan);
	/* plugged first: its forwarding entry needs the port in the bridge */
	assert_plan(&f->plan, PLAN("update port/tap100i0"));
	a = action_for(&f->plan, "port/tap100i0");
	sdnd_action_format(a, line, sizeof(line));
	assert_string_equal(line, "update port tap100i0 (vnet web): master \"\" -> web, "
				  "mtu 1500 -> 1450, state down -> up, learning ? -> off, isolated ? -> off");
	assert_int_equal(sdnd_plan_attach_blocked(&f->atts.a[0], &f->want, &f->cache, &f->owner,
						  &why), SDND_ATTACH_PLUGGED);
	/* the next round, once the kernel announced the port */
	assert_true(feed_link(&f->cache, &k_tap_plugged));
	compute(f);
	assert_plan(&f->plan, PLAN("create " SFDB_KEY));
}

static void test_attach_in_sync(void **state)
{
	struct fx *f = *state;
	struct klink t = k_tap_plugged;

	attach(f, "tap100i0", "web", false);
	load_kernel(f);
	feed_link(&f->cache, &t);
	assert_true(feed_sfdb(&f->cache, RTM_NEWNEIGH, 30, 10, vm_mac, 0));
	compute(f);
	assert_plan(&f->plan, NO_ACTIONS);

	/* moved to another bridge by hand, learning turned on: put back */
	t.master = 20;
	t.port_learning = 1;
	assert_true(feed_link(&f->cache, &t));
	compute(f);
	assert_plan(&f->plan, PLAN("update port/tap100i0"));
	assert_int_equal(f->plan.acts[0].changed, SDND_LINK_MASTER | SDND_LINK_LEARNING);

	/* another static entry on the port while learning is off: not the attachment's */
	t.master = 10;
	t.port_learning = 0;
	assert_true(feed_link(&f->cache, &t));
	assert_true(feed_sfdb(&f->cache, RTM_NEWNEIGH, 30, 10, (const uint8_t[6]){ 2, 0, 0, 0, 0, 9 },
			      0));
	/* the forwarding entry removed by hand */
	assert_true(feed_sfdb(&f->cache, RTM_DELNEIGH, 30, 10, vm_mac, 0));
	compute(f);
	assert_plan(&f->plan, PLAN("delete sfdb/tap100i0/02:00:00:00:00:09/0",
				   "create " SFDB_KEY));
}

/* With learning on, the port's static entries are the operator's business. */
static void test_attach_learning_leaves_static_entries(void **state)
{
	struct fx *f = *state;
	struct klink t = k_tap_plugged;

	attach(f, "tap100i0", "web", true);
	load_kernel(f);
	t.port_learning = 1;
	feed_link(&f->cache, &t);
	assert_true(feed_sfdb(&f->cache, RTM_NEWNEIGH, 30, 10, vm_mac, 0));
	compute(f);
	assert_plan(&f->plan, NO_ACTIONS);
}

/* Nothing to plug: the interface is absent, or its vnet is not here (orphaned). */
static void test_attach_absent_or_orphaned(void **state)
{
	struct fx *f = *state;
	const char *why;

	attach(f, "tap100i0", "web", false);
	attach(f, "tap101i0", "gone", true);
	load_kernel(f);
	feed_link(&f->cache, &(struct klink){ .ifname = "tap101i0", .ifindex = 31, .mtu = 1500,
					      .fwd4 = -1, .fwd6 = -1 });
	compute(f);
	assert_plan(&f->plan, NO_ACTIONS);
	assert_int_equal(sdnd_plan_attach_blocked(&f->atts.a[0], &f->want, &f->cache, &f->owner,
						  &why), SDND_ATTACH_ABSENT);
}

/* sdnd's own devices are never taken for a guest's. */
static void test_attach_own_device(void **state)
{
	struct fx *f = *state;
	const char *why;

	attach(f, "vxlan_db", "web", true);
	load_kernel(f);
	compute(f);
	assert_plan(&f->plan, NO_ACTIONS);
	assert_int_equal(sdnd_plan_attach_blocked(&f->atts.a[0], &f->want, &f->cache, &f->owner,
						  &why), SDND_ATTACH_FAILED);
	assert_non_null(strstr(why, "sdnd's own"));
}

/* A detached port leaves its bridge, once, and only if it is still the same interface there. */
static void test_attach_unplug(void **state)
{
	struct fx *f = *state;
	load_kernel(f);
	feed_link(&f->cache, &k_tap_plugged);
	assert_int_equal(sdnd_attachments_unplug(&f->atts, "tap100i0", "web", 30), 0);
	compute(f);
	assert_actions_sane(&f->plan);
	assert_plan(&f->plan, PLAN("delete port/tap100i0"));
	/* a new interface of that name is not the one that was detached */
	f->atts.unplug[0].ifindex = 29;
	compute(f);
	assert_plan(&f->plan, NO_ACTIONS);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_cache_decodes_kernel),
		T(test_empty_kernel),
		T(test_in_sync),
		T(test_mtu_differs),
		T(test_mtu_drift_event),
		T(test_bridge_down),
		T(test_vxlan_detached),
		T(test_vxlan_wrong_master),
		T(test_alias_and_learning),
		T(test_vxlan_replace),
		T(test_kind_differs_replace),
		T(test_owned_unwanted_deleted),
		T(test_foreign_link_conflict),
		T(test_foreign_vxlan_conflict),
		T(test_adopt_after_crash),
		T(test_adopt_kind_mismatch),
		T(test_ifindex_differs),
		T(test_unwanted_ownership),
		T(test_no_address_delete_on_foreign_device),
		T(test_no_fdb_delete_in_conflicting_vnet),
		T(test_unwanted_fdb),
		T(test_addresses),
		T(test_foreign_port),
		T(test_forwarding),
		T(test_deleted_by_hand),
		T(test_renamed_by_hand),
		T(test_action_format),
		T(test_plan_print),
		T(test_plan_json),
		T(test_attach_plug),
		T(test_attach_in_sync),
		T(test_attach_learning_leaves_static_entries),
		T(test_attach_absent_or_orphaned),
		T(test_attach_own_device),
		T(test_attach_unplug),
		cmocka_unit_test(test_objset),
		cmocka_unit_test(test_obj_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
