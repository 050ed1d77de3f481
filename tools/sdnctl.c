// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sdnctl: the operator's client of sdnd's control API, HTTP/1.1 + JSON on a unix socket or on
 * the daemon's TCP listener. Commands: status, plan, apply, config, metrics, attach, detach,
 * attachments, hook. Run as sdnd-ifup (a symlink), it is the guest hook QEMU and LXC run when
 * they create a guest's interface. usage() is the reference for what each command prints and
 * for the exit statuses, which scripts rely on.
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
/* Where the hook is installed; CMake says, from the install prefix. */
#ifndef SDND_HOOK_PATH
#define SDND_HOOK_PATH "/usr/local/libexec/sdnd/sdnd-ifup"
#endif

#define DEFAULT_SOCKET "/run/sdnd/sdnd.sock"
#define HOOK_NAME "sdnd-ifup"
#define TIMEOUT_S 30L
/* The largest answer and -f document sdnctl holds in memory. */
#define MAX_BODY ((size_t)64 << 20)
/* Interface names are at most IFNAMSIZ - 1 bytes. */
#define IFNAME_MAX 15

/* Exit statuses: part of the interface, documented in usage(). */
enum ctl_exit {
	CTL_OK = 0,
	CTL_DAEMON_ERROR = 1, /* sdnd's error or unreadable answer; a failed attachment */
	CTL_USAGE = 2,	      /* bad command line, unreadable -f FILE or token file */
	CTL_CONFLICT = 3,     /* 412: the configuration changed meanwhile; 409: conflicts with it */
	CTL_UNREACHABLE = 4,  /* sdnd is not running, or did not answer */
	CTL_DENIED = 5,	      /* 401, 403, or EACCES on the socket */
	CTL_NOT_IN_SYNC = 6,  /* status: something is not as configured */
};

/* The attach options as given on the command line (NULL: not given). */
struct attach_opts {
	const char *vnet, *vlan, *trunks, *mac, *owner;
	bool no_learning;
};

/* What attach and the hook ask for: the body of PUT /v1/attachments/IFNAME, validated. */
struct attach_req {
	const char *ifname;
	const char *vnet;
	const char *trunks, *owner; /* NULL: not sent */
	char mac[18];		    /* lower case; "": not sent */
	int vlan;		    /* 0: not sent */
	bool learning;
};

struct ctl {
	const char *socket; /* the unix socket, when url is NULL */
	char *url;	    /* --url or $SDND_URL without its final '/'; NULL: the socket */
	const char *token_file;
	char *token;	  /* the token file's first line, sent as "Authorization: Bearer" */
	const char *file; /* -f, "-" for stdin */
	bool json, all, dry_run;
	bool cluster, wait;   /* status --cluster, apply --wait */
	unsigned int wait_s;  /* apply --timeout */
	bool color;	   /* stdout is a terminal that takes colours */
	char *const *args; /* the command's arguments */
	size_t nargs;
	const char *at_vnet; /* the hook's vnet from its program name, "sdnd-ifup@VNET" */
	struct attach_opts opt;
	struct attach_req req;
	char *owner; /* the hook's default owner, "qemu/IFNAME" or "lxc/CTNAME" */
	CURL *curl;  /* one handle, so apply's GET and PUT share the connection */
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
	const char *method; /* "GET", "PUT" or "DELETE" */
	const char *path;   /* "/v1/status", with the query if any */
	const char *body;   /* PUT only */
	size_t body_len;
	const char *content_type; /* PUT only */
	const char *if_match;	  /* an ETag as sdnd sent it, or NULL */
};

/* The name every message starts with: "sdnctl", or "sdnd-ifup" for the hook. */
static const char *prog = "sdnctl";
/* The hook: every message is one line, and says first which interface and vnet it is about. */
static bool hook_mode;
static char msg_ctx[160]; /* "IFNAME: vnet VNET: ", after prog in every message */

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
	"Usage: sdnctl [OPTIONS] COMMAND [ARGUMENTS] [COMMAND OPTIONS]\n"
	"       " HOOK_NAME "[@VNET] IFNAME | CTNAME net up TYPE IFNAME    (guest hook)\n"
	"\n"
	"Queries and configures the sdnd daemon of this node through its control API,\n"
	"on its unix socket, or on its TCP listener with --url.\n"
	"\n"
	"Commands:\n"
	"  status [--all]     node, daemon version and pid, configuration file and\n"
	"                     generation, a rejected reload's errors, time since the\n"
	"                     last reconcile, objects and attachments counted by\n"
	"                     state, one row per object not in sync (KIND NAME VNET\n"
	"                     STATE ERROR; --all: every object) or \"all N objects in\n"
	"                     sync\", one row per attachment not plugged (--all:\n"
	"                     every attachment), and the vnets skipped for a conflict\n"
	"  status --cluster   with a cluster store (sdnd --store): the definition's\n"
	"                     revision, then one row per node (NODE ALIVE APPLIED\n"
	"                     IN-SYNC PENDING FAILED LAST ERROR); exit 6 unless every\n"
	"                     live node applied the store's newest revision\n"
	"  plan               what sdnd would change in the kernel now\n"
	"  plan -f FILE       what making FILE the configuration would change\n"
	"                     (nothing is applied)\n"
	"  apply -f FILE      make FILE the running configuration, only if the running\n"
	"                     generation is still the one sdnctl read just before (so\n"
	"                     two operators cannot overwrite each other); prints the\n"
	"                     plan being applied and \"applied generation N\"\n"
	"  apply -f FILE --dry-run\n"
	"                     the same as plan -f FILE\n"
	"  apply -f FILE --wait [--timeout S]\n"
	"                     then, with a cluster store, wait until every live node\n"
	"                     applied the new revision (at most S seconds, default\n"
	"                     30); exit 6 naming the nodes that did not\n"
	"  config             print the running configuration document\n"
	"  metrics            print the daemon's metrics (Prometheus text format)\n"
	"  attach IFNAME --vnet VNET [--vlan N] [--trunks LIST] [--mac MAC]\n"
	"         [--no-learning] [--owner TEXT]\n"
	"                     plug the interface IFNAME (a VM's tap, a container's\n"
	"                     veth) into VNET, at once if it exists, else as soon as\n"
	"                     it appears, and keep it there; replaces IFNAME's\n"
	"                     previous attachment. Prints \"IFNAME: plugged into vnet\n"
	"                     VNET\", or \"IFNAME: attached to vnet VNET; STATE: ...\"\n"
	"                     when it is pending or absent\n"
	"  detach IFNAME      remove IFNAME's attachment; prints \"IFNAME: detached\n"
	"                     from vnet VNET\"\n"
	"  attachments        every attachment, one per row: IFNAME VNET VLAN TRUNKS\n"
	"                     MAC LEARNING STATE OWNER ERROR (\"-\": not set), without\n"
	"                     the columns no attachment has a value in (LEARNING:\n"
	"                     shown when one has it off); or \"no attachments\"\n"
	"  hook [ATTACH OPTIONS] IFNAME\n"
	"  hook [ATTACH OPTIONS] CTNAME net up TYPE IFNAME\n"
	"                     the guest hook (below) as a command\n"
	"  help               print this help\n"
	"\n"
	"Options (before or after the command):\n"
	"  -S, --socket PATH  sdnd's control socket (default: $SDND_SOCKET if set,\n"
	"                     else " DEFAULT_SOCKET ")\n"
	"      --url URL      talk to sdnd's TCP listener at URL instead of the\n"
	"                     socket, e.g. http://192.0.2.1:8787 (default: $SDND_URL\n"
	"                     if set and -S is not given)\n"
	"      --token-file FILE\n"
	"                     send the first line of FILE as sdnd's API token\n"
	"                     (Authorization: Bearer TOKEN), which the TCP listener\n"
	"                     requires (default: $SDND_TOKEN_FILE if set)\n"
	"      --json         status, plan, apply, attach, detach, attachments: print\n"
	"                     sdnd's JSON answer, pretty; plan prints the plan\n"
	"                     {\"actions\", \"conflicts\"} with or without -f, apply\n"
	"                     {\"generation\", \"plan\"}, attach and detach the\n"
	"                     attachment, attachments {\"attachments\": [...]}\n"
	"  -a, --all          status: list every object and attachment\n"
	"  -f, --file FILE    plan, apply: the configuration, YAML or JSON; sent as\n"
	"                     application/json if FILE ends in .json, else as\n"
	"                     application/yaml; - reads standard input\n"
	"      --dry-run      apply: show what would change, apply nothing\n"
	"  -h, --help         print this help\n"
	"  -V, --version      print sdnctl's version\n"
	"\n"
	"Attach options (attach, hook):\n"
	"      --vnet VNET    the vnet to plug the interface into (attach: required)\n"
	"      --vlan N       the port's VLAN tag, 1 to 4094 (VLAN-aware vnets)\n"
	"      --trunks LIST  the VLANs the port also carries tagged: IDs and ranges\n"
	"                     separated by ';', e.g. 10-20;30 (VLAN-aware vnets)\n"
	"      --mac MAC      the guest's MAC address, e.g. bc:24:11:00:00:01\n"
	"      --no-learning  no MAC address learning on the port (default: on)\n"
	"      --owner TEXT   whose interface it is, free text, e.g. vm/100\n"
	"IFNAME is 1 to 15 characters, without '/', ':' or white space.\n"
	"\n"
	"Attachment states: plugged (on its vnet with all its settings), pending\n"
	"(being applied), failed (see ERROR), absent (the interface does not exist;\n"
	"it is plugged as soon as it appears), orphaned (its vnet is no longer in\n"
	"this node's configuration), detached (in detach's answer).\n"
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
	"Guest hook:\n"
	"  Run under a name starting with " HOOK_NAME " (a symlink to sdnctl, installed\n"
	"  as " SDND_HOOK_PATH "), sdnctl attaches the interface\n"
	"  QEMU or LXC just created for a guest, and exits:\n"
	"    QEMU  -netdev tap,id=net0,ifname=IFNAME,script=HOOK,downscript=no\n"
	"          runs HOOK IFNAME\n"
	"    LXC   lxc.net.0.script.up = HOOK\n"
	"          runs HOOK CTNAME net up veth IFNAME; with lxc.hook.version = 1,\n"
	"          HOOK without arguments, and LXC_NET_PEER=IFNAME, LXC_NAME=CTNAME\n"
	"  The vnet is --vnet (hook command), else $SDND_VNET, else what follows '@'\n"
	"  in the program name: through a symlink " HOOK_NAME "@web -> " HOOK_NAME ", vnet\n"
	"  web, so one symlink per vnet can be QEMU's script. The other settings\n"
	"  come from SDND_VLAN, SDND_TRUNKS, SDND_MAC, SDND_LEARNING (0/1, no/yes,\n"
	"  off/on) and SDND_OWNER (default qemu/IFNAME, or lxc/CTNAME), unless\n"
	"  given as options of hook; SDND_SOCKET, SDND_URL and SDND_TOKEN_FILE as\n"
	"  for sdnctl. Plugged, pending or absent: exit 0, silently. Otherwise one\n"
	"  line on standard error naming the interface, the vnet, sdnd's error and\n"
	"  where it is, e.g.\n"
	"    " HOOK_NAME ": tap100i0: vnet web refused: vnet web does not exist on\n"
	"    this node (vnet)\n"
	"  and the exit status below, so QEMU or LXC do not start the guest.\n"
	"\n"
	"Environment:\n"
	"  SDND_SOCKET, SDND_URL, SDND_TOKEN_FILE\n"
	"                     the defaults of -S, --url and --token-file\n"
	"  SDND_VNET, SDND_VLAN, SDND_TRUNKS, SDND_MAC, SDND_LEARNING, SDND_OWNER\n"
	"                     the guest hook's settings\n"
	"  LXC_NET_PEER, LXC_NAME, LXC_HOOK_TYPE\n"
	"                     what LXC tells the hook (lxc.hook.version = 1)\n"
	"  NO_COLOR           no colours, even on a terminal\n"
	"\n"
	"Exit status:\n"
	"  0  success; status: every object in sync and no attachment failed or\n"
	"     pending; attach, hook: the attachment is plugged, pending or absent\n"
	"  1  sdnd answered with an error, printed on standard error; an invalid\n"
	"     configuration's errors follow, one per line (FILE:LINE:COL: key:\n"
	"     message); attach, hook: sdnd refused the request (400, 413, 415) or\n"
	"     the attachment failed; detach: IFNAME has no attachment (404)\n"
	"  2  bad command line (attach, hook: a bad IFNAME, VLAN, trunks or MAC, no\n"
	"     vnet, a bad SDND_* variable), or -f FILE or the token file cannot be\n"
	"     read\n"
	"  3  apply: the configuration changed since sdnctl read it; review with\n"
	"     'sdnctl plan -f FILE' and apply again; attach, hook: the request\n"
	"     conflicts with the running configuration (409: the vnet does not\n"
	"     exist on this node, VLAN options on a vnet that is not VLAN-aware, or\n"
	"     IFNAME is one of sdnd's own devices)\n"
	"  4  sdnd cannot be reached: not running (no socket, nothing listening), the\n"
	"     connection failed or dropped, or no answer within 30 s\n"
	"  5  permission denied: run as root or as a member of group sdnd; on the\n"
	"     TCP listener, authentication failed: no token, or a wrong one\n"
	"  6  status (also with --json): some objects are failed or pending, some\n"
	"     attachments are failed or pending (absent and orphaned ones do not\n"
	"     count), some vnets are skipped for a conflict, or the last reload was\n"
	"     rejected\n";

static void usage(FILE *f)
{
	fputs(usage_text, f);
}

/* The start of every message on stderr: "sdnctl: ", or "sdnd-ifup: IFNAME: vnet VNET: ". */
static void err_prefix(void)
{
	fprintf(stderr, "%s: %s", prog, msg_ctx);
}

static void errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void errorf(const char *fmt, ...)
{
	va_list ap;

	err_prefix();
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

/*
 * A bad command line: the message, the synopsis (not from the hook, which says it all in one
 * line), CTL_USAGE.
 */
static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	err_prefix();
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (hook_mode)
		return CTL_USAGE;
	fputs("Usage: sdnctl [-S PATH | --url URL] [--token-file FILE] COMMAND, where COMMAND is\n"
	      "         [--json] status [--all | --cluster]\n"
	      "         [--json] plan [-f FILE]\n"
	      "         [--json] apply -f FILE [--dry-run | --wait [--timeout S]]\n"
	      "         config | metrics\n"
	      "         [--json] attach IFNAME --vnet VNET [--vlan N] [--trunks LIST] [--mac MAC]\n"
	      "                  [--no-learning] [--owner TEXT]\n"
	      "         [--json] detach IFNAME\n"
	      "         [--json] attachments\n"
	      "         hook [--vnet VNET ...] IFNAME | CTNAME net up TYPE IFNAME\n"
	      "Run 'sdnctl --help' for every option and exit status.\n",
	      stderr);
	return CTL_USAGE;
}

/*
 * What the hook's messages are about, "IFNAME: vnet VNET: " (vnet may be NULL), with control
 * characters shown as '?'.
 */
static void set_msg_ctx(const char *ifname, const char *vnet)
{
	char *p;

	if (vnet)
		snprintf(msg_ctx, sizeof(msg_ctx), "%s: vnet %s: ", ifname, vnet);
	else
		snprintf(msg_ctx, sizeof(msg_ctx), "%s: ", ifname);
	for (p = msg_ctx; *p; p++)
		if (iscntrl((unsigned char)*p))
			*p = '?';
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

static bool jbool(struct json_object *o, const char *key, bool *ret)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_boolean))
		return false;
	*ret = json_object_get_boolean(v);
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

/* Where sdnctl talks to sdnd, for messages: the socket's path or the URL. */
static const char *target(const struct ctl *c)
{
	return c->url ?: c->socket;
}

/*
 * Why a request got no answer: prints it and returns the exit status. On the unix socket, the
 * connection's errno tells a missing socket (sdnd not running) from a refused one and from a
 * denied one.
 */
static int report_transport(const struct ctl *c, CURLcode cc, const char *errbuf,
			    const struct reply *r)
{
	long oserr = 0;
	struct stat st;

	if (cc == CURLE_WRITE_ERROR && r->too_large) {
		errorf("sdnd's answer is larger than %zu MiB\n", MAX_BODY >> 20);
		return CTL_DAEMON_ERROR;
	}
	if (cc == CURLE_OPERATION_TIMEDOUT) {
		errorf("sdnd did not answer within %ld s on %s\n", TIMEOUT_S, target(c));
		return CTL_UNREACHABLE;
	}
	if (cc == CURLE_GOT_NOTHING) {
		errorf("sdnd closed the connection on %s without answering\n", target(c));
		return CTL_UNREACHABLE;
	}
	if (cc != CURLE_COULDNT_CONNECT || c->url) {
		curl_easy_getinfo(c->curl, CURLINFO_OS_ERRNO, &oserr);
		if (cc == CURLE_COULDNT_CONNECT && oserr)
			errorf("cannot connect to sdnd on %s: %s\n", c->url, strerror((int)oserr));
		else
			errorf("cannot talk to sdnd on %s: %s\n", target(c),
			       *errbuf ? errbuf : curl_easy_strerror(cc));
		return CTL_UNREACHABLE;
	}
	curl_easy_getinfo(c->curl, CURLINFO_OS_ERRNO, &oserr);
	if (stat(c->socket, &st) == 0 && !S_ISSOCK(st.st_mode)) {
		errorf("cannot connect to %s: %s\n", c->socket, strerror(ENOTSOCK));
		return CTL_UNREACHABLE;
	}
	if (!oserr) /* libcurl did not say: ask the file system */
		oserr = stat(c->socket, &st) < 0 ? errno : ECONNREFUSED;
	switch (oserr) {
	case ENOENT:
	case ENOTDIR:
		errorf("sdnd is not running (no socket at %s)\n", c->socket);
		return CTL_UNREACHABLE;
	case ECONNREFUSED:
		errorf("sdnd is not running (nothing listens on %s)\n", c->socket);
		return CTL_UNREACHABLE;
	case EACCES:
	case EPERM:
		errorf("permission denied on %s: run as root or as a member of group sdnd\n",
		       c->socket);
		return CTL_DENIED;
	default:
		errorf("cannot connect to %s: %s\n", c->socket, strerror((int)oserr));
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
	_cleanup_free_ char *url = NULL, *auth = NULL;
	char errbuf[CURL_ERROR_SIZE] = "", line[512];
	struct curl_slist *l;
	CURLcode cc;
	int e;

	if (asprintf(&url, "%s%s", c->url ?: "http://localhost", rq->path) < 0) {
		url = NULL;
		errorf("%s\n", strerror(ENOMEM));
		return CTL_DAEMON_ERROR;
	}
	curl_easy_reset(c->curl);
	if (!c->url)
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
	if (l && c->token) {
		if (asprintf(&auth, "Authorization: Bearer %s", c->token) < 0)
			auth = NULL;
		l = auth ? curl_slist_append(hdrs, auth) : NULL;
	}
	if (!l) {
		errorf("%s\n", strerror(ENOMEM));
		return CTL_DAEMON_ERROR;
	}
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, hdrs);
	if (!strcmp(rq->method, "PUT")) {
		curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, "PUT");
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, rq->body);
	} else if (!strcmp(rq->method, "DELETE")) {
		curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, "DELETE");
	}

	cc = curl_easy_perform(c->curl);
	if (cc == CURLE_OK)
		cc = curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &ret->status);
	e = cc == CURLE_OK ? 0 : report_transport(c, cc, errbuf, ret);
	/* the handle outlives the header list and the error buffer */
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, NULL);
	if (auth)
		explicit_bzero(auth, strlen(auth));
	return e;
}

static const char *http_reason(long status)
{
	switch (status) {
	case 400:
		return "bad request";
	case 401:
		return "authentication failed";
	case 403:
		return "forbidden";
	case 404:
		return "not found (is sdnd older than sdnctl?)";
	case 405:
		return "method not allowed";
	case 409:
		return "conflict";
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
 * The exit status of an answer that is not a success, after the advice its status calls for
 * (none from the hook, which says everything in one line).
 */
static int http_error_exit(const struct ctl *c, const struct reply *r)
{
	if (r->status == 409 || r->status == 412)
		return CTL_CONFLICT;
	if (r->status != 401 && r->status != 403)
		return CTL_DAEMON_ERROR;
	if (hook_mode)
		return CTL_DENIED;
	if (r->status == 401 && c->token)
		errorf("authentication failed on %s: the token in %s was not accepted\n", target(c),
		       c->token_file);
	else if (r->status == 401)
		errorf("authentication failed on %s: give sdnd's API token with --token-file FILE "
		       "or SDND_TOKEN_FILE\n",
		       target(c));
	else if (c->url)
		errorf("permission denied on %s\n", c->url);
	else
		errorf("permission denied on %s: run as root or as a member of group sdnd\n",
		       c->socket);
	return CTL_DENIED;
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
	err_prefix();
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
	return http_error_exit(c, r);
}

/*
 * A refused attachment request, in one line, "PROG: WHAT: ERROR (WHERE)", WHAT being e.g.
 * "tap100i0: vnet web refused"; returns the exit status.
 */
static int report_refusal(const struct ctl *c, const char *what, const struct reply *r)
{
	_cleanup_json_ struct json_object *j = parse_json(&r->body);
	const char *msg = NULL, *where = NULL;

	if (j && json_object_is_type(j, json_type_object)) {
		msg = jstr(j, "error");
		where = jstr(j, "where");
	}
	fprintf(stderr, "%s: ", prog);
	put_clean(what, stderr);
	fputs(": ", stderr);
	if (msg && *msg)
		put_clean(msg, stderr);
	else
		fprintf(stderr, "sdnd answered HTTP %ld (%s)", r->status, http_reason(r->status));
	if (where && *where) {
		fputs(" (", stderr);
		put_clean(where, stderr);
		fputc(')', stderr);
	}
	fputc('\n', stderr);
	return http_error_exit(c, r);
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
		errorf("sdnd's answer is not a JSON object\n");
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
	errorf("sdnd's answer has no plan\n");
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
		errorf("cannot read %s: %s\n", strcmp(c->file, "-") ? c->file : "standard input",
		       strerror(-r));
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

/* One node of GET /v1/cluster: has it applied revision rev (reconciled, nothing pending)? */
static bool node_applied(struct json_object *n, int64_t rev, bool *ret_rejected)
{
	struct json_object *st;
	int64_t r = 0, pending = 1, rejected = 0;

	*ret_rejected = false;
	if (!json_object_object_get_ex(n, "status", &st))
		return false;
	jint(st, "revision", &r);
	jint(st, "pending", &pending);
	jint(st, "rejected_revision", &rejected);
	*ret_rejected = rejected >= rev;
	return r >= rev && !pending;
}

static bool node_alive(struct json_object *n)
{
	struct json_object *v;

	return json_object_object_get_ex(n, "alive", &v) && json_object_get_boolean(v);
}

/* status --cluster: every node of the cluster store, live or not, and what it applied. */
static int cmd_cluster_status(struct ctl *c)
{
	_cleanup_json_ struct json_object *cl = NULL;
	struct json_object *nodes, *v;
	int64_t rev = 0;
	size_t i, n;
	int e, ret = CTL_OK;
	bool connected;

	e = get_json(c, "/v1/cluster", &cl);
	if (e)
		return e;
	/* the store's newest definition is what every node should run */
	if (!jint(cl, "store_revision", &rev) || !rev)
		jint(cl, "revision", &rev);
	nodes = jarray(cl, "nodes");
	n = jlen(nodes);
	/* a node that cannot reach the store cannot tell */
	if (json_object_object_get_ex(cl, "connected", &v) && !json_object_get_boolean(v))
		ret = CTL_NOT_IN_SYNC;
	for (i = 0; i < n; i++) {
		struct json_object *nd = json_object_array_get_idx(nodes, i);
		bool rejected;

		if (node_alive(nd) && !node_applied(nd, rev, &rejected))
			ret = CTL_NOT_IN_SYNC;
	}
	if (c->json) {
		print_json(cl);
		return ret;
	}
	printf("definition revision %" PRId64 " in ", rev);
	put_clean(jstr(cl, "store") ?: "?", stdout);
	connected = !json_object_object_get_ex(cl, "connected", &v) || json_object_get_boolean(v);
	if (!connected) {
		fputs(" (not reachable from this node", stdout);
		if (jstr(cl, "error")) {
			fputs(": ", stdout);
			put_clean(jstr(cl, "error"), stdout);
		}
		fputs(")", stdout);
	}
	printf("\n%-16s %-5s %-8s %7s %7s %6s  %s\n", "NODE", "ALIVE", "APPLIED", "IN-SYNC",
	       "PENDING", "FAILED", "LAST ERROR");
	for (i = 0; i < n; i++) {
		struct json_object *nd = json_object_array_get_idx(nodes, i), *st = NULL;
		int64_t applied = 0, in_sync = 0, pending = 0, failed = 0, rejected = 0;
		const char *err = NULL;
		char ab[24] = "-";

		if (json_object_object_get_ex(nd, "status", &st)) {
			jint(st, "revision", &applied);
			jint(st, "in_sync", &in_sync);
			jint(st, "pending", &pending);
			jint(st, "failed", &failed);
			jint(st, "rejected_revision", &rejected);
			err = jstr(st, "last_error");
			if (!err || !*err) {
				struct json_object *fo = jarray(st, "failed_objects");

				if (jlen(fo))
					err = jstr(json_object_array_get_idx(fo, 0), "error");
			}
			snprintf(ab, sizeof(ab), "%" PRId64 "%s", applied,
				 rejected > applied ? "!" : "");
		}
		/* cut off from the store, this node knows only who was alive */
		printf("%-16s %-5s %-8s %7" PRId64 " %7" PRId64 " %6" PRId64 "  ",
		       jstr(nd, "name") ?: "?", !connected ? "?" : node_alive(nd) ? "yes" : "no", ab,
		       in_sync, pending, failed);
		if (rejected > applied)
			printf("revision %" PRId64 " rejected: ", rejected);
		put_clean(err && *err ? err : "", stdout);
		putchar('\n');
	}
	return ret;
}

/*
 * apply --wait: until every live node of the cluster has applied revision rev (or has rejected
 * it), at most c->wait_s seconds. A node without a cluster store applied it already.
 */
static int wait_applied(struct ctl *c, int64_t rev)
{
	struct timespec t0, now;
	int e;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		_cleanup_json_ struct json_object *cl = NULL;
		struct json_object *nodes;
		size_t i, n, done = 0, live = 0, rejected_n = 0;
		double el;

		e = get_json(c, "/v1/cluster", &cl);
		if (e)
			return e;
		nodes = jarray(cl, "nodes");
		n = jlen(nodes);
		for (i = 0; i < n; i++) {
			struct json_object *nd = json_object_array_get_idx(nodes, i);
			bool rejected;

			if (!node_alive(nd))
				continue;
			live++;
			done += node_applied(nd, rev, &rejected);
			rejected_n += rejected;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		el = (double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) / 1e9;
		if (done == live || rejected_n || el >= c->wait_s) {
			if (done == live && !c->json)
				printf("revision %" PRId64 " applied on all %zu live node%s in %.2f s\n",
				       rev, live, live == 1 ? "" : "s", el);
			if (done == live)
				return CTL_OK;
			errorf("revision %" PRId64 " is not applied on %zu of %zu live node%s%s:",
			       rev, live - done, live, live == 1 ? "" : "s",
			       rejected_n ? "" : " after the timeout");
			for (i = 0; i < n; i++) {
				struct json_object *nd = json_object_array_get_idx(nodes, i), *st;
				bool rejected;

				if (!node_alive(nd) || node_applied(nd, rev, &rejected))
					continue;
				fputc(' ', stderr);
				put_clean(jstr(nd, "name") ?: "?", stderr);
				if (rejected && json_object_object_get_ex(nd, "status", &st)) {
					fputs(" (rejected: ", stderr);
					put_clean(jstr(st, "last_error") ?: "", stderr);
					fputc(')', stderr);
				}
			}
			fputc('\n', stderr);
			return CTL_NOT_IN_SYNC;
		}
		usleep(50 * 1000);
	}
}

/* apply --wait, after the PUT answered r: with a cluster store, its ETag is the revision. */
static int apply_wait(struct ctl *c, const struct reply *r)
{
	_cleanup_(reply_done) struct reply cl = {};
	const struct request get = { .method = "GET", .path = "/v1/cluster" };
	int64_t rev;
	int e;

	e = http(c, &get, &cl);
	if (e)
		return e;
	if (cl.status == 404)
		return CTL_OK; /* no cluster store: the PUT applied it */
	if (!r->etag || (rev = strtoll(r->etag + (r->etag[0] == '"'), NULL, 10)) <= 0) {
		errorf("sdnd did not tell the new revision; cannot wait for it\n");
		return CTL_DAEMON_ERROR;
	}
	return wait_applied(c, rev);
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
		errorf("warning: sdnd did not tell its running generation; applying %s "
		       "unconditionally\n",
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

		errorf("the configuration changed meanwhile");
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
		return c->wait ? apply_wait(c, &r) : CTL_OK;
	}
	plan = answer_plan(answer);
	if (!plan)
		return CTL_DAEMON_ERROR;
	print_plan(c, plan);
	if (jint(answer, "generation", &gen))
		printf("applied generation %" PRId64 "\n", gen);
	else
		printf("applied\n");
	return c->wait ? apply_wait(c, &r) : CTL_OK;
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

/* The columns of an attachments table, in their order. */
enum att_col {
	COL_IFNAME,
	COL_VNET,
	COL_VLAN,
	COL_TRUNKS,
	COL_MAC,
	COL_LEARNING,
	COL_STATE,
	COL_OWNER,
	COL_ERROR,
	N_ATT_COLS,
};

static const char *const att_col_names[N_ATT_COLS] = {
	[COL_IFNAME] = "IFNAME", [COL_VNET] = "VNET",	[COL_VLAN] = "VLAN",
	[COL_TRUNKS] = "TRUNKS", [COL_MAC] = "MAC",	[COL_LEARNING] = "LEARNING",
	[COL_STATE] = "STATE",	 [COL_OWNER] = "OWNER", [COL_ERROR] = "ERROR",
};

static const char *nonempty(const char *s)
{
	return s && *s ? s : NULL;
}

/* One cell of an attachment's row, NULL when it has no value there; buf holds numbers. */
static const char *att_cell(struct json_object *a, enum att_col col, char *buf, size_t size)
{
	int64_t vlan;
	bool on;

	switch (col) {
	case COL_IFNAME:
		return nonempty(jstr(a, "ifname"));
	case COL_VNET:
		return nonempty(jstr(a, "vnet"));
	case COL_VLAN:
		if (!jint(a, "vlan", &vlan))
			return NULL;
		snprintf(buf, size, "%" PRId64, vlan);
		return buf;
	case COL_TRUNKS:
		return nonempty(jstr(a, "trunks"));
	case COL_MAC:
		return nonempty(jstr(a, "mac"));
	case COL_LEARNING:
		if (!jbool(a, "learning", &on))
			return NULL;
		return on ? "on" : "off";
	case COL_STATE:
		return nonempty(jstr(a, "state"));
	case COL_OWNER:
		return nonempty(jstr(a, "owner"));
	case COL_ERROR:
		return nonempty(jstr(a, "error"));
	case N_ATT_COLS:
		break;
	}
	return NULL;
}

static const char *att_state_color(const struct ctl *c, const char *state)
{
	if (!strcmp(state, "plugged"))
		return color(c, GREEN);
	if (!strcmp(state, "absent"))
		return "";
	if (!strcmp(state, "pending") || !strcmp(state, "orphaned") || !strcmp(state, "detached"))
		return color(c, YELLOW);
	return color(c, RED);
}

/* Whether an attachment is a row of the table: every one with all, else those not plugged. */
static bool att_shown(struct json_object *a, bool all)
{
	return all || strcmp(jstr(a, "state") ?: "", "plugged");
}

/*
 * The attachments table. IFNAME, VNET and STATE always; the other columns only when a row has
 * a value there (LEARNING: when a row has it off). Columns as wide as their widest cell.
 */
static void print_attachments(const struct ctl *c, struct json_object *atts, bool all)
{
	bool show[N_ATT_COLS] = { [COL_IFNAME] = true, [COL_VNET] = true, [COL_STATE] = true };
	size_t w[N_ATT_COLS], i;
	char num[24];
	int k, last = 0;

	for (k = 0; k < N_ATT_COLS; k++)
		w[k] = strlen(att_col_names[k]);
	for (i = 0; i < jlen(atts); i++) {
		struct json_object *a = json_object_array_get_idx(atts, i);

		if (!att_shown(a, all))
			continue;
		for (k = 0; k < N_ATT_COLS; k++) {
			const char *v = att_cell(a, k, num, sizeof(num));

			if (!v)
				continue;
			if (k != COL_LEARNING || !strcmp(v, "off"))
				show[k] = true;
			if (strlen(v) > w[k])
				w[k] = strlen(v);
		}
	}
	for (k = 0; k < N_ATT_COLS; k++)
		if (show[k])
			last = k;

	fputs(color(c, BOLD), stdout);
	for (k = 0; k < N_ATT_COLS; k++) {
		if (!show[k])
			continue;
		if (k == last)
			fputs(att_col_names[k], stdout);
		else
			printf("%-*s  ", (int)w[k], att_col_names[k]);
	}
	printf("%s\n", color(c, RESET));
	for (i = 0; i < jlen(atts); i++) {
		struct json_object *a = json_object_array_get_idx(atts, i);

		if (!att_shown(a, all))
			continue;
		for (k = 0; k < N_ATT_COLS; k++) {
			const char *v = att_cell(a, k, num, sizeof(num)) ?: "-";

			if (!show[k])
				continue;
			if (k == COL_STATE)
				fputs(att_state_color(c, v), stdout);
			put_clean(v, stdout);
			if (k == COL_STATE)
				fputs(color(c, RESET), stdout);
			if (k != last)
				printf("%*s", (int)(w[k] - strlen(v) + 2), "");
		}
		putchar('\n');
	}
}

/* Attachments counted by state. */
struct att_count {
	size_t total, plugged, pending, failed, absent, orphaned;
};

static void count_attachments(struct json_object *atts, struct att_count *ret)
{
	struct att_count n = {};
	size_t i;

	for (i = 0; i < jlen(atts); i++) {
		const char *state = jstr(json_object_array_get_idx(atts, i), "state") ?: "";

		n.total++;
		if (!strcmp(state, "plugged"))
			n.plugged++;
		else if (!strcmp(state, "pending"))
			n.pending++;
		else if (!strcmp(state, "absent"))
			n.absent++;
		else if (!strcmp(state, "orphaned"))
			n.orphaned++;
		else
			n.failed++; /* failed, or a state this sdnctl does not know */
	}
	*ret = n;
}

static int cmd_status(struct ctl *c)
{
	_cleanup_json_ struct json_object *st = NULL;
	struct json_object *objs, *conflicts, *atts, *fw;
	size_t n_in_sync = 0, n_pending = 0, n_failed = 0, n, i;
	const char *config_error, *s, *fw_state;
	int64_t gen = 0, pid, last;
	struct att_count na;
	bool have_gen;
	char age[96];
	int e;

	if (c->cluster)
		return cmd_cluster_status(c);
	e = get_json(c, "/v1/status", &st);
	if (e)
		return e;
	objs = jarray(st, "objects");
	conflicts = jarray(st, "conflicts");
	config_error = jstr(st, "config_error");
	atts = jarray(st, "attachments"); /* NULL from an sdnd without attachments */
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
	/* absent (a stopped guest) and orphaned attachments are no reason to fail */
	count_attachments(atts, &na);
	fw = json_object_object_get_ex(st, "firewall", &fw) ? fw : NULL; /* NULL: an older sdnd */
	fw_state = fw ? jstr(fw, "state") : NULL;
	e = n_in_sync == n && !jlen(conflicts) && !(config_error && *config_error) && !na.pending &&
			    !na.failed && (!fw_state || !strcmp(fw_state, "in-sync"))
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
	if (atts && !na.total)
		printf(LABEL "none\n", "attachments");
	else if (atts)
		printf(LABEL "%zu: %zu plugged, %s%zu pending%s, %s%zu failed%s, %zu absent, "
			     "%zu orphaned\n",
		       "attachments", na.total, na.plugged, na.pending ? color(c, YELLOW) : "",
		       na.pending, na.pending ? color(c, RESET) : "",
		       na.failed ? color(c, RED) : "", na.failed, na.failed ? color(c, RESET) : "",
		       na.absent, na.orphaned);
	if (fw_state) {
		int64_t rules = 0, batches = 0, us = 0;
		bool on = false, ct = true;
		const char *ferr = jstr(fw, "error");
		bool ok = !strcmp(fw_state, "in-sync");

		jbool(fw, "enabled", &on);
		jbool(fw, "conntrack", &ct);
		jint(fw, "rules", &rules);
		jint(fw, "batches", &batches);
		jint(fw, "last_batch_us", &us);
		printf(LABEL, "firewall");
		if (!on && ok)
			printf("off\n");
		else
			printf("%s%s%s, %" PRId64 " rules%s, %" PRId64 " batches (last %" PRId64
			       " us)\n",
			       ok ? "" : color(c, RED), fw_state, ok ? "" : color(c, RESET), rules,
			       ct ? "" : ", without bridge conntrack", batches, us);
		if (ferr && *ferr) {
			printf(LABEL, "");
			put_clean(ferr, stdout);
			putchar('\n');
		}
	}

	putchar('\n');
	if (!n)
		printf("no objects\n");
	else if (n_in_sync == n && !c->all)
		printf("%sall %zu objects in sync%s\n", color(c, GREEN), n, color(c, RESET));
	else
		print_objects(c, objs);

	if (na.total && na.plugged == na.total && !c->all) {
		printf("%sall %zu attachments plugged%s\n", color(c, GREEN), na.total,
		       color(c, RESET));
	} else if (na.total) {
		putchar('\n');
		print_attachments(c, atts, c->all);
	}

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

/*
 * Attachments: attach, detach, attachments, and the guest hook.
 */

/* A name the kernel takes for an interface, and that fits in a URL's path segment as it is. */
static bool ifname_valid(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > IFNAME_MAX || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || isspace((unsigned char)*s) ||
		    iscntrl((unsigned char)*s))
			return false;
	return true;
}

/* Read a VLAN ID (1 to 4094, decimal digits only) at *p and move *p past it. */
static bool read_vid(const char **p, int *ret)
{
	int v = 0, digits = 0;

	while (isdigit((unsigned char)**p) && digits < 5) {
		v = v * 10 + (**p - '0');
		(*p)++;
		digits++;
	}
	if (!digits || isdigit((unsigned char)**p) || v < 1 || v > 4094)
		return false;
	*ret = v;
	return true;
}

static bool parse_vlan(const char *s, int *ret)
{
	int v;

	if (!read_vid(&s, &v) || *s)
		return false;
	*ret = v;
	return true;
}

/* "10-20;30": VLAN IDs and ascending ranges separated by ';'. */
static bool trunks_valid(const char *s)
{
	int lo, hi;

	for (;;) {
		if (!read_vid(&s, &lo))
			return false;
		if (*s == '-' && (s++, !read_vid(&s, &hi) || hi < lo))
			return false;
		if (!*s)
			return true;
		if (*s != ';' && *s != ',')
			return false;
		s++;
	}
}

/* "xx:xx:xx:xx:xx:xx" in hex digits of either case, into ret[18] in lower case. */
static bool parse_mac(const char *s, char *ret)
{
	char m[18];
	int i;

	if (strlen(s) != 17)
		return false;
	for (i = 0; i < 17; i++) {
		if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			return false;
		m[i] = (char)tolower((unsigned char)s[i]);
	}
	m[17] = '\0';
	memcpy(ret, m, sizeof(m));
	return true;
}

/* 0/1, no/yes, off/on, false/true, in any case. */
static bool parse_bool(const char *s, bool *ret)
{
	static const char *const no[] = { "0", "no", "off", "false" };
	static const char *const yes[] = { "1", "yes", "on", "true" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(no); i++) {
		if (!strcasecmp(s, no[i])) {
			*ret = false;
			return true;
		}
		if (!strcasecmp(s, yes[i])) {
			*ret = true;
			return true;
		}
	}
	return false;
}

/*
 * Check the VLAN, trunks and MAC (each NULL when not given) into c->req; who names where each
 * came from in a message ("--vlan" or "SDND_VLAN" for whos[0], then trunks, then MAC), after
 * cmd ("attach: " or ""). -1 to go on, or CTL_USAGE after saying why not.
 */
static int check_settings(struct ctl *c, const char *cmd, const char *vlan, const char *trunks,
			  const char *mac, const char *const whos[3])
{
	struct attach_req *q = &c->req;

	if (vlan && !parse_vlan(vlan, &q->vlan))
		return usage_error("%s%s must be a VLAN ID between 1 and 4094, not \"%s\"", cmd,
				   whos[0], vlan);
	if (trunks && !trunks_valid(trunks))
		return usage_error("%s%s must be VLAN IDs (1 to 4094) and ranges separated by "
				   "';' (or ','), like 10-20;30, not \"%s\"",
				   cmd, whos[1], trunks);
	q->trunks = trunks;
	if (mac && !parse_mac(mac, q->mac))
		return usage_error("%s%s must be a MAC address like bc:24:11:00:00:01, not \"%s\"",
				   cmd, whos[2], mac);
	return -1;
}

/* attach: c->req from the command line. -1 to go on, or CTL_USAGE after saying why not. */
static int prepare_attach(struct ctl *c)
{
	static const char *const whos[3] = { "--vlan", "--trunks", "--mac" };
	struct attach_req *q = &c->req;
	const struct attach_opts *o = &c->opt;

	q->ifname = c->args[0];
	if (!ifname_valid(q->ifname))
		return usage_error("attach: bad interface name \"%s\" (1 to %d characters, no '/', "
				   "':' or white space)",
				   q->ifname, IFNAME_MAX);
	if (!o->vnet)
		return usage_error("attach: missing --vnet VNET");
	q->vnet = o->vnet;
	q->owner = o->owner;
	q->learning = !o->no_learning;
	return check_settings(c, "attach: ", o->vlan, o->trunks, o->mac, whos);
}

static int prepare_detach(struct ctl *c)
{
	c->req.ifname = c->args[0];
	if (!ifname_valid(c->req.ifname))
		return usage_error("detach: bad interface name \"%s\" (1 to %d characters, no '/', "
				   "':' or white space)",
				   c->req.ifname, IFNAME_MAX);
	return -1;
}

/* An environment variable, NULL when unset or empty. */
static const char *env(const char *name)
{
	return nonempty(getenv(name));
}

/*
 * The hook: the interface from QEMU's arguments (IFNAME), LXC's (CTNAME net up TYPE IFNAME) or
 * LXC's environment (LXC_NET_PEER, LXC_NAME, with lxc.hook.version = 1); the vnet from --vnet,
 * $SDND_VNET or the program name; the settings from the options, else the environment.
 * -1 to go on, or CTL_USAGE after saying why not, in one line.
 */
static int prepare_hook(struct ctl *c)
{
	static const char *const opt_whos[3] = { "--vlan", "--trunks", "--mac" };
	static const char *const env_whos[3] = { "SDND_VLAN", "SDND_TRUNKS", "SDND_MAC" };
	struct attach_req *q = &c->req;
	const struct attach_opts *o = &c->opt;
	const char *ifname = NULL, *ct = NULL, *v;
	const char *whos[3];
	int e;

	if (c->nargs == 1) {
		ifname = c->args[0];
	} else if (c->nargs >= 4 && !strcmp(c->args[1], "net")) {
		if (strcmp(c->args[2], "up"))
			return usage_error("%s: called for \"%s\"; it is a script for \"up\" only",
					   c->args[0], c->args[2]);
		if (c->nargs == 4)
			return usage_error("%s: LXC gave no host-side interface (network type "
					   "\"%s\")",
					   c->args[0], c->args[3]);
		ct = c->args[0];
		ifname = c->args[4];
	} else if (!c->nargs && env("LXC_NET_PEER")) {
		v = env("LXC_HOOK_TYPE");
		if (v && strcmp(v, "up"))
			return usage_error("called for \"%s\" (LXC_HOOK_TYPE); it is a script for "
					   "\"up\" only",
					   v);
		ifname = env("LXC_NET_PEER");
		ct = env("LXC_NAME") ?: ifname;
	} else if (!c->nargs) {
		return usage_error("missing IFNAME (QEMU runs HOOK IFNAME, LXC HOOK CTNAME net up "
				   "veth IFNAME)");
	} else {
		return usage_error("expected IFNAME (QEMU) or CTNAME net up TYPE IFNAME (LXC), "
				   "not %zu arguments",
				   c->nargs);
	}
	if (!ifname_valid(ifname))
		return usage_error("bad interface name \"%s\" (1 to %d characters, no '/', ':' or "
				   "white space)",
				   ifname, IFNAME_MAX);
	q->ifname = ifname;
	set_msg_ctx(ifname, NULL);

	q->vnet = o->vnet ?: env("SDND_VNET") ?: c->at_vnet;
	if (!q->vnet)
		return usage_error("no vnet: give --vnet VNET, set SDND_VNET, or run the hook as "
				   "%s@VNET",
				   HOOK_NAME);
	set_msg_ctx(ifname, q->vnet);

	whos[0] = o->vlan ? opt_whos[0] : env_whos[0];
	whos[1] = o->trunks ? opt_whos[1] : env_whos[1];
	whos[2] = o->mac ? opt_whos[2] : env_whos[2];
	e = check_settings(c, "", o->vlan ?: env("SDND_VLAN"), o->trunks ?: env("SDND_TRUNKS"),
			   o->mac ?: env("SDND_MAC"), whos);
	if (e >= 0)
		return e;

	q->learning = true;
	if (o->no_learning)
		q->learning = false;
	else if ((v = env("SDND_LEARNING")) && !parse_bool(v, &q->learning))
		return usage_error("SDND_LEARNING must be 0 or 1, no or yes, off or on, not \"%s\"",
				   v);

	q->owner = o->owner ?: env("SDND_OWNER");
	if (!q->owner) {
		if (asprintf(&c->owner, "%s/%s", ct ? "lxc" : "qemu", ct ?: ifname) < 0) {
			c->owner = NULL;
			errorf("%s\n", strerror(ENOMEM));
			return CTL_DAEMON_ERROR;
		}
		q->owner = c->owner;
	}
	return -1;
}

/* Add v (a new object, or NULL when it could not be made) at key; 0 or -ENOMEM. */
static int jadd(struct json_object *o, const char *key, struct json_object *v)
{
	if (!v || json_object_object_add(o, key, v) < 0) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

/* The body of PUT /v1/attachments/IFNAME, or NULL without memory. */
static struct json_object *attach_body(const struct attach_req *q)
{
	struct json_object *o = json_object_new_object();
	int r;

	if (!o)
		return NULL;
	r = jadd(o, "vnet", json_object_new_string(q->vnet));
	if (!r && *q->mac)
		r = jadd(o, "mac", json_object_new_string(q->mac));
	if (!r && q->vlan)
		r = jadd(o, "vlan", json_object_new_int(q->vlan));
	if (!r && q->trunks)
		r = jadd(o, "trunks", json_object_new_string(q->trunks));
	if (!r)
		r = jadd(o, "learning", json_object_new_boolean(q->learning));
	if (!r && q->owner)
		r = jadd(o, "owner", json_object_new_string(q->owner));
	if (r < 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/*
 * "/v1/attachments/IFNAME", IFNAME percent-encoded but for unreserved characters; NULL without
 * memory.
 */
static char *attachment_path(const char *ifname)
{
	static const char hex[] = "0123456789ABCDEF";
	char *path = malloc(strlen("/v1/attachments/") + 3 * strlen(ifname) + 1), *p;

	if (!path)
		return NULL;
	p = stpcpy(path, "/v1/attachments/");
	for (; *ifname; ifname++) {
		unsigned char ch = (unsigned char)*ifname;

		if (isalnum(ch) || strchr("-._~", ch)) {
			*p++ = (char)ch;
		} else {
			*p++ = '%';
			*p++ = hex[ch >> 4];
			*p++ = hex[ch & 15];
		}
	}
	*p = '\0';
	return path;
}

/*
 * PUT /v1/attachments/IFNAME with c->req; the attachment sdnd answers with into *ret, or the
 * exit status after saying in one line why there is none.
 */
static int put_attachment(struct ctl *c, struct json_object **ret)
{
	_cleanup_(reply_done) struct reply r = {};
	_cleanup_json_ struct json_object *body = NULL;
	_cleanup_free_ char *path = NULL, *what = NULL;
	struct request rq = { .method = "PUT", .content_type = "application/json" };
	const struct attach_req *q = &c->req;
	int e;

	body = attach_body(q);
	path = attachment_path(q->ifname);
	if (!body || !path) {
		errorf("%s\n", strerror(ENOMEM));
		return CTL_DAEMON_ERROR;
	}
	rq.path = path;
	rq.body = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN |
							       JSON_C_TO_STRING_NOSLASHESCAPE);
	rq.body_len = strlen(rq.body);
	e = http(c, &rq, &r);
	if (e)
		return e;
	if (r.status >= 200 && r.status <= 299)
		return reply_json(c, &r, ret);
	if (asprintf(&what, "%s: vnet %s refused", q->ifname, q->vnet) < 0) {
		what = NULL;
		errorf("%s\n", strerror(ENOMEM));
		return CTL_DAEMON_ERROR;
	}
	return report_refusal(c, what, &r);
}

/* Whether an attachment in this state is as good as the hook or attach can make it now. */
static bool att_state_ok(const char *state)
{
	return !strcmp(state, "plugged") || !strcmp(state, "pending") || !strcmp(state, "absent");
}

/*
 * An attachment sdnd took but that is not fine: "PROG: WHAT failed: ERROR", WHAT being
 * "IFNAME: vnet VNET" (hook) or "IFNAME: attached to vnet VNET, but" (attach).
 */
static void report_bad_state(const char *what, struct json_object *a)
{
	const char *state = jstr(a, "state"), *err = nonempty(jstr(a, "error"));

	fprintf(stderr, "%s: ", prog);
	put_clean(what, stderr);
	if (state && !strcmp(state, "failed")) {
		fputs(" failed", stderr);
	} else if (state && !strcmp(state, "orphaned")) {
		fputs(" orphaned", stderr);
		err = err ?: "the vnet is no longer in this node's configuration";
	} else {
		fputs(" in state \"", stderr);
		put_clean(state ?: "", stderr);
		fputc('"', stderr);
	}
	if (err) {
		fputs(": ", stderr);
		put_clean(err, stderr);
	}
	fputc('\n', stderr);
}

static int cmd_attach(struct ctl *c)
{
	_cleanup_json_ struct json_object *a = NULL;
	_cleanup_free_ char *what = NULL;
	const char *state, *vnet;
	int e;

	e = put_attachment(c, &a);
	if (e)
		return e;
	if (c->json)
		print_json(a);
	state = jstr(a, "state") ?: "";
	vnet = nonempty(jstr(a, "vnet")) ?: c->req.vnet;
	if (att_state_ok(state)) {
		if (c->json)
			return CTL_OK;
		put_clean(c->req.ifname, stdout);
		fputs(strcmp(state, "plugged") ? ": attached to vnet " : ": plugged into vnet ",
		      stdout);
		put_clean(vnet, stdout);
		if (!strcmp(state, "pending"))
			fputs("; pending: being applied", stdout);
		else if (!strcmp(state, "absent"))
			fputs("; absent: plugged when the interface appears", stdout);
		putchar('\n');
		return CTL_OK;
	}
	if (asprintf(&what, "%s: attached to vnet %s, but", c->req.ifname, vnet) < 0) {
		what = NULL;
		errorf("%s\n", strerror(ENOMEM));
		return CTL_DAEMON_ERROR;
	}
	report_bad_state(what, a);
	return CTL_DAEMON_ERROR;
}

static int cmd_detach(struct ctl *c)
{
	_cleanup_(reply_done) struct reply r = {};
	_cleanup_json_ struct json_object *a = NULL;
	_cleanup_free_ char *path = NULL, *what = NULL;
	struct request rq = { .method = "DELETE" };
	const char *vnet;
	int e;

	path = attachment_path(c->req.ifname);
	if (!path || asprintf(&what, "%s: not detached", c->req.ifname) < 0) {
		what = NULL;
		errorf("%s\n", strerror(ENOMEM));
		return CTL_DAEMON_ERROR;
	}
	rq.path = path;
	e = http(c, &rq, &r);
	if (e)
		return e;
	if (r.status < 200 || r.status > 299)
		return report_refusal(c, what, &r);
	e = reply_json(c, &r, &a);
	if (e)
		return e;
	if (c->json) {
		print_json(a);
		return CTL_OK;
	}
	put_clean(c->req.ifname, stdout);
	vnet = nonempty(jstr(a, "vnet"));
	if (vnet) {
		fputs(": detached from vnet ", stdout);
		put_clean(vnet, stdout);
		putchar('\n');
	} else {
		fputs(": detached\n", stdout);
	}
	return CTL_OK;
}

static int cmd_attachments(struct ctl *c)
{
	_cleanup_json_ struct json_object *j = NULL;
	struct json_object *atts;
	int e;

	e = get_json(c, "/v1/attachments", &j);
	if (e)
		return e;
	atts = jarray(j, "attachments");
	if (!atts) {
		errorf("sdnd's answer has no attachments\n");
		return CTL_DAEMON_ERROR;
	}
	if (c->json)
		print_json(j);
	else if (!jlen(atts))
		puts("no attachments");
	else
		print_attachments(c, atts, true);
	return CTL_OK;
}

/* The guest hook: attach, silently when it went well, else one line on stderr. */
static int cmd_hook(struct ctl *c)
{
	_cleanup_json_ struct json_object *a = NULL;
	_cleanup_free_ char *what = NULL;
	int e;

	e = put_attachment(c, &a);
	if (e)
		return e;
	if (att_state_ok(jstr(a, "state") ?: ""))
		return CTL_OK;
	if (asprintf(&what, "%s: vnet %s", c->req.ifname, c->req.vnet) < 0) {
		what = NULL;
		errorf("%s\n", strerror(ENOMEM));
		return CTL_DAEMON_ERROR;
	}
	report_bad_state(what, a);
	return CTL_DAEMON_ERROR;
}

struct command {
	const char *name;
	int (*run)(struct ctl *c);
	/* checks the command's arguments: -1 to go on, or an exit status after saying why not */
	int (*prepare)(struct ctl *c);
	size_t min_args, max_args;
	bool json, all, file, dry_run, attach, cluster, wait; /* the options the command takes */
};

static const struct command commands[] = {
	{ .name = "status", .run = cmd_status, .json = true, .all = true, .cluster = true },
	{ .name = "plan", .run = cmd_plan, .json = true, .file = true },
	{ .name = "apply", .run = cmd_apply, .json = true, .file = true, .dry_run = true,
	  .wait = true },
	{ .name = "config", .run = cmd_config },
	{ .name = "metrics", .run = cmd_metrics },
	{ .name = "attach",
	  .run = cmd_attach,
	  .prepare = prepare_attach,
	  .min_args = 1,
	  .max_args = 1,
	  .json = true,
	  .attach = true },
	{ .name = "detach",
	  .run = cmd_detach,
	  .prepare = prepare_detach,
	  .min_args = 1,
	  .max_args = 1,
	  .json = true },
	{ .name = "attachments", .run = cmd_attachments, .json = true },
	{ .name = "hook", .run = cmd_hook, .prepare = prepare_hook, .max_args = 5, .attach = true },
};

/* A --url or $SDND_URL (from says which) into c->url, without its final '/'. */
static int set_url(struct ctl *c, const char *url, const char *from)
{
	const char *host, *p;
	size_t n = strlen(url);

	if (!strncasecmp(url, "http://", 7))
		host = url + 7;
	else if (!strncasecmp(url, "https://", 8))
		host = url + 8;
	else
		return usage_error("%s: \"%s\" is not an http:// or https:// URL", from, url);
	for (p = url; *p; p++)
		if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p))
			break;
	if (!*host || *host == '/' || *p || strpbrk(url, "?#"))
		return usage_error("%s: bad URL \"%s\" (http://HOST:PORT, without a query)", from,
				   url);
	while (url[n - 1] == '/')
		n--;
	free(c->url);
	c->url = strndup(url, n);
	if (!c->url) {
		errorf("%s\n", strerror(ENOMEM));
		return CTL_DAEMON_ERROR;
	}
	return -1;
}

enum {
	OPT_JSON = 0x100,
	OPT_DRY_RUN,
	OPT_CLUSTER,
	OPT_WAIT,
	OPT_TIMEOUT,
	OPT_URL,
	OPT_TOKEN_FILE,
	OPT_VNET,
	OPT_VLAN,
	OPT_TRUNKS,
	OPT_MAC,
	OPT_NO_LEARNING,
	OPT_OWNER,
};

/*
 * Options go before or after the command. Run as the hook, every argument is the hook's.
 * Returns -1 to go on with *ret_cmd, or the exit status (help, version, a bad command line).
 */
static int parse_args(int argc, char **argv, struct ctl *c, const struct command **ret_cmd)
{
	/* clang-format off */
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 'S' },
		{ "url", required_argument, NULL, OPT_URL },
		{ "token-file", required_argument, NULL, OPT_TOKEN_FILE },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "all", no_argument, NULL, 'a' },
		{ "file", required_argument, NULL, 'f' },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "cluster", no_argument, NULL, OPT_CLUSTER },
		{ "wait", no_argument, NULL, OPT_WAIT },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "vnet", required_argument, NULL, OPT_VNET },
		{ "vlan", required_argument, NULL, OPT_VLAN },
		{ "trunks", required_argument, NULL, OPT_TRUNKS },
		{ "mac", required_argument, NULL, OPT_MAC },
		{ "no-learning", no_argument, NULL, OPT_NO_LEARNING },
		{ "owner", required_argument, NULL, OPT_OWNER },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{}
	};
	/* clang-format on */
	const struct command *cmd = NULL;
	const char *socket = NULL, *url = NULL, *url_from = "--url", *attach_opt = NULL;
	bool help = false, version = false, timeout_given = false;
	int o, e;
	size_t i;

	opterr = 0; /* our messages, followed by the synopsis */
	while ((o = getopt_long(argc, argv, ":S:af:hV", opts, NULL)) != -1) {
		switch (o) {
		case 'S':
			socket = optarg;
			break;
		case OPT_URL:
			url = optarg;
			break;
		case OPT_TOKEN_FILE:
			c->token_file = optarg;
			break;
		case OPT_JSON:
			c->json = true;
			break;
		case 'a':
			c->all = true;
			break;
		case 'f':
			c->file = optarg;
			break;
		case OPT_DRY_RUN:
			c->dry_run = true;
			break;
		case OPT_CLUSTER:
			c->cluster = true;
			break;
		case OPT_WAIT:
			c->wait = true;
			break;
		case OPT_TIMEOUT: {
			char *end;
			unsigned long v;

			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || v < 1 || v > 3600)
				return usage_error("--timeout: \"%s\" is not a number of seconds "
						   "from 1 to 3600", optarg);
			c->wait_s = (unsigned int)v;
			timeout_given = true;
			break;
		}
		case OPT_VNET:
			c->opt.vnet = optarg;
			attach_opt = "--vnet";
			break;
		case OPT_VLAN:
			c->opt.vlan = optarg;
			attach_opt = "--vlan";
			break;
		case OPT_TRUNKS:
			c->opt.trunks = optarg;
			attach_opt = "--trunks";
			break;
		case OPT_MAC:
			c->opt.mac = optarg;
			attach_opt = "--mac";
			break;
		case OPT_NO_LEARNING:
			c->opt.no_learning = true;
			attach_opt = "--no-learning";
			break;
		case OPT_OWNER:
			c->opt.owner = optarg;
			attach_opt = "--owner";
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
	if (help || (!hook_mode && optind < argc && !strcmp(argv[optind], "help"))) {
		usage(stdout);
		return CTL_OK;
	}
	if (version) {
		printf("sdnctl %s\n", SDND_VERSION);
		return CTL_OK;
	}
	if (hook_mode) {
		for (i = 0; i < ARRAY_SIZE(commands); i++)
			if (commands[i].run == cmd_hook)
				cmd = &commands[i];
	} else {
		if (optind >= argc)
			return usage_error("missing command");
		for (i = 0; i < ARRAY_SIZE(commands); i++)
			if (!strcmp(argv[optind], commands[i].name))
				cmd = &commands[i];
		if (!cmd)
			return usage_error("unknown command \"%s\"", argv[optind]);
		optind++;
		hook_mode = cmd->run == cmd_hook;
	}
	c->args = argv + optind;
	c->nargs = (size_t)(argc - optind);
	if (c->nargs > cmd->max_args)
		return usage_error("%s: unexpected argument \"%s\"", cmd->name,
				   c->args[cmd->max_args]);
	if (c->nargs < cmd->min_args)
		return usage_error("%s: missing IFNAME", cmd->name);
	if (c->json && !cmd->json)
		return usage_error("%s: no --json (it prints the daemon's text as it is)",
				   cmd->name);
	if (c->all && !cmd->all)
		return usage_error("%s: --all is an option of status", cmd->name);
	if (c->file && !cmd->file)
		return usage_error("%s: -f is an option of plan and apply", cmd->name);
	if (c->dry_run && !cmd->dry_run)
		return usage_error("%s: --dry-run is an option of apply", cmd->name);
	if (c->cluster && !cmd->cluster)
		return usage_error("%s: --cluster is an option of status", cmd->name);
	if (c->cluster && c->all)
		return usage_error("status: --all and --cluster exclude each other");
	if ((c->wait || timeout_given) && !cmd->wait)
		return usage_error("%s: --wait and --timeout are options of apply", cmd->name);
	if (timeout_given && !c->wait)
		return usage_error("apply: --timeout goes with --wait");
	if (c->wait && c->dry_run)
		return usage_error("apply: --wait and --dry-run exclude each other");
	if (!c->wait_s)
		c->wait_s = 30;
	if (attach_opt && !cmd->attach)
		return usage_error("%s: %s is an option of attach and hook", cmd->name, attach_opt);
	if (!strcmp(cmd->name, "apply") && !c->file)
		return usage_error("apply: missing -f FILE");
	if (c->file && !*c->file)
		return usage_error("%s: -f needs a file name", cmd->name);
	if (c->opt.vnet && !*c->opt.vnet)
		return usage_error("%s: --vnet needs a vnet name", cmd->name);

	/* where sdnd is: the command line, else the environment; a URL before a socket */
	if (socket && url)
		return usage_error("give either --socket or --url, not both");
	if (!socket && !url) {
		url = env("SDND_URL");
		url_from = "SDND_URL";
	}
	if (url) {
		e = set_url(c, url, url_from);
		if (e >= 0)
			return e;
	} else {
		c->socket = socket ?: getenv("SDND_SOCKET") ?: DEFAULT_SOCKET;
		if (!*c->socket ||
		    strlen(c->socket) >= sizeof(((struct sockaddr_un *)NULL)->sun_path))
			return usage_error("bad socket path \"%s\" (1 to %zu bytes)", c->socket,
					   sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1);
	}
	if (!c->token_file)
		c->token_file = env("SDND_TOKEN_FILE");
	else if (!*c->token_file)
		return usage_error("--token-file needs a file name");

	if (cmd->prepare) {
		e = cmd->prepare(c);
		if (e >= 0)
			return e;
	}
	*ret_cmd = cmd;
	return -1;
}

/*
 * The token: the first line of c->token_file without the white space around it. -1 to go on,
 * or CTL_USAGE after saying why not.
 */
static int read_token(struct ctl *c)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	char empty[1] = "", *s, *end, *p;
	size_t cap = 0;
	ssize_t n = 0;
	int r = 0;

	f = fopen(c->token_file, "re");
	if (!f) {
		r = -errno;
	} else {
		errno = 0;
		n = getline(&line, &cap, f);
		if (n < 0 && errno)
			r = -errno;
		else if (n < 0)
			n = 0; /* an empty file */
	}
	if (r < 0) {
		errorf("cannot read the token file %s: %s\n", c->token_file, strerror(-r));
		return CTL_USAGE;
	}
	s = line ?: empty;
	end = s + n;
	while (s < end && isspace((unsigned char)*s))
		s++;
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	*end = '\0';
	for (p = s; *p && !iscntrl((unsigned char)*p); p++)
		;
	if (!*s || *p) {
		errorf("the token file %s %s\n", c->token_file,
		       *s ? "has a control character in its first line"
			  : "has no token: its first line is empty");
		r = CTL_USAGE;
	} else {
		c->token = strdup(s);
		if (!c->token) {
			errorf("%s\n", strerror(ENOMEM));
			r = CTL_DAEMON_ERROR;
		}
	}
	if (line)
		explicit_bzero(line, cap);
	return r ? r : -1;
}

/* Run as "sdnd-ifup" or "sdnd-ifup@VNET" (a symlink to sdnctl): the hook. */
static void hook_from_name(struct ctl *c, const char *argv0)
{
	const char *base = strrchr(argv0, '/'), *at;

	base = base ? base + 1 : argv0;
	if (strncmp(base, HOOK_NAME, strlen(HOOK_NAME)))
		return;
	hook_mode = true;
	prog = HOOK_NAME;
	at = strchr(base, '@');
	c->at_vnet = at && at[1] ? at + 1 : NULL;
}

int main(int argc, char **argv)
{
	struct ctl c = {};
	const struct command *cmd = NULL;
	const char *term = getenv("TERM");
	int e;

	if (argc > 0 && argv[0])
		hook_from_name(&c, argv[0]);
	e = parse_args(argc, argv, &c, &cmd);
	if (e < 0 && c.token_file)
		e = read_token(&c);
	if (e >= 0)
		goto out;
	c.color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && term && strcmp(term, "dumb");

	if (curl_global_init(CURL_GLOBAL_NOTHING) != CURLE_OK) {
		errorf("cannot initialise libcurl\n");
		e = CTL_DAEMON_ERROR;
		goto out;
	}
	c.curl = curl_easy_init();
	if (!c.curl) {
		errorf("cannot initialise libcurl\n");
		curl_global_cleanup();
		e = CTL_DAEMON_ERROR;
		goto out;
	}
	e = cmd->run(&c);
	curl_easy_cleanup(c.curl);
	curl_global_cleanup();

	/* a full disk or a closed pipe must not pass for success */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno != EPIPE)
			errorf("cannot write the output: %s\n", strerror(errno));
		if (!e)
			e = CTL_DAEMON_ERROR;
	}
out:
	free(c.url);
	free(c.owner);
	if (c.token) {
		explicit_bzero(c.token, strlen(c.token));
		free(c.token);
	}
	return e;
}
