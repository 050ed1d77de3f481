#!/bin/bash
# One definition in etcd, every node converges: a real etcd on the underlay, nodes as
# namespaces each running sdnd --store etcd://..., a vxlan zone with peers: auto. Nodes join,
# die (SIGKILL: gone after the lease) and leave (SIGTERM: gone at once); etcd stops and comes
# back; concurrent writers; compaction under a watch; a bad document written into etcd.
# runs-in: host
. "$(dirname "$0")/lib.sh"
require_root

if ! command -v etcd >/dev/null || ! command -v etcdctl >/dev/null; then
	echo "# etcd is not installed (Debian: etcd-server etcd-client)"
	exit 77
fi

STORE=192.0.2.254:2379
TTL=3
etcd_start() {
	ip netns exec "${P}ul" etcd --name t --data-dir "$T/etcd" \
		--listen-client-urls "http://$STORE" --advertise-client-urls "http://$STORE" \
		--listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
		--initial-cluster t=http://127.0.0.1:2380 >>"$T/etcd.log" 2>&1 &
	ETCD=$!
	DAEMONS+=("$ETCD")
	wait_for 20 "etcd answers on $STORE" ectl endpoint health
}
ectl() { ip netns exec "${P}ul" etcdctl --endpoints "http://$STORE" "$@"; }
ctl() { local n=$1; shift; "$SDNCTL" -S "$T/$n/sdnd.sock" "$@"; }
start_node() { sdnd_start "$1" "$T/none.yaml" --store "etcd://$STORE" --lease-ttl "$TTL"; }
# fdb_none NODE DST: no flooding entry towards DST on vxlan_web
fdb_none() { ! bridge -n "$P$1" fdb show dev vxlan_web 2>/dev/null | grep -q "dst $2 "; }
# applied NODE REV: the node's status in the store says it runs REV with nothing pending
applied() {
	ectl get --print-value-only "/sdnd/status/$1" | python3 -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(0 if d["revision"] >= int(sys.argv[1]) and d["pending"] == 0 else 1)' "$2"
}
rev_of_config() { ectl get /sdnd/config -w json | python3 -c 'import json,sys; print(json.load(sys.stdin)["kvs"][0]["mod_revision"])'; }

underlay 4
ip -n "${P}ul" link set lo up
ip -n "${P}ul" addr add 192.0.2.254/24 dev ul
etcd_start

cat >"$T/v1.yaml" <<'YAML'
version: 1
zones:
  lab: {type: vxlan, peers: auto}
vnets:
  web: {zone: lab, tag: 100}
YAML
ectl put /sdnd/config <"$T/v1.yaml" >/dev/null
REV1=$(rev_of_config)

log "three nodes take the definition from etcd"
for n in n1 n2 n3; do start_node "$n"; done
for n in n1 n2 n3; do wait_for 15 "$n converges on revision $REV1" applied "$n" "$REV1"; done
check "n1 floods web to n2 and n3 (peers: auto)" bash -c "bridge -n ${P}n1 fdb show dev vxlan_web | grep -q 'dst 192.0.2.2 ' && bridge -n ${P}n1 fdb show dev vxlan_web | grep -q 'dst 192.0.2.3 '"
check "... and not to itself" fdb_none n1 192.0.2.1
check "vxlan_web on n2: local 192.0.2.2 (its registered underlay)" link_is n2 vxlan_web "l['linkinfo']['info_data']['local'] == '192.0.2.2'"
check "each node registered itself" bash -c "[ \"\$(ip netns exec ${P}ul etcdctl --endpoints http://$STORE get --prefix --keys-only /sdnd/nodes/ | grep -c .)\" = 3 ]"
vm n1 web vm1 10.0.0.1/24
vm n3 web vm3 10.0.0.3/24
wait_for 10 "VMs on n1 and n3 ping across the auto tunnel" pings vm1 10.0.0.3
check "sdnctl status --cluster: every node alive and applied" ctl n2 status --cluster
ctl n2 status --cluster | sed 's/^/#   /'

log "a node added later is meshed in"
start_node n4
wait_for 10 "n1 floods web to the new n4" bash -c "bridge -n ${P}n1 fdb show dev vxlan_web | grep -q 'dst 192.0.2.4 '"
wait_for 10 "n4 floods web to n1" bash -c "bridge -n ${P}n4 fdb show dev vxlan_web | grep -q 'dst 192.0.2.1 '"

log "a node killed is removed after its lease expires; one stopped cleanly at once"
kill -9 "$PID_n4"
t0=$(date +%s%N)
wait_for $((TTL + 3)) "n1 drops n4's tunnel after the lease ($TTL s)" fdb_none n1 192.0.2.4
log "removed after $(elapsed_ms "$t0") ms"
sdnd_stop n3
t0=$(date +%s%N)
wait_for 2 "n1 drops n3's tunnel at once when n3 stops" fdb_none n1 192.0.2.3
log "removed after $(elapsed_ms "$t0") ms"
check "n2 too" fdb_none n2 192.0.2.3
start_node n3
wait_for 10 "n3 back: n1 floods to it again" bash -c "bridge -n ${P}n1 fdb show dev vxlan_web | grep -q 'dst 192.0.2.3 '"
wait_for 10 "VMs ping across again" pings vm1 10.0.0.3

log "sdnctl apply writes to etcd; --wait returns when every live node applied it"
sed 's/^vnets:/vnets:\n  db: {zone: lab, tag: 200}/' "$T/v1.yaml" >"$T/v2.yaml"
check "sdnctl apply --wait on n2" ctl n2 apply -f "$T/v2.yaml" --wait --timeout 20
REV2=$(rev_of_config)
check "the store holds the new document (revision $REV2 > $REV1)" test "$REV2" -gt "$REV1"
for n in n1 n2 n3; do check "$n has vnet db" ip -n "$P$n" link show db; done

log "two writers with the same base revision: one wins, the other is told"
ETAG=$(curl -s -o /dev/null -D - --unix-socket "$T/n1/sdnd.sock" http://sdnd/v1/config | tr -d '\r' | awk -F': ' 'tolower($1) == "etag" {print $2}')
codes=$(for n in n1 n3; do
	curl -s -o /dev/null -w '%{http_code}\n' --unix-socket "$T/$n/sdnd.sock" -X PUT \
		-H 'Content-Type: application/yaml' -H "If-Match: $ETAG" --data-binary @"$T/v1.yaml" \
		http://sdnd/v1/config &
done; wait)
check "one PUT succeeded and one got 412 ($(echo $codes))" test "$(echo "$codes" | sort | tr '\n' ' ')" = "200 412 "
REV3=$(rev_of_config)
for n in n1 n2 n3; do wait_for 10 "$n converges on revision $REV3" applied "$n" "$REV3"; done

log "a bad document written straight into etcd: rejected everywhere, nothing disturbed"
printf 'version: 1\nzones:\n  lab: {type: vxlan, peers: auto}\nvnets:\n  web: {zone: nowhere, tag: 100}\n' | ectl put /sdnd/config >/dev/null
REVBAD=$(rev_of_config)
for n in n1 n2 n3; do
	wait_for 10 "$n reports revision $REVBAD rejected" bash -c "ip netns exec ${P}ul etcdctl --endpoints http://$STORE get --print-value-only /sdnd/status/$n | grep -q '\"rejected_revision\":$REVBAD'"
done
check "the error names the key" bash -c "ip netns exec ${P}ul etcdctl --endpoints http://$STORE get --print-value-only /sdnd/status/n1 | grep -q 'vnets.web.zone'"
check "web still runs on n1" ip -n "${P}n1" link show web
check "sdnctl status --cluster shows the rejection" bash -c "$SDNCTL -S $T/n1/sdnd.sock status --cluster | grep -q 'revision $REVBAD rejected'"
check "... and exits 6 (not in sync)" bash -c "$SDNCTL -S $T/n1/sdnd.sock status --cluster >/dev/null; [ \$? = 6 ]"
wait_for 10 "VMs still ping" pings vm1 10.0.0.3

log "compaction under the watches"
ectl put /sdnd/config <"$T/v2.yaml" >/dev/null
REV4=$(rev_of_config)
for n in n1 n2 n3; do wait_for 10 "$n converges on revision $REV4" applied "$n" "$REV4"; done
ectl put /sdnd/filler x >/dev/null
ectl compact "$(ectl get /sdnd/filler -w json | python3 -c 'import json,sys; print(json.load(sys.stdin)["header"]["revision"])')" >/dev/null
ectl put /sdnd/config <"$T/v1.yaml" >/dev/null
REV5=$(rev_of_config)
for n in n1 n2 n3; do wait_for 10 "$n converges on revision $REV5 after the compaction" applied "$n" "$REV5"; done
wait_for 10 "vnet db is gone on n1" bash -c "! ip -n ${P}n1 link show db"

log "etcd stopped: every node keeps forwarding and repairing"
kill -9 "$ETCD"
wait "$ETCD" 2>/dev/null
wait_for 10 "VMs still ping without etcd" pings vm1 10.0.0.3
ip -n "${P}n1" link del vxlan_web
wait_for 5 "n1 repairs a deleted vxlan_web without etcd" bash -c "ip -n ${P}n1 link show vxlan_web && bridge -n ${P}n1 fdb show dev vxlan_web | grep -q 'dst 192.0.2.3 '"
check "sdnctl apply fails clearly while etcd is down" bash -c "! $SDNCTL -S $T/n1/sdnd.sock apply -f $T/v2.yaml 2>$T/apply.err"
grep -q "not reachable\|did not take" "$T/apply.err" && ok "... saying the store is not reachable" || fail "... saying the store is not reachable ($(cat "$T/apply.err"))"
sdnd_stop n2
start_node n2
wait_for 10 "n2 restarted without etcd runs its last definition" bash -c "ip -n ${P}n2 link show web && grep -q 'until the cluster store answers' $T/n2.log"

log "etcd back: a change converges"
etcd_start
for n in n1 n2 n3; do
	wait_for 15 "$n is connected again" bash -c "$SDNCTL -S $T/$n/sdnd.sock --json status --cluster | grep -q '\"connected\": true'"
done
check "sdnctl apply --wait after etcd is back" ctl n1 apply -f "$T/v2.yaml" --wait --timeout 30
for n in n1 n2 n3; do check "$n has vnet db again" ip -n "$P$n" link show db; done

finish
