/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Incremental compiling. A fw_build keeps the wanted ruleset between runs together with, for each
 * NIC part (see compile.h), a digest of what the part was compiled from. An update compiles only
 * the parts whose inputs changed (and the shared part when asked to), and hands back the changed
 * parts before and after, so the batch for the kernel comes from comparing those alone: one NIC's
 * change costs the same at 10 NICs as at 10 000.
 *
 *	fw_build_update(b, in, shared, &d, ...);
 *	fw_diff(&d.new, d.full ? &b->rs : &d.old, &ops, ...);   -- when the kernel holds b->rs
 *	(send ops)
 *	fw_build_commit(b, &d);                                  -- b->rs is now what in wants
 *	fw_delta_done(&d);
 *
 * Pure: no I/O, no logging.
 */
#ifndef FW_BUILD_H
#define FW_BUILD_H

#include <net/if.h>

#include "firewall/compile.h"

/* What one NIC's part was compiled from. */
struct fw_build_nic {
	char ifname[IFNAMSIZ];
	uint64_t key;                  /* the input's key then */
	uint64_t digest;               /* of every input of the part */
	bool taken;                    /* an earlier NIC had its MAC */
};

struct fw_build {
	struct fw_ruleset rs;          /* the whole wanted ruleset */
	struct fw_build_nic *nics;     /* the NICs rs has parts of, sorted by ifname */
	size_t n_nics;
	uint64_t groups;               /* digest of the security groups rs was compiled with */
	/*
	 * The bridge tables rs spreads NICs over (compile.h). Before the first update the caller
	 * may set it to how many the kernel holds, so that a restarted daemon keeps NICs where
	 * they are.
	 */
	unsigned tables;
	uint64_t set_kinds;            /* digest of the ipsets' kinds (hash or interval) */
	bool valid;                    /* rs was compiled (else the next update compiles all) */
};

/* What an update changes. */
struct fw_delta {
	bool full;                     /* new is the whole ruleset (old is empty) */
	bool shared;                   /* the shared part is in old and new */
	char (*names)[IFNAMSIZ];       /* the NICs whose parts are in old and new, sorted */
	size_t n_names;
	struct fw_ruleset old, new;    /* those parts before (copies from rs) and after */
	struct fw_build_nic *nics;     /* the digests after */
	size_t n_nics;
	uint64_t groups;
	unsigned tables;
	uint64_t set_kinds;
};

void fw_build_init(struct fw_build *b);
void fw_build_done(struct fw_build *b);

/*
 * Compile what in changes against b into d (b itself is not changed). shared: the inputs of the
 * shared part may have changed (another configuration, conntrack found missing); false: only NICs
 * did. A NIC whose key is nonzero and the same as at the last commit is taken as unchanged
 * without looking further, but for the security groups it includes: a key must change whenever
 * the NIC's name, MAC or firewall does (a firewall that belongs to the configuration, and may
 * change with it, gets key 0). The NICs of in must have distinct names. Everything is compiled anew
 * when b is not valid, when the bridge table comes or goes, when NICs move to more or fewer
 * bridge tables, when an ipset's set changes kind, or when many NICs changed at once.
 * 0, or an error of fw_compile() (with err) and d empty.
 */
int fw_build_update(struct fw_build *b, const struct fw_input *in, bool shared,
		    struct fw_delta *d, char *err, size_t err_size);
/*
 * Make b->rs what d was compiled for, moving d's new objects into it. -ENOMEM leaves b not valid
 * (and rs empty): the next update compiles everything.
 */
int fw_build_commit(struct fw_build *b, struct fw_delta *d);
void fw_delta_done(struct fw_delta *d);

#endif
