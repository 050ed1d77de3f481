// SPDX-License-Identifier: GPL-2.0-or-later
/* The firewall in the reconcile loop: compile, compare with the kernel, one batch. */
#include "sdnd/firewall.h"

#include <errno.h>
#include <linux/netfilter.h>
#include <string.h>

#include "firewall/compile.h"
#include "sdnd/log.h"
#include "sdnd/reconcile.h"
#include "sdnd/util.h"

void sdnd_fw_init(struct sdnd_fw *fw)
{
	int r;

	memset(fw, 0, sizeof(*fw));
	fw_ruleset_init(&fw->have);
	fw_build_init(&fw->build);
	fw->ct = -1;
	r = fw_nft_open(&fw->nft);
	if (r < 0) {
		fw->nft = NULL;
		fw->st.err = r;
		snprintf(fw->st.msg, sizeof(fw->st.msg), "cannot open nftables' netlink socket: %s",
			 strerror(-r));
	}
}

void sdnd_fw_free(struct sdnd_fw *fw)
{
	fw_nft_close(fw->nft);
	fw_build_done(&fw->build);
	fw_ruleset_done(&fw->have);
	memset(fw, 0, sizeof(*fw));
}

int sdnd_fw_event_fd(const struct sdnd_fw *fw)
{
	return fw->nft ? fw_nft_event_fd(fw->nft) : -1;
}

bool sdnd_fw_events(struct sdnd_fw *fw)
{
	bool dirty = false;

	if (!fw->nft)
		return false;
	if (fw_nft_events(fw->nft, &dirty) < 0 || dirty) {
		sdnd_fw_stale(fw);
		return true;
	}
	return false;
}

void sdnd_fw_stale(struct sdnd_fw *fw)
{
	fw->synced = false;
	fw->have_valid = false;
}

/* The compiler's input from the running configuration and the attachments. */
struct inputs {
	struct fw_nic_input *nics;
	struct fw_vnet_input *vnets;
	struct fw_input in;
};

static void inputs_done(struct inputs *x)
{
	free(x->nics);
	free(x->vnets);
}

static int inputs_make(struct sdnd_reconciler *rec, struct inputs *x)
{
	const struct zone_config *cfg = rec->cfg;
	size_t i;

	memset(x, 0, sizeof(*x));
	x->nics = calloc(rec->atts.n + 1, sizeof(*x->nics));
	x->vnets = calloc(cfg->n_vnets + 1, sizeof(*x->vnets));
	if (!x->nics || !x->vnets)
		return -ENOMEM;
	for (i = 0; i < cfg->n_vnets; i++) {
		const struct zone_vnet *v = &cfg->vnets[i];
		const struct sdnd_obj *br = sdnd_plan_vnet_bridge(&rec->want, v->name);
		struct fw_vnet_input *vi;

		if (!br)
			continue; /* not on this node */
		vi = &x->vnets[x->in.n_vnets++];
		vi->vnet = v->name;
		vi->bridge = sdnd_obj_ifname(br);
		vi->fw = fw_config_vnet(&cfg->fw, v->name);
		vi->subnets = v->subnets;
		vi->n_subnets = v->n_subnets;
	}
	for (i = 0; i < rec->atts.n; i++) {
		const struct sdnd_attach *a = &rec->atts.a[i];
		const struct sdnd_obj *br = sdnd_plan_vnet_bridge(&rec->want, a->vnet);
		struct fw_nic_input *ni;

		if (!br)
			continue; /* orphaned: its vnet is not here */
		ni = &x->nics[x->in.n_nics++];
		ni->ifname = a->ifname;
		ni->bridge = sdnd_obj_ifname(br);
		ni->has_mac = a->has_mac;
		memcpy(ni->mac, a->mac, 6);
		ni->fw = a->fw ? a->fw : fw_config_nic(&cfg->fw, a->ifname);
		/* the configuration's firewall for it may change with the configuration */
		ni->key = a->fw ? a->rev : 0;
	}
	x->in.cfg = &cfg->fw;
	x->in.nics = x->nics;
	x->in.vnets = x->vnets;
	x->in.ct = rec->fw.ct != 0;
	return 0;
}

static void count_wanted(struct sdnd_fw *fw, const struct fw_ruleset *want)
{
	size_t i, j;

	fw->n_chains = fw->n_rules = fw->n_sets = fw->n_elems = 0;
	fw->in_use = false;
	for (i = 0; i < _FW_T_MAX; i++) {
		const struct fw_table *t = &want->t[i];

		fw->in_use |= t->present;
		fw->n_chains += t->n_chains;
		fw->n_sets += t->n_sets;
		for (j = 0; j < t->n_chains; j++)
			fw->n_rules += t->chains[j].n;
		for (j = 0; j < t->n_sets; j++)
			fw->n_elems += t->sets[j].n;
	}
}

/* Filter without connection tracking from now on, and say so once. */
static void no_ct(struct sdnd_fw *fw)
{
	fw->ct = 0;
	log_warn("firewall: this kernel has no connection tracking for bridged traffic (load "
		 "nf_conntrack_bridge); filtering without it: replies need rules of their own");
}

/*
 * Can this kernel track connections of bridged traffic? Asked once, with a batch the kernel only
 * checks: a chain with one conntrack rule in bridge sdnd.
 */
static void probe_ct(struct sdnd_fw *fw)
{
	struct fw_chain c = { .name = "sdnd-conntrack-probe" };
	struct fw_nrule r = { .verdict = FWV_ACCEPT, .log_level = -1 };
	uint32_t mask = 2; /* established */
	struct fw_op v[] = {
		{ .kind = FWO_NEWTABLE, .table = FW_T_BRIDGE },
		{ .kind = FWO_NEWCHAIN, .table = FW_T_BRIDGE, .chain = &c },
		{ .kind = FWO_NEWRULES, .table = FW_T_BRIDGE, .chain = &c },
	};
	struct fw_ops ops = { .v = v, .n = ARRAY_SIZE(v) };
	bool ct_failed = false;
	char err[256];

	fw_nrule_match(&r, FWF_CT_STATE, FWC_ANY, &mask, NULL, NULL);
	fw_nrule_seal(&r, c.name, NFPROTO_BRIDGE);
	c.r = &r;
	c.n = 1;
	fw_nft_send(fw->nft, &ops, false, err, sizeof(err), &ct_failed);
	if (ct_failed)
		no_ct(fw);
	else
		fw->ct = 1;
}

static int compile(struct sdnd_reconciler *rec, struct fw_ruleset *want, char *err, size_t size)
{
	struct inputs x;
	int r;

	/* what the kernel can do decides the rules: ask it before the first compile */
	if (rec->fw.ct < 0 && rec->fw.nft)
		probe_ct(&rec->fw);
	fw_ruleset_init(want);
	r = inputs_make(rec, &x);
	if (r == 0)
		r = fw_compile(&x.in, want, err, size);
	else
		snprintf(err, size, "%s", strerror(-r));
	inputs_done(&x);
	return r;
}

int sdnd_fw_print(struct sdnd_reconciler *rec, FILE *out)
{
	struct fw_ruleset want;
	char err[256];
	int r;

	if (!rec->cfg)
		return 0;
	r = compile(rec, &want, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "firewall: %s\n", err);
		return r;
	}
	r = fw_ruleset_print(&want, out);
	fw_ruleset_done(&want);
	return r;
}

int sdnd_fw_plan(struct sdnd_reconciler *rec, FILE *out)
{
	struct fw_ruleset want, have;
	struct fw_ops ops;
	char err[256];
	size_t i;
	int r;

	if (!rec->cfg)
		return 0;
	r = compile(rec, &want, err, sizeof(err));
	if (r < 0) {
		fprintf(out, "firewall: %s\n", err);
		return r;
	}
	fw_ruleset_init(&have);
	r = rec->fw.nft ? fw_nft_dump(rec->fw.nft, &have) : -ENOTCONN;
	if (r == 0)
		r = fw_diff(&want, &have, &ops, NULL);
	if (r < 0) {
		fprintf(out, "firewall: cannot compare with the kernel: %s\n", strerror(-r));
		goto out;
	}
	for (i = 0; i < ops.n; i++) {
		const struct fw_op *o = &ops.v[i];

		fprintf(out, "firewall: %s %s %s%s%s", fw_opk_to_string(o->kind),
			o->table == FW_T_INET ? "inet" : "bridge", fw_table_name(o->table),
			o->chain || o->set ? " " : "",
			o->chain ? o->chain->name : o->set ? o->set->name : "");
		if (o->kind == FWO_NEWRULES || o->kind == FWO_FLUSH)
			fprintf(out, " (%zu rule%s)", o->chain->n, o->chain->n == 1 ? "" : "s");
		else if (o->kind == FWO_NEWELEMS || o->kind == FWO_DELELEMS)
			fprintf(out, " (%zu element%s)", o->n, o->n == 1 ? "" : "s");
		fputc('\n', out);
	}
	fw_ops_done(&ops);
out:
	fw_ruleset_done(&have);
	fw_ruleset_done(&want);
	return r;
}

static void describe(char *buf, size_t size, const struct fw_diff_stats *d)
{
	snprintf(buf, size, "%zu table%s, %zu chain%s, %zu rule%s, %zu set%s, %zu element%s",
		 d->tables, d->tables == 1 ? "" : "s", d->chains, d->chains == 1 ? "" : "s",
		 d->rules, d->rules == 1 ? "" : "s", d->sets, d->sets == 1 ? "" : "s", d->elems,
		 d->elems == 1 ? "" : "s");
}

/* Keep what a failed or refused run leaves: retry later. Returns 1. */
static int sync_failed(struct sdnd_fw *fw, int r, const char *err, uint64_t now,
		       uint64_t *ret_next_ms)
{
	fw->st.attempts++;
	sdnd_objstate_fail(&fw->st, r, err, now);
	*ret_next_ms = fw->st.next_retry_ms;
	return 1;
}

static void in_sync(struct sdnd_fw *fw)
{
	fw->st.state = SDND_STATE_IN_SYNC;
	fw->st.msg[0] = '\0';
	fw->st.attempts = 0;
}

/* The kernel's copy of sdnd's tables as read now (or still current). NULL on error (in err). */
static const struct fw_ruleset *kernel_copy(struct sdnd_fw *fw, char *err, size_t size)
{
	int r;

	if (!fw->have_valid) {
		fw_ruleset_done(&fw->have);
		fw_ruleset_init(&fw->have);
		r = fw_nft_dump(fw->nft, &fw->have);
		fw->n_dumps++;
		if (r < 0) {
			snprintf(err, size, "cannot read sdnd's nftables tables: %s", strerror(-r));
			return NULL;
		}
		fw->have_valid = true;
	}
	return &fw->have;
}

/*
 * What the configuration and the attachments want now, compiled where they changed since the
 * last time. shared: more than attachments changed.
 */
static int update(struct sdnd_reconciler *rec, bool shared, struct fw_delta *d, char *err,
		  size_t size)
{
	struct inputs x;
	int r;

	r = inputs_make(rec, &x);
	if (r == 0)
		r = fw_build_update(&rec->fw.build, &x.in, shared, d, err, size);
	else
		snprintf(err, size, "%s", strerror(-r));
	inputs_done(&x);
	return r;
}

int sdnd_fw_sync(struct sdnd_reconciler *rec, bool repair, uint64_t now, uint64_t *ret_next_ms)
{
	struct sdnd_fw *fw = &rec->fw;
	struct sdnd_fw_stamp stamp;
	struct fw_diff_stats ds;
	struct fw_delta d;
	const struct fw_ruleset *kernel;
	struct fw_ops ops = { 0 };
	char err[SNL_EXTACK_MAX + 64], what[160];
	uint64_t t0 = sdnd_now_us(), t_kernel = 0, t;
	bool ct_failed = false, changed, shared;
	size_t n_ops;
	int r = 0;

	*ret_next_ms = 0;
	if (!rec->cfg)
		return 0;
	if (fw->st.state == SDND_STATE_FAILED && fw->st.next_retry_ms > now) {
		*ret_next_ms = fw->st.next_retry_ms;
		return 1;
	}
	if (fw->ct < 0 && fw->nft)
		probe_ct(fw);
again:
	stamp = (struct sdnd_fw_stamp){ rec->generation, rec->atts.rev, fw->ct };
	shared = !fw->build.valid || stamp.generation != fw->stamp.generation ||
		 stamp.ct != fw->stamp.ct;
	changed = shared || stamp.atts_rev != fw->stamp.atts_rev;
	/* nothing changed here nor in the kernel: nothing to compile, compare or send */
	if (!changed && fw->synced) {
		in_sync(fw);
		return 0;
	}
	memset(&d, 0, sizeof(d));
	if (!fw->build.valid && !fw->build.tables && fw->nft) {
		/* keep NICs in the bridge tables the kernel has them in (a restart, say) */
		kernel = kernel_copy(fw, err, sizeof(err));
		for (unsigned k = 0; kernel && k < FW_BRIDGE_TABLES_MAX; k++)
			fw->build.tables += kernel->t[fw_bridge_table(k)].present;
	}
	if (changed) {
		r = update(rec, shared, &d, err, sizeof(err));
		if (r < 0) {
			log_err("firewall: %s; the running firewall stays as it is", err);
			return sync_failed(fw, r, err, now, ret_next_ms);
		}
	}
	if (fw->synced && fw->nft) {
		/* the kernel holds build.rs: what changes in it is all that changes there */
		r = fw_diff(&d.new, d.full ? &fw->build.rs : &d.old, &ops, &ds);
		if (r == 0 && ops.n) {
			t = sdnd_now_us();
			r = fw_nft_send(fw->nft, &ops, true, err, sizeof(err), &ct_failed);
			t_kernel += sdnd_now_us() - t;
		}
	}
	/* what is wanted now, whether it could be applied or not */
	if (changed) {
		fw_build_commit(&fw->build, &d);
		fw_delta_done(&d);
		fw->stamp = stamp;
		count_wanted(fw, &fw->build.rs);
		if (!fw->build.valid) {
			snprintf(err, sizeof(err), "out of memory");
			sdnd_fw_stale(fw);
			fw_ops_done(&ops);
			return sync_failed(fw, -ENOMEM, err, now, ret_next_ms);
		}
	}
	if (!fw->nft) {
		if (!fw->in_use) {
			in_sync(fw);
			return 0;
		}
		return sync_failed(fw, fw->st.err, fw->st.msg, now, ret_next_ms);
	}
	if (!fw->synced) {
		/* someone else may have changed the tables: compare all with what they hold */
		kernel = kernel_copy(fw, err, sizeof(err));
		r = kernel ? fw_diff(&fw->build.rs, kernel, &ops, &ds) : -EIO;
		if (r == 0 && ops.n) {
			t = sdnd_now_us();
			r = fw_nft_send(fw->nft, &ops, true, err, sizeof(err), &ct_failed);
			t_kernel += sdnd_now_us() - t;
		}
	}
	n_ops = ops.n;
	fw_ops_done(&ops);
	if (r < 0) {
		/* whatever the kernel holds now, read it again next time */
		sdnd_fw_stale(fw);
		if (ct_failed && fw->ct != 0) {
			no_ct(fw);
			goto again;
		}
		if (r != -EIO)
			log_err("firewall: %s", err);
		return sync_failed(fw, r, err, now, ret_next_ms);
	}
	/* the kernel holds build.rs now; its copy is not needed until someone changes it */
	fw->synced = true;
	fw->have_valid = false;
	fw_ruleset_done(&fw->have);
	fw_ruleset_init(&fw->have);
	in_sync(fw);
	if (!n_ops)
		return 0;
	fw->n_batches++;
	if (repair)
		fw->n_repairs++;
	fw->last = ds;
	fw->last_batch_us = sdnd_now_us() - t0;
	fw->last_kernel_us = t_kernel;
	fw->st.last_applied_ms = now;
	describe(what, sizeof(what), &ds);
	if (!rec->quiet)
		log_info("%sfirewall: %s changed in one batch (%llu us, of which the kernel %llu us)",
			 repair ? "repair: " : "", what, (unsigned long long)fw->last_batch_us,
			 (unsigned long long)t_kernel);
	return 0;
}

struct json_object *sdnd_fw_status_json(const struct sdnd_fw *fw)
{
	struct json_object *j = json_object_new_object();

	json_object_object_add(j, "state", json_object_new_string(sdnd_state_to_string(fw->st.state)));
	if (fw->st.msg[0] && fw->st.state != SDND_STATE_IN_SYNC)
		json_object_object_add(j, "error", json_object_new_string(fw->st.msg));
	json_object_object_add(j, "enabled", json_object_new_boolean(fw->in_use));
	json_object_object_add(j, "conntrack", json_object_new_boolean(fw->ct != 0));
	json_object_object_add(j, "chains", json_object_new_int64((int64_t)fw->n_chains));
	json_object_object_add(j, "rules", json_object_new_int64((int64_t)fw->n_rules));
	json_object_object_add(j, "sets", json_object_new_int64((int64_t)fw->n_sets));
	json_object_object_add(j, "elements", json_object_new_int64((int64_t)fw->n_elems));
	json_object_object_add(j, "batches", json_object_new_int64((int64_t)fw->n_batches));
	json_object_object_add(j, "repairs", json_object_new_int64((int64_t)fw->n_repairs));
	json_object_object_add(j, "last_batch_us", json_object_new_int64((int64_t)fw->last_batch_us));
	json_object_object_add(j, "last_kernel_us",
			       json_object_new_int64((int64_t)fw->last_kernel_us));
	return j;
}
