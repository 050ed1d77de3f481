/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Diff -> plan: wanted objects vs the observed kernel, as an ordered list of actions. Pure. */
#ifndef SDND_PLAN_H
#define SDND_PLAN_H

#include <json-c/json.h>
#include <stdio.h>

#include "sdnd/attach.h"
#include "sdnd/cache.h"
#include "sdnd/kind.h"
#include "sdnd/owner.h"

/* A vnet that cannot be applied because a device it needs belongs to someone else. */
struct sdnd_conflict {
	char vnet[IFNAMSIZ];
	char ifname[IFNAMSIZ];
	char msg[128];
};

struct sdnd_plan {
	struct sdnd_action *acts;
	size_t n, cap;
	struct sdnd_conflict *conflicts;
	size_t n_conflicts, cap_conflicts;
	struct sdnd_objset have;      /* snapshot of the observed objects the actions refer to */
	struct sdnd_objset dyn;       /* wanted objects that follow the kernel: guest ports */
};

/*
 * Compute what turns the kernel (cache) into want and plugs the attachments (atts, may be
 * NULL), touching only what owner says is sdnd's. Pure: reads cache and owner, writes plan.
 * Actions are sorted: deletes (kind order descending), then creates, replaces and updates
 * (kind order ascending). 0 or -ENOMEM.
 */
int sdnd_plan_compute(const struct sdnd_objset *want, const struct sdnd_attachments *atts,
		      const struct sdnd_cache *cache, const struct sdnd_owner *owner,
		      struct sdnd_plan *plan);
/* The bridge of vnet in want (so the vnet exists on this node), or NULL. Pure. */
const struct sdnd_obj *sdnd_plan_vnet_bridge(const struct sdnd_objset *want, const char *vnet);
/*
 * Whether attachment a (whose vnet is here) can be plugged now: SDND_ATTACH_PLUGGED if it can;
 * else SDND_ATTACH_ABSENT (no such interface), SDND_ATTACH_PENDING (waiting for the vnet's
 * bridge) or SDND_ATTACH_FAILED (one of sdnd's own devices), with why in words ("" if none
 * is needed). Pure.
 */
enum sdnd_attach_state sdnd_plan_attach_blocked(const struct sdnd_attach *a,
						const struct sdnd_objset *want,
						const struct sdnd_cache *cache,
						const struct sdnd_owner *owner, const char **ret_why);
void sdnd_plan_free(struct sdnd_plan *plan);
bool sdnd_plan_vnet_conflicts(const struct sdnd_plan *plan, const char *vnet);

/* One line per action: "create vxlan vxlan_web (vnet web): vni 100, port 4789, ..." */
void sdnd_action_format(const struct sdnd_action *act, char *buf, size_t size);
void sdnd_plan_print(const struct sdnd_plan *plan, FILE *f);
struct json_object *sdnd_plan_to_json(const struct sdnd_plan *plan);

#endif
