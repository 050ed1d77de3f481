/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The firewall model: ipsets, aliases, security groups, vnet rules and per-NIC (attachment)
 * rules, as parsed from the `firewall:` and `attachments:` sections of the configuration and
 * from an attachment's `firewall` object in the control API. Immutable once parsed; references
 * (aliases, ipsets, groups, macros) are checked by the parser and resolved by the compiler
 * (firewall/compile.c), which turns the model into nftables objects.
 */
#ifndef FW_FW_H
#define FW_FW_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sdnd/ip.h"

#define FW_NAME_MAX 31 /* ipset, alias and group names: [A-Za-z][A-Za-z0-9_-]*, 2..31 chars */
#define FW_COMMENT_MAX 127

enum fw_dir {
	FW_DIR_IN,      /* to the guest */
	FW_DIR_OUT,     /* from the guest */
	FW_DIR_FORWARD, /* across a vnet (vnet rules only) */
	_FW_DIR_MAX,
};

enum fw_action {
	FW_ACCEPT,
	FW_DROP,
	FW_REJECT, /* TCP reset, ICMP port-unreachable for UDP, ICMP admin-prohibited otherwise */
	_FW_ACTION_MAX,
};

/* Log levels as Proxmox VE names them; FW_LOG_NOLOG (the default) logs nothing. */
enum fw_log {
	FW_LOG_NOLOG,
	FW_LOG_EMERG,
	FW_LOG_ALERT,
	FW_LOG_CRIT,
	FW_LOG_ERR,
	FW_LOG_WARNING,
	FW_LOG_NOTICE,
	FW_LOG_INFO,
	FW_LOG_DEBUG,
	_FW_LOG_MAX,
};

/* An inclusive range of addresses of one family (a single address has lo == hi). */
struct fw_iprange {
	struct sdnd_ip lo, hi;
};

/* An inclusive range of ports. */
struct fw_portrange {
	uint16_t lo, hi;
};

/*
 * A source or destination: either a named ipset (+name) or a list of literal ranges (addresses,
 * CIDRs, a-b ranges and aliases, all resolved to ranges by the parser; families may mix).
 * Neither: any address.
 */
struct fw_addr {
	char ipset[FW_NAME_MAX + 1];  /* "" when not an ipset */
	struct fw_iprange *r;
	size_t n;
};

/*
 * One rule. A rule with group[0] != 0 includes the rules of that security group in its place
 * (only dir-less fields enable, iface and comment apply to it). A macro gives the protocol and
 * ports (firewall/macro.c); it cannot be combined with proto, sport, dport or icmp-type.
 */
struct fw_rule {
	enum fw_dir dir;
	enum fw_action action;
	bool enable;                   /* default true */
	char group[FW_NAME_MAX + 1];   /* "" unless this rule includes a group */
	char macro[FW_NAME_MAX + 1];   /* "" none; the name as in the macro table */
	int proto;                     /* IP protocol number; -1: any */
	struct fw_addr source, dest;
	struct fw_portrange *sport, *dport; /* NULL/0: any */
	size_t n_sport, n_dport;
	int icmp_type;                 /* -1: any; needs proto icmp or icmpv6 */
	char iface[IFNAMSIZ];          /* "": any (see the README for each place) */
	enum fw_log log;
	char comment[FW_COMMENT_MAX + 1];
	unsigned int line, col;        /* where it was written (0: from the API) */
};

struct fw_rules {
	struct fw_rule *v;
	size_t n;
};

/* An ipset: what it holds after exclusions are taken out (the parser computes this). */
struct fw_ipset {
	char name[FW_NAME_MAX + 1];
	struct fw_iprange *r;          /* sorted by family then address, disjoint, not adjacent */
	size_t n;
};

struct fw_alias {
	char name[FW_NAME_MAX + 1];
	struct fw_iprange r;
};

struct fw_group {
	char name[FW_NAME_MAX + 1];
	struct fw_rules rules;         /* dir in or out, or group includes */
};

/* A vnet's firewall: rules for traffic bridged across it. */
struct fw_vnet {
	char vnet[16];
	bool enable;                   /* default true */
	enum fw_action policy_forward; /* default accept */
	enum fw_log log_forward;       /* logging of the policy; default nolog */
	struct fw_rules rules;         /* dir forward only */
};

/* An attachment's (a guest NIC's) firewall. */
struct fw_nic {
	bool enable;                   /* default true when the section is given */
	enum fw_action policy_in;      /* default drop */
	enum fw_action policy_out;     /* default accept */
	enum fw_log log_in, log_out;   /* logging of the policies; default nolog */
	int macfilter;                 /* -1: not given (on when the attachment has a MAC) */
	struct fw_iprange *ipfilter;   /* the guest's own addresses; NULL/0: no ipfilter */
	size_t n_ipfilter;
	bool has_ipfilter;
	bool dhcp;                     /* default false */
	bool ndp;                      /* default false */
	bool radv;                     /* default false */
	struct fw_rules rules;         /* dir in or out, or group includes */
};

/* A `attachments:` entry of the configuration: the firewall for one interface name. */
struct fw_nic_conf {
	char ifname[IFNAMSIZ];
	struct fw_nic fw;
};

/* The `firewall:` section (and the `attachments:` section) of one configuration. */
struct fw_config {
	struct fw_ipset *ipsets;
	size_t n_ipsets;
	struct fw_alias *aliases;
	size_t n_aliases;
	struct fw_group *groups;
	size_t n_groups;
	struct fw_vnet *vnets;
	size_t n_vnets;
	struct fw_nic_conf *nics;
	size_t n_nics;
	/* guest NICs per bridge table before they are spread over more (compile.h); 0: default */
	uint32_t nics_per_table;
};

#define FW_NICS_PER_TABLE 128

const char *fw_dir_to_string(enum fw_dir d);
const char *fw_action_to_string(enum fw_action a);
const char *fw_log_to_string(enum fw_log l);
/* -1 when unknown */
int fw_dir_from_string(const char *s);
int fw_action_from_string(const char *s);
int fw_log_from_string(const char *s);

const struct fw_ipset *fw_config_ipset(const struct fw_config *c, const char *name);
const struct fw_alias *fw_config_alias(const struct fw_config *c, const char *name);
const struct fw_group *fw_config_group(const struct fw_config *c, const char *name);
const struct fw_vnet *fw_config_vnet(const struct fw_config *c, const char *vnet);
const struct fw_nic *fw_config_nic(const struct fw_config *c, const char *ifname);

/* Free what a model owns (the structs themselves are not freed). Accept NULL. */
void fw_rules_done(struct fw_rules *r);
void fw_nic_done(struct fw_nic *n);
void fw_config_done(struct fw_config *c);
/* Deep copies. 0 or -ENOMEM (ret is then empty). */
int fw_nic_copy(struct fw_nic *ret, const struct fw_nic *src);
/* Do two NIC firewalls ask for the same thing? */
bool fw_nic_equal(const struct fw_nic *a, const struct fw_nic *b);
/*
 * Digests, continuing from h (SDND_FNV64_INIT to start): equal for models that ask for the same
 * thing (as fw_nic_equal() sees it), different otherwise but for a 2^-64 chance.
 */
uint64_t fw_rules_hash(uint64_t h, const struct fw_rules *rules);
uint64_t fw_nic_hash(uint64_t h, const struct fw_nic *n);
/* Every security group of c, names and rules. */
uint64_t fw_groups_hash(uint64_t h, const struct fw_config *c);

/* Macros: what a macro name stands for. */
struct fw_macro_entry {
	int proto;                     /* IP protocol number */
	struct fw_portrange dport;     /* {0, 0}: any */
	struct fw_portrange sport;     /* {0, 0}: any */
	int icmp_type;                 /* -1: any */
};

struct fw_macro {
	const char *name;
	const char *desc;
	const struct fw_macro_entry *e;
	size_t n;
};

/* Case-insensitive lookup, as Proxmox VE matches them. NULL when unknown. */
const struct fw_macro *fw_macro_find(const char *name);
/* Every macro, for `sdnd` help output and the README. */
const struct fw_macro *fw_macros(size_t *ret_n);

/*
 * The names rules accept for protocols, ICMP types and ports (firewall/macro.c). Lookups are
 * exact (lowercase); the to_string functions give the preferred name, NULL when there is none.
 */
/* An IP protocol number: tcp, udp, icmp, icmpv6 (also ipv6-icmp), sctp, ...; -1 when unknown. */
int fw_proto_from_string(const char *s);
const char *fw_proto_to_string(int proto);
/* An ICMP (proto 1) or ICMPv6 (proto 58) type by its name; -1 when unknown. */
int fw_icmp_type_from_string(int proto, const char *s);
const char *fw_icmp_type_to_string(int proto, int type);
/* The port of a service name (ssh, https, domain, ...); -1 when unknown. */
int fw_service_from_string(const char *s);

/* "a" for a single address, "a/len" when r is exactly one prefix, else "a-b". Returns buf. */
#define FW_IPRANGE_STRLEN (2 * SDND_IP_STRLEN + 1)
const char *fw_iprange_str(const struct fw_iprange *r, char *buf);

struct json_object;
/*
 * An attachment's firewall from the control API (or the attachments store): the same fields,
 * defaults and checks as the `attachments:` section of the configuration. References to ipsets,
 * aliases and groups are checked against cfg (NULL: not checked). has_mac tells whether the
 * attachment has a MAC (macfilter: true needs one). On error returns -EINVAL with the offending
 * field as a JSON path below "firewall" in where (e.g. "firewall.rules[0].dport") and what is
 * wrong in msg.
 */
int fw_nic_from_json(struct json_object *j, const struct fw_config *cfg, bool has_mac,
		     struct fw_nic *ret, char *where, size_t where_size, char *msg,
		     size_t msg_size);
/* The firewall as the API shows and the store keeps it; fw_nic_from_json() reads it back. */
struct json_object *fw_nic_to_json(const struct fw_nic *n);
/*
 * Do the references of nic (ipsets, aliases, groups) all exist in cfg? If not, -ENOENT with the
 * first missing one described in msg ("group \"web\" does not exist").
 */
int fw_nic_check_refs(const struct fw_nic *nic, const struct fw_config *cfg, char *msg,
		      size_t msg_size);

#endif
