// SPDX-License-Identifier: GPL-2.0-or-later
/* sdnd: the daemon, and its one-shot commands check, plan and apply --once. */
#include <getopt.h>
#include <malloc.h>
#include <json-c/json.h>

#include "sdnd/cluster.h"
#include "sdnd/daemon.h"
#include "sdnd/log.h"
#include "sdnd/plan.h"
#include "sdnd/reconcile.h"
#include "sdnd/source.h"
#include "sdnd/util.h"

#define DEFAULT_CONFIG "/etc/sdnd/sdn.yaml"
#define DEFAULT_STATE_DIR "/run/sdnd"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: sdnd [OPTIONS]                 run the daemon\n"
		"       sdnd check FILE [OPTIONS]      validate FILE, print every error\n"
		"       sdnd plan FILE [--json]        show what applying FILE would change\n"
		"       sdnd check|plan FILE --store URL\n"
		"                                      FILE for the cluster store: peers: auto are\n"
		"                                      the nodes last known alive (STATE-DIR)\n"
		"       sdnd plan FILE --nft           print the firewall FILE and the attachments\n"
		"                                      make, as an nft script\n"
		"       sdnd apply --once FILE [--json] apply FILE now and exit\n"
		"       sdnd import-pve DIR            print Proxmox VE SDN's zones.cfg, vnets.cfg\n"
		"                                      and subnets.cfg in DIR as sdnd YAML\n"
		"\n"
		"Options:\n"
		"  -c, --config FILE        configuration (default " DEFAULT_CONFIG ")\n"
		"  -s, --state-dir DIR      ownership, status and pid files (default "
		DEFAULT_STATE_DIR ")\n"
		"  -n, --node NAME          this node's name when the file has no 'node:'\n"
		"                           (default: the hostname)\n"
		"  -r, --resync-interval S  full resync every S seconds (default: the file's\n"
		"                           resync-interval, 60)\n"
		"  -f, --foreground         stay in the foreground and log to stderr\n"
		"  -d, --debug              log debug messages (implies --foreground)\n"
		"      --syslog             log to syslog even in the foreground\n"
		"      --socket PATH        control API socket (default STATE-DIR/sdnd.sock)\n"
		"      --group NAME         group allowed on the control API besides root\n"
		"                           (default sdnd; the socket is mode 0660)\n"
		"      --listen HOST:PORT   also serve the control API on TCP (off by default),\n"
		"                           only to clients sending the bearer token\n"
		"      --token-file FILE    that token: the first line of FILE, at least 16\n"
		"                           characters; FILE owned by root, mode 0600\n"
		"      --event-buffer BYTES receive buffer for kernel events (default 8 MiB);\n"
		"                           when the kernel drops events, sdnd re-reads everything\n"
		"      --store etcd://HOST:PORT[,HOST:PORT...]\n"
		"                           take the definition from etcd (default: the file);\n"
		"                           https:// endpoints, or etcds:// for all, use TLS\n"
		"      --store-prefix P     the keys under P (default /sdnd)\n"
		"      --store-cacert FILE  CA of etcd's server certificates\n"
		"      --store-cert FILE    client certificate for etcd, with --store-key FILE\n"
		"      --store-user NAME    etcd user, with --store-password-file FILE\n"
		"      --underlay ADDR      this node's VTEP address for peers: auto (default: the\n"
		"                           address it reaches etcd from)\n"
		"      --lease-ttl S        membership lease in seconds, 2 to 300 (default 15)\n"
		"      --json               plan/apply: print JSON\n"
		"      --once               apply: required, apply once and exit\n"
		"  -h, --help               this help\n"
		"  -V, --version            print the version\n"
		"\n"
		"Exit status: 0 success; 1 invalid configuration, failed objects or a runtime\n"
		"error; 2 bad command line.\n");
}

struct cli {
	struct sdnd_cluster_opts cl;
	const char *cmd;
	const char *file;
	struct sdnd_daemon_opts d;
	bool json, once, syslog, debug, nft;
};

static int parse_args(int argc, char **argv, struct cli *c)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "state-dir", required_argument, NULL, 's' },
		{ "node", required_argument, NULL, 'n' },
		{ "resync-interval", required_argument, NULL, 'r' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "debug", no_argument, NULL, 'd' },
		{ "syslog", no_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "nft", no_argument, NULL, 'N' },
		{ "event-buffer", required_argument, NULL, 'E' },
		{ "socket", required_argument, NULL, 'L' },
		{ "group", required_argument, NULL, 'G' },
		{ "listen", required_argument, NULL, 'T' },
		{ "token-file", required_argument, NULL, 'K' },
		{ "once", no_argument, NULL, 'o' },
		{ "store", required_argument, NULL, 1000 },
		{ "store-prefix", required_argument, NULL, 1001 },
		{ "store-cacert", required_argument, NULL, 1002 },
		{ "store-cert", required_argument, NULL, 1003 },
		{ "store-key", required_argument, NULL, 1004 },
		{ "store-user", required_argument, NULL, 1005 },
		{ "store-password-file", required_argument, NULL, 1006 },
		{ "underlay", required_argument, NULL, 1007 },
		{ "lease-ttl", required_argument, NULL, 1008 },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{}
	};
	int o;

	c->d.config = DEFAULT_CONFIG;
	c->d.state_dir = DEFAULT_STATE_DIR;
	c->d.event_buf = SNL_EVENT_BUF_DEFAULT;
	while ((o = getopt_long(argc, argv, "c:s:n:r:fdhV", opts, NULL)) != -1) {
		char *end;
		unsigned long v;

		switch (o) {
		case 'c':
			c->d.config = optarg;
			break;
		case 's':
			c->d.state_dir = optarg;
			break;
		case 'n':
			c->d.node = optarg;
			break;
		case 'r':
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || v < 1 || v > 86400) {
				fprintf(stderr, "sdnd: --resync-interval: \"%s\" is not a number "
						"of seconds from 1 to 86400\n", optarg);
				return -EINVAL;
			}
			c->d.resync_interval = (unsigned int)v;
			break;
		case 'E':
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || v < 4096 || v > 1024ul * 1024 * 1024) {
				fprintf(stderr, "sdnd: --event-buffer: \"%s\" is not a size in bytes "
						"from 4096 to 1073741824\n", optarg);
				return -EINVAL;
			}
			c->d.event_buf = (int)v;
			break;
		case 'f':
			c->d.foreground = true;
			break;
		case 'L':
			c->d.socket = optarg;
			break;
		case 'G':
			c->d.group = optarg;
			break;
		case 'T':
			if (!strchr(optarg, ':')) {
				fprintf(stderr, "sdnd: --listen: \"%s\" is not HOST:PORT (e.g. "
						"192.0.2.1:8787 or [2001:db8::1]:8787)\n", optarg);
				return -EINVAL;
			}
			c->d.listen = optarg;
			break;
		case 'K':
			c->d.token_file = optarg;
			break;
		case 'd':
			c->debug = true;
			c->d.foreground = true;
			break;
		case 'S':
			c->syslog = true;
			break;
		case 'j':
			c->json = true;
			break;
		case 'N':
			c->nft = true;
			break;
		case 'o':
			c->once = true;
			break;
		case 1000:
			c->cl.store = optarg;
			break;
		case 1001:
			c->cl.prefix = optarg;
			break;
		case 1002:
			c->cl.cacert = optarg;
			break;
		case 1003:
			c->cl.cert = optarg;
			break;
		case 1004:
			c->cl.key = optarg;
			break;
		case 1005:
			c->cl.user = optarg;
			break;
		case 1006:
			c->cl.password_file = optarg;
			break;
		case 1007:
			c->cl.underlay = optarg;
			break;
		case 1008:
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || v < 2 || v > 300) {
				fprintf(stderr, "sdnd: --lease-ttl: \"%s\" is not a number of "
						"seconds from 2 to 300\n", optarg);
				return -EINVAL;
			}
			c->cl.lease_ttl = (unsigned int)v;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("sdnd %s\n", SDND_VERSION);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (!c->cl.store && (c->cl.prefix || c->cl.cacert || c->cl.cert || c->cl.key ||
			     c->cl.user || c->cl.password_file || c->cl.underlay ||
			     c->cl.lease_ttl)) {
		fprintf(stderr, "sdnd: --store-*, --underlay and --lease-ttl go with --store\n");
		return -EINVAL;
	}
	if (c->d.listen && !c->d.token_file) {
		fprintf(stderr, "sdnd: --listen needs --token-file: the TCP listener serves only "
				"clients sending the token\n");
		return -EINVAL;
	}
	if (optind < argc)
		c->cmd = argv[optind++];
	if (optind < argc)
		c->file = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "sdnd: unexpected argument \"%s\"\n", argv[optind]);
		return -EINVAL;
	}
	if (c->cmd && strcmp(c->cmd, "check") && strcmp(c->cmd, "plan") &&
	    strcmp(c->cmd, "apply") && strcmp(c->cmd, "import-pve")) {
		fprintf(stderr, "sdnd: unknown command \"%s\" (expected check, plan, apply or "
				"import-pve)\n", c->cmd);
		return -EINVAL;
	}
	if (c->cmd && !c->file) {
		fprintf(stderr, "sdnd %s: missing %s\n", c->cmd,
			strcmp(c->cmd, "import-pve") ? "FILE" : "DIR");
		return -EINVAL;
	}
	if (c->cmd && c->cl.store && strcmp(c->cmd, "check") && strcmp(c->cmd, "plan")) {
		fprintf(stderr, "sdnd %s: --store goes with check and plan (the daemon applies "
				"the cluster store's definition: sdnctl apply -f FILE)\n", c->cmd);
		return -EINVAL;
	}
	if (c->cmd && !strcmp(c->cmd, "apply") && !c->once) {
		fprintf(stderr, "sdnd apply: only --once is supported; run the daemon to keep "
				"the network in sync\n");
		return -EINVAL;
	}
	return 0;
}

/* The cluster store's source for --store (nothing contacted yet). 0, or 2 (logged). */
static int new_cluster(struct cli *c, struct sdnd_source **src)
{
	char err[512];

	c->cl.state_dir = c->d.state_dir;
	c->cl.node = c->d.node;
	if (sdnd_cluster_new(src, &c->cl, err, sizeof(err)) < 0) {
		fprintf(stderr, "sdnd: --store: %s\n", err);
		return 2;
	}
	return 0;
}

/*
 * check and plan with --store: FILE is meant for the cluster store, validated (and planned)
 * with the nodes this one last knew alive. 0 or 2; *src to free after rec.
 */
static int offline_cluster(struct cli *c, struct sdnd_reconciler *rec, struct sdnd_source **src)
{
	size_t n;

	*src = NULL;
	if (!c->cl.store)
		return 0;
	if (new_cluster(c, src))
		return 2;
	n = sdnd_cluster_offline(*src, rec);
	fprintf(stderr, "%s: read as the cluster store's definition; peers: auto are the %zu "
		"node%s last known alive (%s/cluster-nodes.json)\n", c->file, n,
		n == 1 ? "" : "s", c->d.state_dir);
	return 0;
}

static int cmd_check(struct cli *c)
{
	struct sdnd_reconciler rec;
	struct sdnd_source *src;
	int r;

	/* Validation needs this node's addresses; reading them needs no privileges. */
	r = sdnd_rec_init(&rec, NULL, 0);
	if (r < 0)
		return 1;
	if (c->d.node)
		sdnd_strlcpy(rec.node, c->d.node, sizeof(rec.node));
	if (offline_cluster(c, &rec, &src)) {
		sdnd_rec_free(&rec);
		return 2;
	}
	r = sdnd_rec_load(&rec, c->file, stderr);
	if (r == 0)
		printf("%s: valid (%zu vnets, %zu kernel objects on node %s)\n", c->file,
		       rec.cfg->n_vnets, rec.want.n, rec.cfg->node);
	sdnd_rec_free(&rec);
	if (src)
		src->ops->free(src);
	return r == 0 ? 0 : 1;
}

static void print_results(struct sdnd_reconciler *rec, bool json)
{
	size_t i;

	if (json) {
		struct json_object *root = json_object_new_object();
		struct json_object *objs = json_object_new_array();

		for (i = 0; i < rec->want.n; i++) {
			struct json_object *o = json_object_new_object();

			json_object_object_add(o, "key", json_object_new_string(rec->want.objs[i].key));
			json_object_object_add(o, "vnet",
					       json_object_new_string(rec->want.objs[i].vnet));
			json_object_object_add(o, "state", json_object_new_string(
						   sdnd_state_to_string(rec->st[i].state)));
			if (*rec->st[i].msg)
				json_object_object_add(o, "error",
						       json_object_new_string(rec->st[i].msg));
			json_object_array_add(objs, o);
		}
		json_object_object_add(root, "objects", objs);
		json_object_object_add(root, "changes", json_object_new_int((int)rec->n_actions));
		printf("%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY));
		json_object_put(root);
		return;
	}
	for (i = 0; i < rec->want.n; i++) {
		const struct sdnd_objstate *s = &rec->st[i];

		if (s->state == SDND_STATE_IN_SYNC)
			continue;
		printf("%-8s %-40s %s\n", sdnd_state_to_string(s->state), rec->want.objs[i].key,
		       s->msg);
	}
}

static int cmd_plan_apply(struct cli *c, bool apply)
{
	struct sdnd_reconciler rec;
	struct sdnd_source *src = NULL;
	struct sdnd_plan plan;
	_cleanup_close_ int lock = -1;
	pid_t holder = 0;
	int r, ret = 1;

	if (apply) {
		lock = sdnd_lock(c->d.state_dir, false, &holder);
		if (lock == -EBUSY) {
			fprintf(stderr, "sdnd apply: the sdnd daemon (pid %d) manages this node; "
					"change its configuration instead\n", (int)holder);
			return 1;
		}
		if (lock < 0) {
			fprintf(stderr, "sdnd apply: %s: %s\n", c->d.state_dir, strerror(-lock));
			return 1;
		}
	}
	/* plan reads the ownership file but never writes it; apply learns the indexes of the
	 * devices it creates from the kernel's notifications */
	r = sdnd_rec_init(&rec, c->d.state_dir, apply ? SNL_EVENT_BUF_DEFAULT : 0);
	if (r < 0)
		return 1;
	if (!apply) {
		free(rec.status_path);
		rec.status_path = NULL;
		free(rec.owner.path);
		rec.owner.path = NULL;
	}
	if (c->d.node)
		sdnd_strlcpy(rec.node, c->d.node, sizeof(rec.node));
	if (offline_cluster(c, &rec, &src)) {
		ret = 2;
		goto out;
	}
	if (sdnd_rec_load(&rec, c->file, stderr) < 0)
		goto out;

	if (!apply && c->nft) {
		ret = sdnd_fw_print(&rec, stdout) < 0 ? 1 : 0;
		goto out;
	}
	if (!apply) {
		r = sdnd_rec_plan(&rec, &plan);
		if (r < 0) {
			fprintf(stderr, "sdnd plan: %s\n", strerror(-r));
			goto out;
		}
		if (c->json) {
			struct json_object *j = sdnd_plan_to_json(&plan);

			printf("%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY));
			json_object_put(j);
		} else {
			sdnd_plan_print(&plan, stdout);
			sdnd_fw_plan(&rec, stdout);
		}
		sdnd_plan_free(&plan);
		ret = 0;
		goto out;
	}

	rec.quiet = c->json;
	r = sdnd_rec_run(&rec, NULL);
	sdnd_rec_write_status(&rec);
	if (r < 0) {
		fprintf(stderr, "sdnd apply: %s\n", strerror(-r));
		goto out;
	}
	print_results(&rec, c->json);
	if (!c->json)
		printf("%llu change%s, %zu objects, %d not in sync\n",
		       (unsigned long long)rec.n_actions, rec.n_actions == 1 ? "" : "s", rec.want.n,
		       r);
	ret = r ? 1 : 0;
out:
	sdnd_rec_free(&rec);
	if (src)
		src->ops->free(src);
	return ret;
}

/* The daemon, with the definition from the file or the cluster store. */
static int run_daemon(struct cli *c)
{
	struct sdnd_source *src = NULL;
	int r;

	if (c->cl.store) {
		if (new_cluster(c, &src))
			return 2;
	} else if (sdnd_source_file_new(&src, c->d.config) < 0) {
		fprintf(stderr, "sdnd: %s\n", strerror(ENOMEM));
		return 1;
	}
	r = sdnd_daemon_run(&c->d, src);
	src->ops->free(src);
	return r;
}

int main(int argc, char **argv)
{
	struct cli c = { 0 };

	if (parse_args(argc, argv, &c) < 0)
		return 2;
	sdnd_log_setup(c.debug ? LOG_DEBUG : LOG_INFO, c.syslog);
	if (!c.cmd) {
		/*
		 * Every reconcile builds and drops megabytes of snapshots at 1000s of vnets: keep
		 * that memory in the heap instead of mapping and faulting it in afresh each time.
		 */
		mallopt(M_MMAP_THRESHOLD, 64 * 1024 * 1024);
		mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
		return run_daemon(&c);
	}
	if (!strcmp(c.cmd, "check"))
		return cmd_check(&c);
	if (!strcmp(c.cmd, "import-pve"))
		return zone_import_pve(c.file, stdout, stderr) == 0 ? 0 : 1;
	return cmd_plan_apply(&c, !strcmp(c.cmd, "apply"));
}
