// SPDX-License-Identifier: GPL-2.0-or-later
#include "sdnd/plan.h"

#include <linux/if_bridge.h>

#include "sdnd/util.h"
#include "vlan/vids.h"

static const struct sdnd_obj *action_obj(const struct sdnd_action *a)
{
	return a->want ? a->want : a->have;
}

void sdnd_plan_free(struct sdnd_plan *plan)
{
	free(plan->acts);
	free(plan->conflicts);
	sdnd_objset_clear(&plan->have);
	sdnd_objset_clear(&plan->dyn);
	memset(plan, 0, sizeof(*plan));
}

bool sdnd_plan_vnet_conflicts(const struct sdnd_plan *plan, const char *vnet)
{
	size_t i;

	for (i = 0; i < plan->n_conflicts; i++)
		if (!strcmp(plan->conflicts[i].vnet, vnet))
			return true;
	return false;
}

static int add_action(struct sdnd_plan *plan, enum sdnd_act_type type, const struct sdnd_obj *want,
		      const struct sdnd_obj *have, uint32_t changed, const char *reason)
{
	int r = sdnd_grow(&plan->acts, &plan->cap, plan->n + 1, sizeof(*plan->acts));

	if (r < 0)
		return r;
	plan->acts[plan->n++] = (struct sdnd_action){
		.type = type, .want = want, .have = have, .changed = changed, .reason = reason,
	};
	return 0;
}

static int add_conflict(struct sdnd_plan *plan, const char *vnet, const char *ifname,
			const char *msg)
{
	struct sdnd_conflict *c;
	int r;

	if (sdnd_plan_vnet_conflicts(plan, vnet))
		return 0;
	r = sdnd_grow(&plan->conflicts, &plan->cap_conflicts, plan->n_conflicts + 1,
		      sizeof(*plan->conflicts));
	if (r < 0)
		return r;
	c = &plan->conflicts[plan->n_conflicts++];
	sdnd_strlcpy(c->vnet, vnet, sizeof(c->vnet));
	sdnd_strlcpy(c->ifname, ifname, sizeof(c->ifname));
	snprintf(c->msg, sizeof(c->msg), "interface %s exists and is not managed by sdnd", ifname);
	if (msg)
		snprintf(c->msg, sizeof(c->msg), "%s", msg);
	return 0;
}

/* Is the observed link one sdnd created (or is adopting after a crash mid-create)? */
static bool link_owned(const struct sdnd_owner *owner, const struct sdnd_link *l,
		       const char *want_kind)
{
	char key[SDND_KEY_MAX];
	const struct sdnd_owner_entry *e;

	snprintf(key, sizeof(key), "link/%s", l->ifname);
	e = sdnd_owner_get(owner, key);
	if (!e)
		return false;
	if (e->ifindex)
		return e->ifindex == l->ifindex;
	return !strcmp(e->kind, l->kind) && (!want_kind || !strcmp(want_kind, l->kind));
}

/* Snapshot the observed counterpart of a wanted object, if the kernel has one. */
static int snapshot_want(const struct sdnd_obj *w, const struct sdnd_cache *cache,
			 struct sdnd_objset *have)
{
	const struct sdnd_link *l;
	const struct sdnd_obj *o;
	struct sdnd_obj h;

	if (sdnd_objset_find(have, w->key))
		return 0;
	switch (w->kind) {
	case SDND_KIND_BRIDGE:
	case SDND_KIND_VXLAN:
	case SDND_KIND_VLAN:
	case SDND_KIND_VETH:
	case SDND_KIND_VETH_PEER:
		l = sdnd_cache_link(cache, w->link.ifname);
		if (!l)
			return 0;
		memset(&h, 0, sizeof(h));
		h.kind = w->kind;
		h.link = *l;
		if (l->master_ifindex) {
			const struct sdnd_link *m = sdnd_cache_link_by_index(cache, l->master_ifindex);

			sdnd_strlcpy(h.link.master, m ? m->ifname : "?", sizeof(h.link.master));
		}
		if (l->link_ifindex) {
			const struct sdnd_link *p = sdnd_cache_link_by_index(cache, l->link_ifindex);

			/* "" while the peer or parent is going away: nothing to compare yet */
			sdnd_strlcpy(h.link.link, p ? p->ifname : "", sizeof(h.link.link));
		}
		break;
	case SDND_KIND_BRPROTO:
		l = sdnd_cache_link(cache, w->brproto.ifname);
		if (!l)
			return 0;
		memset(&h, 0, sizeof(h));
		h.kind = SDND_KIND_BRPROTO;
		sdnd_strlcpy(h.brproto.ifname, w->brproto.ifname, sizeof(h.brproto.ifname));
		h.brproto.vlan_protocol = l->vlan_protocol;
		break;
	case SDND_KIND_VIDS: {
		const uint8_t *map;

		l = sdnd_cache_link(cache, w->vids.ifname);
		if (!l)
			return 0;
		memset(&h, 0, sizeof(h));
		h.kind = SDND_KIND_VIDS;
		sdnd_strlcpy(h.vids.ifname, w->vids.ifname, sizeof(h.vids.ifname));
		h.vids.self = w->vids.self;
		h.vids.subset = w->vids.subset;
		map = sdnd_cache_vids(cache, l->ifindex);
		if (map)
			vlan_vids_from_map(map, &h.vids);
		break;
	}
	case SDND_KIND_FDB:
		o = sdnd_objset_find(&cache->fdbs, w->key);
		if (!o || o->gone)
			return 0;
		h = *o;
		break;
	case SDND_KIND_ADDR:
		o = sdnd_objset_find(&cache->addrs, w->key);
		if (!o || o->gone)
			return 0;
		h = *o;
		break;
	case SDND_KIND_FWD:
		l = sdnd_cache_link(cache, w->fwd.ifname);
		if (!l)
			return 0;
		memset(&h, 0, sizeof(h));
		h.kind = SDND_KIND_FWD;
		h.fwd = w->fwd;
		h.fwd.value = w->fwd.family == AF_INET6 ? l->fwd6 : l->fwd4;
		break;
	default:
		return 0;
	}
	sdnd_strlcpy(h.vnet, w->vnet, sizeof(h.vnet));
	h.gone = false;
	sdnd_obj_key(&h);
	/* A link's key is its name: keep the wanted key even if the kind differs. */
	sdnd_strlcpy(h.key, w->key, sizeof(h.key));
	return sdnd_objset_add(have, &h);
}

/* Is ifname (a device sdnd owns) going away in this plan? */
static bool link_deleted(const struct sdnd_objset *want, const struct sdnd_owner *owner,
			 const struct sdnd_cache *cache, const char *ifname)
{
	char key[SDND_KEY_MAX];
	const struct sdnd_link *l = sdnd_cache_link(cache, ifname);

	snprintf(key, sizeof(key), "link/%s", ifname);
	return l && !sdnd_objset_find(want, key) && link_owned(owner, l, NULL);
}

/*
 * May sdnd remove things from device ifname? Only from a device it owns, and not while the
 * vnet that wants the device is skipped for a conflict.
 */
static bool may_prune_on(const struct sdnd_plan *plan, const struct sdnd_objset *want,
			 const struct sdnd_cache *cache, const struct sdnd_owner *owner,
			 const char *ifname)
{
	const struct sdnd_link *l = sdnd_cache_link(cache, ifname);
	char key[SDND_KEY_MAX];
	const struct sdnd_obj *w;

	if (!l || !link_owned(owner, l, NULL))
		return false;
	snprintf(key, sizeof(key), "link/%s", ifname);
	w = sdnd_objset_find(want, key);
	return !w || !sdnd_plan_vnet_conflicts(plan, w->vnet);
}

/* Snapshot what sdnd owns and no longer wants: links, addresses, FDB entries. */
static int snapshot_unwanted(const struct sdnd_plan *plan, const struct sdnd_objset *want,
			     const struct sdnd_cache *cache, const struct sdnd_owner *owner,
			     struct sdnd_objset *have)
{
	size_t i;
	int r;

	for (i = 0; i < cache->links.n; i++) {
		const struct sdnd_obj *o = &cache->links.objs[i];

		if (o->gone || sdnd_objset_find(want, o->key) || !link_owned(owner, &o->link, NULL))
			continue;
		r = sdnd_objset_add(have, o);
		if (r < 0 && r != -EEXIST)
			return r;
	}
	for (i = 0; i < cache->addrs.n; i++) {
		const struct sdnd_obj *o = &cache->addrs.objs[i];

		if (o->gone || sdnd_objset_find(want, o->key) || !sdnd_owner_get(owner, o->key) ||
		    !may_prune_on(plan, want, cache, owner, o->addr.ifname) ||
		    link_deleted(want, owner, cache, o->addr.ifname))
			continue;
		r = sdnd_objset_add(have, o);
		if (r < 0 && r != -EEXIST)
			return r;
	}
	/* Uplink protocols sdnd changed and no zone wants changed any more: to be put back. */
	for (i = 0; i < owner->cap; i++) {
		const struct sdnd_owner_entry *e = &owner->e[i];
		struct sdnd_obj o = { .kind = SDND_KIND_BRPROTO };
		const struct sdnd_link *l;

		if (!e->used || strncmp(e->key, "brproto/", 8) || sdnd_objset_find(want, e->key))
			continue;
		l = sdnd_cache_link(cache, e->key + 8);
		if (!l || l->vlan_protocol == (uint16_t)strtoul(e->kind, NULL, 0))
			continue;
		sdnd_strlcpy(o.brproto.ifname, l->ifname, sizeof(o.brproto.ifname));
		o.brproto.vlan_protocol = l->vlan_protocol;
		o.brproto.original = (uint16_t)strtoul(e->kind, NULL, 0);
		sdnd_obj_key(&o);
		r = sdnd_objset_add(have, &o);
		if (r < 0 && r != -EEXIST)
			return r;
	}
	/* VIDs sdnd added to bridges that are not its own, no longer wanted. */
	for (i = 0; i < owner->cap; i++) {
		const struct sdnd_owner_entry *e = &owner->e[i];
		struct sdnd_obj o = { .kind = SDND_KIND_VIDS };
		const struct sdnd_link *l;
		const uint8_t *map;
		char ifname[IFNAMSIZ];
		unsigned int vid;

		if (!e->used || strncmp(e->key, "vid/", 4) || sdnd_objset_find(want, e->key) ||
		    sscanf(e->key + 4, "%15[^/]/%u", ifname, &vid) != 2 || !vid ||
		    vid >= VLAN_VID_COUNT)
			continue;
		l = sdnd_cache_link(cache, ifname);
		map = l ? sdnd_cache_vids(cache, l->ifindex) : NULL;
		if (!map || !map[vid])
			continue;
		sdnd_strlcpy(o.vids.ifname, ifname, sizeof(o.vids.ifname));
		o.vids.self = o.vids.subset = true;
		o.vids.n = 1;
		o.vids.r[0] = (struct sdnd_vid_range){ .lo = (uint16_t)vid, .hi = (uint16_t)vid };
		sdnd_obj_key(&o);
		r = sdnd_objset_add(have, &o);
		if (r < 0 && r != -EEXIST)
			return r;
	}
	/* The remote entries of an owned VXLAN device are all sdnd's. */
	for (i = 0; i < cache->fdbs.n; i++) {
		const struct sdnd_obj *o = &cache->fdbs.objs[i];
		static const uint8_t zero[6];

		if (o->gone || o->kind != SDND_KIND_FDB || memcmp(o->fdb.mac, zero, 6) ||
		    sdnd_objset_find(want, o->key) ||
		    !may_prune_on(plan, want, cache, owner, o->fdb.ifname) ||
		    link_deleted(want, owner, cache, o->fdb.ifname))
			continue;
		r = sdnd_objset_add(have, o);
		if (r < 0 && r != -EEXIST)
			return r;
	}
	return 0;
}

/* The observed state of a guest port, keyed "port/<ifname>". */
static void observe_port(const struct sdnd_cache *cache, const struct sdnd_link *l,
			 struct sdnd_obj *ret)
{
	const struct sdnd_link *m = l->master_ifindex ?
					    sdnd_cache_link_by_index(cache, l->master_ifindex) : NULL;

	memset(ret, 0, sizeof(*ret));
	ret->kind = SDND_KIND_PORT;
	sdnd_strlcpy(ret->port.ifname, l->ifname, sizeof(ret->port.ifname));
	sdnd_strlcpy(ret->port.master, m ? m->ifname : l->master_ifindex ? "?" : "",
		     sizeof(ret->port.master));
	ret->port.mtu = l->mtu;
	ret->port.up = l->up;
	ret->port.isolated = l->brport_isolated;
	ret->port.learning = l->brport_learning;
	sdnd_obj_key(ret);
}

/* Add a wanted dynamic object and, if given, its observed counterpart. */
static int add_dyn(struct sdnd_plan *plan, const struct sdnd_obj *w, const struct sdnd_obj *h)
{
	int r = sdnd_objset_add(&plan->dyn, w);

	if (r < 0)
		return r == -EEXIST ? 0 : r;
	if (!h)
		return 0;
	r = sdnd_objset_add(&plan->have, h);
	return r == -EEXIST ? 0 : r;
}

const struct sdnd_obj *sdnd_plan_vnet_bridge(const struct sdnd_objset *want, const char *vnet)
{
	char key[SDND_KEY_MAX];
	const struct sdnd_obj *w;

	snprintf(key, sizeof(key), "link/%s", vnet);
	w = sdnd_objset_find(want, key);
	return w && w->kind == SDND_KIND_BRIDGE && !strcmp(w->vnet, vnet) ? w : NULL;
}

enum sdnd_attach_state sdnd_plan_attach_blocked(const struct sdnd_attach *a,
						const struct sdnd_objset *want,
						const struct sdnd_cache *cache,
						const struct sdnd_owner *owner, const char **ret_why)
{
	const struct sdnd_link *l = sdnd_cache_link(cache, a->ifname);
	char key[SDND_KEY_MAX];

	snprintf(key, sizeof(key), "link/%s", a->ifname);
	if (sdnd_objset_find(want, key) || (l && link_owned(owner, l, NULL))) {
		*ret_why = "the interface is one of sdnd's own devices";
		return SDND_ATTACH_FAILED;
	}
	if (!l) {
		*ret_why = "";
		return SDND_ATTACH_ABSENT;
	}
	if (!sdnd_cache_link(cache, a->vnet) || !sdnd_plan_vnet_bridge(want, a->vnet)) {
		*ret_why = "waiting for the vnet's bridge";
		return SDND_ATTACH_PENDING;
	}
	*ret_why = "";
	return SDND_ATTACH_PLUGGED;
}

/*
 * The attachments whose interface exists: the port plugged into its vnet bridge with the
 * vnet's MTU, up, its learning flag and the vnet's isolation; its VLANs on a VLAN-aware vnet;
 * a static FDB entry for its MAC when learning is off. Ports of removed attachments are taken
 * out of their bridge.
 */
static int snapshot_attachments(const struct sdnd_objset *want,
				const struct sdnd_attachments *atts,
				const struct sdnd_cache *cache, const struct sdnd_owner *owner,
				struct sdnd_plan *plan)
{
	size_t i;
	int r;

	for (i = 0; atts && i < atts->n; i++) {
		const struct sdnd_attach *a = &atts->a[i];
		const struct sdnd_obj *bw = sdnd_plan_vnet_bridge(want, a->vnet);
		const struct sdnd_link *l, *br;
		struct sdnd_obj w = { .kind = SDND_KIND_PORT }, h;
		const char *why;

		if (!bw || sdnd_plan_vnet_conflicts(plan, a->vnet) ||
		    sdnd_plan_attach_blocked(a, want, cache, owner, &why) != SDND_ATTACH_PLUGGED)
			continue;
		l = sdnd_cache_link(cache, a->ifname);
		br = sdnd_cache_link(cache, a->vnet);
		sdnd_strlcpy(w.vnet, a->vnet, sizeof(w.vnet));
		sdnd_strlcpy(w.port.ifname, a->ifname, sizeof(w.port.ifname));
		sdnd_strlcpy(w.port.master, a->vnet, sizeof(w.port.master));
		w.port.attached = true;
		w.port.isolated = bw->link.isolate_ports;
		w.port.mtu = bw->link.mtu ? bw->link.mtu : br->mtu;
		w.port.up = true;
		w.port.learning = a->learning;
		sdnd_obj_key(&w);
		observe_port(cache, l, &h);
		sdnd_strlcpy(h.vnet, a->vnet, sizeof(h.vnet));
		r = add_dyn(plan, &w, &h);
		if (r < 0)
			return r;
		/* the port's VLANs and forwarding entry only mean something (and are only
		 * accepted) once it is in the bridge: the next round adds them */
		if (l->master_ifindex != br->ifindex)
			continue;
		if (bw->link.vlan_filtering) {
			struct sdnd_obj v = { .kind = SDND_KIND_VIDS };

			if (sdnd_attach_vids(a, &v.vids) < 0)
				continue;
			sdnd_strlcpy(v.vnet, a->vnet, sizeof(v.vnet));
			sdnd_obj_key(&v);
			r = snapshot_want(&v, cache, &plan->have);
			if (r == 0)
				r = add_dyn(plan, &v, NULL);
			if (r < 0)
				return r;
		}
		if (!a->learning && a->has_mac) {
			struct sdnd_obj f = { .kind = SDND_KIND_SFDB };
			const struct sdnd_obj *o;
			struct sdnd_vids v;

			sdnd_strlcpy(f.vnet, a->vnet, sizeof(f.vnet));
			sdnd_strlcpy(f.fdb.ifname, a->ifname, sizeof(f.fdb.ifname));
			memcpy(f.fdb.mac, a->mac, 6);
			/* on a VLAN-aware vnet the entry is for the port's untagged VLAN */
			if (bw->link.vlan_filtering && sdnd_attach_vids(a, &v) == 0)
				for (size_t k = 0; k < v.n; k++)
					if (v.r[k].flags & BRIDGE_VLAN_INFO_PVID)
						f.fdb.vid = v.r[k].lo;
			sdnd_obj_key(&f);
			o = sdnd_objset_find(&cache->fdbs, f.key);
			r = add_dyn(plan, &f, o && !o->gone ? o : NULL);
			if (r < 0)
				return r;
		}
	}
	/*
	 * Static entries on ports whose attachment has learning off: only its own stays. With
	 * learning on they are the operator's, but for the one sdnd made before learning was
	 * turned back on.
	 */
	for (i = 0; atts && i < cache->fdbs.n; i++) {
		const struct sdnd_obj *o = &cache->fdbs.objs[i];
		const struct sdnd_attach *a;

		if (o->gone || o->kind != SDND_KIND_SFDB || sdnd_objset_find(&plan->dyn, o->key))
			continue;
		const struct sdnd_link *l, *br;
		char key[SDND_KEY_MAX];

		a = sdnd_attachments_find(atts, o->fdb.ifname);
		snprintf(key, sizeof(key), "port/%s", o->fdb.ifname);
		if (!a || !sdnd_objset_find(&plan->dyn, key) ||
		    (a->learning && !(a->has_stale_mac && !memcmp(a->stale_mac, o->fdb.mac, 6))))
			continue;
		/* only on a port in its vnet: the entries of a port elsewhere are not its vnet's */
		l = sdnd_cache_link(cache, a->ifname);
		br = sdnd_cache_link(cache, a->vnet);
		if (!l || !br || l->master_ifindex != br->ifindex)
			continue;
		r = sdnd_objset_add(&plan->have, o);
		if (r < 0 && r != -EEXIST)
			return r;
	}
	for (i = 0; atts && i < atts->n_unplug; i++) {
		const struct sdnd_unplug *u = &atts->unplug[i];
		const struct sdnd_link *l = sdnd_cache_link(cache, u->ifname);
		const struct sdnd_link *br = sdnd_cache_link(cache, u->bridge);
		struct sdnd_obj h;

		if (!l || !br || l->master_ifindex != br->ifindex ||
		    (u->ifindex && u->ifindex != l->ifindex) ||
		    sdnd_attachments_find(atts, u->ifname))
			continue;
		observe_port(cache, l, &h);
		h.port.attached = true;
		r = sdnd_objset_add(&plan->have, &h);
		if (r < 0 && r != -EEXIST)
			return r;
	}
	return 0;
}

/*
 * The flags wanted on guest ports: every port of an isolate-ports bridge that is not one of
 * sdnd's own devices is isolated. Adds the wanted flags to plan->dyn, the observed to have.
 */
static int snapshot_guest_ports(const struct sdnd_objset *want, const struct sdnd_cache *cache,
				struct sdnd_plan *plan)
{
	size_t i, j;
	int r;

	for (i = 0; i < want->n; i++) {
		const struct sdnd_obj *w = &want->objs[i];
		const struct sdnd_link *br;

		if (w->kind != SDND_KIND_BRIDGE || !w->link.isolate_ports ||
		    sdnd_plan_vnet_conflicts(plan, w->vnet))
			continue;
		br = sdnd_cache_link(cache, w->link.ifname);
		if (!br)
			continue;
		for (j = 0; j < cache->links.n; j++) {
			const struct sdnd_obj *p = &cache->links.objs[j];
			struct sdnd_obj o = { .kind = SDND_KIND_PORT }, h;

			if (p->gone || p->link.master_ifindex != br->ifindex ||
			    sdnd_objset_find(want, p->key))
				continue;
			sdnd_strlcpy(o.port.ifname, p->link.ifname, sizeof(o.port.ifname));
			sdnd_strlcpy(o.vnet, w->vnet, sizeof(o.vnet));
			o.port.isolated = 1;
			sdnd_obj_key(&o);
			observe_port(cache, &p->link, &h);
			sdnd_strlcpy(h.vnet, w->vnet, sizeof(h.vnet));
			r = add_dyn(plan, &o, &h);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int act_order(const struct sdnd_action *a)
{
	int order = (int)sdnd_kind_ops(action_obj(a)->kind)->order;

	return a->type == SDND_ACT_DELETE ? -order : order;
}

static int cmp_action(const void *x, const void *y)
{
	const struct sdnd_action *a = x, *b = y;
	int oa = act_order(a), ob = act_order(b);

	if (oa != ob)
		return oa < ob ? -1 : 1;
	return strcmp(action_obj(a)->key, action_obj(b)->key);
}

int sdnd_plan_compute(const struct sdnd_objset *want, const struct sdnd_attachments *atts,
		      const struct sdnd_cache *cache, const struct sdnd_owner *owner,
		      struct sdnd_plan *plan)
{
	size_t i;
	int r;

	memset(plan, 0, sizeof(*plan));
	r = sdnd_objset_reserve(&plan->have, want->n + 16);
	if (r < 0)
		return r;

	/* Pass 1: foreign devices, then the snapshot. Pointers into plan->have are taken only
	 * once it is complete. */
	for (i = 0; i < want->n; i++) {
		const struct sdnd_obj *w = &want->objs[i];
		const struct sdnd_link *l;

		if (!sdnd_obj_is_link(w))
			continue;
		l = sdnd_cache_link(cache, w->link.ifname);
		if (l && !link_owned(owner, l, sdnd_kind_info_kind(w->kind))) {
			r = add_conflict(plan, w->vnet, w->link.ifname, NULL);
			if (r < 0)
				goto fail;
		}
	}
	for (i = 0; i < want->n; i++) {
		if (sdnd_plan_vnet_conflicts(plan, want->objs[i].vnet))
			continue;
		r = snapshot_want(&want->objs[i], cache, &plan->have);
		if (r < 0)
			goto fail;
	}
	r = snapshot_unwanted(plan, want, cache, owner, &plan->have);
	if (r < 0)
		goto fail;
	r = snapshot_attachments(want, atts, cache, owner, plan);
	if (r < 0)
		goto fail;
	r = snapshot_guest_ports(want, cache, plan);
	if (r < 0)
		goto fail;

	/* Pass 2: actions. */
	for (i = 0; i < want->n; i++) {
		const struct sdnd_obj *w = &want->objs[i];
		const struct sdnd_obj *h;
		const struct sdnd_kind_ops *ops = sdnd_kind_ops(w->kind);
		const char *reason = NULL;
		uint32_t changed = 0;

		if (sdnd_plan_vnet_conflicts(plan, w->vnet))
			continue;
		h = sdnd_objset_find(&plan->have, w->key);
		if (!h) {
			r = add_action(plan, SDND_ACT_CREATE, w, NULL, 0, "missing");
		} else {
			switch (ops->diff(w, h, &changed, &reason)) {
			case SDND_DIFF_NONE:
				r = 0;
				break;
			case SDND_DIFF_UPDATE:
				r = add_action(plan, SDND_ACT_UPDATE, w, h, changed, reason);
				break;
			case SDND_DIFF_REPLACE:
			default:
				r = add_action(plan, SDND_ACT_REPLACE, w, h, changed, reason);
				break;
			}
		}
		if (r < 0)
			goto fail;
	}
	for (i = 0; i < plan->dyn.n; i++) {
		const struct sdnd_obj *w = &plan->dyn.objs[i];
		const struct sdnd_obj *h = sdnd_objset_find(&plan->have, w->key);
		const char *reason = NULL;
		uint32_t changed = 0;

		if (!h)
			r = add_action(plan, SDND_ACT_CREATE, w, NULL, 0, "missing");
		else if (sdnd_kind_ops(w->kind)->diff(w, h, &changed, &reason) != SDND_DIFF_NONE)
			r = add_action(plan, SDND_ACT_UPDATE, w, h, changed, reason);
		if (r < 0)
			goto fail;
	}
	for (i = 0; i < plan->have.n; i++) {
		const struct sdnd_obj *h = &plan->have.objs[i];

		if (sdnd_objset_find(want, h->key) || sdnd_objset_find(&plan->dyn, h->key))
			continue;
		r = add_action(plan, SDND_ACT_DELETE, NULL, h, 0,
			       h->kind == SDND_KIND_PORT ? "detached" :
			       h->kind == SDND_KIND_SFDB ? "not the attachment's" :
							   "no longer in the configuration");
		if (r < 0)
			goto fail;
	}
	if (plan->n)
		qsort(plan->acts, plan->n, sizeof(*plan->acts), cmp_action);
	return 0;
fail:
	sdnd_plan_free(plan);
	return r;
}

void sdnd_action_format(const struct sdnd_action *act, char *buf, size_t size)
{
	const struct sdnd_obj *o = action_obj(act);
	const struct sdnd_kind_ops *ops = sdnd_kind_ops(o->kind);
	struct sdnd_change ch[SDND_MAX_CHANGES];
	size_t n = ops->describe(act, ch), i, off;

	off = (size_t)snprintf(buf, size, "%s %s %s", sdnd_act_to_string(act->type), ops->name,
			       sdnd_obj_ifname(o));
	if (*o->vnet && off < size)
		off += (size_t)snprintf(buf + off, size - off, " (vnet %s)", o->vnet);
	for (i = 0; i < n && off < size; i++) {
		const struct sdnd_change *c = &ch[i];
		const char *sep = i ? ", " : ": ";

		if (act->type == SDND_ACT_UPDATE || (act->type == SDND_ACT_REPLACE && *c->from &&
						     strcmp(c->from, c->to)))
			off += (size_t)snprintf(buf + off, size - off, "%s%s %s -> %s", sep, c->attr,
						*c->from ? c->from : "\"\"",
						*c->to ? c->to : "\"\"");
		else
			off += (size_t)snprintf(buf + off, size - off, "%s%s %s", sep, c->attr,
						act->type == SDND_ACT_DELETE ? c->from : c->to);
	}
	if (act->type == SDND_ACT_REPLACE && off < size)
		snprintf(buf + off, size - off, " [%s]", act->reason);
	else if (act->type == SDND_ACT_DELETE && off < size)
		snprintf(buf + off, size - off, " [%s]", act->reason);
}

void sdnd_plan_print(const struct sdnd_plan *plan, FILE *f)
{
	char line[2048];
	size_t i;

	for (i = 0; i < plan->n_conflicts; i++)
		fprintf(f, "skip vnet %s: %s\n", plan->conflicts[i].vnet, plan->conflicts[i].msg);
	for (i = 0; i < plan->n; i++) {
		sdnd_action_format(&plan->acts[i], line, sizeof(line));
		fprintf(f, "%s\n", line);
	}
	if (!plan->n)
		fprintf(f, "nothing to change\n");
}

struct json_object *sdnd_plan_to_json(const struct sdnd_plan *plan)
{
	struct json_object *root = json_object_new_object();
	struct json_object *acts = json_object_new_array();
	struct json_object *conf = json_object_new_array();
	size_t i, j;

	for (i = 0; i < plan->n; i++) {
		const struct sdnd_action *a = &plan->acts[i];
		const struct sdnd_obj *o = action_obj(a);
		const struct sdnd_kind_ops *ops = sdnd_kind_ops(o->kind);
		struct sdnd_change ch[SDND_MAX_CHANGES];
		size_t n = ops->describe(a, ch);
		struct json_object *ja = json_object_new_object();
		struct json_object *jc = json_object_new_array();

		json_object_object_add(ja, "action", json_object_new_string(sdnd_act_to_string(a->type)));
		json_object_object_add(ja, "kind", json_object_new_string(ops->name));
		json_object_object_add(ja, "name", json_object_new_string(sdnd_obj_ifname(o)));
		json_object_object_add(ja, "key", json_object_new_string(o->key));
		if (*o->vnet)
			json_object_object_add(ja, "vnet", json_object_new_string(o->vnet));
		for (j = 0; j < n; j++) {
			struct json_object *c = json_object_new_object();

			json_object_object_add(c, "attr", json_object_new_string(ch[j].attr));
			if (a->type != SDND_ACT_CREATE)
				json_object_object_add(c, "from", json_object_new_string(ch[j].from));
			if (a->type != SDND_ACT_DELETE)
				json_object_object_add(c, "to", json_object_new_string(ch[j].to));
			json_object_array_add(jc, c);
		}
		json_object_object_add(ja, "changes", jc);
		if (a->reason)
			json_object_object_add(ja, "reason", json_object_new_string(a->reason));
		json_object_array_add(acts, ja);
	}
	for (i = 0; i < plan->n_conflicts; i++) {
		struct json_object *c = json_object_new_object();

		json_object_object_add(c, "vnet", json_object_new_string(plan->conflicts[i].vnet));
		json_object_object_add(c, "interface",
				       json_object_new_string(plan->conflicts[i].ifname));
		json_object_object_add(c, "error", json_object_new_string(plan->conflicts[i].msg));
		json_object_array_add(conf, c);
	}
	json_object_object_add(root, "actions", acts);
	json_object_object_add(root, "conflicts", conf);
	return root;
}
