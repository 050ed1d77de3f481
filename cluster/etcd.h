/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An asynchronous etcd v3 client over etcd's JSON gateway (POST /v3/...), driven by libcurl's
 * multi interface from the daemon's epoll loop: no threads of its own, no blocking call but
 * etcd_lease_revoke_sync(). Keys and values travel base64-encoded; 64-bit numbers as strings.
 *
 * Use: add etcd_fd() to the caller's epoll for EPOLLIN and call etcd_run() when it is readable
 * (it also becomes readable when the client's timer expires; etcd_timeout_ms() says when that
 * is, for loops that prefer to compute their own timeout). Callbacks run from etcd_run() only.
 */
#ifndef SDND_CLUSTER_ETCD_H
#define SDND_CLUSTER_ETCD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct etcd;
struct etcd_watch;

struct etcd_opts {
	/*
	 * "HOST:PORT[,HOST:PORT...]"; each may carry http:// or https:// (default http://, or
	 * https:// when cacert or cert is given); IPv6 as [addr]:port. A host name is resolved by
	 * libcurl (its resolver may use a helper thread: prefer addresses).
	 */
	const char *endpoints;
	const char *cacert;             /* PEM CA to verify the server (TLS); NULL: the system's */
	const char *cert, *key;         /* client certificate and key (TLS); key NULL: in cert */
	/*
	 * etcd auth: a token from /v3/auth/authenticate, sent as the Authorization header, got
	 * before the first request and again when etcd says the token is invalid or expired.
	 */
	const char *user, *password;
	unsigned timeout_ms;            /* per unary request and endpoint; 0: 5000 */
	unsigned connect_timeout_ms;    /* per connection attempt; 0: 1500 */
	/*
	 * A watch stream that brings no byte for this long, not even a progress notification, is
	 * taken for dead (-EPIPE). etcd sends one on an idle watch every 10 minutes by default
	 * (--experimental-watch-progress-notify-interval). 0: 660 s. A dead peer host is noticed
	 * sooner by TCP keepalive (about 15 s).
	 */
	unsigned watch_idle_s;
};

/*
 * Validate opts (endpoint syntax: err tells which endpoint is bad and why; files must be
 * readable) and set up; no I/O yet. Returns 0, -EINVAL (with err) or -ENOMEM.
 */
int etcd_new(struct etcd **ret, const struct etcd_opts *o, char *err, size_t err_size);
/*
 * Cancel everything in flight without calling any callback and free the client, its watches
 * included (the caller must not use them after). Not from inside a callback. NULL is fine.
 */
void etcd_free(struct etcd *e);
/* The file descriptor to watch for EPOLLIN; it stays the same for the client's lifetime. */
int etcd_fd(const struct etcd *e);
/* Milliseconds until etcd_run() is due because of a timer, 0: now, -1: none. */
int etcd_timeout_ms(const struct etcd *e);
/* Do whatever I/O is ready and call the callbacks of what finished. Never blocks. */
void etcd_run(struct etcd *e);
/* The endpoint in use now, e.g. "http://127.0.0.1:2379". */
const char *etcd_endpoint(const struct etcd *e);
/*
 * The local address of the last connection to etcd (CURLINFO_LOCAL_IP), "" before any: the
 * node's address towards the cluster store.
 */
const char *etcd_local_ip(const struct etcd *e);

struct etcd_kv {
	char *key;
	char *value;                    /* NUL-terminated too (value[value_len] == '\0') */
	size_t value_len;
	int64_t create_revision, mod_revision, version, lease;
};

struct etcd_result {
	/*
	 * 0; -ECONNREFUSED/-ETIMEDOUT/-EHOSTUNREACH/-ECONNRESET... when no endpoint answered;
	 * -EPROTO for a response that is not what etcd sends; -EACCES for auth failures; -ENOENT
	 * e.g. lease not found; -ESTALE compacted revision; -EAGAIN etcd unavailable (no leader);
	 * -EINVAL etcd refused the request; -ENOMEM.
	 */
	int err;
	char msg[256];                  /* human-readable reason when err != 0 */
	int64_t revision;               /* the store's revision in the response header */
	/*
	 * range/get: the keys, sorted by key (get: 0 or 1, a missing key is no error);
	 * cas not done: the key as it is now (0 or 1).
	 */
	struct etcd_kv *kvs;
	size_t n_kvs;
	bool succeeded;                 /* cas: the compare held and the put was done */
	int64_t deleted;                /* delete: how many keys went */
	/* lease grant/keepalive: the lease ID and its TTL in seconds (keepalive of a lease that
	 * is gone: err = -ENOENT) */
	int64_t lease, ttl;
};

/* r and everything it points to are valid during the call only. */
typedef void (*etcd_cb)(void *ctx, const struct etcd_result *r);

/*
 * Unary requests. Each tries the current endpoint and, on a connection failure or timeout
 * (or etcd saying it is unavailable), the next ones, each once, before failing; a cas is
 * tried on another endpoint only when none of it was sent. The callback is called exactly
 * once, from etcd_run(), never from inside the call that started it. Returns 0, or -ENOMEM /
 * -EINVAL (then there is no callback). New requests may be started from any callback.
 */

/* Every key starting with prefix ("" for all), at the newest revision. */
int etcd_range_prefix(struct etcd *e, const char *prefix, etcd_cb cb, void *ctx);
/* One key. */
int etcd_get(struct etcd *e, const char *key, etcd_cb cb, void *ctx);
/* Put key = value (len bytes, any bytes), attached to lease (0: none). */
int etcd_put(struct etcd *e, const char *key, const void *value, size_t len, int64_t lease,
	     etcd_cb cb, void *ctx);
/*
 * Compare-and-swap: put key = value only if key's mod_revision is mod_rev (0: only if the key
 * does not exist), in one txn. r->succeeded says whether it was done; r->revision is the
 * revision after it (or the current one when not done, and then r->kvs holds the key as it is).
 */
int etcd_cas(struct etcd *e, const char *key, const void *value, size_t len, int64_t mod_rev,
	     etcd_cb cb, void *ctx);
/* Delete one key (no error when it does not exist: r->deleted is 0). */
int etcd_delete(struct etcd *e, const char *key, etcd_cb cb, void *ctx);
/* A new lease of ttl seconds (etcd may raise it to its minimum): r->lease, r->ttl. */
int etcd_lease_grant(struct etcd *e, int64_t ttl, etcd_cb cb, void *ctx);
/* One keepalive of lease: r->ttl is its new TTL; -ENOENT when the lease is gone. */
int etcd_lease_keepalive(struct etcd *e, int64_t lease, etcd_cb cb, void *ctx);
/* Compact the history up to revision (physically). For maintenance and tests. */
int etcd_compact(struct etcd *e, int64_t revision, etcd_cb cb, void *ctx);
/*
 * Cancel every unary request in flight that was started with ctx, without calling its
 * callback: for a caller whose ctx goes away before the answer (e.g. a wait with its own
 * deadline). Allowed in any callback. Returns how many were cancelled.
 */
int etcd_cancel(struct etcd *e, void *ctx);
/*
 * Synchronous, for a clean shutdown: revoke the lease (its keys go), waiting at most
 * timeout_ms in all. Runs no callback. Returns 0 or -errno (-ENOENT: no such lease).
 */
int etcd_lease_revoke_sync(struct etcd *e, int64_t lease, unsigned timeout_ms);

/* Watch: one long-lived streaming request per watch. */
struct etcd_event {
	bool deleted;                   /* DELETE (else PUT) */
	struct etcd_kv kv;              /* for a delete: key and mod_revision only */
};

/*
 * events: the events of one watch response, in revision order (n is 0 for a progress
 * notification); revision: the store's revision in the response header (not the events').
 * err != 0: the watch ended: -ESTALE when start_revision was compacted (compact_revision says
 * from where history is kept), -EACCES when etcd refused it for auth, -EPIPE when the stream
 * broke, went silent, or could not be opened on any endpoint. After an err callback the
 * watch is dead; free it with etcd_watch_cancel() (also allowed from inside the callback),
 * list again and watch from the new revision + 1.
 */
typedef void (*etcd_watch_cb)(void *ctx, const struct etcd_event *events, size_t n,
			      int64_t revision, int64_t compact_revision, int err);

/*
 * Watch every key starting with prefix from start_revision (0: from now on). Progress
 * notifications are asked for. The first callback comes from etcd_run(). Returns 0 and the
 * watch in *ret, or -ENOMEM / -EINVAL.
 */
int etcd_watch_prefix(struct etcd *e, const char *prefix, int64_t start_revision,
		      etcd_watch_cb cb, void *ctx, struct etcd_watch **ret);
/* Why the watch ended, after its err callback ("" while it lives). */
const char *etcd_watch_error(const struct etcd_watch *w);
/* Stop a watch (alive or dead) and free it; no callback follows. Allowed in any callback. */
void etcd_watch_cancel(struct etcd_watch *w);

#endif
