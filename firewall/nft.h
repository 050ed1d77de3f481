/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel side of the firewall: sdnd's tables read back over nfnetlink, changes sent as one
 * atomic batch built with libnftnl, and nftables events watched for changes made by others.
 */
#ifndef FW_NFT_H
#define FW_NFT_H

#include <stdbool.h>
#include <stddef.h>

#include "firewall/ruleset.h"

/* What one batch changes (fw_diff), for logs, metrics and tests. */
struct fw_diff_stats {
	size_t tables, chains, rules, sets, elems; /* objects added or deleted */
	size_t msgs;                               /* netlink messages in the batch */
};

enum fw_opk {
	FWO_NEWTABLE,
	FWO_DELTABLE,
	FWO_NEWSET,
	FWO_DELSET,
	FWO_NEWCHAIN,
	FWO_DELCHAIN,
	FWO_FLUSH,      /* every rule of a chain */
	FWO_NEWRULES,   /* append every rule of the wanted chain */
	FWO_NEWELEMS,
	FWO_DELELEMS,
	_FWO_MAX,
};

/* One step of a batch. Pointers point into the want and have rulesets given to fw_diff(). */
struct fw_op {
	uint8_t kind;                  /* enum fw_opk */
	uint8_t table;                 /* FW_T_* */
	const struct fw_chain *chain;
	const struct fw_set *set;
	const struct fw_elem **e;      /* FWO_NEWELEMS, FWO_DELELEMS (owned by the op list) */
	size_t n;
};

struct fw_ops {
	struct fw_op *v;
	size_t n, cap;
};

/*
 * The steps that turn have (the kernel's) into want, in the order the kernel needs them. Pure.
 * An empty list means there is nothing to do. 0 or -ENOMEM.
 */
int fw_diff(const struct fw_ruleset *want, const struct fw_ruleset *have, struct fw_ops *ret,
	    struct fw_diff_stats *ret_stats);
void fw_ops_done(struct fw_ops *ops);
const char *fw_opk_to_string(enum fw_opk k);

struct fw_nft;

/* Open the request and event sockets. 0 or -errno. */
int fw_nft_open(struct fw_nft **ret);
void fw_nft_close(struct fw_nft *n);
/* The event socket, for epoll. */
int fw_nft_event_fd(const struct fw_nft *n);
/*
 * Drain pending nftables events. *ret_dirty is set when one of them touched sdnd's tables and
 * was not caused by sdnd (or events were lost), so the tables must be read again. 0 or -errno.
 */
int fw_nft_events(struct fw_nft *n, bool *ret_dirty);
/* Read sdnd's tables from the kernel into ret (initialized by the caller). 0 or -errno. */
int fw_nft_dump(struct fw_nft *n, struct fw_ruleset *ret);
/*
 * Send ops as one batch; commit false: the kernel only checks it (nothing changes). 0 or -errno
 * with what failed in err (the object and the kernel's message). *ret_ct_failed is set when the
 * failure was a conntrack expression the kernel cannot do in the bridge family.
 */
int fw_nft_send(struct fw_nft *n, const struct fw_ops *ops, bool commit, char *err,
		size_t err_size, bool *ret_ct_failed);

#endif
