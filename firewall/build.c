// SPDX-License-Identifier: GPL-2.0-or-later
/* Incremental compiling: only the parts whose inputs changed (see build.h). */
#include "firewall/build.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sdnd/util.h"

/* Past this many changed NICs (and a quarter of them all), compiling everything is cheaper. */
#define PARTIAL_MIN 64

void fw_build_init(struct fw_build *b)
{
	memset(b, 0, sizeof(*b));
	fw_ruleset_init(&b->rs);
}

void fw_build_done(struct fw_build *b)
{
	fw_ruleset_done(&b->rs);
	free(b->nics);
	fw_build_init(b);
}

void fw_delta_done(struct fw_delta *d)
{
	fw_ruleset_done(&d->old);
	fw_ruleset_done(&d->new);
	free(d->names);
	free(d->nics);
	memset(d, 0, sizeof(*d));
	fw_ruleset_init(&d->old);
	fw_ruleset_init(&d->new);
}

static int nic_cmp(const void *a, const void *b)
{
	return strcmp(((const struct fw_build_nic *)a)->ifname,
		      ((const struct fw_build_nic *)b)->ifname);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static const struct fw_build_nic *find_nic(const struct fw_build *b, const char *ifname)
{
	struct fw_build_nic key;

	if (!b->n_nics)
		return NULL;
	snprintf(key.ifname, sizeof(key.ifname), "%s", ifname);
	return bsearch(&key, b->nics, b->n_nics, sizeof(*b->nics), nic_cmp);
}

static bool uses_groups(const struct fw_nic *fw)
{
	size_t i;

	for (i = 0; i < fw->rules.n; i++)
		if (fw->rules.v[i].group[0])
			return true;
	return false;
}

/* Everything a NIC's part is compiled from (compile.c: nic()). */
static uint64_t nic_digest(const struct fw_nic_input *n, bool taken, uint64_t groups)
{
	uint64_t h = SDND_FNV64_INIT;

	h = sdnd_fnv64(h, n->ifname, strlen(n->ifname) + 1);
	h = sdnd_fnv64(h, &n->has_mac, sizeof(n->has_mac));
	if (n->has_mac)
		h = sdnd_fnv64(h, n->mac, 6);
	h = sdnd_fnv64(h, &taken, sizeof(taken));
	if (uses_groups(n->fw))
		h = sdnd_fnv64(h, &groups, sizeof(groups));
	return fw_nic_hash(h, n->fw);
}

/* ---- scopes: which objects of a ruleset belong to the parts a delta is about -------------- */

struct scope {
	bool shared;
	char (*names)[IFNAMSIZ];
	size_t n_names;
};

static bool in_scope(const struct scope *s, const char *owner)
{
	if (!owner)
		return s->shared;
	return s->n_names && bsearch(owner, s->names, s->n_names, sizeof(*s->names), name_cmp);
}

static bool chain_in(const struct scope *s, const char *name)
{
	return in_scope(s, fw_part_of(name, false));
}

static bool set_in(const struct scope *s, const struct fw_set *set)
{
	return !set->map && in_scope(s, fw_part_of(set->name, true));
}

/* Map elements belong to the part of the chain they jump to. */
static bool elem_in(const struct scope *s, const struct fw_elem *e)
{
	return chain_in(s, e->chain);
}

static int copy_chain(struct fw_table *t, const struct fw_chain *c)
{
	struct fw_chain *n = fw_table_add_chain(t, c->name);

	if (!n)
		return -ENOMEM;
	*n = *c;
	n->r = NULL;
	n->cap = 0;
	if (c->n) {
		n->r = malloc(c->n * sizeof(*n->r));
		if (!n->r) {
			n->n = 0;
			return -ENOMEM;
		}
		memcpy(n->r, c->r, c->n * sizeof(*n->r));
		n->cap = c->n;
	}
	return 0;
}

/*
 * A copy of set s: a map with only the elements keep takes, or (keep NULL) a set sharing s's
 * elements.
 */
static int copy_set(struct fw_table *t, struct fw_set *s, const struct scope *keep)
{
	struct fw_set *n = fw_table_add_set(t, s->name, s->keytype, s->keylen, s->interval, s->map);
	size_t i;

	if (!n)
		return -ENOMEM;
	if (!keep)
		return fw_set_share(n, s);
	if (!s->n)
		return 0;
	n->e = malloc(s->n * sizeof(*n->e));
	if (!n->e)
		return -ENOMEM;
	n->cap = s->n;
	for (i = 0; i < s->n; i++)
		if (elem_in(keep, &s->e[i]))
			n->e[n->n++] = s->e[i];
	return 0;
}

/* The objects of rs in scope s, copied into ret (sorted, as rs is; sets share rs's elements). */
static int extract(struct fw_ruleset *rs, const struct scope *s, struct fw_ruleset *ret)
{
	size_t ti, i;
	int r;

	for (ti = 0; ti < _FW_T_MAX; ti++) {
		struct fw_table *t = &rs->t[ti], *o = &ret->t[ti];

		/* inet sdnd is all shared */
		if (ti == FW_T_INET && !s->shared)
			continue;
		o->present = t->present;
		for (i = 0; i < t->n_chains; i++)
			if (chain_in(s, t->chains[i].name) && (r = copy_chain(o, &t->chains[i])) < 0)
				return r;
		for (i = 0; i < t->n_sets; i++) {
			struct fw_set *set = &t->sets[i];

			if (set->map)
				r = copy_set(o, set, s);
			else
				r = set_in(s, set) ? copy_set(o, set, NULL) : 0;
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* ---- update ------------------------------------------------------------------------------ */

/*
 * The kinds of the ipsets' sets (hash or interval). The kernel cannot change a set's kind while
 * rules refer to it: a change means a new table, compiled in full.
 */
static uint64_t set_kinds(const struct fw_input *in)
{
	uint64_t h = SDND_FNV64_INIT;
	size_t i;

	for (i = 0; in->cfg && i < in->cfg->n_ipsets; i++) {
		const struct fw_ipset *ip = &in->cfg->ipsets[i];
		bool k[2] = { fw_ipset_interval(ip, AF_INET), fw_ipset_interval(ip, AF_INET6) };

		h = sdnd_fnv64(h, ip->name, strlen(ip->name) + 1);
		h = sdnd_fnv64(h, k, sizeof(k));
	}
	return h;
}

/*
 * How many bridge tables in's NICs are spread over: as many as b has (or was told the kernel
 * has), while that is neither too few nor four times too many; else as many as they need. The
 * margin keeps NICs where they are while their number goes up and down a little.
 */
static unsigned tables(const struct fw_build *b, const struct fw_input *in)
{
	uint32_t per = fw_input_per_table(in);
	size_t n = fw_input_nics_on(in);
	unsigned k = b->tables;

	if (in->tables)
		return fw_input_tables(in);
	if (!k || k > FW_BRIDGE_TABLES_MAX || (k < FW_BRIDGE_TABLES_MAX && n > (size_t)per * k) ||
	    (k > 1 && n <= (size_t)per * k / 4))
		return fw_tables_for(n, per);
	return k;
}

int fw_build_update(struct fw_build *b, const struct fw_input *in, bool shared,
		    struct fw_delta *d, char *err, size_t err_size)
{
	_cleanup_free_ bool *taken = NULL, *mask = NULL;
	size_t i, j, k, n = 0, changed = 0;
	struct fw_input inx;
	struct scope sc;
	int r = -ENOMEM;

	memset(d, 0, sizeof(*d));
	fw_ruleset_init(&d->old);
	fw_ruleset_init(&d->new);
	err[0] = 0;
	d->tables = tables(b, in);
	inx = *in;
	inx.tables = d->tables;
	in = &inx;
	shared |= !b->valid;
	taken = malloc(in->n_nics + 1);
	mask = calloc(in->n_nics + 1, sizeof(*mask));
	d->nics = calloc(in->n_nics + 1, sizeof(*d->nics));
	if (!taken || !mask || !d->nics || fw_input_macs_taken(in, taken) < 0)
		goto fail;
	d->groups = shared && in->cfg ? fw_groups_hash(SDND_FNV64_INIT, in->cfg) : b->groups;
	d->set_kinds = shared ? set_kinds(in) : b->set_kinds;

	/* the digest of every NIC with a firewall, taken anew only where its input changed */
	for (i = 0; i < in->n_nics; i++) {
		const struct fw_nic_input *ni = &in->nics[i];
		const struct fw_build_nic *o;
		struct fw_build_nic *e;

		if (!ni->fw || !ni->fw->enable)
			continue;
		o = find_nic(b, ni->ifname);
		e = &d->nics[n++];
		snprintf(e->ifname, sizeof(e->ifname), "%s", ni->ifname);
		e->key = ni->key;
		e->taken = taken[i];
		/* a key says the NIC's own inputs are as they were; the groups may not be */
		if (o && ni->key && o->key == ni->key && o->taken == taken[i] &&
		    (d->groups == b->groups || !uses_groups(ni->fw)))
			e->digest = o->digest;
		else
			e->digest = nic_digest(ni, taken[i], d->groups);
		mask[i] = !o || o->digest != e->digest;
		changed += mask[i];
	}
	d->n_nics = n;
	qsort(d->nics, n, sizeof(*d->nics), nic_cmp);

	/* the parts that change: NICs changed or added, and those that go */
	d->names = calloc(changed + b->n_nics + 1, sizeof(*d->names));
	if (!d->names)
		goto fail;
	for (i = 0; i < in->n_nics; i++)
		if (mask[i])
			snprintf(d->names[d->n_names++], IFNAMSIZ, "%s", in->nics[i].ifname);
	for (i = j = 0; i < b->n_nics; i++) {
		while (j < n && strcmp(d->nics[j].ifname, b->nics[i].ifname) < 0)
			j++;
		if (j >= n || strcmp(d->nics[j].ifname, b->nics[i].ifname))
			snprintf(d->names[d->n_names++], IFNAMSIZ, "%s", b->nics[i].ifname);
	}
	qsort(d->names, d->n_names, sizeof(*d->names), name_cmp);

	k = n > b->n_nics ? n : b->n_nics;
	d->full = !b->valid || fw_input_bridge(in) != b->rs.t[FW_T_BRIDGE].present ||
		  d->tables != b->tables || d->set_kinds != b->set_kinds ||
		  (d->n_names > PARTIAL_MIN && d->n_names > k / 4);
	if (d->full) {
		d->shared = true;
		r = fw_compile_parts(in, true, NULL, taken, &d->new, err, err_size);
		if (r < 0)
			goto fail;
		return 0;
	}
	d->shared = shared;
	if (!shared && !d->n_names)
		return 0; /* nothing to compile or compare */
	r = fw_compile_parts(in, shared, mask, taken, &d->new, err, err_size);
	if (r < 0)
		goto fail;
	sc = (struct scope){ .shared = shared, .names = d->names, .n_names = d->n_names };
	r = extract(&b->rs, &sc, &d->old);
	if (r < 0)
		goto fail;
	return 0;
fail:
	if (!err[0])
		snprintf(err, err_size, "%s", strerror(-r));
	fw_delta_done(d);
	return r;
}

/* ---- commit ------------------------------------------------------------------------------ */

/* A map's elements: t's out of scope s and add's, by key (add's emptied). */
static int splice_elems(struct fw_set *t, const struct scope *s, struct fw_set *add)
{
	size_t n = 0, i = 0, j = 0, cap = t->n + add->n + 1;
	struct fw_elem *v = malloc(cap * sizeof(*v));

	if (!v)
		return -ENOMEM;
	while (i < t->n || j < add->n) {
		const struct fw_elem *a = i < t->n ? &t->e[i] : NULL;
		const struct fw_elem *c = j < add->n ? &add->e[j] : NULL;
		int cmp = !a ? 1 : !c ? -1 : fw_elem_cmp(t, a, c);

		if (a && (cmp == 0 || elem_in(s, a))) {
			i++;
		} else if (cmp < 0) {
			v[n++] = *a;
			i++;
		} else {
			v[n++] = *c;
			j++;
		}
	}
	fw_set_drop_elems(t);
	t->e = v;
	t->n = n;
	t->cap = cap;
	add->n = 0;
	return 0;
}

/* How splice() treats chains or sets. */
struct kind {
	size_t size;                                            /* of one */
	bool (*gone)(const struct scope *s, const void *o);     /* out of rs */
	void (*drop)(void *o);                                  /* free what it holds */
	/* one of rs and one of the delta with one name: merge c into a (0), or -1: replace a */
	int (*join)(void *a, void *c, const struct scope *s);
};

static bool chain_gone(const struct scope *s, const void *o)
{
	return chain_in(s, ((const struct fw_chain *)o)->name);
}

static void chain_drop(void *o)
{
	free(((struct fw_chain *)o)->r);
}

static int chain_join(void *a, void *c, const struct scope *s)
{
	(void)a, (void)c, (void)s;
	return -1;
}

static bool set_gone(const struct scope *s, const void *o)
{
	return set_in(s, o);
}

static void set_drop(void *o)
{
	fw_set_drop_elems(o);
}

/* A map stays; its elements change. */
static int set_join(void *a, void *c, const struct scope *s)
{
	struct fw_set *as = a, *cs = c;
	int r;

	if (!as->map || !cs->map)
		return -1;
	r = splice_elems(as, s, cs);
	fw_set_drop_elems(cs);
	return r < 0 ? -ENOMEM : 0;
}

static const struct kind chains_kind = { sizeof(struct fw_chain), chain_gone, chain_drop,
					 chain_join };
static const struct kind sets_kind = { sizeof(struct fw_set), set_gone, set_drop, set_join };

/*
 * *arr (n objects, sorted by name, which each begins with) without those out of scope s, and
 * *add's (an objects, sorted), into one sorted array; add's move (*add is freed). -ENOMEM
 * before anything moved, or when a map's elements could not be merged (the rest is done).
 */
static int splice(void **arr, size_t *n, size_t *cap, void **add, size_t *an,
		  const struct kind *k, const struct scope *s)
{
	size_t i = 0, j = 0, m = 0, size = k->size;
	char *v = calloc(*n + *an + 1, size), *t = *arr, *c = *add;
	int r = 0, jr;

	if (!v)
		return -ENOMEM;
	while (i < *n || j < *an) {
		char *x = i < *n ? t + i * size : NULL, *y = j < *an ? c + j * size : NULL;
		int cmp = !x ? 1 : !y ? -1 : strcmp(x, y);

		if (cmp == 0 && (jr = k->join(x, y, s)) != -1) {
			r = r ?: jr;
			memcpy(v + m++ * size, x, size);
			i++;
			j++;
		} else if (x && (cmp == 0 || k->gone(s, x))) {
			/* gone, or replaced by add's */
			k->drop(x);
			i++;
		} else if (cmp < 0) {
			memcpy(v + m++ * size, x, size);
			i++;
		} else {
			memcpy(v + m++ * size, y, size);
			j++;
		}
	}
	free(*arr);
	*arr = v;
	*cap = *n + *an + 1;
	*n = m;
	free(*add);
	*add = NULL;
	*an = 0;
	return r;
}

int fw_build_commit(struct fw_build *b, struct fw_delta *d)
{
	struct scope sc = { .shared = d->shared, .names = d->names, .n_names = d->n_names };
	size_t ti;
	int r = 0;

	if (d->full) {
		fw_ruleset_done(&b->rs);
		b->rs = d->new;
		fw_ruleset_init(&d->new);
	} else if (d->shared || d->n_names) {
		for (ti = 0; ti < _FW_T_MAX && r == 0; ti++) {
			struct fw_table *t = &b->rs.t[ti], *add = &d->new.t[ti];

			if (ti == FW_T_INET && !d->shared)
				continue;
			t->present = add->present;
			r = splice((void **)&t->chains, &t->n_chains, &t->cap_chains,
				   (void **)&add->chains, &add->n_chains, &chains_kind, &sc);
			if (r == 0)
				r = splice((void **)&t->sets, &t->n_sets, &t->cap_sets,
					   (void **)&add->sets, &add->n_sets, &sets_kind, &sc);
			add->cap_chains = add->chains ? add->cap_chains : 0;
			add->cap_sets = add->sets ? add->cap_sets : 0;
		}
		if (r < 0) {
			fw_build_done(b);
			return r;
		}
	}
	free(b->nics);
	b->nics = d->nics;
	b->n_nics = d->n_nics;
	d->nics = NULL;
	d->n_nics = 0;
	b->groups = d->groups;
	b->tables = d->tables;
	b->set_kinds = d->set_kinds;
	b->valid = true;
	return 0;
}
