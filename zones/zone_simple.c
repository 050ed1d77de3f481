// SPDX-License-Identifier: GPL-2.0-or-later
/* simple zone: a bridge per vnet with no ports, the subnets' gateways on it. */
#include "zones/expand.h"

/* Pure. */
static int simple_expand(const struct zone_zone *z, const struct zone_vnet *v,
			 const struct zone_env *env, struct sdnd_objset *out)
{
	int r = zone_expand_bridge(v, z->mtu, out);

	if (r < 0)
		return r;
	return zone_expand_gateways(v, out);
}

const struct zone_type_ops zone_simple_ops = {
	.type = ZONE_SIMPLE,
	.expand = simple_expand,
};
