#!/bin/bash
# Every file in examples/ validates, applies on a real kernel, and then has nothing left to do.
# runs-in: host vm   (the VM run proves it on Debian 12's stock kernel)
. "$(dirname "$0")/lib.sh"
require_root
EX=$(cd "$(dirname "$0")/../../examples" && pwd)

underlay 1   # n1 holds 192.0.2.1, the local peer every example expects
# the uplinks the VLAN examples expect: a VLAN-aware vmbr0, and a plain vmbr1 on eth1
vlan_kernel=0
if ip -n "${P}n1" link add vmbr0 type bridge vlan_filtering 1 2>/dev/null &&
	ip -n "${P}n1" link add up0 type veth peer name up0p 2>/dev/null &&
	ip -n "${P}n1" link add link up0 name probe.5 type vlan id 5 2>/dev/null; then
	vlan_kernel=1
	ip -n "${P}n1" link del probe.5
	ip -n "${P}n1" link set up0 master vmbr0 up
	ip -n "${P}n1" link add vmbr1 type bridge
	ip -n "${P}n1" link add eth1 type veth peer name eth1p
	ip -n "${P}n1" link set eth1 master vmbr1 up
	ip -n "${P}n1" link set vmbr0 up
	ip -n "${P}n1" link set vmbr1 up
fi
for f in "$EX"/*.yaml; do
	name=$(basename "$f")
	if grep -q -E 'type: (vlan|qinq)' "$f" && [ "$vlan_kernel" = 0 ]; then
		log "$name needs bridge VLAN filtering and 802.1Q: checked in the VM kernel"
		continue
	fi
	check "$name passes sdnd check" nsx n1 "$SDND" check "$f" -n pve1
	check "$name applies cleanly" nsx n1 "$SDND" apply --once "$f" -s "$T/$name" -n pve1
	check "$name: nothing left to change" bash -c \
		"ip netns exec ${P}n1 $SDND plan '$f' -s '$T/$name' -n pve1 | grep -qx 'nothing to change'"
	# the next example starts from an empty node: apply an empty document to clean up
	printf 'version: 1\n' >"$T/empty.yaml"
	check "$name: an empty document removes everything it created" \
		nsx n1 "$SDND" apply --once "$T/empty.yaml" -s "$T/$name" -n pve1
	check "$name: only the underlay and the uplinks are left" bash -c \
		"[ \"\$(ip -n ${P}n1 -o link show | grep -cv -E ': (lo|eth0|vmbr0|vmbr1|up0|up0p|eth1|eth1p)[:@]')\" = 0 ]"
done
finish
