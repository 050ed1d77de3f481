/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The observed kernel state: links, addresses and VXLAN FDB entries, filled by one dump and
 * kept current by rtnetlink events.
 */
#ifndef SDND_CACHE_H
#define SDND_CACHE_H

#include "sdnd/nl.h"
#include "sdnd/obj.h"
#include "zones/model.h"

struct sdnd_cache {
	struct sdnd_objset links;    /* "link/<ifname>"; deleted or renamed ones are tombstones */
	struct sdnd_objset addrs;
	struct sdnd_objset fdbs;     /* entries with a remote destination; static port entries */
	uint32_t *by_ifindex;        /* ifindex -> index in links + 1 */
	size_t n_by_ifindex;
	uint8_t **vids;              /* ifindex -> per-VID map (vlan/vids.h), NULL when none */
	size_t n_vids;
	bool stale;                  /* events were lost: dump again before trusting it */
	bool want_brports;           /* dump bridge port state (VLANs, flags) even without a
				      * VLAN-aware bridge: the configuration needs it */
	uint64_t n_events;           /* events that changed something */
	struct zone_local_addr *local; /* scratch for sdnd_cache_env() */
	size_t n_local, cap_local;
	struct zone_local_link *local_links;
	size_t n_local_links, cap_local_links;
};

void sdnd_cache_free(struct sdnd_cache *c);
/* Drop everything and dump links, addresses and bridge FDB entries again. */
int sdnd_cache_dump(struct sdnd_cache *c, struct snl *nl);
/* Apply one rtnetlink message (a dump entry or an event). Returns true if it changed the cache. */
bool sdnd_cache_handle(struct sdnd_cache *c, const struct nlmsghdr *nlh);
/* Read pending events; marks the cache stale on ENOBUFS. Returns events handled or -errno. */
int sdnd_cache_read_events(struct sdnd_cache *c, struct snl *nl);

const struct sdnd_link *sdnd_cache_link(const struct sdnd_cache *c, const char *ifname);
const struct sdnd_link *sdnd_cache_link_by_index(const struct sdnd_cache *c, int ifindex);
/* The VLANs of a port or bridge as a per-VID map (vlan/vids.h), or NULL when it has none. */
const uint8_t *sdnd_cache_vids(const struct sdnd_cache *c, int ifindex);
int sdnd_cache_ifindex(void *cache, const char *ifname);
/* The node's addresses with their interfaces' MTU, for validation and expansion. */
int sdnd_cache_env(struct sdnd_cache *c, const char *node, struct zone_env *ret_env);

#endif
