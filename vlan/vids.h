/* SPDX-License-Identifier: GPL-2.0-or-later */
/* VID sets: ranges for storage and messages, per-VID maps for comparing. Pure. */
#ifndef VLAN_VIDS_H
#define VLAN_VIDS_H

#include <stdbool.h>
#include <stdint.h>

#include "sdnd/obj.h"

#define VLAN_VID_COUNT 4096
/* per-VID map value: VLAN_MAP_PRESENT | BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED */
#define VLAN_MAP_PRESENT 0x80

/* Set map[vid] to f (0 to remove it); a new PVID displaces the port's old one. */
void vlan_map_set(uint8_t *map, unsigned int vid, uint8_t f);
/* Fill map[0..4095] from v's ranges. */
void vlan_vids_to_map(const struct sdnd_vids *v, uint8_t *map);
/* Rebuild v's ranges from map (ifname and flags of v are kept); sets overflow when they do not fit. */
void vlan_vids_from_map(const uint8_t *map, struct sdnd_vids *v);
/* Add lo..hi with flags to a wanted set (keeps it sorted and merged). 0 or -E2BIG. */
int vlan_vids_add(struct sdnd_vids *v, uint16_t lo, uint16_t hi, uint16_t flags);
/* Format as "1 pvid untagged, 2-4094" into buf. Returns buf. */
const char *vlan_vids_format(const struct sdnd_vids *v, char *buf, size_t size);

#endif
