#!/bin/bash
# An IPv6 underlay: VXLAN devices take the local IPv6 peer address, the default MTU leaves room
# for the larger IPv6 encapsulation (underlay MTU - 70), and VMs ping across.
# runs-in: host vm   (the VM run proves it on Debian 12's stock kernel)
. "$(dirname "$0")/lib.sh"
require_root

cat >"$T/sdn.yaml" <<'YAML'
version: 1
zones:
  lab6:
    type: vxlan
    peers: ["2001:db8:ff::1", "2001:db8:ff::2"]
vnets:
  web: {zone: lab6, tag: 42}
YAML
underlay 2
for i in 1 2; do ip -n "${P}n$i" addr add "2001:db8:ff::$i/64" dev eth0 nodad; done
for n in n1 n2; do sdnd_start "$n" "$T/sdn.yaml"; done
for n in n1 n2; do wait_for 10 "$n converges" in_sync "$n"; done

check "vxlan_web on n2: VNI 42, local 2001:db8:ff::2, MTU 1430" \
	link_is n2 vxlan_web "l['linkinfo']['info_data']['id'] == 42 and l['linkinfo']['info_data'].get('local6', l['linkinfo']['info_data'].get('local')) == '2001:db8:ff::2' and l['mtu'] == 1430"
check "the bridge has the same MTU" link_is n2 web "l['mtu'] == 1430"
check "n1 floods to 2001:db8:ff::2" fdb_has n1 vxlan_web 2001:db8:ff::2
vm n1 web vm1 10.6.0.1/24
vm n2 web vm2 10.6.0.2/24
wait_for 10 "vm1 (n1) pings vm2 (n2) over the IPv6 underlay" pings vm1 10.6.0.2
ip -n "${P}n2" link del vxlan_web
wait_for 2 "a deleted IPv6 VXLAN device is back" link_is n2 vxlan_web "l.get('master') == 'web'"
wait_for 2 "with its FDB entry" fdb_has n2 vxlan_web 2001:db8:ff::1
finish
