// SPDX-License-Identifier: GPL-2.0-or-later
#include "sdnd/nl.h"

#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <time.h>

#include "sdnd/util.h"

#define SNL_RXBUF (256 * 1024)
/* Requests in flight per sendmsg: bounded so that their acks always fit the receive buffer. */
#define SNL_CHUNK_MSGS 256
#define SNL_CHUNK_BYTES (128 * 1024)

static void set_bufsize(struct mnl_socket *s, int opt_force, int opt, int size)
{
	int fd = mnl_socket_get_fd(s);

	/* The FORCE variants ignore rmem_max but need CAP_NET_ADMIN; fall back quietly. */
	if (setsockopt(fd, SOL_SOCKET, opt_force, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, opt, &size, sizeof(size));
}

static struct mnl_socket *open_socket(void)
{
	struct mnl_socket *s = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	int one = 1;

	if (!s)
		return NULL;
	if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0) {
		mnl_socket_close(s);
		return NULL;
	}
	mnl_socket_setsockopt(s, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(s, NETLINK_CAP_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(s, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	return s;
}

int snl_open(struct snl *nl, int event_buf)
{
	static const unsigned int groups[] = { RTNLGRP_LINK, RTNLGRP_NEIGH, RTNLGRP_IPV4_IFADDR,
					       RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV4_NETCONF,
					       RTNLGRP_IPV6_NETCONF, RTNLGRP_BRVLAN };
	size_t i;
	int r;

	memset(nl, 0, sizeof(*nl));
	nl->rxbuf = malloc(SNL_RXBUF);
	if (!nl->rxbuf)
		return -ENOMEM;
	nl->req = open_socket();
	if (!nl->req) {
		r = -errno;
		goto err_free;
	}
	set_bufsize(nl->req, SO_RCVBUFFORCE, SO_RCVBUF, 4 * 1024 * 1024);
	set_bufsize(nl->req, SO_SNDBUFFORCE, SO_SNDBUF, 1024 * 1024);
	nl->portid = mnl_socket_get_portid(nl->req);
	nl->seq = (uint32_t)time(NULL);
	if (event_buf <= 0)
		return 0;

	nl->ev = open_socket();
	if (!nl->ev) {
		r = -errno;
		goto err_req;
	}
	set_bufsize(nl->ev, SO_RCVBUFFORCE, SO_RCVBUF, event_buf);
	for (i = 0; i < ARRAY_SIZE(groups); i++) {
		unsigned int g = groups[i];

		if (mnl_socket_setsockopt(nl->ev, NETLINK_ADD_MEMBERSHIP, &g, sizeof(g)) < 0) {
			r = -errno;
			goto err_ev;
		}
	}
	fcntl(mnl_socket_get_fd(nl->ev), F_SETFL, O_NONBLOCK);
	return 0;

err_ev:
	mnl_socket_close(nl->ev);
err_req:
	mnl_socket_close(nl->req);
err_free:
	free(nl->rxbuf);
	memset(nl, 0, sizeof(*nl));
	return r;
}

void snl_close(struct snl *nl)
{
	if (nl->ev)
		mnl_socket_close(nl->ev);
	if (nl->req)
		mnl_socket_close(nl->req);
	free(nl->rxbuf);
	memset(nl, 0, sizeof(*nl));
}

int snl_event_fd(const struct snl *nl)
{
	return nl->ev ? mnl_socket_get_fd(nl->ev) : -1;
}

struct nlmsghdr *snl_batch_begin(struct snl_batch *b, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh;

	memset(b->scratch, 0, sizeof(struct nlmsghdr) + 64);
	nlh = mnl_nlmsg_put_header(b->scratch);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	return nlh;
}

static int batch_add_req(struct snl_batch *b, uint32_t tag, struct snl_req **ret)
{
	int r = sdnd_grow(&b->reqs, &b->ncap, b->n + 1, sizeof(*b->reqs));

	if (r < 0)
		return r;
	memset(&b->reqs[b->n], 0, sizeof(b->reqs[b->n]));
	b->reqs[b->n].tag = tag;
	*ret = &b->reqs[b->n++];
	return 0;
}

int snl_batch_end(struct snl_batch *b, uint32_t tag)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)b->scratch;
	struct snl_req *req;
	int r;

	r = sdnd_grow(&b->buf, &b->cap, b->len + nlh->nlmsg_len, 1);
	if (r < 0)
		return r;
	r = batch_add_req(b, tag, &req);
	if (r < 0)
		return r;
	req->off = b->len;
	req->len = nlh->nlmsg_len;
	memcpy(b->buf + b->len, nlh, nlh->nlmsg_len);
	b->len += MNL_ALIGN(nlh->nlmsg_len);
	return 0;
}

int snl_batch_sysctl(struct snl_batch *b, const char *path, const char *value, uint32_t tag)
{
	struct snl_req *req;
	char *p = strdup(path);
	int r;

	if (!p)
		return -ENOMEM;
	r = batch_add_req(b, tag, &req);
	if (r < 0) {
		free(p);
		return r;
	}
	req->sysctl_path = p;
	sdnd_strlcpy(req->sysctl_value, value, sizeof(req->sysctl_value));
	return 0;
}

void snl_batch_reset(struct snl_batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		free(b->reqs[i].sysctl_path);
	b->n = 0;
	b->len = 0;
}

void snl_batch_free(struct snl_batch *b)
{
	snl_batch_reset(b);
	free(b->buf);
	free(b->reqs);
	b->buf = NULL;
	b->reqs = NULL;
	b->cap = b->ncap = 0;
}

static void run_sysctl(struct snl_req *req)
{
	_cleanup_close_ int fd = open(req->sysctl_path, O_WRONLY | O_CLOEXEC);
	size_t n = strlen(req->sysctl_value);

	if (fd < 0 || write(fd, req->sysctl_value, n) != (ssize_t)n) {
		req->err = -errno;
		snprintf(req->extack, sizeof(req->extack), "%s", req->sysctl_path);
	}
}

/* Receive one datagram of replies into nl->rxbuf. Its length, or -errno. */
static int recv_replies(struct snl *nl)
{
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->req, nl->rxbuf, SNL_RXBUF);

		if (n >= 0)
			return (int)n;
		if (errno != EINTR)
			return -errno;
	}
}

/* Copy the extack message of an error ack, if the kernel sent one. */
static void ack_extack(const struct nlmsghdr *nlh, char *buf, size_t size)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*e);
	const struct nlattr *a;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(e->msg);
	mnl_attr_for_each(a, nlh, off) {
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0) {
			sdnd_strlcpy(buf, mnl_attr_get_str(a), size);
			return;
		}
	}
}

/* Send reqs[first..last) (all netlink) in one sendmsg and wait for every ack. */
static int run_chunk(struct snl *nl, struct snl_batch *b, size_t first, size_t last)
{
	size_t i, pending = last - first, bytes = 0;
	_cleanup_free_ char *out = NULL;
	uint32_t seq0 = nl->seq + 1;

	for (i = first; i < last; i++)
		bytes += MNL_ALIGN(b->reqs[i].len);
	out = malloc(bytes);
	if (!out)
		return -ENOMEM;
	bytes = 0;
	for (i = first; i < last; i++) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)(out + bytes);

		memcpy(nlh, b->buf + b->reqs[i].off, b->reqs[i].len);
		nlh->nlmsg_seq = b->reqs[i].seq = ++nl->seq;
		b->reqs[i].err = 1; /* not acked yet */
		bytes += MNL_ALIGN(b->reqs[i].len);
	}
	if (mnl_socket_sendto(nl->req, out, bytes) < 0)
		return -errno;
	nl->n_requests += last - first;

	while (pending) {
		const struct nlmsghdr *nlh;
		int len = recv_replies(nl);

		if (len < 0)
			return len;
		for (nlh = (const struct nlmsghdr *)nl->rxbuf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			const struct nlmsgerr *e;
			struct snl_req *req;
			uint32_t idx;

			if (nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			idx = nlh->nlmsg_seq - seq0;
			if (idx >= last - first)
				continue; /* a late ack of an earlier chunk */
			req = &b->reqs[first + idx];
			if (req->err != 1)
				continue;
			e = mnl_nlmsg_get_payload(nlh);
			req->err = e->error;
			if (e->error) {
				nl->n_errors++;
				ack_extack(nlh, req->extack, sizeof(req->extack));
			}
			pending--;
		}
	}
	return 0;
}

int snl_batch_run(struct snl *nl, struct snl_batch *b)
{
	size_t i = 0;
	int r;

	while (i < b->n) {
		size_t j = i, bytes = 0;

		if (b->reqs[i].sysctl_path) {
			run_sysctl(&b->reqs[i++]);
			continue;
		}
		while (j < b->n && !b->reqs[j].sysctl_path && j - i < SNL_CHUNK_MSGS &&
		       bytes + b->reqs[j].len <= SNL_CHUNK_BYTES) {
			bytes += MNL_ALIGN(b->reqs[j].len);
			j++;
		}
		r = run_chunk(nl, b, i, j);
		if (r < 0) {
			for (; i < b->n; i++)
				if (b->reqs[i].err == 1 || !b->reqs[i].seq)
					b->reqs[i].err = r;
			return r;
		}
		i = j;
	}
	return 0;
}

int snl_dump(struct snl *nl, uint16_t type, uint8_t family, snl_msg_cb cb, void *data)
{
	char buf[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	bool intr = false;
	uint32_t seq;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq = ++nl->seq;
	switch (type) {
	case RTM_GETLINK: {
		struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

		ifi->ifi_family = family;
		/* counters are most of a link dump and sdnd needs none of them; bridge ports
		 * come with their VLANs, as ranges */
		mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS |
			(family == AF_BRIDGE ? RTEXT_FILTER_BRVLAN_COMPRESSED : 0));
		break;
	}
	case RTM_GETADDR: {
		struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

		ifa->ifa_family = family;
		break;
	}
	case RTM_GETNEIGH: {
		struct ndmsg *ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));

		ndm->ndm_family = family;
		break;
	}
	default:
		return -EINVAL;
	}
	if (mnl_socket_sendto(nl->req, nlh, nlh->nlmsg_len) < 0)
		return -errno;

	for (;;) {
		const struct nlmsghdr *m;
		int len = recv_replies(nl);

		if (len < 0)
			return len;
		for (m = (const struct nlmsghdr *)nl->rxbuf; mnl_nlmsg_ok(m, len);
		     m = mnl_nlmsg_next(m, &len)) {
			if (m->nlmsg_seq != seq)
				continue;
			if (m->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = true;
			if (m->nlmsg_type == NLMSG_DONE) {
				if (intr)
					nl->n_dump_intr++;
				return intr ? -EINTR : 0;
			}
			if (m->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(m);

				return e->error ? e->error : -EIO;
			}
			cb(m, data);
		}
	}
}

int snl_events_read(struct snl *nl, snl_msg_cb cb, void *data)
{
	int count = 0;

	if (!nl->ev)
		return 0;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->ev, nl->rxbuf, SNL_RXBUF);
		const struct nlmsghdr *m;
		int len;

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return count;
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				/* What is still queued predates the loss: the caller's re-dump
				 * supersedes it, and applying it afterwards would undo the dump. */
				while (mnl_socket_recvfrom(nl->ev, nl->rxbuf, SNL_RXBUF) > 0 ||
				       errno == ENOBUFS || errno == EINTR)
					;
				nl->n_enobufs++;
				return -ENOBUFS;
			}
			return -errno;
		}
		len = (int)n;
		for (m = (const struct nlmsghdr *)nl->rxbuf; mnl_nlmsg_ok(m, len);
		     m = mnl_nlmsg_next(m, &len)) {
			cb(m, data);
			count++;
		}
	}
}
