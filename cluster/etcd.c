// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * etcd v3 over the JSON gateway with libcurl's multi interface.
 *
 * Every request is a transfer (struct xfer) on one curl easy handle at a time; curl's sockets
 * and a timerfd for curl's timer live in the client's own epoll fd. curl's callbacks only
 * collect bytes: whatever a caller sees (callbacks, watch events) is delivered from etcd_run()
 * after curl_multi_socket_action() has returned, so callbacks may start requests and cancel
 * watches freely.
 *
 * The gateway's answers: unary calls answer one JSON object, with a "header" (revision...) on
 * success and {"error": "...", "message": "...", "code": <gRPC code>} with an HTTP error status
 * on failure. Streams (watch, lease keepalive) answer one object per line, {"result": {...}},
 * or {"error": {"grpc_code": N, "message": "..."}} inside a 200 response.
 */
#include "cluster/etcd.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>

#include "sdnd/util.h"

#define DEFAULT_TIMEOUT_MS 5000
#define DEFAULT_CONNECT_MS 1500
#define DEFAULT_WATCH_IDLE_S 660
#define MAX_RESPONSE (256u << 20)

/* A dead peer: the first probe after 5 s of silence, 3 more 3 s apart, then give up (~14 s). */
#define KEEPALIVE_IDLE_S 5
#define KEEPALIVE_INTVL_S 3
#define KEEPALIVE_CNT 3
#define USER_TIMEOUT_MS 15000

#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* gRPC status codes etcd reports. */
enum {
	GRPC_OK = 0,
	GRPC_CANCELED = 1,
	GRPC_UNKNOWN = 2,
	GRPC_INVALID_ARGUMENT = 3,
	GRPC_DEADLINE_EXCEEDED = 4,
	GRPC_NOT_FOUND = 5,
	GRPC_ALREADY_EXISTS = 6,
	GRPC_PERMISSION_DENIED = 7,
	GRPC_RESOURCE_EXHAUSTED = 8,
	GRPC_FAILED_PRECONDITION = 9,
	GRPC_ABORTED = 10,
	GRPC_OUT_OF_RANGE = 11,
	GRPC_UNIMPLEMENTED = 12,
	GRPC_INTERNAL = 13,
	GRPC_UNAVAILABLE = 14,
	GRPC_DATA_LOSS = 15,
	GRPC_UNAUTHENTICATED = 16,
};

enum kind {
	K_AUTH,
	K_RANGE,
	K_PUT,
	K_CAS,
	K_DELETE,
	K_GRANT,
	K_KEEPALIVE,
	K_REVOKE,
	K_COMPACT,
	K_WATCH,
};

static const char *const kind_path[] = {
	[K_AUTH] = "/v3/auth/authenticate", [K_RANGE] = "/v3/kv/range",
	[K_PUT] = "/v3/kv/put",             [K_CAS] = "/v3/kv/txn",
	[K_DELETE] = "/v3/kv/deleterange",  [K_GRANT] = "/v3/lease/grant",
	[K_KEEPALIVE] = "/v3/lease/keepalive", [K_REVOKE] = "/v3/lease/revoke",
	[K_COMPACT] = "/v3/kv/compaction",
	[K_WATCH] = "/v3/watch",
};

/* One request, unary or a watch, across its attempts on the endpoints. */
struct xfer {
	struct etcd *e;
	struct xfer *prev, *next;       /* e->xfers */
	enum kind kind;
	CURL *h;                        /* the attempt in flight; NULL between attempts */
	struct curl_slist *hdrs;
	char *body;                     /* the request */
	char *resp;                     /* unary: the response so far */
	size_t resp_len, resp_cap;
	json_tokener *tok;              /* streams: the response's JSON objects */
	json_object *first;             /* keepalive: the first object of the stream */
	int stream_err;                 /* why the write callback stopped the transfer */
	unsigned ep;                    /* the endpoint of this attempt */
	unsigned tries;                 /* attempts since the start or the last token */
	uint64_t token_gen;             /* the token this attempt sent */
	unsigned auth_round;            /* waiting for this authentication */
	bool waiting_auth;
	bool auth_retried;              /* re-authenticated once already */
	bool got_data;                  /* this attempt received some response */
	char errbuf[CURL_ERROR_SIZE];
};

struct req {
	struct xfer x;
	etcd_cb cb;
	void *ctx;
};

struct etcd_watch {
	struct xfer x;
	etcd_watch_cb cb;
	void *ctx;
	json_object **q;                /* responses not delivered yet, q[qh..nq) */
	size_t qh, nq, cq;
	bool opened;                    /* etcd answered this attempt */
	int64_t last_ns;                /* when this attempt started or last received data */
	bool dead;
	char msg[256];
};

struct etcd {
	CURLM *multi;
	int epfd;
	int tfd;                        /* timerfd: curl's timer */
	int64_t deadline_ns;            /* curl's timer, CLOCK_MONOTONIC; -1: none */
	int64_t idle_ns;                /* when to look for silent watches next; -1: none */
	char **eps;                     /* "http://host:port" */
	unsigned n_eps;
	unsigned cur;                   /* the endpoint that worked last */
	char *cacert, *cert, *key, *user, *password;
	unsigned timeout_ms, connect_ms;
	int64_t watch_idle_ns;
	char *token;                    /* NULL: none yet; "": auth is not enabled */
	uint64_t token_gen;
	bool auth_running;
	unsigned auth_round;
	struct xfer *xfers;
	char local_ip[64];
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void fmt(char *buf, size_t size, const char *f, ...) __attribute__((format(printf, 3, 4)));

static void fmt(char *buf, size_t size, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsnprintf(buf, size, f, ap);
	va_end(ap);
}

/* Base64 (RFC 4648, with padding), as Go's encoding/json writes []byte. */

static const char b64_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *b64_encode(const void *data, size_t len)
{
	const unsigned char *p = data;
	char *out, *o;
	size_t i;

	if (len > (SIZE_MAX - 1) / 4 * 3 - 3)
		return NULL;
	out = malloc((len + 2) / 3 * 4 + 1);
	if (!out)
		return NULL;
	o = out;
	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		*o++ = b64_chars[v >> 18];
		*o++ = b64_chars[(v >> 12) & 63];
		*o++ = b64_chars[(v >> 6) & 63];
		*o++ = b64_chars[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < len ? (uint32_t)p[i + 1] << 8 : 0);

		*o++ = b64_chars[v >> 18];
		*o++ = b64_chars[(v >> 12) & 63];
		*o++ = i + 1 < len ? b64_chars[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decode s into a new NUL-terminated buffer. 0, -EPROTO (not base64) or -ENOMEM. */
static int b64_decode(const char *s, char **ret, size_t *ret_len)
{
	size_t n = strlen(s), len = n, i, o = 0;
	uint32_t acc = 0;
	unsigned bits = 0;
	char *out;

	while (n && s[n - 1] == '=')
		n--;
	if (len - n > 2 || (len != n && len % 4) || n % 4 == 1)
		return -EPROTO;
	out = malloc(n / 4 * 3 + 3);
	if (!out)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		int v = b64_value((unsigned char)s[i]);

		if (v < 0) {
			free(out);
			return -EPROTO;
		}
		acc = (acc << 6 | (uint32_t)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[o] = '\0';
	*ret = out;
	if (ret_len)
		*ret_len = o;
	return 0;
}

/* [key, range_end) of every key starting with prefix, base64-encoded. */
static int prefix_range(const char *prefix, char **ret_key, char **ret_end)
{
	size_t n = strlen(prefix);
	_cleanup_free_ char *end = NULL;
	static const char zero = '\0';

	if (!n) {
		/* Everything: from "\0" to the end of the key space, which range_end "\0" means. */
		*ret_key = b64_encode(&zero, 1);
		*ret_end = b64_encode(&zero, 1);
	} else {
		end = strdup(prefix);
		if (!end)
			return -ENOMEM;
		while (n && (unsigned char)end[n - 1] == 0xff)
			n--;
		if (n)
			end[n - 1] = (char)((unsigned char)end[n - 1] + 1);
		*ret_key = b64_encode(prefix, strlen(prefix));
		*ret_end = n ? b64_encode(end, n) : b64_encode(&zero, 1);
	}
	if (!*ret_key || !*ret_end) {
		free(*ret_key);
		free(*ret_end);
		return -ENOMEM;
	}
	return 0;
}

/* JSON helpers: the gateway writes 64-bit numbers as strings and leaves out default values. */

static json_object *jget(json_object *o, const char *k)
{
	json_object *v;

	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, k, &v))
		return NULL;
	return v;
}

static int jint(json_object *o, const char *k, int64_t *ret)
{
	json_object *v = jget(o, k);
	const char *s;
	char *end;
	long long n;

	*ret = 0;
	if (!v)
		return 0;
	switch (json_object_get_type(v)) {
	case json_type_int:
		*ret = json_object_get_int64(v);
		return 0;
	case json_type_string:
		s = json_object_get_string(v);
		errno = 0;
		n = strtoll(s, &end, 10);
		if (!*s || *end || errno)
			return -EPROTO;
		*ret = n;
		return 0;
	default:
		return -EPROTO;
	}
}

static int jbool(json_object *o, const char *k, bool *ret)
{
	json_object *v = jget(o, k);

	*ret = false;
	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_boolean))
		return -EPROTO;
	*ret = json_object_get_boolean(v);
	return 0;
}

/* A string member, "" when absent; NULL when it is not a string. */
static const char *jstr(json_object *o, const char *k)
{
	json_object *v = jget(o, k);

	if (!v)
		return "";
	if (!json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int parse_header(json_object *o, int64_t *rev)
{
	json_object *h = jget(o, "header");

	if (!h || !json_object_is_type(h, json_type_object))
		return -EPROTO;
	return jint(h, "revision", rev);
}

static void kv_clear(struct etcd_kv *kv)
{
	free(kv->key);
	free(kv->value);
	memset(kv, 0, sizeof(*kv));
}

static int parse_kv(json_object *o, struct etcd_kv *kv)
{
	const char *k = jstr(o, "key"), *v = jstr(o, "value");
	int r;

	if (!o || !json_object_is_type(o, json_type_object) || !k || !v)
		return -EPROTO;
	r = b64_decode(k, &kv->key, NULL);
	if (r < 0)
		return r;
	r = b64_decode(v, &kv->value, &kv->value_len);
	if (r < 0)
		return r;
	if (jint(o, "create_revision", &kv->create_revision) < 0 ||
	    jint(o, "mod_revision", &kv->mod_revision) < 0 ||
	    jint(o, "version", &kv->version) < 0 || jint(o, "lease", &kv->lease) < 0)
		return -EPROTO;
	return 0;
}

static void result_clear(struct etcd_result *res)
{
	size_t i;

	for (i = 0; i < res->n_kvs; i++)
		kv_clear(&res->kvs[i]);
	free(res->kvs);
	res->kvs = NULL;
	res->n_kvs = 0;
}

static int parse_kvs(json_object *o, struct etcd_result *res)
{
	json_object *a = jget(o, "kvs");
	size_t i, n;
	int r;

	if (!a)
		return 0;
	if (!json_object_is_type(a, json_type_array))
		return -EPROTO;
	n = json_object_array_length(a);
	if (!n)
		return 0;
	res->kvs = calloc(n, sizeof(*res->kvs));
	if (!res->kvs)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		res->n_kvs = i + 1;
		r = parse_kv(json_object_array_get_idx(a, i), &res->kvs[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static void events_free(struct etcd_event *ev, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		kv_clear(&ev[i].kv);
	free(ev);
}

static int parse_events(json_object *a, struct etcd_event **ret, size_t *ret_n)
{
	struct etcd_event *ev;
	size_t i, n;
	int r;

	*ret = NULL;
	*ret_n = 0;
	if (!a)
		return 0;
	if (!json_object_is_type(a, json_type_array))
		return -EPROTO;
	n = json_object_array_length(a);
	if (!n)
		return 0;
	ev = calloc(n, sizeof(*ev));
	if (!ev)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(a, i), *t = jget(o, "type");

		r = 0;
		if (t && json_object_is_type(t, json_type_string))
			ev[i].deleted = !strcmp(json_object_get_string(t), "DELETE");
		else if (t && json_object_is_type(t, json_type_int))
			ev[i].deleted = json_object_get_int(t) == 1;
		else if (t)
			r = -EPROTO;
		if (!r)
			r = parse_kv(jget(o, "kv"), &ev[i].kv);
		if (r < 0) {
			events_free(ev, i + 1);
			return r;
		}
	}
	*ret = ev;
	*ret_n = n;
	return 0;
}

/*
 * Is obj (the answer, HTTP status code) an error? Then its gRPC code in *grpc (-1: none
 * given) and the message in msg.
 */
static bool etcd_error(json_object *obj, long code, int *grpc, char *msg, size_t msg_size)
{
	json_object *er = jget(obj, "error");
	const char *m;
	int64_t c = -1;

	*grpc = -1;
	if (er && json_object_is_type(er, json_type_object)) {
		/* an error inside a stream */
		if (jint(er, "grpc_code", &c) < 0 || !jget(er, "grpc_code"))
			c = -1;
		m = jstr(er, "message");
	} else if (code != 200 || (er && json_object_is_type(er, json_type_string) &&
				   *json_object_get_string(er))) {
		if (jint(obj, "code", &c) < 0 || !jget(obj, "code"))
			c = -1;
		m = jstr(obj, "message");
		if (!m || !*m)
			m = jstr(obj, "error");
	} else {
		return false;
	}
	*grpc = c >= 0 && c <= INT_MAX ? (int)c : -1;
	if (m && *m)
		fmt(msg, msg_size, "%s", m);
	else
		fmt(msg, msg_size, "etcd answered HTTP %ld with an error", code);
	return true;
}

static int grpc_errno(int grpc, const char *msg)
{
	switch (grpc) {
	case GRPC_CANCELED:
	case GRPC_ABORTED:
		return -ECANCELED;
	case GRPC_INVALID_ARGUMENT:
		if (strstr(msg, "authentication failed") || strstr(msg, "user name is empty") ||
		    strstr(msg, "permission denied"))
			return -EACCES;
		return -EINVAL;
	case GRPC_DEADLINE_EXCEEDED:
		return -ETIMEDOUT;
	case GRPC_NOT_FOUND:
		return -ENOENT;
	case GRPC_ALREADY_EXISTS:
		return -EEXIST;
	case GRPC_PERMISSION_DENIED:
	case GRPC_UNAUTHENTICATED:
		return -EACCES;
	case GRPC_RESOURCE_EXHAUSTED:
		return -ENOSPC;
	case GRPC_FAILED_PRECONDITION:
		return -EPERM;
	case GRPC_OUT_OF_RANGE:
		return -ESTALE;
	case GRPC_UNIMPLEMENTED:
		return -EOPNOTSUPP;
	case GRPC_UNAVAILABLE:
		return -EAGAIN;
	case -1:
		return -EPROTO;
	default:
		return -EIO;
	}
}

/* Does this error mean our token is no good (expired, or the auth store moved on)? */
static bool bad_token(const struct etcd *e, int grpc, const char *msg)
{
	return e->user && (grpc == GRPC_UNAUTHENTICATED || strstr(msg, "invalid auth token") ||
			   strstr(msg, "auth store is old") || strstr(msg, "user name is empty"));
}

static int curl_errno(CURL *h, CURLcode rc)
{
	long oserr = 0;

	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &oserr);
		return oserr > 0 && oserr < 4096 ? -(int)oserr : -ECONNREFUSED;
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_COULDNT_RESOLVE_HOST:
		return -EHOSTUNREACH;
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		return -ECONNRESET;
	case CURLE_OUT_OF_MEMORY:
		return -ENOMEM;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
		return -ECONNABORTED;
	default:
		return -EIO;
	}
}

/* May a request that failed so be tried on the next endpoint? */
static bool can_retry(CURL *h, CURLcode rc, enum kind kind)
{
	long sent = 0;

	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SSL_CONNECT_ERROR:
		return true;
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		if (kind != K_CAS)
			return true;
		/* a compare-and-swap that may have been done must not run twice */
		curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &sent);
		return sent == 0;
	default:
		return false;
	}
}

static void note_local_ip(struct etcd *e, CURL *h)
{
	char *ip = NULL;

	if (curl_easy_getinfo(h, CURLINFO_LOCAL_IP, &ip) == CURLE_OK && ip && *ip)
		sdnd_strlcpy(e->local_ip, ip, sizeof(e->local_ip));
}

/* curl: sockets and timer into our epoll. */

static int socket_cb(CURL *h, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct etcd *e = userp;
	struct epoll_event ev = { .data.fd = s };

	if (what == CURL_POLL_REMOVE) {
		epoll_ctl(e->epfd, EPOLL_CTL_DEL, s, NULL);
		return 0;
	}
	if (what & CURL_POLL_IN)
		ev.events |= EPOLLIN;
	if (what & CURL_POLL_OUT)
		ev.events |= EPOLLOUT;
	if (epoll_ctl(e->epfd, EPOLL_CTL_MOD, s, &ev) < 0 &&
	    (errno != ENOENT || epoll_ctl(e->epfd, EPOLL_CTL_ADD, s, &ev) < 0))
		return -1;
	return 0;
}

/* Arm the timerfd for the earlier of curl's timer and the watches' idle check. */
static int arm_timer(struct etcd *e)
{
	struct itimerspec its = { 0 };
	int64_t t = e->deadline_ns;

	if (e->idle_ns >= 0 && (t < 0 || e->idle_ns < t))
		t = e->idle_ns;
	if (t >= 0) {
		if (t < 1)
			t = 1;                  /* 0 would disarm; any past time fires at once */
		its.it_value.tv_sec = t / 1000000000;
		its.it_value.tv_nsec = t % 1000000000;
	}
	return timerfd_settime(e->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static int timer_cb(CURLM *m, long timeout_ms, void *userp)
{
	struct etcd *e = userp;

	e->deadline_ns = timeout_ms < 0 ? -1 : now_ns() + (int64_t)timeout_ms * 1000000;
	return arm_timer(e) < 0 ? -1 : 0;
}

static int sockopt_cb(void *clientp, curl_socket_t fd, curlsocktype purpose)
{
	int cnt = KEEPALIVE_CNT;
	unsigned ut = USER_TIMEOUT_MS;

	/* curl sets TCP_KEEPIDLE and TCP_KEEPINTVL, not the count (before 8.9) */
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ut, sizeof(ut));
	return CURL_SOCKOPT_OK;
}

/* The options every request shares, for one attempt on endpoint ep. */
static int setup_easy(struct etcd *e, CURL *h, unsigned ep, const char *path, const char *body,
		      long timeout_ms, struct curl_slist **hdrs, char *errbuf)
{
	_cleanup_free_ char *url = NULL, *auth = NULL;
	struct curl_slist *l = NULL, *n;

	if (asprintf(&url, "%s%s", e->eps[ep], path) < 0)
		return -ENOMEM;
	errbuf[0] = '\0';
	if (curl_easy_setopt(h, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK)
		return -ENOMEM;
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
			 (long)(timeout_ms > 0 && timeout_ms < e->connect_ms ? timeout_ms :
									      e->connect_ms));
	if (timeout_ms > 0)
		curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPIDLE, (long)KEEPALIVE_IDLE_S);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPINTVL, (long)KEEPALIVE_INTVL_S);
	curl_easy_setopt(h, CURLOPT_SOCKOPTFUNCTION, sockopt_cb);
	if (e->cacert && curl_easy_setopt(h, CURLOPT_CAINFO, e->cacert) != CURLE_OK)
		return -ENOMEM;
	if (e->cert && curl_easy_setopt(h, CURLOPT_SSLCERT, e->cert) != CURLE_OK)
		return -ENOMEM;
	if (e->key && curl_easy_setopt(h, CURLOPT_SSLKEY, e->key) != CURLE_OK)
		return -ENOMEM;

	n = curl_slist_append(l, "Content-Type: application/json");
	if (n)
		n = curl_slist_append(l = n, "Expect:");
	if (n && e->token && *e->token) {
		if (asprintf(&auth, "Authorization: %s", e->token) < 0)
			n = NULL;
		else
			n = curl_slist_append(l = n, auth);
	}
	if (!n) {
		curl_slist_free_all(l);
		return -ENOMEM;
	}
	*hdrs = n;
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, n);
	return 0;
}

/* Transfers. */

static void watch_queue_clear(struct etcd_watch *w)
{
	while (w->qh < w->nq)
		json_object_put(w->q[w->qh++]);
	w->qh = w->nq = 0;
}

/* End the attempt in flight, if any, and forget what it received. */
static void xfer_detach(struct xfer *x)
{
	if (x->h) {
		curl_multi_remove_handle(x->e->multi, x->h);
		curl_easy_cleanup(x->h);
		x->h = NULL;
	}
	curl_slist_free_all(x->hdrs);
	x->hdrs = NULL;
	x->resp_len = 0;
	if (x->tok)
		json_tokener_reset(x->tok);
	json_object_put(x->first);
	x->first = NULL;
	x->stream_err = 0;
	x->got_data = false;
	if (x->kind == K_WATCH) {
		struct etcd_watch *w = container_of(x, struct etcd_watch, x);

		watch_queue_clear(w);
		w->opened = false;
	}
}

static void xfer_link(struct etcd *e, struct xfer *x)
{
	x->prev = NULL;
	x->next = e->xfers;
	if (e->xfers)
		e->xfers->prev = x;
	e->xfers = x;
}

static void xfer_unlink(struct etcd *e, struct xfer *x)
{
	if (x->prev)
		x->prev->next = x->next;
	else if (e->xfers == x)
		e->xfers = x->next;
	if (x->next)
		x->next->prev = x->prev;
	x->prev = x->next = NULL;
}

/* Out of line: gcc would otherwise look at a req through a watch in xfer_free (-Warray-bounds). */
static __attribute__((noinline)) void watch_free(struct xfer *x)
{
	struct etcd_watch *w = container_of(x, struct etcd_watch, x);

	free(w->q);
	free(w);
}

static void xfer_free(struct xfer *x)
{
	xfer_detach(x);
	free(x->body);
	free(x->resp);
	if (x->tok)
		json_tokener_free(x->tok);
	if (x->kind == K_WATCH)
		watch_free(x);
	else
		free(container_of(x, struct req, x));
}

static int watch_push(struct etcd_watch *w, json_object *o)
{
	if (w->qh == w->nq)
		w->qh = w->nq = 0;
	if (sdnd_grow(&w->q, &w->cq, w->nq + 1, sizeof(*w->q)) < 0)
		return -ENOMEM;
	w->q[w->nq++] = o;
	return 0;
}

/* Streams: split the response into JSON objects as they come. */
static size_t stream_write(struct xfer *x, const char *data, size_t len)
{
	size_t off = 0;

	while (off < len) {
		size_t chunk = len - off > INT_MAX ? INT_MAX : len - off;
		json_object *o = json_tokener_parse_ex(x->tok, data + off, (int)chunk);

		if (!o) {
			if (json_tokener_get_error(x->tok) == json_tokener_continue) {
				off += chunk;
				continue;
			}
			x->stream_err = -EPROTO;
			return 0;
		}
		off += json_tokener_get_parse_end(x->tok);
		json_tokener_reset(x->tok);
		if (x->kind == K_KEEPALIVE) {
			/* one result is all we wanted: stop here */
			x->first = o;
			return 0;
		}
		if (watch_push(container_of(x, struct etcd_watch, x), o) < 0) {
			json_object_put(o);
			x->stream_err = -ENOMEM;
			return 0;
		}
	}
	return len;
}

/*
 * Append len bytes of a response to buf (used bytes, room for cap), kept NUL-terminated.
 * 0, -EFBIG past MAX_RESPONSE, or -ENOMEM.
 */
static int resp_append(char **buf, size_t *used, size_t *cap, const char *data, size_t len)
{
	if (len >= MAX_RESPONSE - *used)
		return -EFBIG;
	if (sdnd_grow(buf, cap, *used + len + 1, 1) < 0)
		return -ENOMEM;
	memcpy(*buf + *used, data, len);
	*used += len;
	(*buf)[*used] = '\0';
	return 0;
}

static size_t write_cb(char *data, size_t size, size_t nmemb, void *userp)
{
	struct xfer *x = userp;
	size_t len = size * nmemb;
	int r;

	x->got_data = true;
	if (x->kind == K_WATCH)
		container_of(x, struct etcd_watch, x)->last_ns = now_ns();
	if (x->tok)
		return stream_write(x, data, len);
	r = resp_append(&x->resp, &x->resp_len, &x->resp_cap, data, len);
	if (r < 0) {
		x->stream_err = r;
		return 0;
	}
	return len;
}

/* Start an attempt on endpoint x->ep. */
static int xfer_attempt(struct etcd *e, struct xfer *x)
{
	CURL *h;
	int r;

	xfer_detach(x);
	if ((x->kind == K_WATCH || x->kind == K_KEEPALIVE) && !x->tok) {
		x->tok = json_tokener_new();
		if (!x->tok)
			return -ENOMEM;
	}
	h = curl_easy_init();
	if (!h)
		return -ENOMEM;
	r = setup_easy(e, h, x->ep, kind_path[x->kind], x->body,
		       x->kind == K_WATCH ? 0 : (long)e->timeout_ms, &x->hdrs, x->errbuf);
	if (r < 0) {
		curl_easy_cleanup(h);
		curl_slist_free_all(x->hdrs);
		x->hdrs = NULL;
		return r;
	}
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(h, CURLOPT_PRIVATE, x);
	if (curl_multi_add_handle(e->multi, h) != CURLM_OK) {
		curl_easy_cleanup(h);
		curl_slist_free_all(x->hdrs);
		x->hdrs = NULL;
		return -ENOMEM;
	}
	x->h = h;
	x->token_gen = e->token_gen;
	x->tries++;
	if (x->kind == K_WATCH) {
		int64_t now = now_ns();

		container_of(x, struct etcd_watch, x)->last_ns = now;
		if (e->idle_ns < 0 || now + e->watch_idle_ns < e->idle_ns) {
			e->idle_ns = now + e->watch_idle_ns;
			arm_timer(e);
		}
	}
	return 0;
}

/* After a failure on x->ep: move on to the next endpoint, if x has not tried them all. */
static int xfer_next(struct etcd *e, struct xfer *x)
{
	unsigned next;

	if (x->tries >= e->n_eps)
		return -EAGAIN;
	next = (x->ep + 1) % e->n_eps;
	if (e->cur == x->ep)
		e->cur = next;
	x->ep = next;
	return xfer_attempt(e, x);
}

static int auth_start(struct etcd *e);

static void xfer_wait_auth(struct etcd *e, struct xfer *x)
{
	xfer_detach(x);
	x->waiting_auth = true;
	x->auth_round = e->auth_round;
}

/* Start x: now, or once there is a token. */
static int xfer_start(struct etcd *e, struct xfer *x)
{
	int r;

	xfer_link(e, x);
	x->ep = e->cur;
	if (e->user && !e->token && x->kind != K_AUTH) {
		r = auth_start(e);
		if (r < 0)
			goto fail;
		xfer_wait_auth(e, x);
		return 0;
	}
	r = xfer_attempt(e, x);
	if (r < 0)
		goto fail;
	return 0;
fail:
	xfer_unlink(e, x);
	return r;
}

/* etcd refused x's token: try again with a new one. */
static int xfer_reauth(struct etcd *e, struct xfer *x)
{
	x->auth_retried = true;
	x->tries = 0;
	x->ep = e->cur;
	if (e->token && x->token_gen == e->token_gen) {
		free(e->token);
		e->token = NULL;
	}
	if (e->token)
		return xfer_attempt(e, x);      /* a newer token came meanwhile */
	if (auth_start(e) < 0)
		return -ENOMEM;
	xfer_wait_auth(e, x);
	return 0;
}

static void watch_end(struct etcd *e, struct etcd_watch *w, int err, int64_t compact,
		      const char *msg)
{
	xfer_detach(&w->x);
	w->dead = true;
	sdnd_strlcpy(w->msg, msg, sizeof(w->msg));
	w->cb(w->ctx, NULL, 0, 0, compact, err);
}

/* Give up on x before or between attempts (x is linked). */
static void xfer_fail(struct etcd *e, struct xfer *x, int err, const char *msg)
{
	struct etcd_result res = { .err = err };

	if (x->kind == K_WATCH) {
		watch_end(e, container_of(x, struct etcd_watch, x), err == -EACCES ? err : -EPIPE,
			  0, msg);
		return;
	}
	xfer_unlink(e, x);
	sdnd_strlcpy(res.msg, msg, sizeof(res.msg));
	if (x->kind != K_AUTH) {
		struct req *q = container_of(x, struct req, x);

		q->cb(q->ctx, &res);
	}
	xfer_free(x);
}

/* Authentication. */

static char *auth_body(const struct etcd *e)
{
	json_object *o = json_object_new_object();
	char *s = NULL;

	if (!o)
		return NULL;
	if (!json_object_object_add(o, "name", json_object_new_string(e->user)) &&
	    !json_object_object_add(o, "password", json_object_new_string(e->password)))
		s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return s;
}

static int auth_start(struct etcd *e)
{
	struct req *q;
	int r;

	if (e->auth_running)
		return 0;
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->x.e = e;
	q->x.kind = K_AUTH;
	q->x.body = auth_body(e);
	if (!q->x.body) {
		free(q);
		return -ENOMEM;
	}
	e->auth_round++;
	r = xfer_start(e, &q->x);
	if (r < 0) {
		xfer_free(&q->x);
		return r;
	}
	e->auth_running = true;
	return 0;
}

/* The authentication ended: token (NULL: auth is off) or the failure in res. */
static void auth_done(struct etcd *e, const struct etcd_result *res, char *token)
{
	unsigned round = e->auth_round;
	struct xfer *x;

	e->auth_running = false;
	if (!res->err) {
		free(e->token);
		e->token = token ? token : strdup("");
		e->token_gen++;
	} else {
		free(token);
	}
again:
	for (x = e->xfers; x; x = x->next) {
		if (!x->waiting_auth || x->auth_round != round)
			continue;
		x->waiting_auth = false;
		if (!res->err && e->token) {
			x->ep = e->cur;
			x->tries = 0;
			if (xfer_attempt(e, x) == 0)
				goto again;
			xfer_fail(e, x, -ENOMEM, "out of memory");
		} else {
			xfer_fail(e, x, res->err ? res->err : -ENOMEM,
				  res->err ? res->msg : "out of memory");
		}
		/* callbacks may have changed the list */
		goto again;
	}
}

/* Unary responses. */

static int parse_answer(enum kind kind, json_object *obj, struct etcd_result *res, char **token)
{
	json_object *rr;
	const char *s;
	int r;

	if (kind == K_KEEPALIVE) {
		obj = jget(obj, "result");
		if (!obj)
			return -EPROTO;
	}
	r = parse_header(obj, &res->revision);
	if (r < 0)
		return r;
	switch (kind) {
	case K_AUTH:
		s = jstr(obj, "token");
		if (!s)
			return -EPROTO;
		*token = strdup(s);
		return *token ? 0 : -ENOMEM;
	case K_RANGE:
		return parse_kvs(obj, res);
	case K_CAS:
		if (jbool(obj, "succeeded", &res->succeeded) < 0)
			return -EPROTO;
		if (res->succeeded)
			return 0;
		/* the failure branch read the key: responses[0].response_range */
		rr = jget(obj, "responses");
		if (!rr)
			return 0;
		if (!json_object_is_type(rr, json_type_array))
			return -EPROTO;
		rr = jget(json_object_array_get_idx(rr, 0), "response_range");
		return rr ? parse_kvs(rr, res) : 0;
	case K_DELETE:
		return jint(obj, "deleted", &res->deleted);
	case K_GRANT:
	case K_KEEPALIVE:
		if (jint(obj, "ID", &res->lease) < 0 || jint(obj, "TTL", &res->ttl) < 0)
			return -EPROTO;
		if (kind == K_KEEPALIVE && res->ttl <= 0) {
			fmt(res->msg, sizeof(res->msg), "lease %" PRIx64 " not found",
			    (uint64_t)res->lease);
			return -ENOENT;
		}
		return 0;
	case K_PUT:
	case K_REVOKE:
	case K_COMPACT:
	case K_WATCH:
		return 0;
	}
	return 0;
}

enum verdict {
	V_OK,
	V_FAIL,
	V_NEXT,                         /* worth trying the next endpoint */
	V_REAUTH,                       /* the token was refused */
};

/*
 * Judge one finished attempt (curl's rc, the answer parsed as JSON or NULL). V_OK or the
 * error in *err and msg.
 */
static enum verdict judge(struct etcd *e, CURL *h, CURLcode rc, const char *errbuf,
			  int stream_err, json_object *obj, enum kind kind, int *err, char *msg,
			  size_t msg_size)
{
	long code = 0;
	int grpc;

	if (rc == CURLE_WRITE_ERROR && stream_err) {
		*err = stream_err;
		fmt(msg, msg_size, "%s",
		    stream_err == -EFBIG ? "etcd's answer is too big" :
		    stream_err == -ENOMEM ? "out of memory" : "etcd answered something not JSON");
		return V_FAIL;
	}
	if (rc != CURLE_OK) {
		*err = curl_errno(h, rc);
		fmt(msg, msg_size, "%s", errbuf && *errbuf ? errbuf : curl_easy_strerror(rc));
		return can_retry(h, rc, kind) ? V_NEXT : V_FAIL;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	if (!obj) {
		*err = -EPROTO;
		fmt(msg, msg_size, "etcd answered HTTP %ld without a JSON object", code);
		return V_FAIL;
	}
	if (!etcd_error(obj, code, &grpc, msg, msg_size))
		return V_OK;
	if (kind == K_AUTH) {
		if (strstr(msg, "authentication is not enabled"))
			return V_OK;
		*err = grpc == GRPC_UNAVAILABLE ? -EAGAIN : grpc < 0 ? -EPROTO : -EACCES;
		return grpc == GRPC_UNAVAILABLE ? V_NEXT : V_FAIL;
	}
	*err = grpc_errno(grpc, msg);
	if (bad_token(e, grpc, msg))
		return V_REAUTH;
	if (grpc == GRPC_UNAVAILABLE && kind != K_CAS)
		return V_NEXT;
	return V_FAIL;
}

/* Parse a whole unary response; NULL when it is not one JSON object. */
static json_object *parse_body(const char *s, size_t len)
{
	json_tokener *tok;
	json_object *o;
	size_t end;

	if (!s || !len || len > INT_MAX)
		return NULL;
	tok = json_tokener_new();
	if (!tok)
		return NULL;
	o = json_tokener_parse_ex(tok, s, (int)len);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!o)
		return NULL;
	while (end < len && strchr(" \t\r\n", s[end]))
		end++;
	if (end < len || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static void req_done(struct etcd *e, struct req *q, CURLcode rc)
{
	struct xfer *x = &q->x;
	struct etcd_result res = { 0 };
	char *token = NULL;
	json_object *obj = NULL;
	enum verdict v;
	long code = 0;
	int r;

	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &code);
	if (code)
		note_local_ip(e, x->h);
	if (rc == CURLE_WRITE_ERROR && x->first)
		rc = CURLE_OK;                  /* keepalive: stopped after the first result */
	if (rc == CURLE_OK)
		obj = x->first ? TAKE_PTR(x->first) : parse_body(x->resp, x->resp_len);
	v = judge(e, x->h, rc, x->errbuf, x->stream_err, obj, x->kind, &res.err, res.msg,
		  sizeof(res.msg));
	switch (v) {
	case V_OK:
		e->cur = x->ep;
		if (x->kind == K_AUTH && jget(obj, "error"))
			break;                  /* auth is not enabled: no token needed */
		r = parse_answer(x->kind, obj, &res, &token);
		if (r < 0) {
			res.err = r;
			if (!res.msg[0])
				fmt(res.msg, sizeof(res.msg), "%s",
				    r == -ENOMEM ? "out of memory" :
						   "etcd's answer is not what etcd sends");
		}
		break;
	case V_NEXT:
		if (xfer_next(e, x) == 0)
			goto retried;
		break;
	case V_REAUTH:
		if (!x->auth_retried && xfer_reauth(e, x) == 0)
			goto retried;
		break;
	case V_FAIL:
		break;
	}
	json_object_put(obj);
	obj = NULL;
	if (res.err) {
		result_clear(&res);
		res.revision = res.lease = res.ttl = res.deleted = 0;
		res.succeeded = false;
	}
	xfer_unlink(e, x);
	xfer_detach(x);
	if (x->kind == K_AUTH) {
		auth_done(e, &res, token);
	} else {
		free(token);
		q->cb(q->ctx, &res);
	}
	result_clear(&res);
	xfer_free(x);
	return;
retried:
	json_object_put(obj);
}

/* Watches. */

static void watch_message(struct etcd *e, struct etcd_watch *w, json_object *o)
{
	struct etcd_event *ev = NULL;
	json_object *res = jget(o, "result");
	int64_t rev = 0, compact = 0;
	bool created, canceled;
	const char *reason;
	char msg[256];
	long code = 0;
	size_t n = 0;
	int grpc, r;

	if (!w->opened) {
		w->opened = true;
		e->cur = w->x.ep;
		note_local_ip(e, w->x.h);
	}
	curl_easy_getinfo(w->x.h, CURLINFO_RESPONSE_CODE, &code);
	if (etcd_error(o, code, &grpc, msg, sizeof(msg))) {
		if (bad_token(e, grpc, msg) && !w->x.auth_retried && xfer_reauth(e, &w->x) == 0)
			return;
		watch_end(e, w, grpc_errno(grpc, msg) == -EACCES ? -EACCES : -EPIPE, 0, msg);
		return;
	}
	if (!res || parse_header(res, &rev) < 0 || jbool(res, "created", &created) < 0 ||
	    jbool(res, "canceled", &canceled) < 0 || jint(res, "compact_revision", &compact) < 0) {
		watch_end(e, w, -EPIPE, 0, "etcd's watch response is not what etcd sends");
		return;
	}
	if (canceled) {
		reason = jstr(res, "cancel_reason");
		if (!reason)
			reason = "";
		if (compact > 0) {
			fmt(msg, sizeof(msg), "history before revision %" PRId64 " is compacted",
			    compact);
			watch_end(e, w, -ESTALE, compact, msg);
			return;
		}
		if (bad_token(e, GRPC_UNKNOWN, reason) && !w->x.auth_retried &&
		    xfer_reauth(e, &w->x) == 0)
			return;
		watch_end(e, w,
			  strstr(reason, "auth") || strstr(reason, "permission denied") ||
					  strstr(reason, "user name is empty") ?
				  -EACCES :
				  -EPIPE,
			  0, *reason ? reason : "etcd canceled the watch");
		return;
	}
	if (created)
		return;
	r = parse_events(jget(res, "events"), &ev, &n);
	if (r < 0) {
		watch_end(e, w, -EPIPE, 0,
			  r == -ENOMEM ? "out of memory" :
					 "etcd's watch events are not what etcd sends");
		return;
	}
	w->cb(w->ctx, ev, n, rev, 0, 0);
	events_free(ev, n);
}

/* Hand out what the watches received, one response at a time (callbacks may cancel any). */
static void watch_deliver(struct etcd *e)
{
	struct xfer *x;

again:
	for (x = e->xfers; x; x = x->next) {
		struct etcd_watch *w;
		json_object *o;

		if (x->kind != K_WATCH)
			continue;
		w = container_of(x, struct etcd_watch, x);
		if (w->dead || w->qh == w->nq)
			continue;
		o = w->q[w->qh++];
		watch_message(e, w, o);
		json_object_put(o);
		goto again;
	}
}

static void watch_done(struct etcd *e, struct etcd_watch *w, CURLcode rc)
{
	struct xfer *x = &w->x;
	char msg[256];
	long code = 0;
	int err;

	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &code);
	if (code)
		note_local_ip(e, x->h);
	if (rc == CURLE_OK) {
		fmt(msg, sizeof(msg), "etcd ended the watch stream (HTTP %ld)", code);
	} else if (rc == CURLE_WRITE_ERROR && x->stream_err) {
		fmt(msg, sizeof(msg), "%s",
		    x->stream_err == -ENOMEM ? "out of memory" : "etcd's watch stream is not JSON");
	} else {
		err = curl_errno(x->h, rc);
		fmt(msg, sizeof(msg), "%s (%s)", x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc),
		    strerror(-err));
		if (!x->got_data && can_retry(x->h, rc, K_WATCH) && xfer_next(e, x) == 0)
			return;
	}
	watch_end(e, w, -EPIPE, 0, msg);
}

/*
 * End the watches that received nothing, not even a progress notification, for watch_idle:
 * the server is stuck or the path to it silently dead. Then plan the next look.
 */
static void watch_idle_check(struct etcd *e)
{
	int64_t now = now_ns(), next;
	struct xfer *x;

again:
	next = -1;
	for (x = e->xfers; x; x = x->next) {
		struct etcd_watch *w;
		char msg[256];

		if (x->kind != K_WATCH || !x->h)
			continue;
		w = container_of(x, struct etcd_watch, x);
		if (now - w->last_ns < e->watch_idle_ns) {
			if (next < 0 || w->last_ns + e->watch_idle_ns < next)
				next = w->last_ns + e->watch_idle_ns;
			continue;
		}
		if (!x->got_data && xfer_next(e, x) == 0)
			goto again;
		fmt(msg, sizeof(msg), "%s sent nothing for %" PRId64 " s", e->eps[x->ep],
		    e->watch_idle_ns / 1000000000);
		watch_end(e, w, -EPIPE, 0, msg);
		goto again;
	}
	e->idle_ns = next;
	arm_timer(e);
}

static void process(struct etcd *e)
{
	CURLMsg *m;
	int left;

	watch_deliver(e);
	if (e->idle_ns >= 0 && now_ns() >= e->idle_ns)
		watch_idle_check(e);
	while ((m = curl_multi_info_read(e->multi, &left))) {
		CURLcode rc = m->data.result;
		char *p = NULL;
		struct xfer *x;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &p);
		x = (struct xfer *)(void *)p;
		if (x->kind == K_WATCH)
			watch_done(e, container_of(x, struct etcd_watch, x), rc);
		else
			req_done(e, container_of(x, struct req, x), rc);
	}
}

/* Endpoints. */

static bool host_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_';
}

/* One endpoint, s[0..len), into "scheme://host:port"; or why not in why. */
static int parse_endpoint(const char *s, size_t len, bool tls, char **ret, const char **why)
{
	_cleanup_free_ char *item = strndup(s, len);
	const char *scheme = tls ? "https" : "http";
	char *p, *host, *port, *end;
	unsigned long n;
	size_t l;

	if (!item)
		return -ENOMEM;
	p = item;
	if (!strncmp(p, "http://", 7)) {
		scheme = "http";
		p += 7;
	} else if (!strncmp(p, "https://", 8)) {
		scheme = "https";
		p += 8;
	} else if (strstr(p, "://")) {
		*why = "unsupported scheme (use http:// or https://)";
		return -EINVAL;
	}
	l = strlen(p);
	if (l && p[l - 1] == '/')
		p[--l] = '\0';
	if (*p == '[') {
		struct in6_addr a;

		host = p + 1;
		end = strchr(host, ']');
		if (!end) {
			*why = "missing ']'";
			return -EINVAL;
		}
		*end = '\0';
		if (inet_pton(AF_INET6, host, &a) != 1) {
			*why = "not an IPv6 address in [ ]";
			return -EINVAL;
		}
		if (end[1] != ':') {
			*why = end[1] ? "expected :PORT after ']'" : "missing :PORT";
			return -EINVAL;
		}
		port = end + 2;
	} else {
		host = p;
		port = strrchr(p, ':');
		if (!port) {
			*why = "missing :PORT";
			return -EINVAL;
		}
		*port++ = '\0';
		if (strchr(host, ':')) {
			*why = "an IPv6 address must be written [addr]:port";
			return -EINVAL;
		}
		if (!*host) {
			*why = "missing host";
			return -EINVAL;
		}
		for (end = host; *end; end++) {
			if (host_char_ok(*end))
				continue;
			*why = strchr(end, '/') ? "no path allowed" : "bad character in host";
			return -EINVAL;
		}
	}
	if (!*port || strlen(port) > 5 || strspn(port, "0123456789") != strlen(port)) {
		*why = strchr(port, '/') ? "no path allowed" : "bad port";
		return -EINVAL;
	}
	n = strtoul(port, NULL, 10);
	if (n < 1 || n > 65535) {
		*why = "port out of range";
		return -EINVAL;
	}
	if (asprintf(ret, "%s://%s%s%s:%lu", scheme, *p == '[' ? "[" : "", host,
		     *p == '[' ? "]" : "", n) < 0)
		return -ENOMEM;
	return 0;
}

static int parse_endpoints(struct etcd *e, const char *list, bool tls, char *err, size_t err_size)
{
	const char *s = list, *why = NULL;
	size_t cap = 0;

	for (;;) {
		const char *comma = strchr(s, ','), *end = comma ? comma : s + strlen(s);
		size_t len;
		int r;

		while (s < end && (*s == ' ' || *s == '\t'))
			s++;
		len = (size_t)(end - s);
		while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		if (!len) {
			fmt(err, err_size, "etcd endpoints \"%s\": empty endpoint", list);
			return -EINVAL;
		}
		if (sdnd_grow(&e->eps, &cap, e->n_eps + 1, sizeof(*e->eps)) < 0)
			return -ENOMEM;
		r = parse_endpoint(s, len, tls, &e->eps[e->n_eps], &why);
		if (r == -EINVAL) {
			fmt(err, err_size, "bad etcd endpoint \"%.*s\": %s", (int)len, s, why);
			return r;
		}
		if (r < 0)
			return r;
		e->n_eps++;
		if (!comma)
			return 0;
		s = comma + 1;
	}
}

static bool curl_ready;

int etcd_new(struct etcd **ret, const struct etcd_opts *o, char *err, size_t err_size)
{
	struct etcd *e;
	struct epoll_event ev = { .events = EPOLLIN };
	const char *files[] = { o->cacert, o->cert, o->key };
	size_t i;
	int r;

	if (err_size)
		err[0] = '\0';
	if (!o->endpoints || !*o->endpoints) {
		fmt(err, err_size, "no etcd endpoint given");
		return -EINVAL;
	}
	for (i = 0; i < ARRAY_SIZE(files); i++)
		if (files[i] && access(files[i], R_OK) < 0) {
			fmt(err, err_size, "etcd TLS file %s: %s", files[i], strerror(errno));
			return -EINVAL;
		}
	if (o->key && !o->cert) {
		fmt(err, err_size, "etcd TLS key given without a certificate");
		return -EINVAL;
	}
	if (!o->user != !o->password) {
		fmt(err, err_size, "etcd user and password go together");
		return -EINVAL;
	}
	if (o->user && !*o->user) {
		fmt(err, err_size, "empty etcd user name");
		return -EINVAL;
	}
	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			fmt(err, err_size, "cannot initialize libcurl");
			return -ENOMEM;
		}
		curl_ready = true;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->epfd = e->tfd = -1;
	e->deadline_ns = e->idle_ns = -1;
	e->timeout_ms = o->timeout_ms ? o->timeout_ms : DEFAULT_TIMEOUT_MS;
	e->connect_ms = o->connect_timeout_ms ? o->connect_timeout_ms : DEFAULT_CONNECT_MS;
	e->watch_idle_ns = (int64_t)(o->watch_idle_s ? o->watch_idle_s : DEFAULT_WATCH_IDLE_S) *
			   1000000000;
	r = parse_endpoints(e, o->endpoints, o->cacert || o->cert, err, err_size);
	if (r < 0)
		goto fail;
	r = -ENOMEM;
	if ((o->cacert && !(e->cacert = strdup(o->cacert))) ||
	    (o->cert && !(e->cert = strdup(o->cert))) || (o->key && !(e->key = strdup(o->key))) ||
	    (o->user && !(e->user = strdup(o->user))) ||
	    (o->password && !(e->password = strdup(o->password))))
		goto fail;
	e->epfd = epoll_create1(EPOLL_CLOEXEC);
	e->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (e->epfd < 0 || e->tfd < 0) {
		r = -errno;
		goto fail;
	}
	ev.data.fd = e->tfd;
	if (epoll_ctl(e->epfd, EPOLL_CTL_ADD, e->tfd, &ev) < 0) {
		r = -errno;
		goto fail;
	}
	e->multi = curl_multi_init();
	if (!e->multi)
		goto fail;
	curl_multi_setopt(e->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(e->multi, CURLMOPT_SOCKETDATA, e);
	curl_multi_setopt(e->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(e->multi, CURLMOPT_TIMERDATA, e);
	*ret = e;
	return 0;
fail:
	if (r == -ENOMEM && err_size && !err[0])
		fmt(err, err_size, "out of memory");
	etcd_free(e);
	return r;
}

void etcd_free(struct etcd *e)
{
	unsigned i;

	if (!e)
		return;
	while (e->xfers) {
		struct xfer *x = e->xfers;

		xfer_unlink(e, x);
		xfer_free(x);
	}
	if (e->multi)
		curl_multi_cleanup(e->multi);
	if (e->tfd >= 0)
		close(e->tfd);
	if (e->epfd >= 0)
		close(e->epfd);
	for (i = 0; i < e->n_eps; i++)
		free(e->eps[i]);
	free(e->eps);
	free(e->cacert);
	free(e->cert);
	free(e->key);
	free(e->user);
	if (e->password)
		explicit_bzero(e->password, strlen(e->password));
	free(e->password);
	free(e->token);
	free(e);
}

int etcd_fd(const struct etcd *e)
{
	return e->epfd;
}

int etcd_timeout_ms(const struct etcd *e)
{
	int64_t t = e->deadline_ns, left;

	if (e->idle_ns >= 0 && (t < 0 || e->idle_ns < t))
		t = e->idle_ns;
	if (t < 0)
		return -1;
	left = t - now_ns();
	if (left <= 0)
		return 0;
	left = (left + 999999) / 1000000;
	return left > INT_MAX ? INT_MAX : (int)left;
}

void etcd_run(struct etcd *e)
{
	struct epoll_event evs[32];
	int n, i, running;

	n = epoll_wait(e->epfd, evs, ARRAY_SIZE(evs), 0);
	for (i = 0; i < n; i++) {
		int fd = evs[i].data.fd, flags = 0;

		if (fd == e->tfd) {
			uint64_t ticks;
			ssize_t k = read(e->tfd, &ticks, sizeof(ticks));

			(void)k;
			continue;
		}
		if (evs[i].events & EPOLLIN)
			flags |= CURL_CSELECT_IN;
		if (evs[i].events & EPOLLOUT)
			flags |= CURL_CSELECT_OUT;
		if (evs[i].events & (EPOLLERR | EPOLLHUP))
			flags |= CURL_CSELECT_ERR;
		curl_multi_socket_action(e->multi, fd, flags, &running);
	}
	if (e->deadline_ns >= 0 && now_ns() >= e->deadline_ns) {
		e->deadline_ns = -1;
		curl_multi_socket_action(e->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	}
	process(e);
	arm_timer(e);
}

const char *etcd_endpoint(const struct etcd *e)
{
	return e->eps[e->cur];
}

const char *etcd_local_ip(const struct etcd *e)
{
	return e->local_ip;
}

/* Unary requests. */

static int req_new(struct etcd *e, enum kind kind, char *body, etcd_cb cb, void *ctx)
{
	struct req *q;
	int r;

	if (!body)
		return -ENOMEM;
	q = calloc(1, sizeof(*q));
	if (!q) {
		free(body);
		return -ENOMEM;
	}
	q->x.e = e;
	q->x.kind = kind;
	q->x.body = body;
	q->cb = cb;
	q->ctx = ctx;
	r = xfer_start(e, &q->x);
	if (r < 0)
		xfer_free(&q->x);
	return r;
}

static char *body_printf(const char *f, ...) __attribute__((format(printf, 1, 2)));

static char *body_printf(const char *f, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, f);
	r = vasprintf(&s, f, ap);
	va_end(ap);
	return r < 0 ? NULL : s;
}

int etcd_range_prefix(struct etcd *e, const char *prefix, etcd_cb cb, void *ctx)
{
	_cleanup_free_ char *k = NULL, *end = NULL;
	int r;

	if (!e || !prefix || !cb)
		return -EINVAL;
	r = prefix_range(prefix, &k, &end);
	if (r < 0)
		return r;
	return req_new(e, K_RANGE, body_printf("{\"key\":\"%s\",\"range_end\":\"%s\"}", k, end),
		       cb, ctx);
}

/* A request about one key: {"key": KEY}. */
static int key_req(struct etcd *e, enum kind kind, const char *key, etcd_cb cb, void *ctx)
{
	_cleanup_free_ char *k = NULL;

	if (!e || !key || !*key || !cb)
		return -EINVAL;
	k = b64_encode(key, strlen(key));
	if (!k)
		return -ENOMEM;
	return req_new(e, kind, body_printf("{\"key\":\"%s\"}", k), cb, ctx);
}

int etcd_get(struct etcd *e, const char *key, etcd_cb cb, void *ctx)
{
	return key_req(e, K_RANGE, key, cb, ctx);
}

/* A key and its value in base64, for put and cas. 0, -EINVAL or -ENOMEM. */
static int encode_kv(const char *key, const void *value, size_t len, char **ret_k, char **ret_v)
{
	if (!key || !*key || (!value && len))
		return -EINVAL;
	*ret_k = b64_encode(key, strlen(key));
	*ret_v = b64_encode(value ? value : "", len);
	return *ret_k && *ret_v ? 0 : -ENOMEM;
}

int etcd_put(struct etcd *e, const char *key, const void *value, size_t len, int64_t lease,
	     etcd_cb cb, void *ctx)
{
	_cleanup_free_ char *k = NULL, *v = NULL;
	int r;

	if (!e || lease < 0 || !cb)
		return -EINVAL;
	r = encode_kv(key, value, len, &k, &v);
	if (r < 0)
		return r;
	return req_new(e, K_PUT,
		       body_printf("{\"key\":\"%s\",\"value\":\"%s\",\"lease\":\"%" PRId64 "\"}", k,
				   v, lease),
		       cb, ctx);
}

int etcd_cas(struct etcd *e, const char *key, const void *value, size_t len, int64_t mod_rev,
	     etcd_cb cb, void *ctx)
{
	_cleanup_free_ char *k = NULL, *v = NULL;
	int r;

	if (!e || mod_rev < 0 || !cb)
		return -EINVAL;
	r = encode_kv(key, value, len, &k, &v);
	if (r < 0)
		return r;
	return req_new(e, K_CAS,
		       body_printf("{\"compare\":[{\"key\":\"%s\",\"target\":\"MOD\","
				   "\"result\":\"EQUAL\",\"mod_revision\":\"%" PRId64 "\"}],"
				   "\"success\":[{\"request_put\":"
				   "{\"key\":\"%s\",\"value\":\"%s\"}}],"
				   "\"failure\":[{\"request_range\":{\"key\":\"%s\"}}]}",
				   k, mod_rev, k, v, k),
		       cb, ctx);
}

int etcd_delete(struct etcd *e, const char *key, etcd_cb cb, void *ctx)
{
	return key_req(e, K_DELETE, key, cb, ctx);
}

int etcd_lease_grant(struct etcd *e, int64_t ttl, etcd_cb cb, void *ctx)
{
	if (!e || ttl <= 0 || !cb)
		return -EINVAL;
	return req_new(e, K_GRANT, body_printf("{\"TTL\":\"%" PRId64 "\"}", ttl), cb, ctx);
}

int etcd_lease_keepalive(struct etcd *e, int64_t lease, etcd_cb cb, void *ctx)
{
	if (!e || lease <= 0 || !cb)
		return -EINVAL;
	return req_new(e, K_KEEPALIVE, body_printf("{\"ID\":\"%" PRId64 "\"}", lease), cb, ctx);
}

int etcd_compact(struct etcd *e, int64_t revision, etcd_cb cb, void *ctx)
{
	if (!e || revision <= 0 || !cb)
		return -EINVAL;
	return req_new(e, K_COMPACT,
		       body_printf("{\"revision\":\"%" PRId64 "\",\"physical\":true}", revision),
		       cb, ctx);
}

int etcd_cancel(struct etcd *e, void *ctx)
{
	struct xfer *x, *next;
	int n = 0;

	for (x = e->xfers; x; x = next) {
		next = x->next;
		if (x->kind == K_WATCH || x->kind == K_AUTH ||
		    container_of(x, struct req, x)->ctx != ctx)
			continue;
		xfer_unlink(e, x);
		xfer_free(x);
		n++;
	}
	return n;
}

/* The synchronous path: curl_easy_perform() on endpoints in turn, within a deadline. */

struct sync_buf {
	char *data;
	size_t len, cap;
	int err;
};

static size_t sync_write(char *data, size_t size, size_t nmemb, void *userp)
{
	struct sync_buf *b = userp;
	size_t len = size * nmemb;
	int r = resp_append(&b->data, &b->len, &b->cap, data, len);

	if (r < 0) {
		b->err = r;
		return 0;
	}
	return len;
}

/*
 * POST body to path, trying the endpoints from the current one until one answers or the
 * deadline passes. 0 and etcd's answer in *ret, 1 when the token was refused, or -errno.
 */
static int sync_call(struct etcd *e, enum kind kind, const char *path, const char *alt_path,
		     const char *body, int64_t deadline, json_object **ret)
{
	char errbuf[CURL_ERROR_SIZE], msg[256];
	int err = -ETIMEDOUT;
	unsigned tries;

	for (tries = 0; tries < e->n_eps;) {
		struct sync_buf b = { 0 };
		struct curl_slist *hdrs = NULL;
		int64_t left = deadline - now_ns();
		unsigned ep = e->cur;
		enum verdict v;
		json_object *obj = NULL;
		CURLcode rc;
		long code = 0;
		CURL *h;
		int r;

		if (left <= 0)
			return err;
		h = curl_easy_init();
		if (!h)
			return -ENOMEM;
		r = setup_easy(e, h, ep, path, body, (long)((left + 999999) / 1000000), &hdrs,
			       errbuf);
		if (r < 0) {
			curl_easy_cleanup(h);
			return r;
		}
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sync_write);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
		rc = curl_easy_perform(h);
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
		if (code)
			note_local_ip(e, h);
		if (rc == CURLE_OK)
			obj = parse_body(b.data, b.len);
		if (rc == CURLE_OK && !obj && code == 404 && alt_path) {
			/* an older gateway: the other path, same endpoint */
			path = alt_path;
			alt_path = NULL;
			curl_easy_cleanup(h);
			curl_slist_free_all(hdrs);
			free(b.data);
			continue;
		}
		v = judge(e, h, rc, errbuf, b.err, obj, kind, &err, msg, sizeof(msg));
		curl_easy_cleanup(h);
		curl_slist_free_all(hdrs);
		free(b.data);
		switch (v) {
		case V_OK:
			e->cur = ep;
			*ret = obj;
			return 0;
		case V_REAUTH:
			json_object_put(obj);
			return 1;
		case V_NEXT:
			json_object_put(obj);
			tries++;
			if (e->cur == ep)
				e->cur = (ep + 1) % e->n_eps;
			continue;
		case V_FAIL:
			json_object_put(obj);
			return err;
		}
	}
	return err;
}

static int sync_auth(struct etcd *e, int64_t deadline)
{
	_cleanup_free_ char *body = auth_body(e);
	json_object *obj = NULL;
	const char *t;
	int r;

	if (!body)
		return -ENOMEM;
	r = sync_call(e, K_AUTH, kind_path[K_AUTH], NULL, body, deadline, &obj);
	if (r)
		return r < 0 ? r : -EACCES;
	t = jstr(obj, "token");
	free(e->token);
	e->token = strdup(t ? t : "");
	e->token_gen++;
	json_object_put(obj);
	return e->token ? 0 : -ENOMEM;
}

int etcd_lease_revoke_sync(struct etcd *e, int64_t lease, unsigned timeout_ms)
{
	int64_t deadline = now_ns() + (int64_t)timeout_ms * 1000000;
	_cleanup_free_ char *body = NULL;
	json_object *obj = NULL;
	bool retried = false;
	int r;

	if (!e || lease <= 0)
		return -EINVAL;
	body = body_printf("{\"ID\":\"%" PRId64 "\"}", lease);
	if (!body)
		return -ENOMEM;
	for (;;) {
		if (e->user && !e->token) {
			r = sync_auth(e, deadline);
			if (r < 0)
				return r;
		}
		r = sync_call(e, K_REVOKE, kind_path[K_REVOKE], "/v3/kv/lease/revoke", body,
			      deadline, &obj);
		if (r != 1)
			break;
		if (retried)
			return -EACCES;
		retried = true;
		free(e->token);
		e->token = NULL;
	}
	json_object_put(obj);
	return r;
}

/* Watches. */

int etcd_watch_prefix(struct etcd *e, const char *prefix, int64_t start_revision,
		      etcd_watch_cb cb, void *ctx, struct etcd_watch **ret)
{
	_cleanup_free_ char *k = NULL, *end = NULL, *start = NULL;
	struct etcd_watch *w;
	int r;

	if (!e || !prefix || start_revision < 0 || !cb || !ret)
		return -EINVAL;
	r = prefix_range(prefix, &k, &end);
	if (r < 0)
		return r;
	if (start_revision && asprintf(&start, ",\"start_revision\":\"%" PRId64 "\"",
				       start_revision) < 0)
		return -ENOMEM;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->x.e = e;
	w->x.kind = K_WATCH;
	w->cb = cb;
	w->ctx = ctx;
	w->x.body = body_printf("{\"create_request\":{\"key\":\"%s\",\"range_end\":\"%s\"%s,"
				"\"progress_notify\":true}}",
				k, end, start ? start : "");
	if (!w->x.body) {
		free(w);
		return -ENOMEM;
	}
	r = xfer_start(e, &w->x);
	if (r < 0) {
		xfer_free(&w->x);
		return r;
	}
	*ret = w;
	return 0;
}

const char *etcd_watch_error(const struct etcd_watch *w)
{
	return w->dead ? w->msg : "";
}

void etcd_watch_cancel(struct etcd_watch *w)
{
	if (!w)
		return;
	xfer_unlink(w->x.e, &w->x);
	xfer_free(&w->x);
}
