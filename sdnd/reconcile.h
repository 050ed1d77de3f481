/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The reconciler: holds the running generation, the observed kernel and ownership; computes
 * the plan and executes it in dependency order; keeps each wanted object's state.
 */
#ifndef SDND_RECONCILE_H
#define SDND_RECONCILE_H

#include <stdint.h>

#include "sdnd/attach.h"
#include "sdnd/cache.h"
#include "sdnd/firewall.h"
#include "sdnd/nl.h"
#include "sdnd/owner.h"
#include "sdnd/plan.h"
#include "zones/model.h"

struct sdnd_reconciler {
	struct snl nl;
	struct sdnd_cache cache;
	struct sdnd_owner owner;
	char node[ZONE_NODE_NAME_MAX + 1];  /* --node, or "" for the document's / hostname */
	char *config_path;
	char *config_text;                  /* the running document, as it was read */
	size_t config_len;
	char *status_path;                  /* NULL: no status file */
	struct zone_config *cfg;            /* running generation; NULL before the first */
	uint64_t generation;                /* accepted documents since start */
	char config_hash[17];
	char last_load_error[1024];         /* why the last (re)load was rejected, "" if it was not */
	struct sdnd_objset want;
	struct sdnd_objstate *st;           /* parallel to want.objs */
	struct sdnd_attachments atts;       /* guest ports to plug, from the control API */
	struct sdnd_fw fw;                  /* sdnd's nftables tables */
	struct sdnd_conflict *conflicts;    /* of the last plan */
	size_t n_conflicts;
	uint64_t n_reconciles, n_actions, n_repairs, n_failures, n_resyncs;
	uint64_t last_reconcile_ms;         /* wall clock of the last run */
	uint64_t last_run_us;               /* duration of the last run */
	uint64_t last_resync_us;            /* duration of the last run that re-dumped the kernel */
	/* runs that changed something: a cumulative histogram by duration, for /metrics */
#define SDND_LATENCY_BUCKETS 8               /* 1, 5, 10, 25, 50, 100, 250, 1000 ms */
	uint64_t apply_buckets[SDND_LATENCY_BUCKETS];
	uint64_t apply_count, apply_sum_us;
	unsigned int last_changes;          /* actions executed by the last run */
	bool fresh;                         /* a generation was loaded since the last run */
	bool quiet;                         /* don't log each action (plan/apply --once print) */
	/* a cluster store is in use, and its live nodes (for peers: auto); set by its source */
	bool cluster;
	struct zone_member *members;
	size_t n_members;
};

/* Open netlink (with events for the daemon), load ownership, dump the kernel. */
/* event_buf: 0 for no event socket, else its receive buffer size (see snl_open()). */
int sdnd_rec_init(struct sdnd_reconciler *rec, const char *state_dir, int event_buf);
void sdnd_rec_free(struct sdnd_reconciler *rec);
/*
 * Parse and validate path against this node; on success make it the running generation.
 * On failure the running generation stays and every error is printed to err (may be NULL: then
 * logged). 0, -EINVAL for a rejected document, or -errno.
 */
int sdnd_rec_load(struct sdnd_reconciler *rec, const char *path, FILE *err);
/*
 * As sdnd_rec_load() for a document in buf, named name in messages. The same text as the
 * running one is no new generation, unless again (the cluster's members changed, which the
 * document may expand differently with).
 */
int sdnd_rec_offer(struct sdnd_reconciler *rec, const char *buf, size_t len, const char *name,
		   bool again, FILE *err);
/* A validated, expanded document that is not running yet. */
struct sdnd_generation {
	struct zone_config *cfg;
	struct sdnd_objset want;
	char *text;
	size_t len;
	char hash[17];
};

/*
 * Validate buf (named name in messages) against this node and expand it. Touches nothing that
 * runs. 0, or -EINVAL with every problem in errs, or -errno.
 */
int sdnd_rec_prepare(struct sdnd_reconciler *rec, const char *buf, size_t len, const char *name,
		     struct sdnd_generation *ret, struct zone_errors *errs);
/* Make a prepared generation the running one (consumes g). 0 or -ENOMEM. */
int sdnd_rec_commit(struct sdnd_reconciler *rec, struct sdnd_generation *g);
void sdnd_generation_free(struct sdnd_generation *g);

/* Re-read the kernel if events were lost or a resync is due (counted). 0 or -errno. */
int sdnd_rec_refresh(struct sdnd_reconciler *rec);
/* Compute the plan for the running generation against the kernel (dumped again if stale). */
int sdnd_rec_plan(struct sdnd_reconciler *rec, struct sdnd_plan *ret_plan);
/*
 * One reconcile: plan and apply, honouring each object's retry backoff. Returns the number of
 * objects and attachments failed or pending, or -errno. *ret_next_ms: when to run again for retries (0: none).
 */
int sdnd_rec_run(struct sdnd_reconciler *rec, uint64_t *ret_next_ms);
int sdnd_rec_write_status(struct sdnd_reconciler *rec);
/* The status document (as written to status.json and served at /v1/status). */
struct json_object *sdnd_rec_status_json(const struct sdnd_reconciler *rec);
/* Add "attachments" (every attachment with its state) and "attachment_summary" to root. */
void sdnd_rec_attachments_json(const struct sdnd_reconciler *rec, struct json_object *root);
uint64_t sdnd_now_ms(void);
uint64_t sdnd_now_us(void);

#endif
