/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sdnd's nftables objects as values: the tables `bridge sdnd` and `inet sdnd` with their chains,
 * rules, sets and verdict maps. The compiler (compile.c) turns the firewall model into one
 * fw_ruleset; text.c prints it in nft syntax; nft.c reads the kernel's copy into another
 * fw_ruleset and brings the kernel to the wanted one with one batch that touches only what
 * differs (a whole chain when any of its rules differs, single elements of sets and maps).
 *
 * Every rule carries a tag: a 64-bit hash of its chain and its text, stored in the rule's
 * userdata as the comment "sdnd:<16 hex digits>[ user comment]". Two rules are the same when
 * their tags are.
 */
#ifndef FW_RULESET_H
#define FW_RULESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define FW_TABLE "sdnd"
#define FW_OBJNAME_MAX 64  /* chain and set names, with the NUL */
#define FW_MATCHES_MAX 7

/* What a match loads. */
enum fw_field {
	FWF_IIFNAME,     /* meta iifname (16 bytes) */
	FWF_OIFNAME,     /* meta oifname (16 bytes) */
	FWF_IBRNAME,     /* meta ibrname: the bridge of the input port (16 bytes) */
	FWF_PROTOCOL,    /* meta protocol: the EtherType (2 bytes, big endian) */
	FWF_NFPROTO,     /* meta nfproto (1 byte) */
	FWF_L4PROTO,     /* meta l4proto (1 byte) */
	FWF_PKTTYPE,     /* meta pkttype (1 byte) */
	FWF_ETHER_SADDR, /* 6 bytes */
	FWF_ETHER_DADDR,
	FWF_IP_SADDR,    /* 4 bytes */
	FWF_IP_DADDR,
	FWF_IP6_SADDR,   /* 16 bytes */
	FWF_IP6_DADDR,
	FWF_ARP_SHA,     /* ARP sender hardware address (6 bytes) */
	FWF_ARP_SPA,     /* ARP sender protocol address (4 bytes) */
	FWF_SPORT,       /* th sport (2 bytes, big endian) */
	FWF_DPORT,
	FWF_ICMP_TYPE,   /* first byte of the ICMP/ICMPv6 header */
	FWF_CT_STATE,    /* ct state (4 bytes, host order bit mask) */
	_FWF_MAX,
};

enum fw_cmp {
	FWC_EQ,
	FWC_NEQ,
	FWC_RANGE,       /* lo <= x <= hi */
	FWC_SET,         /* x in @set */
	FWC_NSET,        /* x not in @set */
	FWC_ANY,         /* (x & lo) != 0: bit masks (ct state) */
	FWC_VMAP,        /* x vmap @set: the map decides the verdict */
	_FWC_MAX,
};

struct fw_match {
	uint8_t field;                 /* enum fw_field */
	uint8_t cmp;                   /* enum fw_cmp */
	uint8_t lo[16], hi[16];        /* values, as the field's bytes */
	char set[FW_OBJNAME_MAX];      /* FWC_SET, FWC_NSET, FWC_VMAP */
};

enum fw_verdict {
	FWV_NONE,                      /* a vmap match decides */
	FWV_ACCEPT,
	FWV_DROP,
	FWV_RETURN,
	FWV_JUMP,
	FWV_REJECT_TCP,                /* reject with tcp reset */
	FWV_REJECT_PORT,               /* reject with icmpx port-unreachable */
	FWV_REJECT_ADMIN,              /* reject with icmpx admin-prohibited */
	FWV_MASQUERADE,
	_FWV_MAX,
};

struct fw_nrule {
	struct fw_match m[FW_MATCHES_MAX];
	uint8_t n_m;
	uint8_t verdict;               /* enum fw_verdict */
	int8_t log_level;              /* syslog level 0-7, -1: no log */
	char log_prefix[48];
	char target[FW_OBJNAME_MAX];   /* FWV_JUMP */
	char comment[96];              /* shown after the tag, "" none */
	uint64_t tag;                  /* see fw_nrule_seal() */
};

struct fw_chain {
	char name[FW_OBJNAME_MAX];
	bool base;                     /* a base chain: hook, priority, type */
	uint32_t hook;                 /* NF_BR_* / NF_INET_* */
	int32_t prio;
	bool nat;                      /* type nat (else filter) */
	struct fw_nrule *r;
	size_t n, cap;
};

/* Set key types (values are nftables' datatype numbers, which `nft list` shows by). */
enum fw_keytype {
	FWK_IPV4 = 7,
	FWK_IPV6 = 8,
	FWK_ETHER = 9,
	FWK_IFNAME = 41,
};

/* An element: a key (a range [key, key_hi] in interval sets) and, in maps, a chain to jump to. */
struct fw_elem {
	uint8_t key[16], key_hi[16];
	char chain[FW_OBJNAME_MAX];
};

struct fw_set {
	char name[FW_OBJNAME_MAX];
	uint32_t keytype;              /* enum fw_keytype */
	uint32_t keylen;
	bool interval;
	bool map;                      /* a verdict map: elements jump to chains */
	struct fw_elem *e;             /* sorted by key (fw_set_sort) */
	size_t n, cap;
	/*
	 * Set when e is shared with other sets holding the same elements (fw_set_share): how
	 * many do. The copies of an ipset in every bridge table share one array, so that an
	 * ipset costs the same to compile, keep and compare in one table as in sixteen.
	 */
	unsigned *refs;
};

struct fw_table {
	int family;                    /* NFPROTO_BRIDGE or NFPROTO_INET */
	char name[8];                  /* "sdnd", "sdnd-1"... */
	bool present;
	struct fw_chain *chains;       /* sorted by name (fw_ruleset_sort) */
	size_t n_chains, cap_chains;
	struct fw_set *sets;           /* sorted by name */
	size_t n_sets, cap_sets;
};

/*
 * The tables: bridge sdnd, inet sdnd, then bridge sdnd-1 .. sdnd-15, over which guest NICs are
 * spread when there are many (compile.h). The bridge tables in order: fw_bridge_table(0..).
 */
#define FW_BRIDGE_TABLES_MAX 16
enum { FW_T_BRIDGE, FW_T_INET, FW_T_MORE, _FW_T_MAX = FW_T_MORE + FW_BRIDGE_TABLES_MAX - 1 };

static inline int fw_bridge_table(unsigned k)
{
	return k ? FW_T_MORE + (int)k - 1 : FW_T_BRIDGE;
}

struct fw_ruleset {
	struct fw_table t[_FW_T_MAX];
};

size_t fw_field_len(enum fw_field f);
const char *fw_field_to_string(enum fw_field f);
const char *fw_cmp_to_string(enum fw_cmp c);
const char *fw_verdict_to_string(enum fw_verdict v);

/* The family (NFPROTO_*) and name of table ti of every ruleset. */
int fw_table_family(int ti);
const char *fw_table_name(int ti);
/* The index in fw_ruleset.t of sdnd's table family/name; -1: not one of sdnd's. */
int fw_table_index(int family, const char *name);

void fw_ruleset_init(struct fw_ruleset *rs);
void fw_ruleset_done(struct fw_ruleset *rs);
/* Sort chains and sets by name, elements by key, so lookups and diffs can bisect. */
void fw_ruleset_sort(struct fw_ruleset *rs);
void fw_table_sort(struct fw_table *t);
struct fw_chain *fw_table_chain(const struct fw_table *t, const char *name);
struct fw_set *fw_table_set(const struct fw_table *t, const char *name);
/* Append (unsorted until fw_ruleset_sort). NULL on allocation failure. */
struct fw_chain *fw_table_add_chain(struct fw_table *t, const char *name);
struct fw_set *fw_table_add_set(struct fw_table *t, const char *name, uint32_t keytype,
				uint32_t keylen, bool interval, bool map);
struct fw_nrule *fw_chain_add_rule(struct fw_chain *c);
/* Append an element (zeroed); a set sharing its elements gets its own copy first. */
struct fw_elem *fw_set_add_elem(struct fw_set *s);
/* Make dst hold src's elements (dst's own are dropped) by sharing src's array. 0 or -ENOMEM. */
int fw_set_share(struct fw_set *dst, struct fw_set *src);
/* Drop s's elements (its array, or its share of it). */
void fw_set_drop_elems(struct fw_set *s);
void fw_set_sort(struct fw_set *s);
int fw_elem_cmp(const struct fw_set *s, const struct fw_elem *a, const struct fw_elem *b);
/* Add a match to r; false when the rule has no room (a compiler bug). */
bool fw_nrule_match(struct fw_nrule *r, enum fw_field f, enum fw_cmp c, const void *lo,
		    const void *hi, const char *set);

/* Compute r's tag from its chain's name and its text. */
void fw_nrule_seal(struct fw_nrule *r, const char *chain, int family);
/* The rule's text in nft syntax (without tag comment) into buf; returns buf. */
const char *fw_nrule_text(const struct fw_nrule *r, int family, char *buf, size_t size);
/* The whole ruleset as an `nft -f` script that creates it from nothing. 0 or -errno. */
int fw_ruleset_print(const struct fw_ruleset *rs, FILE *out);
/* The userdata comment a rule carries: "sdnd:<tag>[ comment]" into buf (>= 128 bytes). */
const char *fw_nrule_comment(const struct fw_nrule *r, char *buf, size_t size);
/* The tag from a rule's userdata comment; false when it is not one of sdnd's. */
bool fw_comment_tag(const char *comment, uint64_t *ret_tag);

#endif
