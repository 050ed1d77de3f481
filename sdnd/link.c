// SPDX-License-Identifier: GPL-2.0-or-later
/* Generic rtnetlink link attributes (name, MTU, state, alias, master) shared by link kinds. */
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "sdnd/kind.h"
#include "sdnd/util.h"

static const char *const act_names[_SDND_ACT_MAX] = {
	[SDND_ACT_CREATE] = "create",
	[SDND_ACT_UPDATE] = "update",
	[SDND_ACT_REPLACE] = "replace",
	[SDND_ACT_DELETE] = "delete",
};

const char *sdnd_act_to_string(enum sdnd_act_type t)
{
	return (unsigned int)t < _SDND_ACT_MAX ? act_names[t] : NULL;
}

const char *sdnd_vlan_proto_name(uint16_t proto)
{
	return proto == 0x88a8 ? "802.1ad" : "802.1q";
}

static const struct sdnd_kind_ops *const kinds[_SDND_KIND_MAX] = {
	[SDND_KIND_BRIDGE] = &br_bridge_ops,
	[SDND_KIND_VXLAN] = &vxlan_link_ops,
	[SDND_KIND_FDB] = &vxlan_fdb_ops,
	[SDND_KIND_ADDR] = &br_addr_ops,
	[SDND_KIND_FWD] = &br_fwd_ops,
	[SDND_KIND_VLAN] = &vlan_link_ops,
	[SDND_KIND_VETH] = &br_veth_ops,
	[SDND_KIND_VETH_PEER] = &br_veth_peer_ops,
	[SDND_KIND_VIDS] = &vlan_vids_ops,
	[SDND_KIND_PORT] = &br_port_ops,
	[SDND_KIND_BRPROTO] = &br_proto_ops,
	[SDND_KIND_SFDB] = &br_sfdb_ops,
};

const struct sdnd_kind_ops *sdnd_kind_ops(enum sdnd_kind k)
{
	return (unsigned int)k < _SDND_KIND_MAX ? kinds[k] : NULL;
}

const struct sdnd_kind_ops *sdnd_kind_by_info_kind(const char *s)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		if (kinds[i]->parse_info && !strcmp(kinds[i]->name, s))
			return kinds[i];
	return NULL;
}

enum sdnd_diff_result sdnd_link_diff_common(const struct sdnd_link *want,
					    const struct sdnd_link *have, uint32_t *changed)
{
	if (want->mtu && want->mtu != have->mtu)
		*changed |= SDND_LINK_MTU;
	if (want->up && !have->up)
		*changed |= SDND_LINK_UP;
	if (strcmp(want->alias, have->alias))
		*changed |= SDND_LINK_ALIAS;
	if (strcmp(want->master, have->master))
		*changed |= SDND_LINK_MASTER;
	return *changed ? SDND_DIFF_UPDATE : SDND_DIFF_NONE;
}

static size_t add_change(struct sdnd_change *c, size_t n, const char *attr, const char *from,
			 const char *to)
{
	if (n >= SDND_MAX_CHANGES)
		return n;
	c[n].attr = attr;
	snprintf(c[n].from, sizeof(c[n].from), "%s", from);
	snprintf(c[n].to, sizeof(c[n].to), "%s", to);
	return n + 1;
}

size_t sdnd_link_describe_common(const struct sdnd_action *act, struct sdnd_change *c, size_t n)
{
	const struct sdnd_link *w = act->want ? &act->want->link : NULL;
	const struct sdnd_link *h = act->have ? &act->have->link : NULL;
	bool all = act->type == SDND_ACT_CREATE || act->type == SDND_ACT_REPLACE;
	char from[16], to[16];

	if (!w)
		return n;
	if (w->mtu && (all || (act->changed & SDND_LINK_MTU))) {
		snprintf(from, sizeof(from), "%u", h ? h->mtu : 0);
		snprintf(to, sizeof(to), "%u", w->mtu);
		n = add_change(c, n, "mtu", h ? from : "", to);
	}
	if (*w->master && (all || (act->changed & SDND_LINK_MASTER)))
		n = add_change(c, n, "master", h ? (*h->master ? h->master : "none") : "", w->master);
	else if (!*w->master && (act->changed & SDND_LINK_MASTER))
		n = add_change(c, n, "master", h ? h->master : "", "none");
	if (*w->alias && (all || (act->changed & SDND_LINK_ALIAS)))
		n = add_change(c, n, "alias", h ? h->alias : "", w->alias);
	else if (!*w->alias && (act->changed & SDND_LINK_ALIAS))
		n = add_change(c, n, "alias", h ? h->alias : "", "");
	if (w->up && (all || (act->changed & SDND_LINK_UP)))
		n = add_change(c, n, "state", h ? (h->up ? "up" : "down") : "", "up");
	return n;
}

struct nlmsghdr *sdnd_link_encode_common(const struct sdnd_action *act, enum sdnd_act_type step,
					 struct snl_batch *b, const struct sdnd_resolver *res)
{
	const struct sdnd_link *w = act->want ? &act->want->link : NULL;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	bool create = step == SDND_ACT_CREATE;

	nlh = snl_batch_begin(b, step == SDND_ACT_DELETE ? RTM_DELLINK : RTM_NEWLINK,
			      create ? NLM_F_CREATE | NLM_F_EXCL : 0);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	if (step == SDND_ACT_DELETE) {
		ifi->ifi_index = act->have->link.ifindex;
		return nlh;
	}
	/*
	 * An update addresses the device by index alone: with IFLA_IFNAME too, kernels before 6.2
	 * treat it as a rename and refuse it (EBUSY) while the device is up, even to the same name.
	 */
	if (create)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, w->ifname);
	else
		ifi->ifi_index = act->have->link.ifindex;
	if (w->mtu && (act->changed & SDND_LINK_MTU || (create && act->want->kind != SDND_KIND_BRIDGE)))
		mnl_attr_put_u32(nlh, IFLA_MTU, w->mtu);
	if (!create && (act->changed & SDND_LINK_ALIAS))
		mnl_attr_put_strz(nlh, IFLA_IFALIAS, w->alias);
	if (create ? *w->master != '\0' : !!(act->changed & SDND_LINK_MASTER)) {
		int idx = *w->master ? res->ifindex(res->ctx, w->master) : 0;

		if (*w->master && !idx) {
			errno = ENODEV;
			return NULL;
		}
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)idx);
	}
	if (w->up && (create || (act->changed & SDND_LINK_UP))) {
		ifi->ifi_flags = IFF_UP;
		ifi->ifi_change = IFF_UP;
	}
	return nlh;
}

int sdnd_link_encode_finish(const struct sdnd_action *act, enum sdnd_act_type step,
			    struct snl_batch *b, uint32_t tag)
{
	const struct sdnd_link *w = act->want ? &act->want->link : NULL;
	bool bridge = act->want && act->want->kind == SDND_KIND_BRIDGE;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int r = snl_batch_end(b, tag);

	if (r < 0 || step != SDND_ACT_CREATE || (!*w->alias && !(bridge && w->mtu)))
		return r;
	nlh = snl_batch_begin(b, RTM_NEWLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, w->ifname);
	if (*w->alias)
		mnl_attr_put_strz(nlh, IFLA_IFALIAS, w->alias);
	if (!bridge || !w->mtu)
		return snl_batch_end(b, tag);
	/*
	 * A bridge follows its ports' MTU until its own MTU is changed, and setting the value it
	 * already has is no change: step through another value, while it has no port yet.
	 */
	mnl_attr_put_u32(nlh, IFLA_MTU, w->mtu > 68 ? w->mtu - 1 : w->mtu + 1);
	r = snl_batch_end(b, tag);
	if (r < 0)
		return r;
	nlh = snl_batch_begin(b, RTM_NEWLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, w->ifname);
	mnl_attr_put_u32(nlh, IFLA_MTU, w->mtu);
	return snl_batch_end(b, tag);
}

int sdnd_fdb_encode(struct snl_batch *b, bool del, int ifindex, const uint8_t *mac,
		    uint16_t state, uint8_t flags, const struct sdnd_ip *dst, uint16_t vid,
		    uint32_t tag)
{
	struct nlmsghdr *nlh;
	struct ndmsg *ndm;

	nlh = snl_batch_begin(b, del ? RTM_DELNEIGH : RTM_NEWNEIGH,
			      del ? 0 : NLM_F_CREATE | (flags & NTF_SELF ? NLM_F_APPEND :
									     NLM_F_REPLACE));
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = AF_BRIDGE;
	ndm->ndm_ifindex = ifindex;
	ndm->ndm_state = state;
	ndm->ndm_flags = flags;
	mnl_attr_put(nlh, NDA_LLADDR, 6, mac);
	if (dst)
		mnl_attr_put(nlh, NDA_DST, sdnd_ip_len(dst), dst->addr);
	if (vid)
		mnl_attr_put_u16(nlh, NDA_VLAN, vid);
	return snl_batch_end(b, tag);
}

enum sdnd_diff_result sdnd_diff_by_key(const struct sdnd_obj *want, const struct sdnd_obj *have,
				       uint32_t *ret_changed, const char **ret_reason)
{
	*ret_changed = 0;
	return SDND_DIFF_NONE;
}
