#!/bin/bash
# isolate-ports: guests on the same vnet and node cannot talk to each other, but reach the uplink
# (the VXLAN tunnel to other nodes, and the bridge's own gateway address); a guest port un-isolated
# by hand is isolated again.
# runs-in: host vm
. "$(dirname "$0")/lib.sh"
require_root

cat >"$T/sdn.yaml" <<'YAML'
version: 1
zones:
  lab: {type: vxlan, peers: [192.0.2.1, 192.0.2.2]}
vnets:
  quiet:
    zone: lab
    tag: 77
    isolate-ports: true
    subnets:
      10.9.0.0/24: {gateway: 10.9.0.254}
YAML
underlay 2
for n in n1 n2; do sdnd_start "$n" "$T/sdn.yaml"; done
for n in n1 n2; do wait_for 10 "$n converges" in_sync "$n"; done
vm n1 quiet vm1 10.9.0.1/24
vm n1 quiet vm2 10.9.0.2/24
vm n2 quiet vm3 10.9.0.3/24
port_isolated() {
	bridge -n "$P$1" -j -d link show dev "$2" 2>/dev/null |
		python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if d and d[0].get('isolated') is $3 else 1)"
}
wait_for 5 "guest ports on n1 are isolated" bash -c "$(declare -f port_isolated); P=$P; port_isolated n1 tap_vm1 True && port_isolated n1 tap_vm2 True"
check "the VXLAN uplink port is not" port_isolated n1 vxlan_quiet False
wait_for 10 "vm1 reaches vm3 on another node through the uplink" pings vm1 10.9.0.3
wait_for 5 "vm1 reaches the gateway on the bridge" pings vm1 10.9.0.254
check "vm1 does not reach vm2 on the same node" no_ping vm1 10.9.0.2
bridge -n "${P}n1" link set dev tap_vm2 isolated off
wait_for 3 "a guest port un-isolated by hand is isolated again" port_isolated n1 tap_vm2 True
check "the guest port is still on its bridge" link_is n1 tap_vm2 "l.get('master') == 'quiet'"
finish
