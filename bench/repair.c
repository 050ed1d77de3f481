// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * repair: measure how long sdnd takes to repair a deleted bridge.
 *
 *   repair BRIDGE VXLAN DST... [-t TIMEOUT_MS] [-v]
 *
 * Run inside the namespace sdnd manages (ip netns exec NS repair ...). Checks that the network is
 * whole, subscribes to RTNLGRP_LINK and RTNLGRP_NEIGH, and has a second thread send RTM_DELLINK for
 * BRIDGE (by name) while this one waits for the events, until the network is whole again:
 *   - a new bridge named BRIDGE exists (a new ifindex) and is administratively up,
 *   - a RTM_NEWLINK (ifi_family AF_UNSPEC) of VXLAN carries IFLA_MASTER = that new ifindex,
 *   - VXLAN has an all-zeros FDB entry to every DST.
 * Timestamps are CLOCK_MONOTONIC. Prints one line on stdout, in microseconds:
 *   FROM_REQUEST FROM_NOTIFICATION DELETE_SYSCALL
 * FROM_REQUEST: from just before sendmsg(RTM_DELLINK) to the event that completed the repair.
 * FROM_NOTIFICATION: from the arrival of the bridge's RTM_DELLINK notification (when sdnd can
 * first know) to the same event. DELETE_SYSCALL: how long the kernel took to return from the
 * sendmsg and ack it. A timestamp is taken when poll() wakes up for a batch of events, so the
 * figures include this program's wake-up latency, never less than the truth.
 *
 * Why a second thread: the kernel sends RTM_DELLINK and releases the RTNL lock, then still waits
 * (netdev_run_todo, RCU) before sendmsg returns; the daemon repairs during that wait, so a
 * timestamp taken after sendmsg returned would come after the repair.
 *
 * The final state is read back with requests (outside the timed span) to confirm the events.
 *
 * Exit status: 0 measured; 1 timeout or error; 2 usage or the network was not whole to begin with.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define MAX_DST 16

struct state {
	const char *br_name, *vx_name;
	int old_br;		/* ifindex of the bridge we delete */
	int br;			/* ifindex of the bridge named br_name now (0: none) */
	bool br_up;
	int vx;			/* ifindex of the vxlan device named vx_name now */
	int vx_master;		/* its IFLA_MASTER (0: none) */
	struct in_addr dst[MAX_DST];
	int n_dst;
	unsigned int fdb;	/* bit i: the zero-MAC entry to dst[i] exists on vx */
	bool saw_del;		/* the RTM_DELLINK notification of old_br arrived */
};

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void handle_link(struct state *s, const struct nlmsghdr *nlh)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const char *name = NULL;
	const struct nlattr *a;
	int master = 0;

	if (ifi->ifi_family != AF_UNSPEC)
		return;
	mnl_attr_for_each(a, nlh, sizeof(*ifi)) {
		if (mnl_attr_get_type(a) == IFLA_IFNAME &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			name = mnl_attr_get_str(a);
		else if (mnl_attr_get_type(a) == IFLA_MASTER &&
			 mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			master = (int)mnl_attr_get_u32(a);
	}
	if (!name)
		return;
	if (!strcmp(name, s->br_name)) {
		if (nlh->nlmsg_type == RTM_DELLINK) {
			if (ifi->ifi_index == s->old_br)
				s->saw_del = true;
			if (ifi->ifi_index == s->br)
				s->br = 0;
		} else {
			s->br = ifi->ifi_index;
			s->br_up = ifi->ifi_flags & IFF_UP;
		}
	} else if (!strcmp(name, s->vx_name)) {
		if (nlh->nlmsg_type == RTM_DELLINK) {
			s->vx = 0;
			s->vx_master = 0;
			s->fdb = 0;
		} else {
			if (ifi->ifi_index != s->vx)
				s->fdb = 0; /* replaced: a new device, its own FDB */
			s->vx = ifi->ifi_index;
			s->vx_master = master;
		}
	}
}

static void handle_neigh(struct state *s, const struct nlmsghdr *nlh)
{
	static const uint8_t zero[6];
	const struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a, *mac = NULL, *dst = NULL;
	int i;

	if (ndm->ndm_family != AF_BRIDGE || !s->vx || ndm->ndm_ifindex != s->vx)
		return;
	mnl_attr_for_each(a, nlh, sizeof(*ndm)) {
		if (mnl_attr_get_type(a) == NDA_LLADDR && mnl_attr_get_payload_len(a) == 6)
			mac = a;
		else if (mnl_attr_get_type(a) == NDA_DST && mnl_attr_get_payload_len(a) == 4)
			dst = a;
	}
	if (!mac || !dst || memcmp(mnl_attr_get_payload(mac), zero, 6))
		return;
	for (i = 0; i < s->n_dst; i++) {
		if (memcmp(mnl_attr_get_payload(dst), &s->dst[i], 4))
			continue;
		if (nlh->nlmsg_type == RTM_DELNEIGH)
			s->fdb &= ~(1u << i);
		else
			s->fdb |= 1u << i;
	}
}

static bool verbose;
static uint64_t t_start;


static void handle(struct state *s, const struct nlmsghdr *nlh)
{
	if (verbose && (nlh->nlmsg_type == RTM_NEWLINK || nlh->nlmsg_type == RTM_DELLINK ||
			nlh->nlmsg_type == RTM_NEWNEIGH || nlh->nlmsg_type == RTM_DELNEIGH)) {
		const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
		const struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);
		bool link = nlh->nlmsg_type == RTM_NEWLINK || nlh->nlmsg_type == RTM_DELLINK;

		fprintf(stderr, "repair: +%llu us type %u family %u ifindex %d\n",
			(unsigned long long)(t_start ? now_us() - t_start : 0), nlh->nlmsg_type,
			link ? ifi->ifi_family : ndm->ndm_family,
			link ? ifi->ifi_index : ndm->ndm_ifindex);
	}
	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		handle_link(s, nlh);
		break;
	case RTM_NEWNEIGH:
	case RTM_DELNEIGH:
		handle_neigh(s, nlh);
		break;
	}
}

static bool repaired(const struct state *s)
{
	return s->br && s->br != s->old_br && s->br_up && s->vx && s->vx_master == s->br &&
	       s->fdb == (1u << s->n_dst) - 1;
}

/* Send one request on q and feed every answer to handle() until the ack or NLMSG_DONE. */
static int request(struct mnl_socket *q, struct state *s, struct nlmsghdr *nlh)
{
	static char buf[1 << 16];
	static uint32_t seq = 1;
	uint32_t portid = mnl_socket_get_portid(q);

	nlh->nlmsg_seq = ++seq;
	if (mnl_socket_sendto(q, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(q, buf, sizeof(buf));
		const struct nlmsghdr *m;
		int len;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		len = (int)n;
		for (m = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(m, len);
		     m = mnl_nlmsg_next(m, &len)) {
			if (m->nlmsg_seq != seq || m->nlmsg_pid != portid)
				continue;
			if (m->nlmsg_type == NLMSG_DONE)
				return 0;
			if (m->nlmsg_type == NLMSG_ERROR)
				return ((const struct nlmsgerr *)mnl_nlmsg_get_payload(m))->error;
			handle(s, m);
			if (!(m->nlmsg_flags & NLM_F_MULTI))
				return 0;
		}
	}
}

static int get_link(struct mnl_socket *q, struct state *s, const char *name)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	return request(q, s, nlh);
}

/* Read the whole state back with requests (at start, after ENOBUFS, and to confirm). */
static int query(struct mnl_socket *q, struct state *s)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct ndmsg *ndm;
	int r;

	s->br = 0;
	s->br_up = false;
	s->vx = 0;
	s->vx_master = 0;
	s->fdb = 0;
	r = get_link(q, s, s->br_name);
	if (r < 0 && r != -ENODEV)
		return r;
	r = get_link(q, s, s->vx_name);
	if (r < 0 && r != -ENODEV)
		return r;
	if (!s->vx)
		return 0;
	/* Strict checking lets the kernel filter the FDB dump by device. */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETNEIGH;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = AF_BRIDGE;
	ndm->ndm_ifindex = s->vx;
	return request(q, s, nlh);
}

static struct mnl_socket *open_socket(unsigned int groups)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	int one = 1, size = 8 << 20;

	if (!nl || mnl_socket_bind(nl, groups, MNL_SOCKET_AUTOPID) < 0) {
		perror("repair: netlink");
		exit(1);
	}
	mnl_socket_setsockopt(nl, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return nl;
}

static void describe(const struct state *s, const char *what)
{
	fprintf(stderr, "repair: %s: bridge %s ifindex %d (deleted %d) %s, %s ifindex %d master %d, "
			"fdb entries %u of %d\n", what, s->br_name, s->br, s->old_br,
		s->br_up ? "up" : "down", s->vx_name, s->vx, s->vx_master,
		(unsigned int)__builtin_popcount(s->fdb), s->n_dst);
}

struct deleter {
	const char *name;
	uint64_t t_req, t_ret;
	int err;
};

/* Thread: delete the bridge by name and wait for the ack. */
static void *delete_bridge(void *arg)
{
	struct deleter *d = arg;
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;
	uint32_t seq = (uint32_t)time(NULL);
	ssize_t n;

	d->err = -EIO;
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		return NULL;
	nlh->nlmsg_type = RTM_DELLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, d->name);
	d->t_req = now_us();
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		d->err = -errno;
	} else {
		while ((n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0) {
			const struct nlmsghdr *m = (const struct nlmsghdr *)buf;

			if (m->nlmsg_seq == seq && m->nlmsg_type == NLMSG_ERROR) {
				d->err = ((const struct nlmsgerr *)mnl_nlmsg_get_payload(m))->error;
				break;
			}
		}
	}
	d->t_ret = now_us();
	mnl_socket_close(nl);
	return NULL;
}

int main(int argc, char **argv)
{
	static char buf[1 << 20];
	struct state s = { 0 };
	struct deleter del = { 0 };
	struct mnl_socket *ev, *q;
	pthread_t thread;
	long timeout_ms = 10000;
	uint64_t t_del = 0, t1 = 0, deadline;
	int i, r;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v")) {
			verbose = true;
		} else if (!strcmp(argv[i], "-t") && i + 1 < argc) {
			timeout_ms = strtol(argv[++i], NULL, 10);
		} else if (!s.br_name) {
			s.br_name = argv[i];
		} else if (!s.vx_name) {
			s.vx_name = argv[i];
		} else if (s.n_dst < MAX_DST && inet_pton(AF_INET, argv[i], &s.dst[s.n_dst]) == 1) {
			s.n_dst++;
		} else {
			fprintf(stderr, "repair: bad argument \"%s\"\n", argv[i]);
			return 2;
		}
	}
	if (!s.br_name || !s.vx_name || !s.n_dst || timeout_ms <= 0) {
		fprintf(stderr, "usage: repair BRIDGE VXLAN DST... [-t TIMEOUT_MS] [-v]\n");
		return 2;
	}

	/* Subscribe first, so nothing after the delete can be missed. */
	ev = open_socket(RTMGRP_LINK | RTMGRP_NEIGH);
	q = open_socket(0);
	r = query(q, &s);
	if (r < 0) {
		fprintf(stderr, "repair: reading the state: %s\n", strerror(-r));
		return 1;
	}
	if (!s.br || !s.br_up || s.vx_master != s.br || s.fdb != (1u << s.n_dst) - 1) {
		describe(&s, "not whole before the delete");
		return 2;
	}
	s.old_br = s.br;
	/* Whatever was queued before (sdnd's own last changes) is already reflected by the query. */
	while (recv(mnl_socket_get_fd(ev), buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;

	del.name = s.br_name;
	t_start = now_us();
	if (pthread_create(&thread, NULL, delete_bridge, &del)) {
		perror("repair: pthread_create");
		return 1;
	}
	deadline = t_start + (uint64_t)timeout_ms * 1000;
	while (!t1) {
		struct pollfd pfd = { .fd = mnl_socket_get_fd(ev), .events = POLLIN };
		uint64_t now = now_us(), t_batch;
		const struct nlmsghdr *m;
		ssize_t n;
		int len;

		if (now >= deadline) {
			describe(&s, "not repaired in time");
			return 1;
		}
		r = poll(&pfd, 1, (int)((deadline - now + 999) / 1000));
		if (r < 0 && errno != EINTR) {
			perror("repair: poll");
			return 1;
		}
		if (r <= 0)
			continue;
		t_batch = now_us();
		n = recv(pfd.fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			if (errno != ENOBUFS) {
				perror("repair: recv");
				return 1;
			}
			/* Events were lost: drain what is queued (older than what a query returns:
			 * and until the queue is empty the kernel reports no further overrun), then
			 * read the state. */
			while (recv(pfd.fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
				;
			fprintf(stderr, "repair: ENOBUFS, reading the state again\n");
			r = query(q, &s);
			if (r < 0) {
				fprintf(stderr, "repair: reading the state: %s\n", strerror(-r));
				return 1;
			}
			t_batch = now_us();
		} else {
			len = (int)n;
			for (m = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(m, len);
			     m = mnl_nlmsg_next(m, &len))
				handle(&s, m);
		}
		if (s.saw_del && !t_del)
			t_del = t_batch;
		if (repaired(&s))
			t1 = t_batch;
	}
	pthread_join(thread, NULL);
	if (del.err) {
		fprintf(stderr, "repair: deleting %s: %s\n", s.br_name, strerror(-del.err));
		return 1;
	}
	if (!t_del) {
		fprintf(stderr, "repair: the RTM_DELLINK notification was lost; timing from the "
				"request\n");
		t_del = del.t_req;
	}

	/* Confirm with requests what the events said (not timed). */
	r = query(q, &s);
	if (r < 0 || !repaired(&s)) {
		describe(&s, "events said repaired, but the kernel disagrees");
		return 1;
	}
	printf("%llu %llu %llu\n", (unsigned long long)(t1 - del.t_req),
	       (unsigned long long)(t1 - t_del), (unsigned long long)(del.t_ret - del.t_req));
	mnl_socket_close(q);
	mnl_socket_close(ev);
	return 0;
}
