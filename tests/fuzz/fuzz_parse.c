// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: zone_parse() on arbitrary bytes, with a fixed environment (node "pve1",
 * local addresses 192.0.2.1 and 2001:db8::1) and without one. Beyond the sanitizers it checks
 * the contract: success <=> no errors and a config; every error is one line naming the file.
 * Run with tests/fuzz/run.sh.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zones/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct zone_local_addr fuzz_addrs[] = {
	{ .ip = { .family = AF_INET, .addr = { 192, 0, 2, 1 } }, .mtu = 1500 },
	{ .ip = { .family = AF_INET6, .addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } }, .mtu = 9000 },
};

static const struct zone_env fuzz_env = {
	.node = "pve1",
	.addrs = fuzz_addrs,
	.n_addrs = sizeof(fuzz_addrs) / sizeof(fuzz_addrs[0]),
};

/* Use what a caller would use of a parsed config. */
static void walk(const struct zone_config *cfg, const struct zone_env *env)
{
	char buf[16];
	size_t i;

	if (cfg->version != 1 || !cfg->node[0] || !cfg->resync_interval)
		abort();
	for (i = 0; i < cfg->n_zones; i++) {
		const struct zone_zone *z = &cfg->zones[i];
		const struct sdnd_ip *peer = NULL;

		if (!zone_type_to_string(z->type) || zone_config_find_zone(cfg, z->name) != z)
			abort();
		if (z->type == ZONE_VXLAN && (!z->n_peers || !z->port))
			abort();
		/* validated: exactly one local peer on this node */
		if (env && z->type == ZONE_VXLAN && zone_on_node(z, cfg->node) &&
		    !zone_local_peer(z, env, &peer))
			abort();
	}
	for (i = 0; i < cfg->n_vnets; i++) {
		const struct zone_zone *z = zone_config_find_zone(cfg, cfg->vnets[i].zone);

		if (!z)
			abort();
		if ((z->type == ZONE_VXLAN || z->type == ZONE_VLAN) && !cfg->vnets[i].has_tag)
			abort();
		if (z->type == ZONE_SIMPLE && cfg->vnets[i].has_tag)
			abort();
		if ((z->type == ZONE_VLAN || z->type == ZONE_QINQ) &&
		    (!z->bridge[0] || (cfg->vnets[i].has_tag && cfg->vnets[i].tag > ZONE_VID_MAX)))
			abort();
		if (cfg->vnets[i].vlanaware && cfg->vnets[i].n_subnets)
			abort();
		if (strlen(zone_vxlan_ifname(cfg->vnets[i].name, buf)) > 15)
			abort();
	}
	{
		static char names[65536][16];
		struct zone_devname d[ZONE_VNET_DEVICES_MAX];
		size_t n = 0, k, j, a, b;

		for (i = 0; i < cfg->n_zones && n < 60000; i++) {
			if (!zone_on_node(&cfg->zones[i], cfg->node))
				continue;
			k = zone_zone_devices(&cfg->zones[i], env, d);
			for (j = 0; j < k; j++)
				strcpy(names[n++], d[j].name);
		}
		for (i = 0; i < cfg->n_vnets && n < 60000; i++) {
			const struct zone_zone *z = zone_config_find_zone(cfg, cfg->vnets[i].zone);

			if (!zone_on_node(z, cfg->node))
				continue;
			k = zone_vnet_devices(z, &cfg->vnets[i], env, d);
			if (k > ZONE_VNET_DEVICES_MAX)
				abort();
			for (j = 0; j < k; j++) {
				if (strlen(d[j].name) > 15 || !d[j].name[0])
					abort();
				strcpy(names[n++], d[j].name);
			}
		}
		if (n < 300)
			for (a = 0; a < n; a++)
				for (b = a + 1; b < n; b++)
					if (!strcmp(names[a], names[b]))
						abort();
	}
}

static void one(const uint8_t *data, size_t size, const struct zone_env *env)
{
	struct zone_config *cfg = NULL;
	struct zone_errors errs = { 0 };
	size_t i;
	int r;

	r = zone_parse((const char *)data, size, "fuzz.yaml", env, &cfg, &errs);
	if (r == 0) {
		if (!cfg || errs.n)
			abort();
		walk(cfg, env);
	} else {
		if (cfg || (r == -EINVAL && errs.n == 0) || (r != -EINVAL && r != -ENOMEM))
			abort();
	}
	for (i = 0; i < errs.n; i++)
		if (strncmp(errs.msgs[i], "fuzz.yaml:", 10) || strchr(errs.msgs[i], '\n'))
			abort();
	zone_config_free(cfg);
	zone_errors_clear(&errs);
}

static const struct zone_local_link fuzz_links[] = {
	{ .name = "vmbr0", .kind = "bridge", .vlan_filtering = true },
	{ .name = "eth0", .master = "vmbr0" },
	{ .name = "vmbr1", .kind = "bridge" },
	{ .name = "eth1", .master = "vmbr1" },
	{ .name = "vmbr2", .kind = "bridge" },
	{ .name = "bond0", .kind = "bond" },
};

static const struct zone_env fuzz_env_links = {
	.node = "pve1",
	.addrs = fuzz_addrs,
	.n_addrs = sizeof(fuzz_addrs) / sizeof(fuzz_addrs[0]),
	.links = fuzz_links,
	.n_links = sizeof(fuzz_links) / sizeof(fuzz_links[0]),
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one(data, size, &fuzz_env_links);
	one(data, size, &fuzz_env);
	one(data, size, NULL);
	return 0;
}
