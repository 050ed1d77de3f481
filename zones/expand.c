// SPDX-License-Identifier: GPL-2.0-or-later
#include "zones/expand.h"

#include <linux/if_bridge.h>

#include "sdnd/util.h"

static const struct zone_type_ops *const zone_types[_ZONE_TYPE_MAX] = {
	[ZONE_SIMPLE] = &zone_simple_ops,
	[ZONE_VXLAN] = &zone_vxlan_ops,
	[ZONE_VLAN] = &zone_vlan_ops,
	[ZONE_QINQ] = &zone_qinq_ops,
};

void zone_link_init(struct sdnd_obj *o, enum sdnd_kind kind, const char *ifname,
		    const char *master, uint32_t mtu)
{
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	sdnd_strlcpy(o->link.ifname, ifname, sizeof(o->link.ifname));
	if (master)
		sdnd_strlcpy(o->link.master, master, sizeof(o->link.master));
	o->link.mtu = mtu;
	o->link.up = true;
}

int zone_add_trunk_vids(struct sdnd_objset *out, const char *ifname, bool self, const char *vnet)
{
	struct sdnd_obj o = { .kind = SDND_KIND_VIDS };

	sdnd_strlcpy(o.vids.ifname, ifname, sizeof(o.vids.ifname));
	o.vids.self = self;
	o.vids.n = 2;
	o.vids.r[0] = (struct sdnd_vid_range){ 1, 1, BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED };
	o.vids.r[1] = (struct sdnd_vid_range){ 2, ZONE_VID_MAX, 0 };
	return zone_add_obj(out, &o, vnet);
}

uint32_t zone_uplink_mtu(const struct zone_zone *z, const struct zone_env *env)
{
	const struct zone_local_link *u = env ? zone_env_link(env, z->bridge) : NULL;

	return z->mtu ? z->mtu : u ? u->mtu : 0;
}

int zone_add_obj(struct sdnd_objset *out, struct sdnd_obj *obj, const char *vnet)
{
	sdnd_strlcpy(obj->vnet, vnet, sizeof(obj->vnet));
	sdnd_obj_key(obj);
	return sdnd_objset_add(out, obj);
}

int zone_expand_bridge(const struct zone_vnet *v, uint32_t mtu, struct sdnd_objset *out)
{
	struct sdnd_obj o = { .kind = SDND_KIND_BRIDGE };

	sdnd_strlcpy(o.link.ifname, v->name, sizeof(o.link.ifname));
	o.link.mtu = mtu;
	o.link.up = true;
	o.link.stp_state = 0;
	o.link.forward_delay = 0;
	o.link.vlan_filtering = v->vlanaware;
	o.link.isolate_ports = v->isolate_ports;
	if (v->alias)
		sdnd_strlcpy(o.link.alias, v->alias, sizeof(o.link.alias));
	return zone_add_obj(out, &o, v->name);
}

int zone_expand_bridge_named(const char *ifname, uint32_t mtu, const char *vnet,
			     struct sdnd_objset *out)
{
	struct sdnd_obj o;

	zone_link_init(&o, SDND_KIND_BRIDGE, ifname, NULL, mtu);
	return zone_add_obj(out, &o, vnet);
}

int zone_expand_gateways(const struct zone_vnet *v, struct sdnd_objset *out)
{
	bool fwd[2] = { false, false };
	size_t i;
	int r;

	for (i = 0; i < v->n_subnets; i++) {
		const struct zone_subnet *s = &v->subnets[i];
		struct sdnd_obj o = { .kind = SDND_KIND_ADDR };

		if (!s->has_gateway)
			continue;
		sdnd_strlcpy(o.addr.ifname, v->name, sizeof(o.addr.ifname));
		o.addr.ip = s->gateway;
		o.addr.prefixlen = s->prefixlen;
		r = zone_add_obj(out, &o, v->name);
		if (r < 0 && r != -EEXIST)
			return r;
		fwd[s->gateway.family == AF_INET6] = true;
	}
	for (i = 0; i < 2; i++) {
		struct sdnd_obj o = { .kind = SDND_KIND_FWD };

		if (!fwd[i])
			continue;
		sdnd_strlcpy(o.fwd.ifname, v->name, sizeof(o.fwd.ifname));
		o.fwd.family = i ? AF_INET6 : AF_INET;
		o.fwd.value = 1;
		r = zone_add_obj(out, &o, v->name);
		if (r < 0)
			return r;
	}
	return 0;
}

int zone_expand(const struct zone_config *cfg, const struct zone_env *env,
		struct sdnd_objset *out)
{
	size_t i;
	int r;

	for (i = 0; i < cfg->n_vnets; i++) {
		const struct zone_vnet *v = &cfg->vnets[i];
		const struct zone_zone *z = zone_config_find_zone(cfg, v->zone);
		const struct zone_type_ops *ops;
		size_t j;

		if (!z || !zone_on_node(z, cfg->node))
			continue;
		ops = zone_types[z->type];
		/* the zone's shared objects, before its first vnet */
		for (j = 0; j < i && strcmp(cfg->vnets[j].zone, v->zone); j++)
			;
		if (ops->expand_zone && j == i) {
			r = ops->expand_zone(cfg, z, env, out);
			if (r < 0)
				return r;
		}
		r = ops->expand(z, v, env, out);
		if (r < 0)
			return r;
	}
	return 0;
}
