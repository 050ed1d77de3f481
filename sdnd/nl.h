/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * snl: sdnd's netlink layer. Two rtnetlink sockets: one for requests and dumps, one for
 * multicast events. Requests are collected in a batch, sent many per sendmsg, and their acks
 * matched back by sequence number with the kernel's extack message kept for each failure.
 */
#ifndef SDND_NL_H
#define SDND_NL_H

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <stdbool.h>
#include <stdint.h>

#define SNL_EXTACK_MAX 160
#define SNL_EVENT_BUF_DEFAULT (8 * 1024 * 1024)

struct snl {
	struct mnl_socket *req;
	struct mnl_socket *ev;       /* NULL unless opened with events */
	uint32_t seq;
	unsigned int portid;
	char *rxbuf;                 /* receive buffer, SNL_RXBUF bytes */
	/* counters for status and metrics */
	uint64_t n_requests, n_errors, n_enobufs, n_dump_intr;
};

/* One request of a batch and, after snl_batch_run(), its result. */
struct snl_req {
	size_t off, len;             /* message bytes in batch->buf; len 0 for a sysctl write */
	uint32_t tag;                /* caller's cookie (an action index) */
	uint32_t seq;
	int err;                     /* 0 or -errno */
	char extack[SNL_EXTACK_MAX]; /* the kernel's message, "" when none */
	char *sysctl_path;           /* for a /proc/sys write */
	char sysctl_value[16];
};

struct snl_batch {
	char *buf;
	size_t len, cap;
	struct snl_req *reqs;
	size_t n, ncap;
	char scratch[8192];          /* the message being built */
};

/*
 * Open the request socket and, when event_buf > 0, the event socket with that receive buffer
 * (bytes; SNL_EVENT_BUF_DEFAULT is a good size).
 */
int snl_open(struct snl *nl, int event_buf);
void snl_close(struct snl *nl);
int snl_event_fd(const struct snl *nl);

/* Start a request in b->scratch; add attributes with mnl_attr_put*(), then snl_batch_end(). */
struct nlmsghdr *snl_batch_begin(struct snl_batch *b, uint16_t type, uint16_t flags);
/* Commit the message started by snl_batch_begin(). 0 or -ENOMEM. */
int snl_batch_end(struct snl_batch *b, uint32_t tag);
/* Queue a write of value to a file under /proc/sys (where netlink has no equivalent). */
int snl_batch_sysctl(struct snl_batch *b, const char *path, const char *value, uint32_t tag);
/* Send every request, in order, and collect each result. Returns 0 or -errno for a socket
 * failure (the per-request results are in b->reqs[i].err). */
int snl_batch_run(struct snl *nl, struct snl_batch *b);
void snl_batch_reset(struct snl_batch *b);
void snl_batch_free(struct snl_batch *b);

/* Callback for each message of a dump or event read. */
typedef void (*snl_msg_cb)(const struct nlmsghdr *nlh, void *data);

/*
 * Dump one rtnetlink table (RTM_GETLINK, RTM_GETADDR, RTM_GETNEIGH...) for family.
 * Returns 0, -EINTR when the kernel flagged the dump as interrupted (NLM_F_DUMP_INTR: the
 * caller must discard what it saw and dump again), or -errno.
 */
int snl_dump(struct snl *nl, uint16_t type, uint8_t family, snl_msg_cb cb, void *data);

/*
 * Read every pending event without blocking. Returns the number of messages, or -ENOBUFS when
 * the kernel dropped events: then the events still queued have been discarded and the caller
 * must dump again. Or -errno.
 */
int snl_events_read(struct snl *nl, snl_msg_cb cb, void *data);

#endif
