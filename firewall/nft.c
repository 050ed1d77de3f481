// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sdnd's nftables tables in the kernel: the diff between the wanted and the kernel's copy, the
 * batch that applies it (libnftnl messages, one sendmsg, acks matched by sequence number), the
 * dump that reads the kernel's copy back, and the event socket that tells when someone else
 * changed it. Only the tables `bridge sdnd` and `inet sdnd` are ever read or written.
 */
#include "firewall/nft.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include "sdnd/util.h"

#define ELEMS_PER_MSG 256
#define MSG_ROOM 65536           /* the largest message one step builds */
#define SOCKBUF (64u << 20)      /* socket buffers: a full ruleset and its errors fit */

static const char *const opks[_FWO_MAX] = {
	[FWO_NEWTABLE] = "add table",	[FWO_DELTABLE] = "delete table",
	[FWO_NEWSET] = "add set",	[FWO_DELSET] = "delete set",
	[FWO_NEWCHAIN] = "add chain",	[FWO_DELCHAIN] = "delete chain",
	[FWO_FLUSH] = "flush chain",	[FWO_NEWRULES] = "add rules",
	[FWO_NEWELEMS] = "add elements", [FWO_DELELEMS] = "delete elements",
};

const char *fw_opk_to_string(enum fw_opk k)
{
	return k < _FWO_MAX ? opks[k] : NULL;
}

/* ---- diff (pure) ------------------------------------------------------------------------- */

void fw_ops_done(struct fw_ops *ops)
{
	size_t i;

	if (!ops)
		return;
	for (i = 0; i < ops->n; i++)
		free(ops->v[i].e);
	free(ops->v);
	*ops = (struct fw_ops){ 0 };
}

static struct fw_op *op_add(struct fw_ops *ops, enum fw_opk k, int table)
{
	struct fw_op *o;

	if (sdnd_grow(&ops->v, &ops->cap, ops->n + 1, sizeof(*ops->v)) < 0)
		return NULL;
	o = &ops->v[ops->n++];
	*o = (struct fw_op){ .kind = k, .table = (uint8_t)table };
	return o;
}

static bool chain_def_eq(const struct fw_chain *a, const struct fw_chain *b)
{
	return a->base == b->base &&
	       (!a->base || (a->hook == b->hook && a->prio == b->prio && a->nat == b->nat));
}

static bool set_def_eq(const struct fw_set *a, const struct fw_set *b)
{
	return a->keytype == b->keytype && a->keylen == b->keylen && a->interval == b->interval &&
	       a->map == b->map;
}

static bool rules_eq(const struct fw_chain *a, const struct fw_chain *b)
{
	size_t i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (a->r[i].tag != b->r[i].tag)
			return false;
	return true;
}

static bool elem_same(const struct fw_set *s, const struct fw_elem *a, const struct fw_elem *b)
{
	if (memcmp(a->key, b->key, s->keylen))
		return false;
	if (s->interval && memcmp(a->key_hi, b->key_hi, s->keylen))
		return false;
	return !s->map || !strcmp(a->chain, b->chain);
}

/*
 * What fw_diff found missing between two shared element arrays (the copies of an ipset in the
 * bridge tables share one): found once, copied for every further table.
 */
struct missing_memo {
	const struct fw_elem *a, *b;
	size_t an, bn;
	const struct fw_elem **v;
	size_t n;
};

struct diff_ctx {
	struct fw_ops *ops;
	struct fw_diff_stats st;
	struct missing_memo *memo;
	size_t n_memo, cap_memo;
};

static struct missing_memo *memo_find(struct diff_ctx *x, const struct fw_set *a,
				      const struct fw_set *b)
{
	size_t i;

	for (i = 0; i < x->n_memo; i++) {
		struct missing_memo *m = &x->memo[i];

		if (m->a == a->e && m->an == a->n && m->b == b->e && m->bn == b->n)
			return m;
	}
	return NULL;
}

/* Elements of a missing from b (both sorted), as a list of pointers. */
static int elems_missing(struct diff_ctx *x, const struct fw_set *a, const struct fw_set *b,
			 const struct fw_elem ***ret, size_t *ret_n)
{
	const struct fw_elem **v = NULL;
	struct missing_memo *m;
	size_t i = 0, j = 0, n = 0;
	bool memo = a->refs || b->refs;

	*ret = NULL;
	*ret_n = 0;
	if (a->e == b->e && a->n == b->n)
		return 0;
	if (memo && (m = memo_find(x, a, b))) {
		if (m->n && !(v = malloc(m->n * sizeof(*v))))
			return -ENOMEM;
		if (m->n)
			memcpy(v, m->v, m->n * sizeof(*v));
		*ret = v;
		*ret_n = m->n;
		return 0;
	}
	while (i < a->n) {
		int c = j < b->n ? fw_elem_cmp(a, &a->e[i], &b->e[j]) : -1;

		if (c > 0) {
			j++;
			continue;
		}
		if (c == 0 && elem_same(a, &a->e[i], &b->e[j])) {
			i++;
			j++;
			continue;
		}
		if (!v) {
			v = malloc((a->n - i) * sizeof(*v));
			if (!v)
				return -ENOMEM;
		}
		v[n++] = &a->e[i++];
		if (c == 0)
			j++;
	}
	*ret = v;
	*ret_n = n;
	/* the list stays the op's: the memo points to it while the ops live */
	if (memo && sdnd_grow(&x->memo, &x->cap_memo, x->n_memo + 1, sizeof(*x->memo)) == 0)
		x->memo[x->n_memo++] = (struct missing_memo){ a->e, b->e, a->n, b->n, v, n };
	return 0;
}

static int diff_table(struct diff_ctx *x, const struct fw_table *w, const struct fw_table *h,
		      int ti)
{
	struct fw_ops *ops = x->ops;
	struct fw_diff_stats *st = &x->st;
	struct fw_op *o;
	size_t i;
	bool rebuild = false;

	if (!w->present && !h->present)
		return 0;
	if (!w->present) {
		if (!(o = op_add(ops, FWO_DELTABLE, ti)))
			return -ENOMEM;
		st->tables++;
		return 0;
	}
	/* a set or chain whose definition someone changed: start the table over */
	for (i = 0; h->present && i < w->n_sets && !rebuild; i++) {
		const struct fw_set *hs = fw_table_set(h, w->sets[i].name);

		rebuild = hs && !set_def_eq(&w->sets[i], hs);
	}
	for (i = 0; h->present && i < w->n_chains && !rebuild; i++) {
		const struct fw_chain *hc = fw_table_chain(h, w->chains[i].name);

		rebuild = hc && !chain_def_eq(&w->chains[i], hc);
	}
	if (rebuild) {
		static const struct fw_table empty;

		if (!op_add(ops, FWO_DELTABLE, ti))
			return -ENOMEM;
		st->tables++;
		h = &empty;
	}
	if (!h->present) {
		if (!op_add(ops, FWO_NEWTABLE, ti))
			return -ENOMEM;
		st->tables++;
	}
	for (i = 0; i < w->n_sets; i++)
		if (!fw_table_set(h, w->sets[i].name)) {
			if (!(o = op_add(ops, FWO_NEWSET, ti)))
				return -ENOMEM;
			o->set = &w->sets[i];
			st->sets++;
		}
	for (i = 0; i < w->n_chains; i++)
		if (!fw_table_chain(h, w->chains[i].name)) {
			if (!(o = op_add(ops, FWO_NEWCHAIN, ti)))
				return -ENOMEM;
			o->chain = &w->chains[i];
			st->chains++;
		}
	/* elements: deletions first (they may point to chains that go), then additions */
	for (i = 0; i < h->n_sets; i++) {
		const struct fw_set *hs = &h->sets[i], *ws = fw_table_set(w, hs->name);
		static const struct fw_set none;
		const struct fw_elem **e;
		size_t n;

		if (!ws)
			ws = &none;
		if (elems_missing(x, hs, ws, &e, &n) < 0)
			return -ENOMEM;
		if (!n)
			continue;
		if (!(o = op_add(ops, FWO_DELELEMS, ti))) {
			free(e);
			return -ENOMEM;
		}
		o->set = hs;
		o->e = e;
		o->n = n;
		st->elems += n;
	}
	for (i = 0; i < w->n_sets; i++) {
		const struct fw_set *ws = &w->sets[i], *hs = fw_table_set(h, ws->name);
		static const struct fw_set none;
		const struct fw_elem **e;
		size_t n;

		if (elems_missing(x, ws, hs ? hs : &none, &e, &n) < 0)
			return -ENOMEM;
		if (!n)
			continue;
		if (!(o = op_add(ops, FWO_NEWELEMS, ti))) {
			free(e);
			return -ENOMEM;
		}
		o->set = ws;
		o->e = e;
		o->n = n;
		st->elems += n;
	}
	for (i = 0; i < w->n_chains; i++) {
		const struct fw_chain *wc = &w->chains[i], *hc = fw_table_chain(h, wc->name);

		if (hc && rules_eq(wc, hc))
			continue;
		if (hc && hc->n) {
			if (!(o = op_add(ops, FWO_FLUSH, ti)))
				return -ENOMEM;
			o->chain = hc;
			st->rules += hc->n;
		}
		if (wc->n) {
			if (!(o = op_add(ops, FWO_NEWRULES, ti)))
				return -ENOMEM;
			o->chain = wc;
			st->rules += wc->n;
		}
	}
	/* chains that go: all emptied first, as one may jump to another (inu- to in-) */
	for (i = 0; i < h->n_chains; i++) {
		const struct fw_chain *hc = &h->chains[i];

		if (!hc->n || fw_table_chain(w, hc->name))
			continue;
		if (!(o = op_add(ops, FWO_FLUSH, ti)))
			return -ENOMEM;
		o->chain = hc;
		st->rules += hc->n;
	}
	for (i = 0; i < h->n_chains; i++) {
		const struct fw_chain *hc = &h->chains[i];

		if (fw_table_chain(w, hc->name))
			continue;
		if (!(o = op_add(ops, FWO_DELCHAIN, ti)))
			return -ENOMEM;
		o->chain = hc;
		st->chains++;
	}
	for (i = 0; i < h->n_sets; i++)
		if (!fw_table_set(w, h->sets[i].name)) {
			if (!(o = op_add(ops, FWO_DELSET, ti)))
				return -ENOMEM;
			o->set = &h->sets[i];
			st->sets++;
		}
	return 0;
}

int fw_diff(const struct fw_ruleset *want, const struct fw_ruleset *have, struct fw_ops *ret,
	    struct fw_diff_stats *ret_stats)
{
	struct diff_ctx x = { .ops = ret };
	size_t i;
	int r = 0;

	*ret = (struct fw_ops){ 0 };
	for (i = 0; i < _FW_T_MAX && r == 0; i++)
		r = diff_table(&x, &want->t[i], &have->t[i], (int)i);
	free(x.memo);
	if (r < 0) {
		fw_ops_done(ret);
		return r;
	}
	if (ret_stats)
		*ret_stats = x.st;
	return 0;
}

/* ---- sockets ----------------------------------------------------------------------------- */

struct fw_nft {
	struct mnl_socket *req, *ev;
	uint32_t req_portid;
	uint32_t seq;
	char *buf;                   /* the batch being built */
	size_t len, cap;
	size_t last_off;             /* where its last message starts */
	uint32_t set_id;             /* ids of sets made in batches */
	/* what each message of the batch is about, for errors */
	struct msgdesc {
		uint32_t seq;
		const struct fw_op *op;
		bool ct;             /* a rule with a conntrack expression */
	} *desc;
	size_t n_desc, cap_desc;
};

static void sock_bufs(struct mnl_socket *s)
{
	int fd = mnl_socket_get_fd(s), v = (int)SOCKBUF, one = 1;

	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof(v)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
}

int fw_nft_open(struct fw_nft **ret)
{
	struct fw_nft *n = calloc(1, sizeof(*n));
	int r;

	if (!n)
		return -ENOMEM;
	n->req = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	n->ev = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!n->req || !n->ev)
		goto fail;
	if (mnl_socket_bind(n->req, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_bind(n->ev, 1u << (NFNLGRP_NFTABLES - 1), MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	sock_bufs(n->req);
	sock_bufs(n->ev);
	{
		/* a kernel that stops answering must not stop the daemon */
		struct timeval tv = { .tv_sec = 10 };

		setsockopt(mnl_socket_get_fd(n->req), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	n->req_portid = mnl_socket_get_portid(n->req);
	n->seq = (uint32_t)time(NULL);
	*ret = n;
	return 0;
fail:
	r = -errno;
	fw_nft_close(n);
	return r ? r : -EIO;
}

void fw_nft_close(struct fw_nft *n)
{
	if (!n)
		return;
	if (n->req)
		mnl_socket_close(n->req);
	if (n->ev)
		mnl_socket_close(n->ev);
	free(n->buf);
	free(n->desc);
	free(n);
}

int fw_nft_event_fd(const struct fw_nft *n)
{
	return mnl_socket_get_fd(n->ev);
}

/* The table a message of the nf_tables subsystem is about ("" when it has none). */
static const char *msg_table(const struct nlmsghdr *nlh)
{
	struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(a) == 1 /* NFTA_*_TABLE is 1 for every object */ &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			return mnl_attr_get_str(a);
	return "";
}

int fw_nft_events(struct fw_nft *n, bool *ret_dirty)
{
	char buf[MNL_SOCKET_BUFFER_SIZE * 4];
	bool dirty = false;
	ssize_t len;

	for (;;) {
		struct nlmsghdr *nlh;

		len = mnl_socket_recvfrom(n->ev, buf, sizeof(buf));
		if (len < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			if (errno == ENOBUFS) {
				dirty = true;
				continue;
			}
			return -errno;
		}
		for (nlh = (struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, (int)len);
		     nlh = mnl_nlmsg_next(nlh, (int *)&len)) {
			uint16_t type = nlh->nlmsg_type;

			if (NFNL_SUBSYS_ID(type) != NFNL_SUBSYS_NFTABLES)
				continue;
			type = NFNL_MSG_TYPE(type);
			if (type == NFT_MSG_NEWGEN)
				continue;
			if (nlh->nlmsg_pid == n->req_portid)
				continue;
			if (fw_table_index(((struct nfgenmsg *)mnl_nlmsg_get_payload(nlh))->nfgen_family,
					   msg_table(nlh)) >= 0)
				dirty = true;
		}
	}
	*ret_dirty = dirty;
	return 0;
}

/* ---- requests ---------------------------------------------------------------------------- */

static int buf_room(struct fw_nft *n)
{
	if (n->len + MSG_ROOM <= n->cap)
		return 0;
	size_t ncap = n->cap ? n->cap : 1u << 20;
	char *b;

	while (n->len + MSG_ROOM > ncap)
		ncap *= 2;
	b = realloc(n->buf, ncap);
	if (!b)
		return -ENOMEM;
	n->buf = b;
	n->cap = ncap;
	return 0;
}

static struct nlmsghdr *msg_start(struct fw_nft *n, uint16_t type, int family, uint16_t flags,
				  const struct fw_op *op, bool ct)
{
	struct nlmsghdr *nlh;

	if (buf_room(n) < 0)
		return NULL;
	if (op && sdnd_grow(&n->desc, &n->cap_desc, n->n_desc + 1, sizeof(*n->desc)) < 0)
		return NULL;
	n->last_off = n->len;
	nlh = nftnl_nlmsg_build_hdr(n->buf + n->len, type, (uint16_t)family, flags, ++n->seq);
	if (op)
		n->desc[n->n_desc++] = (struct msgdesc){ .seq = n->seq, .op = op, .ct = ct };
	return nlh;
}

static void msg_end(struct fw_nft *n, struct nlmsghdr *nlh)
{
	n->len += NLMSG_ALIGN(nlh->nlmsg_len);
}

/* ---- encoding ---------------------------------------------------------------------------- */

static const struct {
	enum { L_META, L_PAYLOAD, L_CT } how;
	uint32_t key;                /* meta/ct key, or payload base */
	uint32_t off;
} loads[_FWF_MAX] = {
	[FWF_IIFNAME] = { L_META, NFT_META_IIFNAME, 0 },
	[FWF_OIFNAME] = { L_META, NFT_META_OIFNAME, 0 },
	[FWF_IBRNAME] = { L_META, NFT_META_BRI_IIFNAME, 0 },
	[FWF_PROTOCOL] = { L_META, NFT_META_PROTOCOL, 0 },
	[FWF_NFPROTO] = { L_META, NFT_META_NFPROTO, 0 },
	[FWF_L4PROTO] = { L_META, NFT_META_L4PROTO, 0 },
	[FWF_PKTTYPE] = { L_META, NFT_META_PKTTYPE, 0 },
	[FWF_ETHER_SADDR] = { L_PAYLOAD, NFT_PAYLOAD_LL_HEADER, 6 },
	[FWF_ETHER_DADDR] = { L_PAYLOAD, NFT_PAYLOAD_LL_HEADER, 0 },
	[FWF_IP_SADDR] = { L_PAYLOAD, NFT_PAYLOAD_NETWORK_HEADER, 12 },
	[FWF_IP_DADDR] = { L_PAYLOAD, NFT_PAYLOAD_NETWORK_HEADER, 16 },
	[FWF_IP6_SADDR] = { L_PAYLOAD, NFT_PAYLOAD_NETWORK_HEADER, 8 },
	[FWF_IP6_DADDR] = { L_PAYLOAD, NFT_PAYLOAD_NETWORK_HEADER, 24 },
	[FWF_ARP_SHA] = { L_PAYLOAD, NFT_PAYLOAD_NETWORK_HEADER, 8 },
	[FWF_ARP_SPA] = { L_PAYLOAD, NFT_PAYLOAD_NETWORK_HEADER, 14 },
	[FWF_SPORT] = { L_PAYLOAD, NFT_PAYLOAD_TRANSPORT_HEADER, 0 },
	[FWF_DPORT] = { L_PAYLOAD, NFT_PAYLOAD_TRANSPORT_HEADER, 2 },
	[FWF_ICMP_TYPE] = { L_PAYLOAD, NFT_PAYLOAD_TRANSPORT_HEADER, 0 },
	[FWF_CT_STATE] = { L_CT, NFT_CT_STATE, 0 },
};

static int add_expr(struct nftnl_rule *r, struct nftnl_expr *e)
{
	if (!e)
		return -ENOMEM;
	nftnl_rule_add_expr(r, e);
	return 0;
}

static int enc_load(struct nftnl_rule *r, enum fw_field f)
{
	struct nftnl_expr *e;

	switch (loads[f].how) {
	case L_META:
		e = nftnl_expr_alloc("meta");
		if (!e)
			return -ENOMEM;
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, loads[f].key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
		break;
	case L_PAYLOAD:
		e = nftnl_expr_alloc("payload");
		if (!e)
			return -ENOMEM;
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, loads[f].key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, loads[f].off);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, (uint32_t)fw_field_len(f));
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
		break;
	default:
		e = nftnl_expr_alloc("ct");
		if (!e)
			return -ENOMEM;
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, loads[f].key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
		break;
	}
	return add_expr(r, e);
}

static int enc_cmp(struct nftnl_rule *r, uint32_t op, const void *data, size_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, (uint32_t)len);
	return add_expr(r, e);
}

static int enc_match(struct nftnl_rule *r, const struct fw_match *m)
{
	size_t len = fw_field_len(m->field);
	struct nftnl_expr *e;
	int ret = enc_load(r, m->field);

	if (ret < 0)
		return ret;
	switch (m->cmp) {
	case FWC_EQ:
		return enc_cmp(r, NFT_CMP_EQ, m->lo, len);
	case FWC_NEQ:
		return enc_cmp(r, NFT_CMP_NEQ, m->lo, len);
	case FWC_RANGE:
		e = nftnl_expr_alloc("range");
		if (!e)
			return -ENOMEM;
		nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_OP, NFT_RANGE_EQ);
		nftnl_expr_set(e, NFTNL_EXPR_RANGE_FROM_DATA, m->lo, (uint32_t)len);
		nftnl_expr_set(e, NFTNL_EXPR_RANGE_TO_DATA, m->hi, (uint32_t)len);
		return add_expr(r, e);
	case FWC_SET:
	case FWC_NSET:
	case FWC_VMAP:
		e = nftnl_expr_alloc("lookup");
		if (!e)
			return -ENOMEM;
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
		nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, m->set);
		if (m->cmp == FWC_NSET)
			nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
		if (m->cmp == FWC_VMAP)
			nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, NFT_REG_VERDICT);
		return add_expr(r, e);
	case FWC_ANY: {
		static const uint8_t zero[16];

		e = nftnl_expr_alloc("bitwise");
		if (!e)
			return -ENOMEM;
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, (uint32_t)len);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, m->lo, (uint32_t)len);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, (uint32_t)len);
		ret = add_expr(r, e);
		return ret < 0 ? ret : enc_cmp(r, NFT_CMP_NEQ, zero, len);
	}
	}
	return -EINVAL;
}

static int enc_verdict(struct nftnl_rule *r, const struct fw_nrule *nr)
{
	struct nftnl_expr *e;
	uint32_t v;

	switch (nr->verdict) {
	case FWV_NONE:
		return 0;
	case FWV_REJECT_TCP:
	case FWV_REJECT_PORT:
	case FWV_REJECT_ADMIN:
		e = nftnl_expr_alloc("reject");
		if (!e)
			return -ENOMEM;
		nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE,
				   nr->verdict == FWV_REJECT_TCP ? NFT_REJECT_TCP_RST
								  : NFT_REJECT_ICMPX_UNREACH);
		nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE,
				  nr->verdict == FWV_REJECT_PORT    ? NFT_REJECT_ICMPX_PORT_UNREACH
				  : nr->verdict == FWV_REJECT_ADMIN ? NFT_REJECT_ICMPX_ADMIN_PROHIBITED
								    : 0);
		return add_expr(r, e);
	case FWV_MASQUERADE:
		return add_expr(r, nftnl_expr_alloc("masq"));
	case FWV_ACCEPT:
		v = NF_ACCEPT;
		break;
	case FWV_DROP:
		v = NF_DROP;
		break;
	case FWV_RETURN:
		v = (uint32_t)NFT_RETURN;
		break;
	case FWV_JUMP:
		v = (uint32_t)NFT_JUMP;
		break;
	default:
		return -EINVAL;
	}
	e = nftnl_expr_alloc("immediate");
	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, v);
	if (nr->verdict == FWV_JUMP)
		nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, nr->target);
	return add_expr(r, e);
}


static int enc_rule(struct fw_nft *n, const struct fw_op *op, const struct fw_nrule *nr)
{
	struct nftnl_udata_buf *ud;
	struct nftnl_rule *r;
	struct nlmsghdr *nlh;
	char comment[160];
	bool ct = false;
	size_t i;
	int ret = -ENOMEM;

	r = nftnl_rule_alloc();
	ud = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN);
	if (!r || !ud)
		goto out;
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, fw_table_name(op->table));
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, op->chain->name);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, (uint32_t)fw_table_family(op->table));
	for (i = 0; i < nr->n_m; i++) {
		ct |= nr->m[i].field == FWF_CT_STATE;
		ret = enc_match(r, &nr->m[i]);
		if (ret < 0)
			goto out;
	}
	if (nr->log_level >= 0) {
		struct nftnl_expr *e = nftnl_expr_alloc("log");

		ret = -ENOMEM;
		if (!e)
			goto out;
		nftnl_expr_set_str(e, NFTNL_EXPR_LOG_PREFIX, nr->log_prefix);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOG_LEVEL, (uint32_t)nr->log_level);
		nftnl_rule_add_expr(r, e);
	}
	ret = enc_verdict(r, nr);
	if (ret < 0)
		goto out;
	fw_nrule_comment(nr, comment, sizeof(comment));
	ret = -ENOMEM;
	if (!nftnl_udata_put_strz(ud, NFTNL_UDATA_RULE_COMMENT, comment))
		goto out;
	nftnl_rule_set_data(r, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(ud),
			    nftnl_udata_buf_len(ud));
	nlh = msg_start(n, NFT_MSG_NEWRULE, fw_table_family(op->table),
			NLM_F_APPEND | NLM_F_CREATE, op, ct);
	if (!nlh)
		goto out;
	nftnl_rule_nlmsg_build_payload(nlh, r);
	msg_end(n, nlh);
	ret = 0;
out:
	nftnl_udata_buf_free(ud);
	nftnl_rule_free(r);
	return ret;
}

static int enc_table(struct fw_nft *n, const struct fw_op *op, uint16_t type)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;

	if (!t)
		return -ENOMEM;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, fw_table_name(op->table));
	nlh = msg_start(n, type, fw_table_family(op->table), type == NFT_MSG_NEWTABLE ? NLM_F_CREATE : 0,
			op, false);
	if (nlh) {
		nftnl_table_nlmsg_build_payload(nlh, t);
		msg_end(n, nlh);
	}
	nftnl_table_free(t);
	return nlh ? 0 : -ENOMEM;
}

static int enc_chain(struct fw_nft *n, const struct fw_op *op, uint16_t type)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	const struct fw_chain *fc = op->chain;
	struct nlmsghdr *nlh;

	if (!c)
		return -ENOMEM;
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, fw_table_name(op->table));
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, fc->name);
	if (type == NFT_MSG_NEWCHAIN && fc->base) {
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, fc->hook);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, fc->prio);
		nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, fc->nat ? "nat" : "filter");
		nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	}
	nlh = msg_start(n, type, fw_table_family(op->table), type == NFT_MSG_NEWCHAIN ? NLM_F_CREATE : 0,
			op, false);
	if (nlh) {
		nftnl_chain_nlmsg_build_payload(nlh, c);
		msg_end(n, nlh);
	}
	nftnl_chain_free(c);
	return nlh ? 0 : -ENOMEM;
}

static int enc_flush(struct fw_nft *n, const struct fw_op *op)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh;

	if (!r)
		return -ENOMEM;
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, fw_table_name(op->table));
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, op->chain->name);
	nlh = msg_start(n, NFT_MSG_DELRULE, fw_table_family(op->table), 0, op, false);
	if (nlh) {
		nftnl_rule_nlmsg_build_payload(nlh, r);
		msg_end(n, nlh);
	}
	nftnl_rule_free(r);
	return nlh ? 0 : -ENOMEM;
}

static struct nftnl_set *new_nset(const struct fw_op *op)
{
	struct nftnl_set *s = nftnl_set_alloc();
	const struct fw_set *fs = op->set;

	if (!s)
		return NULL;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, fw_table_name(op->table));
	nftnl_set_set_str(s, NFTNL_SET_NAME, fs->name);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, (uint32_t)fw_table_family(op->table));
	return s;
}

static int enc_set(struct fw_nft *n, const struct fw_op *op, uint16_t type)
{
	struct nftnl_set *s = new_nset(op);
	const struct fw_set *fs = op->set;
	struct nlmsghdr *nlh;

	if (!s)
		return -ENOMEM;
	if (type == NFT_MSG_NEWSET) {
		/* the kernel wants an id for sets made in a batch (rules may refer to it) */
		nftnl_set_set_u32(s, NFTNL_SET_ID, ++n->set_id);
		nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, fs->keytype);
		nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, fs->keylen);
		nftnl_set_set_u32(s, NFTNL_SET_FLAGS,
				  (fs->interval ? NFT_SET_INTERVAL : 0) | (fs->map ? NFT_SET_MAP : 0));
		if (fs->map)
			nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE, NFT_DATA_VERDICT);
	}
	nlh = msg_start(n, type, fw_table_family(op->table), type == NFT_MSG_NEWSET ? NLM_F_CREATE : 0,
			op, false);
	if (nlh) {
		nftnl_set_nlmsg_build_payload(nlh, s);
		msg_end(n, nlh);
	}
	nftnl_set_free(s);
	return nlh ? 0 : -ENOMEM;
}

/* hi + 1 in place; false when hi is the last address (the interval is open at the end). */
static bool key_next(uint8_t *k, size_t len)
{
	while (len--) {
		if (++k[len])
			return true;
	}
	return false;
}

static int add_nelem(struct nftnl_set *s, const struct fw_set *fs, const struct fw_elem *fe)
{
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();
	uint8_t end[16];

	if (!e)
		return -ENOMEM;
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, fe->key, fs->keylen);
	if (fs->map) {
		nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_VERDICT, (uint32_t)NFT_JUMP);
		nftnl_set_elem_set_str(e, NFTNL_SET_ELEM_CHAIN, fe->chain);
	}
	nftnl_set_elem_add(s, e);
	if (!fs->interval)
		return 0;
	memcpy(end, fe->key_hi, fs->keylen);
	if (!key_next(end, fs->keylen))
		return 0;
	e = nftnl_set_elem_alloc();
	if (!e)
		return -ENOMEM;
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, end, fs->keylen);
	nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_FLAGS, NFT_SET_ELEM_INTERVAL_END);
	nftnl_set_elem_add(s, e);
	return 0;
}

static int enc_elems(struct fw_nft *n, const struct fw_op *op, uint16_t type)
{
	size_t i = 0, j;

	while (i < op->n) {
		struct nftnl_set *s = new_nset(op);
		struct nlmsghdr *nlh;

		if (!s)
			return -ENOMEM;
		for (j = 0; j < ELEMS_PER_MSG && i < op->n; j++, i++)
			if (add_nelem(s, op->set, op->e[i]) < 0) {
				nftnl_set_free(s);
				return -ENOMEM;
			}
		nlh = msg_start(n, type, fw_table_family(op->table),
				type == NFT_MSG_NEWSETELEM ? NLM_F_CREATE : 0, op, false);
		if (nlh) {
			nftnl_set_elems_nlmsg_build_payload(nlh, s);
			msg_end(n, nlh);
		}
		nftnl_set_free(s);
		if (!nlh)
			return -ENOMEM;
	}
	return 0;
}

static int enc_op(struct fw_nft *n, const struct fw_op *op)
{
	size_t i;
	int r;

	switch (op->kind) {
	case FWO_NEWTABLE:
		return enc_table(n, op, NFT_MSG_NEWTABLE);
	case FWO_DELTABLE:
		return enc_table(n, op, NFT_MSG_DELTABLE);
	case FWO_NEWSET:
		return enc_set(n, op, NFT_MSG_NEWSET);
	case FWO_DELSET:
		return enc_set(n, op, NFT_MSG_DELSET);
	case FWO_NEWCHAIN:
		return enc_chain(n, op, NFT_MSG_NEWCHAIN);
	case FWO_DELCHAIN:
		return enc_chain(n, op, NFT_MSG_DELCHAIN);
	case FWO_FLUSH:
		return enc_flush(n, op);
	case FWO_NEWRULES:
		for (i = 0; i < op->chain->n; i++) {
			r = enc_rule(n, op, &op->chain->r[i]);
			if (r < 0)
				return r;
		}
		return 0;
	case FWO_NEWELEMS:
		return enc_elems(n, op, NFT_MSG_NEWSETELEM);
	case FWO_DELELEMS:
		return enc_elems(n, op, NFT_MSG_DELSETELEM);
	}
	return -EINVAL;
}

static const struct msgdesc *desc_of(const struct fw_nft *n, uint32_t seq)
{
	size_t lo = 0, hi = n->n_desc;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (n->desc[mid].seq == seq)
			return &n->desc[mid];
		if (n->desc[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The kernel's answer to the batch: the first error, with its object and extended ack. */
struct batch_result {
	struct fw_nft *n;
	uint32_t last;
	bool done;
	int err;
	char *msg;
	size_t msg_size;
	bool ct_failed;
};

static int batch_cb(const struct nlmsghdr *nlh, void *data)
{
	struct batch_result *br = data;
	const struct nlmsgerr *e;
	const struct msgdesc *d;
	const char *ext = NULL;
	struct nlattr *a;

	if (nlh->nlmsg_type != NLMSG_ERROR)
		return MNL_CB_OK;
	e = mnl_nlmsg_get_payload(nlh);
	/* the last message's answer, or an error about the batch itself: nothing more comes */
	if (e->msg.nlmsg_seq == br->last || (e->error && !desc_of(br->n, e->msg.nlmsg_seq)))
		br->done = true;
	if (!e->error || br->err)
		return MNL_CB_OK;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		size_t off = sizeof(*e);

		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - sizeof(e->msg);
		mnl_attr_for_each(a, nlh, off)
			if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG)
				ext = mnl_attr_get_str(a);
	}
	br->err = e->error;
	d = desc_of(br->n, e->msg.nlmsg_seq);
	if (d && d->ct && (e->error == -EPROTO || e->error == -EOPNOTSUPP || e->error == -ENOENT))
		br->ct_failed = true;
	snprintf(br->msg, br->msg_size, "%s%s%s%s%s%s: %s%s%s",
		 d ? fw_opk_to_string(d->op->kind) : "batch",
		 d ? " " : "",
		 d && d->op->chain ? d->op->chain->name : d && d->op->set ? d->op->set->name : "",
		 d ? (d->op->table == FW_T_INET ? " (inet " : " (bridge ") : "",
		 d ? fw_table_name(d->op->table) : "", d ? ")" : "",
		 strerror(-e->error), ext ? ": " : "", ext ? ext : "");
	return MNL_CB_OK;
}

int fw_nft_send(struct fw_nft *n, const struct fw_ops *ops, bool commit, char *err,
		size_t err_size, bool *ret_ct_failed)
{
	struct batch_result br = { .n = n, .msg = err, .msg_size = err_size };
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = { [NLMSG_ERROR] = batch_cb };
	char rbuf[MNL_SOCKET_BUFFER_SIZE * 8];
	struct nlmsghdr *nlh;
	size_t i;
	int r;

	err[0] = 0;
	*ret_ct_failed = false;
	if (!ops->n)
		return 0;
	n->len = 0;
	n->n_desc = 0;
	if (buf_room(n) < 0)
		return -ENOMEM;
	nlh = nftnl_batch_begin(n->buf, ++n->seq);
	msg_end(n, nlh);
	for (i = 0; i < ops->n; i++) {
		r = enc_op(n, &ops->v[i]);
		if (r < 0) {
			snprintf(err, err_size, "building the batch: %s", strerror(-r));
			return r;
		}
	}
	/* only the last message asks for an ack; errors come for any */
	br.last = n->seq;
	((struct nlmsghdr *)(n->buf + n->last_off))->nlmsg_flags |= NLM_F_ACK;
	/* without its end the kernel checks the batch and throws it away */
	if (commit) {
		if (buf_room(n) < 0)
			return -ENOMEM;
		nlh = nftnl_batch_end(n->buf + n->len, ++n->seq);
		msg_end(n, nlh);
	}

	if (mnl_socket_sendto(n->req, n->buf, n->len) < 0) {
		r = -errno;
		snprintf(err, err_size, "sending the batch (%zu bytes): %s", n->len, strerror(-r));
		return r;
	}
	while (!br.done) {
		ssize_t len = mnl_socket_recvfrom(n->req, rbuf, sizeof(rbuf));

		if (len < 0) {
			if (errno == EINTR)
				continue;
			r = errno == EAGAIN ? -ETIMEDOUT : -errno;
			snprintf(err, err_size, "reading the answer to the batch: %s", strerror(-r));
			return r;
		}
		/* acks and errors are control messages: libmnl hands them to ctl[] only */
		mnl_cb_run2(rbuf, (size_t)len, 0, n->req_portid, NULL, &br, ctl, NLMSG_MIN_TYPE);
	}
	*ret_ct_failed = br.ct_failed;
	return br.err;
}

/* ---- dump -------------------------------------------------------------------------------- */

struct dump_ctx {
	struct fw_table *t;
	int err;
};

static int dump_run(struct fw_nft *n, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE * 8];
	uint32_t seq = nlh->nlmsg_seq;
	int r;

	if (mnl_socket_sendto(n->req, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t len = mnl_socket_recvfrom(n->req, buf, sizeof(buf));

		if (len < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		}
		r = mnl_cb_run(buf, (size_t)len, seq, n->req_portid, cb, data);
		if (r < 0)
			return errno == ENOENT ? -ENOENT : -errno;
		if (r == MNL_CB_STOP)
			return 0;
	}
}

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *d = data;
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct fw_chain *fc;
	const char *type;

	if (!c)
		return MNL_CB_ERROR;
	if (nftnl_chain_nlmsg_parse(nlh, c) < 0 ||
	    strcmp(nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE), d->t->name) != 0) {
		nftnl_chain_free(c);
		return MNL_CB_OK;
	}
	fc = fw_table_add_chain(d->t, nftnl_chain_get_str(c, NFTNL_CHAIN_NAME));
	if (!fc) {
		nftnl_chain_free(c);
		d->err = -ENOMEM;
		return MNL_CB_ERROR;
	}
	if (nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM)) {
		fc->base = true;
		fc->hook = nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM);
		fc->prio = nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO);
		type = nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE);
		fc->nat = type && !strcmp(type, "nat");
		/* a policy other than accept is someone else's: make the chain differ */
		if (nftnl_chain_is_set(c, NFTNL_CHAIN_POLICY) &&
		    nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY) != NF_ACCEPT)
			fc->prio ^= 0x40000000;
	}
	nftnl_chain_free(c);
	return MNL_CB_OK;
}

static int udata_cb(const struct nftnl_udata *attr, void *data)
{
	const char **comment = data;

	if (nftnl_udata_type(attr) == NFTNL_UDATA_RULE_COMMENT)
		*comment = nftnl_udata_get(attr);
	return 0;
}

/* Rules: only the chain and the tag are read (the tag says what the rule is). */
static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *d = data;
	const char *table = NULL, *chain = NULL, *comment = NULL;
	const void *ud = NULL;
	uint16_t ud_len = 0;
	struct fw_chain *fc;
	struct fw_nrule *r;
	struct nlattr *a;
	char cbuf[NFT_USERDATA_MAXLEN + 1];

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		switch (mnl_attr_get_type(a)) {
		case NFTA_RULE_TABLE:
			table = mnl_attr_get_str(a);
			break;
		case NFTA_RULE_CHAIN:
			chain = mnl_attr_get_str(a);
			break;
		case NFTA_RULE_USERDATA:
			ud = mnl_attr_get_payload(a);
			ud_len = mnl_attr_get_payload_len(a);
			break;
		}
	}
	if (!table || !chain || strcmp(table, d->t->name) != 0)
		return MNL_CB_OK;
	fc = fw_table_chain(d->t, chain);
	if (!fc)
		return MNL_CB_OK;
	r = fw_chain_add_rule(fc);
	if (!r) {
		d->err = -ENOMEM;
		return MNL_CB_ERROR;
	}
	if (ud && ud_len <= NFT_USERDATA_MAXLEN) {
		memcpy(cbuf, ud, ud_len);
		nftnl_udata_parse(cbuf, ud_len, udata_cb, &comment);
	}
	if (comment) {
		char s[NFT_USERDATA_MAXLEN + 1];
		size_t off = (size_t)((const char *)comment - cbuf);

		/* the comment attribute's payload is NUL-terminated by its writer; be safe */
		snprintf(s, sizeof(s), "%.*s", (int)(ud_len - off), comment);
		if (!fw_comment_tag(s, &r->tag))
			r->tag = 0;
	}
	return MNL_CB_OK;
}

static int set_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *d = data;
	struct nftnl_set *s = nftnl_set_alloc();
	uint32_t flags;
	struct fw_set *fs;

	if (!s)
		return MNL_CB_ERROR;
	if (nftnl_set_nlmsg_parse(nlh, s) < 0 ||
	    strcmp(nftnl_set_get_str(s, NFTNL_SET_TABLE), d->t->name) != 0) {
		nftnl_set_free(s);
		return MNL_CB_OK;
	}
	flags = nftnl_set_get_u32(s, NFTNL_SET_FLAGS);
	if (flags & NFT_SET_ANONYMOUS) {
		nftnl_set_free(s);
		return MNL_CB_OK;
	}
	fs = fw_table_add_set(d->t, nftnl_set_get_str(s, NFTNL_SET_NAME),
			      nftnl_set_get_u32(s, NFTNL_SET_KEY_TYPE),
			      nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN), flags & NFT_SET_INTERVAL,
			      flags & NFT_SET_MAP);
	nftnl_set_free(s);
	if (!fs) {
		d->err = -ENOMEM;
		return MNL_CB_ERROR;
	}
	if (fs->keylen > 16)
		fs->keylen = 16 | 0x100; /* not one of ours: differs from anything wanted */
	return MNL_CB_OK;
}

/* Raw elements of one set as the kernel lists them (interval ends flagged). */
struct raw_elem {
	uint8_t key[16];
	bool end;
	char chain[FW_OBJNAME_MAX];
};

struct elem_ctx {
	struct raw_elem *v;
	size_t n, cap;
	uint32_t keylen;
	int err;
};

static int elem_cb(const struct nlmsghdr *nlh, void *data)
{
	struct elem_ctx *ec = data;
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set_elems_iter *it;
	struct nftnl_set_elem *e;

	if (!s)
		return MNL_CB_ERROR;
	if (nftnl_set_elems_nlmsg_parse(nlh, s) < 0) {
		nftnl_set_free(s);
		return MNL_CB_OK;
	}
	it = nftnl_set_elems_iter_create(s);
	while (it && (e = nftnl_set_elems_iter_next(it))) {
		struct raw_elem *re;
		uint32_t len = 0;
		const void *k = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);
		const char *chain;

		if (sdnd_grow(&ec->v, &ec->cap, ec->n + 1, sizeof(*ec->v)) < 0) {
			ec->err = -ENOMEM;
			break;
		}
		re = &ec->v[ec->n++];
		memset(re, 0, sizeof(*re));
		if (k)
			memcpy(re->key, k, len < 16 ? len : 16);
		re->end = nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS) &&
			  (nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS) &
			   NFT_SET_ELEM_INTERVAL_END);
		if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_CHAIN) &&
		    (chain = nftnl_set_elem_get_str(e, NFTNL_SET_ELEM_CHAIN)))
			snprintf(re->chain, sizeof(re->chain), "%s", chain);
	}
	nftnl_set_elems_iter_destroy(it);
	nftnl_set_free(s);
	return ec->err ? MNL_CB_ERROR : MNL_CB_OK;
}

static __thread uint32_t raw_keylen;

static int raw_cmp(const void *a, const void *b)
{
	const struct raw_elem *x = a, *y = b;
	int c = memcmp(x->key, y->key, raw_keylen);

	/* an interval's end sorts before a start at the same key */
	return c ? c : (int)y->end - (int)x->end;
}

/* Interval elements -> [lo, hi] ranges. */
static int raw_to_set(struct fw_set *fs, struct elem_ctx *ec)
{
	size_t i;

	raw_keylen = fs->keylen & 0xff;
	if (ec->n > 1)
		qsort(ec->v, ec->n, sizeof(*ec->v), raw_cmp);
	for (i = 0; i < ec->n; i++) {
		struct raw_elem *re = &ec->v[i];
		struct fw_elem *e;

		if (fs->interval && re->end)
			continue; /* an end without a start: nothing matches through it */
		e = fw_set_add_elem(fs);
		if (!e)
			return -ENOMEM;
		memcpy(e->key, re->key, 16);
		memcpy(e->key_hi, re->key, 16);
		snprintf(e->chain, sizeof(e->chain), "%s", re->chain);
		if (!fs->interval)
			continue;
		if (i + 1 < ec->n && ec->v[i + 1].end) {
			size_t k = fs->keylen & 0xff;
			uint8_t *hi = e->key_hi;

			memcpy(hi, ec->v[i + 1].key, 16);
			/* hi = end - 1 */
			while (k--)
				if (hi[k]-- != 0)
					break;
			i++;
		} else {
			memset(e->key_hi, 0xff, fs->keylen & 0xff);
		}
	}
	return 0;
}

static int dump_elems(struct fw_nft *n, const struct fw_table *t, struct fw_set *fs)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct elem_ctx ec = { .keylen = fs->keylen };
	struct nftnl_set *s = nftnl_set_alloc();
	struct nlmsghdr *nlh;
	int r;

	if (!s)
		return -ENOMEM;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, t->name);
	nftnl_set_set_str(s, NFTNL_SET_NAME, fs->name);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, (uint16_t)t->family, NLM_F_DUMP,
				    ++n->seq);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	r = dump_run(n, nlh, elem_cb, &ec);
	if (!r)
		r = ec.err;
	if (!r)
		r = raw_to_set(fs, &ec);
	free(ec.v);
	return r;
}

static int dump_table(struct fw_nft *n, struct fw_table *t)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct dump_ctx d = { .t = t };
	struct nftnl_table *tb;
	struct nftnl_rule *ru;
	struct nlmsghdr *nlh;
	size_t i;
	int r;

	tb = nftnl_table_alloc();
	if (!tb)
		return -ENOMEM;
	nftnl_table_set_str(tb, NFTNL_TABLE_NAME, t->name);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, (uint16_t)t->family, NLM_F_ACK, ++n->seq);
	nftnl_table_nlmsg_build_payload(nlh, tb);
	nftnl_table_free(tb);
	r = dump_run(n, nlh, NULL, NULL);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	t->present = true;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETCHAIN, (uint16_t)t->family, NLM_F_DUMP, ++n->seq);
	/* only this table's (the kernel filters a dump by table) */
	mnl_attr_put_strz(nlh, NFTA_CHAIN_TABLE, t->name);
	r = dump_run(n, nlh, chain_cb, &d);
	if (r < 0 || d.err < 0)
		return r < 0 ? r : d.err;
	fw_table_sort(t);

	ru = nftnl_rule_alloc();
	if (!ru)
		return -ENOMEM;
	nftnl_rule_set_str(ru, NFTNL_RULE_TABLE, t->name);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, (uint16_t)t->family, NLM_F_DUMP, ++n->seq);
	nftnl_rule_nlmsg_build_payload(nlh, ru);
	nftnl_rule_free(ru);
	r = dump_run(n, nlh, rule_cb, &d);
	if (r < 0 || d.err < 0)
		return r < 0 ? r : d.err;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSET, (uint16_t)t->family, NLM_F_DUMP, ++n->seq);
	{
		struct nftnl_set *s = nftnl_set_alloc();

		if (!s)
			return -ENOMEM;
		nftnl_set_set_str(s, NFTNL_SET_TABLE, t->name);
		nftnl_set_nlmsg_build_payload(nlh, s);
		nftnl_set_free(s);
	}
	r = dump_run(n, nlh, set_cb, &d);
	if (r < 0 || d.err < 0)
		return r < 0 ? r : d.err;
	for (i = 0; i < t->n_sets; i++) {
		r = dump_elems(n, t, &t->sets[i]);
		if (r < 0)
			return r;
	}
	fw_table_sort(t);
	return 0;
}

int fw_nft_dump(struct fw_nft *n, struct fw_ruleset *ret)
{
	size_t i;
	int r;

	for (i = 0; i < _FW_T_MAX; i++) {
		r = dump_table(n, &ret->t[i]);
		if (r < 0) {
			fw_ruleset_done(ret);
			return r;
		}
	}
	return 0;
}
