// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sdnd/attach.c: an attachment as the control API receives it (every field checked, every
 * error naming its field), the VLANs it gives a port as Proxmox VE would, and the store in the
 * state directory.
 */
#include <json-c/json.h>
#include <linux/if_bridge.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sdnd/attach.h"
#include "sdnd/util.h"
#include "vlan/vids.h"

/* Parse body for ifname; 0 or -EINVAL with where and msg. */
static int parse(const char *body, const char *ifname, struct sdnd_attach *a, char *where,
		 char *msg)
{
	struct json_object *j = json_tokener_parse(body);
	int r;

	assert_non_null(j);
	r = sdnd_attach_from_json(j, ifname, NULL, a, where, 32, msg, 256);
	json_object_put(j);
	return r;
}

static void test_full(void **state)
{
	struct sdnd_attach a;
	char where[32], msg[256];

	assert_int_equal(parse("{\"vnet\": \"web\", \"mac\": \"BC:24:11:00:00:01\", \"vlan\": 10,"
			       " \"trunks\": \"30;10-20,15\", \"learning\": false,"
			       " \"owner\": \"vm/100\"}", "tap100i0", &a, where, msg), 0);
	assert_string_equal(a.ifname, "tap100i0");
	assert_string_equal(a.vnet, "web");
	assert_true(a.has_mac);
	assert_int_equal(a.mac[0], 0xbc);
	assert_int_equal(a.mac[5], 0x01);
	assert_int_equal(a.vlan, 10);
	/* sorted and merged, in Proxmox's notation */
	assert_string_equal(a.trunks, "10-20;30");
	assert_false(a.learning);
	assert_string_equal(a.owner, "vm/100");
}

static void test_defaults(void **state)
{
	struct sdnd_attach a;
	char where[32], msg[256];
	struct json_object *j;

	assert_int_equal(parse("{\"vnet\": \"web\"}", "tap1", &a, where, msg), 0);
	assert_true(a.learning);
	assert_false(a.has_mac);
	assert_int_equal(a.vlan, 0);
	assert_string_equal(a.trunks, "");
	/* what GET shows may be sent back unchanged */
	j = sdnd_attach_to_json(&a, true);
	assert_int_equal(sdnd_attach_from_json(j, "tap1", NULL, &a, where, 32, msg, 256), 0);
	json_object_put(j);
	/* the ifname may come in the body alone (the stored form) */
	assert_int_equal(parse("{\"ifname\": \"veth101i0\", \"vnet\": \"web\"}", NULL, &a, where,
			       msg), 0);
	assert_string_equal(a.ifname, "veth101i0");
}

/* Each bad input: the field it names and a word of the message. */
static void test_errors(void **state)
{
	static const struct {
		const char *body, *ifname, *where, *says;
	} cases[] = {
		{ "[1]", "tap1", "body", "JSON object" },
		{ "{}", "tap1", "vnet", "missing" },
		{ "{\"vnet\": 7}", "tap1", "vnet", "string" },
		{ "{\"vnet\": \"\"}", "tap1", "vnet", "not a vnet name" },
		{ "{\"vnet\": \"a-name-that-is-too-long\"}", "tap1", "vnet", "not a vnet name" },
		{ "{\"vnet\": \"web\"}", "a/b", "ifname", "not an interface name" },
		{ "{\"vnet\": \"web\"}", "sixteen-chars-xx", "ifname", "not an interface name" },
		{ "{\"vnet\": \"web\"}", NULL, "ifname", "missing" },
		{ "{\"vnet\": \"web\", \"ifname\": \"tap2\"}", "tap1", "ifname", "differs" },
		{ "{\"vnet\": \"web\", \"mac\": \"bc:24:11:00:00\"}", "tap1", "mac", "MAC address" },
		{ "{\"vnet\": \"web\", \"mac\": \"bc:24:11:00:00:0g\"}", "tap1", "mac",
		  "MAC address" },
		{ "{\"vnet\": \"web\", \"mac\": \"01:00:5e:00:00:01\"}", "tap1", "mac",
		  "multicast" },
		{ "{\"vnet\": \"web\", \"mac\": \"00:00:00:00:00:00\"}", "tap1", "mac", "not a NIC" },
		{ "{\"vnet\": \"web\", \"vlan\": 0}", "tap1", "vlan", "not a VLAN" },
		{ "{\"vnet\": \"web\", \"vlan\": 4095}", "tap1", "vlan", "not a VLAN" },
		{ "{\"vnet\": \"web\", \"vlan\": \"10\"}", "tap1", "vlan", "number" },
		{ "{\"vnet\": \"web\", \"trunks\": \"\"}", "tap1", "trunks", "empty" },
		{ "{\"vnet\": \"web\", \"trunks\": \"10-\"}", "tap1", "trunks", "list of VLANs" },
		{ "{\"vnet\": \"web\", \"trunks\": \"20-10\"}", "tap1", "trunks", "low to high" },
		{ "{\"vnet\": \"web\", \"trunks\": \"1-4095\"}", "tap1", "trunks", "1 to 4094" },
		{ "{\"vnet\": \"web\", \"trunks\": 10}", "tap1", "trunks", "string" },
		{ "{\"vnet\": \"web\", \"learning\": 0}", "tap1", "learning", "true or false" },
		{ "{\"vnet\": \"web\", \"learning\": false}", "tap1", "learning", "needs \"mac\"" },
		{ "{\"vnet\": \"web\", \"owner\": \"a\\nb\"}", "tap1", "owner", "control" },
		{ "{\"vnet\": \"web\", \"tag\": 10}", "tap1", "tag", "unknown field" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct sdnd_attach a;
		char where[32] = "", msg[256] = "";

		if (parse(cases[i].body, cases[i].ifname, &a, where, msg) != -EINVAL ||
		    strcmp(where, cases[i].where) || !strstr(msg, cases[i].says))
			fail_msg("%s: got where \"%s\", \"%s\"", cases[i].body, where, msg);
	}
}

static const char *vids_of(const char *body, char *buf, size_t size)
{
	struct sdnd_attach a;
	struct sdnd_vids v;
	char where[32], msg[256];

	assert_int_equal(parse(body, "tap1", &a, where, msg), 0);
	assert_int_equal(sdnd_attach_vids(&a, &v), 0);
	assert_string_equal(v.ifname, "tap1");
	return vlan_vids_format(&v, buf, size);
}

/* The port's VLANs on a VLAN-aware vnet, as Proxmox VE sets them. */
static void test_vids(void **state)
{
	char b[256];

	assert_string_equal(vids_of("{\"vnet\": \"v\"}", b, sizeof(b)),
			    "1 pvid untagged, 2-4094");
	assert_string_equal(vids_of("{\"vnet\": \"v\", \"vlan\": 10}", b, sizeof(b)),
			    "10 pvid untagged");
	assert_string_equal(vids_of("{\"vnet\": \"v\", \"trunks\": \"20;10\"}", b, sizeof(b)),
			    "10, 20");
	/* the access VLAN stays untagged inside the trunk */
	assert_string_equal(vids_of("{\"vnet\": \"v\", \"vlan\": 15, \"trunks\": \"10-20\"}", b,
				    sizeof(b)), "10-14, 15 pvid untagged, 16-20");
}

static void test_store(void **state)
{
	char dir[] = "/tmp/sdnd-attach-XXXXXX", path[64], where[32], msg[256];
	struct sdnd_attachments s, t;
	struct sdnd_attach a, old;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/attachments.json", dir);
	/* missing file: empty */
	assert_int_equal(sdnd_attachments_load(&s, path), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(parse("{\"vnet\": \"web\", \"mac\": \"bc:24:11:00:00:02\", \"learning\":"
			       " false}", "tap2", &a, where, msg), 0);
	assert_int_equal(sdnd_attachments_put(&s, &a), 0);
	assert_int_equal(parse("{\"vnet\": \"db\", \"owner\": \"ct/101\"}", "tap1", &a, where, msg),
			 0);
	assert_int_equal(sdnd_attachments_put(&s, &a), 0);
	/* sorted by name */
	assert_string_equal(s.a[0].ifname, "tap1");
	assert_string_equal(s.a[1].ifname, "tap2");
	/* replacing keeps one entry */
	assert_int_equal(parse("{\"vnet\": \"web\"}", "tap1", &a, where, msg), 0);
	assert_int_equal(sdnd_attachments_put(&s, &a), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(sdnd_attachments_find(&s, "tap1")->vnet, "web");
	assert_int_equal(sdnd_attachments_save(&s), 0);

	assert_int_equal(sdnd_attachments_load(&t, path), 0);
	assert_int_equal(t.n, 2);
	assert_true(sdnd_attach_same(&s.a[0], &t.a[0]));
	assert_true(sdnd_attach_same(&s.a[1], &t.a[1]));
	assert_int_equal(sdnd_attachments_del(&t, "tap2", &old), 0);
	assert_string_equal(old.vnet, "web");
	assert_int_equal(sdnd_attachments_del(&t, "tap2", NULL), -ENOENT);
	assert_null(sdnd_attachments_find(&t, "tap2"));
	/* unplug records: one per interface, dropped when it is attached again */
	assert_int_equal(sdnd_attachments_unplug(&t, "tap2", "web", 7), 0);
	assert_int_equal(sdnd_attachments_unplug(&t, "tap2", "web", 7), 0);
	assert_int_equal(t.n_unplug, 1);
	assert_int_equal(sdnd_attachments_put(&t, &old), 0);
	assert_int_equal(t.n_unplug, 0);
	sdnd_attachments_free(&t);

	/* an entry edited badly by hand costs only itself; garbage is refused whole */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"attachments\": [{\"ifname\": \"tap1\", \"vnet\": \"web\", \"vlan\": 9999},"
	      " {\"ifname\": \"tap2\", \"vnet\": \"web\"}]}", f);
	fclose(f);
	assert_int_equal(sdnd_attachments_load(&t, path), 0);
	assert_int_equal(t.n, 1);
	assert_string_equal(t.a[0].ifname, "tap2");
	sdnd_attachments_free(&t);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"attachments\": [", f);
	fclose(f);
	assert_int_equal(sdnd_attachments_load(&t, path), -EBADMSG);
	assert_int_equal(t.n, 0);
	sdnd_attachments_free(&t);
	/* moved aside, not lost */
	snprintf(msg, sizeof(msg), "%s.corrupt", path);
	assert_int_equal(access(msg, F_OK), 0);
	unlink(msg);

	sdnd_attachments_free(&s);
	unlink(path);
	rmdir(dir);
}

static void test_state_names(void **state)
{
	int i;

	for (i = 0; i < _SDND_ATTACH_STATE_MAX; i++)
		assert_non_null(sdnd_attach_state_to_string((enum sdnd_attach_state)i));
	assert_null(sdnd_attach_state_to_string(_SDND_ATTACH_STATE_MAX));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),   cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_errors), cmocka_unit_test(test_vids),
		cmocka_unit_test(test_store),  cmocka_unit_test(test_state_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
