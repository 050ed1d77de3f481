// SPDX-License-Identifier: GPL-2.0-or-later
/* VXLAN devices and their head-end replication FDB entries to the zone's other peers. */
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "sdnd/kind.h"
#include "sdnd/util.h"

/* Pure. VNI, port and local address cannot change in place: the device is replaced. */
static enum sdnd_diff_result vx_diff(const struct sdnd_obj *want, const struct sdnd_obj *have,
				     uint32_t *ret_changed, const char **ret_reason)
{
	const struct sdnd_link *w = &want->link, *h = &have->link;
	uint32_t changed = 0;

	if (strcmp(h->kind, "vxlan")) {
		*ret_changed = SDND_LINK_KIND;
		*ret_reason = "the device is not a VXLAN device";
		return SDND_DIFF_REPLACE;
	}
	sdnd_link_diff_common(w, h, &changed);
	if (w->vni != h->vni)
		changed |= SDND_LINK_VNI;
	if (w->port != h->port)
		changed |= SDND_LINK_PORT;
	if (!sdnd_ip_eq(&w->local, &h->local))
		changed |= SDND_LINK_LOCAL;
	if (w->learning != h->learning)
		changed |= SDND_LINK_LEARNING;
	*ret_changed = changed;
	if (changed & (SDND_LINK_VNI | SDND_LINK_PORT | SDND_LINK_LOCAL)) {
		*ret_reason = "VNI, port and local address cannot change in place";
		return SDND_DIFF_REPLACE;
	}
	*ret_reason = "attributes differ";
	return changed ? SDND_DIFF_UPDATE : SDND_DIFF_NONE;
}

/* Pure. */
static size_t vx_describe(const struct sdnd_action *act, struct sdnd_change *c)
{
	const struct sdnd_link *w = act->want ? &act->want->link : NULL;
	const struct sdnd_link *h = act->have ? &act->have->link : NULL;
	bool all = act->type != SDND_ACT_UPDATE;
	char ip[SDND_IP_STRLEN];
	size_t n;

	n = sdnd_link_describe_common(act, c, 0);
	if (!w)
		return n;
#define VX_CHANGE(bit, name, fmt, hv, wv)                                                           \
	do {                                                                                       \
		if (n < SDND_MAX_CHANGES && (all || (act->changed & (bit)))) {                     \
			c[n].attr = name;                                                          \
			c[n].from[0] = '\0';                                                       \
			if (h)                                                                     \
				snprintf(c[n].from, sizeof(c[n].from), fmt, hv);                   \
			snprintf(c[n].to, sizeof(c[n].to), fmt, wv);                               \
			n++;                                                                       \
		}                                                                                  \
	} while (0)
	VX_CHANGE(SDND_LINK_VNI, "vni", "%u", h->vni, w->vni);
	VX_CHANGE(SDND_LINK_PORT, "port", "%u", h->port, w->port);
	VX_CHANGE(SDND_LINK_LOCAL, "local", "%s", sdnd_ip_str(&h->local, ip),
		  sdnd_ip_str(&w->local, ip));
	VX_CHANGE(SDND_LINK_LEARNING, "learning", "%s", h->learning ? "on" : "off",
		  w->learning ? "on" : "off");
#undef VX_CHANGE
	return n;
}

static int vx_encode(const struct sdnd_action *act, enum sdnd_act_type step, struct snl_batch *b,
		     const struct sdnd_resolver *res, uint32_t tag)
{
	bool create = step == SDND_ACT_CREATE;
	const struct sdnd_link *w = act->want ? &act->want->link : NULL;
	struct nlmsghdr *nlh;
	struct nlattr *li, *data;

	nlh = sdnd_link_encode_common(act, step, b, res);
	if (!nlh)
		return -errno;
	if (step != SDND_ACT_DELETE && (create || (act->changed & SDND_LINK_LEARNING))) {
		li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "vxlan");
		data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		if (create) {
			mnl_attr_put_u32(nlh, IFLA_VXLAN_ID, w->vni);
			mnl_attr_put_u16(nlh, IFLA_VXLAN_PORT, htons(w->port));
			if (w->local.family == AF_INET)
				mnl_attr_put(nlh, IFLA_VXLAN_LOCAL, 4, w->local.addr);
			else if (w->local.family == AF_INET6)
				mnl_attr_put(nlh, IFLA_VXLAN_LOCAL6, 16, w->local.addr);
		}
		mnl_attr_put_u8(nlh, IFLA_VXLAN_LEARNING, w->learning);
		mnl_attr_nest_end(nlh, data);
		mnl_attr_nest_end(nlh, li);
	}
	return sdnd_link_encode_finish(act, step, b, tag);
}

static int vx_info_cb(const struct nlattr *a, void *data)
{
	struct sdnd_link *l = data;

	switch (mnl_attr_get_type(a)) {
	case IFLA_VXLAN_ID:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			l->vni = mnl_attr_get_u32(a);
		break;
	case IFLA_VXLAN_PORT:
		if (mnl_attr_validate(a, MNL_TYPE_U16) == 0)
			l->port = ntohs(mnl_attr_get_u16(a));
		break;
	case IFLA_VXLAN_LOCAL:
		if (mnl_attr_get_payload_len(a) == 4) {
			l->local.family = AF_INET;
			memcpy(l->local.addr, mnl_attr_get_payload(a), 4);
		}
		break;
	case IFLA_VXLAN_LOCAL6:
		if (mnl_attr_get_payload_len(a) == 16) {
			l->local.family = AF_INET6;
			memcpy(l->local.addr, mnl_attr_get_payload(a), 16);
		}
		break;
	case IFLA_VXLAN_LEARNING:
		if (mnl_attr_validate(a, MNL_TYPE_U8) == 0)
			l->learning = mnl_attr_get_u8(a);
		break;
	}
	return MNL_CB_OK;
}

/* Pure. */
static void vx_parse_info(const struct nlattr *info_data, struct sdnd_link *l)
{
	mnl_attr_parse_nested(info_data, vx_info_cb, l);
}

const struct sdnd_kind_ops vxlan_link_ops = {
	.kind = SDND_KIND_VXLAN,
	.name = "vxlan",
	.order = 20,
	.diff = vx_diff,
	.describe = vx_describe,
	.encode = vx_encode,
	.parse_info = vx_parse_info,
};

/* Pure. */
static size_t fdb_describe(const struct sdnd_action *act, struct sdnd_change *c)
{
	const struct sdnd_fdb *f = act->want ? &act->want->fdb : &act->have->fdb;
	char ip[SDND_IP_STRLEN], mac[SDND_MAC_STRLEN];
	char *v = act->want ? c[0].to : c[0].from;

	c[0].attr = "fdb";
	c[0].from[0] = c[0].to[0] = '\0';
	snprintf(v, sizeof(c[0].to), "%s dst %s", sdnd_mac_str(f->mac, mac),
		 sdnd_ip_str(&f->dst, ip));
	return 1;
}

static int fdb_encode(const struct sdnd_action *act, enum sdnd_act_type step,
		      struct snl_batch *b, const struct sdnd_resolver *res, uint32_t tag)
{
	bool del = step == SDND_ACT_DELETE;
	const struct sdnd_fdb *f = del ? &act->have->fdb : &act->want->fdb;
	int idx = res->ifindex(res->ctx, f->ifname);

	if (!idx)
		return -ENODEV;
	return sdnd_fdb_encode(b, del, idx, f->mac, NUD_NOARP | NUD_PERMANENT, NTF_SELF, &f->dst,
			       0, tag);
}

const struct sdnd_kind_ops vxlan_fdb_ops = {
	.kind = SDND_KIND_FDB,
	.name = "fdb",
	.order = 40,
	.diff = sdnd_diff_by_key,   /* device, MAC and destination are the entry */
	.describe = fdb_describe,
	.encode = fdb_encode,
};
