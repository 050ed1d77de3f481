// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The cluster store as the source of the definition (see cluster.h): list, then watch; the
 * node's membership under a lease; its status under its own key; PUT /v1/config as a
 * compare-and-swap on the definition's revision.
 *
 * etcd's callbacks only record what they learn; what follows from it (a new generation, new
 * members, a reconcile) is done in run(), from the daemon's loop. A PUT's compare-and-swap is
 * answered from there too: its control API request waits suspended meanwhile, and the daemon
 * goes on repairing and serving other requests.
 */
#include "sdnd/cluster.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "cluster/etcd.h"
#include "sdnd/ip.h"
#include "sdnd/log.h"
#include "sdnd/source.h"
#include "sdnd/state.h"
#include "sdnd/util.h"

#define BACKOFF_MIN_MS 200
#define BACKOFF_MAX_MS 5000

struct member_rec {
	struct zone_member m;
	char version[32];
};

/*
 * The lease is renewed from a thread of its own, with a client of its own: a reconcile the
 * kernel takes long over (deleting a few hundred devices takes seconds, more when it is busy)
 * must not let this node's lease expire, which would take its tunnels down on every other node.
 * The thread renews only the lease the daemon's loop hands it; everything else stays there.
 */
struct keeper {
	pthread_t th;
	bool running;
	struct etcd *e;
	int efd;                       /* wakes the thread: a new lease, or stop */
	unsigned int ttl;
	_Atomic int64_t lease;         /* to renew; 0: none */
	atomic_bool lost;              /* the store said a lease is gone */
	atomic_bool stop;
	/* the thread's own */
	int64_t renewing;              /* the lease its timer runs for */
	uint64_t next;                 /* ms: renew then */
	bool inflight;
};

struct cluster {
	struct sdnd_source s;
	struct etcd *e;
	struct etcd_watch *w;
	char *prefix;                  /* without a trailing "/" */
	char *k_config, *k_nodes, *k_status, *k_mine, *k_my_status;
	char node[ZONE_NODE_NAME_MAX + 1];
	char *cache_path, *cache_rev_path, *members_path;
	unsigned int ttl;
	bool has_underlay;             /* from --underlay */
	struct sdnd_ip underlay;

	bool listing, connected;
	char error[320];               /* why not connected */
	int64_t rev;                   /* the store's revision this node has seen */
	uint64_t retry_at;             /* ms: list again */
	unsigned int backoff_ms;

	/* the definition in the store, and what this node made of it */
	char *text;
	size_t len;
	int64_t text_rev;              /* its mod_revision; 0: none in the store */
	bool text_dirty;               /* to hand to the reconciler */
	int64_t config_rev;            /* the revision of the running definition */
	int64_t rejected_rev;          /* the last revision rejected, 0: none */

	/* the live nodes, and every node's published status */
	struct member_rec *nodes;
	size_t n_nodes, cap_nodes;
	bool members_dirty;
	struct zone_member *members;   /* what the reconciler's members point to */
	struct json_object *statuses;  /* node name -> status object */

	/* membership */
	int64_t lease;
	bool granting, registering, registered;
	uint64_t grant_at;             /* ms: ask for a lease then */
	struct keeper keeper;

	struct write *writes;          /* PUT /v1/config waiting for the store */

	/* the status this node published, and whether a put is under way */
	char *published;
	bool publishing, publish_again;
	uint64_t reconciled_gen;       /* the generation the last reconcile ran */
	uint64_t publish_at;           /* ms: publish again (after a failure) */
};

static struct cluster *cl_of(struct sdnd_source *s)
{
	return (struct cluster *)s;
}

static void schedule_list(struct cluster *c)
{
	c->backoff_ms = c->backoff_ms ? c->backoff_ms * 2 : BACKOFF_MIN_MS;
	if (c->backoff_ms > BACKOFF_MAX_MS)
		c->backoff_ms = BACKOFF_MAX_MS;
	c->retry_at = sdnd_now_ms() + c->backoff_ms;
}

static void lost(struct cluster *c, const char *what, const char *msg)
{
	char why[sizeof(c->error)];

	/* said once, not at every retry: when it is new, or when it changed */
	snprintf(why, sizeof(why), "%s: %s", what, msg);
	if (c->connected || strcmp(why, c->error))
		log_warn("cluster store %s: %s; keeping revision %lld and the network as they "
			 "are", etcd_endpoint(c->e), why, (long long)c->config_rev);
	sdnd_strlcpy(c->error, why, sizeof(c->error));
	c->connected = false;
	schedule_list(c);
}

/* ---- what the store holds ------------------------------------------------------------------ */

static const char *under(const char *key, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(key, dir, n) && key[n] == '/' && key[n + 1] ? key + n + 1 : NULL;
}

static void set_text(struct cluster *c, const char *v, size_t len, int64_t rev)
{
	char *t = malloc(len + 1);

	if (!t)
		return;
	memcpy(t, v, len);
	t[len] = '\0';
	free(c->text);
	c->text = t;
	c->len = len;
	c->text_rev = rev;
	c->text_dirty = true;
}

static void node_gone(struct cluster *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->n_nodes; i++)
		if (!strcmp(c->nodes[i].m.name, name)) {
			c->nodes[i] = c->nodes[--c->n_nodes];
			c->members_dirty = true;
			return;
		}
}

/* A node's registration: {"name", "underlay", "mtu", "version"}. */
static void node_put(struct cluster *c, const char *name, const char *value)
{
	struct json_object *j = json_tokener_parse(value), *v;
	struct member_rec n = { 0 };
	size_t i;

	if (!j || !json_object_is_type(j, json_type_object) ||
	    !json_object_object_get_ex(j, "underlay", &v) ||
	    sdnd_ip_parse(json_object_get_string(v), &n.m.underlay) < 0 ||
	    !sdnd_strlcpy(n.m.name, name, sizeof(n.m.name))) {
		log_warn("cluster store: %s/%s is not a node's registration; ignored", c->k_nodes,
			 name);
		json_object_put(j);
		return;
	}
	if (json_object_object_get_ex(j, "mtu", &v))
		n.m.mtu = (uint32_t)json_object_get_int64(v);
	if (json_object_object_get_ex(j, "version", &v))
		sdnd_strlcpy(n.version, json_object_get_string(v), sizeof(n.version));
	json_object_put(j);
	for (i = 0; i < c->n_nodes; i++)
		if (!strcmp(c->nodes[i].m.name, name))
			break;
	if (i == c->n_nodes) {
		if (sdnd_grow(&c->nodes, &c->cap_nodes, c->n_nodes + 1, sizeof(*c->nodes)) < 0)
			return;
		c->n_nodes++;
	} else if (!memcmp(&c->nodes[i].m, &n.m, sizeof(n.m))) {
		return;
	}
	c->nodes[i] = n;
	c->members_dirty = true;
}

static void status_put(struct cluster *c, const char *name, const char *value)
{
	struct json_object *j = json_tokener_parse(value);

	if (j && json_object_is_type(j, json_type_object))
		json_object_object_add(c->statuses, name, j);
	else
		json_object_put(j);
}

/* One key of the store as it is now (deleted: gone). */
static void learn(struct cluster *c, const struct etcd_kv *kv, bool deleted)
{
	const char *name;

	if (!strcmp(kv->key, c->k_config)) {
		if (deleted) {
			/* nothing to apply: the running definition stays */
			c->text_rev = 0;
			log_warn("cluster store: %s was deleted; keeping revision %lld", c->k_config,
				 (long long)c->config_rev);
		} else if (kv->mod_revision != c->text_rev) {
			set_text(c, kv->value, kv->value_len, kv->mod_revision);
		}
	} else if ((name = under(kv->key, c->k_nodes))) {
		if (deleted)
			node_gone(c, name);
		else
			node_put(c, name, kv->value);
		/* this node's registration went (its lease expired, or it was deleted): put it
		 * back, under a new lease if the old one is gone */
		if (deleted && !strcmp(name, c->node) && c->registered)
			c->registered = false;
	} else if ((name = under(kv->key, c->k_status))) {
		if (deleted)
			json_object_object_del(c->statuses, name);
		else
			status_put(c, name, kv->value);
	}
}

/* ---- list, then watch ------------------------------------------------------------------- */

static void watch_cb(void *ctx, const struct etcd_event *ev, size_t n, int64_t revision,
		     int64_t compact_revision, int err);

static void start_watch(struct cluster *c)
{
	char dir[1024];

	snprintf(dir, sizeof(dir), "%s/", c->prefix);
	if (etcd_watch_prefix(c->e, dir, c->rev + 1, watch_cb, c, &c->w) < 0) {
		c->w = NULL;
		schedule_list(c);
	}
}

static void listed(void *ctx, const struct etcd_result *r)
{
	struct cluster *c = ctx;
	bool had_config = false, me = false;
	const char *name;
	size_t i;

	c->listing = false;
	if (r->err) {
		lost(c, "cannot read the definition", r->msg);
		return;
	}
	if (!c->connected)
		log_info("cluster store %s: connected at revision %lld", etcd_endpoint(c->e),
			 (long long)r->revision);
	c->connected = true;
	c->error[0] = '\0';
	c->backoff_ms = 0;
	c->rev = r->revision;
	/* the list replaces what the node knew: nodes and statuses not in it are gone */
	c->n_nodes = 0;
	c->members_dirty = true;
	json_object_put(c->statuses);
	c->statuses = json_object_new_object();
	for (i = 0; i < r->n_kvs; i++) {
		learn(c, &r->kvs[i], false);
		had_config |= !strcmp(r->kvs[i].key, c->k_config);
		me |= (name = under(r->kvs[i].key, c->k_nodes)) && !strcmp(name, c->node);
	}
	if (!had_config)
		c->text_rev = 0;
	if (!me)
		c->registered = false;
	start_watch(c);
}

static void list(struct cluster *c)
{
	char dir[1024];

	if (c->listing)
		return;
	if (c->w) {
		etcd_watch_cancel(c->w);
		c->w = NULL;
	}
	c->retry_at = 0;
	snprintf(dir, sizeof(dir), "%s/", c->prefix);
	if (etcd_range_prefix(c->e, dir, listed, c) == 0)
		c->listing = true;
	else
		schedule_list(c);
}

static void watch_cb(void *ctx, const struct etcd_event *ev, size_t n, int64_t revision,
		     int64_t compact_revision, int err)
{
	struct cluster *c = ctx;
	size_t i;

	if (err) {
		char why[256];

		snprintf(why, sizeof(why), "%s", *etcd_watch_error(c->w) ? etcd_watch_error(c->w) :
			 strerror(-err));
		etcd_watch_cancel(c->w);
		c->w = NULL;
		if (err == -ESTALE) {
			/* history up to compact_revision is gone: read everything again */
			log_info("cluster store: revision %lld was compacted (now from %lld); "
				 "reading everything again", (long long)c->rev + 1,
				 (long long)compact_revision);
			c->retry_at = sdnd_now_ms();
		} else {
			lost(c, "the watch ended", why);
		}
		return;
	}
	for (i = 0; i < n; i++)
		learn(c, &ev[i].kv, ev[i].deleted);
	if (revision > c->rev)
		c->rev = revision;
}

/* ---- membership ------------------------------------------------------------------------- */

/* This node's underlay address and its interface's MTU. false: not known yet. */
static bool my_underlay(struct cluster *c, struct sdnd_ip *ret, uint32_t *ret_mtu)
{
	struct zone_env env;
	size_t i;

	if (c->has_underlay)
		*ret = c->underlay;
	else if (!*etcd_local_ip(c->e) || sdnd_ip_parse(etcd_local_ip(c->e), ret) < 0)
		return false;
	*ret_mtu = 0;
	if (sdnd_cache_env(&c->s.rec->cache, c->node, &env) == 0)
		for (i = 0; i < env.n_addrs; i++)
			if (sdnd_ip_eq(&env.addrs[i].ip, ret))
				*ret_mtu = env.addrs[i].mtu;
	return true;
}

static void renewed(void *ctx, const struct etcd_result *r)
{
	struct keeper *k = ctx;
	int64_t lease = r->lease;

	k->inflight = false;
	if (r->err == -ENOENT) {
		/* expired (the store was out of reach): the daemon's loop registers anew */
		atomic_compare_exchange_strong(&k->lease, &lease, 0);
		atomic_store(&k->lost, true);
		return;
	}
	k->next = sdnd_now_ms() + (r->err ? 1000 : k->ttl * 1000 / 3);
}

static void *keeper_main(void *arg)
{
	struct keeper *k = arg;

	while (!atomic_load(&k->stop)) {
		struct pollfd p[2] = { { .fd = etcd_fd(k->e), .events = POLLIN },
				       { .fd = k->efd, .events = POLLIN } };
		int64_t lease = atomic_load(&k->lease);
		uint64_t now = sdnd_now_ms(), v;
		int t = etcd_timeout_ms(k->e);

		if (lease != k->renewing) {
			/* just granted: renewed a third of the TTL from now */
			k->renewing = lease;
			k->next = now + k->ttl * 1000 / 3;
		}
		if (lease && !k->inflight && now >= k->next &&
		    etcd_lease_keepalive(k->e, lease, renewed, k) == 0)
			k->inflight = true;
		if (lease && !k->inflight) {
			int ms = k->next > now ? (int)(k->next - now) : 0;

			if (t < 0 || ms < t)
				t = ms;
		}
		if (poll(p, 2, t) > 0 && (p[1].revents & POLLIN) &&
		    read(k->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			break;
		etcd_run(k->e);
	}
	return NULL;
}

static void keeper_wake(struct keeper *k)
{
	uint64_t one = 1;

	if (write(k->efd, &one, sizeof(one)) < 0)
		log_warn("cluster store: cannot wake the lease keeper: %s", strerror(errno));
}

/* Renew lease from now on (0: none). */
static void keeper_set(struct keeper *k, int64_t lease)
{
	atomic_store(&k->lease, lease);
	if (k->running)
		keeper_wake(k);
}

static void keeper_stop(struct keeper *k)
{
	if (!k->running)
		return;
	atomic_store(&k->stop, true);
	keeper_wake(k);
	pthread_join(k->th, NULL);
	k->running = false;
}

/* The lease is gone: a new one, and the registration under it, follow. */
static void lease_lost(struct cluster *c)
{
	log_warn("cluster store: lease of %s expired; registering again", c->node);
	c->lease = 0;
	c->registered = false;
	c->grant_at = sdnd_now_ms();
	keeper_set(&c->keeper, 0);
}

static void registered(void *ctx, const struct etcd_result *r)
{
	struct cluster *c = ctx;

	c->registering = false;
	if (r->err == -ENOENT && c->lease) {
		lease_lost(c);
		return;
	}
	if (r->err) {
		log_warn("cluster store: cannot register %s: %s", c->node, r->msg);
		c->registered = false;
		return;
	}
	if (!c->registered)
		log_info("cluster store: registered as %s (lease %llx, %u s)", c->k_mine,
			 (unsigned long long)c->lease, c->ttl);
	c->registered = true;
}

static void register_node(struct cluster *c)
{
	struct json_object *j = json_object_new_object();
	char ib[SDND_IP_STRLEN];
	struct sdnd_ip ip;
	uint32_t mtu;
	const char *v;

	if (!my_underlay(c, &ip, &mtu)) {
		json_object_put(j);
		return;
	}
	json_object_object_add(j, "name", json_object_new_string(c->node));
	json_object_object_add(j, "underlay", json_object_new_string(sdnd_ip_str(&ip, ib)));
	json_object_object_add(j, "mtu", json_object_new_int64(mtu));
	json_object_object_add(j, "version", json_object_new_string(SDND_VERSION));
	v = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN);
	c->registering = etcd_put(c->e, c->k_mine, v, strlen(v), c->lease, registered, c) == 0;
	json_object_put(j);
}

static void granted(void *ctx, const struct etcd_result *r)
{
	struct cluster *c = ctx;

	c->granting = false;
	if (r->err) {
		c->grant_at = sdnd_now_ms() + 1000;
		return;
	}
	c->lease = r->lease;
	keeper_set(&c->keeper, c->lease);
	register_node(c);
}

static void membership(struct cluster *c)
{
	if (atomic_exchange(&c->keeper.lost, false) && c->lease &&
	    !atomic_load(&c->keeper.lease))
		lease_lost(c);
	if (!c->connected || c->granting || c->registering)
		return;
	if (!c->lease) {
		if (sdnd_now_ms() >= c->grant_at &&
		    etcd_lease_grant(c->e, c->ttl, granted, c) == 0)
			c->granting = true;
		return;
	}
	if (!c->registered)
		register_node(c);
}

/*
 * The live nodes, kept in the state directory with the definition: a node restarted while the
 * store is out of reach keeps its tunnels.
 */
static void persist_members(struct cluster *c)
{
	struct json_object *arr = json_object_new_array();
	char ib[SDND_IP_STRLEN];
	size_t i;

	for (i = 0; i < c->s.rec->n_members; i++) {
		const struct zone_member *m = &c->members[i];
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "name", json_object_new_string(m->name));
		json_object_object_add(j, "underlay",
				       json_object_new_string(sdnd_ip_str(&m->underlay, ib)));
		json_object_object_add(j, "mtu", json_object_new_int64(m->mtu));
		json_object_array_add(arr, j);
	}
	if (sdnd_write_atomic(c->members_path,
			      json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN)) < 0)
		log_warn("%s: cannot keep the cluster's nodes for a restart", c->members_path);
	json_object_put(arr);
}

/* The nodes persist_members() kept, as the store's until it answers. */
static void load_members(struct cluster *c)
{
	struct json_object *arr = json_object_from_file(c->members_path), *v;
	size_t i, n = arr && json_object_is_type(arr, json_type_array) ?
			       json_object_array_length(arr) : 0;

	for (i = 0; i < n; i++) {
		struct json_object *j = json_object_array_get_idx(arr, i);

		if (json_object_object_get_ex(j, "name", &v))
			node_put(c, json_object_get_string(v), json_object_to_json_string(j));
	}
	json_object_put(arr);
}

static int member_cmp(const void *a, const void *b)
{
	return strcmp(((const struct zone_member *)a)->name, ((const struct zone_member *)b)->name);
}

/*
 * The live nodes for peers: auto: the registered ones, and this one in any case, by name.
 * 1 when they changed, 0 when not, or -ENOMEM.
 */
static int make_members(struct cluster *c)
{
	struct sdnd_reconciler *rec = c->s.rec;
	struct zone_member *m = calloc(c->n_nodes + 1, sizeof(*m));
	struct sdnd_ip ip;
	uint32_t mtu;
	size_t i, n = 0;
	bool self = false;

	if (!m)
		return -ENOMEM;
	for (i = 0; i < c->n_nodes; i++) {
		m[n++] = c->nodes[i].m;
		self |= !strcmp(c->nodes[i].m.name, c->node);
	}
	if (!self && my_underlay(c, &ip, &mtu)) {
		sdnd_strlcpy(m[n].name, c->node, sizeof(m[n].name));
		m[n].underlay = ip;
		m[n].mtu = mtu;
		n++;
	}
	qsort(m, n, sizeof(*m), member_cmp);
	if (c->members && n == rec->n_members && !memcmp(m, c->members, n * sizeof(*m))) {
		free(m);
		return 0;
	}
	free(c->members);
	c->members = m;
	rec->members = m;
	rec->n_members = n;
	if (c->connected)
		persist_members(c);
	return 1;
}

static bool uses_auto(const struct zone_config *cfg)
{
	size_t i;

	for (i = 0; cfg && i < cfg->n_zones; i++)
		if (cfg->zones[i].peers_auto)
			return true;
	return false;
}

/* ---- the definition --------------------------------------------------------------------- */

static void persist(struct cluster *c)
{
	char rev[32];

	snprintf(rev, sizeof(rev), "%lld\n", (long long)c->config_rev);
	if (sdnd_write_atomic(c->cache_path, c->s.rec->config_text) < 0 ||
	    sdnd_write_atomic(c->cache_rev_path, rev) < 0)
		log_warn("%s: cannot keep the definition for a restart without the store",
			 c->cache_path);
}

/* Hand what changed to the reconciler; true when a new generation runs. */
static bool process(struct cluster *c)
{
	struct sdnd_reconciler *rec = c->s.rec;
	uint64_t gen = rec->generation;
	bool members = c->members_dirty;
	char name[1200];

	if (members) {
		c->members_dirty = false;
		members = make_members(c) > 0;
	}
	if (c->text_dirty) {
		c->text_dirty = false;
		snprintf(name, sizeof(name), "%s@%lld", c->k_config, (long long)c->text_rev);
		if (sdnd_rec_offer(rec, c->text, c->len, name, false, NULL) == 0) {
			c->config_rev = c->text_rev;
			c->rejected_rev = 0;
			persist(c);
		} else {
			c->rejected_rev = c->text_rev;
			sdnd_rec_write_status(rec);
		}
	} else if (members && rec->config_text && uses_auto(rec->cfg)) {
		/* the same document expands to other tunnels */
		snprintf(name, sizeof(name), "%s@%lld", c->k_config, (long long)c->config_rev);
		sdnd_rec_offer(rec, rec->config_text, rec->config_len, name, true, NULL);
	}
	if (rec->generation == gen)
		return false;
	log_info("cluster store: running generation %llu (revision %lld, %zu objects, %zu "
		 "nodes)", (unsigned long long)rec->generation, (long long)c->config_rev,
		 rec->want.n, rec->n_members);
	return true;
}

/* ---- status ---------------------------------------------------------------------------- */

static struct json_object *my_status(struct cluster *c)
{
	struct sdnd_reconciler *rec = c->s.rec;
	struct json_object *j = json_object_new_object(), *failed = json_object_new_array();
	size_t i, n[_SDND_STATE_MAX] = { 0 };

	for (i = 0; i < rec->want.n; i++) {
		const struct sdnd_objstate *st = &rec->st[i];

		n[st->state]++;
		if (st->state == SDND_STATE_FAILED) {
			struct json_object *o = json_object_new_object();

			json_object_object_add(o, "key", json_object_new_string(rec->want.objs[i].key));
			json_object_object_add(o, "error", json_object_new_string(st->msg));
			json_object_array_add(failed, o);
		}
	}
	json_object_object_add(j, "node", json_object_new_string(c->node));
	json_object_object_add(j, "revision", json_object_new_int64(c->config_rev));
	json_object_object_add(j, "generation", json_object_new_int64((int64_t)rec->generation));
	json_object_object_add(j, "in_sync", json_object_new_int64((int64_t)n[SDND_STATE_IN_SYNC]));
	json_object_object_add(j, "pending", json_object_new_int64((int64_t)n[SDND_STATE_PENDING]));
	json_object_object_add(j, "failed", json_object_new_int64((int64_t)n[SDND_STATE_FAILED]));
	json_object_object_add(j, "failed_objects", failed);
	json_object_object_add(j, "firewall",
			       json_object_new_string(sdnd_state_to_string(rec->fw.st.state)));
	if (rec->fw.st.state == SDND_STATE_FAILED)
		json_object_object_add(j, "firewall_error", json_object_new_string(rec->fw.st.msg));
	json_object_object_add(j, "rejected_revision", json_object_new_int64(c->rejected_rev));
	json_object_object_add(j, "last_error", json_object_new_string(rec->last_load_error));
	json_object_object_add(j, "version", json_object_new_string(SDND_VERSION));
	return j;
}

static void publish(struct cluster *c);

static void published(void *ctx, const struct etcd_result *r)
{
	struct cluster *c = ctx;

	c->publishing = false;
	if (r->err) {
		free(c->published);
		c->published = NULL;
		c->publish_at = sdnd_now_ms() + 1000; /* again in a second */
		return;
	}
	if (c->publish_again)
		publish(c);
}

static void publish(struct cluster *c)
{
	struct json_object *j;
	const char *v;

	/* a generation committed but not reconciled yet (a PUT's) would claim what is not done */
	if (!c->connected || c->s.rec->generation != c->reconciled_gen)
		return;
	if (c->publishing) {
		c->publish_again = true;
		return;
	}
	c->publish_again = false;
	j = my_status(c);
	v = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN);
	if (!c->published || strcmp(c->published, v)) {
		free(c->published);
		c->published = strdup(v);
		if (c->published && etcd_put(c->e, c->k_my_status, v, strlen(v), 0, published, c) == 0)
			c->publishing = true;
	}
	json_object_put(j);
}

/* ---- the source ------------------------------------------------------------------------ */

static int cl_start(struct sdnd_source *s)
{
	struct cluster *c = cl_of(s);
	_cleanup_free_ char *text = NULL, *rev = NULL;
	size_t len, rlen;
	char name[1200];
	int r;

	s->rec->cluster = true;
	r = pthread_create(&c->keeper.th, NULL, keeper_main, &c->keeper);
	if (r) {
		log_err("cluster store: cannot start the lease keeper: %s", strerror(r));
		return -r;
	}
	c->keeper.running = true;
	load_members(c);
	c->members_dirty = false;
	make_members(c);
	/* the last good definition, until the store says otherwise */
	if (sdnd_read_file(c->cache_path, &text, &len) == 0 && len &&
	    sdnd_read_file(c->cache_rev_path, &rev, &rlen) == 0 && rlen) {
		c->config_rev = strtoll(rev, NULL, 10);
		snprintf(name, sizeof(name), "%s (revision %lld, kept from the cluster store)",
			 c->cache_path, (long long)c->config_rev);
		if (sdnd_rec_offer(s->rec, text, len, name, false, NULL) == 0)
			log_info("%s: running revision %lld until the cluster store answers",
				 c->cache_path, (long long)c->config_rev);
	}
	list(c);
	return 0;
}

static int cl_fd(struct sdnd_source *s)
{
	return etcd_fd(cl_of(s)->e);
}

static int cl_timeout_ms(struct sdnd_source *s)
{
	struct cluster *c = cl_of(s);
	uint64_t now = sdnd_now_ms(), next = 0;
	int t = etcd_timeout_ms(c->e);

	if (c->retry_at)
		next = c->retry_at;
	if (c->publish_at && (!next || c->publish_at < next))
		next = c->publish_at;
	if (c->connected && !c->lease && !c->granting && (!next || c->grant_at < next))
		next = c->grant_at ? c->grant_at : now;
	if (c->text_dirty || c->members_dirty || atomic_load(&c->keeper.lost) ||
	    (c->connected && c->lease && !c->registered && !c->registering))
		next = now;
	if (next) {
		int ms = next > now ? (int)(next - now) : 0;

		if (t < 0 || ms < t)
			t = ms;
	}
	return t;
}

static void cl_run(struct sdnd_source *s)
{
	struct cluster *c = cl_of(s);

	etcd_run(c->e);
	if (c->retry_at && c->retry_at <= sdnd_now_ms())
		list(c);
	if (c->publish_at && c->publish_at <= sdnd_now_ms()) {
		c->publish_at = 0;
		publish(c);
	}
	membership(c);
	/* a new generation, or a PUT's, whose client may be gone: reconcile it now */
	if (process(c) || s->rec->generation != c->reconciled_gen)
		s->changed(s->ctx);
	else
		publish(c); /* a rejected document changes the status without a reconcile */
}

static void cl_reload(struct sdnd_source *s, const char *why)
{
	struct cluster *c = cl_of(s);

	log_info("cluster store: reading everything again (%s)", why);
	c->backoff_ms = 0;
	list(c);
}

static void cl_etag(struct sdnd_source *s, char *buf, size_t size)
{
	snprintf(buf, size, "\"%lld\"", (long long)cl_of(s)->config_rev);
}

/* A PUT /v1/config on its way into the store. */
struct write {
	struct cluster *c;
	struct write *next;
	struct sdnd_generation g;
	uint64_t generation;           /* the running one when g was prepared */
	int64_t base;                  /* the revision it replaces */
	char msg[256];                 /* why the compare-and-swap failed */
	sdnd_write_done done;
	void *ctx;
};

static void unlink_write(struct cluster *c, struct write *w)
{
	struct write **p;

	for (p = &c->writes; *p; p = &(*p)->next)
		if (*p == w) {
			*p = w->next;
			break;
		}
	sdnd_generation_free(&w->g);
	free(w);
}

/* The store holds w's document at revision rev: run it. 0 or -errno (err says why). */
static int written(struct write *w, int64_t rev, char *err, size_t err_size)
{
	struct cluster *c = w->c;
	struct sdnd_reconciler *rec = c->s.rec;
	int r = 0;

	log_info("cluster store: wrote revision %lld", (long long)rev);
	if (rev < c->text_rev)
		return 0; /* a newer one came through the watch already */
	/* run now; the watch brings the same revision, found running already */
	free(c->text);
	c->text = w->g.text ? strdup(w->g.text) : NULL;
	c->len = w->g.len;
	c->text_rev = rev;
	c->text_dirty = false;
	if (rec->generation != w->generation) {
		/* something else ran meanwhile (other nodes came or went): expanded anew */
		c->text_dirty = true;
		return 0;
	}
	c->config_rev = rev;
	c->rejected_rev = 0;
	r = sdnd_rec_commit(rec, &w->g);
	if (r < 0)
		snprintf(err, err_size, "%s", strerror(-r));
	else
		persist(c);
	return r;
}

static void write_done(struct write *w, int r, const char *err)
{
	sdnd_write_done done = w->done;
	void *ctx = w->ctx;

	unlink_write(w->c, w);
	done(ctx, r, err);
}

/*
 * The definition read back after the compare-and-swap got no answer (it may have been done,
 * e.g. while this node spent longer than etcd's timeout in the kernel): it is done when the
 * store holds this document at a newer revision than the one it was to replace.
 */
static void cas_checked(void *ctx, const struct etcd_result *r)
{
	struct write *w = ctx;
	const struct etcd_kv *kv = r->n_kvs ? &r->kvs[0] : NULL;
	char err[512] = "";
	int ret;

	if (!r->err && kv && kv->mod_revision > w->base && kv->value_len == w->g.len &&
	    !memcmp(kv->value, w->g.text, w->g.len)) {
		ret = written(w, kv->mod_revision, err, sizeof(err));
	} else {
		snprintf(err, sizeof(err), "the cluster store (%s) did not take the definition: %s%s",
			 etcd_endpoint(w->c->e), w->msg, r->err ? " (and reading it back failed: "
			 "it may or may not be stored)" : "");
		ret = -EAGAIN;
	}
	write_done(w, ret, err);
}

static void cas_done(void *ctx, const struct etcd_result *r)
{
	struct write *w = ctx;
	struct cluster *c = w->c;
	char err[512] = "";
	int ret = 0;

	if (r->err) {
		sdnd_strlcpy(w->msg, r->msg, sizeof(w->msg));
		if (etcd_get(c->e, c->k_config, cas_checked, w) == 0)
			return;
		snprintf(err, sizeof(err), "the cluster store (%s) did not take the definition: %s",
			 etcd_endpoint(c->e), r->msg);
		ret = -EAGAIN;
	} else if (!r->succeeded) {
		ret = -ESTALE;
	} else {
		ret = written(w, r->revision, err, sizeof(err));
	}
	write_done(w, ret, err);
}

static int cl_write(struct sdnd_source *s, struct sdnd_generation *g, const char *if_match,
		    sdnd_write_done done, void *ctx, char *err, size_t err_size)
{
	struct cluster *c = cl_of(s);
	int64_t base = c->config_rev;
	struct write *w;
	int r;

	if (if_match && strcmp(if_match, "*"))
		base = strtoll(if_match + (*if_match == '"'), NULL, 10);
	if (!c->connected) {
		snprintf(err, err_size, "the cluster store (%s) is not reachable; the definition "
			 "stays at revision %lld", etcd_endpoint(c->e), (long long)c->config_rev);
		return -EAGAIN;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	r = etcd_cas(c->e, c->k_config, g->text, g->len, base, cas_done, w);
	if (r < 0) {
		snprintf(err, err_size, "%s", strerror(-r));
		free(w);
		return r;
	}
	/* etcd answers within its own timeouts, from run() */
	log_info("cluster store: writing the definition (if it is still revision %lld)",
		 (long long)base);
	w->c = c;
	w->g = *g;
	memset(g, 0, sizeof(*g));
	w->generation = s->rec->generation;
	w->base = base;
	w->done = done;
	w->ctx = ctx;
	w->next = c->writes;
	c->writes = w;
	return -EINPROGRESS;
}

static void cl_cancel_write(struct sdnd_source *s, void *ctx)
{
	struct cluster *c = cl_of(s);
	struct write *w;

	for (w = c->writes; w; w = w->next)
		if (w->ctx == ctx) {
			etcd_cancel(c->e, w);
			unlink_write(c, w);
			return;
		}
}

static void cl_reconciled(struct sdnd_source *s)
{
	cl_of(s)->reconciled_gen = s->rec->generation;
	publish(cl_of(s));
}

static struct json_object *cl_cluster_json(struct sdnd_source *s)
{
	struct cluster *c = cl_of(s);
	struct json_object *j = json_object_new_object(), *arr = json_object_new_array();
	struct json_object *seen = json_object_new_object();
	char ib[SDND_IP_STRLEN];
	size_t i;

	json_object_object_add(j, "store", json_object_new_string(etcd_endpoint(c->e)));
	json_object_object_add(j, "connected", json_object_new_boolean(c->connected));
	if (!c->connected && *c->error)
		json_object_object_add(j, "error", json_object_new_string(c->error));
	json_object_object_add(j, "revision", json_object_new_int64(c->config_rev));
	json_object_object_add(j, "store_revision", json_object_new_int64(c->text_rev));
	json_object_object_add(j, "node", json_object_new_string(c->node));
	for (i = 0; i < c->n_nodes; i++) {
		struct json_object *n = json_object_new_object(), *st;

		json_object_object_add(n, "name", json_object_new_string(c->nodes[i].m.name));
		json_object_object_add(n, "alive", json_object_new_boolean(true));
		json_object_object_add(n, "underlay", json_object_new_string(
						      sdnd_ip_str(&c->nodes[i].m.underlay, ib)));
		json_object_object_add(n, "mtu", json_object_new_int64(c->nodes[i].m.mtu));
		if (json_object_object_get_ex(c->statuses, c->nodes[i].m.name, &st))
			json_object_object_add(n, "status", json_object_get(st));
		json_object_array_add(arr, n);
		json_object_object_add(seen, c->nodes[i].m.name, NULL);
	}
	json_object_object_foreach(c->statuses, name, st)
	{
		struct json_object *n;

		if (json_object_object_get_ex(seen, name, NULL))
			continue;
		n = json_object_new_object();
		json_object_object_add(n, "name", json_object_new_string(name));
		json_object_object_add(n, "alive", json_object_new_boolean(false));
		json_object_object_add(n, "status", json_object_get(st));
		json_object_array_add(arr, n);
	}
	json_object_put(seen);
	json_object_object_add(j, "nodes", arr);
	return j;
}

static void cl_stop(struct sdnd_source *s, bool clean)
{
	struct cluster *c = cl_of(s);

	if (c->w) {
		etcd_watch_cancel(c->w);
		c->w = NULL;
	}
	keeper_stop(&c->keeper);
	/* the others remove this node's tunnels now, not when the lease expires */
	if (clean && c->lease && c->connected) {
		if (etcd_lease_revoke_sync(c->e, c->lease, 1000) == 0)
			log_info("cluster store: left the cluster (lease revoked)");
		c->lease = 0;
	}
}

static void cl_free(struct sdnd_source *s)
{
	struct cluster *c = cl_of(s);

	if (c->w)
		etcd_watch_cancel(c->w);
	while (c->writes)
		unlink_write(c, c->writes);
	keeper_stop(&c->keeper);
	etcd_free(c->keeper.e);
	if (c->keeper.efd >= 0)
		close(c->keeper.efd);
	etcd_free(c->e);
	free(c->members);
	json_object_put(c->statuses);
	free(c->prefix);
	free(c->k_config);
	free(c->k_nodes);
	free(c->k_status);
	free(c->k_mine);
	free(c->k_my_status);
	free(c->cache_path);
	free(c->cache_rev_path);
	free(c->members_path);
	free(c->text);
	free(c->nodes);
	free(c->published);
	free(c);
}

static const struct sdnd_source_ops cluster_ops = {
	.kind = "etcd",
	.start = cl_start,
	.fd = cl_fd,
	.timeout_ms = cl_timeout_ms,
	.run = cl_run,
	.reload = cl_reload,
	.write = cl_write,
	.cancel_write = cl_cancel_write,
	.etag = cl_etag,
	.reconciled = cl_reconciled,
	.cluster_json = cl_cluster_json,
	.stop = cl_stop,
	.free = cl_free,
};

size_t sdnd_cluster_offline(struct sdnd_source *s, struct sdnd_reconciler *rec)
{
	struct cluster *c = cl_of(s);

	s->rec = rec;
	rec->cluster = true;
	load_members(c);
	make_members(c);
	return rec->n_members;
}

/* The first line of path, for a password. */
static int read_secret(const char *path, char **ret)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t n = 0;
	ssize_t len;

	if (!f)
		return -errno;
	len = getline(&line, &n, f);
	if (len <= 0) {
		free(line);
		return -ENODATA;
	}
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	*ret = line;
	return 0;
}

int sdnd_cluster_new(struct sdnd_source **ret, const struct sdnd_cluster_opts *o, char *err,
		     size_t err_size)
{
	struct cluster *c;
	_cleanup_free_ char *password = NULL, *endpoints = NULL;
	const char *prefix = o->prefix ? o->prefix : "/sdnd", *p;
	struct etcd_opts eo = { .cacert = o->cacert, .cert = o->cert, .key = o->key,
				.user = o->user };
	size_t plen;
	int r;

	if (strncmp(o->store, "etcd://", 7) && strncmp(o->store, "etcds://", 8)) {
		snprintf(err, err_size, "\"%s\" is not etcd://HOST:PORT[,HOST:PORT...] (or "
			 "etcds:// for TLS)", o->store);
		return -EINVAL;
	}
	p = o->store + (o->store[4] == 's' ? 8 : 7);
	if (o->store[4] == 's') {
		/* every endpoint over TLS */
		_cleanup_free_ char *copy = strdup(p);
		char *tok, *save = NULL;
		size_t n = 0, cap = strlen(p) * 2 + 16;

		endpoints = calloc(1, cap);
		if (!copy || !endpoints)
			return -ENOMEM;
		for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
			n += (size_t)snprintf(endpoints + n, cap - n, "%shttps://%s", n ? "," : "",
					      tok);
		p = endpoints;
	}
	eo.endpoints = p;
	if (prefix[0] != '/' || strchr(prefix, ' ') || strlen(prefix) > 200) {
		snprintf(err, err_size, "--store-prefix: \"%s\" is not a key prefix (it begins "
			 "with /, has no spaces and at most 200 characters)", prefix);
		return -EINVAL;
	}
	if (!o->cert != !o->key) {
		snprintf(err, err_size, "--store-cert and --store-key go together");
		return -EINVAL;
	}
	if (!o->user != !o->password_file) {
		snprintf(err, err_size, "--store-user and --store-password-file go together");
		return -EINVAL;
	}
	if (o->password_file && (r = read_secret(o->password_file, &password)) < 0) {
		snprintf(err, err_size, "--store-password-file: %s: %s", o->password_file,
			 strerror(-r));
		return r;
	}
	eo.password = password;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->s.ops = &cluster_ops;
	c->ttl = o->lease_ttl ? o->lease_ttl : SDND_LEASE_TTL_DEFAULT;
	c->keeper.ttl = c->ttl;
	c->keeper.efd = -1;
	if (o->underlay) {
		if (sdnd_ip_parse(o->underlay, &c->underlay) < 0) {
			snprintf(err, err_size, "--underlay: \"%s\" is not an IP address",
				 o->underlay);
			free(c);
			return -EINVAL;
		}
		c->has_underlay = true;
	}
	if (o->node)
		sdnd_strlcpy(c->node, o->node, sizeof(c->node));
	else
		gethostname(c->node, sizeof(c->node) - 1);
	r = etcd_new(&c->e, &eo, err, err_size);
	if (r < 0) {
		free(c);
		return r;
	}
	c->keeper.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	r = c->keeper.efd < 0 ? -errno : etcd_new(&c->keeper.e, &eo, err, err_size);
	if (r < 0) {
		if (c->keeper.efd < 0)
			snprintf(err, err_size, "eventfd: %s", strerror(-r));
		cl_free(&c->s);
		return r;
	}
	c->statuses = json_object_new_object();
	plen = strlen(prefix);
	while (plen > 1 && prefix[plen - 1] == '/')
		plen--;
	if (asprintf(&c->prefix, "%.*s", (int)plen, prefix) < 0 ||
	    asprintf(&c->k_config, "%s/config", c->prefix) < 0 ||
	    asprintf(&c->k_nodes, "%s/nodes", c->prefix) < 0 ||
	    asprintf(&c->k_status, "%s/status", c->prefix) < 0 ||
	    asprintf(&c->k_mine, "%s/%s", c->k_nodes, c->node) < 0 ||
	    asprintf(&c->k_my_status, "%s/%s", c->k_status, c->node) < 0 ||
	    asprintf(&c->cache_path, "%s/cluster-config.yaml", o->state_dir) < 0 ||
	    asprintf(&c->cache_rev_path, "%s/cluster-revision", o->state_dir) < 0 ||
	    asprintf(&c->members_path, "%s/cluster-nodes.json", o->state_dir) < 0 || !c->statuses) {
		cl_free(&c->s);
		return -ENOMEM;
	}
	*ret = &c->s;
	return 0;
}
