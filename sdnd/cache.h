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
	struct sdnd_objset fdbs;     /* only entries with a remote destination */
	uint32_t *by_ifindex;        /* ifindex -> index in links + 1 */
	size_t n_by_ifindex;
	bool stale;                  /* events were lost: dump again before trusting it */
	uint64_t n_events;           /* events that changed something */
	struct zone_local_addr *local; /* scratch for sdnd_cache_env() */
	size_t n_local, cap_local;
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
int sdnd_cache_ifindex(void *cache, const char *ifname);
/* The node's addresses with their interfaces' MTU, for validation and expansion. */
int sdnd_cache_env(struct sdnd_cache *c, const char *node, struct zone_env *ret_env);

#endif
