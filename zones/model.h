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
	_ZONE_TYPE_MAX,
};

/* Where something was written: 1-based line and column in the source document. */
struct zone_loc {
	unsigned int line, col;
};

struct zone_subnet {
	struct sdnd_ip net;
	uint8_t prefixlen;
	bool has_gateway;
	struct sdnd_ip gateway;
};

struct zone_zone {
	char name[ZONE_NAME_MAX + 1];
	enum zone_type type;
	uint32_t mtu;                 /* 0: default (see the README) */
	/* vxlan */
	struct sdnd_ip *peers;
	size_t n_peers;
	uint16_t port;                /* ZONE_VXLAN_PORT_DEFAULT when not given */
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
};

/* A local address and the MTU of the interface that holds it. */
struct zone_local_addr {
	struct sdnd_ip ip;
	uint32_t mtu;
};

/*
 * What validation needs to know about the node it runs on. Filled by the caller (the daemon
 * from the kernel, the unit tests by hand); the parser does no I/O besides reading the file.
 */
struct zone_env {
	const char *node;                       /* default node name (the hostname) */
	const struct zone_local_addr *addrs;    /* addresses configured on this node */
	size_t n_addrs;
};

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
/* The peer of a vxlan zone that is one of env's local addresses, or NULL. */
const struct zone_local_addr *zone_local_peer(const struct zone_zone *z, const struct zone_env *env,
					      const struct sdnd_ip **ret_peer);

/*
 * Kernel device names derived from vnet names. The name is used as is when it fits the
 * kernel's 15 characters; otherwise a deterministic short form is used (see the README).
 * buf must hold 16 bytes. Returns buf.
 */
const char *zone_vxlan_ifname(const char *vnet, char *buf);

#endif
