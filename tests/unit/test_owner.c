// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sdnd/owner.c: the record of what sdnd created. Lookups over many keys, deletes, persistence
 * across a restart (save, load back equal), corrupt and missing files, atomic writes.
 */
#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

#include "sdnd/owner.h"
#include "sdnd/util.h"

#define MANY 5000

/* A fresh private directory; the caller removes it with rm_dir(). */
static char *make_dir(void)
{
	const char *tmp = getenv("TMPDIR");
	char *dir;

	assert_true(asprintf(&dir, "%s/sdnd-owner-XXXXXX", tmp && *tmp ? tmp : "/tmp") > 0);
	assert_non_null(mkdtemp(dir));
	return dir;
}

static void rm_dir(char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	assert_non_null(d);
	while ((de = readdir(d))) {
		char *p;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		assert_true(asprintf(&p, "%s/%s", dir, de->d_name) > 0);
		unlink(p);
		free(p);
	}
	closedir(d);
	rmdir(dir);
	free(dir);
}

/* How many entries dir holds (besides . and ..); the first one's name in *ret_name. */
static size_t count_files(const char *dir, char *ret_name, size_t size)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	assert_non_null(d);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (!n && ret_name)
			snprintf(ret_name, size, "%s", de->d_name);
		n++;
	}
	closedir(d);
	return n;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void key_of(size_t i, char *buf, size_t size)
{
	snprintf(buf, size, "link/dev%zu", i);
}

static void check_entry(const struct sdnd_owner *o, const char *key, const char *kind, int ifindex)
{
	const struct sdnd_owner_entry *e = sdnd_owner_get(o, key);

	if (!e)
		fprintf(stderr, "missing %s\n", key);
	assert_non_null(e);
	assert_string_equal(e->key, key);
	assert_string_equal(e->kind, kind);
	assert_int_equal(e->ifindex, ifindex);
}

/* Thousands of keys (several rehashes), updates in place, deletes, re-inserts. */
static void test_many_keys(void **state)
{
	struct sdnd_owner o = { 0 };
	char key[SDND_KEY_MAX];
	size_t i;

	assert_null(sdnd_owner_get(&o, "link/none"));
	for (i = 0; i < MANY; i++) {
		key_of(i, key, sizeof(key));
		assert_int_equal(sdnd_owner_set(&o, key, i % 2 ? "vxlan" : "bridge", (int)i + 1),
				 0);
	}
	assert_int_equal(o.n, MANY);
	assert_true(o.dirty);
	for (i = 0; i < MANY; i++) {
		key_of(i, key, sizeof(key));
		check_entry(&o, key, i % 2 ? "vxlan" : "bridge", (int)i + 1);
	}
	assert_null(sdnd_owner_get(&o, "link/dev"));
	assert_null(sdnd_owner_get(&o, "link/none"));

	/* updating an entry does not add one */
	assert_int_equal(sdnd_owner_set(&o, "link/dev7", "vxlan", 0), 0);
	assert_int_equal(sdnd_owner_set(&o, "link/dev7", "vxlan", 700), 0);
	assert_int_equal(o.n, MANY);
	check_entry(&o, "link/dev7", "vxlan", 700);
	/* NULL kind is "" (addresses) */
	assert_int_equal(sdnd_owner_set(&o, "link/dev8", NULL, 8), 0);
	check_entry(&o, "link/dev8", "", 8);

	for (i = 0; i < MANY; i += 2) {
		key_of(i, key, sizeof(key));
		sdnd_owner_del(&o, key);
	}
	sdnd_owner_del(&o, "link/none"); /* absent: no-op */
	assert_int_equal(o.n, MANY / 2);
	for (i = 0; i < MANY; i++) {
		key_of(i, key, sizeof(key));
		if (i % 2 == 0)
			assert_null(sdnd_owner_get(&o, key));
		else if (i != 7)
			check_entry(&o, key, "vxlan", (int)i + 1);
	}
	/* re-insert over tombstones */
	for (i = 0; i < MANY; i += 2) {
		key_of(i, key, sizeof(key));
		assert_int_equal(sdnd_owner_set(&o, key, "bridge", 42), 0);
	}
	assert_int_equal(o.n, MANY);
	for (i = 0; i < MANY; i += 2) {
		key_of(i, key, sizeof(key));
		check_entry(&o, key, "bridge", 42);
	}
	sdnd_owner_free(&o);
	sdnd_owner_free(&o); /* destructors accept an emptied object */
}

/* A long-running daemon: vnets come and go, so keys are created and deleted over and over. */
static int churn_child(void *arg)
{
	struct sdnd_owner o = { 0 };
	char key[SDND_KEY_MAX];
	size_t i;

	if (sdnd_owner_set(&o, "link/keep", "bridge", 1) < 0)
		return 1;
	for (i = 0; i < 2000; i++) {
		key_of(i, key, sizeof(key));
		if (sdnd_owner_set(&o, key, "bridge", (int)i + 2) < 0)
			return 2;
		if (!sdnd_owner_get(&o, key))
			return 3;
		sdnd_owner_del(&o, key);
	}
	if (sdnd_owner_get(&o, "link/never-set"))
		return 4;
	if (!sdnd_owner_get(&o, "link/keep") || o.n != 1)
		return 5;
	sdnd_owner_free(&o);
	return 0;
}

/*
 * Deleted entries leave tombstones; with few live entries and many distinct keys set and
 * deleted over time, they must not fill the table: slot() would then find no free slot and
 * loop forever (the next lookup of an absent key, or set of a new one, would hang the daemon).
 */
static void test_tombstone_churn(void **state)
{
	assert_true(test_survives(churn_child, NULL, 5));
}

/* Saved then loaded (a restart): the same keys, kinds and ifindexes. */
static void test_save_load_roundtrip(void **state)
{
	char *dir = make_dir(), *path;
	struct sdnd_owner o, o2, o3;
	struct json_object *root, *v;
	size_t i;

	assert_true(asprintf(&path, "%s/owner.json", dir) > 0);
	assert_int_equal(sdnd_owner_load(&o, path), 0);
	assert_int_equal(o.n, 0);
	assert_int_equal(sdnd_owner_set(&o, "link/web", "bridge", 10), 0);
	assert_int_equal(sdnd_owner_set(&o, "link/vxlan_web", "vxlan", 11), 0);
	assert_int_equal(sdnd_owner_set(&o, "link/pending", "bridge", 0), 0); /* mid-create */
	assert_int_equal(sdnd_owner_set(&o, "addr/web/10.1.0.1/24", "", 0), 0);
	assert_int_equal(sdnd_owner_set(&o, "addr/web/fd00:1::1/64", "", 0), 0);
	for (i = 0; i < 300; i++) {
		char key[SDND_KEY_MAX];

		key_of(i, key, sizeof(key));
		assert_int_equal(sdnd_owner_set(&o, key, "vxlan", 1000 + (int)i), 0);
	}
	sdnd_owner_del(&o, "link/dev5");
	assert_int_equal(sdnd_owner_save(&o), 0);
	assert_false(o.dirty);

	/* a JSON document with a version */
	root = json_object_from_file(path);
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "version", &v));
	assert_int_equal(json_object_get_int(v), 1);
	json_object_put(root);

	assert_int_equal(sdnd_owner_load(&o2, path), 0);
	assert_false(o2.dirty);
	assert_int_equal(o2.n, o.n);
	assert_int_equal(o2.n, 5 + 300 - 1);
	check_entry(&o2, "link/web", "bridge", 10);
	check_entry(&o2, "link/vxlan_web", "vxlan", 11);
	check_entry(&o2, "link/pending", "bridge", 0);
	check_entry(&o2, "addr/web/10.1.0.1/24", "", 0);
	check_entry(&o2, "addr/web/fd00:1::1/64", "", 0);
	assert_null(sdnd_owner_get(&o2, "link/dev5"));
	for (i = 0; i < o.cap; i++) {
		if (o.e[i].used)
			check_entry(&o2, o.e[i].key, o.e[i].kind, o.e[i].ifindex);
	}

	/* a delete after the restart persists too */
	sdnd_owner_del(&o2, "link/web");
	assert_true(o2.dirty);
	assert_int_equal(sdnd_owner_save(&o2), 0);
	assert_int_equal(sdnd_owner_load(&o3, path), 0);
	assert_null(sdnd_owner_get(&o3, "link/web"));
	check_entry(&o3, "link/vxlan_web", "vxlan", 11);
	assert_int_equal(o3.n, o.n - 1);

	sdnd_owner_free(&o);
	sdnd_owner_free(&o2);
	sdnd_owner_free(&o3);
	free(path);
	rm_dir(dir);
}

/* The file is replaced by rename: only the final file remains, never a temporary one. */
static void test_save_is_atomic(void **state)
{
	char *dir = make_dir(), *path, name[256];
	struct sdnd_owner o, o2;
	struct stat st;
	int i;

	assert_true(asprintf(&path, "%s/owner.json", dir) > 0);
	assert_int_equal(sdnd_owner_load(&o, path), 0);

	/* nothing changed: nothing written */
	assert_int_equal(sdnd_owner_save(&o), 0);
	assert_int_equal(count_files(dir, NULL, 0), 0);

	for (i = 0; i < 3; i++) {
		char key[SDND_KEY_MAX];

		snprintf(key, sizeof(key), "link/br%d", i);
		assert_int_equal(sdnd_owner_set(&o, key, "bridge", 20 + i), 0);
		assert_int_equal(sdnd_owner_save(&o), 0);
		assert_int_equal(count_files(dir, name, sizeof(name)), 1);
		assert_string_equal(name, "owner.json");
		assert_int_equal(stat(path, &st), 0);
		assert_true(S_ISREG(st.st_mode));
	}
	assert_int_equal(sdnd_owner_load(&o2, path), 0);
	assert_int_equal(o2.n, 3);
	check_entry(&o2, "link/br2", "bridge", 22);

	sdnd_owner_free(&o);
	sdnd_owner_free(&o2);
	free(path);
	rm_dir(dir);
}

/* A file that is not an ownership record: -EBADMSG and nothing adopted. */
static void test_corrupt_file(void **state)
{
	static const char *const docs[] = {
		"",
		"not json at all",
		"{\"version\": 1, \"objects\": {\"link/web\": {\"kind\": \"bridge\", \"ifin",
		"{\"version\": 1}",
		"{\"version\": 1, \"objects\": [\"link/web\"]}",
		"{\"version\": 1, \"objects\": \"link/web\"}",
		"[]",
		"\x01\x02\x03\xff",
	};
	char *dir = make_dir(), *path;
	size_t i;

	assert_true(asprintf(&path, "%s/owner.json", dir) > 0);
	for (i = 0; i < ARRAY_SIZE(docs); i++) {
		struct sdnd_owner o;

		write_file(path, docs[i]);
		assert_int_equal(sdnd_owner_load(&o, path), -EBADMSG);
		assert_int_equal(o.n, 0);
		assert_null(sdnd_owner_get(&o, "link/web"));
		/* still a usable (empty) set */
		assert_int_equal(sdnd_owner_set(&o, "link/x", "bridge", 1), 0);
		check_entry(&o, "link/x", "bridge", 1);
		sdnd_owner_free(&o);
	}
	free(path);
	rm_dir(dir);
}

/* No file yet (first start): an empty set, not an error. */
static void test_missing_file(void **state)
{
	char *dir = make_dir(), *path;
	struct sdnd_owner o;

	assert_true(asprintf(&path, "%s/does-not-exist.json", dir) > 0);
	assert_int_equal(sdnd_owner_load(&o, path), 0);
	assert_int_equal(o.n, 0);
	assert_false(o.dirty);
	assert_null(sdnd_owner_get(&o, "link/web"));
	sdnd_owner_free(&o);

	/* not persisted at all */
	assert_int_equal(sdnd_owner_load(&o, NULL), 0);
	assert_int_equal(sdnd_owner_set(&o, "link/web", "bridge", 3), 0);
	assert_int_equal(sdnd_owner_save(&o), 0);
	check_entry(&o, "link/web", "bridge", 3);
	sdnd_owner_free(&o);

	free(path);
	rm_dir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_many_keys),
		cmocka_unit_test(test_tombstone_churn),
		cmocka_unit_test(test_save_load_roundtrip),
		cmocka_unit_test(test_save_is_atomic),
		cmocka_unit_test(test_corrupt_file),
		cmocka_unit_test(test_missing_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
