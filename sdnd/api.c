// SPDX-License-Identifier: GPL-2.0-or-later
#include "sdnd/api.h"

#include <grp.h>
#include <microhttpd.h>
#include <netdb.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "sdnd/log.h"
#include "sdnd/plan.h"
#include "sdnd/source.h"
#include "sdnd/state.h"
#include "sdnd/util.h"

/* One listening socket: the unix socket, or the optional TCP one. */
struct listener {
	struct sdnd_api *api;
	struct MHD_Daemon *mhd;
	int fd;
	bool tcp;                       /* clients authenticate with the bearer token */
};

struct sdnd_api {
	struct listener unix_l, tcp_l;
	int epfd;                       /* both listeners' epoll fds */
	char *path;
	gid_t gid;                      /* the group allowed besides root; (gid_t)-1: none */
	char *token;                    /* the TCP listener's bearer token */
	struct sdnd_api_hooks hooks;
	struct req *waiting;            /* PUT /v1/config waiting for the source, suspended */
	bool resumed;                   /* one of them has its answer: run libmicrohttpd */
};

/* One request being read. */
struct req {
	char *body;
	size_t len, cap;
	bool too_big;
	bool allowed;
	bool unauthenticated;           /* TCP: no or a wrong bearer token */
	/* PUT /v1/config while the source stores it (its connection suspended meanwhile) */
	struct sdnd_api *api;
	struct MHD_Connection *conn;
	struct req *next;
	struct json_object *plan;
	bool waiting, written;
	int result;
	char err[512];
};

/* Is the peer root, or in the API's group (primary or supplementary)? */
static bool peer_allowed(const struct sdnd_api *api, int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	char path[64], line[512];
	_cleanup_fclose_ FILE *f = NULL;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return false;
	if (cred.uid == 0)
		return true;
	if (api->gid == (gid_t)-1)
		return false;
	if (cred.gid == api->gid)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)cred.pid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f)) {
		char *p, *end;

		if (strncmp(line, "Groups:", 7))
			continue;
		for (p = line + 7;; p = end) {
			unsigned long g = strtoul(p, &end, 10);

			if (end == p)
				break;
			if (g == api->gid)
				return true;
		}
	}
	return false;
}

static enum MHD_Result respond_full(struct MHD_Connection *c, unsigned int code,
				    const char *type, const char *body, const char *etag,
				    const char *allow)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body,
								 MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (etag)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	if (code == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result respond(struct MHD_Connection *c, unsigned int code, const char *type,
			       const char *body, const char *etag)
{
	return respond_full(c, code, type, body, etag, NULL);
}

/* Respond with a JSON object (consumed). */
static enum MHD_Result respond_json(struct MHD_Connection *c, unsigned int code,
				    struct json_object *j, const char *etag)
{
	enum MHD_Result r = respond(c, code, "application/json",
				    json_object_to_json_string_ext(j, SDND_JSON_FLAGS),
				    etag);

	json_object_put(j);
	return r;
}

static enum MHD_Result respond_405(struct MHD_Connection *c, const char *allow)
{
	struct json_object *j = json_object_new_object();
	char msg[64];
	enum MHD_Result r;

	snprintf(msg, sizeof(msg), "use %s", allow);
	json_object_object_add(j, "error", json_object_new_string(msg));
	r = respond_full(c, MHD_HTTP_METHOD_NOT_ALLOWED, "application/json",
			 json_object_to_json_string_ext(j, SDND_JSON_FLAGS),
			 NULL, allow);
	json_object_put(j);
	return r;
}

static enum MHD_Result respond_error(struct MHD_Connection *c, unsigned int code,
				     const char *msg, const char *where)
{
	struct json_object *j = json_object_new_object();

	json_object_object_add(j, "error", json_object_new_string(msg));
	if (where)
		json_object_object_add(j, "where", json_object_new_string(where));
	return respond_json(c, code, j, NULL);
}

static void etag_of(struct sdnd_api *api, char *buf, size_t size)
{
	api->hooks.src->ops->etag(api->hooks.src, buf, size);
}

static struct json_object *plan_json(struct sdnd_reconciler *rec, const struct sdnd_objset *want,
				     int *ret_err)
{
	struct sdnd_plan plan;
	struct json_object *j;
	int r;

	sdnd_rec_refresh(rec);
	r = sdnd_plan_compute(want, &rec->atts, &rec->cache, &rec->owner, &plan);
	if (r < 0) {
		*ret_err = r;
		return NULL;
	}
	j = sdnd_plan_to_json(&plan);
	sdnd_plan_free(&plan);
	return j;
}

static void metric(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void metric(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(*buf ? *buf + *len : NULL, *buf ? *cap - *len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (*buf && *len + (size_t)n < *cap) {
			*len += (size_t)n;
			return;
		}
		if (sdnd_grow(buf, cap, *len + (size_t)n + 4096, 1) < 0)
			return;
	}
}

/* Prometheus text format. */
static enum MHD_Result get_metrics(struct MHD_Connection *c, const struct sdnd_reconciler *rec)
{
	static const char *const bounds[SDND_LATENCY_BUCKETS] = { "0.001", "0.005", "0.01",
								  "0.025", "0.05",  "0.1",
								  "0.25",  "1" };
	unsigned int by_state[_SDND_STATE_MAX] = { 0 }, by_att[_SDND_ATTACH_STATE_MAX] = { 0 };
	_cleanup_free_ char *b = NULL;
	size_t len = 0, cap = 0, i;

	for (i = 0; i < rec->want.n; i++)
		by_state[rec->st[i].state]++;
	metric(&b, &len, &cap, "# HELP sdnd_objects Wanted kernel objects by state.\n"
			       "# TYPE sdnd_objects gauge\n");
	for (i = 0; i < _SDND_STATE_MAX; i++)
		metric(&b, &len, &cap, "sdnd_objects{state=\"%s\"} %u\n",
		       sdnd_state_to_string((enum sdnd_obj_state)i), by_state[i]);
	for (i = 0; i < rec->atts.n; i++)
		by_att[rec->atts.a[i].state]++;
	metric(&b, &len, &cap, "# HELP sdnd_attachments Guest ports attached to vnets, by state.\n"
			       "# TYPE sdnd_attachments gauge\n");
	for (i = 0; i < SDND_ATTACH_DETACHED; i++)
		metric(&b, &len, &cap, "sdnd_attachments{state=\"%s\"} %u\n",
		       sdnd_attach_state_to_string((enum sdnd_attach_state)i), by_att[i]);
	metric(&b, &len, &cap,
	       "# HELP sdnd_generation Configuration documents accepted since start.\n"
	       "# TYPE sdnd_generation gauge\nsdnd_generation %llu\n"
	       "# HELP sdnd_config_rejected 1 while the last reload was rejected.\n"
	       "# TYPE sdnd_config_rejected gauge\nsdnd_config_rejected %d\n"
	       "# TYPE sdnd_reconciles_total counter\nsdnd_reconciles_total %llu\n"
	       "# HELP sdnd_changes_total Changes made in the kernel, by cause.\n"
	       "# TYPE sdnd_changes_total counter\n"
	       "sdnd_changes_total{cause=\"configuration\"} %llu\n"
	       "sdnd_changes_total{cause=\"drift\"} %llu\n"
	       "# TYPE sdnd_failures_total counter\nsdnd_failures_total %llu\n"
	       "# HELP sdnd_resyncs_total Full re-reads of the kernel (periodic, lost events, "
	       "interrupted dumps).\n"
	       "# TYPE sdnd_resyncs_total counter\nsdnd_resyncs_total %llu\n"
	       "# TYPE sdnd_netlink_requests_total counter\nsdnd_netlink_requests_total %llu\n"
	       "# TYPE sdnd_netlink_errors_total counter\nsdnd_netlink_errors_total %llu\n"
	       "# TYPE sdnd_enobufs_total counter\nsdnd_enobufs_total %llu\n"
	       "# HELP sdnd_apply_duration_seconds Reconciles that changed something.\n"
	       "# TYPE sdnd_apply_duration_seconds histogram\n",
	       (unsigned long long)rec->generation, *rec->last_load_error ? 1 : 0,
	       (unsigned long long)rec->n_reconciles,
	       (unsigned long long)(rec->n_actions - rec->n_repairs),
	       (unsigned long long)rec->n_repairs, (unsigned long long)rec->n_failures,
	       (unsigned long long)rec->n_resyncs, (unsigned long long)rec->nl.n_requests,
	       (unsigned long long)rec->nl.n_errors, (unsigned long long)rec->nl.n_enobufs);
	for (i = 0; i < SDND_LATENCY_BUCKETS; i++)
		metric(&b, &len, &cap, "sdnd_apply_duration_seconds_bucket{le=\"%s\"} %llu\n",
		       bounds[i], (unsigned long long)rec->apply_buckets[i]);
	metric(&b, &len, &cap,
	       "sdnd_apply_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
	       "sdnd_apply_duration_seconds_sum %.6f\nsdnd_apply_duration_seconds_count %llu\n",
	       (unsigned long long)rec->apply_count, (double)rec->apply_sum_us / 1e6,
	       (unsigned long long)rec->apply_count);
	metric(&b, &len, &cap,
	       "# HELP sdnd_firewall_in_sync 1 while sdnd's nftables tables are as configured.\n"
	       "# TYPE sdnd_firewall_in_sync gauge\nsdnd_firewall_in_sync %d\n"
	       "# HELP sdnd_firewall_rules nftables rules sdnd keeps.\n"
	       "# TYPE sdnd_firewall_rules gauge\nsdnd_firewall_rules %zu\n"
	       "# HELP sdnd_firewall_elements Elements of sdnd's nftables sets and maps.\n"
	       "# TYPE sdnd_firewall_elements gauge\nsdnd_firewall_elements %zu\n"
	       "# HELP sdnd_firewall_batches_total nftables batches sent, by cause.\n"
	       "# TYPE sdnd_firewall_batches_total counter\n"
	       "sdnd_firewall_batches_total{cause=\"configuration\"} %llu\n"
	       "sdnd_firewall_batches_total{cause=\"drift\"} %llu\n"
	       "# HELP sdnd_firewall_last_batch_seconds The last batch: compile, compare, send.\n"
	       "# TYPE sdnd_firewall_last_batch_seconds gauge\n"
	       "sdnd_firewall_last_batch_seconds %.6f\n",
	       rec->fw.st.state == SDND_STATE_IN_SYNC, rec->fw.n_rules, rec->fw.n_elems,
	       (unsigned long long)(rec->fw.n_batches - rec->fw.n_repairs),
	       (unsigned long long)rec->fw.n_repairs, (double)rec->fw.last_batch_us / 1e6);
	return respond(c, MHD_HTTP_OK, "text/plain; version=0.0.4", b ? b : "", NULL);
}

/* A request without Content-Type, or with one of ok[0..n). */
static bool type_in(struct MHD_Connection *c, const char *const *ok, size_t n)
{
	const char *t = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_CONTENT_TYPE);
	size_t i;

	if (!t)
		return true;
	for (i = 0; i < n; i++)
		if (!strncasecmp(t, ok[i], strlen(ok[i])) &&
		    (!t[strlen(ok[i])] || t[strlen(ok[i])] == ';'))
			return true;
	return false;
}

static bool acceptable_type(struct MHD_Connection *c)
{
	static const char *const ok[] = { "application/yaml", "application/x-yaml", "text/yaml",
					  "application/json", "text/plain" };

	return type_in(c, ok, ARRAY_SIZE(ok));
}

static void put_config_written(void *ctx, int r, const char *err);
static enum MHD_Result put_config_answer(struct sdnd_api *api, struct MHD_Connection *c, int r,
					 const char *err, struct json_object *plan);

static enum MHD_Result put_config(struct sdnd_api *api, struct MHD_Connection *c,
				  struct req *rq)
{
	struct sdnd_reconciler *rec = api->hooks.rec;
	const char *if_match = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							   MHD_HTTP_HEADER_IF_MATCH);
	const char *dry = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "dry_run");
	bool dry_run = dry && strcmp(dry, "0") && strcmp(dry, "false");
	struct zone_errors errs = { 0 };
	struct sdnd_generation g = { 0 };
	struct json_object *j, *plan;
	char etag[32], err[512];
	size_t i;
	int r = 0;

	if (rq->too_big)
		return respond_error(c, MHD_HTTP_CONTENT_TOO_LARGE,
				     "the document is larger than 4 MiB", NULL);
	if (!acceptable_type(c))
		return respond_error(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
				     "send the document as application/yaml or application/json",
				     "Content-Type");
	etag_of(api, etag, sizeof(etag));
	r = sdnd_rec_prepare(rec, rq->body ? rq->body : "", rq->len, "request", &g, &errs);
	if (r == -EINVAL) {
		struct json_object *arr = json_object_new_array();

		for (i = 0; i < errs.n; i++)
			json_object_array_add(arr, json_object_new_string(errs.msgs[i]));
		zone_errors_clear(&errs);
		j = json_object_new_object();
		json_object_object_add(j, "error", json_object_new_string("invalid configuration"));
		json_object_object_add(j, "where",
				       json_object_new_string(json_object_array_length(arr) ?
							      json_object_get_string(
								      json_object_array_get_idx(arr, 0)) :
							      "request"));
		json_object_object_add(j, "errors", arr);
		return respond_json(c, MHD_HTTP_BAD_REQUEST, j, NULL);
	}
	zone_errors_clear(&errs);
	if (r < 0)
		return respond_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, strerror(-r), NULL);
	plan = plan_json(rec, &g.want, &r);
	if (!plan) {
		sdnd_generation_free(&g);
		return respond_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, strerror(-r), NULL);
	}
	if (dry_run) {
		sdnd_generation_free(&g);
		j = json_object_new_object();
		json_object_object_add(j, "plan", plan);
		return respond_json(c, MHD_HTTP_OK, j, etag);
	}
	/* stored first (the file, the cluster store): a restart must find what was accepted */
	r = api->hooks.src->ops->write(api->hooks.src, &g, if_match, put_config_written, rq, err,
				       sizeof(err));
	sdnd_generation_free(&g);
	if (r == -EINPROGRESS) {
		/* the answer is sent when the source calls put_config_written() */
		rq->api = api;
		rq->conn = c;
		rq->plan = plan;
		rq->waiting = true;
		rq->next = api->waiting;
		api->waiting = rq;
		MHD_suspend_connection(c);
		return MHD_YES;
	}
	/* written at once: reconcile before answering (a source that answers later has the
	 * generation it wrote reconciled itself) */
	if (r == 0)
		api->hooks.applied(api->hooks.ctx);
	return put_config_answer(api, c, r, err, plan);
}

static void unwait(struct req *rq)
{
	struct req **p;

	for (p = &rq->api->waiting; *p; p = &(*p)->next)
		if (*p == rq) {
			*p = rq->next;
			break;
		}
	rq->waiting = false;
}

/* The source stored the document (or not) after put_config() suspended the request. */
static void put_config_written(void *ctx, int r, const char *err)
{
	struct req *rq = ctx;

	unwait(rq);
	rq->written = true;
	rq->result = r;
	sdnd_strlcpy(rq->err, err, sizeof(rq->err));
	MHD_resume_connection(rq->conn);
	/* libmicrohttpd in external epoll mode sees it on its next run only */
	rq->api->resumed = true;
}

/* The answer to a PUT /v1/config the source stored with result r (err: why not). */
static enum MHD_Result put_config_answer(struct sdnd_api *api, struct MHD_Connection *c, int r,
					 const char *err, struct json_object *plan)
{
	struct sdnd_reconciler *rec = api->hooks.rec;
	struct json_object *j = json_object_new_object();
	char etag[32];

	if (r == -ESTALE) {
		json_object_put(plan);
		etag_of(api, etag, sizeof(etag));
		json_object_object_add(j, "error",
				       json_object_new_string("the configuration changed meanwhile"));
		json_object_object_add(j, "generation",
				       json_object_new_int64((int64_t)rec->generation));
		return respond_json(c, MHD_HTTP_PRECONDITION_FAILED, j, etag);
	}
	if (r < 0) {
		json_object_put(plan);
		json_object_put(j);
		/* -EAGAIN: the cluster store is out of reach */
		return respond_error(c, r == -EAGAIN ? MHD_HTTP_SERVICE_UNAVAILABLE :
						       MHD_HTTP_INTERNAL_SERVER_ERROR,
				     err, NULL);
	}
	log_info("control API: loaded generation %llu (%zu objects)",
		 (unsigned long long)rec->generation, rec->want.n);
	etag_of(api, etag, sizeof(etag));
	json_object_object_add(j, "generation", json_object_new_int64((int64_t)rec->generation));
	json_object_object_add(j, "plan", plan);
	return respond_json(c, MHD_HTTP_OK, j, etag);
}

/* Does the running configuration allow attachment a here? 0, or an HTTP code with why. */
static unsigned int attach_conflict(const struct sdnd_reconciler *rec, const struct sdnd_attach *a,
				    char *where, size_t where_size, char *msg, size_t msg_size)
{
	const struct sdnd_obj *br = sdnd_plan_vnet_bridge(&rec->want, a->vnet);
	char key[SDND_KEY_MAX];
	size_t i;

	if (!br) {
		const char *node = rec->cfg ? rec->cfg->node : rec->node;
		bool elsewhere = false;

		for (i = 0; rec->cfg && i < rec->cfg->n_vnets; i++)
			elsewhere |= !strcmp(rec->cfg->vnets[i].name, a->vnet);
		snprintf(where, where_size, "vnet");
		snprintf(msg, msg_size, "vnet %s does not exist on %s%s%s", a->vnet,
			 *node ? "node " : "this node", node,
			 elsewhere ? " (its zone's nodes leave this node out)" : "");
		return MHD_HTTP_CONFLICT;
	}
	if ((a->vlan || *a->trunks) && !br->link.vlan_filtering) {
		snprintf(where, where_size, a->vlan ? "vlan" : "trunks");
		snprintf(msg, msg_size, "vnet %s is not vlanaware: its guests cannot choose VLANs "
					"(set vlanaware: true on the vnet, or leave out vlan and "
					"trunks)", a->vnet);
		return MHD_HTTP_CONFLICT;
	}
	snprintf(key, sizeof(key), "link/%s", a->ifname);
	if (sdnd_objset_find(&rec->want, key) || sdnd_owner_get(&rec->owner, key)) {
		snprintf(where, where_size, "ifname");
		snprintf(msg, msg_size, "%s is one of sdnd's own devices, not a guest's interface",
			 a->ifname);
		return MHD_HTTP_CONFLICT;
	}
	return 0;
}

static enum MHD_Result attachment_json(struct MHD_Connection *c, unsigned int code,
				       const struct sdnd_attach *a)
{
	return respond_json(c, code, sdnd_attach_to_json(a, true), NULL);
}

static enum MHD_Result put_attachment_checked(struct sdnd_api *api, struct MHD_Connection *c,
					      struct sdnd_attach *ap, struct sdnd_attach *oldp);

static enum MHD_Result put_attachment(struct sdnd_api *api, struct MHD_Connection *c,
				      const char *ifname, struct req *rq)
{
	static const char *const json_types[] = { "application/json" };
	struct sdnd_reconciler *rec = api->hooks.rec;
	enum json_tokener_error jerr = json_tokener_success;
	struct sdnd_attach a, old = { 0 };
	struct json_object *body;
	char where[96], msg[320];
	enum MHD_Result ret;
	int r;

	if (rq->too_big)
		return respond_error(c, MHD_HTTP_CONTENT_TOO_LARGE,
				     "the request is larger than 4 MiB", NULL);
	if (!type_in(c, json_types, ARRAY_SIZE(json_types)))
		return respond_error(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
				     "send the attachment as application/json", "Content-Type");
	body = json_tokener_parse_verbose(rq->body ? rq->body : "", &jerr);
	if (!body || jerr != json_tokener_success) {
		json_object_put(body);
		snprintf(msg, sizeof(msg), "the body is not JSON: %s",
			 json_tokener_error_desc(jerr != json_tokener_success ?
							 jerr : json_tokener_error_parse_eof));
		return respond_error(c, MHD_HTTP_BAD_REQUEST, msg, "body");
	}
	r = sdnd_attach_from_json(body, ifname, rec->cfg ? &rec->cfg->fw : NULL, &a, where,
				  sizeof(where), msg, sizeof(msg));
	json_object_put(body);
	if (r < 0)
		return respond_error(c, MHD_HTTP_BAD_REQUEST, msg, where);
	ret = put_attachment_checked(api, c, &a, &old);
	sdnd_attach_done(&a);
	sdnd_attach_done(&old);
	return ret;
}

/* PUT of a parsed attachment a; old is for the caller to free. */
static enum MHD_Result put_attachment_checked(struct sdnd_api *api, struct MHD_Connection *c,
					      struct sdnd_attach *ap, struct sdnd_attach *oldp)
{
	struct sdnd_reconciler *rec = api->hooks.rec;
	struct sdnd_attach a = *ap, old = { 0 };
	char where[96], msg[320];
	unsigned int code;
	bool existed;
	int r;

	if (a.vlan || *a.trunks) {
		struct sdnd_vids v;

		if (sdnd_attach_vids(&a, &v) < 0)
			return respond_error(c, MHD_HTTP_BAD_REQUEST,
					     "too many separate VLAN ranges for one port", "trunks");
	}
	if (a.fw && rec->cfg && fw_nic_check_refs(a.fw, &rec->cfg->fw, msg, sizeof(msg)) < 0)
		return respond_error(c, MHD_HTTP_BAD_REQUEST, msg, "firewall");
	code = attach_conflict(rec, &a, where, sizeof(where), msg, sizeof(msg));
	if (code)
		return respond_error(c, code, msg, where);
	existed = sdnd_attachments_find(&rec->atts, a.ifname) != NULL;
	if (existed) {
		if (sdnd_attach_copy(oldp, sdnd_attachments_find(&rec->atts, a.ifname)) < 0)
			return respond_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, strerror(ENOMEM),
					     NULL);
		old = *oldp;
	}
	/* learning back on: the static entry sdnd made instead goes too */
	if (existed && !old.learning && a.learning && old.has_mac) {
		a.has_stale_mac = true;
		memcpy(a.stale_mac, old.mac, 6);
	}
	r = sdnd_attachments_put(&rec->atts, &a);
	if (r == 0)
		r = sdnd_attachments_save(&rec->atts);
	if (r < 0) {
		/* what is on disk and what runs stay the same */
		if (existed)
			sdnd_attachments_put(&rec->atts, &old);
		else
			sdnd_attachments_del(&rec->atts, a.ifname, NULL);
		return respond_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, strerror(-r),
				     rec->atts.path);
	}
	if (!existed || !sdnd_attach_same(&old, &a)) {
		log_info("control API: attach %s to vnet %s%s%s", a.ifname, a.vnet,
			 *a.owner ? " for " : "", a.owner);
		/* a change of configuration, not drift */
		rec->fresh = true;
	}
	api->hooks.applied(api->hooks.ctx);
	return attachment_json(c, existed ? MHD_HTTP_OK : MHD_HTTP_CREATED,
			       sdnd_attachments_find(&rec->atts, a.ifname));
}

static enum MHD_Result attachment(struct sdnd_api *api, struct MHD_Connection *c,
				  const char *ifname, const char *method, struct req *rq)
{
	struct sdnd_reconciler *rec = api->hooks.rec;
	struct sdnd_attach *a = sdnd_attachments_find(&rec->atts, ifname);
	struct sdnd_attach old;
	const struct sdnd_link *l;
	char msg[96];
	int r;

	if (!strcmp(method, MHD_HTTP_METHOD_PUT))
		return put_attachment(api, c, ifname, rq);
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_DELETE))
		return respond_405(c, "GET, PUT, DELETE");
	if (!a) {
		snprintf(msg, sizeof(msg), "no attachment for %s", ifname);
		return respond_error(c, MHD_HTTP_NOT_FOUND, msg, "ifname");
	}
	if (!strcmp(method, MHD_HTTP_METHOD_GET))
		return attachment_json(c, MHD_HTTP_OK, a);
	sdnd_attachments_del(&rec->atts, ifname, &old);
	r = sdnd_attachments_save(&rec->atts);
	if (r < 0) {
		sdnd_attachments_put(&rec->atts, &old);
		sdnd_attach_done(&old);
		return respond_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, strerror(-r),
				     rec->atts.path);
	}
	sdnd_attach_done(&old);
	log_info("control API: detach %s from vnet %s", old.ifname, old.vnet);
	l = sdnd_cache_link(&rec->cache, old.ifname);
	if (l && sdnd_attachments_unplug(&rec->atts, old.ifname, old.vnet, l->ifindex) < 0)
		log_err("%s: cannot remember to unplug it: %s", old.ifname, strerror(ENOMEM));
	rec->fresh = true;
	api->hooks.applied(api->hooks.ctx);
	old.state = SDND_ATTACH_DETACHED;
	old.msg[0] = '\0';
	return attachment_json(c, MHD_HTTP_OK, &old);
}

static enum MHD_Result route(struct sdnd_api *api, struct MHD_Connection *c, const char *url,
			     const char *method, struct req *rq)
{
	struct sdnd_reconciler *rec = api->hooks.rec;
	bool get = !strcmp(method, MHD_HTTP_METHOD_GET), put = !strcmp(method, MHD_HTTP_METHOD_PUT);
	struct json_object *j;
	char etag[32];
	int r = 0;

	if (!strcmp(url, "/v1/status")) {
		if (!get)
			return respond_405(c, "GET");
		return respond_json(c, MHD_HTTP_OK, sdnd_rec_status_json(rec), NULL);
	}
	if (!strcmp(url, "/v1/plan")) {
		if (!get)
			return respond_405(c, "GET");
		j = plan_json(rec, &rec->want, &r);
		if (!j)
			return respond_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, strerror(-r), NULL);
		return respond_json(c, MHD_HTTP_OK, j, NULL);
	}
	if (!strcmp(url, "/v1/config")) {
		if (put)
			return put_config(api, c, rq);
		if (!get)
			return respond_405(c, "GET, PUT");
		if (!rec->config_text)
			return respond_error(c, MHD_HTTP_NOT_FOUND, "no configuration is running",
					     NULL);
		etag_of(api, etag, sizeof(etag));
		return respond(c, MHD_HTTP_OK, "application/yaml", rec->config_text, etag);
	}
	if (!strcmp(url, "/v1/cluster")) {
		if (!get)
			return respond_405(c, "GET");
		if (!api->hooks.src->ops->cluster_json)
			return respond_error(c, MHD_HTTP_NOT_FOUND,
					     "this node has no cluster store (sdnd --store etcd://...)",
					     NULL);
		return respond_json(c, MHD_HTTP_OK, api->hooks.src->ops->cluster_json(api->hooks.src),
				    NULL);
	}
	if (!strcmp(url, "/v1/attachments")) {
		if (!get)
			return respond_405(c, "GET");
		j = json_object_new_object();
		sdnd_rec_attachments_json(rec, j);
		return respond_json(c, MHD_HTTP_OK, j, NULL);
	}
	if (!strncmp(url, "/v1/attachments/", 16))
		return attachment(api, c, url + 16, method, rq);
	if (!strcmp(url, "/metrics")) {
		if (!get)
			return respond_405(c, "GET");
		return get_metrics(c, rec);
	}
	return respond_error(c, MHD_HTTP_NOT_FOUND, "no such resource", url);
}

/* Constant-time comparison of a presented token with the expected one. */
static bool token_ok(const char *expected, const char *header)
{
	size_t n, m, i;
	unsigned char d;

	if (!header || strncasecmp(header, "Bearer ", 7))
		return false;
	header += 7;
	n = strlen(expected);
	m = strlen(header);
	d = n != m;
	for (i = 0; i < n; i++)
		d |= (unsigned char)(expected[i] ^ header[i < m ? i : 0]);
	return !d;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	struct listener *li = cls;
	struct sdnd_api *api = li->api;
	struct req *rq = *con_cls;

	if (!rq) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);

		rq = calloc(1, sizeof(*rq));
		if (!rq)
			return MHD_NO;
		if (li->tcp) {
			rq->allowed = token_ok(api->token,
					       MHD_lookup_connection_value(
						       c, MHD_HEADER_KIND,
						       MHD_HTTP_HEADER_AUTHORIZATION));
			rq->unauthenticated = !rq->allowed;
		} else {
			rq->allowed = ci && peer_allowed(api, ci->connect_fd);
		}
		*con_cls = rq;
		return MHD_YES;
	}
	if (*upload_size) {
		/* a refused client's body is not kept */
		if (!rq->allowed || rq->len + *upload_size > SDND_API_MAX_BODY) {
			rq->too_big = rq->allowed;
		} else if (sdnd_grow(&rq->body, &rq->cap, rq->len + *upload_size + 1, 1) == 0) {
			memcpy(rq->body + rq->len, upload, *upload_size);
			rq->len += *upload_size;
			rq->body[rq->len] = '\0';
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (rq->written) {
		struct json_object *plan = rq->plan;

		rq->written = false;
		rq->plan = NULL;
		return put_config_answer(api, c, rq->result, rq->err, plan);
	}
	if (rq->unauthenticated)
		return respond_error(c, MHD_HTTP_UNAUTHORIZED,
				     "authentication required: send the bearer token of the "
				     "daemon's --token-file",
				     NULL);
	if (!rq->allowed)
		return respond_error(c, MHD_HTTP_FORBIDDEN,
				     "permission denied: the control API is for root and group sdnd",
				     NULL);
	return route(api, c, url, method, rq);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct req *rq = *con_cls;

	if (rq && rq->waiting) {
		/* gone while the source stored its document (the daemon is stopping) */
		rq->api->hooks.src->ops->cancel_write(rq->api->hooks.src, rq);
		unwait(rq);
	}
	if (rq) {
		free(rq->body);
		json_object_put(rq->plan);
	}
	free(rq);
	*con_cls = NULL;
}

/* Serve fd (listening) with libmicrohttpd in epoll mode, and watch its epoll fd in api->epfd. */
static int listener_start(struct sdnd_api *api, struct listener *li, int fd, bool tcp)
{
	const union MHD_DaemonInfo *di;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = li };

	li->api = api;
	li->tcp = tcp;
	li->fd = fd;
	/*
	 * Idle clients are dropped after a while; on TCP, where anyone may connect before the
	 * token is checked, one address cannot take every connection.
	 */
	li->mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME, 0, NULL, NULL,
				   handle, li,
				   MHD_OPTION_LISTEN_SOCKET, fd,
				   MHD_OPTION_NOTIFY_COMPLETED, completed, api,
				   MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)(tcp ? 10 : 30),
				   MHD_OPTION_CONNECTION_LIMIT, (unsigned int)256,
				   MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)(tcp ? 16 : 0),
				   MHD_OPTION_END);
	di = li->mhd ? MHD_get_daemon_info(li->mhd, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
	if (!di)
		return -EIO;
	if (epoll_ctl(api->epfd, EPOLL_CTL_ADD, di->epoll_fd, &ev) < 0)
		return -errno;
	return 0;
}

/*
 * The bearer token: the first line of path, which must be a regular file of root's that
 * nobody else can read, with at least 16 characters.
 */
static int read_token(const char *path, char **ret)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char line[512];
	struct stat st;
	size_t n;

	if (!f)
		return -errno;
	if (fstat(fileno(f), &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 077)) {
		log_err("%s: the token file must be a regular file owned by root, mode 0600 or "
			"stricter", path);
		return -EPERM;
	}
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	while (n && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		line[--n] = '\0';
	if (n < 16) {
		log_err("%s: the token must have at least 16 characters", path);
		return -EINVAL;
	}
	*ret = strdup(line);
	return *ret ? 0 : -ENOMEM;
}

/* A listening TCP socket on "HOST:PORT" or "[V6]:PORT". */
static int tcp_listen(const char *spec)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	_cleanup_free_ char *host = strdup(spec);
	struct addrinfo *res = NULL;
	char *port;
	int fd, one = 1, r;

	if (!host)
		return -ENOMEM;
	port = strrchr(host, ':');
	if (!port || port == host || !port[1])
		return -EINVAL;
	*port++ = '\0';
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	r = getaddrinfo(host, port, &hints, &res);
	if (r)
		return r == EAI_SYSTEM ? -errno : -EADDRNOTAVAIL;
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 64) < 0) {
		r = -errno;
		if (fd >= 0)
			close(fd);
		freeaddrinfo(res);
		return r;
	}
	freeaddrinfo(res);
	return fd;
}

int sdnd_api_start(struct sdnd_api **ret, const struct sdnd_api_opts *opts,
		   const struct sdnd_api_hooks *hooks)
{
	struct sdnd_api *api = calloc(1, sizeof(*api));
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const struct group *gr = opts->group ? getgrnam(opts->group) : NULL;
	int fd = -1, r;

	if (!api)
		return -ENOMEM;
	api->unix_l.fd = api->tcp_l.fd = -1;
	api->hooks = *hooks;
	api->gid = gr ? gr->gr_gid : (gid_t)-1;
	api->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (api->epfd < 0) {
		r = -errno;
		goto fail;
	}
	if (strlen(opts->socket) >= sizeof(sa.sun_path)) {
		r = -ENAMETOOLONG;
		goto fail;
	}
	strcpy(sa.sun_path, opts->socket);
	api->path = strdup(opts->socket);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (!api->path || fd < 0) {
		r = api->path ? -errno : -ENOMEM;
		goto fail;
	}
	unlink(opts->socket);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(opts->socket, 0660) < 0 ||
	    chown(opts->socket, 0, gr ? gr->gr_gid : 0) < 0 || listen(fd, 64) < 0) {
		r = -errno;
		goto fail;
	}
	r = listener_start(api, &api->unix_l, TAKE_FD(fd), false);
	if (r < 0)
		goto fail;
	if (opts->listen) {
		if (!opts->token_file) {
			log_err("--listen %s needs --token-file: the TCP listener only serves "
				"clients with the bearer token", opts->listen);
			r = -EINVAL;
			goto fail;
		}
		r = read_token(opts->token_file, &api->token);
		if (r < 0) {
			log_err("--token-file %s: %s", opts->token_file, strerror(-r));
			goto fail;
		}
		fd = tcp_listen(opts->listen);
		if (fd < 0) {
			r = fd;
			log_err("--listen %s: %s", opts->listen, strerror(-r));
			goto fail;
		}
		r = listener_start(api, &api->tcp_l, TAKE_FD(fd), true);
		if (r < 0)
			goto fail;
	}
	*ret = api;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	sdnd_api_stop(api);
	return r;
}

int sdnd_api_fd(const struct sdnd_api *api)
{
	return api->epfd;
}

void sdnd_api_run(struct sdnd_api *api)
{
	api->resumed = false;
	MHD_run(api->unix_l.mhd);
	if (api->tcp_l.mhd)
		MHD_run(api->tcp_l.mhd);
}

static int listener_timeout_ms(const struct listener *li)
{
	MHD_UNSIGNED_LONG_LONG t;

	if (!li->mhd || MHD_get_timeout(li->mhd, &t) != MHD_YES)
		return -1;
	return t > 60000 ? 60000 : (int)t;
}

int sdnd_api_timeout_ms(struct sdnd_api *api)
{
	int a = listener_timeout_ms(&api->unix_l), b = listener_timeout_ms(&api->tcp_l);

	if (api->resumed)
		return 0;
	return a < 0 ? b : b < 0 ? a : a < b ? a : b;
}

static void listener_stop(struct listener *li)
{
	if (li->mhd)
		MHD_stop_daemon(li->mhd);
	else if (li->fd >= 0)
		close(li->fd);
}

void sdnd_api_stop(struct sdnd_api *api)
{
	struct sdnd_source *src;

	if (!api)
		return;
	/* libmicrohttpd stops only with no connection suspended */
	src = api->hooks.src;
	while (api->waiting) {
		struct req *rq = api->waiting;

		src->ops->cancel_write(src, rq);
		put_config_written(rq, -EAGAIN, "sdnd is stopping; the definition may or may not "
				   "have been stored: read it back");
		/* let it send the answer */
		sdnd_api_run(api);
		sdnd_api_run(api);
	}
	listener_stop(&api->unix_l);
	listener_stop(&api->tcp_l);
	if (api->epfd >= 0)
		close(api->epfd);
	if (api->path)
		unlink(api->path);
	free(api->path);
	free(api->token);
	free(api);
}
