/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The contract between the core and a kind directory (bridge/, vxlan/). Each kind supplies one
 * sdnd_kind_ops table; the core diffs, describes and encodes objects only through it.
 */
#ifndef SDND_KIND_H
#define SDND_KIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sdnd/nl.h"
#include "sdnd/obj.h"

enum sdnd_act_type {
	SDND_ACT_CREATE,
	SDND_ACT_UPDATE,
	SDND_ACT_REPLACE,
	SDND_ACT_DELETE,
	_SDND_ACT_MAX,
};

const char *sdnd_act_to_string(enum sdnd_act_type t);
/* "802.1ad" for ETH_P_8021AD, else "802.1q" (host byte order). */
const char *sdnd_vlan_proto_name(uint16_t proto);

enum sdnd_diff_result {
	SDND_DIFF_NONE,
	SDND_DIFF_UPDATE,
	SDND_DIFF_REPLACE,
};

/* Attribute bits of links, shared by every link kind. */
enum {
	SDND_LINK_MTU = 1u << 0,
	SDND_LINK_UP = 1u << 1,
	SDND_LINK_ALIAS = 1u << 2,
	SDND_LINK_MASTER = 1u << 3,
	SDND_LINK_STP = 1u << 4,
	SDND_LINK_FWD_DELAY = 1u << 5,
	SDND_LINK_VNI = 1u << 6,
	SDND_LINK_PORT = 1u << 7,
	SDND_LINK_LOCAL = 1u << 8,
	SDND_LINK_LEARNING = 1u << 9,
	SDND_LINK_KIND = 1u << 10,
	SDND_FWD_VALUE = 1u << 11,
	SDND_LINK_PARENT = 1u << 12,       /* vlan: parent device; veth: peer */
	SDND_LINK_VID = 1u << 13,
	SDND_LINK_VLAN_PROTO = 1u << 14,
	SDND_LINK_VLAN_FILTERING = 1u << 15,
	SDND_VIDS_SET = 1u << 16,
	SDND_PORT_ISOLATED = 1u << 17,
};

struct sdnd_action {
	enum sdnd_act_type type;
	const struct sdnd_obj *want;     /* NULL for delete */
	const struct sdnd_obj *have;     /* NULL for create */
	uint32_t changed;                /* SDND_LINK_* bits, for update and replace */
	const char *reason;              /* why, in words; static storage */
};

/* One changed attribute, for plan output. from is "" on create, to is "" on delete. */
struct sdnd_change {
	const char *attr;
	char from[SDND_ALIAS_MAX + 3];
	char to[SDND_ALIAS_MAX + 3];
};

#define SDND_MAX_CHANGES 12

/* Resolves interface names to indexes from the observed kernel state. */
struct sdnd_resolver {
	int (*ifindex)(void *ctx, const char *ifname);   /* 0 when unknown */
	void *ctx;
};

struct sdnd_kind_ops {
	enum sdnd_kind kind;
	const char *name;
	unsigned int order;              /* create ascending, delete descending */
	/*
	 * Pure. Compare want with have (same key). Return NONE, UPDATE (attributes in
	 * *ret_changed can be changed in place) or REPLACE (some cannot; *ret_changed says
	 * which differ). *ret_reason may point to static text.
	 */
	enum sdnd_diff_result (*diff)(const struct sdnd_obj *want, const struct sdnd_obj *have,
				      uint32_t *ret_changed, const char **ret_reason);
	/*
	 * Pure. Describe an action's attributes into changes[] (at most SDND_MAX_CHANGES);
	 * returns how many. Creates list every attribute set, updates the changed ones.
	 */
	size_t (*describe)(const struct sdnd_action *act, struct sdnd_change *changes);
	/*
	 * Encode the requests for one step of an action into the batch, tagged with tag. Pure but
	 * for writing b. For a replace, step is SDND_ACT_DELETE then SDND_ACT_CREATE.
	 * Returns 0, -ENODEV when a device it needs is unknown to res, or -errno.
	 */
	int (*encode)(const struct sdnd_action *act, enum sdnd_act_type step, struct snl_batch *b,
		      const struct sdnd_resolver *res, uint32_t tag);
	/*
	 * Parse the kind-specific IFLA_INFO_DATA of an observed link into l (links only; NULL
	 * otherwise). Pure.
	 */
	void (*parse_info)(const struct nlattr *info_data, struct sdnd_link *l);
};

extern const struct sdnd_kind_ops br_bridge_ops;
extern const struct sdnd_kind_ops br_addr_ops;
extern const struct sdnd_kind_ops br_fwd_ops;
extern const struct sdnd_kind_ops vxlan_link_ops;
extern const struct sdnd_kind_ops vxlan_fdb_ops;
extern const struct sdnd_kind_ops vlan_link_ops;
extern const struct sdnd_kind_ops vlan_vids_ops;
extern const struct sdnd_kind_ops br_veth_ops;
extern const struct sdnd_kind_ops br_veth_peer_ops;
extern const struct sdnd_kind_ops br_port_ops;
extern const struct sdnd_kind_ops br_proto_ops;
extern const struct sdnd_kind_ops br_sfdb_ops;

/* The table of every kind, indexed by enum sdnd_kind. */
const struct sdnd_kind_ops *sdnd_kind_ops(enum sdnd_kind k);
/* The link kind whose IFLA_INFO_KIND is s ("bridge", "vxlan"), or NULL. */
const struct sdnd_kind_ops *sdnd_kind_by_info_kind(const char *s);

/* The diff of kinds whose key is the whole object (FDB entries): equal keys, nothing to do. */
enum sdnd_diff_result sdnd_diff_by_key(const struct sdnd_obj *want, const struct sdnd_obj *have,
				       uint32_t *ret_changed, const char **ret_reason);

/* Generic link attributes shared by link kinds (sdnd/link.c). */
enum sdnd_diff_result sdnd_link_diff_common(const struct sdnd_link *want,
					    const struct sdnd_link *have, uint32_t *changed);
size_t sdnd_link_describe_common(const struct sdnd_action *act, struct sdnd_change *c, size_t n);
/*
 * Start an RTM_NEWLINK (create or update) or RTM_DELLINK for the action's link and put the
 * generic attributes; the kind adds IFLA_LINKINFO. Returns the message or NULL with errno.
 */
struct nlmsghdr *sdnd_link_encode_common(const struct sdnd_action *act, enum sdnd_act_type step,
					 struct snl_batch *b, const struct sdnd_resolver *res);

/*
 * Add or delete a bridge FDB entry (AF_BRIDGE neighbour) for mac on device ifindex: state and
 * flags as NUD_* and NTF_* (NTF_SELF: the device's own table, NTF_MASTER: its bridge's), dst and
 * vid only when set (dst may be NULL). 0 or -ENOMEM.
 */
int sdnd_fdb_encode(struct snl_batch *b, bool del, int ifindex, const uint8_t *mac,
		    uint16_t state, uint8_t flags, const struct sdnd_ip *dst, uint16_t vid,
		    uint32_t tag);

/*
 * Commit a link message started with sdnd_link_encode_common(). On create the kernel ignores
 * IFLA_IFALIAS, and a bridge keeps following its ports' MTU until its MTU is changed: both are
 * set in further requests addressed by name.
 */
int sdnd_link_encode_finish(const struct sdnd_action *act, enum sdnd_act_type step,
			    struct snl_batch *b, uint32_t tag);

#endif
