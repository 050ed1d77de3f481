// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bridge/bridge.c, vxlan/vxlan.c, sdnd/link.c: each kind's encode() is parsed back with libmnl
 * and checked message by message (type, flags, header, attributes) as the kernel will read it;
 * parse_info() reads back what encode() wrote; every enum string table is complete.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/veth.h>
#include <linux/ip.h>
#include <linux/neighbour.h>
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

#include "sdnd/kind.h"
#include "sdnd/nl.h"
#include "sdnd/obj.h"
#include "sdnd/reconcile.h"
#include "sdnd/util.h"
#include "vlan/vids.h"

#define TAG 7u
#define MAXATTR 64

/* The fake kernel: web = 10, vxlan_web = 11, db = 20; anything else is unknown. */
static int fake_ifindex(void *ctx, const char *ifname)
{
	static const struct {
		const char *name;
		int idx;
	} t[] = { { "web", 10 }, { "vxlan_web", 11 }, { "db", 20 }, { "vmbr0", 30 },
		  { "vmbr0.100", 31 }, { "pr_web", 32 } };
	size_t i;

	(void)ctx;
	for (i = 0; i < ARRAY_SIZE(t); i++)
		if (!strcmp(t[i].name, ifname))
			return t[i].idx;
	return 0;
}

static const struct sdnd_resolver res = { .ifindex = fake_ifindex };

static struct sdnd_ip ip(const char *s)
{
	struct sdnd_ip r;

	assert_int_equal(sdnd_ip_parse(s, &r), 0);
	return r;
}

/* Request i of b: checks it is one well-formed netlink message with our tag. */
static const struct nlmsghdr *msg(const struct snl_batch *b, size_t i)
{
	const struct nlmsghdr *nlh;

	assert_true(i < b->n);
	assert_int_equal(b->reqs[i].tag, TAG);
	assert_null(b->reqs[i].sysctl_path);
	assert_true(b->reqs[i].len >= sizeof(*nlh));
	assert_true(b->reqs[i].off + b->reqs[i].len <= b->len);
	nlh = (const struct nlmsghdr *)(b->buf + b->reqs[i].off);
	assert_true(mnl_nlmsg_ok(nlh, (int)b->reqs[i].len));
	assert_int_equal(nlh->nlmsg_len, b->reqs[i].len);
	return nlh;
}

struct attrs {
	const struct nlattr *tb[MAXATTR];
	unsigned int count[MAXATTR];
};

static int attr_cb(const struct nlattr *a, void *data)
{
	struct attrs *t = data;
	uint16_t type = mnl_attr_get_type(a);

	assert_true(type < MAXATTR);
	t->tb[type] = a;
	t->count[type]++;
	return MNL_CB_OK;
}

/* Top-level attributes after a family header of hdrlen bytes; each must appear at most once. */
static void parse_msg(const struct nlmsghdr *nlh, size_t hdrlen, struct attrs *t)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	assert_int_equal(mnl_attr_parse(nlh, (unsigned int)hdrlen, attr_cb, t), MNL_CB_OK);
	for (i = 0; i < MAXATTR; i++)
		assert_true(t->count[i] <= 1);
}

static void parse_nest(const struct nlattr *nest, struct attrs *t)
{
	size_t i;

	assert_non_null(nest);
	memset(t, 0, sizeof(*t));
	assert_int_equal(mnl_attr_parse_nested(nest, attr_cb, t), MNL_CB_OK);
	for (i = 0; i < MAXATTR; i++)
		assert_true(t->count[i] <= 1);
}

/* How many attributes t holds. */
static unsigned int n_attrs(const struct attrs *t)
{
	unsigned int i, n = 0;

	for (i = 0; i < MAXATTR; i++)
		n += t->count[i];
	return n;
}

/* IFLA_LINKINFO of a link message: checks IFLA_INFO_KIND, returns IFLA_INFO_DATA's contents. */
static void linkinfo(const struct attrs *t, const char *kind, struct attrs *data,
		     const struct nlattr **ret_data)
{
	struct attrs li;

	parse_nest(t->tb[IFLA_LINKINFO], &li);
	assert_non_null(li.tb[IFLA_INFO_KIND]);
	assert_string_equal(mnl_attr_get_str(li.tb[IFLA_INFO_KIND]), kind);
	parse_nest(li.tb[IFLA_INFO_DATA], data);
	if (ret_data)
		*ret_data = li.tb[IFLA_INFO_DATA];
}

static const struct ifinfomsg *ifi_of(const struct nlmsghdr *nlh)
{
	assert_true(nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(struct ifinfomsg)));
	return mnl_nlmsg_get_payload(nlh);
}

static struct sdnd_obj bridge_obj(const char *name, uint32_t mtu, const char *alias)
{
	struct sdnd_obj o = { .kind = SDND_KIND_BRIDGE };

	sdnd_strlcpy(o.link.ifname, name, sizeof(o.link.ifname));
	sdnd_strlcpy(o.vnet, name, sizeof(o.vnet));
	o.link.mtu = mtu;
	o.link.up = true;
	if (alias)
		sdnd_strlcpy(o.link.alias, alias, sizeof(o.link.alias));
	sdnd_obj_key(&o);
	return o;
}

static struct sdnd_obj vxlan_obj(const char *name, const char *master, uint32_t vni,
				 const char *local)
{
	struct sdnd_obj o = { .kind = SDND_KIND_VXLAN };

	sdnd_strlcpy(o.link.ifname, name, sizeof(o.link.ifname));
	sdnd_strlcpy(o.link.master, master, sizeof(o.link.master));
	sdnd_strlcpy(o.vnet, master, sizeof(o.vnet));
	o.link.mtu = 1450;
	o.link.up = true;
	o.link.vni = vni;
	o.link.port = 4789;
	if (local)
		o.link.local = ip(local);
	o.link.learning = false;
	sdnd_obj_key(&o);
	return o;
}

/* The observed counterpart of a wanted link: same attributes, an ifindex and kind. */
static struct sdnd_obj observed(const struct sdnd_obj *w, int ifindex, const char *kind)
{
	struct sdnd_obj h = *w;

	h.vnet[0] = '\0';
	h.link.ifindex = ifindex;
	sdnd_strlcpy(h.link.kind, kind, sizeof(h.link.kind));
	return h;
}

static int encode(const struct sdnd_action *act, enum sdnd_act_type step, struct snl_batch *b)
{
	const struct sdnd_obj *o = act->want ? act->want : act->have;

	return sdnd_kind_ops(o->kind)->encode(act, step, b, &res, TAG);
}

/*
 * The requests after a bridge create (from request 1 on): each addressed by name without
 * NLM_F_CREATE; the alias (if any) in the first; the MTU stepped through another value and
 * then set to mtu in the last one.
 */
static void check_bridge_followups(const struct snl_batch *b, const char *ifname,
				   const char *alias, uint32_t mtu)
{
	bool other_mtu = false, got_alias = false;
	size_t i;

	assert_true(b->n >= 3);
	for (i = 1; i < b->n; i++) {
		const struct nlmsghdr *nlh = msg(b, i);
		const struct ifinfomsg *ifi = ifi_of(nlh);
		struct attrs t;

		assert_int_equal(nlh->nlmsg_type, RTM_NEWLINK);
		assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
		assert_int_equal(ifi->ifi_index, 0);
		assert_int_equal(ifi->ifi_change, 0);
		parse_msg(nlh, sizeof(*ifi), &t);
		assert_string_equal(mnl_attr_get_str(t.tb[IFLA_IFNAME]), ifname);
		assert_null(t.tb[IFLA_LINKINFO]);
		assert_null(t.tb[IFLA_MASTER]);
		if (t.tb[IFLA_IFALIAS]) {
			assert_non_null(alias);
			assert_string_equal(mnl_attr_get_str(t.tb[IFLA_IFALIAS]), alias);
			got_alias = true;
		}
		assert_non_null(t.tb[IFLA_MTU]);
		if (i + 1 < b->n) {
			if (mnl_attr_get_u32(t.tb[IFLA_MTU]) != mtu)
				other_mtu = true;
		} else {
			assert_int_equal(mnl_attr_get_u32(t.tb[IFLA_MTU]), mtu);
			assert_null(t.tb[IFLA_IFALIAS]);
		}
	}
	assert_true(other_mtu);
	assert_int_equal(got_alias, alias != NULL);
}

/* Bridge create: CREATE|EXCL, name, MTU, up, STP off and forward delay; the alias follows. */
static void test_bridge_create(void **state)
{
	struct sdnd_obj w = bridge_obj("web", 1450, "Web tier");
	struct sdnd_action act = { .type = SDND_ACT_CREATE, .want = &w };
	struct snl_batch b = { 0 };
	const struct nlmsghdr *nlh;
	const struct ifinfomsg *ifi;
	struct attrs t, data;

	w.link.forward_delay = 0;
	w.link.stp_state = 0;
	assert_int_equal(encode(&act, SDND_ACT_CREATE, &b), 0);
	assert_true(b.n >= 3); /* create, then the alias and the MTU by name */

	nlh = msg(&b, 0);
	assert_int_equal(nlh->nlmsg_type, RTM_NEWLINK);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	ifi = ifi_of(nlh);
	assert_int_equal(ifi->ifi_family, AF_UNSPEC);
	assert_int_equal(ifi->ifi_index, 0);
	assert_int_equal(ifi->ifi_flags & IFF_UP, IFF_UP);
	assert_int_equal(ifi->ifi_change & IFF_UP, IFF_UP);
	parse_msg(nlh, sizeof(*ifi), &t);
	assert_string_equal(mnl_attr_get_str(t.tb[IFLA_IFNAME]), "web");
	/* the bridge's MTU is set after creation (below); here it is optional */
	assert_null(t.tb[IFLA_MASTER]);
	assert_null(t.tb[IFLA_IFALIAS]); /* ignored by the kernel on create */
	linkinfo(&t, "bridge", &data, NULL);
	assert_non_null(data.tb[IFLA_BR_STP_STATE]);
	assert_int_equal(mnl_attr_get_u32(data.tb[IFLA_BR_STP_STATE]), 0);
	assert_non_null(data.tb[IFLA_BR_FORWARD_DELAY]);
	assert_int_equal(mnl_attr_get_u32(data.tb[IFLA_BR_FORWARD_DELAY]), 0);
	assert_int_equal(n_attrs(&data), 2);

	/*
	 * Then, by name and without NLM_F_CREATE: the alias (the kernel ignores it on create),
	 * and the MTU set again through another value, so that the kernel records it as set by
	 * the user and the bridge stops following its ports' MTU.
	 */
	check_bridge_followups(&b, "web", "Web tier", 1450);
	snl_batch_free(&b);
}

/* No alias, no MTU wanted: one message, without IFLA_MTU. */
static void test_bridge_create_minimal(void **state)
{
	struct sdnd_obj w = bridge_obj("web", 0, NULL);
	struct sdnd_action act = { .type = SDND_ACT_CREATE, .want = &w };
	struct snl_batch b = { 0 };
	struct attrs t;

	assert_int_equal(encode(&act, SDND_ACT_CREATE, &b), 0);
	assert_int_equal(b.n, 1);
	parse_msg(msg(&b, 0), sizeof(struct ifinfomsg), &t);
	assert_null(t.tb[IFLA_MTU]);
	assert_null(t.tb[IFLA_IFALIAS]);
	assert_non_null(t.tb[IFLA_LINKINFO]);
	snl_batch_free(&b);
}

/* An MTU but no alias: the follow-up requests set the MTU only (no empty alias). */
static void test_bridge_create_mtu_no_alias(void **state)
{
	struct sdnd_obj w = bridge_obj("web", 9000, NULL);
	struct sdnd_action act = { .type = SDND_ACT_CREATE, .want = &w };
	struct snl_batch b = { 0 };
	struct attrs t;

	assert_int_equal(encode(&act, SDND_ACT_CREATE, &b), 0);
	parse_msg(msg(&b, 0), sizeof(struct ifinfomsg), &t);
	assert_int_equal(msg(&b, 0)->nlmsg_flags,
			 NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	check_bridge_followups(&b, "web", NULL, 9000);
	snl_batch_free(&b);
}

/* An update encodes only what changed, addressed by ifindex. */
static void test_bridge_update_only_changed(void **state)
{
	struct sdnd_obj w = bridge_obj("web", 1450, "Web tier");
	struct sdnd_obj h = observed(&w, 10, "bridge");
	struct sdnd_action act = { .type = SDND_ACT_UPDATE, .want = &w, .have = &h };
	struct snl_batch b = { 0 };
	const struct nlmsghdr *nlh;
	const struct ifinfomsg *ifi;
	struct attrs t;

	/* MTU only */
	h.link.mtu = 1400;
	act.changed = SDND_LINK_MTU;
	assert_int_equal(encode(&act, SDND_ACT_UPDATE, &b), 0);
	assert_int_equal(b.n, 1);
	nlh = msg(&b, 0);
	assert_int_equal(nlh->nlmsg_type, RTM_NEWLINK);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	ifi = ifi_of(nlh);
	assert_int_equal(ifi->ifi_index, 10);
	assert_int_equal(ifi->ifi_change, 0);
	parse_msg(nlh, sizeof(*ifi), &t);
	assert_int_equal(mnl_attr_get_u32(t.tb[IFLA_MTU]), 1450);
	assert_null(t.tb[IFLA_LINKINFO]);
	assert_null(t.tb[IFLA_IFALIAS]);
	assert_null(t.tb[IFLA_MASTER]);
	snl_batch_reset(&b);

	/* up only */
	act.changed = SDND_LINK_UP;
	assert_int_equal(encode(&act, SDND_ACT_UPDATE, &b), 0);
	assert_int_equal(b.n, 1);
	nlh = msg(&b, 0);
	ifi = ifi_of(nlh);
	assert_int_equal(ifi->ifi_index, 10);
	assert_int_equal(ifi->ifi_flags, IFF_UP);
	assert_int_equal(ifi->ifi_change, IFF_UP);
	parse_msg(nlh, sizeof(*ifi), &t);
	assert_null(t.tb[IFLA_MTU]);
	assert_null(t.tb[IFLA_LINKINFO]);
	snl_batch_reset(&b);

	/* alias only: in the same message, no second request */
	act.changed = SDND_LINK_ALIAS;
	assert_int_equal(encode(&act, SDND_ACT_UPDATE, &b), 0);
	assert_int_equal(b.n, 1);
	nlh = msg(&b, 0);
	parse_msg(nlh, sizeof(*ifi), &t);
	assert_string_equal(mnl_attr_get_str(t.tb[IFLA_IFALIAS]), "Web tier");
	assert_null(t.tb[IFLA_MTU]);
	assert_int_equal(ifi_of(nlh)->ifi_change, 0);
	snl_batch_reset(&b);

	/* forward delay only: the bridge data carries just that */
	w.link.forward_delay = 200;
	act.changed = SDND_LINK_FWD_DELAY;
	assert_int_equal(encode(&act, SDND_ACT_UPDATE, &b), 0);
	assert_int_equal(b.n, 1);
	{
		struct attrs data;

		parse_msg(msg(&b, 0), sizeof(*ifi), &t);
		linkinfo(&t, "bridge", &data, NULL);
		assert_null(data.tb[IFLA_BR_STP_STATE]);
		assert_int_equal(mnl_attr_get_u32(data.tb[IFLA_BR_FORWARD_DELAY]), 200);
	}
	snl_batch_free(&b);
}

/*
 * STP and forward delay both changed: STP goes first in a message of its own, since the kernel
 * refuses a short forward delay while STP is on.
 */
static void test_bridge_update_stp_first(void **state)
{
	struct sdnd_obj w = bridge_obj("web", 1450, NULL);
	struct sdnd_obj h = observed(&w, 10, "bridge");
	struct sdnd_action act = { .type = SDND_ACT_UPDATE, .want = &w, .have = &h,
				   .changed = SDND_LINK_STP | SDND_LINK_FWD_DELAY };
	struct snl_batch b = { 0 };
	const struct nlmsghdr *nlh;
	struct attrs t, data;

	h.link.stp_state = 1;
	h.link.forward_delay = 1500;
	assert_int_equal(encode(&act, SDND_ACT_UPDATE, &b), 0);
	assert_int_equal(b.n, 2);

	nlh = msg(&b, 0);
	assert_int_equal(nlh->nlmsg_type, RTM_NEWLINK);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	assert_int_equal(ifi_of(nlh)->ifi_index, 10);
	assert_int_equal(ifi_of(nlh)->ifi_family, AF_UNSPEC);
	parse_msg(nlh, sizeof(struct ifinfomsg), &t);
	linkinfo(&t, "bridge", &data, NULL);
	assert_int_equal(mnl_attr_get_u32(data.tb[IFLA_BR_STP_STATE]), 0);
	assert_null(data.tb[IFLA_BR_FORWARD_DELAY]);

	nlh = msg(&b, 1);
	assert_int_equal(ifi_of(nlh)->ifi_index, 10);
	parse_msg(nlh, sizeof(struct ifinfomsg), &t);
	linkinfo(&t, "bridge", &data, NULL);
	assert_int_equal(mnl_attr_get_u32(data.tb[IFLA_BR_FORWARD_DELAY]), 0);
	assert_null(t.tb[IFLA_MTU]);
	snl_batch_free(&b);
}

static void test_bridge_delete(void **state)
{
	struct sdnd_obj w = bridge_obj("old", 1450, "gone");
	struct sdnd_obj h = observed(&w, 33, "bridge");
	struct sdnd_action act = { .type = SDND_ACT_DELETE, .have = &h };
	struct snl_batch b = { 0 };
	const struct nlmsghdr *nlh;
	struct attrs t;

	assert_int_equal(encode(&act, SDND_ACT_DELETE, &b), 0);
	assert_int_equal(b.n, 1);
	nlh = msg(&b, 0);
	assert_int_equal(nlh->nlmsg_type, RTM_DELLINK);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	assert_int_equal(ifi_of(nlh)->ifi_index, 33);
	parse_msg(nlh, sizeof(struct ifinfomsg), &t);
	assert_int_equal(n_attrs(&t), 0);
	snl_batch_free(&b);
}

/* VXLAN create: master by ifindex, VNI, port big-endian, local, learning off. */
static void test_vxlan_create(void **state)
{
	struct sdnd_obj w = vxlan_obj("vxlan_web", "web", 100, "192.0.2.1");
	struct sdnd_action act = { .type = SDND_ACT_CREATE, .want = &w };
	struct snl_batch b = { 0 };
	const struct nlmsghdr *nlh;
	const struct ifinfomsg *ifi;
	struct attrs t, data;
	static const uint8_t local[4] = { 192, 0, 2, 1 };

	assert_int_equal(encode(&act, SDND_ACT_CREATE, &b), 0);
	assert_int_equal(b.n, 1); /* no alias: no second request */
	nlh = msg(&b, 0);
	assert_int_equal(nlh->nlmsg_type, RTM_NEWLINK);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	ifi = ifi_of(nlh);
	assert_int_equal(ifi->ifi_index, 0);
	assert_int_equal(ifi->ifi_flags & IFF_UP, IFF_UP);
	assert_int_equal(ifi->ifi_change & IFF_UP, IFF_UP);
	parse_msg(nlh, sizeof(*ifi), &t);
	assert_string_equal(mnl_attr_get_str(t.tb[IFLA_IFNAME]), "vxlan_web");
	assert_int_equal(mnl_attr_get_u32(t.tb[IFLA_MTU]), 1450);
	assert_non_null(t.tb[IFLA_MASTER]);
	assert_int_equal(mnl_attr_get_u32(t.tb[IFLA_MASTER]), 10);
	linkinfo(&t, "vxlan", &data, NULL);
	assert_int_equal(mnl_attr_get_payload_len(data.tb[IFLA_VXLAN_ID]), 4);
	assert_int_equal(mnl_attr_get_u32(data.tb[IFLA_VXLAN_ID]), 100);
	assert_int_equal(mnl_attr_get_payload_len(data.tb[IFLA_VXLAN_PORT]), 2);
	assert_int_equal(mnl_attr_get_u16(data.tb[IFLA_VXLAN_PORT]), htons(4789));
	assert_int_equal(mnl_attr_get_payload_len(data.tb[IFLA_VXLAN_LOCAL]), 4);
	assert_memory_equal(mnl_attr_get_payload(data.tb[IFLA_VXLAN_LOCAL]), local, 4);
	assert_null(data.tb[IFLA_VXLAN_LOCAL6]);
	assert_int_equal(mnl_attr_get_payload_len(data.tb[IFLA_VXLAN_LEARNING]), 1);
	assert_int_equal(mnl_attr_get_u8(data.tb[IFLA_VXLAN_LEARNING]), 0);
	assert_int_equal(n_attrs(&data), 4);
	snl_batch_free(&b);
}

static void test_vxlan_create_ipv6_local(void **state)
{
	struct sdnd_obj w = vxlan_obj("vxlan_web", "web", 5000, "2001:db8::7");
	struct sdnd_action act = { .type = SDND_ACT_CREATE, .want = &w };
	struct snl_batch b = { 0 };
	struct sdnd_ip want_ip = ip("2001:db8::7");
	struct attrs t, data;

	sdnd_strlcpy(w.link.alias, "tunnel", sizeof(w.link.alias));
	assert_int_equal(encode(&act, SDND_ACT_CREATE, &b), 0);
	assert_int_equal(b.n, 2);
	/* the alias follows; a VXLAN device's MTU is not repeated */
	parse_msg(msg(&b, 1), sizeof(struct ifinfomsg), &t);
	assert_string_equal(mnl_attr_get_str(t.tb[IFLA_IFNAME]), "vxlan_web");
	assert_string_equal(mnl_attr_get_str(t.tb[IFLA_IFALIAS]), "tunnel");
	assert_int_equal(n_attrs(&t), 2);
	parse_msg(msg(&b, 0), sizeof(struct ifinfomsg), &t);
	linkinfo(&t, "vxlan", &data, NULL);
	assert_null(data.tb[IFLA_VXLAN_LOCAL]);
	assert_int_equal(mnl_attr_get_payload_len(data.tb[IFLA_VXLAN_LOCAL6]), 16);
	assert_memory_equal(mnl_attr_get_payload(data.tb[IFLA_VXLAN_LOCAL6]), want_ip.addr, 16);
	snl_batch_free(&b);
}

/* A master the kernel does not know (yet): -ENODEV and nothing queued. */
static void test_vxlan_unknown_master(void **state)
{
	struct sdnd_obj w = vxlan_obj("vxlan_new", "new", 100, "192.0.2.1");
	struct sdnd_obj h = observed(&w, 12, "vxlan");
	struct sdnd_action act = { .type = SDND_ACT_CREATE, .want = &w };
	struct snl_batch b = { 0 };

	assert_int_equal(encode(&act, SDND_ACT_CREATE, &b), -ENODEV);
	assert_int_equal(b.n, 0);

	act = (struct sdnd_action){ .type = SDND_ACT_UPDATE, .want = &w, .have = &h,
				    .changed = SDND_LINK_MASTER };
	h.link.master[0] = '\0';
	assert_int_equal(encode(&act, SDND_ACT_UPDATE, &b), -ENODEV);
	assert_int_equal(b.n, 0);
	snl_batch_free(&b);
}

static void test_vxlan_update(void **state)
{
	struct sdnd_obj w = vxlan_obj("vxlan_web", "web", 100, "192.0.2.1");
	struct sdnd_obj h = observed(&w, 11, "vxlan");
	struct sdnd_action act = { .type = SDND_ACT_UPDATE, .want = &w, .have = &h };
	struct snl_batch b = { 0 };
	const struct nlmsghdr *nlh;
	struct attrs t, data;

	/* re-attach to its bridge */
	h.link.master[0] = '\0';
	act.changed = SDND_LINK_MASTER;
	assert_int_equal(encode(&act, SDND_ACT_UPDATE, &b), 0);
	assert_int_equal(b.n, 1);
	nlh = msg(&b, 0);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	assert_int_equal(ifi_of(nlh)->ifi_index, 11);
	parse_msg(nlh, sizeof(struct ifinfomsg), &t);
	assert_int_equal(mnl_attr_get_u32(t.tb[IFLA_MASTER]), 10);
	assert_null(t.tb[IFLA_LINKINFO]);
	assert_null(t.tb[IFLA_MTU]);
	snl_batch_reset(&b);

	/* learning turned back off: only that in the VXLAN data, never VNI/port/local */
	h.link.learning = true;
	act.changed = SDND_LINK_LEARNING;
	assert_int_equal(encode(&act, SDND_ACT_UPDATE, &b), 0);
	assert_int_equal(b.n, 1);
	parse_msg(msg(&b, 0), sizeof(struct ifinfomsg), &t);
	assert_null(t.tb[IFLA_MASTER]);
	linkinfo(&t, "vxlan", &data, NULL);
	assert_int_equal(mnl_attr_get_u8(data.tb[IFLA_VXLAN_LEARNING]), 0);
	assert_int_equal(n_attrs(&data), 1);
	snl_batch_free(&b);
}

/* A replace is a delete of the old device (by ifindex) then a create. */
static void test_vxlan_replace_steps(void **state)
{
	struct sdnd_obj w = vxlan_obj("vxlan_web", "web", 100, "192.0.2.1");
	struct sdnd_obj h = observed(&w, 11, "vxlan");
	struct sdnd_action act = { .type = SDND_ACT_REPLACE, .want = &w, .have = &h,
				   .changed = SDND_LINK_VNI };
	struct snl_batch b = { 0 };
	struct attrs t, data;

	h.link.vni = 200;
	assert_int_equal(encode(&act, SDND_ACT_DELETE, &b), 0);
	assert_int_equal(encode(&act, SDND_ACT_CREATE, &b), 0);
	assert_int_equal(b.n, 2);
	assert_int_equal(msg(&b, 0)->nlmsg_type, RTM_DELLINK);
	assert_int_equal(ifi_of(msg(&b, 0))->ifi_index, 11);
	assert_int_equal(msg(&b, 1)->nlmsg_type, RTM_NEWLINK);
	assert_int_equal(msg(&b, 1)->nlmsg_flags,
			 NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	parse_msg(msg(&b, 1), sizeof(struct ifinfomsg), &t);
	linkinfo(&t, "vxlan", &data, NULL);
	assert_int_equal(mnl_attr_get_u32(data.tb[IFLA_VXLAN_ID]), 100);
	snl_batch_free(&b);
}

static struct sdnd_obj fdb_obj(const char *ifname, const char *dst)
{
	struct sdnd_obj o = { .kind = SDND_KIND_FDB };

	sdnd_strlcpy(o.fdb.ifname, ifname, sizeof(o.fdb.ifname));
	o.fdb.dst = ip(dst);
	sdnd_obj_key(&o);
	return o;
}

static void check_fdb_msg(const struct nlmsghdr *nlh, uint16_t type, uint16_t flags,
			  const struct sdnd_ip *dst)
{
	static const uint8_t zero[6];
	const struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);
	struct attrs t;

	assert_int_equal(nlh->nlmsg_type, type);
	assert_int_equal(nlh->nlmsg_flags, flags);
	assert_int_equal(ndm->ndm_family, AF_BRIDGE);
	assert_int_equal(ndm->ndm_ifindex, 11);
	assert_int_equal(ndm->ndm_flags, NTF_SELF);
	assert_int_equal(ndm->ndm_state, NUD_PERMANENT | NUD_NOARP);
	parse_msg(nlh, sizeof(*ndm), &t);
	assert_int_equal(mnl_attr_get_payload_len(t.tb[NDA_LLADDR]), 6);
	assert_memory_equal(mnl_attr_get_payload(t.tb[NDA_LLADDR]), zero, 6);
	assert_int_equal(mnl_attr_get_payload_len(t.tb[NDA_DST]), sdnd_ip_len(dst));
	assert_memory_equal(mnl_attr_get_payload(t.tb[NDA_DST]), dst->addr, sdnd_ip_len(dst));
	assert_int_equal(n_attrs(&t), 2);
}

/* Head-end replication entries: appended (several all-zeros entries coexist), SELF, static. */
static void test_fdb(void **state)
{
	struct sdnd_obj w4 = fdb_obj("vxlan_web", "192.0.2.2");
	struct sdnd_obj w6 = fdb_obj("vxlan_web", "2001:db8::2");
	struct sdnd_obj nodev = fdb_obj("vxlan_nope", "192.0.2.2");
	struct sdnd_action act = { .type = SDND_ACT_CREATE, .want = &w4 };
	struct snl_batch b = { 0 };

	assert_int_equal(encode(&act, SDND_ACT_CREATE, &b), 0);
	act.want = &w6;
	assert_int_equal(encode(&act, SDND_ACT_CREATE, &b), 0);
	act = (struct sdnd_action){ .type = SDND_ACT_DELETE, .have = &w4 };
	assert_int_equal(encode(&act, SDND_ACT_DELETE, &b), 0);
	assert_int_equal(b.n, 3);
	check_fdb_msg(msg(&b, 0), RTM_NEWNEIGH,
		      NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_APPEND, &w4.fdb.dst);
	check_fdb_msg(msg(&b, 1), RTM_NEWNEIGH,
		      NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_APPEND, &w6.fdb.dst);
	check_fdb_msg(msg(&b, 2), RTM_DELNEIGH, NLM_F_REQUEST | NLM_F_ACK, &w4.fdb.dst);

	snl_batch_reset(&b);
	act = (struct sdnd_action){ .type = SDND_ACT_CREATE, .want = &nodev };
	assert_int_equal(encode(&act, SDND_ACT_CREATE, &b), -ENODEV);
	assert_int_equal(b.n, 0);
	snl_batch_free(&b);
}

static struct sdnd_obj addr_obj(const char *ifname, const char *addr, uint8_t len)
{
	struct sdnd_obj o = { .kind = SDND_KIND_ADDR };

	sdnd_strlcpy(o.addr.ifname, ifname, sizeof(o.addr.ifname));
	o.addr.ip = ip(addr);
	o.addr.prefixlen = len;
	sdnd_obj_key(&o);
	return o;
}

/* Gateway addresses: IFA_LOCAL + IFA_ADDRESS for IPv4, IFA_ADDRESS for IPv6. */
static void test_addr(void **state)
{
	struct sdnd_obj a4 = addr_obj("web", "10.1.0.1", 24);
	struct sdnd_obj a6 = addr_obj("web", "fd00:1::1", 64);
	struct sdnd_obj nodev = addr_obj("nope", "10.9.0.1", 24);
	struct sdnd_action act = { .type = SDND_ACT_CREATE, .want = &a4 };
	struct snl_batch b = { 0 };
	const struct nlmsghdr *nlh;
	const struct ifaddrmsg *ifa;
	struct attrs t;

	assert_int_equal(encode(&act, SDND_ACT_CREATE, &b), 0);
	act.want = &a6;
	assert_int_equal(encode(&act, SDND_ACT_CREATE, &b), 0);
	act = (struct sdnd_action){ .type = SDND_ACT_DELETE, .have = &a4 };
	assert_int_equal(encode(&act, SDND_ACT_DELETE, &b), 0);
	assert_int_equal(b.n, 3);

	nlh = msg(&b, 0);
	assert_int_equal(nlh->nlmsg_type, RTM_NEWADDR);
	assert_true(nlh->nlmsg_flags & NLM_F_CREATE);
	assert_false(nlh->nlmsg_flags & NLM_F_EXCL);
	ifa = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifa->ifa_family, AF_INET);
	assert_int_equal(ifa->ifa_prefixlen, 24);
	assert_int_equal(ifa->ifa_index, 10);
	assert_int_equal(ifa->ifa_scope, RT_SCOPE_UNIVERSE);
	parse_msg(nlh, sizeof(*ifa), &t);
	assert_int_equal(mnl_attr_get_payload_len(t.tb[IFA_LOCAL]), 4);
	assert_memory_equal(mnl_attr_get_payload(t.tb[IFA_LOCAL]), a4.addr.ip.addr, 4);
	assert_int_equal(mnl_attr_get_payload_len(t.tb[IFA_ADDRESS]), 4);
	assert_memory_equal(mnl_attr_get_payload(t.tb[IFA_ADDRESS]), a4.addr.ip.addr, 4);

	nlh = msg(&b, 1);
	assert_int_equal(nlh->nlmsg_type, RTM_NEWADDR);
	ifa = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifa->ifa_family, AF_INET6);
	assert_int_equal(ifa->ifa_prefixlen, 64);
	assert_int_equal(ifa->ifa_index, 10);
	parse_msg(nlh, sizeof(*ifa), &t);
	assert_null(t.tb[IFA_LOCAL]);
	assert_int_equal(mnl_attr_get_payload_len(t.tb[IFA_ADDRESS]), 16);
	assert_memory_equal(mnl_attr_get_payload(t.tb[IFA_ADDRESS]), a6.addr.ip.addr, 16);

	nlh = msg(&b, 2);
	assert_int_equal(nlh->nlmsg_type, RTM_DELADDR);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	ifa = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifa->ifa_prefixlen, 24);
	assert_int_equal(ifa->ifa_index, 10);

	snl_batch_reset(&b);
	act = (struct sdnd_action){ .type = SDND_ACT_CREATE, .want = &nodev };
	assert_int_equal(encode(&act, SDND_ACT_CREATE, &b), -ENODEV);
	assert_int_equal(b.n, 0);
	snl_batch_free(&b);
}

static struct sdnd_obj fwd_obj(const char *ifname, int family)
{
	struct sdnd_obj o = { .kind = SDND_KIND_FWD };

	sdnd_strlcpy(o.fwd.ifname, ifname, sizeof(o.fwd.ifname));
	o.fwd.family = family;
	o.fwd.value = 1;
	sdnd_obj_key(&o);
	return o;
}

/* IPv4 forwarding over IFLA_AF_SPEC/AF_INET/IFLA_INET_CONF; IPv6 through /proc/sys. */
static void test_fwd(void **state)
{
	struct sdnd_obj f4 = fwd_obj("web", AF_INET);
	struct sdnd_obj f6 = fwd_obj("web", AF_INET6);
	struct sdnd_obj h4 = f4;
	struct sdnd_action act = { .type = SDND_ACT_UPDATE, .want = &f4, .have = &h4,
				   .changed = SDND_FWD_VALUE };
	struct snl_batch b = { 0 };
	const struct nlmsghdr *nlh;
	struct attrs t, spec, inet, conf;

	h4.fwd.value = 0;
	assert_int_equal(encode(&act, SDND_ACT_UPDATE, &b), 0);
	act = (struct sdnd_action){ .type = SDND_ACT_CREATE, .want = &f6 };
	assert_int_equal(encode(&act, SDND_ACT_CREATE, &b), 0);
	assert_int_equal(b.n, 2);

	nlh = msg(&b, 0);
	assert_int_equal(nlh->nlmsg_type, RTM_NEWLINK);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	assert_int_equal(ifi_of(nlh)->ifi_index, 10);
	assert_int_equal(ifi_of(nlh)->ifi_change, 0);
	parse_msg(nlh, sizeof(struct ifinfomsg), &t);
	assert_int_equal(n_attrs(&t), 1);
	parse_nest(t.tb[IFLA_AF_SPEC], &spec);
	assert_int_equal(n_attrs(&spec), 1);
	parse_nest(spec.tb[AF_INET], &inet);
	parse_nest(inet.tb[IFLA_INET_CONF], &conf);
	assert_int_equal(n_attrs(&conf), 1);
	assert_int_equal(mnl_attr_get_payload_len(conf.tb[IPV4_DEVCONF_FORWARDING]), 4);
	assert_int_equal(mnl_attr_get_u32(conf.tb[IPV4_DEVCONF_FORWARDING]), 1);

	assert_int_equal(b.reqs[1].tag, TAG);
	assert_int_equal(b.reqs[1].len, 0);
	assert_non_null(b.reqs[1].sysctl_path);
	assert_string_equal(b.reqs[1].sysctl_path, "/proc/sys/net/ipv6/conf/web/forwarding");
	assert_string_equal(b.reqs[1].sysctl_value, "1");

	/* forwarding is never "deleted" (nor the delete step of a replace): nothing to send */
	snl_batch_reset(&b);
	act = (struct sdnd_action){ .type = SDND_ACT_REPLACE, .want = &f4, .have = &h4 };
	assert_int_equal(encode(&act, SDND_ACT_DELETE, &b), 0);
	assert_int_equal(b.n, 0);
	snl_batch_free(&b);
}

static int fwd_delete_child(void *arg)
{
	struct sdnd_obj h = fwd_obj("web", AF_INET);
	struct sdnd_action act = { .type = SDND_ACT_DELETE, .have = &h };
	struct snl_batch b = { 0 };
	int r = encode(&act, SDND_ACT_DELETE, &b);

	return r == 0 && b.n == 0 ? 0 : 1;
}

/*
 * A delete action has want == NULL: forwarding's encode() must not look at it (nothing to
 * send). Run in a child so that a regression (UBSan abort) fails only this test.
 */
static void test_fwd_delete_action(void **state)
{
	assert_true(test_survives(fwd_delete_child, NULL, 5));
}

static void test_fwd_unknown_device(void **state)
{
	struct sdnd_obj f4 = fwd_obj("nope", AF_INET);
	struct sdnd_obj f6 = fwd_obj("nope", AF_INET6);
	struct sdnd_action act = { .type = SDND_ACT_CREATE, .want = &f4 };
	struct snl_batch b = { 0 };
	size_t n;
	int r;

	assert_int_equal(encode(&act, SDND_ACT_CREATE, &b), -ENODEV);
	assert_int_equal(b.n, 0);
	/*
	 * IPv6 goes through /proc/sys, but the device must still be known: -ENODEV makes the
	 * reconciler wait for the device instead of failing with ENOENT and backing off.
	 */
	act.want = &f6;
	r = encode(&act, SDND_ACT_CREATE, &b);
	n = b.n;
	snl_batch_free(&b);
	assert_int_equal(r, -ENODEV);
	assert_int_equal(n, 0);
}

/* parse_info() reads back the IFLA_INFO_DATA that encode() wrote. */
static void test_parse_info_roundtrip(void **state)
{
	const struct sdnd_kind_ops *br = sdnd_kind_ops(SDND_KIND_BRIDGE);
	const struct sdnd_kind_ops *vx = sdnd_kind_ops(SDND_KIND_VXLAN);
	struct sdnd_obj w = bridge_obj("web", 1450, NULL);
	struct sdnd_obj v4 = vxlan_obj("vxlan_web", "web", 16777215, "192.0.2.1");
	struct sdnd_obj v6 = vxlan_obj("vxlan_web", "web", 1, "2001:db8::9");
	struct sdnd_obj *vs[] = { &v4, &v6 };
	struct sdnd_action act = { .type = SDND_ACT_CREATE, .want = &w };
	struct snl_batch b = { 0 };
	const struct nlattr *data;
	struct attrs t, d;
	struct sdnd_link l;
	size_t i;

	w.link.stp_state = 1;
	w.link.forward_delay = 1500;
	assert_int_equal(encode(&act, SDND_ACT_CREATE, &b), 0);
	parse_msg(msg(&b, 0), sizeof(struct ifinfomsg), &t);
	linkinfo(&t, "bridge", &d, &data);
	memset(&l, 0, sizeof(l));
	br->parse_info(data, &l);
	assert_int_equal(l.stp_state, 1);
	assert_int_equal(l.forward_delay, 1500);
	snl_batch_reset(&b);

	for (i = 0; i < ARRAY_SIZE(vs); i++) {
		vs[i]->link.port = 8472;
		vs[i]->link.learning = i == 0;
		act.want = vs[i];
		assert_int_equal(encode(&act, SDND_ACT_CREATE, &b), 0);
		parse_msg(msg(&b, 0), sizeof(struct ifinfomsg), &t);
		linkinfo(&t, "vxlan", &d, &data);
		memset(&l, 0, sizeof(l));
		vx->parse_info(data, &l);
		assert_int_equal(l.vni, vs[i]->link.vni);
		assert_int_equal(l.port, 8472);
		assert_true(sdnd_ip_eq(&l.local, &vs[i]->link.local));
		assert_int_equal(l.learning, vs[i]->link.learning);
		snl_batch_reset(&b);
	}
	snl_batch_free(&b);

	/* the info kinds the cache dispatches on */
	assert_ptr_equal(sdnd_kind_by_info_kind("bridge"), br);
	assert_ptr_equal(sdnd_kind_by_info_kind("vxlan"), vx);
	assert_ptr_equal(sdnd_kind_by_info_kind("vlan"), &vlan_link_ops);
	assert_null(sdnd_kind_by_info_kind("tun"));
	assert_null(sdnd_kind_by_info_kind("veth"));
	assert_null(sdnd_kind_by_info_kind(""));
}


/* VLAN membership: the VIDs of one message, expanded: map[vid] = flags | VLAN_MAP_PRESENT. */
static void vlan_msg_map(const struct nlmsghdr *nlh, uint16_t type, int ifindex, bool self,
			 uint8_t *map)
{
	const struct ifinfomsg *ifi = ifi_of(nlh);
	const struct nlattr *spec = NULL, *a;
	unsigned int begin = 0, vid;
	bool flags_seen = false;

	assert_int_equal(nlh->nlmsg_type, type);
	assert_int_equal(ifi->ifi_family, AF_BRIDGE);
	assert_int_equal(ifi->ifi_index, ifindex);
	mnl_attr_for_each(a, nlh, sizeof(*ifi))
		if (mnl_attr_get_type(a) == IFLA_AF_SPEC)
			spec = a;
	assert_non_null(spec);
	memset(map, 0, VLAN_VID_COUNT);
	mnl_attr_for_each_nested(a, spec) {
		const struct bridge_vlan_info *vi;

		if (mnl_attr_get_type(a) == IFLA_BRIDGE_FLAGS) {
			assert_int_equal(mnl_attr_get_u16(a), BRIDGE_FLAGS_SELF);
			flags_seen = true;
			continue;
		}
		assert_int_equal(mnl_attr_get_type(a), IFLA_BRIDGE_VLAN_INFO);
		vi = mnl_attr_get_payload(a);
		if (vi->flags & BRIDGE_VLAN_INFO_RANGE_BEGIN) {
			begin = vi->vid;
			continue;
		}
		for (vid = (vi->flags & BRIDGE_VLAN_INFO_RANGE_END) ? begin : vi->vid; vid <= vi->vid;
		     vid++)
			map[vid] = (uint8_t)(VLAN_MAP_PRESENT |
					     (vi->flags & (BRIDGE_VLAN_INFO_PVID |
							   BRIDGE_VLAN_INFO_UNTAGGED)));
	}
	assert_int_equal(flags_seen, self);
}

static struct sdnd_obj vids_obj(const char *ifname, bool self, bool subset)
{
	struct sdnd_obj o = { .kind = SDND_KIND_VIDS };

	sdnd_strlcpy(o.vids.ifname, ifname, sizeof(o.vids.ifname));
	o.vids.self = self;
	o.vids.subset = subset;
	return o;
}

/* A trunk port: 1 PVID untagged + 2-4094 from a port that has 1 PVID untagged, 2-4 and 10, 5000 */
static void test_vids_update_ranges(void **state)
{
	struct sdnd_obj w = vids_obj("vmbr0.100", false, false), h = w;
	struct sdnd_action act = { .type = SDND_ACT_UPDATE, .want = &w, .have = &h };
	struct snl_batch b = { 0 };
	uint8_t map[VLAN_VID_COUNT];
	uint32_t changed;
	const char *reason;
	unsigned int vid;

	assert_int_equal(vlan_vids_add(&w.vids, 1, 1, BRIDGE_VLAN_INFO_PVID |
						       BRIDGE_VLAN_INFO_UNTAGGED), 0);
	assert_int_equal(vlan_vids_add(&w.vids, 2, 4094, 0), 0);
	assert_int_equal(w.vids.n, 2);
	assert_int_equal(vlan_vids_add(&h.vids, 1, 1, BRIDGE_VLAN_INFO_PVID |
						       BRIDGE_VLAN_INFO_UNTAGGED), 0);
	assert_int_equal(vlan_vids_add(&h.vids, 2, 4, 0), 0);
	assert_int_equal(vlan_vids_add(&h.vids, 10, 10, BRIDGE_VLAN_INFO_UNTAGGED), 0);
	assert_int_equal(sdnd_kind_ops(SDND_KIND_VIDS)->diff(&w, &h, &changed, &reason),
			 SDND_DIFF_UPDATE);
	assert_int_equal(encode(&act, SDND_ACT_UPDATE, &b), 0);
	/* nothing to delete: one message adding 5-4094 (10 loses "untagged"), as few ranges */
	assert_int_equal(b.n, 1);
	vlan_msg_map(msg(&b, 0), RTM_SETLINK, 31, false, map);
	for (vid = 1; vid < VLAN_VID_COUNT; vid++)
		assert_int_equal(map[vid], vid >= 5 && vid <= 4094 ? VLAN_MAP_PRESENT : 0);
	snl_batch_free(&b);

	/* and the same set is no change */
	assert_int_equal(sdnd_kind_ops(SDND_KIND_VIDS)->diff(&w, &w, &changed, &reason),
			 SDND_DIFF_NONE);
}

/* VIDs that are there and not wanted are deleted first; a PVID moves by being added. */
static void test_vids_delete_and_pvid(void **state)
{
	struct sdnd_obj w = vids_obj("vmbr0.100", false, false), h = w;
	struct sdnd_action act = { .type = SDND_ACT_UPDATE, .want = &w, .have = &h };
	struct snl_batch b = { 0 };
	uint8_t map[VLAN_VID_COUNT];

	vlan_vids_add(&w.vids, 1, 1, BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED);
	vlan_vids_add(&w.vids, 2, 20, 0);
	vlan_vids_add(&h.vids, 1, 1, BRIDGE_VLAN_INFO_UNTAGGED);
	vlan_vids_add(&h.vids, 2, 30, 0);
	vlan_vids_add(&h.vids, 7, 7, BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED);
	assert_int_equal(encode(&act, SDND_ACT_UPDATE, &b), 0);
	assert_int_equal(b.n, 2);
	vlan_msg_map(msg(&b, 0), RTM_DELLINK, 31, false, map);
	assert_int_equal(map[20], 0);
	assert_int_equal(map[21], VLAN_MAP_PRESENT);
	assert_int_equal(map[30], VLAN_MAP_PRESENT);
	assert_int_equal(map[31], 0);
	vlan_msg_map(msg(&b, 1), RTM_SETLINK, 31, false, map);
	assert_int_equal(map[1], VLAN_MAP_PRESENT | BRIDGE_VLAN_INFO_PVID |
					 BRIDGE_VLAN_INFO_UNTAGGED);
	assert_int_equal(map[7], VLAN_MAP_PRESENT);
	assert_int_equal(map[2], 0);
	snl_batch_free(&b);
}

/* A VID sdnd adds to a bridge that is not its own: only added if missing, never others removed. */
static void test_vids_subset_self(void **state)
{
	struct sdnd_obj w = vids_obj("vmbr0", true, true), h = w;
	struct sdnd_action act = { .type = SDND_ACT_UPDATE, .want = &w, .have = &h };
	struct snl_batch b = { 0 };
	uint8_t map[VLAN_VID_COUNT];
	uint32_t changed;
	const char *reason;

	vlan_vids_add(&w.vids, 100, 100, 0);
	sdnd_obj_key(&w);
	assert_string_equal(w.key, "vid/vmbr0/100");
	vlan_vids_add(&h.vids, 1, 1, BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED);
	vlan_vids_add(&h.vids, 200, 200, 0);
	assert_int_equal(sdnd_kind_ops(SDND_KIND_VIDS)->diff(&w, &h, &changed, &reason),
			 SDND_DIFF_UPDATE);
	assert_int_equal(encode(&act, SDND_ACT_UPDATE, &b), 0);
	assert_int_equal(b.n, 1);
	vlan_msg_map(msg(&b, 0), RTM_SETLINK, 30, true, map);
	assert_int_equal(map[100], VLAN_MAP_PRESENT);
	assert_int_equal(map[1] | map[200], 0);
	snl_batch_free(&b);

	/* present with other flags: still nothing to do */
	vlan_vids_add(&h.vids, 100, 100, BRIDGE_VLAN_INFO_UNTAGGED);
	assert_int_equal(sdnd_kind_ops(SDND_KIND_VIDS)->diff(&w, &h, &changed, &reason),
			 SDND_DIFF_NONE);

	/* no longer wanted: the delete removes just that VID */
	act = (struct sdnd_action){ .type = SDND_ACT_DELETE, .have = &w };
	assert_int_equal(encode(&act, SDND_ACT_DELETE, &b), 0);
	assert_int_equal(b.n, 1);
	vlan_msg_map(msg(&b, 0), RTM_DELLINK, 30, true, map);
	assert_int_equal(map[100], VLAN_MAP_PRESENT);
	snl_batch_free(&b);
}

/* More ranges than fit are reported as overflow, which makes any exact set differ. */
static void test_vids_overflow(void **state)
{
	struct sdnd_obj w = vids_obj("vmbr0.100", false, false), h = w;
	uint8_t map[VLAN_VID_COUNT] = { 0 };
	uint32_t changed;
	const char *reason;
	unsigned int vid;
	char buf[256];

	for (vid = 2; vid < 2 + 2 * (SDND_VID_RANGES + 3); vid += 2)
		map[vid] = VLAN_MAP_PRESENT;
	vlan_vids_from_map(map, &h.vids);
	assert_true(h.vids.overflow);
	assert_int_equal(h.vids.n, SDND_VID_RANGES);
	vlan_vids_to_map(&h.vids, map);
	memcpy(&w.vids, &h.vids, sizeof(w.vids));
	w.vids.overflow = false;
	assert_int_equal(sdnd_kind_ops(SDND_KIND_VIDS)->diff(&w, &h, &changed, &reason),
			 SDND_DIFF_UPDATE);
	assert_string_equal(vlan_vids_format(&(struct sdnd_vids){ .n = 2, .r = {
				{ 1, 1, BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED },
				{ 2, 4094, 0 } } }, buf, sizeof(buf)), "1 pvid untagged, 2-4094");
}

/* An 802.1Q/802.1ad device: parent, VID and protocol in its create; they round-trip. */
static void test_vlan_create(void **state)
{
	struct sdnd_obj w = { .kind = SDND_KIND_VLAN };
	struct sdnd_action act = { .type = SDND_ACT_CREATE, .want = &w };
	struct snl_batch b = { 0 };
	struct attrs t, data;
	const struct nlattr *raw;
	struct sdnd_link back = { 0 };

	sdnd_strlcpy(w.link.ifname, "vmbr0.100", sizeof(w.link.ifname));
	sdnd_strlcpy(w.link.master, "web", sizeof(w.link.master));
	sdnd_strlcpy(w.link.link, "vmbr0", sizeof(w.link.link));
	w.link.vid = 100;
	w.link.vlan_protocol = 0x88a8;
	w.link.up = true;
	assert_int_equal(encode(&act, SDND_ACT_CREATE, &b), 0);
	assert_int_equal(msg(&b, 0)->nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL),
			 NLM_F_CREATE | NLM_F_EXCL);
	parse_msg(msg(&b, 0), sizeof(struct ifinfomsg), &t);
	assert_int_equal(mnl_attr_get_u32(t.tb[IFLA_LINK]), 30);
	assert_int_equal(mnl_attr_get_u32(t.tb[IFLA_MASTER]), 10);
	linkinfo(&t, "vlan", &data, &raw);
	assert_int_equal(mnl_attr_get_u16(data.tb[IFLA_VLAN_ID]), 100);
	assert_int_equal(ntohs(mnl_attr_get_u16(data.tb[IFLA_VLAN_PROTOCOL])), 0x88a8);
	vlan_link_ops.parse_info(raw, &back);
	assert_int_equal(back.vid, 100);
	assert_int_equal(back.vlan_protocol, 0x88a8);
	snl_batch_free(&b);

	/* an unknown parent: wait for it */
	sdnd_strlcpy(w.link.link, "nope", sizeof(w.link.link));
	assert_int_equal(encode(&act, SDND_ACT_CREATE, &b), -ENODEV);
	assert_int_equal(b.n, 0);
	snl_batch_free(&b);
}

/* A veth pair is created from its near end, naming the far end; the far end is then configured. */
static void test_veth(void **state)
{
	struct sdnd_obj w = { .kind = SDND_KIND_VETH }, p = { .kind = SDND_KIND_VETH_PEER };
	struct sdnd_action act = { .type = SDND_ACT_CREATE, .want = &w };
	struct snl_batch b = { 0 };
	struct attrs t, data, peer;
	const struct nlattr *raw;

	sdnd_strlcpy(w.link.ifname, "ln_web", sizeof(w.link.ifname));
	sdnd_strlcpy(w.link.link, "pr_web", sizeof(w.link.link));
	sdnd_strlcpy(w.link.master, "web", sizeof(w.link.master));
	w.link.up = true;
	assert_int_equal(encode(&act, SDND_ACT_CREATE, &b), 0);
	parse_msg(msg(&b, 0), sizeof(struct ifinfomsg), &t);
	assert_string_equal(mnl_attr_get_str(t.tb[IFLA_IFNAME]), "ln_web");
	linkinfo(&t, "veth", &data, &raw);
	assert_non_null(data.tb[VETH_INFO_PEER]);
	memset(&peer, 0, sizeof(peer));
	assert_int_equal(mnl_attr_parse_payload((const char *)mnl_attr_get_payload(
							data.tb[VETH_INFO_PEER]) +
						sizeof(struct ifinfomsg),
						mnl_attr_get_payload_len(data.tb[VETH_INFO_PEER]) -
						sizeof(struct ifinfomsg), attr_cb, &peer),
			 MNL_CB_OK);
	assert_string_equal(mnl_attr_get_str(peer.tb[IFLA_IFNAME]), "pr_web");
	snl_batch_free(&b);

	/* the far end: an update by index, no NLM_F_CREATE */
	sdnd_strlcpy(p.link.ifname, "pr_web", sizeof(p.link.ifname));
	sdnd_strlcpy(p.link.master, "db", sizeof(p.link.master));
	p.link.mtu = 1400;
	p.link.up = true;
	act = (struct sdnd_action){ .type = SDND_ACT_CREATE, .want = &p };
	assert_int_equal(encode(&act, SDND_ACT_CREATE, &b), 0);
	assert_int_equal(b.n, 1);
	assert_int_equal(msg(&b, 0)->nlmsg_flags & NLM_F_CREATE, 0);
	assert_int_equal(ifi_of(msg(&b, 0))->ifi_index, 32);
	parse_msg(msg(&b, 0), sizeof(struct ifinfomsg), &t);
	assert_int_equal(mnl_attr_get_u32(t.tb[IFLA_MASTER]), 20);
	assert_int_equal(mnl_attr_get_u32(t.tb[IFLA_MTU]), 1400);
	assert_int_equal(ifi_of(msg(&b, 0))->ifi_flags & IFF_UP, IFF_UP);
	snl_batch_free(&b);
}

/* Every enum has a complete string table, and out-of-range values give NULL. */
static void test_enum_tables(void **state)
{
	unsigned int i, j;

	for (i = 0; i < _SDND_KIND_MAX; i++) {
		assert_non_null(sdnd_kind_to_string((enum sdnd_kind)i));
		assert_true(*sdnd_kind_to_string((enum sdnd_kind)i));
		for (j = 0; j < i; j++)
			assert_string_not_equal(sdnd_kind_to_string((enum sdnd_kind)i),
						sdnd_kind_to_string((enum sdnd_kind)j));
	}
	assert_null(sdnd_kind_to_string(_SDND_KIND_MAX));
	assert_null(sdnd_kind_to_string((enum sdnd_kind)-1));
	assert_string_equal(sdnd_kind_to_string(SDND_KIND_BRIDGE), "bridge");
	assert_string_equal(sdnd_kind_to_string(SDND_KIND_VXLAN), "vxlan");

	for (i = 0; i < _SDND_ACT_MAX; i++) {
		assert_non_null(sdnd_act_to_string((enum sdnd_act_type)i));
		assert_true(*sdnd_act_to_string((enum sdnd_act_type)i));
	}
	assert_null(sdnd_act_to_string(_SDND_ACT_MAX));
	assert_string_equal(sdnd_act_to_string(SDND_ACT_CREATE), "create");
	assert_string_equal(sdnd_act_to_string(SDND_ACT_UPDATE), "update");
	assert_string_equal(sdnd_act_to_string(SDND_ACT_REPLACE), "replace");
	assert_string_equal(sdnd_act_to_string(SDND_ACT_DELETE), "delete");

	for (i = 0; i < _SDND_STATE_MAX; i++) {
		assert_non_null(sdnd_state_to_string((enum sdnd_obj_state)i));
		assert_true(*sdnd_state_to_string((enum sdnd_obj_state)i));
	}
	assert_null(sdnd_state_to_string(_SDND_STATE_MAX));
}

/* The kind table: indexed by kind, every hook a kind needs, creates in dependency order. */
static void test_kind_table(void **state)
{
	unsigned int i;

	for (i = 0; i < _SDND_KIND_MAX; i++) {
		const struct sdnd_kind_ops *ops = sdnd_kind_ops((enum sdnd_kind)i);

		assert_non_null(ops);
		assert_int_equal(ops->kind, i);
		assert_string_equal(ops->name, sdnd_kind_to_string((enum sdnd_kind)i));
		assert_non_null(ops->diff);
		assert_non_null(ops->describe);
		assert_non_null(ops->encode);
		/* the link kinds with attributes in IFLA_INFO_DATA (a veth has none) */
		if (i == SDND_KIND_BRIDGE || i == SDND_KIND_VXLAN || i == SDND_KIND_VLAN)
			assert_non_null(ops->parse_info);
		else
			assert_null(ops->parse_info);
	}
	assert_null(sdnd_kind_ops(_SDND_KIND_MAX));
	/* bridge -> vxlan device -> FDB; addresses and forwarding once the bridge exists */
	assert_true(sdnd_kind_ops(SDND_KIND_BRIDGE)->order < sdnd_kind_ops(SDND_KIND_VXLAN)->order);
	assert_true(sdnd_kind_ops(SDND_KIND_VXLAN)->order < sdnd_kind_ops(SDND_KIND_FDB)->order);
	assert_true(sdnd_kind_ops(SDND_KIND_BRIDGE)->order < sdnd_kind_ops(SDND_KIND_ADDR)->order);
	assert_true(sdnd_kind_ops(SDND_KIND_ADDR)->order < sdnd_kind_ops(SDND_KIND_FWD)->order);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bridge_create),
		cmocka_unit_test(test_bridge_create_minimal),
		cmocka_unit_test(test_bridge_create_mtu_no_alias),
		cmocka_unit_test(test_bridge_update_only_changed),
		cmocka_unit_test(test_bridge_update_stp_first),
		cmocka_unit_test(test_bridge_delete),
		cmocka_unit_test(test_vxlan_create),
		cmocka_unit_test(test_vxlan_create_ipv6_local),
		cmocka_unit_test(test_vxlan_unknown_master),
		cmocka_unit_test(test_vxlan_update),
		cmocka_unit_test(test_vxlan_replace_steps),
		cmocka_unit_test(test_fdb),
		cmocka_unit_test(test_addr),
		cmocka_unit_test(test_fwd),
		cmocka_unit_test(test_fwd_delete_action),
		cmocka_unit_test(test_fwd_unknown_device),
		cmocka_unit_test(test_parse_info_roundtrip),
		cmocka_unit_test(test_enum_tables),
		cmocka_unit_test(test_kind_table),
		cmocka_unit_test(test_vids_update_ranges),
		cmocka_unit_test(test_vids_delete_and_pvid),
		cmocka_unit_test(test_vids_subset_self),
		cmocka_unit_test(test_vids_overflow),
		cmocka_unit_test(test_vlan_create),
		cmocka_unit_test(test_veth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
