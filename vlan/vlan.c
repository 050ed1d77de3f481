// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * 802.1Q/802.1ad sub-interfaces, and the VLAN membership of bridge ports and bridges, programmed
 * as ranges: a port with 4094 VIDs is a handful of attributes in one message.
 */
#include <arpa/inet.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "sdnd/kind.h"
#include "sdnd/util.h"
#include "vlan/vids.h"

/* Pure. Parent, VID and protocol cannot change in place: the device is replaced. */
static enum sdnd_diff_result vl_diff(const struct sdnd_obj *want, const struct sdnd_obj *have,
				     uint32_t *ret_changed, const char **ret_reason)
{
	const struct sdnd_link *w = &want->link, *h = &have->link;
	uint32_t changed = 0;

	if (strcmp(h->kind, "vlan")) {
		*ret_changed = SDND_LINK_KIND;
		*ret_reason = "the device is not a VLAN device";
		return SDND_DIFF_REPLACE;
	}
	sdnd_link_diff_common(w, h, &changed);
	if (strcmp(w->link, h->link))
		changed |= SDND_LINK_PARENT;
	if (w->vid != h->vid)
		changed |= SDND_LINK_VID;
	if (w->vlan_protocol != h->vlan_protocol)
		changed |= SDND_LINK_VLAN_PROTO;
	*ret_changed = changed;
	if (changed & (SDND_LINK_PARENT | SDND_LINK_VID | SDND_LINK_VLAN_PROTO)) {
		*ret_reason = "parent device, VID and protocol cannot change in place";
		return SDND_DIFF_REPLACE;
	}
	*ret_reason = "attributes differ";
	return changed ? SDND_DIFF_UPDATE : SDND_DIFF_NONE;
}

/* Pure. */
static size_t vl_describe(const struct sdnd_action *act, struct sdnd_change *c)
{
	const struct sdnd_link *w = act->want ? &act->want->link : NULL;
	const struct sdnd_link *h = act->have ? &act->have->link : NULL;
	bool all = act->type != SDND_ACT_UPDATE;
	size_t n = sdnd_link_describe_common(act, c, 0);

	if (!w)
		return n;
	if (n < SDND_MAX_CHANGES && (all || (act->changed & SDND_LINK_PARENT))) {
		c[n].attr = "link";
		snprintf(c[n].from, sizeof(c[n].from), "%s", h ? h->link : "");
		snprintf(c[n].to, sizeof(c[n].to), "%s", w->link);
		n++;
	}
	if (n < SDND_MAX_CHANGES && (all || (act->changed & SDND_LINK_VID))) {
		c[n].attr = "id";
		c[n].from[0] = '\0';
		if (h)
			snprintf(c[n].from, sizeof(c[n].from), "%u", h->vid);
		snprintf(c[n].to, sizeof(c[n].to), "%u", w->vid);
		n++;
	}
	if (n < SDND_MAX_CHANGES && (all || (act->changed & SDND_LINK_VLAN_PROTO))) {
		c[n].attr = "protocol";
		snprintf(c[n].from, sizeof(c[n].from), "%s",
			 h ? sdnd_vlan_proto_name(h->vlan_protocol) : "");
		snprintf(c[n].to, sizeof(c[n].to), "%s", sdnd_vlan_proto_name(w->vlan_protocol));
		n++;
	}
	return n;
}

static int vl_encode(const struct sdnd_action *act, enum sdnd_act_type step, struct snl_batch *b,
		     const struct sdnd_resolver *res, uint32_t tag)
{
	const struct sdnd_link *w = act->want ? &act->want->link : NULL;
	struct nlmsghdr *nlh;
	struct nlattr *li, *data;
	int parent;

	if (step == SDND_ACT_CREATE) {
		parent = res->ifindex(res->ctx, w->link);
		if (!parent)
			return -ENODEV;
	}
	nlh = sdnd_link_encode_common(act, step, b, res);
	if (!nlh)
		return -errno;
	if (step == SDND_ACT_CREATE) {
		mnl_attr_put_u32(nlh, IFLA_LINK, (uint32_t)parent);
		li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "vlan");
		data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		mnl_attr_put_u16(nlh, IFLA_VLAN_ID, w->vid);
		mnl_attr_put_u16(nlh, IFLA_VLAN_PROTOCOL, htons(w->vlan_protocol ? w->vlan_protocol :
							     0x8100));
		mnl_attr_nest_end(nlh, data);
		mnl_attr_nest_end(nlh, li);
	}
	return sdnd_link_encode_finish(act, step, b, tag);
}

static int vl_info_cb(const struct nlattr *a, void *data)
{
	struct sdnd_link *l = data;

	switch (mnl_attr_get_type(a)) {
	case IFLA_VLAN_ID:
		if (mnl_attr_validate(a, MNL_TYPE_U16) == 0)
			l->vid = mnl_attr_get_u16(a);
		break;
	case IFLA_VLAN_PROTOCOL:
		if (mnl_attr_validate(a, MNL_TYPE_U16) == 0)
			l->vlan_protocol = ntohs(mnl_attr_get_u16(a));
		break;
	}
	return MNL_CB_OK;
}

/* Pure. */
static void vl_parse_info(const struct nlattr *info_data, struct sdnd_link *l)
{
	mnl_attr_parse_nested(info_data, vl_info_cb, l);
}

const struct sdnd_kind_ops vlan_link_ops = {
	.kind = SDND_KIND_VLAN,
	.name = "vlan",
	.order = 30,
	.diff = vl_diff,
	.describe = vl_describe,
	.encode = vl_encode,
	.parse_info = vl_parse_info,
};

/* Pure. An exact set must match; a subset only needs its VIDs present with their flags. */
static enum sdnd_diff_result vids_diff(const struct sdnd_obj *want, const struct sdnd_obj *have,
				       uint32_t *ret_changed, const char **ret_reason)
{
	uint8_t w[VLAN_VID_COUNT], h[VLAN_VID_COUNT];
	unsigned int vid;
	bool differ = !want->vids.subset && have->vids.overflow;

	vlan_vids_to_map(&want->vids, w);
	vlan_vids_to_map(&have->vids, h);
	for (vid = 1; vid < VLAN_VID_COUNT && !differ; vid++)
		differ = want->vids.subset ? w[vid] && !h[vid] : w[vid] != h[vid];
	*ret_changed = differ ? SDND_VIDS_SET : 0;
	*ret_reason = "VLANs differ";
	return differ ? SDND_DIFF_UPDATE : SDND_DIFF_NONE;
}

/* Pure. */
static size_t vids_describe(const struct sdnd_action *act, struct sdnd_change *c)
{
	const struct sdnd_vids *v = act->want ? &act->want->vids : &act->have->vids;

	c[0].attr = v->self ? "bridge vlans" : "vlans";
	c[0].from[0] = c[0].to[0] = '\0';
	if (v->subset) {
		/* one VID added to (or removed from) a bridge that is not sdnd's */
		c[0].attr = "bridge vlan";
		vlan_vids_format(v, act->want ? c[0].to : c[0].from, sizeof(c[0].to));
		if (act->want && act->have)
			snprintf(c[0].from, sizeof(c[0].from), "missing");
		return 1;
	}
	if (act->have)
		vlan_vids_format(&act->have->vids, c[0].from, sizeof(c[0].from));
	if (act->want)
		vlan_vids_format(&act->want->vids, c[0].to, sizeof(c[0].to));
	return 1;
}

/* One message adding (or deleting) the runs of VIDs marked in sel; returns 0 or -errno. */
static int vids_put(struct snl_batch *b, bool del, int ifindex, bool self, const uint8_t *sel,
		    uint32_t tag)
{
	struct nlmsghdr *nlh = NULL;
	struct nlattr *spec = NULL;
	unsigned int vid = 1, count = 0;
	int r;

	while (vid < VLAN_VID_COUNT) {
		struct bridge_vlan_info vi = { 0 };
		unsigned int lo = vid;
		uint8_t f = sel[vid];

		if (!f) {
			vid++;
			continue;
		}
		vid++;
		if (!(f & BRIDGE_VLAN_INFO_PVID))
			while (vid < VLAN_VID_COUNT && sel[vid] == f)
				vid++;
		if (!nlh) {
			struct ifinfomsg *ifi;

			nlh = snl_batch_begin(b, del ? RTM_DELLINK : RTM_SETLINK, 0);
			ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
			ifi->ifi_family = AF_BRIDGE;
			ifi->ifi_index = ifindex;
			spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
			if (self)
				mnl_attr_put_u16(nlh, IFLA_BRIDGE_FLAGS, BRIDGE_FLAGS_SELF);
		}
		vi.flags = f & (BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED);
		if (lo == vid - 1) {
			vi.vid = (uint16_t)lo;
			mnl_attr_put(nlh, IFLA_BRIDGE_VLAN_INFO, sizeof(vi), &vi);
		} else {
			uint16_t flags = vi.flags;

			vi.flags = flags | BRIDGE_VLAN_INFO_RANGE_BEGIN;
			vi.vid = (uint16_t)lo;
			mnl_attr_put(nlh, IFLA_BRIDGE_VLAN_INFO, sizeof(vi), &vi);
			vi.flags = flags | BRIDGE_VLAN_INFO_RANGE_END;
			vi.vid = (uint16_t)(vid - 1);
			mnl_attr_put(nlh, IFLA_BRIDGE_VLAN_INFO, sizeof(vi), &vi);
		}
		/* keep each message well inside the batch's scratch buffer */
		if (++count == 256) {
			mnl_attr_nest_end(nlh, spec);
			r = snl_batch_end(b, tag);
			if (r < 0)
				return r;
			nlh = NULL;
			count = 0;
		}
	}
	if (!nlh)
		return 0;
	mnl_attr_nest_end(nlh, spec);
	return snl_batch_end(b, tag);
}

/*
 * Deletes first (what is there and not wanted; never for a subset), then adds (what is wanted
 * and missing or flagged differently). A PVID moving from one VID to another is an add.
 */
static int vids_encode(const struct sdnd_action *act, enum sdnd_act_type step,
		       struct snl_batch *b, const struct sdnd_resolver *res, uint32_t tag)
{
	const struct sdnd_vids *w = act->want ? &act->want->vids : NULL;
	const struct sdnd_vids *h = act->have ? &act->have->vids : NULL;
	const struct sdnd_vids *v = w ? w : h;
	uint8_t wm[VLAN_VID_COUNT], hm[VLAN_VID_COUNT], sel[VLAN_VID_COUNT];
	unsigned int vid;
	int idx = res->ifindex(res->ctx, v->ifname), r;

	if (!idx)
		return -ENODEV;
	if (step == SDND_ACT_DELETE) {
		/* an unwanted set: what sdnd added goes */
		if (act->type != SDND_ACT_DELETE)
			return 0;
		vlan_vids_to_map(h, sel);
		return vids_put(b, true, idx, h->self, sel, tag);
	}
	vlan_vids_to_map(w, wm);
	if (h)
		vlan_vids_to_map(h, hm);
	else
		memset(hm, 0, sizeof(hm));
	if (!w->subset) {
		for (vid = 0; vid < VLAN_VID_COUNT; vid++)
			sel[vid] = hm[vid] && !wm[vid] ? VLAN_MAP_PRESENT : 0;
		r = vids_put(b, true, idx, w->self, sel, tag);
		if (r < 0)
			return r;
	}
	for (vid = 0; vid < VLAN_VID_COUNT; vid++)
		sel[vid] = wm[vid] && (w->subset ? !hm[vid] : wm[vid] != hm[vid]) ? wm[vid] : 0;
	return vids_put(b, false, idx, w->self, sel, tag);
}

const struct sdnd_kind_ops vlan_vids_ops = {
	.kind = SDND_KIND_VIDS,
	.name = "vids",
	.order = 35,
	.diff = vids_diff,
	.describe = vids_describe,
	.encode = vids_encode,
};
