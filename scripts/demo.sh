#!/bin/bash
# The sdnd demo: three "nodes" (network namespaces joined by an underlay bridge) each run sdnd
# with one shared definition; "VMs" attached to vnets with sdnctl ping each other across VXLAN;
# then a vnet bridge is deleted by hand and sdnd puts it back, VM port included. Everything happens inside namespaces this
# script creates and removes: the host's own network is never touched. Run as root on Debian 12.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
	echo "scripts/demo.sh: run as root (it creates network namespaces)" >&2
	exit 1
fi
bash scripts/deps.sh build-essential cmake pkg-config libmnl-dev libyaml-dev libjson-c-dev libmicrohttpd-dev libcurl4-openssl-dev libnftnl-dev \
	libcmocka-dev iproute2 iputils-ping python3
cmake -S . -B build-demo -DCMAKE_BUILD_TYPE=Release -DSDND_TESTS=OFF >/dev/null
cmake --build build-demo -j"$(nproc)" >/dev/null

export SDND="$PWD/build-demo/sdnd" P=sdnddemo
set +eu
. tests/netns/lib.sh
set -e
# namespaces left by an interrupted earlier run
for ns in $(ip netns list | awk '{print $1}' | grep "^$P" || true); do ip netns del "$ns"; done

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

cat >"$T/sdn.yaml" <<'YAML'
version: 1
zones:
  lab:
    type: vxlan
    peers: [192.0.2.1, 192.0.2.2, 192.0.2.3]
  home:
    type: simple
vnets:
  web: {zone: lab, tag: 100, alias: Web tier}
  db:  {zone: lab, tag: 200}
  lan:
    zone: home
    subnets:
      192.168.50.0/24: {gateway: 192.168.50.1}
YAML

say "three nodes n1, n2, n3 on an underlay (192.0.2.1-3), one shared definition:"
cat "$T/sdn.yaml"
underlay 3

say "what sdnd would do on n1 (sdnd plan)"
ip netns exec "${P}n1" "$SDND" plan "$T/sdn.yaml" -s "$T/n1" -n n1

say "starting sdnd on every node"
for n in n1 n2 n3; do sdnd_start "$n" "$T/sdn.yaml"; done
for n in n1 n2 n3; do wait_for 10 "$n is in sync" in_sync "$n"; done

say "what the kernel on n1 holds now"
run ip -n "${P}n1" -br link show
run bridge -n "${P}n1" fdb show dev vxlan_web

# guest NODE VNET NAME ADDR/LEN: a "VM" namespace whose NIC's host end tap_NAME is attached to
# VNET by sdnd, as a hypervisor's hook would do it
guest() {
	ip netns add "$P$3"
	ip -n "$P$3" link set lo up
	ip -n "$P$1" link add "tap_$3" type veth peer name eth0 netns "$P$3"
	ip -n "$P$3" addr add "$4" dev eth0
	ip -n "$P$3" link set eth0 mtu 1400 up
	run build-demo/sdnctl -S "$T/$1/sdnd.sock" attach "tap_$3" --vnet "$2" --owner "vm/$3"
}

say "VMs: vm-a on n1 and vm-b on n3 in vnet web, vm-c on n2 in vnet db (same IP subnet)"
guest n1 web vm-a 10.1.0.1/24
guest n3 web vm-b 10.1.0.2/24
guest n2 db vm-c 10.1.0.3/24
run build-demo/sdnctl -S "$T/n1/sdnd.sock" attachments
wait_for 10 "vm-a (n1) pings vm-b (n3) across VXLAN" pings vm-a 10.1.0.2
check "vm-a cannot reach vm-c: another vnet" no_ping vm-a 10.1.0.3

say "someone deletes the bridge web on n1 by hand (ip -ts monitor link watching)"
ip -n "${P}n1" -ts monitor link >"$T/monitor.txt" 2>&1 &
mon=$!
sleep 0.2
run ip -n "${P}n1" link del web
wait_for 5 "bridge web is back on n1, vxlan_web enslaved again" link_is n1 vxlan_web "l.get('master') == 'web'"
wait_for 5 "vm-a's tap is plugged into web again" link_is n1 tap_vm-a "l.get('master') == 'web'"
sleep 0.1
kill "$mon"
echo "   what the kernel reported, with timestamps:"
grep -E '^\[[^]]*\] (Deleted )?[0-9]+: (web|vxlan_web)[:@]' "$T/monitor.txt" | cut -c1-100 |
	sed 's/^/   /' || true
echo "   sdnd's log:"
grep "repair:" "$T/n1.log" | sed 's/^/   /' || true
wait_for 10 "vm-a pings vm-b again, with no hypervisor script involved" pings vm-a 10.1.0.2

say "status of n1 ($T/n1/status.json, abridged)"
python3 -c "
import json; d = json.load(open('$T/n1/status.json'))
print('generation', d['generation'], 'summary', d['summary'], 'repairs', d['counters']['repairs'])
print('attachments', d['attachment_summary'])"

if [ "$FAILS" -eq 0 ]; then say "demo complete: everything is cleaned up on exit"; fi
finish
