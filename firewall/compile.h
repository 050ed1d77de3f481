/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The firewall model -> the nftables objects sdnd wants (see firewall/ruleset.h and the README's
 * "Firewall" section for the layout). Pure: no I/O, no logging.
 */
#ifndef FW_COMPILE_H
#define FW_COMPILE_H

#include "firewall/fw.h"
#include "firewall/ruleset.h"
#include "zones/model.h"

/* A guest NIC on this node. */
struct fw_nic_input {
	const char *ifname;
	const char *bridge;            /* its vnet's bridge */
	bool has_mac;
	uint8_t mac[6];
	const struct fw_nic *fw;       /* NULL (or not enabled): no firewall on it */
	uint64_t key;                  /* changes whenever the above do (0: unknown); see fw_build */
};

/* A vnet on this node. */
struct fw_vnet_input {
	const char *vnet;
	const char *bridge;
	const struct fw_vnet *fw;      /* NULL: no vnet rules */
	const struct zone_subnet *subnets;
	size_t n_subnets;
};

struct fw_input {
	const struct fw_config *cfg;   /* ipsets, aliases, groups */
	const struct fw_nic_input *nics;
	size_t n_nics;
	const struct fw_vnet_input *vnets;
	size_t n_vnets;
	bool ct;                       /* connection tracking works in the bridge family */
	unsigned tables;               /* bridge tables to spread NICs over; 0: fw_tables_for() */
};

/*
 * Compile in into ret (initialized by the caller, sorted on return). A table nothing needs is
 * left out (present false). 0, -ENOMEM, or -E2BIG/-ENOENT with the reason in err.
 */
int fw_compile(const struct fw_input *in, struct fw_ruleset *ret, char *err, size_t err_size);

/*
 * The ruleset is made of parts. Each NIC with a firewall has one: its chains (out-, in-, inb-,
 * inu- and its name), its sets (ipf4-, ipf6-) and its elements of the verdict maps (those that
 * jump to its chains). The shared part is the rest: base chains, ipsets, vnet chains and their
 * map elements, and the inet table. The maps themselves are defined in every part.
 *
 * fw_compile_parts() compiles the shared part (when shared) and the parts of the NICs i with
 * nics[i] (NULL: all) into ret, as fw_compile() does. taken: fw_input_macs_taken() of in, if
 * the caller has it (NULL: computed here).
 */
int fw_compile_parts(const struct fw_input *in, bool shared, const bool *nics,
		     const bool *taken, struct fw_ruleset *ret, char *err, size_t err_size);
/* The NIC whose part a chain (set false) or set (true) of this name is in; NULL: shared. */
const char *fw_part_of(const char *name, bool set);
/*
 * Guest NICs are spread over several bridge tables when there are many: every batch that adds a
 * rule makes the kernel check every chain its table's base chains reach, so one NIC's change
 * costs in proportion to its table, not to all NICs. Each further table (bridge sdnd-1...) has
 * its own base chains (prerouting-out at priority -1 for the out stages, prerouting-in at 1 for
 * the in stages, forward and output), the NICs' maps and a copy of every ipset.
 *
 * fw_input_per_table(): NICs per table, from in's configuration or the default.
 * fw_tables_for(): how many tables n NICs with a firewall need at per_table each, a power of two
 * up to FW_BRIDGE_TABLES_MAX. fw_nic_table(): which of n_tables (0: bridge sdnd) holds NIC
 * ifname. fw_input_tables(): in->tables, or as many as its NICs need.
 */
uint32_t fw_input_per_table(const struct fw_input *in);
unsigned fw_tables_for(size_t n_nics, uint32_t per_table);
unsigned fw_nic_table(const char *ifname, unsigned n_tables);
unsigned fw_input_tables(const struct fw_input *in);
/*
 * Is the family's set of ipset ip an interval set (it has a range)? Sets of single addresses are
 * hash sets: the kernel adds and removes their elements without going over the others.
 */
bool fw_ipset_interval(const struct fw_ipset *ip, int family);
/* How many NICs of in have a firewall. */
size_t fw_input_nics_on(const struct fw_input *in);
/* Does in need the bridge table at all? */
bool fw_input_bridge(const struct fw_input *in);
/*
 * For each NIC, whether an earlier NIC with a firewall has its MAC (ret: in->n_nics entries);
 * such a NIC is filtered by port only. 0 or -ENOMEM.
 */
int fw_input_macs_taken(const struct fw_input *in, bool *ret);

#endif
