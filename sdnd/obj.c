// SPDX-License-Identifier: GPL-2.0-or-later
#include "sdnd/obj.h"

#include "sdnd/util.h"

static const char *const kind_names[_SDND_KIND_MAX] = {
	[SDND_KIND_BRIDGE] = "bridge",
	[SDND_KIND_VXLAN] = "vxlan",
	[SDND_KIND_FDB] = "fdb",
	[SDND_KIND_ADDR] = "address",
	[SDND_KIND_FWD] = "forwarding",
	[SDND_KIND_VLAN] = "vlan",
	[SDND_KIND_VETH] = "veth",
	[SDND_KIND_VETH_PEER] = "veth-peer",
	[SDND_KIND_VIDS] = "vids",
	[SDND_KIND_PORT] = "port",
	[SDND_KIND_BRPROTO] = "bridge-protocol",
	[SDND_KIND_SFDB] = "static-fdb",
};

const char *sdnd_kind_to_string(enum sdnd_kind k)
{
	return (unsigned int)k < _SDND_KIND_MAX ? kind_names[k] : NULL;
}

const char *sdnd_kind_info_kind(enum sdnd_kind k)
{
	switch (k) {
	case SDND_KIND_BRIDGE:
		return "bridge";
	case SDND_KIND_VXLAN:
		return "vxlan";
	case SDND_KIND_VLAN:
		return "vlan";
	case SDND_KIND_VETH:
	case SDND_KIND_VETH_PEER:
		return "veth";
	default:
		return NULL;
	}
}

enum sdnd_kind sdnd_kind_from_info_kind(const char *info_kind)
{
	if (!strcmp(info_kind, "vxlan"))
		return SDND_KIND_VXLAN;
	if (!strcmp(info_kind, "vlan"))
		return SDND_KIND_VLAN;
	if (!strcmp(info_kind, "veth"))
		return SDND_KIND_VETH;
	return SDND_KIND_BRIDGE;
}

bool sdnd_obj_is_link(const struct sdnd_obj *obj)
{
	switch (obj->kind) {
	case SDND_KIND_BRIDGE:
	case SDND_KIND_VXLAN:
	case SDND_KIND_VLAN:
	case SDND_KIND_VETH:
	case SDND_KIND_VETH_PEER:
		return true;
	default:
		return false;
	}
}

const char *sdnd_obj_ifname(const struct sdnd_obj *obj)
{
	if (sdnd_obj_is_link(obj))
		return obj->link.ifname;
	switch (obj->kind) {
	case SDND_KIND_VIDS:
		return obj->vids.ifname;
	case SDND_KIND_PORT:
		return obj->port.ifname;
	case SDND_KIND_BRPROTO:
		return obj->brproto.ifname;
	case SDND_KIND_FDB:
	case SDND_KIND_SFDB:
		return obj->fdb.ifname;
	case SDND_KIND_ADDR:
		return obj->addr.ifname;
	case SDND_KIND_FWD:
		return obj->fwd.ifname;
	default:
		return "";
	}
}

void sdnd_obj_key(struct sdnd_obj *obj)
{
	char ip[SDND_IP_STRLEN];
	char mac[SDND_MAC_STRLEN];

	if (sdnd_obj_is_link(obj)) {
		snprintf(obj->key, sizeof(obj->key), "link/%s", obj->link.ifname);
		return;
	}
	switch (obj->kind) {
	case SDND_KIND_PORT:
		snprintf(obj->key, sizeof(obj->key), "port/%s", obj->port.ifname);
		break;
	case SDND_KIND_BRPROTO:
		snprintf(obj->key, sizeof(obj->key), "brproto/%s", obj->brproto.ifname);
		break;
	case SDND_KIND_VIDS:
		/* a subset entry is one VID added to a bridge that is not sdnd's */
		if (obj->vids.subset)
			snprintf(obj->key, sizeof(obj->key), "vid/%s/%u", obj->vids.ifname,
				 obj->vids.n ? obj->vids.r[0].lo : 0);
		else
			snprintf(obj->key, sizeof(obj->key), "vids/%s%s", obj->vids.ifname,
				 obj->vids.self ? "/self" : "");
		break;
	case SDND_KIND_FDB:
		snprintf(obj->key, sizeof(obj->key), "fdb/%s/%s/%s", obj->fdb.ifname,
			 sdnd_mac_str(obj->fdb.mac, mac), sdnd_ip_str(&obj->fdb.dst, ip));
		break;
	case SDND_KIND_SFDB:
		snprintf(obj->key, sizeof(obj->key), "sfdb/%s/%s/%u", obj->fdb.ifname,
			 sdnd_mac_str(obj->fdb.mac, mac), obj->fdb.vid);
		break;
	case SDND_KIND_ADDR:
		snprintf(obj->key, sizeof(obj->key), "addr/%s/%s/%u", obj->addr.ifname,
			 sdnd_ip_str(&obj->addr.ip, ip), obj->addr.prefixlen);
		break;
	case SDND_KIND_FWD:
		snprintf(obj->key, sizeof(obj->key), "fwd/%s/%d", obj->fwd.ifname,
			 obj->fwd.family == AF_INET6 ? 6 : 4);
		break;
	default:
		obj->key[0] = '\0';
	}
}

static int objset_rehash(struct sdnd_objset *set, size_t nbuckets)
{
	uint32_t *b = calloc(nbuckets, sizeof(*b));
	size_t i;

	if (!b)
		return -ENOMEM;
	for (i = 0; i < set->n; i++) {
		size_t h = sdnd_hash_str(set->objs[i].key) & (nbuckets - 1);

		while (b[h])
			h = (h + 1) & (nbuckets - 1);
		b[h] = (uint32_t)(i + 1);
	}
	free(set->buckets);
	set->buckets = b;
	set->nbuckets = nbuckets;
	return 0;
}

struct sdnd_obj *sdnd_objset_find(const struct sdnd_objset *set, const char *key)
{
	size_t h;

	if (!set->nbuckets)
		return NULL;
	h = sdnd_hash_str(key) & (set->nbuckets - 1);
	while (set->buckets[h]) {
		struct sdnd_obj *o = &set->objs[set->buckets[h] - 1];

		if (!strcmp(o->key, key))
			return o;
		h = (h + 1) & (set->nbuckets - 1);
	}
	return NULL;
}

int sdnd_objset_reserve(struct sdnd_objset *set, size_t n)
{
	size_t nb = set->nbuckets ? set->nbuckets : 64;
	int r;

	r = sdnd_grow(&set->objs, &set->cap, n, sizeof(*set->objs));
	if (r < 0)
		return r;
	while (n * 2 > nb)
		nb *= 2;
	return nb != set->nbuckets ? objset_rehash(set, nb) : 0;
}

void sdnd_objset_reset(struct sdnd_objset *set)
{
	set->n = 0;
	if (set->buckets)
		memset(set->buckets, 0, set->nbuckets * sizeof(*set->buckets));
}

int sdnd_objset_add(struct sdnd_objset *set, const struct sdnd_obj *obj)
{
	size_t h;
	int r;

	if (sdnd_objset_find(set, obj->key))
		return -EEXIST;
	r = sdnd_grow(&set->objs, &set->cap, set->n + 1, sizeof(*set->objs));
	if (r < 0)
		return r;
	if ((set->n + 1) * 2 > set->nbuckets) {
		r = objset_rehash(set, set->nbuckets ? set->nbuckets * 2 : 64);
		if (r < 0)
			return r;
	}
	set->objs[set->n] = *obj;
	h = sdnd_hash_str(obj->key) & (set->nbuckets - 1);
	while (set->buckets[h])
		h = (h + 1) & (set->nbuckets - 1);
	set->buckets[h] = (uint32_t)(++set->n);
	return 0;
}

void sdnd_objset_clear(struct sdnd_objset *set)
{
	free(set->objs);
	free(set->buckets);
	memset(set, 0, sizeof(*set));
}
