// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cluster/etcd.c against a real etcd (/usr/bin/etcd, started here on free ports with a private
 * data directory; skipped when it is not installed): binary values through base64, revisions,
 * compare-and-swap races, leases (keepalive, revoke, expiry seen by a watch), watches (order,
 * progress notifications, compaction, a silent or killed server), endpoint failover, auth with
 * expiring tokens, and freeing the client with requests in flight.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "cluster/etcd.h"
#include "sdnd/util.h"

/* SDND_ETCD_BIN overrides it (a missing one checks the skipping) */
static const char *etcd_bin = "/usr/bin/etcd";

/* The etcd under test. */
static struct {
	bool have;
	pid_t pid;
	char *dir;                      /* data/ and etcd.log inside */
	int port, peer_port;
	int dead_port;                  /* nothing listens there */
	char ep[64];                    /* "127.0.0.1:port" */
} srv;

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool port_free(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	if (fd < 0)
		return false;
	ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

static void etcd_spawn(void)
{
	char client[64], peer[64], cluster[96], data[512], log[512];
	pid_t pid;

	snprintf(client, sizeof(client), "http://127.0.0.1:%d", srv.port);
	snprintf(peer, sizeof(peer), "http://127.0.0.1:%d", srv.peer_port);
	snprintf(cluster, sizeof(cluster), "t=%s", peer);
	snprintf(data, sizeof(data), "%s/data", srv.dir);
	snprintf(log, sizeof(log), "%s/etcd.log", srv.dir);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl(etcd_bin, "etcd", "--name", "t", "--data-dir", data, "--listen-client-urls",
		      client, "--advertise-client-urls", client, "--listen-peer-urls", peer,
		      "--initial-advertise-peer-urls", peer, "--initial-cluster", cluster,
		      "--experimental-watch-progress-notify-interval", "1s", "--auth-token-ttl",
		      "1", (char *)NULL);
		_exit(127);
	}
	srv.pid = pid;
}

static size_t sink(char *data, size_t size, size_t nmemb, void *userp)
{
	char **buf = userp;
	size_t len = size * nmemb, old = *buf ? strlen(*buf) : 0;
	char *n = realloc(*buf, old + len + 1);

	if (!n)
		return 0;
	memcpy(n + old, data, len);
	n[old + len] = '\0';
	*buf = n;
	return len;
}

/* A plain blocking request to the test's etcd: the answer (free it) or NULL. */
static char *raw(const char *path, const char *body, const char *token, long *code)
{
	struct curl_slist *h = NULL;
	char url[256], auth[512];
	char *out = NULL;
	CURL *c = curl_easy_init();
	CURLcode rc;

	if (!c)
		return NULL;
	snprintf(url, sizeof(url), "http://%s%s", srv.ep, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 2000L);
	if (body)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	if (token) {
		snprintf(auth, sizeof(auth), "Authorization: %s", token);
		h = curl_slist_append(h, auth);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	}
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &out);
	rc = curl_easy_perform(c);
	if (code)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, code);
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
	if (rc != CURLE_OK) {
		free(out);
		return NULL;
	}
	return out ? out : strdup("");
}

static bool etcd_wait_ready(int ms)
{
	int64_t deadline = now_ms() + ms;

	while (now_ms() < deadline) {
		long code = 0;
		char *s = raw("/health", NULL, NULL, &code);
		bool ok = s && code == 200 && strstr(s, "true");

		free(s);
		if (ok)
			return true;
		usleep(50000);
	}
	return false;
}

static void etcd_kill(void)
{
	if (srv.pid > 0) {
		kill(srv.pid, SIGKILL);
		waitpid(srv.pid, NULL, 0);
		srv.pid = 0;
	}
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	remove(path);
	return 0;
}

static int group_setup(void **state)
{
	const char *tmp = getenv("TMPDIR");
	/* three ports per pid: tests running side by side do not collide */
	int base = 20000 + getpid() % 10000 * 3, tries;

	if (access(etcd_bin, X_OK) < 0) {
		fprintf(stderr, "note: %s is not installed: skipping the etcd tests\n", etcd_bin);
		return 0;
	}
	for (tries = 0; tries < 200; tries++, base += 3) {
		if (base + 2 > 60000)
			base = 20000;
		if (port_free(base) && port_free(base + 1) && port_free(base + 2))
			break;
	}
	srv.port = base;
	srv.peer_port = base + 1;
	srv.dead_port = base + 2;
	snprintf(srv.ep, sizeof(srv.ep), "127.0.0.1:%d", srv.port);
	if (asprintf(&srv.dir, "%s/sdnd-etcd-XXXXXX", tmp && *tmp ? tmp : "/tmp") < 0 ||
	    !mkdtemp(srv.dir))
		return -1;
	etcd_spawn();
	if (!etcd_wait_ready(10000)) {
		char cmd[600];

		fprintf(stderr, "etcd did not come up; the end of its log:\n");
		snprintf(cmd, sizeof(cmd), "tail -n 20 '%s/etcd.log' >&2", srv.dir);
		if (system(cmd) != 0)
			fprintf(stderr, "(no log)\n");
		return -1;
	}
	srv.have = true;
	return 0;
}

static int group_teardown(void **state)
{
	etcd_kill();
	if (srv.dir) {
		nftw(srv.dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
		free(srv.dir);
		srv.dir = NULL;
	}
	return 0;
}

#define NEED_ETCD()                                                                                \
	do {                                                                                       \
		if (!srv.have)                                                                     \
			skip();                                                                    \
	} while (0)

/* One turn of the caller's loop: wait (at most until deadline) for the client, then run it. */
static void run_once(struct etcd *e, int64_t deadline)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ep = epoll_create1(EPOLL_CLOEXEC), t = etcd_timeout_ms(e);
	int64_t left = deadline - now_ms();

	assert_true(ep >= 0);
	assert_int_equal(epoll_ctl(ep, EPOLL_CTL_ADD, etcd_fd(e), &ev), 0);
	if (left < 0)
		left = 0;
	if (t < 0 || t > left)
		t = (int)left;
	epoll_wait(ep, &ev, 1, t);
	close(ep);
	etcd_run(e);
}

/* Run the client's loop for ms. */
static void run_for(struct etcd *e, int ms)
{
	int64_t dl = now_ms() + ms;

	while (now_ms() < dl)
		run_once(e, dl);
}

#define RUN_UNTIL(e, cond, ms)                                                                     \
	do {                                                                                       \
		int64_t dl_ = now_ms() + (ms);                                                     \
		while (!(cond)) {                                                                  \
			if (now_ms() >= dl_)                                                       \
				fail_msg("timed out after %d ms: %s", (int)(ms), #cond);      \
			run_once(e, dl_);                                                          \
		}                                                                                  \
	} while (0)

static struct etcd *client_opts(const char *endpoints, const char *user, const char *password,
				unsigned timeout_ms, unsigned watch_idle_s)
{
	struct etcd_opts o = { .endpoints = endpoints, .user = user, .password = password,
			       .timeout_ms = timeout_ms, .watch_idle_s = watch_idle_s };
	struct etcd *e = NULL;
	char err[256];

	assert_int_equal(etcd_new(&e, &o, err, sizeof(err)), 0);
	assert_non_null(e);
	return e;
}

static struct etcd *client(void)
{
	return client_opts(srv.ep, NULL, NULL, 3000, 0);
}

/* What a unary callback got, copied. */
struct kvc {
	char key[128];
	char value[512];
	size_t len;
	int64_t create, mod, version, lease;
};

struct res {
	bool done;
	int calls;
	int err;
	char msg[256];
	int64_t revision, lease, ttl, deleted;
	bool succeeded;
	size_t n;
	struct kvc kvs[16];
};

static void res_cb(void *ctx, const struct etcd_result *r)
{
	struct res *o = ctx;
	size_t i;

	o->calls++;
	o->done = true;
	o->err = r->err;
	sdnd_strlcpy(o->msg, r->msg, sizeof(o->msg));
	o->revision = r->revision;
	o->lease = r->lease;
	o->ttl = r->ttl;
	o->deleted = r->deleted;
	o->succeeded = r->succeeded;
	o->n = r->n_kvs;
	assert_true(r->n_kvs <= ARRAY_SIZE(o->kvs));
	for (i = 0; i < r->n_kvs; i++) {
		const struct etcd_kv *kv = &r->kvs[i];

		assert_true(kv->value_len < sizeof(o->kvs[i].value));
		assert_int_equal(kv->value[kv->value_len], '\0');
		sdnd_strlcpy(o->kvs[i].key, kv->key, sizeof(o->kvs[i].key));
		memcpy(o->kvs[i].value, kv->value, kv->value_len);
		o->kvs[i].len = kv->value_len;
		o->kvs[i].create = kv->create_revision;
		o->kvs[i].mod = kv->mod_revision;
		o->kvs[i].version = kv->version;
		o->kvs[i].lease = kv->lease;
	}
}

#define WAIT_RES(e, o) RUN_UNTIL(e, (o)->done, 8000)

static void put(struct etcd *e, const char *key, const void *v, size_t len, int64_t lease,
		struct res *o)
{
	memset(o, 0, sizeof(*o));
	assert_int_equal(etcd_put(e, key, v, len, lease, res_cb, o), 0);
	assert_false(o->done);          /* never from inside the call */
	WAIT_RES(e, o);
	assert_int_equal(o->calls, 1);
}

static void put_ok(struct etcd *e, const char *key, const char *v, struct res *o)
{
	put(e, key, v, strlen(v), 0, o);
	if (o->err)
		fail_msg("put %s: %s (%d)", key, o->msg, o->err);
	assert_true(o->revision > 0);
}

static void get(struct etcd *e, const char *key, struct res *o)
{
	memset(o, 0, sizeof(*o));
	assert_int_equal(etcd_get(e, key, res_cb, o), 0);
	assert_false(o->done);
	WAIT_RES(e, o);
}

static void range(struct etcd *e, const char *prefix, struct res *o)
{
	memset(o, 0, sizeof(*o));
	assert_int_equal(etcd_range_prefix(e, prefix, res_cb, o), 0);
	WAIT_RES(e, o);
	if (o->err)
		fail_msg("range %s: %s (%d)", prefix, o->msg, o->err);
}

static void cas(struct etcd *e, const char *key, const char *v, int64_t mod_rev, struct res *o)
{
	memset(o, 0, sizeof(*o));
	assert_int_equal(etcd_cas(e, key, v, strlen(v), mod_rev, res_cb, o), 0);
	WAIT_RES(e, o);
	if (o->err)
		fail_msg("cas %s: %s (%d)", key, o->msg, o->err);
}

/* What a watch callback got. */
struct wev {
	bool deleted;
	char key[128];
	char value[128];
	size_t len;
	int64_t mod, create;
};

struct wres {
	struct etcd_watch *w;
	struct wev ev[64];
	size_t n;
	int calls, progress;
	int64_t last_rev;
	bool ended;
	int err;
	int64_t compact;
	bool cancel_on_end;
};

static void watch_cb(void *ctx, const struct etcd_event *evs, size_t n, int64_t rev,
		     int64_t compact, int err)
{
	struct wres *o = ctx;
	size_t i;

	o->calls++;
	if (err) {
		assert_false(o->ended);
		o->ended = true;
		o->err = err;
		o->compact = compact;
		assert_true(*etcd_watch_error(o->w));
		if (o->cancel_on_end) {
			etcd_watch_cancel(o->w);
			o->w = NULL;
		}
		return;
	}
	assert_false(o->ended);
	assert_true(rev > 0);
	if (!n)
		o->progress++;
	o->last_rev = rev;
	for (i = 0; i < n; i++) {
		struct wev *w = &o->ev[o->n++];

		assert_true(o->n <= ARRAY_SIZE(o->ev));
		w->deleted = evs[i].deleted;
		sdnd_strlcpy(w->key, evs[i].kv.key, sizeof(w->key));
		assert_true(evs[i].kv.value_len < sizeof(w->value));
		memcpy(w->value, evs[i].kv.value, evs[i].kv.value_len);
		w->len = evs[i].kv.value_len;
		w->mod = evs[i].kv.mod_revision;
		w->create = evs[i].kv.create_revision;
	}
}

static void watch(struct etcd *e, const char *prefix, int64_t rev, struct wres *o)
{
	memset(o, 0, sizeof(*o));
	assert_int_equal(etcd_watch_prefix(e, prefix, rev, watch_cb, o, &o->w), 0);
	assert_non_null(o->w);
}

/* The watch is established once etcd sent something: wait for a progress notification. */
static void watch_live(struct etcd *e, struct wres *o)
{
	int before = o->progress;

	RUN_UNTIL(e, o->progress > before || o->ended, 5000);
	assert_false(o->ended);
}

static void test_bad_endpoints(void **state)
{
	static const char *const bad[][2] = {
		{ "127.0.0.1", "127.0.0.1" },
		{ "127.0.0.1:99999", "127.0.0.1:99999" },
		{ "127.0.0.1:0", "127.0.0.1:0" },
		{ "10.0.0.1:2379,ftp://h:1", "ftp://h:1" },
		{ "::1:2379", "::1:2379" },
		{ "[::1]", "[::1]" },
		{ "[::1]2379", "[::1]2379" },
		{ "[nope]:2379", "[nope]:2379" },
		{ "h1:1,h2:2/v3", "h2:2/v3" },
		{ "h1:1,,h2:2", "h1:1,,h2:2" },
		{ "a b:1", "a b:1" },
		{ "http://:2379", "http://:2379" },
		{ "h:12x", "h:12x" },
		{ "", "" },
	};
	struct etcd_opts o = { 0 };
	struct etcd *e = NULL;
	char err[256];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		o.endpoints = bad[i][0];
		err[0] = '\0';
		assert_int_equal(etcd_new(&e, &o, err, sizeof(err)), -EINVAL);
		if (!strstr(err, bad[i][1]) || (*bad[i][1] && !strstr(err, "endpoint")))
			fail_msg("\"%s\": the message \"%s\" does not name it", bad[i][0], err);
	}

	o.endpoints = " [::1]:2379 , https://etcd-1.example:2379/,http://10.0.0.1:1";
	assert_int_equal(etcd_new(&e, &o, err, sizeof(err)), 0);
	assert_string_equal(etcd_endpoint(e), "http://[::1]:2379");
	assert_string_equal(etcd_local_ip(e), "");
	assert_int_equal(etcd_timeout_ms(e), -1);
	assert_true(etcd_fd(e) >= 0);
	etcd_free(e);

	/* TLS files must exist; with TLS, the default scheme is https */
	o.endpoints = "127.0.0.1:2379";
	o.cacert = "/nonexistent/ca.pem";
	assert_int_equal(etcd_new(&e, &o, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "/nonexistent/ca.pem"));
	o.cacert = "/dev/null";
	assert_int_equal(etcd_new(&e, &o, err, sizeof(err)), 0);
	assert_string_equal(etcd_endpoint(e), "https://127.0.0.1:2379");
	etcd_free(e);
	o.cacert = NULL;

	o.user = "root";
	assert_int_equal(etcd_new(&e, &o, err, sizeof(err)), -EINVAL);
	o.user = NULL;

	etcd_free(NULL);
}

/* Values that need base64 done right: NUL bytes, high bytes, UTF-8, empty, every length % 3. */
static void test_put_get_range(void **state)
{
	struct etcd *e;
	static const char bin[] = "\0\x01\x02\xff\xfe bin\0ary\0";
	static const char utf8[] = "h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93";
	char all[256];
	struct res p[8], o;
	int64_t rev_a;
	size_t i;

	NEED_ETCD();
	e = client();

	for (i = 0; i < sizeof(all); i++)
		all[i] = (char)(255 - i);
	put(e, "/t/rt/a", bin, sizeof(bin), 0, &p[0]);
	assert_int_equal(p[0].err, 0);
	put(e, "/t/rt/b", utf8, strlen(utf8), 0, &p[1]);
	put(e, "/t/rt/c", "", 0, 0, &p[2]);
	put(e, "/t/rt/d", all, sizeof(all), 0, &p[3]);
	put(e, "/t/rt/e", all, 254, 0, &p[4]);
	put(e, "/t/rt0", "out", 3, 0, &p[5]);  /* just past the prefix */
	put(e, "/t/rs", "out", 3, 0, &p[6]);   /* just before it */
	for (i = 1; i < 7; i++) {
		assert_int_equal(p[i].err, 0);
		assert_int_equal(p[i].revision, p[i - 1].revision + 1);
	}
	rev_a = p[0].revision;

	get(e, "/t/rt/a", &o);
	assert_int_equal(o.err, 0);
	assert_int_equal(o.n, 1);
	assert_string_equal(o.kvs[0].key, "/t/rt/a");
	assert_int_equal(o.kvs[0].len, sizeof(bin));
	assert_memory_equal(o.kvs[0].value, bin, sizeof(bin));
	assert_int_equal(o.kvs[0].mod, rev_a);
	assert_int_equal(o.kvs[0].create, rev_a);
	assert_int_equal(o.kvs[0].version, 1);
	assert_int_equal(o.kvs[0].lease, 0);
	assert_true(o.revision >= p[6].revision);

	/* a second put: same create revision, new mod revision, version 2 */
	put(e, "/t/rt/a", "x", 1, 0, &p[7]);
	get(e, "/t/rt/a", &o);
	assert_int_equal(o.kvs[0].create, rev_a);
	assert_int_equal(o.kvs[0].mod, p[7].revision);
	assert_int_equal(o.kvs[0].version, 2);
	assert_int_equal(o.kvs[0].len, 1);

	range(e, "/t/rt/", &o);
	assert_int_equal(o.n, 5);
	assert_true(o.revision >= p[7].revision);
	assert_string_equal(o.kvs[0].key, "/t/rt/a");
	assert_string_equal(o.kvs[1].key, "/t/rt/b");
	assert_string_equal(o.kvs[2].key, "/t/rt/c");
	assert_string_equal(o.kvs[3].key, "/t/rt/d");
	assert_string_equal(o.kvs[4].key, "/t/rt/e");
	assert_int_equal(o.kvs[1].len, strlen(utf8));
	assert_memory_equal(o.kvs[1].value, utf8, strlen(utf8));
	assert_int_equal(o.kvs[1].mod, p[1].revision);
	assert_int_equal(o.kvs[2].len, 0);
	assert_string_equal(o.kvs[2].value, "");
	assert_int_equal(o.kvs[3].len, sizeof(all));
	assert_memory_equal(o.kvs[3].value, all, sizeof(all));
	assert_int_equal(o.kvs[4].len, 254);
	assert_memory_equal(o.kvs[4].value, all, 254);

	/* the whole key space */
	range(e, "", &o);
	assert_true(o.n >= 7);

	get(e, "/t/rt/missing", &o);
	assert_int_equal(o.err, 0);
	assert_int_equal(o.n, 0);
	assert_true(o.revision >= p[7].revision);

	assert_int_equal(etcd_get(e, "", res_cb, &o), -EINVAL);
	assert_int_equal(etcd_put(e, "k", NULL, 1, 0, res_cb, &o), -EINVAL);
	etcd_free(e);
}

/* A request started from inside a callback. */
struct chain {
	struct etcd *e;
	struct res first, second;
};

static void chain_cb(void *ctx, const struct etcd_result *r)
{
	struct chain *c = ctx;

	res_cb(&c->first, r);
	assert_int_equal(etcd_get(c->e, "/t/chain", res_cb, &c->second), 0);
	assert_false(c->second.done);
}

static void test_callback_starts_request(void **state)
{
	struct chain c = { 0 };

	NEED_ETCD();
	c.e = client();
	assert_int_equal(etcd_put(c.e, "/t/chain", "v", 1, 0, chain_cb, &c), 0);
	RUN_UNTIL(c.e, c.second.done, 8000);
	assert_int_equal(c.first.err, 0);
	assert_int_equal(c.second.err, 0);
	assert_int_equal(c.second.n, 1);
	assert_int_equal(c.second.kvs[0].mod, c.first.revision);
	etcd_free(c.e);
}

static void test_cas(void **state)
{
	struct etcd *e;
	struct res p, a, b, o;

	NEED_ETCD();
	e = client();

	put_ok(e, "/t/cas/k", "base", &p);

	/* two writers with the same base revision: exactly one wins */
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	assert_int_equal(etcd_cas(e, "/t/cas/k", "A", 1, p.revision, res_cb, &a), 0);
	assert_int_equal(etcd_cas(e, "/t/cas/k", "B", 1, p.revision, res_cb, &b), 0);
	RUN_UNTIL(e, a.done && b.done, 8000);
	assert_int_equal(a.err, 0);
	assert_int_equal(b.err, 0);
	assert_true(a.succeeded != b.succeeded);
	{
		struct res *win = a.succeeded ? &a : &b, *lose = a.succeeded ? &b : &a;

		assert_int_equal(win->revision, p.revision + 1);
		assert_int_equal(win->n, 0);
		/* the loser sees the key as the winner left it */
		assert_int_equal(lose->revision, win->revision);
		assert_int_equal(lose->n, 1);
		assert_int_equal(lose->kvs[0].mod, win->revision);
		assert_int_equal(lose->kvs[0].len, 1);
		assert_int_equal(lose->kvs[0].value[0], win == &a ? 'A' : 'B');
		get(e, "/t/cas/k", &o);
		assert_int_equal(o.kvs[0].mod, win->revision);
		assert_int_equal(o.kvs[0].value[0], win == &a ? 'A' : 'B');
	}

	/* a stale revision loses */
	cas(e, "/t/cas/k", "C", p.revision, &o);
	assert_false(o.succeeded);
	/* 0: only if absent */
	cas(e, "/t/cas/k", "D", 0, &o);
	assert_false(o.succeeded);
	assert_int_equal(o.n, 1);
	cas(e, "/t/cas/new", "N", 0, &o);
	assert_true(o.succeeded);
	assert_int_equal(o.n, 0);
	get(e, "/t/cas/new", &a);
	assert_int_equal(a.n, 1);
	assert_int_equal(a.kvs[0].mod, o.revision);
	assert_string_equal(a.kvs[0].value, "N");
	cas(e, "/t/cas/new", "M", o.revision, &b);
	assert_true(b.succeeded);
	assert_int_equal(b.revision, o.revision + 1);
	etcd_free(e);
}

static void test_delete(void **state)
{
	struct etcd *e;
	struct res p, o;

	NEED_ETCD();
	e = client();

	put_ok(e, "/t/del/k", "v", &p);
	memset(&o, 0, sizeof(o));
	assert_int_equal(etcd_delete(e, "/t/del/k", res_cb, &o), 0);
	WAIT_RES(e, &o);
	assert_int_equal(o.err, 0);
	assert_int_equal(o.deleted, 1);
	assert_int_equal(o.revision, p.revision + 1);
	get(e, "/t/del/k", &o);
	assert_int_equal(o.n, 0);
	memset(&o, 0, sizeof(o));
	assert_int_equal(etcd_delete(e, "/t/del/k", res_cb, &o), 0);
	WAIT_RES(e, &o);
	assert_int_equal(o.err, 0);
	assert_int_equal(o.deleted, 0);
	etcd_free(e);
}

static void grant(struct etcd *e, int64_t ttl, struct res *o)
{
	memset(o, 0, sizeof(*o));
	assert_int_equal(etcd_lease_grant(e, ttl, res_cb, o), 0);
	WAIT_RES(e, o);
	if (o->err)
		fail_msg("grant: %s (%d)", o->msg, o->err);
	assert_true(o->lease > 0);
}

static void keepalive(struct etcd *e, int64_t lease, struct res *o)
{
	memset(o, 0, sizeof(*o));
	assert_int_equal(etcd_lease_keepalive(e, lease, res_cb, o), 0);
	WAIT_RES(e, o);
}

static void test_lease(void **state)
{
	struct etcd *e;
	struct res l, p, o;

	NEED_ETCD();
	e = client();

	grant(e, 30, &l);
	assert_int_equal(l.ttl, 30);
	put(e, "/t/lease/k", "v", 1, l.lease, &p);
	assert_int_equal(p.err, 0);
	get(e, "/t/lease/k", &o);
	assert_int_equal(o.n, 1);
	assert_int_equal(o.kvs[0].lease, l.lease);

	keepalive(e, l.lease, &o);
	assert_int_equal(o.err, 0);
	assert_int_equal(o.lease, l.lease);
	assert_int_equal(o.ttl, 30);
	assert_true(o.revision > 0);

	assert_int_equal(etcd_lease_revoke_sync(e, l.lease, 3000), 0);
	get(e, "/t/lease/k", &o);
	assert_int_equal(o.n, 0);
	assert_true(o.revision > p.revision);

	keepalive(e, l.lease, &o);
	assert_int_equal(o.err, -ENOENT);
	assert_true(o.msg[0]);
	assert_int_equal(etcd_lease_revoke_sync(e, l.lease, 3000), -ENOENT);
	/* a put on a lease that is gone */
	put(e, "/t/lease/k", "v", 1, l.lease, &p);
	assert_int_equal(p.err, -ENOENT);
	assert_non_null(strstr(p.msg, "lease not found"));
	etcd_free(e);
}

/* A short lease expires: its key goes and a watch says so. */
static void test_lease_expiry(void **state)
{
	struct etcd *e;
	struct res l, p, o;
	struct wres w;

	NEED_ETCD();
	e = client();

	grant(e, 1, &l);
	assert_true(l.ttl >= 1 && l.ttl <= 3);  /* etcd may raise it to its minimum */
	put(e, "/t/exp/k", "v", 1, l.lease, &p);
	assert_int_equal(p.err, 0);
	watch(e, "/t/exp/", p.revision + 1, &w);
	RUN_UNTIL(e, w.n >= 1 || w.ended, 8000);
	assert_false(w.ended);
	assert_int_equal(w.n, 1);
	assert_true(w.ev[0].deleted);
	assert_string_equal(w.ev[0].key, "/t/exp/k");
	assert_true(w.ev[0].mod > p.revision);
	assert_int_equal(w.ev[0].len, 0);
	get(e, "/t/exp/k", &o);
	assert_int_equal(o.n, 0);
	assert_true(o.revision >= w.ev[0].mod);
	keepalive(e, l.lease, &o);
	assert_int_equal(o.err, -ENOENT);
	etcd_watch_cancel(w.w);
	etcd_free(e);
}

static void test_watch_order(void **state)
{
	struct etcd *e;
	struct res r[6];
	struct wres w, now;
	size_t i;

	NEED_ETCD();
	e = client();

	put_ok(e, "/t/w/a", "1", &r[0]);
	put_ok(e, "/t/w/b", "2", &r[1]);
	put_ok(e, "/t/wx", "outside", &r[2]);
	memset(&r[3], 0, sizeof(r[3]));
	assert_int_equal(etcd_delete(e, "/t/w/a", res_cb, &r[3]), 0);
	WAIT_RES(e, &r[3]);
	put_ok(e, "/t/w/a", "3", &r[4]);

	/* one watch from the past, one from now on */
	watch(e, "/t/w/", r[0].revision, &w);
	watch(e, "/t/w/", 0, &now);
	RUN_UNTIL(e, w.n >= 4, 5000);
	assert_int_equal(w.n, 4);
	assert_false(w.ev[0].deleted);
	assert_string_equal(w.ev[0].key, "/t/w/a");
	assert_string_equal(w.ev[0].value, "1");
	assert_int_equal(w.ev[0].mod, r[0].revision);
	assert_int_equal(w.ev[0].create, r[0].revision);
	assert_string_equal(w.ev[1].key, "/t/w/b");
	assert_string_equal(w.ev[1].value, "2");
	assert_int_equal(w.ev[1].mod, r[1].revision);
	assert_true(w.ev[2].deleted);
	assert_string_equal(w.ev[2].key, "/t/w/a");
	assert_int_equal(w.ev[2].mod, r[3].revision);
	assert_false(w.ev[3].deleted);
	assert_string_equal(w.ev[3].value, "3");
	assert_int_equal(w.ev[3].mod, r[4].revision);
	assert_int_equal(w.ev[3].create, r[4].revision);
	assert_true(w.last_rev >= r[4].revision);

	/* live events reach both, and nothing from before reaches the new one */
	watch_live(e, &now);
	put_ok(e, "/t/w/c", "4", &r[5]);
	RUN_UNTIL(e, w.n >= 5 && now.n >= 1, 5000);
	assert_int_equal(w.n, 5);
	assert_int_equal(now.n, 1);
	assert_string_equal(now.ev[0].key, "/t/w/c");
	assert_int_equal(now.ev[0].mod, r[5].revision);
	assert_int_equal(w.ev[4].mod, r[5].revision);
	for (i = 1; i < w.n; i++)
		assert_true(w.ev[i].mod > w.ev[i - 1].mod);

	/* progress notifications: n == 0 with the current revision */
	watch_live(e, &w);
	assert_true(w.last_rev >= r[5].revision);
	assert_false(w.ended);
	assert_string_equal(etcd_local_ip(e), "127.0.0.1");
	assert_string_equal(etcd_watch_error(w.w), "");
	etcd_watch_cancel(w.w);
	etcd_watch_cancel(now.w);
	etcd_free(e);
}

static void test_watch_compacted(void **state)
{
	struct etcd *e;
	struct res r[3], c;
	struct wres w;
	int i;

	NEED_ETCD();
	e = client();

	for (i = 0; i < 3; i++)
		put_ok(e, "/t/cmp/k", "v", &r[i]);
	memset(&c, 0, sizeof(c));
	assert_int_equal(etcd_compact(e, r[2].revision, res_cb, &c), 0);
	WAIT_RES(e, &c);
	assert_int_equal(c.err, 0);
	/* compacting again below that is an error */
	memset(&c, 0, sizeof(c));
	assert_int_equal(etcd_compact(e, r[0].revision, res_cb, &c), 0);
	WAIT_RES(e, &c);
	assert_int_equal(c.err, -ESTALE);
	assert_non_null(strstr(c.msg, "compacted"));

	watch(e, "/t/cmp/", r[0].revision, &w);
	w.cancel_on_end = true;         /* freed from inside its callback */
	RUN_UNTIL(e, w.ended, 5000);
	assert_int_equal(w.err, -ESTALE);
	assert_int_equal(w.compact, r[2].revision);
	assert_int_equal(w.n, 0);
	assert_null(w.w);

	/* from the compact revision on, it works */
	watch(e, "/t/cmp/", r[2].revision, &w);
	RUN_UNTIL(e, w.n >= 1 || w.ended, 5000);
	assert_false(w.ended);
	assert_int_equal(w.ev[0].mod, r[2].revision);
	etcd_watch_cancel(w.w);
	etcd_free(e);
}

static void test_failover(void **state)
{
	char eps[128], want[64];
	struct res p, o;
	struct wres w;
	struct etcd *e;

	NEED_ETCD();
	snprintf(eps, sizeof(eps), "127.0.0.1:%d,http://%s", srv.dead_port, srv.ep);
	e = client_opts(eps, NULL, NULL, 3000, 0);
	snprintf(want, sizeof(want), "http://127.0.0.1:%d", srv.dead_port);
	assert_string_equal(etcd_endpoint(e), want);

	put_ok(e, "/t/fo/k", "v", &p);
	assert_non_null(strstr(etcd_endpoint(e), srv.ep));
	get(e, "/t/fo/k", &o);
	assert_int_equal(o.n, 1);
	assert_string_equal(etcd_local_ip(e), "127.0.0.1");
	etcd_free(e);

	/* a watch too */
	e = client_opts(eps, NULL, NULL, 3000, 0);
	watch(e, "/t/fo/", p.revision, &w);
	RUN_UNTIL(e, w.n >= 1 || w.ended, 5000);
	assert_false(w.ended);
	assert_int_equal(w.ev[0].mod, p.revision);
	etcd_watch_cancel(w.w);
	etcd_free(e);

	/* nothing answers: an error, not a hang */
	snprintf(eps, sizeof(eps), "127.0.0.1:%d,127.0.0.1:%d", srv.dead_port, srv.dead_port);
	e = client_opts(eps, NULL, NULL, 1000, 0);
	get(e, "/t/fo/k", &o);
	assert_int_equal(o.err, -ECONNREFUSED);
	assert_true(o.msg[0]);
	watch(e, "/t/fo/", 0, &w);
	RUN_UNTIL(e, w.ended, 5000);
	assert_int_equal(w.err, -EPIPE);
	etcd_watch_cancel(w.w);
	assert_int_equal(etcd_lease_revoke_sync(e, 1, 1000), -ECONNREFUSED);
	etcd_free(e);
}

/*
 * A fake server, for what etcd does not do on demand: each connection gets the next canned
 * response, written in the given pieces with pauses between them (so that curl sees JSON
 * objects split and merged at will), then the connection closes.
 */
struct canned {
	const char *parts[6];
};

static void fake_serve(int lfd, const struct canned *c, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		char buf[8192];
		size_t got = 0;
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0)
			_exit(1);
		/* the request: headers, then a body of Content-Length bytes */
		for (;;) {
			char *end, *cl;
			ssize_t k;

			buf[got] = '\0';
			end = strstr(buf, "\r\n\r\n");
			cl = strcasestr(buf, "content-length:");
			if (end && (!cl || got >= (size_t)(end + 4 - buf) +
							     strtoul(cl + 15, NULL, 10)))
				break;
			k = read(fd, buf + got, sizeof(buf) - 1 - got);
			if (k <= 0)
				break;
			got += (size_t)k;
		}
		for (j = 0; j < ARRAY_SIZE(c[i].parts) && c[i].parts[j]; j++) {
			if (write(fd, c[i].parts[j], strlen(c[i].parts[j])) < 0)
				break;
			usleep(30000);
		}
		close(fd);
	}
	_exit(0);
}

static pid_t fake_server(const struct canned *c, size_t n, int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	pid_t pid;

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fake_serve(fd, c, n);
	}
	close(fd);
	return pid;
}

#define HTTP_STREAM "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"

/* Stream parsing across arbitrary splits, and answers that are not what etcd sends. */
static void test_fake_server(void **state)
{
	static const struct canned c[] = {
		/* a watch: two objects in one piece, one object in three pieces, then EOF */
		{ { HTTP_STREAM "{\"result\":{\"header\":{\"revision\":\"5\"},\"created\":true}}\n"
			"{\"result\":{\"header\":{\"revision\":\"5\"},"
			"\"events\":[{\"kv\":{\"key\":\"",
		    "YQ==\",\"create_revision\":\"4\",\"mod_revision\":\"4\",\"version\":\"1\","
		    "\"value\":\"AP8=\"}},{\"type\":\"DELETE\",\"kv\":{\"key\":\"YQ==\","
		    "\"mod_revision\":\"5\"}}]}}\n{\"result\":{\"header\":{\"revision\":\"6\"}}}",
		    "\n{\"resu",
		    "lt\":{\"header\":{\"revision\":\"7\"},\"events\":[{\"kv\":{\"key\":\"Yg==\",",
		    "\"mod_revision\":\"7\",\"value\":\"eA\"}}]}}\n" } },
		/* a watch that turns into garbage */
		{ { HTTP_STREAM "{\"result\":{\"header\":{\"revision\":\"5\"},\"created\":true}}\n",
		    "{\"result\":]" } },
		/* a watch refused inside the stream */
		{ { HTTP_STREAM "{\"error\":{\"grpc_code\":14,\"http_code\":503,"
			"\"message\":\"etcdserver: no leader\","
			"\"http_status\":\"Service Unavailable\"}}" } },
		/* unary: not JSON; JSON without a header; an error in the newer gateway's shape;
		 * bad base64 */
		{ { "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nnot json" } },
		{ { "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n{\"kvs\":[]}" } },
		{ { "HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n"
		    "{\"code\":5,\"message\":\"etcdserver: requested lease not fou\"}" } },
		{ { "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n{\"header\":{\"revision\":\"3\"},"
		    "\"kvs\":[{\"key\":\"a*b=\",\"mod_revision\":\"2\"}]}" } },
	};
	char ep[64];
	struct res o;
	struct wres w;
	struct etcd *e;
	int port;
	pid_t pid = fake_server(c, ARRAY_SIZE(c), &port);

	snprintf(ep, sizeof(ep), "127.0.0.1:%d", port);
	e = client_opts(ep, NULL, NULL, 3000, 0);

	watch(e, "a", 4, &w);
	RUN_UNTIL(e, w.ended, 5000);
	assert_int_equal(w.err, -EPIPE);
	assert_int_equal(w.n, 3);
	assert_int_equal(w.calls, 4);   /* two event responses, one progress, the end */
	assert_int_equal(w.progress, 1);
	assert_false(w.ev[0].deleted);
	assert_string_equal(w.ev[0].key, "a");
	assert_int_equal(w.ev[0].len, 2);
	assert_memory_equal(w.ev[0].value, "\0\xff", 2);
	assert_int_equal(w.ev[0].mod, 4);
	assert_true(w.ev[1].deleted);
	assert_int_equal(w.ev[1].mod, 5);
	assert_string_equal(w.ev[2].key, "b");
	assert_string_equal(w.ev[2].value, "x");
	assert_int_equal(w.ev[2].mod, 7);
	assert_int_equal(w.last_rev, 7);
	etcd_watch_cancel(w.w);

	watch(e, "a", 0, &w);
	RUN_UNTIL(e, w.ended, 5000);
	assert_int_equal(w.err, -EPIPE);
	assert_int_equal(w.calls, 1);
	assert_non_null(strstr(etcd_watch_error(w.w), "not JSON"));
	etcd_watch_cancel(w.w);

	watch(e, "a", 0, &w);
	RUN_UNTIL(e, w.ended, 5000);
	assert_int_equal(w.err, -EPIPE);
	assert_string_equal(etcd_watch_error(w.w), "etcdserver: no leader");
	etcd_watch_cancel(w.w);

	get(e, "a", &o);
	assert_int_equal(o.err, -EPROTO);
	assert_true(o.msg[0]);
	get(e, "a", &o);
	assert_int_equal(o.err, -EPROTO);
	memset(&o, 0, sizeof(o));
	assert_int_equal(etcd_lease_keepalive(e, 7, res_cb, &o), 0);
	WAIT_RES(e, &o);
	assert_int_equal(o.err, -ENOENT);
	assert_string_equal(o.msg, "etcdserver: requested lease not fou");
	get(e, "a", &o);
	assert_int_equal(o.err, -EPROTO);
	assert_int_equal(o.n, 0);

	etcd_free(e);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
}

static void count_cb(void *ctx, const struct etcd_result *r)
{
	(*(int *)ctx)++;
}

static void count_watch_cb(void *ctx, const struct etcd_event *evs, size_t n, int64_t rev,
			   int64_t compact, int err)
{
	(*(int *)ctx)++;
}

static void start_many(struct etcd *e, int *calls)
{
	struct etcd_watch *w;

	assert_int_equal(etcd_put(e, "/t/free/k", "v", 1, 0, count_cb, calls), 0);
	assert_int_equal(etcd_get(e, "/t/free/k", count_cb, calls), 0);
	assert_int_equal(etcd_range_prefix(e, "/t/free/", count_cb, calls), 0);
	assert_int_equal(etcd_cas(e, "/t/free/k", "w", 1, 0, count_cb, calls), 0);
	assert_int_equal(etcd_delete(e, "/t/free/x", count_cb, calls), 0);
	assert_int_equal(etcd_lease_grant(e, 5, count_cb, calls), 0);
	assert_int_equal(etcd_lease_keepalive(e, 12345, count_cb, calls), 0);
	assert_int_equal(etcd_watch_prefix(e, "/t/free/", 0, count_watch_cb, calls, &w), 0);
	assert_int_equal(etcd_watch_prefix(e, "/t/free/", 1, count_watch_cb, calls, &w), 0);
}

/* etcd_cancel(): the requests of one ctx go without their callbacks, the others stay. */
static void test_cancel(void **state)
{
	struct res keep, gone;
	struct etcd *e;
	int calls = 0;

	NEED_ETCD();
	e = client();
	memset(&keep, 0, sizeof(keep));
	assert_int_equal(etcd_put(e, "/t/cancel/k", "v", 1, 0, count_cb, &calls), 0);
	assert_int_equal(etcd_get(e, "/t/cancel/k", count_cb, &calls), 0);
	assert_int_equal(etcd_get(e, "/t/cancel/k", res_cb, &keep), 0);
	assert_int_equal(etcd_cancel(e, &calls), 2);
	assert_int_equal(etcd_cancel(e, &calls), 0);
	WAIT_RES(e, &keep);
	assert_int_equal(keep.err, 0);
	run_for(e, 100);
	assert_int_equal(calls, 0);
	/* after the answer: nothing left to cancel */
	memset(&gone, 0, sizeof(gone));
	assert_int_equal(etcd_get(e, "/t/cancel/k", res_cb, &gone), 0);
	WAIT_RES(e, &gone);
	assert_int_equal(etcd_cancel(e, &gone), 0);
	etcd_free(e);
}

/* etcd_free() with everything in flight: no callback, no leak (ASan). */
static void test_free_in_flight(void **state)
{
	char eps[128];
	struct etcd *e;
	int calls = 0, i;

	NEED_ETCD();
	e = client();
	start_many(e, &calls);
	etcd_free(e);
	assert_int_equal(calls, 0);

	/* connected, some answered, some not */
	e = client();
	start_many(e, &calls);
	for (i = 0; i < 3; i++)
		run_once(e, now_ms() + 5);
	calls = 0;
	etcd_free(e);
	assert_int_equal(calls, 0);

	/* waiting for a token; and a dead endpoint being tried first */
	snprintf(eps, sizeof(eps), "127.0.0.1:%d,%s", srv.dead_port, srv.ep);
	e = client_opts(eps, "nobody", "pw", 3000, 0);
	start_many(e, &calls);
	run_once(e, now_ms() + 5);
	calls = 0;
	etcd_free(e);
	assert_int_equal(calls, 0);
}

/* A server that stops answering (SIGSTOP: TCP still up) ends the watch via the idle limit. */
static void test_watch_silent(void **state)
{
	struct etcd *e;
	struct wres w;
	int64_t t0;

	NEED_ETCD();
	e = client_opts(srv.ep, NULL, NULL, 3000, 2);

	watch(e, "/t/silent/", 0, &w);
	/* progress notifications every second keep a 2 s idle limit happy */
	run_for(e, 2500);
	assert_false(w.ended);
	assert_true(w.progress >= 2);
	kill(srv.pid, SIGSTOP);
	t0 = now_ms();
	while (!w.ended && now_ms() - t0 < 6000)
		run_once(e, t0 + 6000);
	kill(srv.pid, SIGCONT);
	assert_true(w.ended);
	assert_int_equal(w.err, -EPIPE);
	assert_true(now_ms() - t0 < 3500);
	etcd_watch_cancel(w.w);
	etcd_free(e);
}

/* etcd dies: the watch ends, calls fail in time; after a restart new calls work. */
static void test_kill_restart(void **state)
{
	struct etcd *e;
	struct res p, o;
	struct wres w;
	int64_t t0;

	NEED_ETCD();
	e = client_opts(srv.ep, NULL, NULL, 2000, 0);

	put_ok(e, "/t/kill/k", "before", &p);
	watch(e, "/t/kill/", 0, &w);
	watch_live(e, &w);

	etcd_kill();
	t0 = now_ms();
	RUN_UNTIL(e, w.ended, 5000);
	assert_int_equal(w.err, -EPIPE);
	assert_true(now_ms() - t0 < 3000);
	etcd_watch_cancel(w.w);

	t0 = now_ms();
	get(e, "/t/kill/k", &o);
	assert_true(o.err < 0);
	assert_true(o.msg[0]);
	assert_true(now_ms() - t0 < 2500);
	memset(&o, 0, sizeof(o));
	assert_int_equal(etcd_lease_keepalive(e, 1, res_cb, &o), 0);
	WAIT_RES(e, &o);
	assert_true(o.err < 0 && o.err != -ENOENT);
	watch(e, "/t/kill/", 0, &w);
	RUN_UNTIL(e, w.ended, 5000);
	assert_int_equal(w.err, -EPIPE);
	etcd_watch_cancel(w.w);

	etcd_spawn();
	assert_true(etcd_wait_ready(10000));
	get(e, "/t/kill/k", &o);
	assert_int_equal(o.err, 0);
	assert_int_equal(o.n, 1);
	assert_string_equal(o.kvs[0].value, "before");
	assert_int_equal(o.kvs[0].mod, p.revision);
	watch(e, "/t/kill/", o.revision + 1, &w);
	put_ok(e, "/t/kill/k", "after", &p);
	RUN_UNTIL(e, w.n >= 1 || w.ended, 5000);
	assert_false(w.ended);
	assert_int_equal(w.ev[0].mod, p.revision);
	etcd_watch_cancel(w.w);
	etcd_free(e);
}

static char *token_of(const char *user, const char *password)
{
	char body[256], *s, *t, *end;

	snprintf(body, sizeof(body), "{\"name\":\"%s\",\"password\":\"%s\"}", user, password);
	s = raw("/v3/auth/authenticate", body, NULL, NULL);
	assert_non_null(s);
	t = strstr(s, "\"token\":\"");
	assert_non_null(t);
	t = strdup(t + 9);
	end = strchr(t, '"');
	assert_non_null(end);
	*end = '\0';
	free(s);
	return t;
}

/* --auth-token-ttl 1: unused tokens go within 2 s (etcd looks once a second) */
#define TOKEN_EXPIRY_MS 2200

/* Last: it turns auth on (tokens live 1 s here, so they expire under the client's feet). */
static void test_auth(void **state)
{
	static const char *const setup[][2] = {
		{ "/v3/auth/user/add", "{\"name\":\"root\",\"password\":\"rootpw\"}" },
		{ "/v3/auth/role/add", "{\"name\":\"root\"}" },
		{ "/v3/auth/user/grant", "{\"user\":\"root\",\"role\":\"root\"}" },
		{ "/v3/auth/enable", "{}" },
	};
	struct res p, o, l;
	struct wres w;
	struct etcd *e, *e2, *anon, *wrong;
	size_t i;

	NEED_ETCD();
	/* before auth is on, a client with credentials works too */
	e = client_opts(srv.ep, "root", "rootpw", 3000, 0);
	put_ok(e, "/t/auth/k", "pre", &p);
	etcd_free(e);

	for (i = 0; i < ARRAY_SIZE(setup); i++) {
		long code = 0;
		char *s = raw(setup[i][0], setup[i][1], NULL, &code);

		assert_non_null(s);
		if (code != 200)
			fail_msg("%s: HTTP %ld %s", setup[i][0], code, s);
		free(s);
	}

	e = client_opts(srv.ep, "root", "rootpw", 3000, 0);
	e2 = client_opts(srv.ep, "root", "rootpw", 3000, 0);
	anon = client();
	wrong = client_opts(srv.ep, "root", "nope", 3000, 0);

	put_ok(e, "/t/auth/k", "v1", &p);
	get(e, "/t/auth/k", &o);
	assert_int_equal(o.err, 0);
	assert_string_equal(o.kvs[0].value, "v1");

	get(anon, "/t/auth/k", &o);
	assert_int_equal(o.err, -EACCES);
	get(wrong, "/t/auth/k", &o);
	assert_int_equal(o.err, -EACCES);
	assert_non_null(strstr(o.msg, "authentication failed"));
	watch(anon, "/t/auth/", 0, &w);
	RUN_UNTIL(anon, w.ended, 5000);
	assert_int_equal(w.err, -EACCES);
	etcd_watch_cancel(w.w);

	grant(e2, 30, &l);

	/*
	 * The tokens expire (1 s unused): the clients authenticate again, for a unary call, the
	 * synchronous revoke and a watch.
	 */
	run_for(e, TOKEN_EXPIRY_MS);
	get(e, "/t/auth/k", &o);
	if (o.err)
		fail_msg("after token expiry: %s (%d)", o.msg, o.err);
	assert_int_equal(o.n, 1);
	assert_int_equal(etcd_lease_revoke_sync(e2, l.lease, 3000), 0);
	assert_int_equal(etcd_lease_revoke_sync(wrong, l.lease, 3000), -EACCES);
	run_for(e, TOKEN_EXPIRY_MS);
	watch(e, "/t/auth/", o.revision + 1, &w);
	watch_live(e, &w);
	put_ok(e, "/t/auth/k", "v2", &p);
	RUN_UNTIL(e, w.n >= 1 || w.ended, 5000);
	assert_false(w.ended);
	assert_int_equal(w.ev[0].mod, p.revision);
	etcd_watch_cancel(w.w);

	etcd_free(wrong);
	etcd_free(e2);
	etcd_free(anon);
	etcd_free(e);

	/* back to no auth, for whatever runs after */
	{
		char *t = token_of("root", "rootpw"), *s;

		s = raw("/v3/auth/disable", "{}", t, NULL);
		free(s);
		free(t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_endpoints),
		cmocka_unit_test(test_fake_server),
		cmocka_unit_test(test_put_get_range),
		cmocka_unit_test(test_callback_starts_request),
		cmocka_unit_test(test_cas),
		cmocka_unit_test(test_delete),
		cmocka_unit_test(test_lease),
		cmocka_unit_test(test_lease_expiry),
		cmocka_unit_test(test_watch_order),
		cmocka_unit_test(test_watch_compacted),
		cmocka_unit_test(test_failover),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_free_in_flight),
		cmocka_unit_test(test_watch_silent),
		cmocka_unit_test(test_kill_restart),
		cmocka_unit_test(test_auth),
	};

	if (getenv("SDND_ETCD_BIN"))
		etcd_bin = getenv("SDND_ETCD_BIN");
	/* e.g. SDND_TEST_FILTER=test_watch_* */
	if (getenv("SDND_TEST_FILTER"))
		cmocka_set_test_filter(getenv("SDND_TEST_FILTER"));

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
