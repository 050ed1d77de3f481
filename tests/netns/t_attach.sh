#!/bin/bash
# Attachments: guest interfaces (VM taps, container veths) plugged into vnets through sdnctl and
# the sdnd-ifup hook (QEMU and LXC forms), kept there (learning, isolation, MTU, static FDB entry),
# plugged again when re-created, repaired after drift, kept across a restart without a flap,
# unplugged by detach and orphaned with their vnet; and the requests sdnd refuses.
# runs-in: host
. "$(dirname "$0")/lib.sh"
require_root
# python3 straight, not through a version manager's shim (seconds per call on a busy machine)
PY=$(python3 -c 'import sys; print(sys.executable)') && python3() { "$PY" "$@"; } && export PY && export -f python3
[ -x "$SDNCTL" ] || { echo "skip: no sdnctl at $SDNCTL"; exit 77; }

cfg() {  # cfg [with-db]: write the configuration atomically, as an editor would
	local db=
	[ -n "${1:-}" ] && db="  db: {zone: home}"
	cat >"$T/sdn.yaml.new" <<YAML
version: 1
zones:
  home: {type: simple, mtu: 1400}
vnets:
  web:
    zone: home
    subnets:
      10.1.0.0/24: {gateway: 10.1.0.254}
  quiet:
    zone: home
    isolate-ports: true
    subnets:
      10.3.0.0/24: {gateway: 10.3.0.254}
$db
YAML
	mv "$T/sdn.yaml.new" "$T/sdn.yaml"
}
S=$T/n1/sdnd.sock
ctl() { "$SDNCTL" -S "$S" "$@"; }
# the hook under the names QEMU and LXC would run it by
mkdir -p "$T/bin"
ln -s "$SDNCTL" "$T/bin/sdnd-ifup"
ln -s "$SDNCTL" "$T/bin/sdnd-ifup@web"
export SDND_SOCKET=$S

on() { link_is n1 "$1" "l.get('master') == '$2' and 'UP' in l['flags'] and l['mtu'] == 1400"; }
unplugged() { ip -n "${P}n1" link show "$1" >/dev/null 2>&1 && link_is n1 "$1" "'master' not in l"; }
# att_is IFNAME PYTHON-EXPR: sdnctl attachments --json, `a` the attachment of IFNAME (None: none)
att_is() {
	ctl attachments --json | python3 -c "
import json, sys
a = next((a for a in json.load(sys.stdin)['attachments'] if a['ifname'] == sys.argv[1]), None)
sys.exit(0 if ($2) else 1)" "$1"
}

underlay 1
cfg with-db
sdnd_start n1 "$T/sdn.yaml"
wait_for 10 "n1 converges" in_sync n1
guest vm1 vm1 10.1.0.1/24 bc:24:11:00:00:01
guest vm2 vm2 10.1.0.2/24 bc:24:11:00:00:02
guest vm3 vm3 10.1.0.3/24 bc:24:11:00:00:03     # same subnet, but on vnet db
guest vq1 vq1 10.3.0.1/24 bc:24:11:00:00:11
guest vq2 vq2 10.3.0.2/24 bc:24:11:00:00:12
guest ct6 veth106i0 10.1.0.6/24 bc:24:11:00:00:06
ip -n "${P}n1" tuntap add mode tap tap104i0
ip -n "${P}n1" tuntap add mode tap tap105i0

log "sdnctl attach"
out=$(ctl attach vm1 --vnet web --mac bc:24:11:00:00:01 --owner vm/101 2>&1); rc=$?
check "sdnctl attach exits 0 and says so" test "$rc:$out" = "0:vm1: plugged into vnet web"
check "vm1 is a port of web, up, with the vnet's MTU 1400" on vm1 web
check "the attachment is listed with its MAC and owner, plugged" \
	att_is vm1 "a and a['vnet'] == 'web' and a['mac'] == 'bc:24:11:00:00:01' and a['owner'] == 'vm/101' and a['state'] == 'plugged'"
ctl attach vm2 --vnet web --mac bc:24:11:00:00:02 --no-learning --owner vm/102 >/dev/null
ctl attach vm3 --vnet db --owner vm/103 >/dev/null
wait_for 3 "vm2 on web, vm3 on db" bash -c "$(declare -f link_is on); P=$P; on vm2 web && on vm3 db"
wait_for 10 "vm1 pings vm2 on the same vnet" pings vm1 10.1.0.2
check "vm1 does not reach vm3 on vnet db (same subnet, other vnet)" no_ping vm1 10.1.0.3
check "the port is learning by default" brport_is n1 vm1 "p['learning'] is True"

log "the guest hook"
SDND_VNET=web "$T/bin/sdnd-ifup" tap104i0 2>"$T/err"; rc=$?
check "QEMU form (SDND_VNET=web sdnd-ifup IFNAME) exits 0, silently" test "$rc:$(cat "$T/err")" = "0:"
check "... the tap is a port of web, up, MTU 1400" on tap104i0 web
check "... owned by qemu/tap104i0" att_is tap104i0 "a and a['owner'] == 'qemu/tap104i0' and a['state'] == 'plugged'"
"$T/bin/sdnd-ifup@web" tap105i0; rc=$?
check "sdnd-ifup@web IFNAME exits 0" test "$rc" = 0
check "... the tap is a port of web" on tap105i0 web
SDND_VNET=web "$T/bin/sdnd-ifup" ct106 net up veth veth106i0; rc=$?
check "LXC form (sdnd-ifup CTNAME net up veth IFNAME) exits 0" test "$rc" = 0
check "... the veth is a port of web" on veth106i0 web
check "... with owner lxc/ct106" att_is veth106i0 "a and a['owner'] == 'lxc/ct106'"
wait_for 5 "the container reaches vm1" pings ct6 10.1.0.1
ip -n "${P}n1" tuntap add mode tap tap107i0
SDND_VNET=nosuch "$T/bin/sdnd-ifup" tap107i0 2>"$T/err"; rc=$?
check "the hook with an unknown vnet exits non-zero" test "$rc" -ne 0
check "... with one line naming the vnet" bash -c "[ \$(wc -l <'$T/err') = 1 ] && grep -q 'vnet nosuch' '$T/err'"
sed "s/^/# /" "$T/err"
check "... and the tap stays out of every bridge" unplugged tap107i0
check "... and has no attachment" att_is tap107i0 "a is None"

log "learning off"
check "vm2 (--no-learning --mac): a static FDB entry for its MAC" fdb_static n1 vm2 bc:24:11:00:00:02
check "... and learning off on the port" brport_is n1 vm2 "p['learning'] is False"
check "vm1 (learning on): no static entry" bash -c "$(declare -f fdb_static); P=$P; ! fdb_static n1 vm1 bc:24:11:00:00:01"

log "isolate-ports"
ctl attach vq1 --vnet quiet >/dev/null
ctl attach vq2 --vnet quiet >/dev/null
check "ports attached to an isolate-ports vnet are isolated" bash -c "
	$(declare -f brport_is); P=$P
	brport_is n1 vq1 \"p.get('master') == 'quiet' and p['isolated'] is True\" &&
	brport_is n1 vq2 \"p.get('master') == 'quiet' and p['isolated'] is True\""
check "ports on web are not" brport_is n1 vm1 "p['isolated'] is False"
wait_for 5 "vq1 reaches the gateway" pings vq1 10.3.0.254
wait_for 5 "vq2 reaches the gateway" pings vq2 10.3.0.254
check "vq1 does not reach vq2" no_ping vq1 10.3.0.2

log "an interface deleted and re-created with the same name"
ip -n "${P}n1" link del vm1
wait_for 3 "the attachment shows it absent" att_is vm1 "a and a['state'] == 'absent'"
start=$(date +%s%N)
ip -n "${P}n1" link add vm1 type veth peer name eth0 netns "${P}vm1"
end=$((start + 3000000000))
while ! ip -n "${P}n1" -j link show dev vm1 2>/dev/null | grep -q '"master":"web"' &&
	[ "$(date +%s%N)" -lt "$end" ]; do :; done
ms=$(elapsed_ms "$start")
log "re-created vm1 was on web again after $ms ms"
check "the re-created vm1 is plugged again by itself within 1 s ($ms ms)" test "$ms" -lt 1000
wait_for 3 "... up, MTU 1400" on vm1 web
ip -n "${P}vm1" link set eth0 address bc:24:11:00:00:01 up
ip -n "${P}vm1" addr add 10.1.0.1/24 dev eth0
wait_for 10 "traffic flows again: vm2 pings vm1" pings vm2 10.1.0.1

log "drift"
ip -n "${P}n1" link add other type bridge
ip -n "${P}n1" link set other up
ip -n "${P}n1" link set vm1 nomaster
wait_for 3 "unenslaved by hand: back on web" on vm1 web
ip -n "${P}n1" link set tap104i0 master other
wait_for 3 "moved to another bridge: back on web" on tap104i0 web
ip -n "${P}n1" link set tap105i0 mtu 1300
wait_for 3 "MTU changed by hand: back to 1400" on tap105i0 web
bridge -n "${P}n1" link set dev vm2 learning on
wait_for 3 "learning turned on by hand: off again" brport_is n1 vm2 "p['learning'] is False"
sleep 0.25   # the same attachment again: leave the repair of a fight's backoff out of it
bridge -n "${P}n1" fdb del bc:24:11:00:00:02 dev vm2 master
wait_for 3 "the static FDB entry deleted by hand: back" fdb_static n1 vm2 bc:24:11:00:00:02
bridge -n "${P}n1" link set dev vq2 isolated off
wait_for 3 "isolation turned off by hand: on again" brport_is n1 vq2 "p['isolated'] is True"
check "the foreign bridge has no port left" test -z "$(ip -n "${P}n1" link show master other)"
sleep 0.25
start=$(date +%s%N)
ip -n "${P}n1" link del web
wait_for 3 "the vnet's bridge deleted by hand: back, with its ports on it" bash -c "
	$(declare -f link_is on); P=$P
	on vm1 web && on tap104i0 web && on tap105i0 web && on veth106i0 web && on vm2 web"
wait_for 3 "... and vm2 with learning off and its static FDB entry" bash -c "
	$(declare -f link_is on brport_is fdb_static); P=$P
	on vm2 web && brport_is n1 vm2 \"p['learning'] is False\" && fdb_static n1 vm2 bc:24:11:00:00:02"
log "every port back on the re-created bridge after $(elapsed_ms "$start") ms"
wait_for 10 "traffic flows again: vm1 pings vm2" pings vm1 10.1.0.2
wait_for 5 "n1 reports every attachment plugged" bash -c "$(declare -f ctl att_is); SDNCTL=$SDNCTL S=$S
	ctl attachments --json | python3 -c \"import json,sys; sys.exit(0 if all(a['state'] == 'plugged' for a in json.load(sys.stdin)['attachments']) else 1)\""

log "restart"
n_att=$(ctl attachments --json | python3 -c "import json,sys; print(len(json.load(sys.stdin)['attachments']))")
ip -n "${P}n1" tuntap add mode tap tap109i0
settle n1
ip -n "${P}n1" monitor all >"$T/monitor.txt" 2>&1 &
MON=$!
sleep 0.2
sdnd_stop n1
SDND_VNET=web "$T/bin/sdnd-ifup" tap109i0 2>"$T/err"; rc=$?
check "the hook with the daemon stopped fails" test "$rc" -ne 0 -a -s "$T/err"
sed "s/^/# /" "$T/err"
check "... the tap stays unplugged" unplugged tap109i0
sdnd_start n1 "$T/sdn.yaml"
wait_for 10 "the restarted daemon has every attachment plugged" python3 -c "
import json, sys
d = json.load(open('$T/n1/status.json'))
a = d.get('attachments', [])
sys.exit(0 if d['pid'] == $PID_n1 and d['summary']['pending'] == 0 and d['summary']['failed'] == 0
         and len(a) == $n_att and all(x['state'] == 'plugged' for x in a) else 1)"
sleep 0.3
kill "$MON"; wait "$MON" 2>/dev/null
monitor_entries "$T/monitor.txt" | grep -v -E '^(Deleted )?\[NEIGH\].*(lladdr|FAILED|INCOMPLETE)' >"$T/monitor.changes"
check "ip monitor all saw no change across the restart" test ! -s "$T/monitor.changes"
[ -s "$T/monitor.changes" ] && head -20 "$T/monitor.changes"
check "the attachment survived with its settings" \
	att_is vm2 "a and a['vnet'] == 'web' and a['mac'] == 'bc:24:11:00:00:02' and a['learning'] is False and a['owner'] == 'vm/102' and a['state'] == 'plugged'"
check "vm2's port still has learning off and its static entry" bash -c "
	$(declare -f brport_is fdb_static); P=$P
	brport_is n1 vm2 \"p['learning'] is False\" && fdb_static n1 vm2 bc:24:11:00:00:02"
wait_for 5 "traffic still flows: vm1 pings vm2" pings vm1 10.1.0.2

log "learning turned back on"
ctl attach vm2 --vnet web --mac bc:24:11:00:00:02 --owner vm/102 >/dev/null
wait_for 3 "vm2 learns again, and the static entry sdnd made for it is gone" bash -c "
	$(declare -f brport_is fdb_static); P=$P
	brport_is n1 vm2 \"p['learning'] is True\" && ! fdb_static n1 vm2 bc:24:11:00:00:02"

log "detach"
out=$(ctl detach veth106i0 2>&1); rc=$?
check "sdnctl detach exits 0 and says so" test "$rc:$out" = "0:veth106i0: detached from vnet web"
wait_for 3 "the port left the bridge, the interface still exists" unplugged veth106i0
check "the attachment is gone from sdnctl attachments" bash -c "! $SDNCTL -S $S attachments | grep -q veth106i0"
ip -n "${P}n1" link del veth106i0
ip -n "${P}n1" link add veth106i0 type veth peer name eth0 netns "${P}ct6"
# an interface attached before it exists, created after the detached one: once it is plugged,
# sdnd has seen the detached one's creation too
out=$(ctl attach tap110i0 --vnet web 2>&1)
check "attaching a missing interface: accepted as absent" grep -q 'absent' <<<"$out"
echo "# $out"
ip -n "${P}n1" tuntap add mode tap tap110i0
wait_for 3 "an interface attached before it existed is plugged when it appears" on tap110i0 web
sleep 0.2
check "the detached interface, re-created, is not plugged again" unplugged veth106i0

log "a vnet removed from the configuration"
cfg
wait_for 5 "vm3's attachment is orphaned" att_is vm3 "a and a['state'] == 'orphaned'"
wait_for 3 "vm3 is out of every bridge, and still exists" unplugged vm3
check "the bridge db is gone" bash -c "! ip -n ${P}n1 link show db"
check "sdnctl attachments lists it as orphaned" bash -c "$SDNCTL -S $S attachments | grep -E '^vm3 .*orphaned'"
cfg with-db
wait_for 5 "the vnet back: vm3 is plugged into db again" on vm3 db
wait_for 3 "... and its attachment is plugged" att_is vm3 "a and a['state'] == 'plugged'"

log "an attachment changed in place"
out=$(ctl attach tap110i0 --vnet quiet 2>&1); rc=$?
check "re-attaching tap110i0 to vnet quiet: exit 0" test "$rc:$out" = "0:tap110i0: plugged into vnet quiet"
check "... it moved from web to quiet, and is isolated there" bash -c "
	$(declare -f link_is on brport_is); P=$P
	on tap110i0 quiet && brport_is n1 tap110i0 \"p['isolated'] is True\""

log "refusals"
out=$(ctl attach tap109i0 --vnet nosuch 2>&1); rc=$?
check "attach to a vnet that does not exist: exit 3 (conflict)" test "$rc" = 3
check "... the message says the vnet does not exist on this node" grep -q 'vnet nosuch does not exist on node n1' <<<"$out"
echo "# $out"
out=$(ctl attach tap109i0 --vnet web --vlan 10 2>&1); rc=$?
check "--vlan 10 on a vnet that is not vlanaware: exit 3" test "$rc" = 3
check "... the message says why" grep -q 'vnet web is not vlanaware' <<<"$out"
echo "# $out"
check "... tap109i0 has no attachment and no bridge" bash -c "
	$(declare -f ctl att_is link_is unplugged); SDNCTL=$SDNCTL S=$S P=$P
	att_is tap109i0 'a is None' && unplugged tap109i0"
out=$(ctl attach web --vnet db 2>&1); rc=$?
check "attaching sdnd's own bridge is refused" test "$rc" = 3
echo "# $out"
check "... web is not a port of db" link_is n1 web "'master' not in l"
finish
