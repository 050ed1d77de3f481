/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The cluster store as the source of the definition (sdnd/source.h): etcd, through its JSON
 * gateway (cluster/etcd.h). Under the prefix (default /sdnd):
 *
 *	PREFIX/config          the YAML document every node applies; its mod_revision is the
 *	                       definition's revision (and the ETag of GET /v1/config)
 *	PREFIX/nodes/NAME      each live node, under a lease it keeps alive: {"name", "underlay",
 *	                       "mtu", "version"}; gone when the node stops or dies
 *	PREFIX/status/NAME     what each node applied: {"node", "revision", "in_sync", "pending",
 *	                       "failed", "failed_objects", "rejected_revision", "last_error", ...}
 *
 * Each node lists the prefix, then watches it from the next revision; the last good definition
 * is kept in the state directory, so a node that cannot reach etcd runs (and repairs) what it
 * had.
 */
#ifndef SDND_CLUSTER_H
#define SDND_CLUSTER_H

#include <stddef.h>

struct sdnd_source;
struct sdnd_reconciler;

struct sdnd_cluster_opts {
	const char *store;             /* "etcd://HOST:PORT[,HOST:PORT...]" */
	const char *prefix;            /* NULL: /sdnd */
	const char *cacert, *cert, *key;
	const char *user, *password_file;
	const char *underlay;          /* this node's VTEP address; NULL: towards etcd */
	unsigned int lease_ttl;        /* seconds; 0: 15 */
	const char *state_dir;
	const char *node;              /* NULL: the hostname */
};

#define SDND_LEASE_TTL_DEFAULT 15

/* Check the options (err says what is wrong) and set up; nothing is contacted yet. */
int sdnd_cluster_new(struct sdnd_source **ret, const struct sdnd_cluster_opts *o, char *err,
		     size_t err_size);

/*
 * For sdnd check and plan FILE --store ...: make rec a cluster store's node (peers: auto
 * allowed, no node: key) with the nodes it last knew alive (kept in the state directory),
 * without contacting the store. s (from sdnd_cluster_new) must outlive rec's use. Returns how
 * many nodes that is, this one included when its underlay address is known.
 */
size_t sdnd_cluster_offline(struct sdnd_source *s, struct sdnd_reconciler *rec);

#endif
