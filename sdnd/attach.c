// SPDX-License-Identifier: GPL-2.0-or-later
#include "sdnd/attach.h"

#include <ctype.h>
#include <linux/if_bridge.h>

#include "sdnd/log.h"
#include "sdnd/state.h"
#include "sdnd/util.h"
#include "vlan/vids.h"

static const char *const state_names[_SDND_ATTACH_STATE_MAX] = {
	[SDND_ATTACH_PLUGGED] = "plugged",   [SDND_ATTACH_PENDING] = "pending",
	[SDND_ATTACH_FAILED] = "failed",     [SDND_ATTACH_ABSENT] = "absent",
	[SDND_ATTACH_ORPHANED] = "orphaned", [SDND_ATTACH_DETACHED] = "detached",
};

const char *sdnd_attach_state_to_string(enum sdnd_attach_state s)
{
	return (unsigned int)s < _SDND_ATTACH_STATE_MAX ? state_names[s] : NULL;
}

bool sdnd_ifname_valid(const char *s)
{
	size_t n = strlen(s), i;

	if (!n || n >= IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (i = 0; i < n; i++)
		if (s[i] == '/' || s[i] == ':' || isspace((unsigned char)s[i]) ||
		    !isprint((unsigned char)s[i]))
			return false;
	return true;
}

/*
 * Parse "10-20;30" (also "," as separator) into a per-VID map and its normal form. -EINVAL with
 * the reason in msg.
 */
static int parse_trunks(const char *s, uint8_t *map, char *norm, size_t norm_size, char *msg,
			size_t msg_size)
{
	const char *p = s;
	size_t off = 0;

	memset(map, 0, VLAN_VID_COUNT);
	*norm = '\0';
	if (!*s) {
		snprintf(msg, msg_size, "is empty; leave it out for the default trunk");
		return -EINVAL;
	}
	while (*p) {
		unsigned long lo, hi, v;
		char *end;

		if (!isdigit((unsigned char)*p))
			goto bad;
		lo = strtoul(p, &end, 10);
		hi = lo;
		p = end;
		if (*p == '-') {
			if (!isdigit((unsigned char)p[1]))
				goto bad;
			hi = strtoul(p + 1, &end, 10);
			p = end;
		}
		if (*p && *p != ';' && *p != ',')
			goto bad;
		if (*p)
			p++;
		if (lo < 1 || hi > ZONE_VID_MAX || lo > hi) {
			snprintf(msg, msg_size, "%lu-%lu: VLANs are 1 to %d, low to high", lo, hi,
				 ZONE_VID_MAX);
			return -EINVAL;
		}
		for (v = lo; v <= hi; v++)
			map[v] = VLAN_MAP_PRESENT;
	}
	/* the normal form: sorted, merged ranges joined by ";" */
	for (unsigned int v = 1; v <= ZONE_VID_MAX; v++) {
		unsigned int lo = v;
		int n;

		if (!map[v])
			continue;
		while (v < ZONE_VID_MAX && map[v + 1])
			v++;
		n = lo == v ? snprintf(norm + off, norm_size - off, "%s%u", off ? ";" : "", lo) :
			      snprintf(norm + off, norm_size - off, "%s%u-%u", off ? ";" : "", lo, v);
		if (n < 0 || (size_t)n >= norm_size - off) {
			snprintf(msg, msg_size, "too many ranges");
			return -EINVAL;
		}
		off += (size_t)n;
	}
	return 0;
bad:
	snprintf(msg, msg_size, "\"%s\" is not a list of VLANs like \"10-20;30\"", s);
	return -EINVAL;
}

int sdnd_attach_vids(const struct sdnd_attach *a, struct sdnd_vids *ret)
{
	uint8_t map[VLAN_VID_COUNT];
	char norm[SDND_ATTACH_TRUNKS_MAX], msg[64];
	struct sdnd_vids v = { 0 };

	memset(map, 0, sizeof(map));
	if (*a->trunks && parse_trunks(a->trunks, map, norm, sizeof(norm), msg, sizeof(msg)) < 0)
		return -EINVAL;
	if (a->vlan)
		vlan_map_set(map, a->vlan,
			     VLAN_MAP_PRESENT | BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED);
	if (!a->vlan && !*a->trunks) {
		for (unsigned int vid = 2; vid <= ZONE_VID_MAX; vid++)
			map[vid] = VLAN_MAP_PRESENT;
		vlan_map_set(map, 1, VLAN_MAP_PRESENT | BRIDGE_VLAN_INFO_PVID |
					     BRIDGE_VLAN_INFO_UNTAGGED);
	}
	vlan_vids_from_map(map, &v);
	if (v.overflow)
		return -E2BIG;
	sdnd_strlcpy(v.ifname, a->ifname, sizeof(v.ifname));
	*ret = v;
	return 0;
}

#define FAIL(field, ...)                                                                           \
	do {                                                                                       \
		snprintf(where, where_size, "%s", field);                                          \
		snprintf(msg, msg_size, __VA_ARGS__);                                              \
		return -EINVAL;                                                                    \
	} while (0)

int sdnd_attach_from_json(struct json_object *j, const char *ifname, const struct fw_config *fwcfg,
			  struct sdnd_attach *ret, char *where, size_t where_size, char *msg,
			  size_t msg_size)
{
	struct sdnd_attach a = { .learning = true };
	struct json_object *fwj = NULL;
	bool has_vnet = false;

	if (!json_object_is_type(j, json_type_object))
		FAIL("body", "the body must be a JSON object like {\"vnet\": \"web\"}");
	json_object_object_foreach(j, key, val) {
		enum json_type t = json_object_get_type(val);

		if (!strcmp(key, "ifname")) {
			if (t != json_type_string)
				FAIL(key, "must be a string");
			if (!sdnd_ifname_valid(json_object_get_string(val)))
				FAIL(key, "\"%s\" is not an interface name (1-15 characters, no "
					  "'/', ':' or spaces)", json_object_get_string(val));
			if (ifname && strcmp(ifname, json_object_get_string(val)))
				FAIL(key, "\"%s\" differs from the interface in the path, \"%s\"",
				     json_object_get_string(val), ifname);
			sdnd_strlcpy(a.ifname, json_object_get_string(val), sizeof(a.ifname));
		} else if (!strcmp(key, "vnet")) {
			const char *s = json_object_get_string(val);

			if (t != json_type_string)
				FAIL(key, "must be a string");
			if (!*s || strlen(s) > ZONE_NAME_MAX)
				FAIL(key, "\"%s\" is not a vnet name (1-%d characters)", s,
				     ZONE_NAME_MAX);
			sdnd_strlcpy(a.vnet, s, sizeof(a.vnet));
			has_vnet = true;
		} else if (!strcmp(key, "mac")) {
			if (t == json_type_null)
				continue;
			if (t != json_type_string || sdnd_mac_parse(json_object_get_string(val), a.mac) < 0)
				FAIL(key, "must be a MAC address like \"bc:24:11:00:00:01\"");
			if (a.mac[0] & 1)
				FAIL(key, "%s is a multicast address; a NIC has a unicast one",
				     json_object_get_string(val));
			if (!(a.mac[0] | a.mac[1] | a.mac[2] | a.mac[3] | a.mac[4] | a.mac[5]))
				FAIL(key, "00:00:00:00:00:00 is not a NIC's address");
			a.has_mac = true;
		} else if (!strcmp(key, "vlan")) {
			int64_t v;

			if (t == json_type_null)
				continue;
			if (t != json_type_int)
				FAIL(key, "must be a number from 1 to %d", ZONE_VID_MAX);
			v = json_object_get_int64(val);
			if (v < 1 || v > ZONE_VID_MAX)
				FAIL(key, "%lld is not a VLAN (1 to %d)", (long long)v, ZONE_VID_MAX);
			a.vlan = (uint16_t)v;
		} else if (!strcmp(key, "trunks")) {
			uint8_t map[VLAN_VID_COUNT];
			char m[128];

			if (t == json_type_null)
				continue;
			if (t != json_type_string)
				FAIL(key, "must be a string like \"10-20;30\"");
			if (parse_trunks(json_object_get_string(val), map, a.trunks,
					 sizeof(a.trunks), m, sizeof(m)) < 0)
				FAIL(key, "%s", m);
		} else if (!strcmp(key, "learning")) {
			if (t != json_type_boolean)
				FAIL(key, "must be true or false");
			a.learning = json_object_get_boolean(val);
		} else if (!strcmp(key, "owner")) {
			const char *s = json_object_get_string(val);

			if (t == json_type_null)
				continue;
			if (t != json_type_string)
				FAIL(key, "must be a string");
			if (strlen(s) > SDND_ATTACH_OWNER_MAX)
				FAIL(key, "is longer than %d characters", SDND_ATTACH_OWNER_MAX);
			for (const char *p = s; *p; p++)
				if ((unsigned char)*p < 0x20 || *p == 0x7f)
					FAIL(key, "contains a control character");
			sdnd_strlcpy(a.owner, s, sizeof(a.owner));
		} else if (!strcmp(key, "firewall")) {
			if (t != json_type_null)
				fwj = val;
		} else if (!strcmp(key, "state") || !strcmp(key, "error") ||
			   !strcmp(key, "bridge")) {
			/* what GET shows may be sent back as it is */
		} else {
			FAIL(key, "unknown field; known: ifname, vnet, mac, vlan, trunks, learning, "
				  "owner, firewall");
		}
	}
	if (!*a.ifname) {
		if (!ifname)
			FAIL("ifname", "is missing");
		if (!sdnd_ifname_valid(ifname))
			FAIL("ifname", "\"%s\" is not an interface name (1-15 characters, no '/', "
				       "':' or spaces)", ifname);
		sdnd_strlcpy(a.ifname, ifname, sizeof(a.ifname));
	}
	if (!has_vnet)
		FAIL("vnet", "is missing: the vnet to plug %s into", a.ifname);
	if (!a.learning && !a.has_mac)
		FAIL("learning", "false needs \"mac\": the static forwarding entry that replaces "
				 "learning is for that address");
	if (fwj) {
		struct fw_nic nic;

		if (fw_nic_from_json(fwj, fwcfg, a.has_mac, &nic, where, where_size, msg,
				     msg_size) < 0)
			return -EINVAL;
		a.fw = malloc(sizeof(*a.fw));
		if (!a.fw) {
			fw_nic_done(&nic);
			FAIL("firewall", "out of memory");
		}
		*a.fw = nic;
	}
	*ret = a;
	return 0;
}

#undef FAIL

struct json_object *sdnd_attach_to_json(const struct sdnd_attach *a, bool with_state)
{
	struct json_object *j = json_object_new_object();
	char mac[SDND_MAC_STRLEN];

	json_object_object_add(j, "ifname", json_object_new_string(a->ifname));
	json_object_object_add(j, "vnet", json_object_new_string(a->vnet));
	if (a->has_mac) {
		json_object_object_add(j, "mac", json_object_new_string(sdnd_mac_str(a->mac, mac)));
	}
	if (a->vlan)
		json_object_object_add(j, "vlan", json_object_new_int(a->vlan));
	if (*a->trunks)
		json_object_object_add(j, "trunks", json_object_new_string(a->trunks));
	json_object_object_add(j, "learning", json_object_new_boolean(a->learning));
	if (*a->owner)
		json_object_object_add(j, "owner", json_object_new_string(a->owner));
	if (a->fw)
		json_object_object_add(j, "firewall", fw_nic_to_json(a->fw));
	if (!with_state)
		return j;
	json_object_object_add(j, "state",
			       json_object_new_string(sdnd_attach_state_to_string(a->state)));
	if (*a->msg)
		json_object_object_add(j, "error", json_object_new_string(a->msg));
	if (a->state != SDND_ATTACH_ORPHANED)
		json_object_object_add(j, "bridge", json_object_new_string(a->vnet));
	return j;
}

bool sdnd_attach_same(const struct sdnd_attach *x, const struct sdnd_attach *y)
{
	return !strcmp(x->ifname, y->ifname) && !strcmp(x->vnet, y->vnet) &&
	       x->has_mac == y->has_mac && (!x->has_mac || !memcmp(x->mac, y->mac, 6)) &&
	       x->vlan == y->vlan && !strcmp(x->trunks, y->trunks) && x->learning == y->learning &&
	       !strcmp(x->owner, y->owner) && !x->fw == !y->fw &&
	       (!x->fw || fw_nic_equal(x->fw, y->fw));
}

void sdnd_attach_done(struct sdnd_attach *a)
{
	if (!a || !a->fw)
		return;
	fw_nic_done(a->fw);
	free(a->fw);
	a->fw = NULL;
}

int sdnd_attach_copy(struct sdnd_attach *ret, const struct sdnd_attach *a)
{
	struct fw_nic *fw = NULL;

	if (a->fw) {
		fw = malloc(sizeof(*fw));
		if (!fw)
			return -ENOMEM;
		if (fw_nic_copy(fw, a->fw) < 0) {
			free(fw);
			return -ENOMEM;
		}
	}
	*ret = *a;
	ret->fw = fw;
	return 0;
}

static size_t lower_bound(const struct sdnd_attachments *s, const char *ifname)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (strcmp(s->a[mid].ifname, ifname) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct sdnd_attach *sdnd_attachments_find(const struct sdnd_attachments *s, const char *ifname)
{
	size_t i = lower_bound(s, ifname);

	return i < s->n && !strcmp(s->a[i].ifname, ifname) ? &s->a[i] : NULL;
}

int sdnd_attachments_put(struct sdnd_attachments *s, const struct sdnd_attach *a)
{
	size_t i = lower_bound(s, a->ifname);
	struct sdnd_attach copy;
	int r;

	if (i < s->n && !strcmp(s->a[i].ifname, a->ifname)) {
		if (!sdnd_attach_same(&s->a[i], a)) {
			r = sdnd_attach_copy(&copy, a);
			if (r < 0)
				return r;
			sdnd_attach_done(&s->a[i]);
			s->a[i] = copy;
			s->a[i].state = SDND_ATTACH_PENDING;
			s->a[i].rev = ++s->rev;
		}
		return 0;
	}
	r = sdnd_grow(&s->a, &s->cap, s->n + 1, sizeof(*s->a));
	if (r < 0)
		return r;
	r = sdnd_attach_copy(&copy, a);
	if (r < 0)
		return r;
	memmove(&s->a[i + 1], &s->a[i], (s->n - i) * sizeof(*s->a));
	s->a[i] = copy;
	s->a[i].state = SDND_ATTACH_PENDING;
	s->a[i].rev = ++s->rev;
	s->n++;
	/* attached again before it was unplugged: nothing to unplug */
	sdnd_attachments_unplug_done(s, a->ifname);
	return 0;
}

int sdnd_attachments_del(struct sdnd_attachments *s, const char *ifname, struct sdnd_attach *ret)
{
	size_t i = lower_bound(s, ifname);

	if (i >= s->n || strcmp(s->a[i].ifname, ifname))
		return -ENOENT;
	if (ret)
		*ret = s->a[i];
	else
		sdnd_attach_done(&s->a[i]);
	memmove(&s->a[i], &s->a[i + 1], (s->n - i - 1) * sizeof(*s->a));
	s->n--;
	s->rev++;
	return 0;
}

int sdnd_attachments_unplug(struct sdnd_attachments *s, const char *ifname, const char *bridge,
			    int ifindex)
{
	struct sdnd_unplug *u;
	int r;

	sdnd_attachments_unplug_done(s, ifname);
	r = sdnd_grow(&s->unplug, &s->cap_unplug, s->n_unplug + 1, sizeof(*s->unplug));
	if (r < 0)
		return r;
	u = &s->unplug[s->n_unplug++];
	sdnd_strlcpy(u->ifname, ifname, sizeof(u->ifname));
	sdnd_strlcpy(u->bridge, bridge, sizeof(u->bridge));
	u->ifindex = ifindex;
	return 0;
}

void sdnd_attachments_unplug_done(struct sdnd_attachments *s, const char *ifname)
{
	size_t i;

	for (i = 0; i < s->n_unplug; i++) {
		if (strcmp(s->unplug[i].ifname, ifname))
			continue;
		s->unplug[i] = s->unplug[--s->n_unplug];
		return;
	}
}

void sdnd_attachments_free(struct sdnd_attachments *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		sdnd_attach_done(&s->a[i]);
	free(s->a);
	free(s->unplug);
	free(s->path);
	memset(s, 0, sizeof(*s));
}

int sdnd_attachments_load(struct sdnd_attachments *s, const char *path)
{
	struct json_object *root, *arr;
	size_t i, n;
	int r = 0;

	memset(s, 0, sizeof(*s));
	s->path = strdup(path);
	if (!s->path)
		return -ENOMEM;
	if (access(path, F_OK) < 0)
		return errno == ENOENT ? 0 : -errno;
	root = json_object_from_file(path);
	if (!root || !json_object_object_get_ex(root, "attachments", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		_cleanup_free_ char *aside = NULL;

		/* kept for the operator: the next change would overwrite it */
		if (asprintf(&aside, "%s.corrupt", path) < 0 || rename(path, aside) < 0)
			log_err("%s: not an attachments file (%s)", path,
				root ? "no \"attachments\" list" : "not valid JSON");
		else
			log_err("%s: not an attachments file (%s); moved to %s, starting with no "
				"attachments", path, root ? "no \"attachments\" list" :
				"not valid JSON", aside);
		json_object_put(root);
		return -EBADMSG;
	}
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		struct sdnd_attach a;
		char where[96], msg[256];

		if (sdnd_attach_from_json(json_object_array_get_idx(arr, i), NULL, NULL, &a, where,
					  sizeof(where), msg, sizeof(msg)) < 0) {
			/* one bad entry (edited by hand) must not cost the others */
			log_err("%s: attachment %zu: %s: %s; skipped", path, i + 1, where, msg);
			continue;
		}
		r = sdnd_attachments_put(s, &a);
		sdnd_attach_done(&a);
		if (r < 0)
			break;
	}
	json_object_put(root);
	return r;
}

int sdnd_attachments_save(const struct sdnd_attachments *s)
{
	struct json_object *root, *arr;
	size_t i;
	int r;

	if (!s->path)
		return 0;
	root = json_object_new_object();
	arr = json_object_new_array_ext((int)s->n);
	for (i = 0; i < s->n; i++)
		json_object_array_add(arr, sdnd_attach_to_json(&s->a[i], false));
	json_object_object_add(root, "attachments", arr);
	r = sdnd_write_atomic(s->path, json_object_to_json_string_ext(root, SDND_JSON_FLAGS));
	json_object_put(root);
	return r;
}
