#!/bin/bash
# Three nodes, one shared definition: VMs ping across VXLAN, vnets stay apart, and every kind of
# drift an operator can cause by hand is repaired.
# runs-in: host vm   (the VM run proves it on Debian 12's stock kernel)
. "$(dirname "$0")/lib.sh"
require_root

cat >"$T/sdn.yaml" <<'YAML'
version: 1
zones:
  lab:
    type: vxlan
    peers: [192.0.2.1, 192.0.2.2, 192.0.2.3]
  home:
    type: simple
    mtu: 1500
  edge:
    type: simple
    nodes: [n1]
vnets:
  edgenet: {zone: edge}
  web:
    zone: lab
    tag: 100
    alias: Web tier
  db:
    zone: lab
    tag: 200
  lan:
    zone: home
    subnets:
      192.168.50.0/24:
        gateway: 192.168.50.1
      2001:db8:50::/64:
        gateway: 2001:db8:50::1
YAML

underlay 3
for n in n1 n2 n3; do sdnd_start "$n" "$T/sdn.yaml"; done
for n in n1 n2 n3; do wait_for 10 "$n converges" in_sync "$n"; done

log "kernel objects on n1, read back with ip -j / bridge -j"
check "bridge web: up, STP off, forward delay 0, MTU 1450 (1500 underlay - 50)" \
	link_is n1 web "'UP' in l['flags'] and l['mtu'] == 1450 and l['linkinfo']['info_kind'] == 'bridge' and l['linkinfo']['info_data']['stp_state'] == 0 and l['linkinfo']['info_data']['forward_delay'] == 0"
check "bridge web carries the vnet alias" link_is n1 web "l.get('ifalias') == 'Web tier'"
check "vxlan_web: VNI 100, port 4789, local 192.0.2.1, learning off, port of web, up" \
	link_is n1 vxlan_web "l['linkinfo']['info_data']['id'] == 100 and l['linkinfo']['info_data']['port'] == 4789 and l['linkinfo']['info_data']['local'] == '192.0.2.1' and not l['linkinfo']['info_data'].get('learning', True) and l['master'] == 'web' and 'UP' in l['flags'] and l['mtu'] == 1450"
check "vxlan_db: VNI 200" link_is n1 vxlan_db "l['linkinfo']['info_data']['id'] == 200"
check "n1 floods web to 192.0.2.2" fdb_has n1 vxlan_web 192.0.2.2
check "n1 floods web to 192.0.2.3" fdb_has n1 vxlan_web 192.0.2.3
check "n1 does not flood to itself" bash -c "! bridge -n ${P}n1 fdb show dev vxlan_web | grep -q 'dst 192.0.2.1 '"
check "n2 local address is its own" link_is n2 vxlan_web "l['linkinfo']['info_data']['local'] == '192.0.2.2'"
check "simple zone bridge lan: MTU 1500, no ports" \
	bash -c "[ -z \"\$(ip -n ${P}n1 link show master lan)\" ] && ip -n ${P}n1 -j link show lan | grep -q '\"mtu\":1500'"
check "gateway 192.168.50.1/24 on lan" addr_has n1 lan 192.168.50.1/24
check "gateway 2001:db8:50::1/64 on lan" addr_has n1 lan 2001:db8:50::1/64
check "IPv4 forwarding on lan" test "$(nsx n1 cat /proc/sys/net/ipv4/conf/lan/forwarding)" = 1
check "a zone limited to n1 exists on n1" ip -n "${P}n1" link show edgenet
check "... and not on n2" bash -c "! ip -n ${P}n2 link show edgenet"
check "IPv6 forwarding on lan" test "$(nsx n1 cat /proc/sys/net/ipv6/conf/lan/forwarding)" = 1

log "traffic"
vm n1 web vm1 10.1.0.1/24
vm n2 web vm2 10.1.0.2/24
vm n3 web vm3 10.1.0.3/24
vm n3 db vm4 10.1.0.4/24
wait_for 10 "vm1 (n1) pings vm2 (n2) across VXLAN" pings vm1 10.1.0.2
wait_for 10 "vm1 (n1) pings vm3 (n3) across VXLAN" pings vm1 10.1.0.3
check "vm1 (web) does not reach vm4 (db), same subnet, other vnet" no_ping vm1 10.1.0.4

log "drift, repaired from events"
ip -n "${P}n1" link del web
wait_for 2 "deleted bridge web is back with vxlan_web as its port" \
	link_is n1 vxlan_web "l.get('master') == 'web'"
ip -n "${P}n1" link set tap_vm1 master web  # a VM tap is the hypervisor's to re-plug
wait_for 5 "traffic flows again after the bridge repair" pings vm1 10.1.0.2

ip -n "${P}n1" link del vxlan_web
wait_for 2 "deleted vxlan_web is back, enslaved to web" link_is n1 vxlan_web "l.get('master') == 'web' and l['linkinfo']['info_data']['id'] == 100"
wait_for 2 "its FDB entries are back" fdb_has n1 vxlan_web 192.0.2.3

bridge -n "${P}n1" fdb del 00:00:00:00:00:00 dev vxlan_web dst 192.0.2.2
bridge -n "${P}n1" fdb del 00:00:00:00:00:00 dev vxlan_web dst 192.0.2.3
wait_for 2 "flushed FDB entries are back" bash -c "$(declare -f fdb_has); P=$P; fdb_has n1 vxlan_web 192.0.2.2 && fdb_has n1 vxlan_web 192.0.2.3"

ip -n "${P}n1" addr del 192.168.50.1/24 dev lan
wait_for 2 "removed gateway address is back" addr_has n1 lan 192.168.50.1/24

ip -n "${P}n1" link set web mtu 1300
wait_for 2 "changed MTU is back to 1450" link_is n1 web "l['mtu'] == 1450"

ip -n "${P}n1" link set db down
wait_for 2 "downed bridge is up again" link_is n1 db "'UP' in l['flags']"

ip -n "${P}n1" link set vxlan_db nomaster
wait_for 2 "detached VXLAN port is re-attached" link_is n1 vxlan_db "l.get('master') == 'db'"

nsx n1 sh -c 'echo 0 > /proc/sys/net/ipv6/conf/lan/forwarding'
wait_for 2 "IPv6 forwarding switched off by hand is on again" \
	test "$(nsx n1 cat /proc/sys/net/ipv6/conf/lan/forwarding)" = 1

wait_for 5 "vm1 still pings vm3 after all repairs" pings vm1 10.1.0.3
wait_for 5 "n1 back in sync" in_sync n1
check "the status file counts repairs" python3 -c "import json,sys; sys.exit(0 if json.load(open('$T/n1/status.json'))['counters']['repairs'] >= 9 else 1)"
finish
