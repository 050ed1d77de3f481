// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * qinq zone: the zone is a service VLAN (S-tag, 802.1Q or 802.1ad) of an uplink bridge; each vnet
 * is a customer VLAN (C-tag) inside it, and at most one vnet is the zone's untagged traffic.
 *
 *   <uplink>.<stag> (or sv_<zone> on the uplink's physical port, for a plain uplink)
 *        |
 *     z_<zone>  (VLAN-aware, 2-4094) --- ln_<zone> ~~ pr_<zone> --- <untagged vnet>
 *        |
 *     z_<zone>.<ctag> --- <vnet>
 */
#include "zones/expand.h"

#include "sdnd/util.h"

static void zone_names(const struct zone_zone *z, char *zbr, char *ln, char *pr)
{
	zone_ifname(zbr, "z_", z->name, "");
	zone_ifname(ln, "ln_", z->name, "");
	zone_ifname(pr, "pr_", z->name, "");
}

/*
 * Pure: the zone bridge, its S-VLAN uplink port and the veth towards the untagged vnet. These
 * objects serve the whole zone: status and plan show them under the zone bridge's name.
 */
static int qinq_expand_zone(const struct zone_config *cfg, const struct zone_zone *z,
			    const struct zone_env *env, struct sdnd_objset *out)
{
	const struct zone_local_link *up = env ? zone_env_link(env, z->bridge) : NULL;
	uint32_t mtu = zone_uplink_mtu(z, env);
	char zbr[IFNAMSIZ], ln[IFNAMSIZ], pr[IFNAMSIZ], sdev[IFNAMSIZ], suffix[8];
	const char *untagged = NULL, *parent = z->bridge;
	struct sdnd_obj o;
	size_t i;
	int r;

	for (i = 0; i < cfg->n_vnets; i++)
		if (!strcmp(cfg->vnets[i].zone, z->name) && !cfg->vnets[i].has_tag)
			untagged = cfg->vnets[i].name;
	zone_names(z, zbr, ln, pr);

	zone_link_init(&o, SDND_KIND_BRIDGE, zbr, NULL, mtu);
	o.link.vlan_filtering = 1;
	r = zone_add_obj(out, &o, zbr);
	if (r == 0)
		r = zone_add_trunk_vids(out, zbr, true, zbr);
	if (r < 0)
		return r;

	if (!up || up->vlan_filtering) {
		snprintf(suffix, sizeof(suffix), ".%u", z->stag);
		zone_ifname(sdev, "", z->bridge, suffix);
		r = zone_add_uplink_vid(out, z->bridge, z->stag, zbr);
		/* the uplink bridge must speak the S-tag's protocol, as Proxmox sets it */
		if (r == 0 && z->vlan_protocol == ZONE_ETH_P_8021AD) {
			memset(&o, 0, sizeof(o));
			o.kind = SDND_KIND_BRPROTO;
			sdnd_strlcpy(o.brproto.ifname, z->bridge, sizeof(o.brproto.ifname));
			o.brproto.vlan_protocol = ZONE_ETH_P_8021AD;
			r = zone_add_obj(out, &o, zbr);
			if (r == -EEXIST)
				r = 0; /* another zone on the same uplink wants the same */
		}
	} else {
		const struct zone_local_link *phys = zone_uplink_port(env, z->bridge);

		if (!phys)
			return -ENODEV; /* validation refuses this layout */
		zone_ifname(sdev, "sv_", z->name, "");
		parent = phys->name;
	}
	if (r == 0)
		r = zone_add_vlan_dev(out, sdev, parent, z->stag, z->vlan_protocol, zbr, mtu, zbr);
	if (r == 0)
		r = zone_add_trunk_vids(out, sdev, false, zbr);
	if (r == 0)
		r = zone_add_veth(out, ln, zbr, pr, untagged, mtu, zbr);
	if (r == 0)
		r = zone_add_trunk_vids(out, ln, false, zbr);
	return r;
}

/* Pure: the vnet bridge and its C-VLAN port on the zone bridge (the untagged vnet has pr_). */
static int qinq_expand(const struct zone_zone *z, const struct zone_vnet *v,
		       const struct zone_env *env, struct sdnd_objset *out)
{
	uint32_t mtu = zone_uplink_mtu(z, env);
	char zbr[IFNAMSIZ], ln[IFNAMSIZ], pr[IFNAMSIZ], dev[IFNAMSIZ], suffix[8];
	int r;

	zone_names(z, zbr, ln, pr);
	r = zone_expand_bridge(v, mtu, out);
	if (r == 0 && v->has_tag) {
		snprintf(suffix, sizeof(suffix), ".%u", v->tag);
		zone_ifname(dev, "", zbr, suffix);
		r = zone_add_vlan_dev(out, dev, zbr, (uint16_t)v->tag, ZONE_ETH_P_8021Q, v->name,
				      mtu, v->name);
		if (r == 0 && v->vlanaware)
			r = zone_add_trunk_vids(out, dev, false, v->name);
	} else if (r == 0 && v->vlanaware) {
		r = zone_add_trunk_vids(out, pr, false, v->name);
	}
	if (r < 0)
		return r;
	return zone_expand_gateways(v, out);
}

const struct zone_type_ops zone_qinq_ops = {
	.type = ZONE_QINQ,
	.expand = qinq_expand,
	.expand_zone = qinq_expand_zone,
};
