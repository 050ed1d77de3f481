// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vxlan zone: a bridge per vnet with a VXLAN device vxlan_<vnet> as its port, and head-end
 * replication: an all-zeros FDB entry towards every other peer of the zone.
 */
#include "zones/expand.h"

#include "sdnd/util.h"

/*
 * The zone's MTU: configured, else the underlay's minus the encapsulation overhead (with peers:
 * auto, the smallest underlay of the zone's nodes).
 */
static uint32_t vxlan_mtu(const struct zone_zone *z, const struct zone_local_addr *la,
			  const struct sdnd_ip *local, uint32_t members_mtu)
{
	uint32_t overhead = local && local->family == AF_INET6 ? 70 : 50;
	uint32_t under = members_mtu ? members_mtu : la ? la->mtu : 0;

	if (z->mtu)
		return z->mtu;
	if (la && la->mtu && la->mtu < under)
		under = la->mtu;
	if (under > overhead + 68)
		return under - overhead;
	return 1450;
}

/* Pure. */
static int vxlan_expand(const struct zone_zone *z, const struct zone_vnet *v,
			const struct zone_env *env, struct sdnd_objset *out)
{
	const struct sdnd_ip *local = NULL;
	const struct zone_local_addr *la = env ? zone_local_peer(z, env, &local) : NULL;
	struct sdnd_obj vx = { .kind = SDND_KIND_VXLAN };
	_cleanup_free_ struct sdnd_ip *peers = NULL;
	uint32_t mtu, members_mtu;
	size_t i, n_peers;
	int r;

	r = zone_vxlan_peers(z, env, &peers, &n_peers, &members_mtu);
	if (r < 0)
		return r;
	mtu = vxlan_mtu(z, la, local, members_mtu);
	r = zone_expand_bridge(v, mtu, out);
	if (r < 0)
		return r;
	zone_vxlan_ifname(v->name, vx.link.ifname);
	sdnd_strlcpy(vx.link.master, v->name, sizeof(vx.link.master));
	vx.link.mtu = mtu;
	vx.link.up = true;
	vx.link.vni = v->tag;
	vx.link.port = z->port;
	if (local)
		vx.link.local = *local;
	vx.link.learning = false;
	r = zone_add_obj(out, &vx, v->name);
	if (r == 0 && v->vlanaware)
		r = zone_add_trunk_vids(out, vx.link.ifname, false, v->name);
	if (r < 0)
		return r;

	for (i = 0; i < n_peers; i++) {
		struct sdnd_obj f = { .kind = SDND_KIND_FDB };

		/* itself, and (auto) nodes of another underlay family */
		if (local && (sdnd_ip_eq(&peers[i], local) || peers[i].family != local->family))
			continue;
		sdnd_strlcpy(f.fdb.ifname, vx.link.ifname, sizeof(f.fdb.ifname));
		f.fdb.dst = peers[i];
		r = zone_add_obj(out, &f, v->name);
		if (r < 0)
			return r;
	}
	return zone_expand_gateways(v, out);
}

const struct zone_type_ops zone_vxlan_ops = {
	.type = ZONE_VXLAN,
	.expand = vxlan_expand,
};
