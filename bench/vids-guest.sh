#!/bin/bash
# Inside Debian's kernel (bench/vids.sh boots it): a VLAN-aware vnet whose uplink port carries
# VIDs 2-4094, applied by sdnd, against the same objects made with ip -batch and bridge -batch
# adding the VIDs one by one. Prints one result line per side.
set -u
sdnd=$SDND
runs=${RUNS:-3}
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
setup_ns() {
	ip netns add "$1"
	ip -n "$1" link add eth0 type veth peer name eth0p
	ip -n "$1" addr add 192.0.2.1/24 dev eth0
	ip -n "$1" link set eth0 up
}
count_vids() {
	bridge -n "$1" -j vlan show dev vxlan_v 2>/dev/null | python3 -c "
import json, sys
n = 0
for d in json.load(sys.stdin):
    for v in d.get('vlans', []):
        n += v.get('vlanEnd', v['vlan']) - v['vlan'] + 1
print(n)"
}
cat >/run/tmp/vids.yaml <<'YAML'
version: 1
zones:
  lab: {type: vxlan, peers: [192.0.2.1, 192.0.2.2], mtu: 1450}
vnets:
  v: {zone: lab, tag: 10, vlanaware: true}
YAML
{
	echo "link add v type bridge vlan_filtering 1 stp_state 0 forward_delay 0"
	echo "link set v mtu 1450 up"
	echo "link add vxlan_v type vxlan id 10 dstport 4789 local 192.0.2.1 nolearning"
	echo "link set vxlan_v mtu 1450 master v up"
} >/run/tmp/peer.ip
{
	echo "fdb append 00:00:00:00:00:00 dev vxlan_v dst 192.0.2.2 self permanent"
	for vid in $(seq 2 4094); do echo "vlan add vid $vid dev vxlan_v"; done
} >/run/tmp/peer.bridge
for i in $(seq "$runs"); do
	setup_ns bs$i
	t0=$(date +%s%N)
	ip netns exec bs$i "$sdnd" apply --once /run/tmp/vids.yaml -s /run/tmp/st$i -n n1 >/dev/null 2>&1
	echo "sdnd $(ms "$t0") $(count_vids bs$i)"
	setup_ns bp$i
	t0=$(date +%s%N)
	ip -n bp$i -batch /run/tmp/peer.ip && bridge -n bp$i -batch /run/tmp/peer.bridge
	echo "peer $(ms "$t0") $(count_vids bp$i)"
done
