#!/bin/bash
# When the kernel drops events (ENOBUFS on a deliberately small event buffer), sdnd re-reads
# everything at once and still repairs what happened during the burst, without waiting for the
# periodic resync.
# runs-in: host vm   (the VM run proves it on Debian 12's stock kernel)
. "$(dirname "$0")/lib.sh"
require_root

cat >"$T/sdn.yaml" <<'YAML'
version: 1
zones:
  lab: {type: vxlan, peers: [192.0.2.1, 192.0.2.2]}
vnets:
  web: {zone: lab, tag: 100}
YAML
underlay 1
sdnd_start n1 "$T/sdn.yaml" --event-buffer 4096 -r 3600
wait_for 10 "n1 converges" in_sync n1

{
	for i in $(seq 150); do echo "link add va$i type veth peer name vb$i"; done
	echo "link del vxlan_web"
	echo "link set web mtu 1300"
	for i in $(seq 151 300); do echo "link add va$i type veth peer name vb$i"; done
} >"$T/burst"
ip -n "${P}n1" -batch "$T/burst"

wait_for 5 "the kernel dropped events and sdnd noticed" python3 -c "
import json, sys
d = json.load(open('$T/n1/status.json'))
sys.exit(0 if d['counters']['enobufs'] >= 1 and d['counters']['resyncs'] >= 1 else 1)"
wait_for 5 "vxlan_web deleted during the burst is back" link_is n1 vxlan_web "l.get('master') == 'web'"
wait_for 5 "the MTU changed during the burst is back" link_is n1 web "l['mtu'] == 1450"
wait_for 5 "n1 in sync" in_sync n1
check "the 300 foreign veth pairs are untouched" \
	test "$(ip -n "${P}n1" -o link show type veth | grep -c -E ': v[ab][0-9]+@')" = 600
finish
