// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sdnctl: the operator's client of sdnd's control API, HTTP/1.1 + JSON on a unix socket.
 * Commands: status, plan, apply, config, metrics. usage() is the reference for what each
 * command prints and for the exit statuses, which scripts rely on.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <curl/curl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

#include "../sdnd/util.h"

#ifndef SDND_VERSION
#define SDND_VERSION "unknown"
#endif

#define DEFAULT_SOCKET "/run/sdnd/sdnd.sock"
#define TIMEOUT_S 30L
/* The largest answer and -f document sdnctl holds in memory. */
#define MAX_BODY ((size_t)64 << 20)

/* Exit statuses: part of the interface, documented in usage(). */
enum ctl_exit {
	CTL_OK = 0,
	CTL_DAEMON_ERROR = 1, /* sdnd answered with an error, or with something unreadable */
	CTL_USAGE = 2,	      /* bad command line, unreadable -f FILE */
	CTL_CONFLICT = 3,     /* apply: the configuration changed meanwhile (412) */
	CTL_UNREACHABLE = 4,  /* sdnd is not running, or did not answer */
	CTL_DENIED = 5,	      /* 403, or EACCES on the socket */
	CTL_NOT_IN_SYNC = 6,  /* status: something is not as configured */
};

struct ctl {
	const char *socket;
	const char *cmd;
	const char *file; /* -f, "-" for stdin */
	bool json, all, dry_run;
	bool color; /* stdout is a terminal that takes colours */
	CURL *curl; /* one handle, so apply's GET and PUT share the connection */
};

/* A growing NUL-terminated byte buffer, at most MAX_BODY bytes. */
struct buf {
	char *data;
	size_t len, cap;
};

/* One HTTP answer, whatever its status. */
struct reply {
	long status;
	struct buf body;
	char *etag;	/* the ETag header's value as sent (quotes included), or NULL */
	bool too_large; /* the body passed MAX_BODY and the transfer was cut */
};

struct request {
	const char *method; /* "GET" or "PUT" */
	const char *path;   /* "/v1/status", with the query if any */
	const char *body;   /* PUT only */
	size_t body_len;
	const char *content_type; /* PUT only */
	const char *if_match;	  /* an ETag as sdnd sent it, or NULL */
};

static void json_putp(struct json_object **j)
{
	json_object_put(*j);
}

static void slist_freep(struct curl_slist **l)
{
	curl_slist_free_all(*l);
}

#define _cleanup_json_ _cleanup_(json_putp)

static const char *const usage_text =
	"Usage: sdnctl [OPTIONS] COMMAND [COMMAND OPTIONS]\n"
	"\n"
	"Queries and configures the sdnd daemon of this node through its control socket.\n"
	"\n"
	"Commands:\n"
	"  status [--all]     node, daemon version and pid, configuration file and\n"
	"                     generation, a rejected reload's errors, time since the\n"
	"                     last reconcile, objects counted by state, one row per\n"
	"                     object not in sync (KIND NAME VNET STATE ERROR; --all:\n"
	"                     every object) or \"all N objects in sync\", and the vnets\n"
	"                     skipped for a conflict\n"
	"  plan               what sdnd would change in the kernel now\n"
	"  plan -f FILE       what making FILE the configuration would change\n"
	"                     (nothing is applied)\n"
	"  apply -f FILE      make FILE the running configuration, only if the running\n"
	"                     generation is still the one sdnctl read just before (so\n"
	"                     two operators cannot overwrite each other); prints the\n"
	"                     plan being applied and \"applied generation N\"\n"
	"  apply -f FILE --dry-run\n"
	"                     the same as plan -f FILE\n"
	"  config             print the running configuration document\n"
	"  metrics            print the daemon's metrics (Prometheus text format)\n"
	"  help               print this help\n"
	"\n"
	"Options (before or after the command):\n"
	"  -S, --socket PATH  sdnd's control socket (default: $SDND_SOCKET if set,\n"
	"                     else " DEFAULT_SOCKET ")\n"
	"      --json         status, plan, apply: print sdnd's JSON answer, pretty;\n"
	"                     plan prints the plan {\"actions\", \"conflicts\"} with or\n"
	"                     without -f, apply {\"generation\", \"plan\"}\n"
	"  -a, --all          status: list every object, in sync or not\n"
	"  -f, --file FILE    plan, apply: the configuration, YAML or JSON; sent as\n"
	"                     application/json if FILE ends in .json, else as\n"
	"                     application/yaml; - reads standard input\n"
	"      --dry-run      apply: show what would change, apply nothing\n"
	"  -h, --help         print this help\n"
	"  -V, --version      print sdnctl's version\n"
	"\n"
	"A plan is printed as 'sdnd plan' prints it, one line per action:\n"
	"  skip vnet web: interface web exists and is not managed by sdnd\n"
	"  create bridge web (vnet web): mtu 1450, state up\n"
	"  update bridge lan (vnet lan): mtu 1400 -> 1500, alias Home -> \"\"\n"
	"  replace vxlan vxlan_app (vnet app): vni 300 -> 301, port 4789 [REASON]\n"
	"  delete bridge old [no longer in the configuration]\n"
	"or \"nothing to change\". Colours only on a terminal, and not with NO_COLOR set.\n"
	"sdnctl waits 30 s at most for an answer.\n"
	"\n"
	"Exit status:\n"
	"  0  success; status: every object in sync\n"
	"  1  sdnd answered with an error, printed on standard error; an invalid\n"
	"     configuration's errors follow, one per line (FILE:LINE:COL: key: message)\n"
	"  2  bad command line, or -f FILE cannot be read\n"
	"  3  apply: the configuration changed since sdnctl read it; review with\n"
	"     'sdnctl plan -f FILE' and apply again\n"
	"  4  sdnd cannot be reached: not running (no socket, nothing listening), the\n"
	"     connection failed or dropped, or no answer within 30 s\n"
	"  5  permission denied: run as root or as a member of group sdnd\n"
	"  6  status (also with --json): some objects are failed or pending, some vnets\n"
	"     are skipped for a conflict, or the last reload was rejected\n";

static void usage(FILE *f)
{
	fputs(usage_text, f);
}

/* A bad command line: the message, the synopsis, CTL_USAGE. */
static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("sdnctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n"
	      "Usage: sdnctl [-S PATH] [--json] status [--all]\n"
	      "       sdnctl [-S PATH] [--json] plan [-f FILE]\n"
	      "       sdnctl [-S PATH] [--json] apply -f FILE [--dry-run]\n"
	      "       sdnctl [-S PATH] config | metrics\n"
	      "Run 'sdnctl --help' for every option and exit status.\n",
	      stderr);
	return CTL_USAGE;
}

/* Append n bytes; 0, or -EFBIG past MAX_BODY, or -ENOMEM. */
static int buf_append(struct buf *b, const void *p, size_t n)
{
	if (n > MAX_BODY - b->len)
		return -EFBIG;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *d;

		while (cap < b->len + n + 1)
			cap *= 2;
		d = realloc(b->data, cap);
		if (!d)
			return -ENOMEM;
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

static void reply_done(struct reply *r)
{
	free(r->body.data);
	free(r->etag);
}

/* Read a whole file, "-" being standard input. 0 or -errno; *ret written only on success. */
static int read_file(const char *path, struct buf *ret)
{
	_cleanup_fclose_ FILE *f = NULL;
	struct buf b = {};
	char chunk[65536];
	size_t n;
	int r = 0;

	if (strcmp(path, "-")) {
		f = fopen(path, "re");
		if (!f)
			return -errno;
	}
	/* an empty document still needs a buffer to point at */
	r = buf_append(&b, "", 0);
	while (!r && (n = fread(chunk, 1, sizeof(chunk), f ? f : stdin)) > 0)
		r = buf_append(&b, chunk, n);
	if (!r && ferror(f ? f : stdin))
		r = errno ? -errno : -EIO;
	if (r < 0) {
		free(b.data);
		return r;
	}
	*ret = b;
	return 0;
}

/*
 * Print a string from the daemon with control characters (an escape sequence in a kernel
 * message or an interface alias) shown as '?', so it cannot drive the terminal.
 */
static void put_clean(const char *s, FILE *f)
{
	for (; *s; s++)
		fputc(iscntrl((unsigned char)*s) ? '?' : *s, f);
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool jint(struct json_object *o, const char *key, int64_t *ret)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return false;
	*ret = json_object_get_int64(v);
	return true;
}

/* The array at key, NULL when missing or not an array. */
static struct json_object *jarray(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_array))
		return NULL;
	return v;
}

static size_t jlen(struct json_object *arr)
{
	return arr ? json_object_array_length(arr) : 0;
}

/* The JSON value a body holds, or NULL if it is not JSON. */
static struct json_object *parse_json(const struct buf *b)
{
	struct json_tokener *tok;
	struct json_object *j;

	if (!b->len || b->len > INT32_MAX)
		return NULL;
	tok = json_tokener_new();
	if (!tok)
		return NULL;
	j = json_tokener_parse_ex(tok, b->data, (int)b->len);
	if (json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(j);
		j = NULL;
	}
	json_tokener_free(tok);
	return j;
}

static void print_json(struct json_object *j)
{
	puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						       JSON_C_TO_STRING_NOSLASHESCAPE));
}

static const char *color(const struct ctl *c, const char *code)
{
	return c->color ? code : "";
}

#define RED "\033[31m"
#define GREEN "\033[32m"
#define YELLOW "\033[33m"
#define BOLD "\033[1m"
#define RESET "\033[0m"

static size_t on_body(char *p, size_t size, size_t n, void *userdata)
{
	struct reply *r = userdata;

	if (buf_append(&r->body, p, size * n) < 0) {
		r->too_large = true;
		return 0; /* ends the transfer with CURLE_WRITE_ERROR */
	}
	return size * n;
}

/* Keeps the ETag header of the final answer (a "100 Continue" comes with its own headers). */
static size_t on_header(char *p, size_t size, size_t n, void *userdata)
{
	struct reply *r = userdata;
	size_t len = size * n;
	const char *v = p + 5, *end = p + len;

	if (len >= 5 && !strncasecmp(p, "HTTP/", 5)) {
		free(r->etag);
		r->etag = NULL;
		return len;
	}
	if (len < 5 || strncasecmp(p, "etag:", 5))
		return len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && isspace((unsigned char)end[-1]))
		end--;
	free(r->etag);
	r->etag = strndup(v, (size_t)(end - v));
	return r->etag ? len : 0;
}

/*
 * Why a request got no answer: prints it and returns the exit status. The connection's errno
 * tells a missing socket (sdnd not running) from a refused one and from a denied one.
 */
static int report_transport(const struct ctl *c, CURLcode cc, const char *errbuf,
			    const struct reply *r)
{
	long oserr = 0;
	struct stat st;

	if (cc == CURLE_WRITE_ERROR && r->too_large) {
		fprintf(stderr, "sdnctl: sdnd's answer is larger than %zu MiB\n", MAX_BODY >> 20);
		return CTL_DAEMON_ERROR;
	}
	if (cc == CURLE_OPERATION_TIMEDOUT) {
		fprintf(stderr, "sdnctl: sdnd did not answer within %ld s on %s\n", TIMEOUT_S,
			c->socket);
		return CTL_UNREACHABLE;
	}
	if (cc == CURLE_GOT_NOTHING) {
		fprintf(stderr, "sdnctl: sdnd closed the connection on %s without answering\n",
			c->socket);
		return CTL_UNREACHABLE;
	}
	if (cc != CURLE_COULDNT_CONNECT) {
		fprintf(stderr, "sdnctl: cannot talk to sdnd on %s: %s\n", c->socket,
			*errbuf ? errbuf : curl_easy_strerror(cc));
		return CTL_UNREACHABLE;
	}
	curl_easy_getinfo(c->curl, CURLINFO_OS_ERRNO, &oserr);
	if (stat(c->socket, &st) == 0 && !S_ISSOCK(st.st_mode)) {
		fprintf(stderr, "sdnctl: cannot connect to %s: %s\n", c->socket,
			strerror(ENOTSOCK));
		return CTL_UNREACHABLE;
	}
	if (!oserr) /* libcurl did not say: ask the file system */
		oserr = stat(c->socket, &st) < 0 ? errno : ECONNREFUSED;
	switch (oserr) {
	case ENOENT:
	case ENOTDIR:
		fprintf(stderr, "sdnctl: sdnd is not running (no socket at %s)\n", c->socket);
		return CTL_UNREACHABLE;
	case ECONNREFUSED:
		fprintf(stderr, "sdnctl: sdnd is not running (nothing listens on %s)\n", c->socket);
		return CTL_UNREACHABLE;
	case EACCES:
	case EPERM:
		fprintf(stderr,
			"sdnctl: permission denied on %s: run as root or as a member of group sdnd\n",
			c->socket);
		return CTL_DENIED;
	default:
		fprintf(stderr, "sdnctl: cannot connect to %s: %s\n", c->socket,
			strerror((int)oserr));
		return CTL_UNREACHABLE;
	}
}

/*
 * Send one request and read the answer into *ret, whatever its HTTP status. Returns 0, or an
 * exit status after printing why there is no answer. *ret must be zeroed; the caller frees it
 * with reply_done() either way.
 */
static int http(struct ctl *c, const struct request *rq, struct reply *ret)
{
	_cleanup_(slist_freep) struct curl_slist *hdrs = NULL;
	char errbuf[CURL_ERROR_SIZE] = "", url[256], line[512];
	struct curl_slist *l;
	CURLcode cc;
	int e;

	snprintf(url, sizeof(url), "http://localhost%s", rq->path);
	curl_easy_reset(c->curl);
	curl_easy_setopt(c->curl, CURLOPT_UNIX_SOCKET_PATH, c->socket);
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	curl_easy_setopt(c->curl, CURLOPT_PROXY, ""); /* never a proxy from the environment */
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, TIMEOUT_S);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c->curl, CURLOPT_USERAGENT, "sdnctl/" SDND_VERSION);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, ret);
	curl_easy_setopt(c->curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, ret);

	/* "Expect:" turns off libcurl's "Expect: 100-continue" wait before a large body */
	l = curl_slist_append(hdrs, "Expect:");
	if (l)
		hdrs = l;
	if (l && rq->content_type) {
		snprintf(line, sizeof(line), "Content-Type: %s", rq->content_type);
		l = curl_slist_append(hdrs, line);
	}
	if (l && rq->if_match) {
		snprintf(line, sizeof(line), "If-Match: %s", rq->if_match);
		l = curl_slist_append(hdrs, line);
	}
	if (!l) {
		fprintf(stderr, "sdnctl: %s\n", strerror(ENOMEM));
		return CTL_DAEMON_ERROR;
	}
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, hdrs);
	if (!strcmp(rq->method, "PUT")) {
		curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, "PUT");
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, rq->body);
	}

	cc = curl_easy_perform(c->curl);
	if (cc == CURLE_OK)
		cc = curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &ret->status);
	e = cc == CURLE_OK ? 0 : report_transport(c, cc, errbuf, ret);
	/* the handle outlives the header list and the error buffer */
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, NULL);
	return e;
}

static const char *http_reason(long status)
{
	switch (status) {
	case 400:
		return "bad request";
	case 403:
		return "forbidden";
	case 404:
		return "not found (is sdnd older than sdnctl?)";
	case 405:
		return "method not allowed";
	case 412:
		return "precondition failed";
	case 413:
		return "document too large";
	case 415:
		return "unsupported content type";
	case 500:
		return "internal error";
	case 503:
		return "unavailable";
	default:
		return "unexpected status";
	}
}

/*
 * One of the daemon's "errors", on its own line. sdnd names an uploaded document "request";
 * the name of the file it came from lets an editor jump to FILE:LINE:COL.
 */
static void put_error_line(const struct ctl *c, const char *e)
{
	if (c->file && strcmp(c->file, "-") && !strncmp(e, "request:", 8)) {
		put_clean(c->file, stderr);
		e += strlen("request");
	}
	put_clean(e, stderr);
	fputc('\n', stderr);
}

/*
 * An answer that is not a success: prints sdnd's "error" (after its "where" if it has one)
 * and each of its "errors" on its own line, on stderr, and returns the exit status.
 */
static int report_http_error(const struct ctl *c, const struct reply *r)
{
	_cleanup_json_ struct json_object *j = parse_json(&r->body);
	struct json_object *errs = NULL;
	const char *msg = NULL, *where = NULL;
	size_t i;

	if (j && json_object_is_type(j, json_type_object)) {
		msg = jstr(j, "error");
		where = jstr(j, "where");
		errs = jarray(j, "errors");
	}
	fputs("sdnctl: ", stderr);
	if (where && *where && !jlen(errs)) { /* with errors, where is the first of them */
		put_clean(where, stderr);
		fputs(": ", stderr);
	}
	if (msg)
		put_clean(msg, stderr);
	else
		fprintf(stderr, "sdnd answered HTTP %ld (%s)", r->status, http_reason(r->status));
	fputc('\n', stderr);
	for (i = 0; i < jlen(errs); i++) {
		struct json_object *e = json_object_array_get_idx(errs, i);

		put_error_line(c, json_object_is_type(e, json_type_string)
					  ? json_object_get_string(e)
					  : json_object_to_json_string(e));
	}
	if (r->status == 403) {
		fprintf(stderr,
			"sdnctl: permission denied on %s: run as root or as a member of group sdnd\n",
			c->socket);
		return CTL_DENIED;
	}
	return r->status == 412 ? CTL_CONFLICT : CTL_DAEMON_ERROR;
}

/*
 * The JSON object of a 2xx answer into *ret; otherwise prints why not and returns the exit
 * status.
 */
static int reply_json(const struct ctl *c, const struct reply *r, struct json_object **ret)
{
	struct json_object *j;

	if (r->status < 200 || r->status > 299)
		return report_http_error(c, r);
	j = parse_json(&r->body);
	if (!j || !json_object_is_type(j, json_type_object)) {
		json_object_put(j);
		fprintf(stderr, "sdnctl: sdnd's answer is not a JSON object\n");
		return CTL_DAEMON_ERROR;
	}
	*ret = j;
	return 0;
}

/* GET path and its JSON object into *ret; 0 or an exit status. */
static int get_json(struct ctl *c, const char *path, struct json_object **ret)
{
	const struct request rq = { .method = "GET", .path = path };
	_cleanup_(reply_done) struct reply r = {};
	int e;

	e = http(c, &rq, &r);
	return e ? e : reply_json(c, &r, ret);
}

/* GET path and copy its body to stdout as it is (config, metrics). */
static int get_text(struct ctl *c, const char *path)
{
	const struct request rq = { .method = "GET", .path = path };
	_cleanup_(reply_done) struct reply r = {};
	int e;

	e = http(c, &rq, &r);
	if (e)
		return e;
	if (r.status < 200 || r.status > 299)
		return report_http_error(c, &r);
	if (r.body.len && fwrite(r.body.data, 1, r.body.len, stdout) != r.body.len)
		return CTL_DAEMON_ERROR; /* reported at exit by the flush check */
	return CTL_OK;
}

static const char *action_color(const struct ctl *c, const char *action)
{
	if (!strcmp(action, "create"))
		return color(c, GREEN);
	if (!strcmp(action, "delete"))
		return color(c, RED);
	return color(c, YELLOW);
}

/*
 * One action as sdnd_action_format() prints it: "ACTION KIND NAME[ (vnet V)]: ATTR VALUE, ...";
 * an update, or a replace of an attribute that had a different value, shows "FROM -> TO" with
 * an empty side as ""; a delete shows the old values; replace and delete end in " [REASON]".
 */
static void print_action(const struct ctl *c, struct json_object *a)
{
	const char *action = jstr(a, "action") ?: "?", *vnet = jstr(a, "vnet"), *reason;
	struct json_object *changes = jarray(a, "changes");
	bool update = !strcmp(action, "update"), replace = !strcmp(action, "replace");
	bool delete = !strcmp(action, "delete");
	size_t i;

	fputs(action_color(c, action), stdout);
	put_clean(action, stdout);
	fputs(color(c, RESET), stdout);
	putchar(' ');
	put_clean(jstr(a, "kind") ?: "?", stdout);
	putchar(' ');
	put_clean(jstr(a, "name") ?: "?", stdout);
	if (vnet && *vnet) {
		fputs(" (vnet ", stdout);
		put_clean(vnet, stdout);
		putchar(')');
	}
	for (i = 0; i < jlen(changes); i++) {
		struct json_object *ch = json_object_array_get_idx(changes, i);
		const char *attr = jstr(ch, "attr") ?: "?";
		const char *from = jstr(ch, "from") ?: "", *to = jstr(ch, "to") ?: "";

		fputs(i ? ", " : ": ", stdout);
		put_clean(attr, stdout);
		putchar(' ');
		if (update || (replace && *from && strcmp(from, to))) {
			put_clean(*from ? from : "\"\"", stdout);
			fputs(" -> ", stdout);
			put_clean(*to ? to : "\"\"", stdout);
		} else {
			put_clean(delete ? from : to, stdout);
		}
	}
	reason = jstr(a, "reason");
	if ((replace || delete) && reason) {
		fputs(" [", stdout);
		put_clean(reason, stdout);
		putchar(']');
	}
	putchar('\n');
}

/* A plan object as 'sdnd plan' prints it: conflicts, actions, or "nothing to change". */
static void print_plan(const struct ctl *c, struct json_object *plan)
{
	struct json_object *conflicts = jarray(plan, "conflicts"),
			   *actions = jarray(plan, "actions");
	size_t i;

	for (i = 0; i < jlen(conflicts); i++) {
		struct json_object *k = json_object_array_get_idx(conflicts, i);

		fputs("skip vnet ", stdout);
		put_clean(jstr(k, "vnet") ?: "?", stdout);
		fputs(": ", stdout);
		put_clean(jstr(k, "error") ?: "?", stdout);
		putchar('\n');
	}
	for (i = 0; i < jlen(actions); i++)
		print_action(c, json_object_array_get_idx(actions, i));
	if (!jlen(actions))
		puts("nothing to change");
}

/* The "plan" member of a PUT answer; prints why not and returns NULL if there is none. */
static struct json_object *answer_plan(struct json_object *answer)
{
	struct json_object *plan;

	if (json_object_object_get_ex(answer, "plan", &plan) &&
	    json_object_is_type(plan, json_type_object))
		return plan;
	fprintf(stderr, "sdnctl: sdnd's answer has no plan\n");
	return NULL;
}

/* "application/json" for FILE.json, else "application/yaml" (which JSON also is). */
static const char *content_type(const char *file)
{
	size_t n = strlen(file);

	return n > 5 && !strcasecmp(file + n - 5, ".json") ? "application/json"
							   : "application/yaml";
}

/* Read -f FILE into *ret; 0 or CTL_USAGE after saying why not. */
static int read_document(const struct ctl *c, struct buf *ret)
{
	int r = read_file(c->file, ret);

	if (r < 0) {
		fprintf(stderr, "sdnctl: cannot read %s: %s\n",
			strcmp(c->file, "-") ? c->file : "standard input", strerror(-r));
		return CTL_USAGE;
	}
	return 0;
}

/* PUT /v1/config?dry_run=1 with FILE: what applying it would change. */
static int plan_file(struct ctl *c)
{
	_cleanup_(reply_done) struct reply r = {};
	_cleanup_json_ struct json_object *answer = NULL;
	_cleanup_free_ char *doc = NULL;
	struct json_object *plan;
	struct request rq = {
		.method = "PUT",
		.path = "/v1/config?dry_run=1",
		.content_type = content_type(c->file),
	};
	struct buf b = {};
	int e;

	e = read_document(c, &b);
	if (e)
		return e;
	doc = b.data;
	rq.body = b.data;
	rq.body_len = b.len;
	e = http(c, &rq, &r);
	if (!e)
		e = reply_json(c, &r, &answer);
	if (e)
		return e;
	plan = answer_plan(answer);
	if (!plan)
		return CTL_DAEMON_ERROR;
	if (c->json)
		print_json(plan);
	else
		print_plan(c, plan);
	return CTL_OK;
}

static int cmd_plan(struct ctl *c)
{
	_cleanup_json_ struct json_object *plan = NULL;
	int e;

	if (c->file)
		return plan_file(c);
	e = get_json(c, "/v1/plan", &plan);
	if (e)
		return e;
	if (c->json)
		print_json(plan);
	else
		print_plan(c, plan);
	return CTL_OK;
}

/*
 * apply: GET /v1/config for the running generation's ETag, then PUT FILE with If-Match, so a
 * configuration someone else applied in between is not overwritten unseen (412, exit 3).
 */
static int cmd_apply(struct ctl *c)
{
	const struct request get = { .method = "GET", .path = "/v1/config" };
	_cleanup_(reply_done) struct reply cur = {}, r = {};
	_cleanup_json_ struct json_object *answer = NULL;
	_cleanup_free_ char *doc = NULL;
	struct json_object *plan;
	struct request put = {
		.method = "PUT",
		.path = "/v1/config",
		.content_type = content_type(c->file),
	};
	int64_t gen;
	struct buf b = {};
	int e;

	if (c->dry_run)
		return plan_file(c);
	e = read_document(c, &b);
	if (e)
		return e;
	doc = b.data;
	put.body = b.data;
	put.body_len = b.len;

	e = http(c, &get, &cur);
	if (e)
		return e;
	if (cur.status == 200 && cur.etag) {
		put.if_match = cur.etag;
	} else if (cur.status == 200) {
		fprintf(stderr,
			"sdnctl: warning: sdnd did not tell its running generation; applying "
			"%s unconditionally\n",
			c->file);
	} else if (cur.status != 404) {
		/* 404: no document is running yet, there is nothing to overwrite */
		return report_http_error(c, &cur);
	}

	e = http(c, &put, &r);
	if (e)
		return e;
	if (r.status == 412) {
		_cleanup_json_ struct json_object *j = parse_json(&r.body);

		fputs("sdnctl: the configuration changed meanwhile", stderr);
		if (j && json_object_is_type(j, json_type_object) && jint(j, "generation", &gen))
			fprintf(stderr, " (now generation %" PRId64 ")", gen);
		fprintf(stderr, "; review with 'sdnctl plan -f %s' and apply again\n", c->file);
		return CTL_CONFLICT;
	}
	e = reply_json(c, &r, &answer);
	if (e)
		return e;
	if (c->json) {
		print_json(answer);
		return CTL_OK;
	}
	plan = answer_plan(answer);
	if (!plan)
		return CTL_DAEMON_ERROR;
	print_plan(c, plan);
	if (jint(answer, "generation", &gen))
		printf("applied generation %" PRId64 "\n", gen);
	else
		printf("applied\n");
	return CTL_OK;
}

/* "3.2s ago (2025-11-22 11:09:03)" for a time in milliseconds since the epoch. */
static void format_age(int64_t ms, char *buf, size_t size)
{
	struct timespec now;
	char when[32] = "";
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	int64_t d;

	if (ms <= 0) {
		snprintf(buf, size, "never");
		return;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	d = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000 - ms;
	if (localtime_r(&t, &tm))
		strftime(when, sizeof(when), " (%Y-%m-%d %H:%M:%S)", &tm);
	if (d < 0)
		d = 0; /* the daemon's clock is ahead of ours */
	if (d < 10000)
		snprintf(buf, size, "%" PRId64 ".%" PRId64 "s ago%s", d / 1000, d % 1000 / 100,
			 when);
	else if (d < 60000)
		snprintf(buf, size, "%" PRId64 "s ago%s", d / 1000, when);
	else if (d < 3600000)
		snprintf(buf, size, "%" PRId64 "m %" PRId64 "s ago%s", d / 60000, d / 1000 % 60,
			 when);
	else if (d < 86400000)
		snprintf(buf, size, "%" PRId64 "h %" PRId64 "m ago%s", d / 3600000, d / 60000 % 60,
			 when);
	else
		snprintf(buf, size, "%" PRId64 "d %" PRId64 "h ago%s", d / 86400000,
			 d / 3600000 % 24, when);
}

static const char *state_color(const struct ctl *c, const char *state)
{
	if (!strcmp(state, "in-sync"))
		return color(c, GREEN);
	if (!strcmp(state, "pending"))
		return color(c, YELLOW);
	return color(c, RED);
}

#define LABEL "%-16s"

/* The config error, one line per error, continuation lines under the first. */
static void print_config_error(const struct ctl *c, const char *err, int64_t gen, bool have_gen)
{
	const char *p = err, *nl;

	printf(LABEL "%sthe last reload was rejected", "config error", color(c, RED));
	if (have_gen)
		printf("; generation %" PRId64 " stays in force", gen);
	printf("%s\n", color(c, RESET));
	while (*p) {
		_cleanup_free_ char *line = NULL;

		nl = strchrnul(p, '\n');
		line = strndup(p, (size_t)(nl - p));
		if (line && *line) {
			printf(LABEL "%s", "", color(c, RED));
			put_clean(line, stdout);
			printf("%s\n", color(c, RESET));
		}
		p = *nl ? nl + 1 : nl;
	}
}

/* The objects table: KIND NAME VNET STATE ERROR, columns as wide as their widest cell. */
static void print_objects(const struct ctl *c, struct json_object *objs)
{
	static const char *const cols[] = { "kind", "name", "vnet", "state" };
	size_t w[ARRAY_SIZE(cols)], i, k;

	for (k = 0; k < ARRAY_SIZE(cols); k++)
		w[k] = strlen(cols[k]);
	for (i = 0; i < jlen(objs); i++) {
		struct json_object *o = json_object_array_get_idx(objs, i);
		const char *state = jstr(o, "state") ?: "?";

		if (!c->all && !strcmp(state, "in-sync"))
			continue;
		for (k = 0; k < ARRAY_SIZE(cols); k++) {
			const char *v = jstr(o, cols[k]);
			size_t n = v && *v ? strlen(v) : 1;

			if (n > w[k])
				w[k] = n;
		}
	}
	printf("%s%-*s  %-*s  %-*s  %-*s  ERROR%s\n", color(c, BOLD), (int)w[0], "KIND", (int)w[1],
	       "NAME", (int)w[2], "VNET", (int)w[3], "STATE", color(c, RESET));
	for (i = 0; i < jlen(objs); i++) {
		struct json_object *o = json_object_array_get_idx(objs, i);
		const char *state = jstr(o, "state") ?: "?", *err = jstr(o, "error");

		if (!c->all && !strcmp(state, "in-sync"))
			continue;
		for (k = 0; k < 3; k++) {
			const char *v = jstr(o, cols[k]);

			if (!v || !*v)
				v = "-";
			put_clean(v, stdout);
			printf("%*s", (int)(w[k] - strlen(v) + 2), "");
		}
		fputs(state_color(c, state), stdout);
		put_clean(state, stdout);
		fputs(color(c, RESET), stdout);
		if (err && *err) {
			printf("%*s", (int)(w[3] - strlen(state) + 2), "");
			put_clean(err, stdout);
		}
		putchar('\n');
	}
}

static int cmd_status(struct ctl *c)
{
	_cleanup_json_ struct json_object *st = NULL;
	struct json_object *objs, *conflicts;
	size_t n_in_sync = 0, n_pending = 0, n_failed = 0, n, i;
	const char *config_error, *s;
	int64_t gen = 0, pid, last;
	bool have_gen;
	char age[96];
	int e;

	e = get_json(c, "/v1/status", &st);
	if (e)
		return e;
	objs = jarray(st, "objects");
	conflicts = jarray(st, "conflicts");
	config_error = jstr(st, "config_error");
	n = jlen(objs);
	for (i = 0; i < n; i++) {
		const char *state = jstr(json_object_array_get_idx(objs, i), "state") ?: "";

		if (!strcmp(state, "in-sync"))
			n_in_sync++;
		else if (!strcmp(state, "pending"))
			n_pending++;
		else
			n_failed++; /* failed, or a state this sdnctl does not know */
	}
	e = n_in_sync == n && !jlen(conflicts) && !(config_error && *config_error)
		    ? CTL_OK
		    : CTL_NOT_IN_SYNC;
	if (c->json) {
		print_json(st);
		return e;
	}

	printf(LABEL, "node");
	put_clean(jstr(st, "node") ?: "?", stdout);
	putchar('\n');
	have_gen = jint(st, "generation", &gen);
	printf(LABEL, "configuration");
	put_clean(jstr(st, "config") ?: "?", stdout);
	if (have_gen)
		printf(", generation %" PRId64, gen);
	if ((s = jstr(st, "config_hash")) && *s) {
		fputs(" (hash ", stdout);
		put_clean(s, stdout);
		putchar(')');
	}
	putchar('\n');
	printf(LABEL "sdnd ", "daemon");
	put_clean(jstr(st, "version") ?: "?", stdout);
	if (jint(st, "pid", &pid))
		printf(", pid %" PRId64, pid);
	putchar('\n');
	format_age(jint(st, "last_reconcile_ms", &last) ? last : 0, age, sizeof(age));
	printf(LABEL "%s\n", "last reconcile", age);
	if (config_error && *config_error)
		print_config_error(c, config_error, gen, have_gen);
	printf(LABEL "%zu: %zu in sync, %s%zu pending%s, %s%zu failed%s\n", "objects", n, n_in_sync,
	       n_pending ? color(c, YELLOW) : "", n_pending, n_pending ? color(c, RESET) : "",
	       n_failed ? color(c, RED) : "", n_failed, n_failed ? color(c, RESET) : "");

	putchar('\n');
	if (!n)
		printf("no objects\n");
	else if (n_in_sync == n && !c->all)
		printf("%sall %zu objects in sync%s\n", color(c, GREEN), n, color(c, RESET));
	else
		print_objects(c, objs);

	if (jlen(conflicts)) {
		printf("\n%sconflicts%s (vnets skipped):\n", color(c, RED), color(c, RESET));
		for (i = 0; i < jlen(conflicts); i++) {
			struct json_object *k = json_object_array_get_idx(conflicts, i);

			fputs("  vnet ", stdout);
			put_clean(jstr(k, "vnet") ?: "?", stdout);
			fputs(": ", stdout);
			put_clean(jstr(k, "error") ?: "?", stdout);
			putchar('\n');
		}
	}
	return e;
}

static int cmd_config(struct ctl *c)
{
	return get_text(c, "/v1/config");
}

static int cmd_metrics(struct ctl *c)
{
	return get_text(c, "/metrics");
}

struct command {
	const char *name;
	int (*run)(struct ctl *c);
	bool json, all, file, dry_run; /* the options the command takes */
};

static const struct command commands[] = {
	{ .name = "status", .run = cmd_status, .json = true, .all = true },
	{ .name = "plan", .run = cmd_plan, .json = true, .file = true },
	{ .name = "apply", .run = cmd_apply, .json = true, .file = true, .dry_run = true },
	{ .name = "config", .run = cmd_config },
	{ .name = "metrics", .run = cmd_metrics },
};

/*
 * Options go before or after the command. Returns -1 to go on with *ret_cmd, or the exit status
 * (help, version, a bad command line).
 */
static int parse_args(int argc, char **argv, struct ctl *c, const struct command **ret_cmd)
{
	/* clang-format off */
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "all", no_argument, NULL, 'a' },
		{ "file", required_argument, NULL, 'f' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{}
	};
	/* clang-format on */
	const struct command *cmd = NULL;
	bool help = false, version = false;
	int o;
	size_t i;

	opterr = 0; /* our messages, followed by the synopsis */
	while ((o = getopt_long(argc, argv, ":S:af:hV", opts, NULL)) != -1) {
		switch (o) {
		case 'S':
			c->socket = optarg;
			break;
		case 'j':
			c->json = true;
			break;
		case 'a':
			c->all = true;
			break;
		case 'f':
			c->file = optarg;
			break;
		case 'n':
			c->dry_run = true;
			break;
		case 'h':
			help = true;
			break;
		case 'V':
			version = true;
			break;
		case ':':
			return usage_error("option %s needs an argument", argv[optind - 1]);
		default:
			if (!strncmp(argv[optind - 1], "--", 2))
				return usage_error("unknown option or argument %s",
						   argv[optind - 1]);
			return usage_error("unknown option -%c", optopt);
		}
	}
	if (help || (optind < argc && !strcmp(argv[optind], "help"))) {
		usage(stdout);
		return CTL_OK;
	}
	if (version) {
		printf("sdnctl %s\n", SDND_VERSION);
		return CTL_OK;
	}
	if (optind >= argc)
		return usage_error("missing command");
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[optind], commands[i].name))
			cmd = &commands[i];
	if (!cmd)
		return usage_error("unknown command \"%s\"", argv[optind]);
	if (optind + 1 < argc)
		return usage_error("%s: unexpected argument \"%s\"", cmd->name, argv[optind + 1]);
	if (c->json && !cmd->json)
		return usage_error("%s: no --json (it prints the daemon's text as it is)",
				   cmd->name);
	if (c->all && !cmd->all)
		return usage_error("%s: --all is an option of status", cmd->name);
	if (c->file && !cmd->file)
		return usage_error("%s: -f is an option of plan and apply", cmd->name);
	if (c->dry_run && !cmd->dry_run)
		return usage_error("%s: --dry-run is an option of apply", cmd->name);
	if (!strcmp(cmd->name, "apply") && !c->file)
		return usage_error("apply: missing -f FILE");
	if (c->file && !*c->file)
		return usage_error("%s: -f needs a file name", cmd->name);
	if (!*c->socket || strlen(c->socket) >= sizeof(((struct sockaddr_un *)NULL)->sun_path))
		return usage_error("bad socket path \"%s\" (1 to %zu bytes)", c->socket,
				   sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1);
	*ret_cmd = cmd;
	return -1;
}

int main(int argc, char **argv)
{
	struct ctl c = { .socket = getenv("SDND_SOCKET") ?: DEFAULT_SOCKET };
	const struct command *cmd = NULL;
	const char *term = getenv("TERM");
	int e;

	e = parse_args(argc, argv, &c, &cmd);
	if (e >= 0)
		return e;
	c.color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && term && strcmp(term, "dumb");

	if (curl_global_init(CURL_GLOBAL_NOTHING) != CURLE_OK) {
		fprintf(stderr, "sdnctl: cannot initialise libcurl\n");
		return CTL_DAEMON_ERROR;
	}
	c.curl = curl_easy_init();
	if (!c.curl) {
		fprintf(stderr, "sdnctl: cannot initialise libcurl\n");
		curl_global_cleanup();
		return CTL_DAEMON_ERROR;
	}
	e = cmd->run(&c);
	curl_easy_cleanup(c.curl);
	curl_global_cleanup();

	/* a full disk or a closed pipe must not pass for success */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno != EPIPE)
			fprintf(stderr, "sdnctl: cannot write the output: %s\n", strerror(errno));
		if (!e)
			e = CTL_DAEMON_ERROR;
	}
	return e;
}
