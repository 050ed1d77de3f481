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
	[ZONE_VLAN] = "vlan",
	[ZONE_QINQ] = "qinq",
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

static const struct zone_local_addr *local_addr(const struct zone_env *env, const struct sdnd_ip *ip)
{
	size_t j;

	for (j = 0; j < env->n_addrs; j++)
		if (sdnd_ip_eq(ip, &env->addrs[j].ip))
			return &env->addrs[j];
	return NULL;
}

/*
 * The first peer of z (in document order; with peers: auto, the member of the cluster the zone
 * is on) that equals one of env's addresses. *ret_peer (when ret_peer is not NULL) is set to
 * that peer only when one is found.
 */
const struct zone_local_addr *zone_local_peer(const struct zone_zone *z, const struct zone_env *env,
					      const struct sdnd_ip **ret_peer)
{
	const struct zone_local_addr *la;
	size_t i;

	if (!z || !env)
		return NULL;
	for (i = 0; z->peers_auto && i < env->n_members; i++) {
		const struct zone_member *m = &env->members[i];

		if (zone_on_node(z, m->name) && (la = local_addr(env, &m->underlay))) {
			if (ret_peer)
				*ret_peer = &m->underlay;
			return la;
		}
	}
	for (i = 0; !z->peers_auto && i < z->n_peers; i++)
		if ((la = local_addr(env, &z->peers[i]))) {
			if (ret_peer)
				*ret_peer = &z->peers[i];
			return la;
		}
	return NULL;
}

int zone_vxlan_peers(const struct zone_zone *z, const struct zone_env *env, struct sdnd_ip **ret,
		     size_t *ret_n, uint32_t *ret_mtu)
{
	size_t i, n = 0, cap = z->peers_auto ? (env ? env->n_members : 0) : z->n_peers;
	struct sdnd_ip *v = NULL;
	uint32_t mtu = 0;

	*ret = NULL;
	*ret_n = 0;
	*ret_mtu = 0;
	if (!cap)
		return 0;
	v = calloc(cap, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (!z->peers_auto) {
		memcpy(v, z->peers, cap * sizeof(*v));
		n = cap;
	}
	for (i = 0; z->peers_auto && i < env->n_members; i++) {
		const struct zone_member *m = &env->members[i];
		size_t j;

		if (!zone_on_node(z, m->name))
			continue;
		/* one tunnel per address, whichever names registered it */
		for (j = 0; j < n && !sdnd_ip_eq(&v[j], &m->underlay); j++)
			;
		if (j == n)
			v[n++] = m->underlay;
		if (m->mtu && (!mtu || m->mtu < mtu))
			mtu = m->mtu;
	}
	*ret = v;
	*ret_n = n;
	*ret_mtu = mtu;
	return 0;
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

/* NULL when env knows no devices (env NULL or env->links NULL) or none is called name. */
const struct zone_local_link *zone_env_link(const struct zone_env *env, const char *name)
{
	size_t i;

	if (!env || !env->links || !name)
		return NULL;
	for (i = 0; i < env->n_links; i++)
		if (!strcmp(env->links[i].name, name))
			return &env->links[i];
	return NULL;
}

/* The first of env->links (in env order) whose master is bridge and whose kind is "" or "bond". */
/*
 * Proxmox VE's rule for a bridge's physical ports (by name): ethN, bondN or en*, optionally with
 * a .VLAN suffix. Kept so that an uplink Proxmox accepts is accepted here too.
 */
static bool pve_physical_name(const char *name)
{
	const char *p = name;

	if (!strncmp(p, "eth", 3) || !strncmp(p, "bond", 4)) {
		p += p[0] == 'e' ? 3 : 4;
		if (*p < '0' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	} else if (!strncmp(p, "en", 2) && p[2] && p[2] != '.') {
		p += 2;
		while (*p && *p != '.')
			p++;
	} else {
		return false;
	}
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return *p == '\0';
}

const struct zone_local_link *zone_uplink_port(const struct zone_env *env, const char *bridge)
{
	size_t i;

	if (!env || !env->links || !bridge || !*bridge)
		return NULL;
	for (i = 0; i < env->n_links; i++) {
		const struct zone_local_link *l = &env->links[i];

		if (!strcmp(l->master, bridge) &&
		    (!l->kind[0] || !strcmp(l->kind, "bond") || pve_physical_name(l->name)))
			return l;
	}
	return NULL;
}

static uint32_t fnv1a_more(uint32_t h, const char *s)
{
	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 16777619u;
	}
	return h;
}

/*
 * The exact algorithm (the names are part of the interface: Proxmox VE names its devices the
 * same way as long as they fit):
 *  - n = strlen(prefix) + strlen(base) + strlen(suffix). When n <= 15 the name is the three
 *    concatenated, e.g. ("ln_", "web", "") -> "ln_web", ("", "vmbr0", ".100") -> "vmbr0.100".
 *  - Otherwise h = the low 16 bits of FNV-1a (sdnd_hash()) over the bytes of prefix, base and
 *    suffix concatenated, and the name is prefix + the first k bytes of base + "_" + h as 4
 *    lowercase hex digits + suffix, with k = 15 - strlen(prefix) - 5 - strlen(suffix): always
 *    exactly 15 characters, e.g. ("ln_", "storagenetwork", "") -> "ln_storage_af41" and
 *    ("", "vmbr-uplink-01", ".4094") -> "vmbr-_a3ed.4094".
 *  - Should prefix, "_hhhh" and suffix alone exceed 15 characters (k < 0; no caller does
 *    that), the name is their concatenation cut to its first 15 characters.
 * Two bases sharing their first k bytes differ by the hash unless it collides; the parser
 * rejects a document in which any two derived device names are equal.
 */
const char *zone_ifname(char *buf, const char *prefix, const char *base, const char *suffix)
{
	size_t lp = strlen(prefix), lb = strlen(base), ls = strlen(suffix);
	uint32_t h;
	int k;

	if (lp + lb + ls <= ZONE_NAME_MAX) {
		memcpy(buf, prefix, lp);
		memcpy(buf + lp, base, lb);
		memcpy(buf + lp + lb, suffix, ls + 1);
		return buf;
	}
	h = fnv1a_more(fnv1a_more(fnv1a_more(2166136261u, prefix), base), suffix) & 0xffff;
	k = (int)ZONE_NAME_MAX - (int)lp - 5 - (int)ls;
	if (k < 0)
		k = 0;
	snprintf(buf, ZONE_NAME_MAX + 1, "%s%.*s_%04x%s", prefix, k, base, (unsigned int)h, suffix);
	return buf;
}

/*
 * Whether z's uplink bridge is VLAN-aware. When env does not know the node's devices (env or
 * env->links NULL), or does not know the bridge (validation reports that), it is taken to be
 * VLAN-aware: the layout that needs nothing but the bridge's name.
 */
static bool uplink_vlan_aware(const struct zone_zone *z, const struct zone_env *env)
{
	const struct zone_local_link *l = zone_env_link(env, z->bridge);

	return !l || l->vlan_filtering;
}

static void devname_add(struct zone_devname *out, size_t *n, const char *name, const char *what)
{
	sdnd_strlcpy(out[*n].name, name, sizeof(out[*n].name));
	out[*n].what = what;
	(*n)++;
}

/*
 * In Proxmox VE's layouts (see the README), in this order:
 *  - every type: the vnet bridge "<vnet>";
 *  - vxlan: the VXLAN device zone_vxlan_ifname(vnet);
 *  - vlan, VLAN-aware uplink: the VLAN device "<uplink>.<tag>" on the uplink bridge;
 *  - vlan, plain uplink: the bridge "<uplink>v<tag>", the VLAN device "<port>.<tag>" on the
 *    uplink's physical port (zone_uplink_port(); left out when there is none), the veth pair
 *    "ln_<vnet>" (port of the vnet bridge) and "pr_<vnet>" (port of "<uplink>v<tag>");
 *  - qinq, a vnet with a tag (the C-tag): the VLAN device "<z_zone>.<tag>" on the zone bridge
 *    (whose name is zone_ifname("z_", zone, "")); the untagged vnet has no device of its own.
 * Every derived name is made by zone_ifname(). A vlan vnet without a tag (only in documents
 * that do not validate) gets the vnet bridge only.
 */
size_t zone_vnet_devices(const struct zone_zone *z, const struct zone_vnet *v,
			 const struct zone_env *env, struct zone_devname *out)
{
	char buf[ZONE_NAME_MAX + 1], zb[ZONE_NAME_MAX + 1], sfx[16];
	const struct zone_local_link *port;
	size_t n = 0;

	devname_add(out, &n, v->name, "bridge");
	switch (z->type) {
	case ZONE_SIMPLE:
	case _ZONE_TYPE_MAX:
		break;
	case ZONE_VXLAN:
		devname_add(out, &n, zone_vxlan_ifname(v->name, buf), "vxlan device");
		break;
	case ZONE_VLAN:
		if (!v->has_tag)
			break;
		snprintf(sfx, sizeof(sfx), ".%u", (unsigned int)v->tag);
		if (uplink_vlan_aware(z, env)) {
			devname_add(out, &n, zone_ifname(buf, "", z->bridge, sfx), "VLAN device");
			break;
		}
		snprintf(buf, sizeof(buf), "v%u", (unsigned int)v->tag);
		devname_add(out, &n, zone_ifname(zb, "", z->bridge, buf), "bridge");
		port = zone_uplink_port(env, z->bridge);
		if (port)
			devname_add(out, &n, zone_ifname(buf, "", port->name, sfx), "VLAN device");
		devname_add(out, &n, zone_ifname(buf, "ln_", v->name, ""), "veth");
		devname_add(out, &n, zone_ifname(buf, "pr_", v->name, ""), "veth");
		break;
	case ZONE_QINQ:
		if (!v->has_tag)
			break;
		snprintf(sfx, sizeof(sfx), ".%u", (unsigned int)v->tag);
		zone_ifname(zb, "z_", z->name, "");
		devname_add(out, &n, zone_ifname(buf, "", zb, sfx), "VLAN device");
		break;
	}
	return n;
}

/*
 * qinq, in this order: the VLAN-aware zone bridge "z_<zone>", the veth pair "ln_<zone>" (port
 * of z_<zone>) and "pr_<zone>" (port of the untagged vnet's bridge), and the S-VLAN device
 * (the zone's tag and vlan-protocol): "<uplink>.<stag>" on a VLAN-aware uplink bridge,
 * "sv_<zone>" on the physical port of a plain one (left out when it has none). Other zone
 * types create nothing per zone.
 */
size_t zone_zone_devices(const struct zone_zone *z, const struct zone_env *env,
			 struct zone_devname *out)
{
	char buf[ZONE_NAME_MAX + 1], sfx[16];
	size_t n = 0;

	if (z->type != ZONE_QINQ)
		return 0;
	devname_add(out, &n, zone_ifname(buf, "z_", z->name, ""), "bridge");
	devname_add(out, &n, zone_ifname(buf, "ln_", z->name, ""), "veth");
	devname_add(out, &n, zone_ifname(buf, "pr_", z->name, ""), "veth");
	if (uplink_vlan_aware(z, env)) {
		snprintf(sfx, sizeof(sfx), ".%u", (unsigned int)z->stag);
		devname_add(out, &n, zone_ifname(buf, "", z->bridge, sfx), "VLAN device");
	} else if (zone_uplink_port(env, z->bridge)) {
		devname_add(out, &n, zone_ifname(buf, "sv_", z->name, ""), "VLAN device");
	}
	return n;
}
