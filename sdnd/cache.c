// SPDX-License-Identifier: GPL-2.0-or-later
#include "sdnd/cache.h"

#include <linux/if_addr.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/netconf.h>
#include <linux/rtnetlink.h>

#include "sdnd/kind.h"
#include "sdnd/util.h"
#include "vlan/vids.h"

static void vids_forget(struct sdnd_cache *c, int ifindex)
{
	if (ifindex > 0 && (size_t)ifindex < c->n_vids) {
		free(c->vids[ifindex]);
		c->vids[ifindex] = NULL;
	}
}

static void vids_forget_all(struct sdnd_cache *c)
{
	size_t i;

	for (i = 0; i < c->n_vids; i++) {
		free(c->vids[i]);
		c->vids[i] = NULL;
	}
}

/* The map of ifindex, created empty when missing; NULL on allocation failure. */
static uint8_t *vids_map(struct sdnd_cache *c, int ifindex)
{
	if (ifindex <= 0)
		return NULL;
	if ((size_t)ifindex >= c->n_vids) {
		size_t cap = c->n_vids;

		if (sdnd_grow(&c->vids, &cap, (size_t)ifindex + 1, sizeof(*c->vids)) < 0)
			return NULL;
		c->n_vids = cap;
	}
	if (!c->vids[ifindex])
		c->vids[ifindex] = calloc(1, VLAN_VID_COUNT);
	return c->vids[ifindex];
}

const uint8_t *sdnd_cache_vids(const struct sdnd_cache *c, int ifindex)
{
	return ifindex > 0 && (size_t)ifindex < c->n_vids ? c->vids[ifindex] : NULL;
}

void sdnd_cache_free(struct sdnd_cache *c)
{
	vids_forget_all(c);
	free(c->vids);
	sdnd_objset_clear(&c->links);
	sdnd_objset_clear(&c->addrs);
	sdnd_objset_clear(&c->fdbs);
	free(c->by_ifindex);
	free(c->local);
	free(c->local_links);
	memset(c, 0, sizeof(*c));
}

const struct sdnd_link *sdnd_cache_link(const struct sdnd_cache *c, const char *ifname)
{
	char key[SDND_KEY_MAX];
	const struct sdnd_obj *o;

	snprintf(key, sizeof(key), "link/%s", ifname);
	o = sdnd_objset_find(&c->links, key);
	return o && !o->gone ? &o->link : NULL;
}

const struct sdnd_link *sdnd_cache_link_by_index(const struct sdnd_cache *c, int ifindex)
{
	const struct sdnd_obj *o;

	if (ifindex <= 0 || (size_t)ifindex >= c->n_by_ifindex || !c->by_ifindex[ifindex])
		return NULL;
	o = &c->links.objs[c->by_ifindex[ifindex] - 1];
	/* the slot is the name's: a device recreated under the name has another index */
	return o->gone || o->link.ifindex != ifindex ? NULL : &o->link;
}

int sdnd_cache_ifindex(void *cache, const char *ifname)
{
	const struct sdnd_link *l = sdnd_cache_link(cache, ifname);

	return l ? l->ifindex : 0;
}

/* Mark every address and FDB entry of a device as gone (the device went away). */
static void forget_children(struct sdnd_cache *c, const char *ifname)
{
	size_t i;

	for (i = 0; i < c->addrs.n; i++)
		if (!strcmp(c->addrs.objs[i].addr.ifname, ifname))
			c->addrs.objs[i].gone = true;
	for (i = 0; i < c->fdbs.n; i++)
		if (!strcmp(c->fdbs.objs[i].fdb.ifname, ifname))
			c->fdbs.objs[i].gone = true;
}

/* Insert or revive obj (key set) in set; returns true if anything changed. */
static bool upsert(struct sdnd_objset *set, const struct sdnd_obj *obj, size_t *ret_idx)
{
	struct sdnd_obj *o = sdnd_objset_find(set, obj->key);

	if (o) {
		bool changed = o->gone || memcmp(&o->link, &obj->link, sizeof(o->link));

		*o = *obj;
		if (ret_idx)
			*ret_idx = (size_t)(o - set->objs);
		return changed;
	}
	if (sdnd_objset_add(set, obj) < 0)
		return false;
	if (ret_idx)
		*ret_idx = set->n - 1;
	return true;
}

static bool remove_key(struct sdnd_objset *set, const char *key)
{
	struct sdnd_obj *o = sdnd_objset_find(set, key);

	if (!o || o->gone)
		return false;
	o->gone = true;
	return true;
}

static void parse_af_spec(const struct nlattr *spec, struct sdnd_link *l)
{
	const struct nlattr *af, *a;

	mnl_attr_for_each_nested(af, spec) {
		uint16_t fam = mnl_attr_get_type(af);

		mnl_attr_for_each_nested(a, af) {
			/* Both arrays start with forwarding (IPV4_DEVCONF_FORWARDING - 1 and
			 * DEVCONF_FORWARDING are 0). */
			if (fam == AF_INET && mnl_attr_get_type(a) == IFLA_INET_CONF &&
			    mnl_attr_get_payload_len(a) >= 4)
				l->fwd4 = (int)*(const uint32_t *)mnl_attr_get_payload(a);
			else if (fam == AF_INET6 && mnl_attr_get_type(a) == IFLA_INET6_CONF &&
				 mnl_attr_get_payload_len(a) >= 4)
				l->fwd6 = *(const int32_t *)mnl_attr_get_payload(a);
		}
	}
}

/* A bridge port's flags from IFLA_PROTINFO or IFLA_INFO_SLAVE_DATA (both IFLA_BRPORT_*). */
static void parse_brport(const struct nlattr *nest, int *isolated, int *learning)
{
	const struct nlattr *a;

	*isolated = *learning = 0;
	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_get_payload_len(a) < 1)
			continue;
		if (mnl_attr_get_type(a) == IFLA_BRPORT_ISOLATED)
			*isolated = mnl_attr_get_u8(a);
		else if (mnl_attr_get_type(a) == IFLA_BRPORT_LEARNING)
			*learning = mnl_attr_get_u8(a);
	}
}

/* A port's flags from IFLA_PROTINFO; they are kept on the port's link in the cache. */
static bool handle_protinfo(struct sdnd_cache *c, int ifindex, const struct nlattr *pi)
{
	struct sdnd_obj *o;
	int iso, learn;

	if (!sdnd_cache_link_by_index(c, ifindex))
		return false;
	o = &c->links.objs[c->by_ifindex[ifindex] - 1];
	parse_brport(pi, &iso, &learn);
	if (o->link.brport_isolated == iso && o->link.brport_learning == learn)
		return false;
	o->link.brport_isolated = iso;
	o->link.brport_learning = learn;
	return true;
}

static void parse_linkinfo(const struct nlattr *li, struct sdnd_link *l)
{
	const struct nlattr *a, *data = NULL, *slave = NULL;
	const struct sdnd_kind_ops *ops;
	bool bridge_port = false;

	mnl_attr_for_each_nested(a, li) {
		if (mnl_attr_get_type(a) == IFLA_INFO_KIND &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			sdnd_strlcpy(l->kind, mnl_attr_get_str(a), sizeof(l->kind));
		else if (mnl_attr_get_type(a) == IFLA_INFO_DATA)
			data = a;
		else if (mnl_attr_get_type(a) == IFLA_INFO_SLAVE_KIND &&
			 mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			bridge_port = !strcmp(mnl_attr_get_str(a), "bridge");
		else if (mnl_attr_get_type(a) == IFLA_INFO_SLAVE_DATA)
			slave = a;
	}
	ops = sdnd_kind_by_info_kind(l->kind);
	if (ops && data)
		ops->parse_info(data, l);
	if (bridge_port && slave)
		parse_brport(slave, &l->brport_isolated, &l->brport_learning);
}

/*
 * A bridge port's (or a bridge's own) VLANs from RTM_NEWLINK/AF_BRIDGE. Dumps asked for them
 * (RTEXT_FILTER_BRVLAN_COMPRESSED): a dumped port without IFLA_AF_SPEC has none. Notifications
 * never carry them (changes come as RTM_NEWVLAN/RTM_DELVLAN).
 */
static bool handle_brport(struct sdnd_cache *c, const struct nlmsghdr *nlh)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a, *spec = NULL, *v;
	uint8_t map[VLAN_VID_COUNT] = { 0 }, *cur;
	unsigned int begin = 0;
	bool changed = false;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return false;
	mnl_attr_for_each(a, nlh, sizeof(*ifi)) {
		if (mnl_attr_get_type(a) == IFLA_AF_SPEC)
			spec = a;
		else if (mnl_attr_get_type(a) == IFLA_PROTINFO && (a->nla_type & NLA_F_NESTED))
			changed |= handle_protinfo(c, ifi->ifi_index, a);
	}
	if (!spec && !(nlh->nlmsg_flags & NLM_F_MULTI))
		return changed;
	if (spec) {
		mnl_attr_for_each_nested(v, spec) {
			const struct bridge_vlan_info *vi;
			unsigned int lo, vid;
			uint8_t f;

			if (mnl_attr_get_type(v) != IFLA_BRIDGE_VLAN_INFO ||
			    mnl_attr_get_payload_len(v) < sizeof(*vi))
				continue;
			vi = mnl_attr_get_payload(v);
			if (vi->vid >= VLAN_VID_COUNT)
				continue;
			if (vi->flags & BRIDGE_VLAN_INFO_RANGE_BEGIN) {
				begin = vi->vid;
				continue;
			}
			lo = (vi->flags & BRIDGE_VLAN_INFO_RANGE_END) && begin ? begin : vi->vid;
			f = (uint8_t)(VLAN_MAP_PRESENT |
				      (vi->flags & (BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED)));
			for (vid = lo; vid <= vi->vid; vid++)
				map[vid] = f;
			begin = 0;
		}
	}
	cur = (size_t)ifi->ifi_index < c->n_vids ? c->vids[ifi->ifi_index] : NULL;
	if (!spec) {
		if (!cur)
			return changed;
		vids_forget(c, ifi->ifi_index);
		return true;
	}
	if (cur && !memcmp(cur, map, VLAN_VID_COUNT))
		return changed;
	cur = vids_map(c, ifi->ifi_index);
	if (!cur)
		return changed;
	memcpy(cur, map, VLAN_VID_COUNT);
	return true;
}

/* RTM_NEWVLAN/RTM_DELVLAN notifications: VLANs added to, changed on or removed from a port. */
static bool handle_vlan(struct sdnd_cache *c, const struct nlmsghdr *nlh)
{
	const struct br_vlan_msg *bvm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *e, *a;
	bool changed = false;
	uint8_t *map;

	if (bvm->family != AF_BRIDGE)
		return false;
	map = vids_map(c, (int)bvm->ifindex);
	if (!map)
		return false;
	mnl_attr_for_each(e, nlh, sizeof(*bvm)) {
		const struct bridge_vlan_info *vi = NULL;
		unsigned int end = 0, vid;

		if (mnl_attr_get_type(e) != BRIDGE_VLANDB_ENTRY)
			continue;
		mnl_attr_for_each_nested(a, e) {
			if (mnl_attr_get_type(a) == BRIDGE_VLANDB_ENTRY_INFO &&
			    mnl_attr_get_payload_len(a) >= sizeof(*vi))
				vi = mnl_attr_get_payload(a);
			else if (mnl_attr_get_type(a) == BRIDGE_VLANDB_ENTRY_RANGE &&
				 mnl_attr_get_payload_len(a) >= 2)
				end = mnl_attr_get_u16(a);
		}
		if (!vi || vi->vid >= VLAN_VID_COUNT)
			continue;
		if (end < vi->vid || end >= VLAN_VID_COUNT)
			end = vi->vid;
		for (vid = vi->vid; vid <= end; vid++) {
			uint8_t f = nlh->nlmsg_type == RTM_DELVLAN ? 0 :
				    (uint8_t)(VLAN_MAP_PRESENT |
					      (vi->flags & (BRIDGE_VLAN_INFO_PVID |
							    BRIDGE_VLAN_INFO_UNTAGGED)));

			changed |= map[vid] != f;
			vlan_map_set(map, vid, f);
		}
	}
	return changed;
}

static bool handle_link(struct sdnd_cache *c, const struct nlmsghdr *nlh)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct sdnd_obj o = { .kind = SDND_KIND_BRIDGE };
	struct sdnd_link *l = &o.link;
	const struct nlattr *a;
	bool changed = false;
	size_t idx = SIZE_MAX;

	if (ifi->ifi_index <= 0)
		return false;
	/* Bridge port messages (AF_BRIDGE) describe port state, not the device. */
	if (ifi->ifi_family == AF_BRIDGE)
		return handle_brport(c, nlh);
	if (ifi->ifi_family != AF_UNSPEC)
		return false;
	if (nlh->nlmsg_type == RTM_DELLINK) {
		const struct sdnd_link *old = sdnd_cache_link_by_index(c, ifi->ifi_index);

		if (!old)
			return false;
		vids_forget(c, ifi->ifi_index);
		forget_children(c, old->ifname);
		c->links.objs[c->by_ifindex[ifi->ifi_index] - 1].gone = true;
		return true;
	}

	l->ifindex = ifi->ifi_index;
	l->up = ifi->ifi_flags & IFF_UP;
	l->fwd4 = l->fwd6 = -1;
	l->brport_isolated = l->brport_learning = -1;
	mnl_attr_for_each(a, nlh, sizeof(*ifi)) {
		switch (mnl_attr_get_type(a)) {
		case IFLA_IFNAME:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
				sdnd_strlcpy(l->ifname, mnl_attr_get_str(a), sizeof(l->ifname));
			break;
		case IFLA_MTU:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				l->mtu = mnl_attr_get_u32(a);
			break;
		case IFLA_MASTER:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				l->master_ifindex = (int)mnl_attr_get_u32(a);
			break;
		case IFLA_LINK:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				l->link_ifindex = (int)mnl_attr_get_u32(a);
			break;
		case IFLA_IFALIAS:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
				sdnd_strlcpy(l->alias, mnl_attr_get_str(a), sizeof(l->alias));
			break;
		case IFLA_LINKINFO:
			parse_linkinfo(a, l);
			break;
		case IFLA_AF_SPEC:
			parse_af_spec(a, l);
			break;
		}
	}
	if (!*l->ifname)
		return false;
	o.kind = sdnd_kind_from_info_kind(l->kind);
	sdnd_obj_key(&o);
	/* without slave data, port flags come only in AF_BRIDGE messages: keep what they said
	 * while it is still a port */
	{
		const struct sdnd_link *old = sdnd_cache_link_by_index(c, ifi->ifi_index);

		if (old && old->master_ifindex == l->master_ifindex && l->master_ifindex &&
		    l->brport_isolated < 0) {
			l->brport_isolated = old->brport_isolated;
			l->brport_learning = old->brport_learning;
		}
	}

	/* A rename leaves a tombstone under the old name. */
	if (sdnd_cache_link_by_index(c, ifi->ifi_index)) {
		struct sdnd_obj *old = &c->links.objs[c->by_ifindex[ifi->ifi_index] - 1];

		if (strcmp(old->key, o.key)) {
			forget_children(c, old->link.ifname);
			old->gone = true;
			changed = true;
		}
	}
	changed |= upsert(&c->links, &o, &idx);
	if (idx == SIZE_MAX) {
		c->stale = true; /* out of memory: try a full dump later */
		return changed;
	}
	if ((size_t)ifi->ifi_index >= c->n_by_ifindex) {
		size_t cap = c->n_by_ifindex;

		if (sdnd_grow(&c->by_ifindex, &cap, (size_t)ifi->ifi_index + 1,
			      sizeof(*c->by_ifindex)) < 0)
			return changed;
		c->n_by_ifindex = cap;
	}
	c->by_ifindex[ifi->ifi_index] = (uint32_t)(idx + 1);
	return changed;
}

static bool handle_addr(struct sdnd_cache *c, const struct nlmsghdr *nlh)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a, *local = NULL, *addr = NULL;
	const struct sdnd_link *l = sdnd_cache_link_by_index(c, (int)ifa->ifa_index);
	struct sdnd_obj o = { .kind = SDND_KIND_ADDR };
	size_t len = ifa->ifa_family == AF_INET6 ? 16 : 4;

	if (!l || (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
		return false;
	mnl_attr_for_each(a, nlh, sizeof(*ifa)) {
		if (mnl_attr_get_type(a) == IFA_LOCAL)
			local = a;
		else if (mnl_attr_get_type(a) == IFA_ADDRESS)
			addr = a;
	}
	if (local)
		addr = local;
	if (!addr || mnl_attr_get_payload_len(addr) != len)
		return false;
	sdnd_strlcpy(o.addr.ifname, l->ifname, sizeof(o.addr.ifname));
	o.addr.ip.family = ifa->ifa_family;
	memcpy(o.addr.ip.addr, mnl_attr_get_payload(addr), len);
	o.addr.prefixlen = ifa->ifa_prefixlen;
	sdnd_obj_key(&o);
	if (nlh->nlmsg_type == RTM_DELADDR)
		return remove_key(&c->addrs, o.key);
	return upsert(&c->addrs, &o, NULL);
}

/*
 * Bridge FDB entries sdnd may own: a VXLAN device's remote entries (with a destination), and
 * static entries on bridge ports (an attachment's MAC). Learned entries are not kept.
 */
static bool handle_neigh(struct sdnd_cache *c, const struct nlmsghdr *nlh)
{
	const struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a, *mac = NULL, *dst = NULL;
	const struct sdnd_link *l;
	struct sdnd_obj o = { .kind = SDND_KIND_FDB };
	bool master = false;
	size_t dlen;

	if (ndm->ndm_family != AF_BRIDGE)
		return false;
	mnl_attr_for_each(a, nlh, sizeof(*ndm)) {
		if (mnl_attr_get_type(a) == NDA_LLADDR && mnl_attr_get_payload_len(a) == 6)
			mac = a;
		else if (mnl_attr_get_type(a) == NDA_DST)
			dst = a;
		else if (mnl_attr_get_type(a) == NDA_MASTER)
			master = true;
		else if (mnl_attr_get_type(a) == NDA_VLAN && mnl_attr_get_payload_len(a) >= 2)
			o.fdb.vid = mnl_attr_get_u16(a);
	}
	l = sdnd_cache_link_by_index(c, ndm->ndm_ifindex);
	if (!mac || !l)
		return false;
	sdnd_strlcpy(o.fdb.ifname, l->ifname, sizeof(o.fdb.ifname));
	memcpy(o.fdb.mac, mnl_attr_get_payload(mac), 6);
	if (!dst) {
		if (!master || ndm->ndm_state != NUD_NOARP)
			return false;
		o.kind = SDND_KIND_SFDB;
	} else {
		dlen = mnl_attr_get_payload_len(dst);
		if (dlen != 4 && dlen != 16)
			return false;
		o.fdb.vid = 0;
		o.fdb.dst.family = dlen == 4 ? AF_INET : AF_INET6;
		memcpy(o.fdb.dst.addr, mnl_attr_get_payload(dst), dlen);
	}
	sdnd_obj_key(&o);
	if (nlh->nlmsg_type == RTM_DELNEIGH)
		return remove_key(&c->fdbs, o.key);
	return upsert(&c->fdbs, &o, NULL);
}

/* Forwarding changed through /proc/sys: no RTM_NEWLINK follows, only this. */
static bool handle_netconf(struct sdnd_cache *c, const struct nlmsghdr *nlh)
{
	const struct netconfmsg *ncm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	int ifindex = 0, fwd = -1;
	struct sdnd_obj *o;

	mnl_attr_for_each(a, nlh, sizeof(*ncm)) {
		if (mnl_attr_get_payload_len(a) != 4)
			continue;
		if (mnl_attr_get_type(a) == NETCONFA_IFINDEX)
			ifindex = (int)mnl_attr_get_u32(a);
		else if (mnl_attr_get_type(a) == NETCONFA_FORWARDING)
			fwd = (int)mnl_attr_get_u32(a);
	}
	if (fwd < 0 || !sdnd_cache_link_by_index(c, ifindex))
		return false;
	o = &c->links.objs[c->by_ifindex[ifindex] - 1];
	if (ncm->ncm_family == AF_INET && o->link.fwd4 != fwd)
		o->link.fwd4 = fwd;
	else if (ncm->ncm_family == AF_INET6 && o->link.fwd6 != fwd)
		o->link.fwd6 = fwd;
	else
		return false;
	return true;
}

bool sdnd_cache_handle(struct sdnd_cache *c, const struct nlmsghdr *nlh)
{
	bool changed = false;

	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		changed = handle_link(c, nlh);
		break;
	case RTM_NEWADDR:
	case RTM_DELADDR:
		changed = handle_addr(c, nlh);
		break;
	case RTM_NEWNEIGH:
	case RTM_DELNEIGH:
		changed = handle_neigh(c, nlh);
		break;
	case RTM_NEWNETCONF:
		changed = handle_netconf(c, nlh);
		break;
	case RTM_NEWVLAN:
	case RTM_DELVLAN:
		changed = handle_vlan(c, nlh);
		break;
	}
	if (changed)
		c->n_events++;
	return changed;
}

static void handle_cb(const struct nlmsghdr *nlh, void *data)
{
	sdnd_cache_handle(data, nlh);
}

static bool any_vlan_filtering(const struct sdnd_cache *c)
{
	size_t i;

	for (i = 0; i < c->links.n; i++)
		if (!c->links.objs[i].gone && c->links.objs[i].link.vlan_filtering)
			return true;
	return false;
}

int sdnd_cache_dump(struct sdnd_cache *c, struct snl *nl)
{
	static const struct {
		uint16_t type;
		uint8_t family;
	} tables[] = {
		{ RTM_GETLINK, AF_UNSPEC },
		{ RTM_GETADDR, AF_UNSPEC },
		{ RTM_GETNEIGH, AF_BRIDGE },
		{ RTM_GETLINK, AF_BRIDGE },      /* port VLANs: only with a VLAN-aware bridge */
	};
	unsigned int attempt;
	size_t i;
	int r = 0;

	for (attempt = 0; attempt < 5; attempt++) {
		sdnd_objset_reset(&c->links);
		sdnd_objset_reset(&c->addrs);
		sdnd_objset_reset(&c->fdbs);
		if (c->by_ifindex)
			memset(c->by_ifindex, 0, c->n_by_ifindex * sizeof(*c->by_ifindex));
		vids_forget_all(c);
		for (i = 0; i < ARRAY_SIZE(tables); i++) {
			if (tables[i].family == AF_BRIDGE && tables[i].type == RTM_GETLINK &&
			    !c->want_brports && !any_vlan_filtering(c))
				continue;
			r = snl_dump(nl, tables[i].type, tables[i].family, handle_cb, c);
			if (r < 0)
				break;
		}
		if (r != -EINTR)
			break;
	}
	if (r == 0)
		c->stale = false;
	return r;
}

int sdnd_cache_read_events(struct sdnd_cache *c, struct snl *nl)
{
	int r = snl_events_read(nl, handle_cb, c);

	if (r == -ENOBUFS)
		c->stale = true;
	return r;
}

int sdnd_cache_env(struct sdnd_cache *c, const char *node, struct zone_env *ret_env)
{
	size_t i;
	int r;

	c->n_local = 0;
	for (i = 0; i < c->addrs.n; i++) {
		const struct sdnd_obj *o = &c->addrs.objs[i];
		const struct sdnd_link *l;

		if (o->gone)
			continue;
		r = sdnd_grow(&c->local, &c->cap_local, c->n_local + 1, sizeof(*c->local));
		if (r < 0)
			return r;
		l = sdnd_cache_link(c, o->addr.ifname);
		c->local[c->n_local].ip = o->addr.ip;
		c->local[c->n_local].mtu = l ? l->mtu : 0;
		c->n_local++;
	}
	c->n_local_links = 0;
	for (i = 0; i < c->links.n; i++) {
		const struct sdnd_link *l = &c->links.objs[i].link;
		const struct sdnd_link *m;
		struct zone_local_link *z;

		if (c->links.objs[i].gone)
			continue;
		r = sdnd_grow(&c->local_links, &c->cap_local_links, c->n_local_links + 1,
			      sizeof(*c->local_links));
		if (r < 0)
			return r;
		z = &c->local_links[c->n_local_links++];
		memset(z, 0, sizeof(*z));
		sdnd_strlcpy(z->name, l->ifname, sizeof(z->name));
		sdnd_strlcpy(z->kind, l->kind, sizeof(z->kind));
		m = sdnd_cache_link_by_index(c, l->master_ifindex);
		if (m)
			sdnd_strlcpy(z->master, m->ifname, sizeof(z->master));
		z->vlan_filtering = l->vlan_filtering;
		z->mtu = l->mtu;
	}
	ret_env->node = node;
	ret_env->addrs = c->local;
	ret_env->n_addrs = c->n_local;
	ret_env->links = c->local_links;
	ret_env->n_links = c->n_local_links;
	return 0;
}
