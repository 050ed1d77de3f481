// SPDX-License-Identifier: GPL-2.0-or-later
#include "sdnd/reconcile.h"

#include <json-c/json.h>
#include <time.h>

#include "sdnd/kind.h"
#include "sdnd/log.h"
#include "sdnd/state.h"
#include "sdnd/util.h"
#include "zones/expand.h"

/* Retry after a failure that raced with other changes in the kernel. */
#define RETRY_RACED_MS 10
/* Applied this many times without the kernel keeping it: treat as failed and back off. */
#define MAX_ATTEMPTS 5
/* ... each within this long of the previous one */
#define REVERT_WINDOW_MS 100
/* Plan/apply rounds in one run: a replace or a newly created device may enable more work. */
#define MAX_ROUNDS 4

static const char *const state_names[_SDND_STATE_MAX] = {
	[SDND_STATE_IN_SYNC] = "in-sync",
	[SDND_STATE_PENDING] = "pending",
	[SDND_STATE_FAILED] = "failed",
};

const char *sdnd_state_to_string(enum sdnd_obj_state s)
{
	return (unsigned int)s < _SDND_STATE_MAX ? state_names[s] : NULL;
}

uint64_t sdnd_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

uint64_t sdnd_now_ms(void)
{
	return sdnd_now_us() / 1000;
}

static uint64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int sdnd_rec_init(struct sdnd_reconciler *rec, const char *state_dir, int event_buf)
{
	_cleanup_free_ char *owner_path = NULL, *att_path = NULL;
	int r;

	memset(rec, 0, sizeof(*rec));
	if (state_dir) {
		if (asprintf(&owner_path, "%s/owned.json", state_dir) < 0 ||
		    asprintf(&att_path, "%s/attachments.json", state_dir) < 0 ||
		    asprintf(&rec->status_path, "%s/status.json", state_dir) < 0)
			return -ENOMEM;
	}
	r = sdnd_owner_load(&rec->owner, owner_path);
	if (r < 0 && r != -EBADMSG)
		return r;
	if (att_path) {
		r = sdnd_attachments_load(&rec->atts, att_path);
		if (r < 0 && r != -EBADMSG)
			return r;
	}
	r = snl_open(&rec->nl, event_buf);
	if (r < 0) {
		log_err("cannot open rtnetlink: %s", strerror(-r));
		return r;
	}
	sdnd_fw_init(&rec->fw);
	r = sdnd_cache_dump(&rec->cache, &rec->nl);
	if (r < 0)
		log_err("cannot read the kernel's links: %s", strerror(-r));
	return r;
}

void sdnd_rec_free(struct sdnd_reconciler *rec)
{
	zone_config_free(rec->cfg);
	sdnd_objset_clear(&rec->want);
	free(rec->st);
	free(rec->conflicts);
	free(rec->config_path);
	free(rec->config_text);
	free(rec->status_path);
	sdnd_cache_free(&rec->cache);
	sdnd_owner_free(&rec->owner);
	sdnd_attachments_free(&rec->atts);
	sdnd_fw_free(&rec->fw);
	snl_close(&rec->nl);
	memset(rec, 0, sizeof(*rec));
}

void sdnd_generation_free(struct sdnd_generation *g)
{
	zone_config_free(g->cfg);
	sdnd_objset_clear(&g->want);
	free(g->text);
	memset(g, 0, sizeof(*g));
}

static void hash_text(const char *buf, size_t len, char *out)
{
	snprintf(out, 17, "%08x%08x", sdnd_hash(buf, len), sdnd_hash(buf, len / 2));
}

int sdnd_rec_prepare(struct sdnd_reconciler *rec, const char *buf, size_t len, const char *name,
		     struct sdnd_generation *ret, struct zone_errors *errs)
{
	struct sdnd_generation g = { 0 };
	char host[ZONE_NODE_NAME_MAX + 1] = "localhost";
	struct zone_env env;
	int r;

	sdnd_rec_refresh(rec);
	if (*rec->node)
		sdnd_strlcpy(host, rec->node, sizeof(host));
	else
		gethostname(host, sizeof(host) - 1);
	r = sdnd_cache_env(&rec->cache, host, &env);
	if (r < 0)
		return r;
	env.cluster = rec->cluster;
	env.members = rec->members;
	env.n_members = rec->n_members;
	r = zone_parse(buf, len, name, &env, &g.cfg, errs);
	if (r < 0)
		return r;
	/* the firewalls of attachments made through the API must still find what they use */
	for (size_t i = 0; i < rec->atts.n; i++) {
		const struct sdnd_attach *a = &rec->atts.a[i];
		char msg[256];

		if (a->fw && fw_nic_check_refs(a->fw, &g.cfg->fw, msg, sizeof(msg)) < 0) {
			zone_errors_add(errs, "%s: attachment %s (made through the control API): "
				        "firewall: %s", name, a->ifname, msg);
			r = -EINVAL;
		}
	}
	if (r < 0) {
		sdnd_generation_free(&g);
		return r;
	}
	r = zone_expand(g.cfg, &env, &g.want);
	if (r == 0) {
		g.text = malloc(len + 2);
		if (!g.text)
			r = -ENOMEM;
	}
	if (r < 0) {
		sdnd_generation_free(&g);
		return r;
	}
	/* kept as it will be written to the file: ending with a newline */
	memcpy(g.text, buf, len);
	if (!len || buf[len - 1] != '\n')
		g.text[len++] = '\n';
	g.text[len] = '\0';
	g.len = len;
	hash_text(g.text, len, g.hash);
	*ret = g;
	return 0;
}

int sdnd_rec_commit(struct sdnd_reconciler *rec, struct sdnd_generation *g)
{
	struct sdnd_objstate *st = calloc(g->want.n ? g->want.n : 1, sizeof(*st));
	bool brports = false;
	size_t i;

	if (!st)
		return -ENOMEM;
	for (i = 0; i < g->want.n; i++) {
		st[i].state = SDND_STATE_PENDING;
		/* bridge port state (VLANs, flags) is read only when the configuration needs it */
		brports |= g->want.objs[i].kind == SDND_KIND_VIDS ||
			   (g->want.objs[i].kind == SDND_KIND_BRIDGE &&
			    g->want.objs[i].link.isolate_ports);
	}
	if (brports && !rec->cache.want_brports)
		rec->cache.stale = true;
	rec->cache.want_brports = brports;

	zone_config_free(rec->cfg);
	sdnd_objset_clear(&rec->want);
	free(rec->st);
	free(rec->config_text);
	rec->cfg = TAKE_PTR(g->cfg);
	rec->want = g->want;
	memset(&g->want, 0, sizeof(g->want));
	rec->config_text = TAKE_PTR(g->text);
	rec->config_len = g->len;
	rec->st = st;
	rec->generation++;
	memcpy(rec->config_hash, g->hash, sizeof(rec->config_hash));
	rec->last_load_error[0] = '\0';
	rec->fresh = true;
	sdnd_generation_free(g);
	return 0;
}

/* Keep the errors of a rejected document for the status file, and print or log them. */
static void record_load_errors(struct sdnd_reconciler *rec, const char *name,
			       const struct zone_errors *errs, FILE *err)
{
	size_t off = 0, i;

	rec->last_load_error[0] = '\0';
	for (i = 0; i < errs->n; i++) {
		if (err)
			fprintf(err, "%s\n", errs->msgs[i]);
		else
			log_err("%s", errs->msgs[i]);
		if (off < sizeof(rec->last_load_error))
			off += (size_t)snprintf(rec->last_load_error + off,
						sizeof(rec->last_load_error) - off, "%s%s", i ? "; " : "",
						errs->msgs[i]);
	}
	if (!err)
		log_err("%s rejected (%zu error%s); keeping the running configuration", name,
			errs->n, errs->n == 1 ? "" : "s");
}

int sdnd_rec_offer(struct sdnd_reconciler *rec, const char *buf, size_t len, const char *name,
		   bool again, FILE *err)
{
	struct zone_errors errs = { 0 };
	struct sdnd_generation g = { 0 };
	bool nl = len && buf[len - 1] == '\n';
	int r;

	/*
	 * The same document again (a touch, an editor saving unchanged, the API's own write): no
	 * new generation. The running text is kept ending with a newline; compare it so.
	 */
	if (!again && rec->cfg && rec->config_len == len + !nl && !memcmp(rec->config_text, buf, len) &&
	    (nl || rec->config_text[len] == '\n')) {
		rec->last_load_error[0] = '\0';
		return 0;
	}
	r = sdnd_rec_prepare(rec, buf, len, name, &g, &errs);
	if (r < 0) {
		record_load_errors(rec, name, &errs, err);
		zone_errors_clear(&errs);
		return r;
	}
	return sdnd_rec_commit(rec, &g);
}

int sdnd_rec_load(struct sdnd_reconciler *rec, const char *path, FILE *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r;

	r = sdnd_read_file(path, &buf, &len);
	if (r < 0) {
		snprintf(rec->last_load_error, sizeof(rec->last_load_error), "%s: %s", path,
			 strerror(-r));
		if (err)
			fprintf(err, "%s\n", rec->last_load_error);
		else
			log_err("%s; keeping the running configuration", rec->last_load_error);
		return r;
	}
	r = sdnd_rec_offer(rec, buf, len, path, false, err);
	if (r < 0)
		return r;
	if (path != rec->config_path) {
		free(rec->config_path);
		rec->config_path = strdup(path);
	}
	return 0;
}

int sdnd_rec_refresh(struct sdnd_reconciler *rec)
{
	int r;

	if (!rec->cache.stale)
		return 0;
	r = sdnd_cache_dump(&rec->cache, &rec->nl);
	if (r == 0)
		rec->n_resyncs++;
	return r;
}

int sdnd_rec_plan(struct sdnd_reconciler *rec, struct sdnd_plan *ret_plan)
{
	int r = sdnd_rec_refresh(rec);

	if (r < 0)
		return r;
	return sdnd_plan_compute(&rec->want, &rec->atts, &rec->cache, &rec->owner, ret_plan);
}

/*
 * The state of a wanted object: of the generation, or of the attachment a guest port object
 * serves; NULL for others (the isolation of a port nobody attached).
 */
static struct sdnd_objstate *want_state(struct sdnd_reconciler *rec, const struct sdnd_obj *w)
{
	struct sdnd_attach *a;

	if (!w)
		return NULL;
	if (w >= rec->want.objs && w < rec->want.objs + rec->want.n)
		return &rec->st[w - rec->want.objs];
	a = sdnd_attachments_find(&rec->atts, sdnd_obj_ifname(w));
	return a && !strcmp(a->vnet, w->vnet) ? &a->st : NULL;
}

/* What the operator sees of each attachment after a run; unplug records that are done. */
static void attachments_done(struct sdnd_reconciler *rec)
{
	size_t i;

	for (i = rec->atts.n_unplug; i-- > 0;) {
		const struct sdnd_unplug *u = &rec->atts.unplug[i];
		const struct sdnd_link *l = sdnd_cache_link(&rec->cache, u->ifname);
		const struct sdnd_link *br = sdnd_cache_link(&rec->cache, u->bridge);

		/* gone, or no longer in that bridge: nothing left to unplug */
		if (!l || !br || l->master_ifindex != br->ifindex ||
		    (u->ifindex && u->ifindex != l->ifindex))
			sdnd_attachments_unplug_done(&rec->atts, u->ifname);
	}

	for (i = 0; i < rec->atts.n; i++) {
		struct sdnd_attach *a = &rec->atts.a[i];
		const char *why;
		size_t c;

		/* the stale static entry is gone once no run had anything left to delete */
		if (a->has_stale_mac && a->st.state == SDND_STATE_IN_SYNC)
			a->has_stale_mac = false;
		a->msg[0] = '\0';
		if (!sdnd_plan_vnet_bridge(&rec->want, a->vnet)) {
			a->state = SDND_ATTACH_ORPHANED;
			snprintf(a->msg, sizeof(a->msg), "vnet %s is not in this node's configuration",
				 a->vnet);
			continue;
		}
		for (c = 0; c < rec->n_conflicts; c++)
			if (!strcmp(rec->conflicts[c].vnet, a->vnet))
				break;
		if (c < rec->n_conflicts) {
			a->state = SDND_ATTACH_FAILED;
			snprintf(a->msg, sizeof(a->msg), "vnet %s: %s", a->vnet,
				 rec->conflicts[c].msg);
			continue;
		}
		a->state = sdnd_plan_attach_blocked(a, &rec->want, &rec->cache, &rec->owner, &why);
		if (a->state != SDND_ATTACH_PLUGGED) {
			snprintf(a->msg, sizeof(a->msg), "%s", why);
			continue;
		}
		a->state = a->st.state == SDND_STATE_IN_SYNC ? SDND_ATTACH_PLUGGED :
			   a->st.state == SDND_STATE_PENDING ? SDND_ATTACH_PENDING :
							       SDND_ATTACH_FAILED;
		snprintf(a->msg, sizeof(a->msg), "%s", a->st.msg);
	}
}

/* Record ownership of links and addresses about to be created (ifindex unknown yet). */
static void own_intents(struct sdnd_reconciler *rec, const struct sdnd_action *acts, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct sdnd_obj *w = acts[i].want;

		if (!w)
			continue;
		if (w->kind == SDND_KIND_VIDS && w->vids.subset)
			sdnd_owner_set(&rec->owner, w->key, "", 0);
		/* the uplink's protocol before sdnd changed it, to put it back later */
		if (w->kind == SDND_KIND_BRPROTO && acts[i].have &&
		    !sdnd_owner_get(&rec->owner, w->key)) {
			char orig[16];

			snprintf(orig, sizeof(orig), "0x%04x", acts[i].have->brproto.vlan_protocol);
			sdnd_owner_set(&rec->owner, w->key, orig, 0);
		}
		if (acts[i].type != SDND_ACT_CREATE && acts[i].type != SDND_ACT_REPLACE)
			continue;
		if (sdnd_obj_is_link(w))
			sdnd_owner_set(&rec->owner, w->key, sdnd_kind_info_kind(w->kind), 0);
		else if (w->kind == SDND_KIND_ADDR)
			sdnd_owner_set(&rec->owner, w->key, "", 0);
	}
}

/*
 * A create (or the create half of a replace) failed: whatever holds the name now is not sdnd's,
 * unless it is the very device a failed replace did not manage to delete.
 */
static void forget_intent(struct sdnd_reconciler *rec, const struct sdnd_action *a)
{
	const struct sdnd_owner_entry *e = sdnd_owner_get(&rec->owner, a->want->key);
	const struct sdnd_link *l;

	if (!e || e->ifindex)
		return;
	if (a->type == SDND_ACT_REPLACE && sdnd_obj_is_link(a->have)) {
		l = sdnd_cache_link(&rec->cache, a->have->link.ifname);
		if (l && l->ifindex == a->have->link.ifindex) {
			sdnd_owner_set(&rec->owner, a->want->key, l->kind, l->ifindex);
			return;
		}
	}
	sdnd_owner_del(&rec->owner, a->want->key);
}

/* After a group ran: ownership of what was created or deleted, each object's state, logs. */
static void group_done(struct sdnd_reconciler *rec, struct sdnd_action *acts, size_t n,
		       const struct snl_batch *b, const int *enc_err, bool repair, bool raced,
		       uint64_t now)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		const struct sdnd_action *a = &acts[i];
		const struct sdnd_obj *o = a->want ? a->want : a->have;
		struct sdnd_objstate *s = want_state(rec, a->want);
		char line[1024], msg[SNL_EXTACK_MAX + 64];
		int enc = enc_err[i], err = enc;
		const char *extack = "";

		for (j = 0; !err && j < b->n; j++) {
			if (b->reqs[j].tag == i && b->reqs[j].err) {
				err = b->reqs[j].err;
				extack = b->reqs[j].extack;
			}
		}
		sdnd_action_format(a, line, sizeof(line));
		if (a->type == SDND_ACT_DELETE &&
		    (!err || err == -ENODEV || err == -ENOENT || err == -EADDRNOTAVAIL)) {
			/* deleted, or already gone */
			if (!rec->quiet)
				log_info("%s", line);
			sdnd_owner_del(&rec->owner, o->key);
			if (o->kind == SDND_KIND_PORT)
				sdnd_attachments_unplug_done(&rec->atts, o->port.ifname);
			continue;
		}
		log_debug("%s: encode %d, kernel %d%s%s", line, enc, err, *extack ? ": " : "", extack);
		if (enc == -ENODEV || (err == -ENODEV && a->type != SDND_ACT_CREATE)) {
			/* A device it needs is missing, or the one it changes just vanished: the
			 * kernel's notification will bring the next round. */
			if (s) {
				s->state = SDND_STATE_PENDING;
				snprintf(s->msg, sizeof(s->msg), "waiting for a device it needs");
			}
			continue;
		}
		if (err) {
			if (*extack)
				snprintf(msg, sizeof(msg), "%s (%s)", strerror(-err), extack);
			else
				snprintf(msg, sizeof(msg), "%s", strerror(-err));
			log_err("vnet %s: %s: %s", *o->vnet ? o->vnet : "-", line, msg);
			rec->n_failures++;
			if (a->type == SDND_ACT_CREATE || a->type == SDND_ACT_REPLACE)
				forget_intent(rec, a);
			if (s) {
				s->attempts++;
				sdnd_objstate_fail(s, err, msg, now);
				/*
				 * The kernel changed while the batch ran (a device going away
				 * fails requests with odd errors before it is announced): try
				 * again right after its notifications, without backoff.
				 */
				if (raced && s->attempts < MAX_ATTEMPTS)
					s->next_retry_ms = now + RETRY_RACED_MS;
			}
			continue;
		}
		if (!rec->quiet)
			log_info("%s%s", repair ? "repair: " : "", line);
		rec->n_actions++;
		if (repair)
			rec->n_repairs++;
		if (s) {
			/*
			 * Only changes undone right away count as the kernel not keeping them
			 * (drift now and then is repaired every time), once per run for all
			 * objects sharing this state.
			 */
			if (now > s->last_applied_ms + REVERT_WINDOW_MS)
				s->attempts = 0;
			if (now != s->last_applied_ms || !s->attempts)
				s->attempts++;
			s->last_applied_ms = now;
			s->state = SDND_STATE_IN_SYNC;
			s->msg[0] = '\0';
			s->err = 0;
			if (s->attempts >= MAX_ATTEMPTS)
				sdnd_objstate_fail(s, -EAGAIN, "the kernel does not keep this change", now);
		}
		if (a->want && sdnd_obj_is_link(a->want)) {
			const struct sdnd_link *l = sdnd_cache_link(&rec->cache, a->want->link.ifname);

			if (l && (a->type != SDND_ACT_UPDATE))
				sdnd_owner_set(&rec->owner, a->want->key,
					       sdnd_kind_info_kind(a->want->kind), l->ifindex);
		}
	}
}

/* Execute one group of actions of the same kind order as one batch. */
static int run_group(struct sdnd_reconciler *rec, struct sdnd_action *acts, size_t n, bool repair,
		     uint64_t now)
{
	struct sdnd_resolver res = { .ifindex = sdnd_cache_ifindex, .ctx = &rec->cache };
	struct snl_batch *b = calloc(1, sizeof(*b));
	_cleanup_free_ int *enc_err = calloc(n, sizeof(int));
	uint64_t events;
	size_t i;
	int r = 0;

	if (!b || !enc_err) {
		free(b);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		const struct sdnd_action *a = &acts[i];
		const struct sdnd_kind_ops *ops = sdnd_kind_ops((a->want ? a->want : a->have)->kind);

		if (a->type == SDND_ACT_REPLACE || a->type == SDND_ACT_DELETE)
			enc_err[i] = ops->encode(a, SDND_ACT_DELETE, b, &res, (uint32_t)i);
		if (!enc_err[i] && a->type != SDND_ACT_DELETE)
			enc_err[i] = ops->encode(a, a->type == SDND_ACT_UPDATE ? SDND_ACT_UPDATE :
						 SDND_ACT_CREATE, b, &res, (uint32_t)i);
	}
	if (b->n)
		r = snl_batch_run(&rec->nl, b);
	/* The kernel queued its notifications before the acks: learn new ifindexes now. */
	events = rec->cache.n_events;
	sdnd_cache_read_events(&rec->cache, &rec->nl);
	sdnd_rec_refresh(rec);
	group_done(rec, acts, n, b, enc_err, repair, rec->cache.n_events != events, now);
	snl_batch_free(b);
	free(b);
	return r;
}

static int action_group_order(const struct sdnd_action *a)
{
	int order = (int)sdnd_kind_ops((a->want ? a->want : a->have)->kind)->order;

	return a->type == SDND_ACT_DELETE ? -order : order;
}

int sdnd_rec_run(struct sdnd_reconciler *rec, uint64_t *ret_next_ms)
{
	uint64_t t0 = sdnd_now_us(), now = t0 / 1000, next = 0;
	bool repair = !rec->fresh, resync = rec->cache.stale;
	unsigned int round, executed = 0;
	size_t i;
	int r = 0, bad = 0;

	if (!rec->cfg)
		return 0;
	sdnd_cache_read_events(&rec->cache, &rec->nl);
	for (round = 0; round < MAX_ROUNDS; round++) {
		struct sdnd_plan plan;
		size_t n = 0, start;

		r = sdnd_rec_plan(rec, &plan);
		if (r < 0)
			return r;
		if (round == 0) {
			/* Objects without an action are in sync; conflicts fail their vnet. */
			for (i = 0; i < rec->want.n; i++) {
				rec->st[i].state = SDND_STATE_IN_SYNC;
				rec->st[i].msg[0] = '\0';
			}
			for (i = 0; i < rec->atts.n; i++) {
				rec->atts.a[i].st.state = SDND_STATE_IN_SYNC;
				rec->atts.a[i].st.msg[0] = '\0';
			}
			for (i = 0; i < plan.n; i++) {
				struct sdnd_objstate *s = want_state(rec, plan.acts[i].want);

				if (s && s->next_retry_ms <= now) {
					s->state = SDND_STATE_PENDING;
				} else if (s) {
					s->state = SDND_STATE_FAILED;
					if (!s->msg[0])
						snprintf(s->msg, sizeof(s->msg), "retrying later");
				}
			}
			for (i = 0; i < rec->want.n; i++)
				if (rec->st[i].state == SDND_STATE_IN_SYNC)
					rec->st[i].attempts = 0;
			for (i = 0; i < rec->atts.n; i++)
				if (rec->atts.a[i].st.state == SDND_STATE_IN_SYNC)
					rec->atts.a[i].st.attempts = 0;
			free(rec->conflicts);
			rec->conflicts = NULL;
			rec->n_conflicts = plan.n_conflicts;
			if (plan.n_conflicts) {
				rec->conflicts = malloc(plan.n_conflicts * sizeof(*plan.conflicts));
				if (rec->conflicts)
					memcpy(rec->conflicts, plan.conflicts,
					       plan.n_conflicts * sizeof(*plan.conflicts));
				else
					rec->n_conflicts = 0;
			}
			for (i = 0; i < rec->want.n; i++) {
				if (!sdnd_plan_vnet_conflicts(&plan, rec->want.objs[i].vnet))
					continue;
				rec->st[i].state = SDND_STATE_FAILED;
				snprintf(rec->st[i].msg, sizeof(rec->st[i].msg), "%s",
					 plan.conflicts[0].msg);
			}
			for (i = 0; i < plan.n_conflicts; i++) {
				size_t j;

				for (j = 0; j < rec->want.n; j++)
					if (!strcmp(rec->want.objs[j].vnet, plan.conflicts[i].vnet))
						snprintf(rec->st[j].msg, sizeof(rec->st[j].msg),
							 "%s", plan.conflicts[i].msg);
			}
		}
		/* Keep only actions that are not backing off. */
		for (i = 0; i < plan.n; i++) {
			struct sdnd_objstate *s = want_state(rec, plan.acts[i].want);

			if (s && s->next_retry_ms > now)
				continue;
			plan.acts[n++] = plan.acts[i];
		}
		if (!n) {
			sdnd_plan_free(&plan);
			break;
		}
		own_intents(rec, plan.acts, n);
		sdnd_owner_save(&rec->owner);
		for (start = 0; start < n;) {
			size_t end = start + 1;

			while (end < n && action_group_order(&plan.acts[end]) ==
						  action_group_order(&plan.acts[start]))
				end++;
			r = run_group(rec, plan.acts + start, end - start, repair, now);
			if (r < 0)
				log_err("netlink: %s", strerror(-r));
			start = end;
		}
		executed += (unsigned int)n;
		sdnd_plan_free(&plan);
	}
	sdnd_owner_save(&rec->owner);

	for (i = 0; i < rec->want.n; i++) {
		if (rec->st[i].state == SDND_STATE_IN_SYNC)
			continue;
		bad++;
		if (rec->st[i].state == SDND_STATE_FAILED && rec->st[i].next_retry_ms &&
		    (!next || rec->st[i].next_retry_ms < next))
			next = rec->st[i].next_retry_ms;
	}
	attachments_done(rec);
	for (i = 0; i < rec->atts.n; i++) {
		const struct sdnd_objstate *s = &rec->atts.a[i].st;

		if (rec->atts.a[i].state == SDND_ATTACH_FAILED ||
		    rec->atts.a[i].state == SDND_ATTACH_PENDING)
			bad++;
		if (s->state == SDND_STATE_FAILED && s->next_retry_ms &&
		    (!next || s->next_retry_ms < next))
			next = s->next_retry_ms;
	}
	{
		uint64_t fw_next;
		uint64_t batches = rec->fw.n_batches;

		if (resync)
			sdnd_fw_stale(&rec->fw);
		r = sdnd_fw_sync(rec, repair, now, &fw_next);
		if (r < 0)
			return r;
		bad += r;
		if (fw_next && (!next || fw_next < next))
			next = fw_next;
		executed += (unsigned int)(rec->fw.n_batches - batches);
		/* a firewall batch counts as one change (of the configuration, or a repair) */
		rec->n_actions += rec->fw.n_batches - batches;
		if (repair)
			rec->n_repairs += rec->fw.n_batches - batches;
	}
	rec->n_reconciles++;
	rec->last_changes = executed;
	rec->fresh = false;
	rec->last_reconcile_ms = wall_ms();
	rec->last_run_us = sdnd_now_us() - t0;
	if (executed) {
		static const uint64_t bounds_us[SDND_LATENCY_BUCKETS] = {
			1000, 5000, 10000, 25000, 50000, 100000, 250000, 1000000
		};

		for (i = 0; i < SDND_LATENCY_BUCKETS; i++)
			if (rec->last_run_us <= bounds_us[i])
				rec->apply_buckets[i]++;
		rec->apply_count++;
		rec->apply_sum_us += rec->last_run_us;
	}
	if (resync)
		rec->last_resync_us = rec->last_run_us;
	if (ret_next_ms)
		*ret_next_ms = next;
	return bad;
}

struct json_object *sdnd_rec_status_json(const struct sdnd_reconciler *rec)
{
	struct json_object *root, *objs, *counts, *conf;
	unsigned int by_state[_SDND_STATE_MAX] = { 0 };
	size_t i;

	root = json_object_new_object();
	objs = json_object_new_array_ext((int)rec->want.n);
	json_object_object_add(root, "node",
			       json_object_new_string(rec->cfg ? rec->cfg->node : rec->node));
	json_object_object_add(root, "version", json_object_new_string(SDND_VERSION));
	json_object_object_add(root, "pid", json_object_new_int(getpid()));
	json_object_object_add(root, "config", json_object_new_string(rec->config_path ?
								       rec->config_path : ""));
	json_object_object_add(root, "generation", json_object_new_int64((int64_t)rec->generation));
	json_object_object_add(root, "config_hash", json_object_new_string(rec->config_hash));
	if (*rec->last_load_error)
		json_object_object_add(root, "config_error",
				       json_object_new_string(rec->last_load_error));
	json_object_object_add(root, "last_reconcile_ms",
			       json_object_new_int64((int64_t)rec->last_reconcile_ms));
	json_object_object_add(root, "last_run_us", json_object_new_int64((int64_t)rec->last_run_us));
	json_object_object_add(root, "last_resync_us",
			       json_object_new_int64((int64_t)rec->last_resync_us));
	for (i = 0; i < rec->want.n; i++) {
		const struct sdnd_obj *o = &rec->want.objs[i];
		const struct sdnd_objstate *s = &rec->st[i];
		struct json_object *j = json_object_new_object();

		by_state[s->state]++;
		json_object_object_add(j, "key", json_object_new_string(o->key));
		json_object_object_add(j, "kind", json_object_new_string(sdnd_kind_to_string(o->kind)));
		json_object_object_add(j, "name", json_object_new_string(sdnd_obj_ifname(o)));
		json_object_object_add(j, "vnet", json_object_new_string(o->vnet));
		json_object_object_add(j, "state",
				       json_object_new_string(sdnd_state_to_string(s->state)));
		if (*s->msg)
			json_object_object_add(j, "error", json_object_new_string(s->msg));
		json_object_array_add(objs, j);
	}
	json_object_object_add(root, "objects", objs);
	counts = json_object_new_object();
	for (i = 0; i < _SDND_STATE_MAX; i++)
		json_object_object_add(counts, sdnd_state_to_string((enum sdnd_obj_state)i),
				       json_object_new_int((int)by_state[i]));
	json_object_object_add(root, "summary", counts);
	conf = json_object_new_array();
	for (i = 0; i < rec->n_conflicts; i++) {
		struct json_object *c = json_object_new_object();

		json_object_object_add(c, "vnet", json_object_new_string(rec->conflicts[i].vnet));
		json_object_object_add(c, "interface",
				       json_object_new_string(rec->conflicts[i].ifname));
		json_object_object_add(c, "error", json_object_new_string(rec->conflicts[i].msg));
		json_object_array_add(conf, c);
	}
	json_object_object_add(root, "conflicts", conf);
	sdnd_rec_attachments_json(rec, root);
	json_object_object_add(root, "firewall", sdnd_fw_status_json(&rec->fw));
	counts = json_object_new_object();
	json_object_object_add(counts, "reconciles", json_object_new_int64((int64_t)rec->n_reconciles));
	json_object_object_add(counts, "actions", json_object_new_int64((int64_t)rec->n_actions));
	json_object_object_add(counts, "repairs", json_object_new_int64((int64_t)rec->n_repairs));
	json_object_object_add(counts, "failures", json_object_new_int64((int64_t)rec->n_failures));
	json_object_object_add(counts, "resyncs", json_object_new_int64((int64_t)rec->n_resyncs));
	json_object_object_add(counts, "netlink_requests",
			       json_object_new_int64((int64_t)rec->nl.n_requests));
	json_object_object_add(counts, "netlink_errors",
			       json_object_new_int64((int64_t)rec->nl.n_errors));
	json_object_object_add(counts, "enobufs", json_object_new_int64((int64_t)rec->nl.n_enobufs));
	json_object_object_add(root, "counters", counts);
	return root;
}

void sdnd_rec_attachments_json(const struct sdnd_reconciler *rec, struct json_object *root)
{
	unsigned int by_state[_SDND_ATTACH_STATE_MAX] = { 0 };
	struct json_object *arr = json_object_new_array_ext((int)rec->atts.n), *sum;
	size_t i;

	for (i = 0; i < rec->atts.n; i++) {
		by_state[rec->atts.a[i].state]++;
		json_object_array_add(arr, sdnd_attach_to_json(&rec->atts.a[i], true));
	}
	json_object_object_add(root, "attachments", arr);
	sum = json_object_new_object();
	for (i = 0; i < SDND_ATTACH_DETACHED; i++)
		json_object_object_add(sum,
				       sdnd_attach_state_to_string((enum sdnd_attach_state)i),
				       json_object_new_int((int)by_state[i]));
	json_object_object_add(root, "attachment_summary", sum);
}

int sdnd_rec_write_status(struct sdnd_reconciler *rec)
{
	struct json_object *root;
	int r;

	if (!rec->status_path)
		return 0;
	root = sdnd_rec_status_json(rec);
	r = sdnd_write_atomic(rec->status_path,
			      json_object_to_json_string_ext(root, SDND_JSON_FLAGS));
	json_object_put(root);
	return r;
}
