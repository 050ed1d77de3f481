// SPDX-License-Identifier: GPL-2.0-or-later
#include "vlan/vids.h"

#include <errno.h>
#include <linux/if_bridge.h>
#include <stdio.h>
#include <string.h>

#define FLAG_MASK (BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED)

void vlan_vids_to_map(const struct sdnd_vids *v, uint8_t *map)
{
	uint16_t i;
	unsigned int vid;

	memset(map, 0, VLAN_VID_COUNT);
	for (i = 0; i < v->n && i < SDND_VID_RANGES; i++)
		for (vid = v->r[i].lo; vid <= v->r[i].hi && vid < VLAN_VID_COUNT; vid++)
			map[vid] = (uint8_t)(VLAN_MAP_PRESENT | (v->r[i].flags & FLAG_MASK));
}

void vlan_vids_from_map(const uint8_t *map, struct sdnd_vids *v)
{
	unsigned int vid = 1;

	v->n = 0;
	v->overflow = false;
	while (vid < VLAN_VID_COUNT) {
		unsigned int lo = vid;
		uint8_t f = map[vid];

		if (!f) {
			vid++;
			continue;
		}
		/* a PVID is a range of its own */
		vid++;
		if (!(f & BRIDGE_VLAN_INFO_PVID))
			while (vid < VLAN_VID_COUNT && map[vid] == f)
				vid++;
		if (v->n == SDND_VID_RANGES) {
			v->overflow = true;
			return;
		}
		v->r[v->n++] = (struct sdnd_vid_range){ .lo = (uint16_t)lo, .hi = (uint16_t)(vid - 1),
							 .flags = f & FLAG_MASK };
	}
}

void vlan_map_set(uint8_t *map, unsigned int vid, uint8_t f)
{
	unsigned int j;

	if (vid >= VLAN_VID_COUNT)
		return;
	/* one PVID per port */
	if (f & BRIDGE_VLAN_INFO_PVID)
		for (j = 0; j < VLAN_VID_COUNT; j++)
			map[j] &= (uint8_t)~BRIDGE_VLAN_INFO_PVID;
	map[vid] = f;
}

int vlan_vids_add(struct sdnd_vids *v, uint16_t lo, uint16_t hi, uint16_t flags)
{
	uint8_t map[VLAN_VID_COUNT];
	unsigned int vid;

	vlan_vids_to_map(v, map);
	for (vid = lo; vid <= hi && vid < VLAN_VID_COUNT; vid++)
		vlan_map_set(map, vid, (uint8_t)(VLAN_MAP_PRESENT | (flags & FLAG_MASK)));
	vlan_vids_from_map(map, v);
	return v->overflow ? -E2BIG : 0;
}

const char *vlan_vids_format(const struct sdnd_vids *v, char *buf, size_t size)
{
	size_t off = 0;
	uint16_t i;

	buf[0] = '\0';
	for (i = 0; i < v->n && off < size; i++) {
		const struct sdnd_vid_range *r = &v->r[i];

		if (r->lo == r->hi)
			off += (size_t)snprintf(buf + off, size - off, "%s%u", i ? ", " : "", r->lo);
		else
			off += (size_t)snprintf(buf + off, size - off, "%s%u-%u", i ? ", " : "", r->lo,
						r->hi);
		if (off < size && (r->flags & BRIDGE_VLAN_INFO_PVID))
			off += (size_t)snprintf(buf + off, size - off, " pvid");
		if (off < size && (r->flags & BRIDGE_VLAN_INFO_UNTAGGED))
			off += (size_t)snprintf(buf + off, size - off, " untagged");
	}
	if (v->overflow && off < size)
		snprintf(buf + off, size - off, ", ...");
	if (!v->n && !v->overflow)
		snprintf(buf, size, "none");
	return buf;
}
