#!/bin/bash
# Attachments on a VLAN-aware vnet: access ports (--vlan), a trunk port (--trunks) whose guest
# tags its own traffic, a port with neither (1 untagged, 2-4094 tagged, as Proxmox VE does);
# each port's VLANs exactly, traffic that stays inside its VLAN, a static FDB entry in the access
# VLAN for a port without learning, and VLANs removed by hand put back.
# runs-in: vm
. "$(dirname "$0")/lib.sh"
require_root
# python3 straight, not through a version manager's shim (seconds per call on a busy machine)
PY=$(python3 -c 'import sys; print(sys.executable)') && python3() { "$PY" "$@"; } && export PY && export -f python3
require_kernel vlan_filtering 8021q
[ -x "$SDNCTL" ] || { echo "skip: no sdnctl at $SDNCTL"; exit 77; }

cat >"$T/sdn.yaml" <<'YAML'
version: 1
zones:
  home: {type: simple}
vnets:
  vms: {zone: home, vlanaware: true}
YAML
S=$T/n1/sdnd.sock
ctl() { "$SDNCTL" -S "$S" "$@"; }

# tagged NAME VID ADDR: an 802.1Q sub-interface eth0.VID with ADDR in guest NAME
tagged() {
	ip -n "$P$1" link add link eth0 name "eth0.$2" type vlan id "$2"
	ip -n "$P$1" addr add "$3" dev "eth0.$2"
	ip -n "$P$1" link set "eth0.$2" up
}
plugged() { link_is n1 "$1" "l.get('master') == 'vms' and 'UP' in l['flags']"; }

underlay 1
sdnd_start n1 "$T/sdn.yaml"
wait_for 20 "n1 converges" in_sync n1
check "vms filters VLANs" link_is n1 vms "l['linkinfo']['info_data']['vlan_filtering'] == 1"

guest a10 a10 - bc:24:11:00:10:01
guest b10 b10 - bc:24:11:00:10:02
guest c20 c20 - bc:24:11:00:20:01
guest tr tr - bc:24:11:00:30:01
guest df df - bc:24:11:00:40:01
guest mx mx - bc:24:11:00:50:01
nsx a10 ip addr add 10.10.0.1/24 dev eth0
nsx b10 ip addr add 10.10.0.2/24 dev eth0
# in VLAN 20, and in VLAN 10's subnet too: only the VLAN keeps it from a10 and b10
nsx c20 ip addr add 10.20.0.3/24 dev eth0
nsx c20 ip addr add 10.10.0.3/24 dev eth0
tagged tr 10 10.10.0.4/24
tagged tr 20 10.20.0.4/24
tagged df 10 10.10.0.5/24

log "attach"
check "a10: --vlan 10" ctl attach a10 --vnet vms --vlan 10
check "b10: --vlan 10 --no-learning --mac" ctl attach b10 --vnet vms --vlan 10 --no-learning --mac bc:24:11:00:10:02
check "c20: --vlan 20" ctl attach c20 --vnet vms --vlan 20
check "tr: --trunks '10;20'" ctl attach tr --vnet vms --trunks '10;20'
check "df: neither" ctl attach df --vnet vms
check "mx: --vlan 30 --trunks '40-42;50'" ctl attach mx --vnet vms --vlan 30 --trunks '40-42;50'
wait_for 5 "every port is on vms and up" bash -c "$(declare -f link_is plugged); P=$P
	for p in a10 b10 c20 tr df mx; do plugged \$p || exit 1; done"

log "VLANs of each port (bridge -j vlan show)"
for p in a10:10PU b10:10PU c20:20PU "tr:10 20" "df:1PU 2-4094" "mx:30PU 40-42 50"; do
	wait_for 3 "${p%%:*}: ${p#*:}" vids_are n1 "${p%%:*}" "${p#*:}"
	vids_are n1 "${p%%:*}" "${p#*:}" || echo "# ${p%%:*} has: $(vids n1 "${p%%:*}")"
done
check "b10 (learning off): a static FDB entry for its MAC in VLAN 10" fdb_static n1 b10 bc:24:11:00:10:02 10
check "... and no such entry outside VLAN 10" bash -c "$(declare -f fdb_static); P=$P; ! fdb_static n1 b10 bc:24:11:00:10:02"
check "... learning off on the port" brport_is n1 b10 "p['learning'] is False"
check "the others learn" brport_is n1 a10 "p['learning'] is True"

log "traffic"
wait_for 15 "access-10 a10 pings access-10 b10" pings a10 10.10.0.2
check "access-20 c20 does not reach a10 (same subnet, VLAN 20)" no_ping c20 10.10.0.1
check "... nor b10" no_ping c20 10.10.0.2
wait_for 5 "the trunk's .10 reaches a10" pings tr 10.10.0.1
wait_for 5 "the trunk's .10 reaches b10" pings tr 10.10.0.2
wait_for 5 "the trunk's .20 reaches c20" pings tr 10.20.0.3
check "the trunk's .10 does not reach c20's VLAN 10 subnet address" no_ping tr 10.10.0.3
wait_for 5 "the default port (2-4094 tagged) reaches a10 through its own .10" pings df 10.10.0.1

log "drift"
bridge -n "${P}n1" vlan del vid 10 dev a10
wait_for 3 "VLAN 10 removed from a10 by hand is back as PVID untagged" vids_are n1 a10 10PU
bridge -n "${P}n1" vlan del vid 20 dev tr
wait_for 3 "VLAN 20 removed from the trunk by hand is back" vids_are n1 tr "10 20"
bridge -n "${P}n1" vlan del vid 100-200 dev df
wait_for 3 "VLANs 100-200 removed from the default port are back" vids_are n1 df "1PU 2-4094"
bridge -n "${P}n1" vlan add vid 30 dev c20
wait_for 3 "VLAN 30 added to c20 by hand is removed" vids_are n1 c20 20PU
bridge -n "${P}n1" fdb del bc:24:11:00:10:02 dev b10 master vlan 10
wait_for 3 "b10's static entry deleted by hand is back in VLAN 10" fdb_static n1 b10 bc:24:11:00:10:02 10
wait_for 10 "traffic flows: a10 pings b10" pings a10 10.10.0.2

log "an attachment changed in place"
out=$(ctl attach c20 --vnet vms --vlan 10 --owner vm/120 2>&1); rc=$?
check "c20 re-attached with --vlan 10: exit 0" test "$rc" = 0
wait_for 3 "c20's port now carries 10 (PVID, untagged) only" vids_are n1 c20 10PU
wait_for 10 "c20 now reaches a10" pings c20 10.10.0.1
check "the trunk's .20 no longer reaches c20" no_ping tr 10.20.0.3
wait_for 5 "every attachment is plugged" bash -c "$(declare -f ctl); SDNCTL=$SDNCTL S=$S
	ctl attachments --json | python3 -c \"import json,sys; a=json.load(sys.stdin)['attachments']; sys.exit(0 if len(a) == 6 and all(x['state'] == 'plugged' for x in a) else 1)\""
finish
