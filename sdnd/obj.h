/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kernel objects as sdnd sees them: what a generation wants and what the kernel holds are
 * described with the same struct, so that diffing is a comparison of two values.
 */
#ifndef SDND_OBJ_H
#define SDND_OBJ_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "sdnd/ip.h"

enum sdnd_kind {
	SDND_KIND_BRIDGE,
	SDND_KIND_VXLAN,
	SDND_KIND_FDB,
	SDND_KIND_ADDR,
	SDND_KIND_FWD,
	SDND_KIND_VLAN,          /* an 802.1Q or 802.1ad device on a parent device */
	SDND_KIND_VETH,          /* a veth pair, created from this end */
	SDND_KIND_VETH_PEER,     /* the other end: configured once the pair exists */
	SDND_KIND_VIDS,          /* the VLANs of a bridge port, or of a bridge itself */
	SDND_KIND_PORT,          /* a guest's port: attachment (master, MTU, up, learning),
				  * isolation */
	SDND_KIND_BRPROTO,       /* the VLAN protocol of an uplink bridge that is not sdnd's */
	SDND_KIND_SFDB,          /* a static forwarding entry on a guest's port */
	_SDND_KIND_MAX,
};

#define SDND_ALIAS_MAX 256
#define SDND_KEY_MAX 96

/* A network device: a bridge, a VXLAN, VLAN or veth device. */
struct sdnd_link {
	char ifname[IFNAMSIZ];
	char master[IFNAMSIZ];       /* wanted master by name; "" = none */
	uint32_t mtu;                /* 0: leave as the kernel chose */
	bool up;
	char alias[SDND_ALIAS_MAX + 1];
	/* bridge */
	uint32_t stp_state;
	uint32_t forward_delay;      /* in USER_HZ (centiseconds), as the kernel reports it */
	/* vxlan */
	uint32_t vni;
	uint16_t port;               /* host byte order */
	struct sdnd_ip local;
	bool learning;
	/* bridge */
	bool isolate_ports;          /* wanted: its guest ports (not sdnd's) are isolated */
	uint8_t vlan_filtering;
	uint16_t vlan_protocol;      /* host order; 0: leave as the kernel chose */
	/* vlan: the parent device; veth: the peer */
	char link[IFNAMSIZ];
	uint16_t vid;
	/* observed only */
	int link_ifindex;
	int brport_isolated;         /* as a bridge port: isolated flag, -1 when unknown */
	int brport_learning;         /* as a bridge port: learning flag, -1 when unknown */
	int ifindex;
	int master_ifindex;
	char kind[16];               /* IFLA_INFO_KIND, "" when none */
	int fwd4, fwd6;              /* per-device forwarding; -1 when unknown */
};

/*
 * A head-end replication entry: frames for mac go to dst through the VXLAN device. As a static
 * entry (SDND_KIND_SFDB), frames for mac in VLAN vid (0: none) go to the bridge port ifname.
 */
struct sdnd_fdb {
	char ifname[IFNAMSIZ];
	uint8_t mac[6];
	struct sdnd_ip dst;
	uint16_t vid;
};

/* An address on a device (a subnet gateway). */
struct sdnd_addr {
	char ifname[IFNAMSIZ];
	struct sdnd_ip ip;
	uint8_t prefixlen;
};

/* Forwarding enabled on a device for one address family. */
struct sdnd_fwd {
	char ifname[IFNAMSIZ];
	int family;
	int value;                   /* wanted: 1; observed: the kernel's value, -1 unknown */
};

#define SDND_VID_RANGES 24

/* VIDs lo..hi with flags (BRIDGE_VLAN_INFO_PVID, BRIDGE_VLAN_INFO_UNTAGGED; PVID: lo == hi). */
struct sdnd_vid_range {
	uint16_t lo, hi;
	uint16_t flags;
};

/*
 * The VLANs of a bridge port (or, with self, of the bridge device itself), as sorted, merged
 * ranges. Wanted sets are exact, unless subset: then only their presence is wanted (a VID sdnd
 * adds to a bridge it does not own).
 */
struct sdnd_vids {
	char ifname[IFNAMSIZ];
	bool self;
	bool subset;
	bool overflow;               /* observed: more ranges than fit; the rest comes next round */
	uint16_t n;
	struct sdnd_vid_range r[SDND_VID_RANGES];
};

/*
 * A bridge port sdnd does not own (a guest's tap or veth). Wanted for every guest port of an
 * isolate-ports vnet (isolated only), and for each attachment (everything).
 */
struct sdnd_port {
	char ifname[IFNAMSIZ];
	int isolated;                /* wanted: -1 leave as it is; observed: -1 when unknown */
	bool attached;               /* wanted: master, mtu, up and learning are wanted too */
	char master[IFNAMSIZ];       /* the vnet bridge; observed: "" when none */
	uint32_t mtu;                /* wanted: 0 leave as it is */
	bool up;
	int learning;                /* observed: -1 when unknown */
};

/*
 * The VLAN protocol (host order) of an uplink bridge sdnd does not own. sdnd records the
 * protocol it found there, and puts it back when no zone wants another one any more.
 */
struct sdnd_brproto {
	char ifname[IFNAMSIZ];
	uint16_t vlan_protocol;
	uint16_t original;           /* observed, to restore: what the bridge had before sdnd */
};

struct sdnd_obj {
	enum sdnd_kind kind;
	char key[SDND_KEY_MAX];      /* unique within a set; see sdnd_obj_key() */
	char vnet[IFNAMSIZ];         /* the vnet this object serves; "" when observed only */
	bool gone;                   /* observed only: the kernel deleted it (a tombstone) */
	union {
		struct sdnd_link link;
		struct sdnd_fdb fdb;
		struct sdnd_addr addr;
		struct sdnd_fwd fwd;
		struct sdnd_vids vids;
		struct sdnd_port port;
		struct sdnd_brproto brproto;
	};
};

/*
 * Fill obj->key from the object's identity: "link/<ifname>" for bridges and VXLAN devices
 * (they share the kernel's name space), "fdb/<ifname>/<mac>/<dst>", "addr/<ifname>/<ip>/<len>",
 * "fwd/<ifname>/<4|6>".
 */
void sdnd_obj_key(struct sdnd_obj *obj);
/* The interface name an object lives on. */
const char *sdnd_obj_ifname(const struct sdnd_obj *obj);
bool sdnd_obj_is_link(const struct sdnd_obj *obj);

const char *sdnd_kind_to_string(enum sdnd_kind k);
/* The kernel's IFLA_INFO_KIND of a link kind ("bridge", "vxlan", "vlan", "veth"), else NULL. */
const char *sdnd_kind_info_kind(enum sdnd_kind k);
/* The link kind of an observed device from its IFLA_INFO_KIND (any other: SDND_KIND_BRIDGE,
 * which only matters for deleting it). */
enum sdnd_kind sdnd_kind_from_info_kind(const char *info_kind);

/* A set of objects with lookup by key. Grows; never shrinks until freed. */
struct sdnd_objset {
	struct sdnd_obj *objs;
	size_t n, cap;
	uint32_t *buckets;           /* index + 1 into objs; 0 = empty; open addressing */
	size_t nbuckets;
};

/* Append a copy of obj (its key must be set). -EEXIST when the key is already present. */
int sdnd_objset_add(struct sdnd_objset *set, const struct sdnd_obj *obj);
struct sdnd_obj *sdnd_objset_find(const struct sdnd_objset *set, const char *key);
void sdnd_objset_clear(struct sdnd_objset *set);
/* Empty the set but keep its memory, for a set that is refilled to a similar size. */
void sdnd_objset_reset(struct sdnd_objset *set);
/* Make room for n objects in all, so that filling the set does not grow it step by step. */
int sdnd_objset_reserve(struct sdnd_objset *set, size_t n);

#endif
