#!/bin/bash
# One node through a daemon's life: restart without flaps, reloads that touch only what changed,
# a VNI change that replaces one device, a bad reload that changes nothing, foreign devices and
# ports left alone, removed vnets cleaned up.
# runs-in: host vm   (the VM run proves it on Debian 12's stock kernel)
. "$(dirname "$0")/lib.sh"
require_root

cfg() {  # cfg EXTRA_VNETS_YAML [NAME]: write $T/NAME.yaml (sdn) atomically, as an editor would
	local name=${2:-sdn}
	cat >"$T/$name.yaml.new" <<YAML
version: 1
zones:
  lab:
    type: vxlan
    peers: [192.0.2.1, 192.0.2.2, 192.0.2.3]
  home:
    type: simple
vnets:
  lan:
    zone: home
    subnets:
      192.168.50.0/24: {gateway: 192.168.50.1}
$1
YAML
	mv "$T/$name.yaml.new" "$T/$name.yaml"
}
gen_in_sync() { in_sync n1 "$1"; }
gen_is() { python3 -c "import json,sys; sys.exit(0 if json.load(open('$T/n1/status.json'))['generation'] == $1 else 1)"; }
monitor_start() { settle n1; ip -n "${P}n1" monitor all >"$T/monitor.txt" 2>&1 & MON=$!; sleep 0.2; }
# what the monitor saw, less the kernel's own neighbour (ARP/NDP) bookkeeping
monitor_stop() {
	sleep 0.3; kill "$MON"; wait "$MON" 2>/dev/null
	monitor_entries "$T/monitor.txt" |
		grep -v -E '^(Deleted )?\[NEIGH\].*(lladdr|FAILED|INCOMPLETE)' >"$T/monitor.changes" || true
}
ifindex() { ip -n "${P}n1" -j link show "$1" | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['ifindex'])"; }
status_has() { python3 -c "
import json, sys
d = json.load(open('$T/n1/status.json'))
sys.exit(0 if ($1) else 1)"; }

underlay 1
cfg "  db: {zone: lab, tag: 200}
  app: {zone: lab, tag: 300}"
sdnd_start n1 "$T/sdn.yaml"
wait_for 10 "n1 converges" gen_in_sync 1
ip -n "${P}n1" link add tap_x type veth peer name tap_y
ip -n "${P}n1" link set tap_x master db up

log "restart with an unchanged config"
monitor_start
sdnd_stop n1
check "SIGTERM leaves the network as it is" link_is n1 vxlan_db "l.get('master') == 'db'"
sdnd_start n1 "$T/sdn.yaml"
wait_for 10 "the restarted daemon is in sync" status_has "d['pid'] == $PID_n1 and d['summary']['pending'] == 0 and d['summary']['failed'] == 0 and d['counters']['reconciles'] >= 1"
monitor_stop
check "ip monitor all saw no change across the restart" test ! -s "$T/monitor.changes"
[ -s "$T/monitor.changes" ] && cat "$T/monitor.changes"
check "the foreign port stays on its bridge" link_is n1 tap_x "l.get('master') == 'db'"

log "a reload that changes one vnet touches only that vnet"
monitor_start
cfg "  db: {zone: lab, tag: 200}
  app: {zone: lab, tag: 300, alias: application tier}"
wait_for 5 "file change reloads generation 2" gen_in_sync 2
monitor_stop
check "the new alias is on app" link_is n1 app "l.get('ifalias') == 'application tier'"
check "the monitor saw app change" grep -q ' app:' "$T/monitor.changes"
check "nothing but app changed" bash -c "! grep -v ' app:' '$T/monitor.changes' | grep -q ."
grep -v ' app:' "$T/monitor.changes"

log "a VNI change replaces just that VXLAN device"
db_idx=$(ifindex vxlan_db)
cfg "  db: {zone: lab, tag: 200}
  app: {zone: lab, tag: 301, alias: application tier}" next
check "plan says replace, and why" bash -c "ip netns exec ${P}n1 $SDND plan '$T/next.yaml' -s '$T/n1' -n n1 | grep -q '^replace vxlan vxlan_app (vnet app): .*vni 300 -> 301.*cannot change in place'"
mv "$T/next.yaml" "$T/sdn.yaml"
wait_for 5 "generation 3 applied" gen_in_sync 3
check "vxlan_app now has VNI 301 and is back on app" link_is n1 vxlan_app "l['linkinfo']['info_data']['id'] == 301 and l['master'] == 'app'"
check "its FDB entries were re-created" fdb_has n1 vxlan_app 192.0.2.2
check "vxlan_db was not touched" test "$(ifindex vxlan_db)" = "$db_idx"

log "a bad reload leaves everything as it was"
settle n1
before=$(snapshot n1)
cat >"$T/sdn.yaml.new" <<'YAML'
version: 1
zones:
  lab:
    type: vxlan
    peers: [192.0.2.1, 192.0.2.2]
vnets:
  db: {zone: lab, tag: 0}
  app: {zone: lab, tag: 301, colour: blue}
YAML
mv "$T/sdn.yaml.new" "$T/sdn.yaml"
wait_for 5 "the status file reports the rejected document with file:line:column" \
	status_has "'sdn.yaml:8:' in d.get('config_error', '') and 'vnets.db.tag' in d['config_error']"
check "the log names the error and keeps the running config" grep -q "keeping the running configuration" "$T/n1.log"
check "the running generation is still 3" gen_is 3
after=$(snapshot n1)
check "the kernel holds exactly what it held before" test "$before" = "$after"
[ "$before" = "$after" ] || diff <(echo "$before") <(echo "$after") | head -20
kill -HUP "$PID_n1"
sleep 0.2
check "SIGHUP with the bad file changes nothing either" gen_is 3

log "foreign devices"
ip -n "${P}n1" link add web type bridge
ip -n "${P}n1" link set web mtu 1400
cfg "  db: {zone: lab, tag: 200}
  app: {zone: lab, tag: 301, alias: application tier}
  web: {zone: lab, tag: 100}"
wait_for 5 "the vnet with a foreign device fails with a clear error" \
	status_has "d['generation'] == 4 and any(o['vnet'] == 'web' and o['state'] == 'failed' and 'web exists and is not managed by sdnd' in o.get('error', '') for o in d['objects'])"
check "the rest of the config is in sync" status_has "all(o['state'] == 'in-sync' for o in d['objects'] if o['vnet'] != 'web')"
check "the foreign bridge is untouched" link_is n1 web "l['mtu'] == 1400 and 'UP' not in l['flags']"
check "no vxlan_web was created for it" bash -c "! ip -n ${P}n1 link show vxlan_web"

log "removed vnets are cleaned up, foreign things stay"
cfg "  app: {zone: lab, tag: 301, alias: application tier}"
wait_for 5 "db's bridge and VXLAN device are deleted" bash -c "! ip -n ${P}n1 link show db && ! ip -n ${P}n1 link show vxlan_db"
check "the foreign port that was on db still exists" ip -n "${P}n1" link show tap_x
check "the foreign bridge web is still there" ip -n "${P}n1" link show web
check "app is untouched" link_is n1 vxlan_app "l['master'] == 'app'"

log "one-shot commands"
check "apply --once refuses while the daemon runs" bash -c "! ip netns exec ${P}n1 $SDND apply --once '$T/sdn.yaml' -s '$T/n1' -n n1"
sdnd_stop n1
ip -n "${P}n1" link del vxlan_app
check "apply --once repairs and exits 0" ip netns exec "${P}n1" "$SDND" apply --once "$T/sdn.yaml" -s "$T/n1" -n n1
check "... vxlan_app is back" link_is n1 vxlan_app "l['master'] == 'app'"
check "plan afterwards has nothing to change" bash -c "ip netns exec ${P}n1 $SDND plan '$T/sdn.yaml' -s '$T/n1' -n n1 | grep -qx 'nothing to change'"
check "plan --json is JSON with an empty action list" bash -c "ip netns exec ${P}n1 $SDND plan --json '$T/sdn.yaml' -s '$T/n1' -n n1 | python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)[\"actions\"] == [] else 1)'"
printf 'version: 1\nvnets:\n  x: {zone: nowhere}\n' >"$T/bad.yaml"
out=$(ip netns exec "${P}n1" "$SDND" check "$T/bad.yaml" -n n1 2>&1); rc=$?
check "check exits 1 on a bad file" test "$rc" = 1
check "check names file:line:column, key and problem" grep -q "bad.yaml:3:.*vnets.x.zone.*nowhere" <<<"$out"
finish
