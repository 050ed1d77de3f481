#!/bin/bash
# vlan zones on a VLAN-aware uplink and on a plain one, and a vlanaware vnet: two nodes whose
# uplink bridges are joined by a VLAN-aware "switch"; VMs on one VLAN meet across nodes, VMs on
# another VLAN do not; VLAN membership, 802.1Q devices and veths come back after drift.
# runs-in: vm
. "$(dirname "$0")/lib.sh"
require_root
require_kernel vlan_filtering 8021q

# the physical network: a VLAN-aware switch for vmbr0, a plain one for vmbr1
ip netns add "${P}sw"
ip -n "${P}sw" link add sw type bridge vlan_filtering 1
ip -n "${P}sw" link add sw2 type bridge
ip -n "${P}sw" link set sw up
ip -n "${P}sw" link set sw2 up
for i in 1 2; do
	n=${P}n$i
	ip netns add "$n"
	ip -n "$n" link set lo up
	ip -n "${P}sw" link add "t$i" type veth peer name eth1 netns "$n"
	ip -n "${P}sw" link add "u$i" type veth peer name eth2 netns "$n"
	ip -n "${P}sw" link set "t$i" master sw up
	bridge -n "${P}sw" vlan add vid 2-4094 dev "t$i"
	ip -n "${P}sw" link set "u$i" master sw2 up
	# the node's own network, as an administrator set it up: a VLAN-aware vmbr0 trunking
	# 2-4094 on eth1, and a plain vmbr1 on eth2; VID 200 is already on vmbr0 itself
	ip -n "$n" link add vmbr0 type bridge vlan_filtering 1
	ip -n "$n" link set eth1 master vmbr0 up
	bridge -n "$n" vlan add vid 2-4094 dev eth1
	bridge -n "$n" vlan add vid 200 dev vmbr0 self
	ip -n "$n" link add vmbr1 type bridge
	ip -n "$n" link set eth2 master vmbr1 up
	ip -n "$n" link set vmbr0 up
	ip -n "$n" link set vmbr1 up
done

cat >"$T/sdn.yaml" <<'YAML'
version: 1
zones:
  office: {type: vlan, bridge: vmbr0}
  plain: {type: vlan, bridge: vmbr1, mtu: 1400}
vnets:
  sales: {zone: office, tag: 100}
  hr: {zone: office, tag: 200}
  vms: {zone: office, tag: 300, vlanaware: true}
  legacy: {zone: plain, tag: 100}
YAML
for n in n1 n2; do sdnd_start "$n" "$T/sdn.yaml"; done
for n in n1 n2; do wait_for 20 "$n converges" in_sync "$n"; done

log "VLAN-aware uplink"
check "sales has port vmbr0.100, an 802.1Q device on vmbr0 with VID 100" \
	link_is n1 vmbr0.100 "l['master'] == 'sales' and l['link'] == 'vmbr0' and l['linkinfo']['info_data']['id'] == 100 and l['linkinfo']['info_data']['protocol'] == '802.1Q'"
check "sdnd added VID 100 to vmbr0's own entry" vids_have n1 vmbr0 100
check "vms is VLAN-aware" link_is n1 vms "l['linkinfo']['info_data']['vlan_filtering'] == 1"
check "vms' uplink port carries 1 (PVID, untagged) and 2-4094" vids_are n1 vmbr0.300 "1PU 2-4094"
vm n1 sales vm1 10.2.0.1/24
vm n2 sales vm2 10.2.0.2/24
vm n2 hr vm3 10.2.0.3/24
wait_for 15 "vm1 (n1) pings vm2 (n2) on VLAN 100" pings vm1 10.2.0.2
check "vm1 does not reach vm3 on VLAN 200" no_ping vm1 10.2.0.3

log "plain uplink"
check "bridge vmbr1v100 with ports eth2.100 and pr_legacy, MTU 1400" bash -c "
	$(declare -f link_is); P=$P
	link_is n1 eth2.100 \"l['master'] == 'vmbr1v100' and l['link'] == 'eth2' and l['linkinfo']['info_data']['id'] == 100\" &&
	link_is n1 pr_legacy \"l['master'] == 'vmbr1v100' and l['mtu'] == 1400\" &&
	link_is n1 ln_legacy \"l['master'] == 'legacy' and l['linkinfo']['info_kind'] == 'veth'\""
vm n1 legacy vm5 10.3.0.1/24
vm n2 legacy vm6 10.3.0.2/24
wait_for 15 "vm5 (n1) pings vm6 (n2) through the plain uplink" pings vm5 10.3.0.2

log "drift"
bridge -n "${P}n1" vlan del vid 100 dev vmbr0 self
wait_for 3 "VID 100 removed from vmbr0 by hand is back" vids_have n1 vmbr0 100
ip -n "${P}n1" link del vmbr0.100
wait_for 3 "deleted vmbr0.100 is back on sales" link_is n1 vmbr0.100 "l.get('master') == 'sales'"
bridge -n "${P}n1" vlan del vid 5-50 dev vmbr0.300
wait_for 3 "VIDs 5-50 removed from vms' port are back" vids_are n1 vmbr0.300 "1PU 2-4094"
bridge -n "${P}n1" vlan add vid 1 dev vmbr0.300 untagged
bridge -n "${P}n1" vlan add vid 7 dev vmbr0.300 pvid untagged
wait_for 3 "a PVID moved by hand is put back" vids_are n1 vmbr0.300 "1PU 2-4094"
ip -n "${P}n1" link del pr_legacy
wait_for 3 "a deleted veth pair is back, both ends attached" bash -c "
	$(declare -f link_is); P=$P
	link_is n1 pr_legacy \"l.get('master') == 'vmbr1v100'\" && link_is n1 ln_legacy \"l.get('master') == 'legacy'\""
ip -n "${P}n1" link del vmbr1v100
wait_for 3 "a deleted VLAN bridge is back with its ports" bash -c "
	$(declare -f link_is); P=$P
	link_is n1 eth2.100 \"l.get('master') == 'vmbr1v100'\" && link_is n1 pr_legacy \"l.get('master') == 'vmbr1v100'\""
ip -n "${P}n1" link set tap_vm5 master legacy 2>/dev/null
wait_for 15 "traffic flows again on the plain uplink" pings vm5 10.3.0.2
wait_for 5 "n1 is back in sync" in_sync n1

log "removing vnets"
sed -i '/^  sales:/d; /^  hr:/d' "$T/sdn.yaml"
wait_for 5 "vmbr0.100 and vmbr0.200 are gone" bash -c "! ip -n ${P}n1 link show vmbr0.100 && ! ip -n ${P}n1 link show vmbr0.200"
wait_for 3 "VID 100, which sdnd added to vmbr0, is removed" bash -c "$(declare -f vids vids_have); P=$P; ! vids_have n1 vmbr0 100"
check "VID 200, which was there before sdnd, stays" vids_have n1 vmbr0 200
check "vmbr0 and its port eth1 are untouched" bash -c "
	$(declare -f vids vids_are link_is); P=$P
	vids_are n1 eth1 '1PU 2-4094' && link_is n1 vmbr0 \"'UP' in l['flags']\""
finish
