// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Lookups on a parsed zone_config and the names derived from it. Pure functions: no I/O, no
 * allocation, no logging.
 */
#include "zones/model.h"

#include <stdio.h>
#include <string.h>

#include "sdnd/util.h"

static const char *const zone_type_table[_ZONE_TYPE_MAX] = {
	[ZONE_SIMPLE] = "simple",
	[ZONE_VXLAN] = "vxlan",
};

/* NULL for a value outside the enum. */
const char *zone_type_to_string(enum zone_type t)
{
	if ((unsigned int)t >= ARRAY_SIZE(zone_type_table))
		return NULL;
	return zone_type_table[t];
}

int zone_type_from_string(const char *s)
{
	size_t i;

	if (!s)
		return -1;
	for (i = 0; i < ARRAY_SIZE(zone_type_table); i++)
		if (zone_type_table[i] && !strcmp(zone_type_table[i], s))
			return (int)i;
	return -1;
}

const struct zone_zone *zone_config_find_zone(const struct zone_config *cfg, const char *name)
{
	size_t i;

	if (!cfg || !name)
		return NULL;
	for (i = 0; i < cfg->n_zones; i++)
		if (!strcmp(cfg->zones[i].name, name))
			return &cfg->zones[i];
	return NULL;
}

bool zone_on_node(const struct zone_zone *z, const char *node)
{
	size_t i;

	if (z->n_nodes == 0)
		return true;
	if (!node)
		return false;
	for (i = 0; i < z->n_nodes; i++)
		if (!strcmp(z->nodes[i], node))
			return true;
	return false;
}

/*
 * The first peer of z (in document order) that equals one of env's addresses. *ret_peer (when
 * ret_peer is not NULL) is set to that peer only when one is found.
 */
const struct zone_local_addr *zone_local_peer(const struct zone_zone *z, const struct zone_env *env,
					      const struct sdnd_ip **ret_peer)
{
	size_t i, j;

	if (!z || !env)
		return NULL;
	for (i = 0; i < z->n_peers; i++)
		for (j = 0; j < env->n_addrs; j++)
			if (sdnd_ip_eq(&z->peers[i], &env->addrs[j].ip)) {
				if (ret_peer)
					*ret_peer = &z->peers[i];
				return &env->addrs[j];
			}
	return NULL;
}

/*
 * The VXLAN device of a vnet: "vxlan_<vnet>" when that fits IFNAMSIZ - 1 = 15 characters (vnet
 * names of up to 9 characters, as Proxmox VE names them). Longer names get the deterministic
 * short form "vx_" + the first 7 characters of the vnet name + "_" + 4 lowercase hex digits of
 * the low 16 bits of sdnd_hash_str(vnet) (FNV-1a), e.g. "vx_storage_1a2b": 3 + 7 + 1 + 4 = 15.
 * Two long names sharing their first 7 characters differ by the hash unless it collides; the
 * parser rejects a document in which any two derived device names are equal.
 */
const char *zone_vxlan_ifname(const char *vnet, char *buf)
{
	static const char prefix[] = "vxlan_";
	size_t n = strlen(vnet);

	if (sizeof(prefix) - 1 + n <= ZONE_NAME_MAX) {
		memcpy(buf, prefix, sizeof(prefix) - 1);
		memcpy(buf + sizeof(prefix) - 1, vnet, n + 1);
	} else {
		snprintf(buf, ZONE_NAME_MAX + 1, "vx_%.7s_%04x", vnet,
			 (unsigned int)(sdnd_hash_str(vnet) & 0xffff));
	}
	return buf;
}
