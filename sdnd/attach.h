/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Attachments: "interface IFNAME (a VM's tap, a container's veth) belongs on vnet V, with these
 * settings". They come from the control API, are kept in the state directory across restarts,
 * and are plugged whenever the interface exists. The interfaces are never sdnd's: it plugs,
 * configures and unplugs them, it never creates or deletes them.
 */
#ifndef SDND_ATTACH_H
#define SDND_ATTACH_H

#include <json-c/json.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "firewall/fw.h"
#include "sdnd/obj.h"
#include "sdnd/objstate.h"
#include "zones/model.h"

#define SDND_ATTACH_OWNER_MAX 127
#define SDND_ATTACH_TRUNKS_MAX 160

/* What the operator sees of an attachment. */
enum sdnd_attach_state {
	SDND_ATTACH_PLUGGED,     /* on its vnet with every setting */
	SDND_ATTACH_PENDING,     /* being applied */
	SDND_ATTACH_FAILED,      /* see msg; retried with backoff */
	SDND_ATTACH_ABSENT,      /* the interface does not exist now */
	SDND_ATTACH_ORPHANED,    /* the vnet is not in this node's configuration */
	SDND_ATTACH_DETACHED,    /* only in the answer to a detach */
	_SDND_ATTACH_STATE_MAX,
};

const char *sdnd_attach_state_to_string(enum sdnd_attach_state s);

struct sdnd_attach {
	char ifname[IFNAMSIZ];
	char vnet[ZONE_NAME_MAX + 1];
	bool has_mac;
	uint8_t mac[6];
	uint16_t vlan;                       /* access VLAN (PVID, untagged); 0: none */
	char trunks[SDND_ATTACH_TRUNKS_MAX]; /* as given, normalized ("10-20;30"); "" none */
	bool learning;
	char owner[SDND_ATTACH_OWNER_MAX + 1];
	struct fw_nic *fw;                   /* its firewall; NULL: the configuration's
					      * `attachments:` entry for ifname, if any */
	/* runtime, not persisted */
	uint64_t rev;                        /* the attachments' rev when it last changed */
	bool has_stale_mac;                  /* learning was turned back on: the static entry */
	uint8_t stale_mac[6];                /* sdnd made for this MAC goes */
	enum sdnd_attach_state state;        /* as shown; see sdnd_rec_run() */
	char msg[SNL_EXTACK_MAX + 64];       /* why it is not plugged, "" when it is */
	struct sdnd_objstate st;             /* of its kernel objects, as for wanted objects */
};

/* A port to take out of its bridge once: the attachment was removed. */
struct sdnd_unplug {
	char ifname[IFNAMSIZ];
	char bridge[IFNAMSIZ];
	int ifindex;                         /* the interface it was, 0: whatever has the name */
};

/* Every attachment of the node, sorted by ifname, persisted in path. */
struct sdnd_attachments {
	struct sdnd_attach *a;
	size_t n, cap;
	struct sdnd_unplug *unplug;
	size_t n_unplug, cap_unplug;
	uint64_t rev;                        /* counts changes (put, del) */
	char *path;                          /* NULL: not persisted */
};

/*
 * Fill ret from a JSON object (a request body or a stored entry). ifname is the one from the
 * request path (or NULL: then the object must carry "ifname"). On error returns -EINVAL with
 * the offending field in where (e.g. "vlan", "firewall.rules[0].dport") and what is wrong in
 * msg. Aliases, ipsets and groups of its firewall are looked up in fwcfg (NULL: only what the
 * attachments store holds, where aliases are already addresses). On success ret owns a firewall
 * (sdnd_attach_done()).
 */
int sdnd_attach_from_json(struct json_object *j, const char *ifname, const struct fw_config *fwcfg,
			  struct sdnd_attach *ret, char *where, size_t where_size, char *msg,
			  size_t msg_size);
/* Free what an attachment owns (its firewall). */
void sdnd_attach_done(struct sdnd_attach *a);
/* A deep copy. 0 or -ENOMEM. */
int sdnd_attach_copy(struct sdnd_attach *ret, const struct sdnd_attach *a);
/* The attachment as the API shows it (with its state); runtime fields only if with_state. */
struct json_object *sdnd_attach_to_json(const struct sdnd_attach *a, bool with_state);
/* Is s a name the kernel accepts for an interface? */
bool sdnd_ifname_valid(const char *s);
/* Do two attachments ask for the same thing (ignoring runtime state)? */
bool sdnd_attach_same(const struct sdnd_attach *x, const struct sdnd_attach *y);

/*
 * The VLANs of the port on a VLAN-aware vnet, as Proxmox VE sets them: vlan as PVID untagged,
 * trunks tagged; with neither, 1 PVID untagged and 2-4094 tagged. -E2BIG if they do not fit.
 */
int sdnd_attach_vids(const struct sdnd_attach *a, struct sdnd_vids *ret);

/*
 * Load the store from path (missing: empty). 0, -errno, or -EBADMSG for a file that is not an
 * attachments file: it is moved to PATH.corrupt and the store is empty. A bad entry is skipped.
 */
int sdnd_attachments_load(struct sdnd_attachments *s, const char *path);
/* Write the store atomically. 0 or -errno. */
int sdnd_attachments_save(const struct sdnd_attachments *s);
void sdnd_attachments_free(struct sdnd_attachments *s);
struct sdnd_attach *sdnd_attachments_find(const struct sdnd_attachments *s, const char *ifname);
/* Add or replace with a copy of a (keeps the runtime state of an unchanged one). 0 or -ENOMEM. */
int sdnd_attachments_put(struct sdnd_attachments *s, const struct sdnd_attach *a);
/* Remove ifname; its old value in ret (may be NULL; else the caller owns it). 0 or -ENOENT. */
int sdnd_attachments_del(struct sdnd_attachments *s, const char *ifname, struct sdnd_attach *ret);
/* Remember to unplug ifname from bridge; forget it again with unplug_done. 0 or -ENOMEM. */
int sdnd_attachments_unplug(struct sdnd_attachments *s, const char *ifname, const char *bridge,
			    int ifindex);
void sdnd_attachments_unplug_done(struct sdnd_attachments *s, const char *ifname);

#endif
