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
};

extern const struct zone_type_ops zone_simple_ops;
extern const struct zone_type_ops zone_vxlan_ops;

/*
 * Expand every vnet of cfg that exists on this node into out (which should be empty).
 * Objects are tagged with their vnet. 0 or -errno.
 */
int zone_expand(const struct zone_config *cfg, const struct zone_env *env,
		struct sdnd_objset *out);

/* Helpers for zone types: the vnet bridge, and its subnets' gateway addresses and forwarding. */
int zone_expand_bridge(const struct zone_vnet *v, uint32_t mtu, struct sdnd_objset *out);
int zone_expand_gateways(const struct zone_vnet *v, struct sdnd_objset *out);
int zone_add_obj(struct sdnd_objset *out, struct sdnd_obj *obj, const char *vnet);

#endif
