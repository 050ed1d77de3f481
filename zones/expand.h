/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Model -> wanted kernel objects. Pure: same model and env in, same objects out, no I/O. */
#ifndef ZONES_EXPAND_H
#define ZONES_EXPAND_H

#include "sdnd/obj.h"
#include "zones/model.h"

/* A zone type: how its vnets become kernel objects. */
struct zone_type_ops {
	enum zone_type type;
	/* Append the objects of vnet v (in zone z) to out. Pure. 0 or -errno. */
	int (*expand)(const struct zone_zone *z, const struct zone_vnet *v,
		      const struct zone_env *env, struct sdnd_objset *out);
	/* Optional: objects shared by all vnets of z (called once, if z has a vnet here). Pure. */
	int (*expand_zone)(const struct zone_config *cfg, const struct zone_zone *z,
			   const struct zone_env *env, struct sdnd_objset *out);
};

extern const struct zone_type_ops zone_simple_ops;
extern const struct zone_type_ops zone_vxlan_ops;
extern const struct zone_type_ops zone_vlan_ops;
extern const struct zone_type_ops zone_qinq_ops;

/*
 * Expand every vnet of cfg that exists on this node into out (which should be empty).
 * Objects are tagged with their vnet. 0 or -errno.
 */
int zone_expand(const struct zone_config *cfg, const struct zone_env *env,
		struct sdnd_objset *out);

/* Helpers for zone types: the vnet bridge, and its subnets' gateway addresses and forwarding. */
int zone_expand_bridge(const struct zone_vnet *v, uint32_t mtu, struct sdnd_objset *out);
/* A plain bridge of sdnd's (STP off, forward delay 0, up) serving vnet. */
int zone_expand_bridge_named(const char *ifname, uint32_t mtu, const char *vnet,
			     struct sdnd_objset *out);
int zone_add_vlan_dev(struct sdnd_objset *out, const char *ifname, const char *parent,
		      uint16_t vid, uint16_t proto, const char *master, uint32_t mtu,
		      const char *vnet);
int zone_add_veth(struct sdnd_objset *out, const char *near, const char *near_master,
		  const char *far, const char *far_master, uint32_t mtu, const char *vnet);
int zone_add_uplink_vid(struct sdnd_objset *out, const char *bridge, uint16_t vid,
			const char *vnet);
int zone_expand_gateways(const struct zone_vnet *v, struct sdnd_objset *out);
int zone_add_obj(struct sdnd_objset *out, struct sdnd_obj *obj, const char *vnet);
/* A link object: kind, name, master (or NULL), MTU, up; the caller fills the rest. */
void zone_link_init(struct sdnd_obj *o, enum sdnd_kind kind, const char *ifname,
		    const char *master, uint32_t mtu);
/* The VID set of a VLAN-aware bridge's ports, as Proxmox sets it: 1 (PVID, untagged), 2-4094. */
int zone_add_trunk_vids(struct sdnd_objset *out, const char *ifname, bool self, const char *vnet);
/* The MTU of a VLAN-backed zone: its own, else its uplink bridge's (0: leave it to the kernel). */
uint32_t zone_uplink_mtu(const struct zone_zone *z, const struct zone_env *env);

#endif
