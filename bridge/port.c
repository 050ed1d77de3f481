// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Flags of guest ports on sdnd's bridges. The ports are not sdnd's (a VM's tap, a container's
 * veth), the policy is: on a vnet with isolate-ports, guest ports are isolated from each other
 * and reach only the uplink port, which stays unisolated.
 */
#include <arpa/inet.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "sdnd/kind.h"
#include "sdnd/util.h"

/* Pure. */
static enum sdnd_diff_result port_diff(const struct sdnd_obj *want, const struct sdnd_obj *have,
				       uint32_t *ret_changed, const char **ret_reason)
{
	*ret_changed = want->port.isolated != have->port.isolated ? SDND_PORT_ISOLATED : 0;
	*ret_reason = "port flags differ";
	return *ret_changed ? SDND_DIFF_UPDATE : SDND_DIFF_NONE;
}

/* Pure. */
static size_t port_describe(const struct sdnd_action *act, struct sdnd_change *c)
{
	c[0].attr = "isolated";
	snprintf(c[0].from, sizeof(c[0].from), "%s",
		 !act->have ? "" : act->have->port.isolated > 0 ? "on" : "off");
	snprintf(c[0].to, sizeof(c[0].to), "%s",
		 act->want && act->want->port.isolated > 0 ? "on" : "off");
	return 1;
}

static int port_encode(const struct sdnd_action *act, enum sdnd_act_type step,
		       struct snl_batch *b, const struct sdnd_resolver *res, uint32_t tag)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	struct nlattr *pi;
	int idx;

	/* a guest port is never deleted: it is not sdnd's */
	if (step == SDND_ACT_DELETE || !act->want)
		return 0;
	idx = res->ifindex(res->ctx, act->want->port.ifname);
	if (!idx)
		return -ENODEV;
	nlh = snl_batch_begin(b, RTM_SETLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_BRIDGE;
	ifi->ifi_index = idx;
	pi = mnl_attr_nest_start(nlh, IFLA_PROTINFO);
	mnl_attr_put_u8(nlh, IFLA_BRPORT_ISOLATED, act->want->port.isolated > 0);
	mnl_attr_nest_end(nlh, pi);
	return snl_batch_end(b, tag);
}

const struct sdnd_kind_ops br_port_ops = {
	.kind = SDND_KIND_PORT,
	.name = "port",
	.order = 36,
	.diff = port_diff,
	.describe = port_describe,
	.encode = port_encode,
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
