// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Linux bridge objects: the vnet bridge itself, the gateway addresses on it and per-device
 * forwarding.
 */
#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/rtnetlink.h>

#include "sdnd/kind.h"
#include "sdnd/util.h"

/* Pure: compare generic link attributes and STP/forward delay. */
static enum sdnd_diff_result br_diff(const struct sdnd_obj *want, const struct sdnd_obj *have,
				     uint32_t *ret_changed, const char **ret_reason)
{
	uint32_t changed = 0;

	if (strcmp(have->link.kind, "bridge")) {
		*ret_changed = SDND_LINK_KIND;
		*ret_reason = "the device is not a bridge";
		return SDND_DIFF_REPLACE;
	}
	sdnd_link_diff_common(&want->link, &have->link, &changed);
	if (want->link.stp_state != have->link.stp_state)
		changed |= SDND_LINK_STP;
	if (want->link.forward_delay != have->link.forward_delay)
		changed |= SDND_LINK_FWD_DELAY;
	if (want->link.vlan_filtering != have->link.vlan_filtering)
		changed |= SDND_LINK_VLAN_FILTERING;
	if (want->link.vlan_protocol && want->link.vlan_protocol != have->link.vlan_protocol)
		changed |= SDND_LINK_VLAN_PROTO;
	*ret_changed = changed;
	*ret_reason = "attributes differ";
	return changed ? SDND_DIFF_UPDATE : SDND_DIFF_NONE;
}

/* Pure. */
static size_t br_describe(const struct sdnd_action *act, struct sdnd_change *c)
{
	const struct sdnd_link *w = act->want ? &act->want->link : NULL;
	const struct sdnd_link *h = act->have ? &act->have->link : NULL;
	bool all = act->type != SDND_ACT_UPDATE;
	size_t n;

	n = sdnd_link_describe_common(act, c, 0);
	if (!w)
		return n;
	if (n < SDND_MAX_CHANGES && (all || (act->changed & SDND_LINK_STP))) {
		c[n].attr = "stp";
		snprintf(c[n].from, sizeof(c[n].from), "%s",
			 h ? (h->stp_state ? "on" : "off") : "");
		snprintf(c[n].to, sizeof(c[n].to), "%s", w->stp_state ? "on" : "off");
		n++;
	}
	if (n < SDND_MAX_CHANGES && (all || (act->changed & SDND_LINK_FWD_DELAY))) {
		c[n].attr = "forward-delay";
		if (h)
			snprintf(c[n].from, sizeof(c[n].from), "%u", h->forward_delay);
		else
			c[n].from[0] = '\0';
		snprintf(c[n].to, sizeof(c[n].to), "%u", w->forward_delay);
		n++;
	}
	if (n < SDND_MAX_CHANGES && ((all && w->vlan_filtering) ||
				     (act->changed & SDND_LINK_VLAN_FILTERING))) {
		c[n].attr = "vlan-filtering";
		snprintf(c[n].from, sizeof(c[n].from), "%s",
			 h ? (h->vlan_filtering ? "on" : "off") : "");
		snprintf(c[n].to, sizeof(c[n].to), "%s", w->vlan_filtering ? "on" : "off");
		n++;
	}
	if (n < SDND_MAX_CHANGES && w->vlan_protocol &&
	    (all || (act->changed & SDND_LINK_VLAN_PROTO))) {
		c[n].attr = "vlan-protocol";
		snprintf(c[n].from, sizeof(c[n].from), "%s",
			 h ? sdnd_vlan_proto_name(h->vlan_protocol) : "");
		snprintf(c[n].to, sizeof(c[n].to), "%s",
			 sdnd_vlan_proto_name(w->vlan_protocol));
		n++;
	}
	return n;
}

/*
 * Encode. STP is switched off in a message of its own before the forward delay is set, because
 * the kernel refuses a forward delay under 2 s while STP is on.
 */
static int br_encode(const struct sdnd_action *act, enum sdnd_act_type step, struct snl_batch *b,
		     const struct sdnd_resolver *res, uint32_t tag)
{
	bool create = step == SDND_ACT_CREATE;
	struct nlmsghdr *nlh;
	struct nlattr *li, *data;
	int r;

	if (!create && step != SDND_ACT_DELETE && (act->changed & SDND_LINK_STP) &&
	    (act->changed & SDND_LINK_FWD_DELAY)) {
		struct ifinfomsg *ifi;

		nlh = snl_batch_begin(b, RTM_NEWLINK, 0);
		ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
		ifi->ifi_index = act->have->link.ifindex;
		li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
		data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		mnl_attr_put_u32(nlh, IFLA_BR_STP_STATE, act->want->link.stp_state);
		mnl_attr_nest_end(nlh, data);
		mnl_attr_nest_end(nlh, li);
		r = snl_batch_end(b, tag);
		if (r < 0)
			return r;
	}

	nlh = sdnd_link_encode_common(act, step, b, res);
	if (!nlh)
		return -errno;
	if (step != SDND_ACT_DELETE &&
	    (create || (act->changed & (SDND_LINK_STP | SDND_LINK_FWD_DELAY |
					SDND_LINK_VLAN_FILTERING | SDND_LINK_VLAN_PROTO)))) {
		li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
		data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		if (create || (act->changed & SDND_LINK_STP))
			mnl_attr_put_u32(nlh, IFLA_BR_STP_STATE, act->want->link.stp_state);
		if (create || (act->changed & SDND_LINK_FWD_DELAY))
			mnl_attr_put_u32(nlh, IFLA_BR_FORWARD_DELAY, act->want->link.forward_delay);
		/* kernels without VLAN filtering refuse the attribute even to switch it off */
		if ((create && act->want->link.vlan_filtering) ||
		    (act->changed & SDND_LINK_VLAN_FILTERING))
			mnl_attr_put_u8(nlh, IFLA_BR_VLAN_FILTERING, act->want->link.vlan_filtering);
		if (act->want->link.vlan_protocol &&
		    (create || (act->changed & SDND_LINK_VLAN_PROTO)))
			mnl_attr_put_u16(nlh, IFLA_BR_VLAN_PROTOCOL, htons(act->want->link.vlan_protocol));
		mnl_attr_nest_end(nlh, data);
		mnl_attr_nest_end(nlh, li);
	}
	return sdnd_link_encode_finish(act, step, b, tag);
}

static int br_info_cb(const struct nlattr *a, void *data)
{
	struct sdnd_link *l = data;

	switch (mnl_attr_get_type(a)) {
	case IFLA_BR_STP_STATE:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			l->stp_state = mnl_attr_get_u32(a);
		break;
	case IFLA_BR_FORWARD_DELAY:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			l->forward_delay = mnl_attr_get_u32(a);
		break;
	case IFLA_BR_VLAN_FILTERING:
		if (mnl_attr_validate(a, MNL_TYPE_U8) == 0)
			l->vlan_filtering = mnl_attr_get_u8(a);
		break;
	case IFLA_BR_VLAN_PROTOCOL:
		if (mnl_attr_validate(a, MNL_TYPE_U16) == 0)
			l->vlan_protocol = ntohs(mnl_attr_get_u16(a));
		break;
	}
	return MNL_CB_OK;
}

/* Pure. */
static void br_parse_info(const struct nlattr *info_data, struct sdnd_link *l)
{
	mnl_attr_parse_nested(info_data, br_info_cb, l);
}

const struct sdnd_kind_ops br_bridge_ops = {
	.kind = SDND_KIND_BRIDGE,
	.name = "bridge",
	.order = 10,
	.diff = br_diff,
	.describe = br_describe,
	.encode = br_encode,
	.parse_info = br_parse_info,
};

/* Addresses are identified by their key: equal keys mean equal addresses. Pure. */
static enum sdnd_diff_result addr_diff(const struct sdnd_obj *want, const struct sdnd_obj *have,
				       uint32_t *ret_changed, const char **ret_reason)
{
	*ret_changed = 0;
	return SDND_DIFF_NONE;
}

/* Pure. */
static size_t addr_describe(const struct sdnd_action *act, struct sdnd_change *c)
{
	const struct sdnd_addr *a = act->want ? &act->want->addr : &act->have->addr;
	char ip[SDND_IP_STRLEN];

	c[0].attr = "address";
	snprintf(act->want ? c[0].to : c[0].from, sizeof(c[0].to), "%s/%u",
		 sdnd_ip_str(&a->ip, ip), a->prefixlen);
	if (act->want)
		c[0].from[0] = '\0';
	else
		c[0].to[0] = '\0';
	return 1;
}

static int addr_encode(const struct sdnd_action *act, enum sdnd_act_type step,
		       struct snl_batch *b, const struct sdnd_resolver *res, uint32_t tag)
{
	const struct sdnd_addr *a = step == SDND_ACT_DELETE ? &act->have->addr : &act->want->addr;
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	int idx = res->ifindex(res->ctx, a->ifname);

	if (!idx)
		return -ENODEV;
	nlh = snl_batch_begin(b, step == SDND_ACT_DELETE ? RTM_DELADDR : RTM_NEWADDR,
			      step == SDND_ACT_DELETE ? 0 : NLM_F_CREATE | NLM_F_REPLACE);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)a->ip.family;
	ifa->ifa_prefixlen = a->prefixlen;
	ifa->ifa_index = (uint32_t)idx;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	if (a->ip.family == AF_INET)
		mnl_attr_put(nlh, IFA_LOCAL, 4, a->ip.addr);
	mnl_attr_put(nlh, IFA_ADDRESS, sdnd_ip_len(&a->ip), a->ip.addr);
	return snl_batch_end(b, tag);
}

const struct sdnd_kind_ops br_addr_ops = {
	.kind = SDND_KIND_ADDR,
	.name = "address",
	.order = 50,
	.diff = addr_diff,
	.describe = addr_describe,
	.encode = addr_encode,
};

/* Pure. */
static enum sdnd_diff_result fwd_diff(const struct sdnd_obj *want, const struct sdnd_obj *have,
				      uint32_t *ret_changed, const char **ret_reason)
{
	*ret_changed = want->fwd.value != have->fwd.value ? SDND_FWD_VALUE : 0;
	*ret_reason = "forwarding is off";
	return *ret_changed ? SDND_DIFF_UPDATE : SDND_DIFF_NONE;
}

/* Pure. */
static size_t fwd_describe(const struct sdnd_action *act, struct sdnd_change *c)
{
	const struct sdnd_fwd *w = act->want ? &act->want->fwd : NULL;

	if (!w)
		return 0;
	c[0].attr = w->family == AF_INET6 ? "ipv6-forwarding" : "ipv4-forwarding";
	snprintf(c[0].from, sizeof(c[0].from), "%s",
		 act->have ? (act->have->fwd.value > 0 ? "on" : "off") : "");
	snprintf(c[0].to, sizeof(c[0].to), "%s", w->value ? "on" : "off");
	return 1;
}

/*
 * IPv4 forwarding is set through IFLA_AF_SPEC/IFLA_INET_CONF; IPv6 has no netlink setter for
 * it, so it goes through /proc/sys.
 */
static int fwd_encode(const struct sdnd_action *act, enum sdnd_act_type step, struct snl_batch *b,
		      const struct sdnd_resolver *res, uint32_t tag)
{
	const struct sdnd_fwd *w;
	struct nlattr *spec, *af, *conf;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	char path[128];
	int idx;

	/* Forwarding is never switched off: a device that goes away takes it along. */
	if (step == SDND_ACT_DELETE)
		return 0;
	w = &act->want->fwd;
	idx = res->ifindex(res->ctx, w->ifname);
	if (!idx)
		return -ENODEV;
	if (w->family == AF_INET6) {
		snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/forwarding", w->ifname);
		return snl_batch_sysctl(b, path, w->value ? "1" : "0", tag);
	}
	nlh = snl_batch_begin(b, RTM_NEWLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = idx;
	spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	af = mnl_attr_nest_start(nlh, AF_INET);
	conf = mnl_attr_nest_start(nlh, IFLA_INET_CONF);
	mnl_attr_put_u32(nlh, IPV4_DEVCONF_FORWARDING, (uint32_t)w->value);
	mnl_attr_nest_end(nlh, conf);
	mnl_attr_nest_end(nlh, af);
	mnl_attr_nest_end(nlh, spec);
	return snl_batch_end(b, tag);
}

const struct sdnd_kind_ops br_fwd_ops = {
	.kind = SDND_KIND_FWD,
	.name = "forwarding",
	.order = 60,
	.diff = fwd_diff,
	.describe = fwd_describe,
	.encode = fwd_encode,
};
