// SPDX-License-Identifier: GPL-2.0-or-later
#include "sdnd/api.h"

#include <grp.h>
#include <microhttpd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "sdnd/log.h"
#include "sdnd/plan.h"
#include "sdnd/state.h"
#include "sdnd/util.h"

struct sdnd_api {
	struct MHD_Daemon *mhd;
	int fd;
	char *path;
	gid_t gid;                      /* the group allowed besides root; (gid_t)-1: none */
	struct sdnd_api_hooks hooks;
};

/* One request being read. */
struct req {
	char *body;
	size_t len, cap;
	bool too_big;
	bool allowed;
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

static enum MHD_Result respond(struct MHD_Connection *c, unsigned int code, const char *type,
			       const char *body, const char *etag)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body,
								 MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (etag)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
	if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, PUT");
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

/* Respond with a JSON object (consumed). */
static enum MHD_Result respond_json(struct MHD_Connection *c, unsigned int code,
				    struct json_object *j, const char *etag)
{
	enum MHD_Result r = respond(c, code, "application/json",
				    json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY |
								      JSON_C_TO_STRING_SPACED),
				    etag);

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

static void etag_of(const struct sdnd_reconciler *rec, char *buf, size_t size)
{
	snprintf(buf, size, "\"%llu\"", (unsigned long long)rec->generation);
}

static struct json_object *plan_json(struct sdnd_reconciler *rec, const struct sdnd_objset *want,
				     int *ret_err)
{
	struct sdnd_plan plan;
	struct json_object *j;
	int r;

	sdnd_rec_refresh(rec);
	r = sdnd_plan_compute(want, &rec->cache, &rec->owner, &plan);
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
	unsigned int by_state[_SDND_STATE_MAX] = { 0 };
	_cleanup_free_ char *b = NULL;
	size_t len = 0, cap = 0, i;

	for (i = 0; i < rec->want.n; i++)
		by_state[rec->st[i].state]++;
	metric(&b, &len, &cap, "# HELP sdnd_objects Wanted kernel objects by state.\n"
			       "# TYPE sdnd_objects gauge\n");
	for (i = 0; i < _SDND_STATE_MAX; i++)
		metric(&b, &len, &cap, "sdnd_objects{state=\"%s\"} %u\n",
		       sdnd_state_to_string((enum sdnd_obj_state)i), by_state[i]);
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
	return respond(c, MHD_HTTP_OK, "text/plain; version=0.0.4", b ? b : "", NULL);
}

static bool acceptable_type(struct MHD_Connection *c)
{
	const char *t = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_CONTENT_TYPE);
	static const char *const ok[] = { "application/yaml", "application/x-yaml", "text/yaml",
					  "application/json", "text/plain" };
	size_t i;

	if (!t)
		return true;
	for (i = 0; i < ARRAY_SIZE(ok); i++)
		if (!strncasecmp(t, ok[i], strlen(ok[i])) &&
		    (!t[strlen(ok[i])] || t[strlen(ok[i])] == ';'))
			return true;
	return false;
}

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
	char etag[32];
	size_t i;
	int r = 0;

	if (rq->too_big)
		return respond_error(c, MHD_HTTP_CONTENT_TOO_LARGE,
				     "the document is larger than 4 MiB", NULL);
	if (!acceptable_type(c))
		return respond_error(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
				     "send the document as application/yaml or application/json",
				     "Content-Type");
	etag_of(rec, etag, sizeof(etag));
	if (if_match && strcmp(if_match, "*") && strcmp(if_match, etag) &&
	    strtoull(if_match, NULL, 10) != rec->generation) {
		j = json_object_new_object();
		json_object_object_add(j, "error",
				       json_object_new_string("the configuration changed meanwhile"));
		json_object_object_add(j, "generation",
				       json_object_new_int64((int64_t)rec->generation));
		return respond_json(c, MHD_HTTP_PRECONDITION_FAILED, j, etag);
	}
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
	j = json_object_new_object();
	if (dry_run) {
		sdnd_generation_free(&g);
		json_object_object_add(j, "plan", plan);
		return respond_json(c, MHD_HTTP_OK, j, etag);
	}
	/* the file first: a restart must find what the API accepted */
	if (api->hooks.config_path) {
		r = sdnd_write_atomic(api->hooks.config_path, g.text);
		if (r < 0) {
			sdnd_generation_free(&g);
			json_object_put(plan);
			json_object_put(j);
			return respond_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, strerror(-r),
					     api->hooks.config_path);
		}
	}
	r = sdnd_rec_commit(rec, &g);
	if (r < 0) {
		json_object_put(plan);
		json_object_put(j);
		return respond_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, strerror(-r), NULL);
	}
	log_info("control API: loaded generation %llu (%zu objects)",
		 (unsigned long long)rec->generation, rec->want.n);
	api->hooks.applied(api->hooks.ctx);
	etag_of(rec, etag, sizeof(etag));
	json_object_object_add(j, "generation", json_object_new_int64((int64_t)rec->generation));
	json_object_object_add(j, "plan", plan);
	return respond_json(c, MHD_HTTP_OK, j, etag);
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
			return respond_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "use GET", NULL);
		return respond_json(c, MHD_HTTP_OK, sdnd_rec_status_json(rec), NULL);
	}
	if (!strcmp(url, "/v1/plan")) {
		if (!get)
			return respond_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "use GET", NULL);
		j = plan_json(rec, &rec->want, &r);
		if (!j)
			return respond_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, strerror(-r), NULL);
		return respond_json(c, MHD_HTTP_OK, j, NULL);
	}
	if (!strcmp(url, "/v1/config")) {
		if (put)
			return put_config(api, c, rq);
		if (!get)
			return respond_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "use GET or PUT", NULL);
		if (!rec->config_text)
			return respond_error(c, MHD_HTTP_NOT_FOUND, "no configuration is running",
					     NULL);
		etag_of(rec, etag, sizeof(etag));
		return respond(c, MHD_HTTP_OK, "application/yaml", rec->config_text, etag);
	}
	if (!strcmp(url, "/metrics")) {
		if (!get)
			return respond_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "use GET", NULL);
		return get_metrics(c, rec);
	}
	return respond_error(c, MHD_HTTP_NOT_FOUND, "no such resource", url);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	struct sdnd_api *api = cls;
	struct req *rq = *con_cls;

	if (!rq) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);

		rq = calloc(1, sizeof(*rq));
		if (!rq)
			return MHD_NO;
		rq->allowed = ci && peer_allowed(api, ci->connect_fd);
		*con_cls = rq;
		return MHD_YES;
	}
	if (*upload_size) {
		if (rq->len + *upload_size > SDND_API_MAX_BODY) {
			rq->too_big = true;
		} else if (sdnd_grow(&rq->body, &rq->cap, rq->len + *upload_size + 1, 1) == 0) {
			memcpy(rq->body + rq->len, upload, *upload_size);
			rq->len += *upload_size;
			rq->body[rq->len] = '\0';
		}
		*upload_size = 0;
		return MHD_YES;
	}
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

	if (rq)
		free(rq->body);
	free(rq);
	*con_cls = NULL;
}

int sdnd_api_start(struct sdnd_api **ret, const char *socket_path, const char *group,
		   const struct sdnd_api_hooks *hooks)
{
	struct sdnd_api *api = calloc(1, sizeof(*api));
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const struct group *gr = group ? getgrnam(group) : NULL;
	const union MHD_DaemonInfo *di;
	int r;

	if (!api)
		return -ENOMEM;
	api->fd = -1;
	api->hooks = *hooks;
	api->gid = gr ? gr->gr_gid : (gid_t)-1;
	if (strlen(socket_path) >= sizeof(sa.sun_path)) {
		r = -ENAMETOOLONG;
		goto fail;
	}
	strcpy(sa.sun_path, socket_path);
	api->path = strdup(socket_path);
	api->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (!api->path || api->fd < 0) {
		r = api->path ? -errno : -ENOMEM;
		goto fail;
	}
	unlink(socket_path);
	if (bind(api->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(socket_path, 0660) < 0 ||
	    chown(socket_path, 0, gr ? gr->gr_gid : 0) < 0 || listen(api->fd, 64) < 0) {
		r = -errno;
		goto fail;
	}
	api->mhd = MHD_start_daemon(MHD_USE_EPOLL, 0, NULL, NULL, handle, api,
				    MHD_OPTION_LISTEN_SOCKET, api->fd,
				    MHD_OPTION_NOTIFY_COMPLETED, completed, api,
				    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
				    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)64, MHD_OPTION_END);
	di = api->mhd ? MHD_get_daemon_info(api->mhd, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
	if (!di) {
		r = -EIO;
		goto fail;
	}
	*ret = api;
	return 0;
fail:
	sdnd_api_stop(api);
	return r;
}

int sdnd_api_fd(const struct sdnd_api *api)
{
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(api->mhd, MHD_DAEMON_INFO_EPOLL_FD);

	return di ? di->epoll_fd : -1;
}

void sdnd_api_run(struct sdnd_api *api)
{
	MHD_run(api->mhd);
}

int sdnd_api_timeout_ms(struct sdnd_api *api)
{
	MHD_UNSIGNED_LONG_LONG t;

	if (MHD_get_timeout(api->mhd, &t) != MHD_YES)
		return -1;
	return t > 60000 ? 60000 : (int)t;
}

void sdnd_api_stop(struct sdnd_api *api)
{
	if (!api)
		return;
	if (api->mhd)
		MHD_stop_daemon(api->mhd);
	else if (api->fd >= 0)
		close(api->fd);
	if (api->path)
		unlink(api->path);
	free(api->path);
	free(api);
}
