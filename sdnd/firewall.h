/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The firewall as one more thing the reconciler keeps in sync: the running configuration and
 * the attachments are compiled into the wanted nftables objects, compared with the kernel's copy
 * of sdnd's tables, and whatever differs is sent as one batch.
 */
#ifndef SDND_FIREWALL_H
#define SDND_FIREWALL_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "firewall/build.h"
#include "firewall/nft.h"
#include "firewall/ruleset.h"
#include "sdnd/objstate.h"

struct sdnd_reconciler;

/* What the wanted ruleset was compiled from. */
struct sdnd_fw_stamp {
	uint64_t generation;          /* of the configuration */
	uint64_t atts_rev;            /* of the attachments */
	int ct;
};

struct sdnd_fw {
	struct fw_nft *nft;           /* NULL: nftables cannot be reached (see st.msg) */
	struct fw_build build;        /* build.rs: what the kernel should hold */
	struct sdnd_fw_stamp stamp;   /* of build (when build.valid) */
	bool synced;                  /* the kernel holds build.rs, as far as sdnd knows */
	struct fw_ruleset have;       /* the kernel's copy as last read, while not synced */
	bool have_valid;              /* have is current */
	int ct;                       /* bridge conntrack: -1 not known yet, 0 no, 1 yes */
	bool in_use;                  /* the last compile wanted any table */
	struct sdnd_objstate st;      /* in sync, pending or failed (with the reason) */
	struct fw_diff_stats last;    /* what the last batch changed */
	uint64_t n_batches, n_repairs, n_dumps;
	uint64_t last_batch_us;       /* the last batch: compile, diff, send, acks */
	uint64_t last_kernel_us;      /* of which sending it until the kernel's acks */
	size_t n_chains, n_rules, n_sets, n_elems; /* wanted, for status and metrics */
};

/* Open the nftables sockets (a failure is kept in the state, not fatal). */
void sdnd_fw_init(struct sdnd_fw *fw);
void sdnd_fw_free(struct sdnd_fw *fw);
/* The event socket for epoll, or -1. */
int sdnd_fw_event_fd(const struct sdnd_fw *fw);
/* Read nftables events; true when sdnd's tables must be compared with the kernel again. */
bool sdnd_fw_events(struct sdnd_fw *fw);
/* Compare sdnd's tables with the kernel's at the next sync (resync, lost events). */
void sdnd_fw_stale(struct sdnd_fw *fw);
/*
 * Bring sdnd's tables to what rec's configuration and attachments want. repair: the run is
 * repairing drift (counted). Returns 0 in sync, 1 failed or backing off, -errno. *ret_next_ms:
 * when to retry (0: no retry needed).
 */
int sdnd_fw_sync(struct sdnd_reconciler *rec, bool repair, uint64_t now, uint64_t *ret_next_ms);
/* Compile the running configuration and print it as an nft script (for `sdnd plan`). */
int sdnd_fw_print(struct sdnd_reconciler *rec, FILE *out);
/* Print what sdnd_fw_sync() would change, one line per step ("firewall: add chain ..."). */
int sdnd_fw_plan(struct sdnd_reconciler *rec, FILE *out);
/* "firewall" of the status document. */
struct json_object *sdnd_fw_status_json(const struct sdnd_fw *fw);

#endif
