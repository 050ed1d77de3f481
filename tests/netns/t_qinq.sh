#!/bin/bash
# A qinq zone: customer VLANs (vnets) inside the zone's service VLAN on a VLAN-aware uplink. VMs
# on one customer VLAN meet across nodes, the untagged vnet is apart, and on the wire between the
# nodes the frames carry two tags: the service VLAN outside, the customer VLAN inside.
# runs-in: vm
. "$(dirname "$0")/lib.sh"
require_root
require_kernel vlan_filtering 8021q

ip netns add "${P}sw"
ip -n "${P}sw" link add sw type bridge vlan_filtering 1
ip -n "${P}sw" link set sw up
for i in 1 2; do
	n=${P}n$i
	ip netns add "$n"
	ip -n "$n" link set lo up
	ip -n "${P}sw" link add "t$i" type veth peer name eth1 netns "$n"
	ip -n "${P}sw" link set "t$i" master sw up
	bridge -n "${P}sw" vlan add vid 2-4094 dev "t$i"
	ip -n "$n" link add vmbr0 type bridge vlan_filtering 1
	ip -n "$n" link set eth1 master vmbr0 up
	bridge -n "$n" vlan add vid 2-4094 dev eth1
	ip -n "$n" link set vmbr0 up
done

cat >"$T/sdn.yaml" <<'YAML'
version: 1
zones:
  tenants: {type: qinq, bridge: vmbr0, tag: 10}
vnets:
  acme: {zone: tenants, tag: 101}
  globex: {zone: tenants, tag: 102}
  shared: {zone: tenants}
YAML
for n in n1 n2; do sdnd_start "$n" "$T/sdn.yaml"; done
for n in n1 n2; do wait_for 20 "$n converges" in_sync "$n"; done

check "z_tenants is VLAN-aware, its own entry carries 1 (PVID) and 2-4094" bash -c "
	$(declare -f link_is vids vids_are); P=$P
	link_is n1 z_tenants \"l['linkinfo']['info_data']['vlan_filtering'] == 1\" && vids_are n1 z_tenants '1PU 2-4094'"
check "the S-VLAN device vmbr0.10 is on vmbr0 and a port of z_tenants" \
	link_is n1 vmbr0.10 "l['link'] == 'vmbr0' and l['master'] == 'z_tenants' and l['linkinfo']['info_data']['id'] == 10"
check "acme's port is z_tenants.101" link_is n1 z_tenants.101 "l['link'] == 'z_tenants' and l['master'] == 'acme' and l['linkinfo']['info_data']['id'] == 101"
check "the untagged vnet shared has pr_tenants; ln_tenants is on z_tenants" bash -c "
	$(declare -f link_is); P=$P
	link_is n1 pr_tenants \"l['master'] == 'shared'\" && link_is n1 ln_tenants \"l['master'] == 'z_tenants'\""
check "sdnd added the service VLAN to vmbr0" vids_have n1 vmbr0 10

vm n1 acme vm1 10.4.0.1/24
vm n2 acme vm2 10.4.0.2/24
vm n2 globex vm3 10.4.0.3/24
vm n2 shared vm4 10.4.0.4/24
wait_for 15 "vm1 (n1) pings vm2 (n2) on customer VLAN 101" pings vm1 10.4.0.2
check "vm1 does not reach vm3 on customer VLAN 102" no_ping vm1 10.4.0.3
check "vm1 does not reach vm4 on the untagged vnet" no_ping vm1 10.4.0.4
ip netns exec "${P}sw" timeout 10 tcpdump -nn -e -i t1 -c 1 'vlan 10 and vlan 101 and icmp' \
	>"$T/tcpdump.txt" 2>/dev/null &
dump=$!
sleep 1
pings vm1 10.4.0.2
wait "$dump"
check "between the nodes the frames carry service VLAN 10 outside and VLAN 101 inside" \
	grep -q -E 'vlan 10, p 0, ethertype 802.1Q.*vlan 101' "$T/tcpdump.txt"

ip -n "${P}n1" link del vmbr0.10
wait_for 3 "a deleted S-VLAN device is back" link_is n1 vmbr0.10 "l.get('master') == 'z_tenants'"
bridge -n "${P}n1" vlan del vid 100-200 dev z_tenants self
wait_for 3 "VIDs removed from z_tenants are back" vids_are n1 z_tenants "1PU 2-4094"
ip -n "${P}n1" link del z_tenants
wait_for 5 "a deleted zone bridge is back with its ports" bash -c "
	$(declare -f link_is); P=$P
	link_is n1 vmbr0.10 \"l.get('master') == 'z_tenants'\" && link_is n1 ln_tenants \"l.get('master') == 'z_tenants'\" &&
	link_is n1 z_tenants.101 \"l.get('master') == 'acme'\""
wait_for 15 "vm1 pings vm2 again" pings vm1 10.4.0.2

log "802.1ad service VLAN: the uplink bridge speaks 802.1ad too, and goes back to 802.1Q after"
ip -n "${P}sw" link set sw type bridge vlan_protocol 802.1ad
sed -i 's/tag: 10}/tag: 10, vlan-protocol: 802.1ad}/' "$T/sdn.yaml"
for n in n1 n2; do wait_for 10 "$n applies the 802.1ad zone" bash -c "
	$(declare -f link_is); P=$P
	link_is $n vmbr0 \"l['linkinfo']['info_data']['vlan_protocol'] == '802.1ad'\" &&
	link_is $n vmbr0.10 \"l['linkinfo']['info_data']['protocol'] == '802.1ad' and l.get('master') == 'z_tenants'\""; done
wait_for 15 "vm1 pings vm2 through the 802.1ad service VLAN" pings vm1 10.4.0.2
ip netns exec "${P}sw" timeout 10 tcpdump -nn -e -i t1 -c 1 'vlan 10 and vlan 101 and icmp' \
	>"$T/tcpdump.txt" 2>/dev/null &
dump=$!
sleep 1
pings vm1 10.4.0.2
wait "$dump"
check "on the wire the outer tag is 802.1ad (0x88a8), VLAN 10" grep -q -E 'ethertype 802.1Q-QinQ \(0x88a8\), .*vlan 10, p 0, ethertype 802.1Q \(0x8100\), vlan 101' "$T/tcpdump.txt"
sed -i 's/, vlan-protocol: 802.1ad}/}/' "$T/sdn.yaml"
wait_for 10 "back to 802.1q: vmbr0 gets its 802.1Q protocol back" \
	link_is n1 vmbr0 "l['linkinfo']['info_data']['vlan_protocol'] == '802.1Q'"
finish
