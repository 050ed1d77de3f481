// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * An attachment's firewall as the control API and the attachments store carry it (json-c).
 * Reading goes through the configuration parser's NIC section (JSON is YAML): the object is
 * printed and parsed again, so the API has exactly the fields, defaults and checks of the
 * `attachments:` section, with errors as a JSON path and a message.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "firewall/fw.h"
#include "sdnd/util.h"
#include "zones/yparse.h"

int fw_nic_from_json(struct json_object *j, const struct fw_config *cfg, bool has_mac,
		     struct fw_nic *ret, char *where, size_t where_size, char *msg, size_t msg_size)
{
	const char *text = json_object_to_json_string_ext(
		j, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	struct pctx p = { .fname = "<json>", .json = true };
	struct ydoc doc = { 0 };
	struct fw_nic n = { 0 };
	bool ok = false;
	int r;

	if (!text)
		return -ENOMEM;
	p.buf = text;
	p.len = strlen(text);
	r = zy_load(&p, &doc);
	if (r == 0)
		ok = zy_fw_parse_nic(&p, doc.root, "firewall", cfg, has_mac ? 1 : 0, &n);
	zy_doc_done(&doc);
	if (p.oom || r == -ENOMEM) {
		fw_nic_done(&n);
		zy_errs_done(&p);
		return -ENOMEM;
	}
	if (!ok || p.n_errs) {
		zy_errs_sort(&p);
		if (p.n_errs) {
			const struct perr *e = &p.errs[0];

			if (where && where_size)
				snprintf(where, where_size, "%s",
					 e->path && *e->path ? e->path : "firewall");
			if (msg && msg_size)
				snprintf(msg, msg_size, "%s", e->msg);
		}
		fw_nic_done(&n);
		zy_errs_done(&p);
		return -EINVAL;
	}
	zy_errs_done(&p);
	*ret = n;
	return 0;
}

/* ---- to JSON ------------------------------------------------------------------------------ */

static int add(struct json_object *o, const char *key, struct json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_object_add(o, key, v) < 0) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

static int add_str(struct json_object *o, const char *key, const char *s)
{
	return add(o, key, json_object_new_string(s));
}

static int add_bool(struct json_object *o, const char *key, bool b)
{
	return add(o, key, json_object_new_boolean(b));
}

/* "10.0.0.0/24,192.0.2.7" */
static int add_ranges(struct json_object *o, const char *key, const struct fw_iprange *r, size_t n)
{
	_cleanup_free_ char *s = NULL;
	char b[FW_IPRANGE_STRLEN];
	size_t i, len = 0;

	s = calloc(n * (FW_IPRANGE_STRLEN + 1) + 1, 1);
	if (!s)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(s + len, "%s%s", i ? "," : "", fw_iprange_str(&r[i], b));
	return add_str(o, key, s);
}

static int add_addr(struct json_object *o, const char *key, const struct fw_addr *a)
{
	char b[FW_NAME_MAX + 2];

	if (a->ipset[0]) {
		snprintf(b, sizeof(b), "+%s", a->ipset);
		return add_str(o, key, b);
	}
	if (!a->n)
		return 0;
	return add_ranges(o, key, a->r, a->n);
}

/* "22,80:90" */
static int add_ports(struct json_object *o, const char *key, const struct fw_portrange *p, size_t n)
{
	_cleanup_free_ char *s = NULL;
	size_t i, len = 0;

	if (!n)
		return 0;
	s = calloc(n * 12 + 1, 1);
	if (!s)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		len += (size_t)sprintf(s + len, "%s%u", i ? "," : "", p[i].lo);
		if (p[i].hi != p[i].lo)
			len += (size_t)sprintf(s + len, ":%u", p[i].hi);
	}
	return add_str(o, key, s);
}

/* A name when there is one, else the number. */
static int add_name_or_int(struct json_object *o, const char *key, const char *name, int v)
{
	return name ? add_str(o, key, name) : add(o, key, json_object_new_int(v));
}

static struct json_object *rule_to_json(const struct fw_rule *r)
{
	struct json_object *o = json_object_new_object();
	int e = 0;

	if (!o)
		return NULL;
	if (r->group[0]) {
		e |= add_str(o, "group", r->group);
	} else {
		e |= add_str(o, "dir", fw_dir_to_string(r->dir));
		e |= add_str(o, "action", fw_action_to_string(r->action));
		if (r->macro[0])
			e |= add_str(o, "macro", r->macro);
		if (r->proto >= 0)
			e |= add_name_or_int(o, "proto", fw_proto_to_string(r->proto), r->proto);
		e |= add_addr(o, "source", &r->source);
		e |= add_addr(o, "dest", &r->dest);
		e |= add_ports(o, "sport", r->sport, r->n_sport);
		e |= add_ports(o, "dport", r->dport, r->n_dport);
		if (r->icmp_type >= 0)
			e |= add_name_or_int(o, "icmp-type",
					     fw_icmp_type_to_string(r->proto, r->icmp_type),
					     r->icmp_type);
		e |= add_str(o, "log", fw_log_to_string(r->log));
	}
	e |= add_bool(o, "enable", r->enable);
	if (r->iface[0])
		e |= add_str(o, "iface", r->iface);
	if (r->comment[0])
		e |= add_str(o, "comment", r->comment);
	if (e) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

struct json_object *fw_nic_to_json(const struct fw_nic *n)
{
	struct json_object *o = json_object_new_object(), *rules = NULL;
	size_t i;
	int e = 0;

	if (!o)
		return NULL;
	e |= add_bool(o, "enable", n->enable);
	e |= add_str(o, "policy-in", fw_action_to_string(n->policy_in));
	e |= add_str(o, "policy-out", fw_action_to_string(n->policy_out));
	e |= add_str(o, "log-in", fw_log_to_string(n->log_in));
	e |= add_str(o, "log-out", fw_log_to_string(n->log_out));
	if (n->macfilter >= 0)
		e |= add_bool(o, "macfilter", n->macfilter > 0);
	if (n->has_ipfilter) {
		struct json_object *l = json_object_new_array();
		char b[FW_IPRANGE_STRLEN];

		e |= add(o, "ipfilter", l);
		for (i = 0; !e && i < n->n_ipfilter; i++) {
			struct json_object *s =
				json_object_new_string(fw_iprange_str(&n->ipfilter[i], b));

			if (!s || json_object_array_add(l, s) < 0) {
				json_object_put(s);
				e = -ENOMEM;
			}
		}
	}
	e |= add_bool(o, "dhcp", n->dhcp);
	e |= add_bool(o, "ndp", n->ndp);
	e |= add_bool(o, "radv", n->radv);
	if (!e) {
		rules = json_object_new_array();
		e |= add(o, "rules", rules);
	}
	for (i = 0; !e && i < n->rules.n; i++) {
		struct json_object *r = rule_to_json(&n->rules.v[i]);

		if (!r || json_object_array_add(rules, r) < 0) {
			json_object_put(r);
			e = -ENOMEM;
		}
	}
	if (e) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

int fw_nic_check_refs(const struct fw_nic *nic, const struct fw_config *cfg, char *msg,
		      size_t msg_size)
{
	size_t i;

	for (i = 0; i < nic->rules.n; i++) {
		const struct fw_rule *r = &nic->rules.v[i];
		const char *what = NULL, *name = NULL;

		if (r->group[0] && !fw_config_group(cfg, r->group)) {
			what = "group";
			name = r->group;
		} else if (r->source.ipset[0] && !fw_config_ipset(cfg, r->source.ipset)) {
			what = "ipset";
			name = r->source.ipset;
		} else if (r->dest.ipset[0] && !fw_config_ipset(cfg, r->dest.ipset)) {
			what = "ipset";
			name = r->dest.ipset;
		}
		if (!what)
			continue;
		if (msg && msg_size)
			snprintf(msg, msg_size, "%s \"%s\" does not exist", what, name);
		return -ENOENT;
	}
	return 0;
}
