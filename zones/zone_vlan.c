// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vlan zone: each vnet is a VLAN (its tag) of an uplink bridge that is not sdnd's.
 *
 * VLAN-aware uplink:              plain uplink (P: the uplink's physical port):
 *
 *   <vnet> --- <uplink>.<tag>       <vnet> --- ln_<vnet> ~~ pr_<vnet> --- <uplink>v<tag> --- P.<tag>
 *   (guests)   (802.1Q on the      (guests)   (veth pair)                (bridge)           (802.1Q
 *               uplink bridge;                                                                on P)
 *               the uplink gets the VID)
 */
#include "zones/expand.h"

#include <linux/if_bridge.h>

#include "sdnd/util.h"

/* An 802.1Q/802.1ad device vid on parent, port of master. */
int zone_add_vlan_dev(struct sdnd_objset *out, const char *ifname, const char *parent,
		      uint16_t vid, uint16_t proto, const char *master, uint32_t mtu,
		      const char *vnet)
{
	struct sdnd_obj o;

	zone_link_init(&o, SDND_KIND_VLAN, ifname, master, mtu);
	sdnd_strlcpy(o.link.link, parent, sizeof(o.link.link));
	o.link.vid = vid;
	o.link.vlan_protocol = proto ? proto : ZONE_ETH_P_8021Q;
	return zone_add_obj(out, &o, vnet);
}

/* A veth pair: near end on near_master, far end on far_master (may be NULL). */
int zone_add_veth(struct sdnd_objset *out, const char *near, const char *near_master,
		  const char *far, const char *far_master, uint32_t mtu, const char *vnet)
{
	struct sdnd_obj o;
	int r;

	zone_link_init(&o, SDND_KIND_VETH, near, near_master, mtu);
	sdnd_strlcpy(o.link.link, far, sizeof(o.link.link));
	r = zone_add_obj(out, &o, vnet);
	if (r < 0)
		return r;
	zone_link_init(&o, SDND_KIND_VETH_PEER, far, far_master, mtu);
	sdnd_strlcpy(o.link.link, near, sizeof(o.link.link));
	return zone_add_obj(out, &o, vnet);
}

/* One VID on a bridge that is not sdnd's (its own entry); recorded so it can go again. */
int zone_add_uplink_vid(struct sdnd_objset *out, const char *bridge, uint16_t vid,
			const char *vnet)
{
	struct sdnd_obj o = { .kind = SDND_KIND_VIDS };
	int r;

	sdnd_strlcpy(o.vids.ifname, bridge, sizeof(o.vids.ifname));
	o.vids.self = true;
	o.vids.subset = true;
	o.vids.n = 1;
	o.vids.r[0] = (struct sdnd_vid_range){ vid, vid, 0 };
	r = zone_add_obj(out, &o, vnet);
	return r == -EEXIST ? 0 : r; /* the same VID serves several zones */
}

/* Pure. */
static int vlan_expand(const struct zone_zone *z, const struct zone_vnet *v,
		       const struct zone_env *env, struct sdnd_objset *out)
{
	const struct zone_local_link *up = env ? zone_env_link(env, z->bridge) : NULL;
	uint32_t mtu = zone_uplink_mtu(z, env);
	uint16_t tag = (uint16_t)v->tag;
	char suffix[8], dev[IFNAMSIZ], vbr[IFNAMSIZ], ln[IFNAMSIZ], pr[IFNAMSIZ];
	const char *port;
	int r;

	r = zone_expand_bridge(v, mtu, out);
	if (r < 0)
		return r;
	snprintf(suffix, sizeof(suffix), ".%u", tag);
	if (!up || up->vlan_filtering) {
		/* the vnet's port is a VLAN of the uplink bridge itself */
		zone_ifname(dev, "", z->bridge, suffix);
		r = zone_add_vlan_dev(out, dev, z->bridge, tag, ZONE_ETH_P_8021Q, v->name, mtu,
				      v->name);
		if (r == 0)
			r = zone_add_uplink_vid(out, z->bridge, tag, v->name);
		port = dev;
	} else {
		const struct zone_local_link *phys = zone_uplink_port(env, z->bridge);

		if (!phys)
			return -ENODEV; /* validation refuses this layout */
		snprintf(suffix, sizeof(suffix), "v%u", tag);
		zone_ifname(vbr, "", z->bridge, suffix);
		snprintf(suffix, sizeof(suffix), ".%u", tag);
		zone_ifname(dev, "", phys->name, suffix);
		zone_ifname(ln, "ln_", v->name, "");
		zone_ifname(pr, "pr_", v->name, "");
		r = zone_expand_bridge_named(vbr, mtu, v->name, out);
		if (r == 0)
			r = zone_add_vlan_dev(out, dev, phys->name, tag, ZONE_ETH_P_8021Q, vbr, mtu,
					      v->name);
		if (r == 0)
			r = zone_add_veth(out, ln, v->name, pr, vbr, mtu, v->name);
		port = ln;
	}
	if (r == 0 && v->vlanaware)
		r = zone_add_trunk_vids(out, port, false, v->name);
	if (r < 0)
		return r;
	return zone_expand_gateways(v, out);
}

const struct zone_type_ops zone_vlan_ops = {
	.type = ZONE_VLAN,
	.expand = vlan_expand,
};
