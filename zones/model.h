/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The declarative model: one validated generation of zones and vnets, as parsed from a
 * YAML (or JSON) document. A zone_config is immutable once zone_parse() returned it.
 */
#ifndef ZONES_MODEL_H
#define ZONES_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "firewall/fw.h"
#include "sdnd/ip.h"

#define ZONE_NAME_MAX 15        /* zone and vnet names: [A-Za-z][A-Za-z0-9_-]*, 1..15 chars */
#define ZONE_NODE_NAME_MAX 63
#define ZONE_ALIAS_MAX 256
#define ZONE_VXLAN_PORT_DEFAULT 4789
#define ZONE_VNI_MAX 16777215u
#define ZONE_RESYNC_DEFAULT 60

enum zone_type {
	ZONE_SIMPLE,
	ZONE_VXLAN,
	ZONE_VLAN,
	ZONE_QINQ,
	_ZONE_TYPE_MAX,
};

#define ZONE_VID_MAX 4094
#define ZONE_ETH_P_8021Q 0x8100
#define ZONE_ETH_P_8021AD 0x88a8

/* Where something was written: 1-based line and column in the source document. */
struct zone_loc {
	unsigned int line, col;
};

struct zone_subnet {
	struct sdnd_ip net;
	uint8_t prefixlen;
	bool has_gateway;
	struct sdnd_ip gateway;
	bool snat;                    /* masquerade what leaves the subnet (default false) */
};

struct zone_zone {
	char name[ZONE_NAME_MAX + 1];
	enum zone_type type;
	uint32_t mtu;                 /* 0: default (see the README) */
	/* vxlan */
	struct sdnd_ip *peers;
	size_t n_peers;
	bool peers_auto;              /* peers: auto, the live nodes of the cluster (zone_env) */
	uint16_t port;                /* ZONE_VXLAN_PORT_DEFAULT when not given */
	/* vlan, qinq: the uplink bridge (not sdnd's; must exist on the node) */
	char bridge[ZONE_NAME_MAX + 1];
	/* qinq: the service VLAN (S-tag) and its protocol (ZONE_ETH_P_8021Q or _8021AD) */
	uint16_t stag;
	uint16_t vlan_protocol;
	/* nodes the zone exists on; n_nodes == 0 means every node */
	char (*nodes)[ZONE_NODE_NAME_MAX + 1];
	size_t n_nodes;
	struct zone_loc loc;          /* the zone's key */
};

struct zone_vnet {
	char name[ZONE_NAME_MAX + 1];
	char zone[ZONE_NAME_MAX + 1];
	bool has_tag;
	uint32_t tag;
	char *alias;                  /* NULL when not given */
	bool vlanaware;               /* guests may send their own tags (VIDs 2-4094) */
	bool isolate_ports;           /* guest ports cannot talk to each other, only the uplink */
	struct zone_subnet *subnets;
	size_t n_subnets;
	struct zone_loc loc;          /* the vnet's key */
};

struct zone_config {
	unsigned int version;                 /* always 1 */
	char node[ZONE_NODE_NAME_MAX + 1];    /* this node's name: from the document, else env->node */
	unsigned int resync_interval;         /* seconds; ZONE_RESYNC_DEFAULT when not given */
	struct zone_zone *zones;              /* in document order */
	size_t n_zones;
	struct zone_vnet *vnets;              /* in document order */
	size_t n_vnets;
	struct fw_config fw;                  /* the firewall: and attachments: sections */
};

/* A local address and the MTU of the interface that holds it. */
struct zone_local_addr {
	struct sdnd_ip ip;
	uint32_t mtu;
};

/* A network device of this node, as validation and expansion need to know it. */
struct zone_local_link {
	char name[ZONE_NAME_MAX + 1];
	char kind[16];                /* IFLA_INFO_KIND: "bridge", "bond", "" for a physical NIC */
	char master[ZONE_NAME_MAX + 1]; /* the bridge it is a port of, "" if none */
	bool vlan_filtering;          /* bridges: VLAN-aware */
	uint32_t mtu;
};

/* A live node of the cluster, as it registered itself in the cluster store. */
struct zone_member {
	char name[ZONE_NODE_NAME_MAX + 1];
	struct sdnd_ip underlay;      /* its VTEP address */
	uint32_t mtu;                 /* of its underlay interface; 0: not known */
};

/*
 * What validation needs to know about the node it runs on. Filled by the caller (the daemon
 * from the kernel, the unit tests by hand); the parser does no I/O besides reading the file.
 */
struct zone_env {
	const char *node;                       /* default node name (the hostname) */
	const struct zone_local_addr *addrs;    /* addresses configured on this node */
	size_t n_addrs;
	const struct zone_local_link *links;    /* devices of this node; NULL: not known */
	size_t n_links;
	/*
	 * A cluster store is in use (peers: auto is allowed), and its live nodes: this one
	 * included, in any order.
	 */
	bool cluster;
	const struct zone_member *members;
	size_t n_members;
};

const struct zone_local_link *zone_env_link(const struct zone_env *env, const char *name);
/*
 * The physical port of a plain (not VLAN-aware) uplink bridge: the bridge's first port that is a
 * physical NIC or a bond, or that Proxmox VE would take for one by its name (ethN, bondN, en*,
 * optionally .VLAN); not a VM tap or a VXLAN device. NULL if none.
 */
const struct zone_local_link *zone_uplink_port(const struct zone_env *env, const char *bridge);

/* All errors of one document, each formatted "FILE:LINE:COL: key.path: message". */
struct zone_errors {
	char **msgs;
	size_t n, cap;
};

/*
 * Parse and validate a document. On success *ret_cfg is a new config and 0 is returned.
 * On any error every problem found is appended to errs, nothing is returned in *ret_cfg and
 * the result is -EINVAL (or -ENOMEM). fname is only used in messages.
 */
int zone_parse(const char *buf, size_t len, const char *fname, const struct zone_env *env,
	       struct zone_config **ret_cfg, struct zone_errors *errs);
/* As zone_parse(), reading the document from path; an unreadable file is one error. */
int zone_parse_file(const char *path, const struct zone_env *env, struct zone_config **ret_cfg,
		    struct zone_errors *errs);
void zone_config_free(struct zone_config *cfg);
void zone_errors_clear(struct zone_errors *errs);
/* printf-style append; used by the parser and by callers adding their own errors. */
int zone_errors_add(struct zone_errors *errs, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

const char *zone_type_to_string(enum zone_type t);
/* -1 when unknown */
int zone_type_from_string(const char *s);

const struct zone_zone *zone_config_find_zone(const struct zone_config *cfg, const char *name);
/* true when the zone exists on node (its nodes list is empty or names it) */
bool zone_on_node(const struct zone_zone *z, const char *node);
/*
 * The peers of a vxlan zone: its list, or with peers: auto the underlay addresses of env's
 * members the zone is on, by name, into *ret (malloc'd; NULL and 0 when none). For auto, the
 * smallest underlay MTU of those members is put in *ret_mtu (0: none known). 0 or -ENOMEM.
 */
int zone_vxlan_peers(const struct zone_zone *z, const struct zone_env *env, struct sdnd_ip **ret,
		     size_t *ret_n, uint32_t *ret_mtu);
/* The peer of a vxlan zone that is one of env's local addresses, or NULL. */
const struct zone_local_addr *zone_local_peer(const struct zone_zone *z, const struct zone_env *env,
					      const struct sdnd_ip **ret_peer);

/*
 * Kernel device names derived from vnet names. The name is used as is when it fits the
 * kernel's 15 characters; otherwise a deterministic short form is used (see the README).
 * buf must hold 16 bytes. Returns buf.
 */
const char *zone_vxlan_ifname(const char *vnet, char *buf);

/*
 * A derived device name: prefix + base + suffix when that fits 15 characters, else prefix +
 * the start of base + "_" + 4 hex digits of the FNV-1a hash of (prefix base suffix) + suffix,
 * cut to fit. buf must hold 16 bytes. Returns buf.
 */
const char *zone_ifname(char *buf, const char *prefix, const char *base, const char *suffix);

/* Kernel devices a vnet creates on this node, for name-collision checks and expansion. */
struct zone_devname {
	char name[ZONE_NAME_MAX + 1];
	const char *what;             /* "bridge", "vxlan device", "VLAN device", "veth" ... */
};

#define ZONE_VNET_DEVICES_MAX 8
/*
 * The devices created for vnet v of zone z (owned by sdnd; the uplink bridge is not listed).
 * Without known devices (env or env->links NULL) the uplink is taken as VLAN-aware.
 * Returns the count written to out (at most ZONE_VNET_DEVICES_MAX).
 */
size_t zone_vnet_devices(const struct zone_zone *z, const struct zone_vnet *v,
			 const struct zone_env *env, struct zone_devname *out);
/* The devices a zone creates once for all its vnets (qinq: z_<zone>, ln_/pr_<zone>, the S-VLAN
 * device). Same conventions as zone_vnet_devices(). */
size_t zone_zone_devices(const struct zone_zone *z, const struct zone_env *env,
			 struct zone_devname *out);

/*
 * Import Proxmox VE SDN's zones.cfg, vnets.cfg and subnets.cfg from dir (missing files are
 * empty) and print the equivalent sdnd YAML document to out. Every problem is printed to err as
 * "FILE:LINE: message". Returns 0, -EINVAL when something could not be mapped (nothing is
 * printed to out then), or -errno.
 */
int zone_import_pve(const char *dir, FILE *out, FILE *err);

#endif
