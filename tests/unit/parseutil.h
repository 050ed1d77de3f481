/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Parsing documents in unit tests: accepted ones, and rejected ones with their exact errors. */
#ifndef SDND_PARSEUTIL_H
#define SDND_PARSEUTIL_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "zones/model.h"

static inline void print_errors(const struct zone_errors *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		fprintf(stderr, "  got: %s\n", e->msgs[i]);
}

/* doc must be rejected with exactly the messages want[] (NULL-terminated), in that order. */
static inline void check_errors(const char *doc, const struct zone_env *env,
				const char *const *want)
{
	struct zone_config *cfg = (struct zone_config *)0x1;
	struct zone_errors e = { 0 };
	size_t n = 0, i;
	int r;

	while (want[n])
		n++;
	r = zone_parse(doc, strlen(doc), "t.yaml", env, &cfg, &e);
	if (e.n != n) {
		print_errors(&e);
		fail_msg("expected %zu errors, got %zu", n, e.n);
	}
	for (i = 0; i < n; i++)
		if (strcmp(e.msgs[i], want[i])) {
			print_errors(&e);
			fail_msg("error %zu:\n  want: %s\n  got:  %s", i, want[i], e.msgs[i]);
		}
	assert_int_equal(r, -EINVAL);
	assert_ptr_equal(cfg, (struct zone_config *)0x1); /* untouched */
	zone_errors_clear(&e);
}

/* doc must be accepted; returns the config. */
static inline struct zone_config *parse_env_ok(const char *doc, const struct zone_env *env)
{
	struct zone_config *cfg = NULL;
	struct zone_errors e = { 0 };
	int r;

	r = zone_parse(doc, strlen(doc), "t.yaml", env, &cfg, &e);
	if (r != 0 || e.n) {
		print_errors(&e);
		fail_msg("zone_parse: %d", r);
	}
	assert_non_null(cfg);
	zone_errors_clear(&e);
	return cfg;
}

#endif
