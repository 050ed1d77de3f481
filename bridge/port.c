// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Guest ports on sdnd's bridges. The ports are not sdnd's (a VM's tap, a container's veth): an
 * attachment plugs one into its vnet (master, MTU, up, learning, a static forwarding entry for
 * its MAC), and on a vnet with isolate-ports guest ports are isolated from each other and reach
 * only the uplink port, which stays unisolated.
 */
#include <arpa/inet.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include "sdnd/kind.h"
#include "sdnd/util.h"

/* Pure. What is wanted of a port: isolation for every guest port of an isolate-ports vnet,
 * everything else only for an attachment. */
static enum sdnd_diff_result port_diff(const struct sdnd_obj *want, const struct sdnd_obj *have,
				       uint32_t *ret_changed, const char **ret_reason)
{
	const struct sdnd_port *w = &want->port, *h = &have->port;
	uint32_t changed = 0;

	if (w->isolated >= 0 && w->isolated != h->isolated)
		changed |= SDND_PORT_ISOLATED;
	if (w->attached) {
		if (strcmp(w->master, h->master))
			changed |= SDND_LINK_MASTER;
		if (w->mtu && w->mtu != h->mtu)
			changed |= SDND_LINK_MTU;
		if (w->up && !h->up)
			changed |= SDND_LINK_UP;
		if (w->learning != h->learning)
			changed |= SDND_LINK_LEARNING;
	}
	*ret_changed = changed;
	*ret_reason = "the port differs";
	return changed ? SDND_DIFF_UPDATE : SDND_DIFF_NONE;
}

static const char *onoff(int v)
{
	return v < 0 ? "?" : v ? "on" : "off";
}

static void change(struct sdnd_change *c, size_t *n, const char *attr, const char *from,
		   const char *to)
{
	c[*n].attr = attr;
	snprintf(c[*n].from, sizeof(c[*n].from), "%s", from);
	snprintf(c[*n].to, sizeof(c[*n].to), "%s", to);
	(*n)++;
}

/* Pure. */
static size_t port_describe(const struct sdnd_action *act, struct sdnd_change *c)
{
	const struct sdnd_port *w = act->want ? &act->want->port : NULL;
	const struct sdnd_port *h = act->have ? &act->have->port : NULL;
	uint32_t ch = act->type == SDND_ACT_UPDATE ? act->changed : ~0u;
	char from[16], to[16];
	size_t n = 0;

	if (!w) {
		/* an attachment removed: the port leaves its vnet */
		change(c, &n, "master", h->master, "");
		return n;
	}
	if (w->attached && (ch & SDND_LINK_MASTER))
		change(c, &n, "master", h ? h->master : "", w->master);
	if (w->attached && w->mtu && (ch & SDND_LINK_MTU)) {
		snprintf(from, sizeof(from), "%u", h ? h->mtu : 0);
		snprintf(to, sizeof(to), "%u", w->mtu);
		change(c, &n, "mtu", from, to);
	}
	if (w->attached && (ch & SDND_LINK_UP))
		change(c, &n, "state", h && h->up ? "up" : "down", "up");
	if (w->attached && (ch & SDND_LINK_LEARNING))
		change(c, &n, "learning", h ? onoff(h->learning) : "", onoff(w->learning));
	if (w->isolated >= 0 && (ch & SDND_PORT_ISOLATED))
		change(c, &n, "isolated", h ? onoff(h->isolated) : "", onoff(w->isolated));
	return n;
}

/*
 * A guest port is never deleted: it is not sdnd's. Plugging is an RTM_NEWLINK (MTU, up, master)
 * followed by the port flags; a removed attachment (delete) only takes it out of its bridge.
 */
static int port_encode(const struct sdnd_action *act, enum sdnd_act_type step,
		       struct snl_batch *b, const struct sdnd_resolver *res, uint32_t tag)
{
	const struct sdnd_port *w = act->want ? &act->want->port : NULL;
	uint32_t ch = act->type == SDND_ACT_UPDATE ? act->changed : ~0u;
	const struct sdnd_port *p = w ? w : &act->have->port;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	struct nlattr *pi;
	int idx, r;

	if (step == SDND_ACT_DELETE && (act->type != SDND_ACT_DELETE || !p->attached))
		return 0;
	idx = res->ifindex(res->ctx, p->ifname);
	if (!idx)
		return -ENODEV;
	if (!w || (w->attached && (ch & (SDND_LINK_MASTER | SDND_LINK_MTU | SDND_LINK_UP)))) {
		int master = 0;

		if (w) {
			master = res->ifindex(res->ctx, w->master);
			if (!master)
				return -ENODEV;
		}
		nlh = snl_batch_begin(b, RTM_NEWLINK, 0);
		ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
		ifi->ifi_index = idx;
		if (w) {
			ifi->ifi_change = IFF_UP;
			ifi->ifi_flags = IFF_UP;
			if (w->mtu)
				mnl_attr_put_u32(nlh, IFLA_MTU, w->mtu);
		}
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
		r = snl_batch_end(b, tag);
		if (r < 0 || !w)
			return r;
		/* a new port starts with the bridge's defaults: its flags follow */
		if (ch & SDND_LINK_MASTER)
			ch |= SDND_LINK_LEARNING | SDND_PORT_ISOLATED;
	}
	if (!(ch & (SDND_LINK_LEARNING | SDND_PORT_ISOLATED)) || (w->isolated < 0 && !w->attached))
		return 0;
	nlh = snl_batch_begin(b, RTM_SETLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_BRIDGE;
	ifi->ifi_index = idx;
	pi = mnl_attr_nest_start(nlh, IFLA_PROTINFO);
	if (w->isolated >= 0)
		mnl_attr_put_u8(nlh, IFLA_BRPORT_ISOLATED, w->isolated > 0);
	if (w->attached)
		mnl_attr_put_u8(nlh, IFLA_BRPORT_LEARNING, w->learning > 0);
	mnl_attr_nest_end(nlh, pi);
	return snl_batch_end(b, tag);
}

/* After the devices a port may be plugged into, before the port's VLANs. */
const struct sdnd_kind_ops br_port_ops = {
	.kind = SDND_KIND_PORT,
	.name = "port",
	.order = 33,
	.diff = port_diff,
	.describe = port_describe,
	.encode = port_encode,
};

/* Pure. */
static size_t sfdb_describe(const struct sdnd_action *act, struct sdnd_change *c)
{
	const struct sdnd_fdb *f = act->want ? &act->want->fdb : &act->have->fdb;
	char *v = act->want ? c[0].to : c[0].from;
	char mac[SDND_MAC_STRLEN];

	c[0].attr = "static fdb";
	c[0].from[0] = c[0].to[0] = '\0';
	if (f->vid)
		snprintf(v, sizeof(c[0].to), "%s vlan %u", sdnd_mac_str(f->mac, mac), f->vid);
	else
		snprintf(v, sizeof(c[0].to), "%s", sdnd_mac_str(f->mac, mac));
	return 1;
}

static int sfdb_encode(const struct sdnd_action *act, enum sdnd_act_type step,
		       struct snl_batch *b, const struct sdnd_resolver *res, uint32_t tag)
{
	bool del = step == SDND_ACT_DELETE;
	const struct sdnd_fdb *f = del ? &act->have->fdb : &act->want->fdb;
	int idx = res->ifindex(res->ctx, f->ifname);

	if (!idx)
		return -ENODEV;
	return sdnd_fdb_encode(b, del, idx, f->mac, NUD_NOARP, NTF_MASTER, NULL, f->vid, tag);
}

/* After the port's VLANs: the kernel refuses an entry for a VLAN the port is not in. */
const struct sdnd_kind_ops br_sfdb_ops = {
	.kind = SDND_KIND_SFDB,
	.name = "static-fdb",
	.order = 40,
	.diff = sdnd_diff_by_key,   /* port, MAC and VLAN are the entry */
	.describe = sfdb_describe,
	.encode = sfdb_encode,
};

/* Pure. */
static enum sdnd_diff_result proto_diff(const struct sdnd_obj *want, const struct sdnd_obj *have,
					uint32_t *ret_changed, const char **ret_reason)
{
	*ret_changed = want->brproto.vlan_protocol != have->brproto.vlan_protocol ?
			       SDND_LINK_VLAN_PROTO : 0;
	*ret_reason = "the uplink's VLAN protocol differs";
	return *ret_changed ? SDND_DIFF_UPDATE : SDND_DIFF_NONE;
}

/* Pure. */
static size_t proto_describe(const struct sdnd_action *act, struct sdnd_change *c)
{
	c[0].attr = "vlan-protocol";
	snprintf(c[0].from, sizeof(c[0].from), "%s",
		 act->have ? sdnd_vlan_proto_name(act->have->brproto.vlan_protocol) : "");
	/* a delete puts back what the bridge had */
	snprintf(c[0].to, sizeof(c[0].to), "%s",
		 act->want ? sdnd_vlan_proto_name(act->want->brproto.vlan_protocol) :
			     sdnd_vlan_proto_name(act->have->brproto.original));
	return 1;
}

static int proto_encode(const struct sdnd_action *act, enum sdnd_act_type step,
			struct snl_batch *b, const struct sdnd_resolver *res, uint32_t tag)
{
	const struct sdnd_brproto *p = act->want ? &act->want->brproto : &act->have->brproto;
	uint16_t proto = act->want ? p->vlan_protocol : p->original;
	struct nlattr *li, *data;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int idx;

	if (step == SDND_ACT_DELETE && act->type != SDND_ACT_DELETE)
		return 0;
	idx = res->ifindex(res->ctx, p->ifname);
	if (!idx)
		return -ENODEV;
	nlh = snl_batch_begin(b, RTM_NEWLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = idx;
	li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u16(nlh, IFLA_BR_VLAN_PROTOCOL, htons(proto ? proto : 0x8100));
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, li);
	return snl_batch_end(b, tag);
}

/* Before any VLAN device is created on the uplink. */
const struct sdnd_kind_ops br_proto_ops = {
	.kind = SDND_KIND_BRPROTO,
	.name = "bridge-protocol",
	.order = 5,
	.diff = proto_diff,
	.describe = proto_describe,
	.encode = proto_encode,
};
