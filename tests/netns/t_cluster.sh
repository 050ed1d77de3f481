#!/bin/bash
# One definition in etcd, every node converges: a real etcd on the underlay, spoken to over TLS
# with client certificates and etcd's user/password authentication, nodes as namespaces each
# running sdnd --store etcds://..., a vxlan zone with peers: auto whose MTU follows the smallest
# member underlay. Five nodes join, die (SIGKILL: gone after the lease) and leave (SIGTERM: gone
# at once); a node with a wrong password or without a client certificate is refused, says why
# and keeps running; etcd stops and comes back; concurrent writers; compaction under a watch;
# a bad document written into etcd.
# runs-in: host
. "$(dirname "$0")/lib.sh"
require_root

if ! command -v etcd >/dev/null || ! command -v etcdctl >/dev/null; then
	echo "# etcd is not installed (Debian: etcd-server etcd-client)"
	exit 77
fi
if ! command -v openssl >/dev/null; then
	echo "# openssl is not installed (the test makes etcd's certificates with it)"
	exit 77
fi

STORE=192.0.2.254:2379
TTL=3
PKI=$T/pki
ROOT_PW=$(openssl rand -hex 12)

# cert NAME CN EXTENSIONS: a P-256 key and certificate signed by the test's CA (CN "": none)
cert() {
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/O=sdnd${2:+/CN=$2}" \
		-keyout "$PKI/$1.key" -out "$PKI/$1.csr" &&
		openssl x509 -req -in "$PKI/$1.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" \
			-set_serial "0x$(openssl rand -hex 8)" -days 1 -extfile <(printf '%s\n' "$3") \
			-out "$PKI/$1.crt"
}
# etcd's certificate names no etcd user: its JSON gateway presents it to etcd itself, so a
# request without a token has no rights. The client's has no CN at all: etcd's gateway refuses
# client certificates with one (it could not take the CN for the user, as gRPC clients do).
pki() {
	mkdir "$PKI" &&
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
			-subj /CN=sdnd-test-ca -keyout "$PKI/ca.key" -out "$PKI/ca.crt" &&
		cert server etcd-server \
			$'subjectAltName=IP:192.0.2.254\nextendedKeyUsage=serverAuth,clientAuth' &&
		cert client '' 'extendedKeyUsage=clientAuth'
} >>"$T/openssl.log" 2>&1
pki || { fail "openssl makes a CA, etcd's certificate and a client certificate"; exit 1; }
openssl rand -hex 12 >"$T/sdnd.pw"
echo wrong-password >"$T/wrong.pw"
chmod 600 "$T/sdnd.pw" "$T/wrong.pw"

etcd_start() {
	ip netns exec "${P}ul" etcd --name t --data-dir "$T/etcd" \
		--listen-client-urls "https://$STORE" --advertise-client-urls "https://$STORE" \
		--cert-file "$PKI/server.crt" --key-file "$PKI/server.key" \
		--client-cert-auth --trusted-ca-file "$PKI/ca.crt" \
		--listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
		--initial-cluster t=http://127.0.0.1:2380 >>"$T/etcd.log" 2>&1 &
	ETCD=$!
	DAEMONS+=("$ETCD")
	wait_for 20 "etcd answers on https://$STORE" ectl endpoint health
}
# etcdctl as etcd's root user (once authentication is on)
ECTL_USER=()
ectl() {
	ip netns exec "${P}ul" etcdctl --endpoints "https://$STORE" --cacert "$PKI/ca.crt" \
		--cert "$PKI/client.crt" --key "$PKI/client.key" "${ECTL_USER[@]}" "$@"
}
# gw PATH BODY [CURL-ARGS...]: a POST to etcd's JSON gateway, the answer on stdout
gw() {
	local path=$1 body=$2; shift 2
	ip netns exec "${P}ul" curl -s --cacert "$PKI/ca.crt" "$@" -d "$body" "https://$STORE$path"
}
ctl() { local n=$1; shift; "$SDNCTL" -S "$T/$n/sdnd.sock" "$@"; }
TLS=(--store-cacert "$PKI/ca.crt" --store-cert "$PKI/client.crt" --store-key "$PKI/client.key")
start_node() {
	sdnd_start "$1" "$T/none.yaml" --store "etcds://$STORE" "${TLS[@]}" \
		--store-user sdnd --store-password-file "$T/sdnd.pw" --lease-ttl "$TTL"
}
# (the helpers that poll use grep, not python: its start takes up to half a second on a busy machine)
# flood_dsts NODE: where NODE floods web to (its all-zeros entries on vxlan_web), one a line
flood_dsts() {
	bridge -n "$P$1" fdb show dev vxlan_web 2>/dev/null |
		awk '$1 == "00:00:00:00:00:00" { for (i = 2; i < NF; i++) if ($i == "dst") print $(i + 1) }' |
		sort
}
# floods NODE DST: NODE has a flooding entry towards DST on vxlan_web
floods() { flood_dsts "$1" | grep -qx -- "$2"; }
# fdb_none NODE DST: no flooding entry towards DST on vxlan_web
fdb_none() { ! bridge -n "$P$1" fdb show dev vxlan_web 2>/dev/null | grep -q "dst $2 "; }
# floods_all NODE I...: NODE floods web to 192.0.2.I for each I, and nowhere else
floods_all() {
	local node=$1; shift
	[ "$(flood_dsts "$node")" = "$(printf '192.0.2.%s\n' "$@" | sort)" ]
}
# mtu_is NODE MTU: vnet web's bridge and its vxlan device both have MTU
mtu_is() {
	ip -n "$P$1" -j link show dev web 2>/dev/null | grep -q "\"mtu\":$2," &&
		ip -n "$P$1" -j link show dev vxlan_web 2>/dev/null | grep -q "\"mtu\":$2,"
}
# registered N: N nodes are registered in the store
registered() { [ "$(ectl get --prefix --keys-only /sdnd/nodes/ | grep -c .)" = "$1" ]; }
# status_has NODE TEXT: the node's status in the store contains TEXT
status_has() { ectl get --print-value-only "/sdnd/status/$1" | grep -qF -- "$2"; }
# applied NODE REV: the node's status in the store says it runs REV with nothing pending
applied() {
	ectl get --print-value-only "/sdnd/status/$1" | python3 -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(0 if d["revision"] >= int(sys.argv[1]) and d["pending"] == 0 else 1)' "$2"
}
# node_mtu NODE MTU: the node's registration in the store carries MTU
node_mtu() { ectl get --print-value-only "/sdnd/nodes/$1" | grep -Eq "\"mtu\": ?$2[,}]"; }
# read_config [CURL-ARGS...]: read /sdnd/config through the gateway as curl would
read_config() { gw /v3/kv/range "{\"key\": \"$(printf /sdnd/config | base64)\"}" "$@"; }
no_cert_refused() { ! read_config; }
tokenless_refused() {
	read_config --cert "$PKI/client.crt" --key "$PKI/client.key" | grep -q 'user name is empty'
}
auth_on() { ectl auth enable | grep -q 'Authentication Enabled'; }
# alive_then_stops NODE: the node's daemon still runs, stops on SIGTERM and exits 0
alive_then_stops() {
	local pid
	pid=$(eval echo "\$PID_$1")
	kill -0 "$pid" && sdnd_stop "$1" && wait "$pid"
}
# unreachable_because NODE TEXT: sdnctl status --cluster on NODE says it is not connected, and why
unreachable_because() {
	ctl "$1" status --cluster | head -n 1 | grep -qi -- "(not reachable from this node: .*$2"
}
rev_of_config() { ectl get /sdnd/config -w json | python3 -c 'import json,sys; print(json.load(sys.stdin)["kvs"][0]["mod_revision"])'; }
# log_since NODE OFFSET TEXT: the node's log, after its first OFFSET bytes, contains TEXT
log_since() { tail -c +"$(($2 + 1))" "$T/$1.log" | grep -qiF -- "$3"; }
# etcd_log_since OFFSET TEXT: etcd's log, after its first OFFSET bytes, contains TEXT
etcd_log_since() { tail -c +"$(($1 + 1))" "$T/etcd.log" | grep -qiF -- "$2"; }
log_size() { stat -c %s "$T/$1.log" 2>/dev/null || echo 0; }

underlay 5
ip -n "${P}ul" link set lo up
ip -n "${P}ul" addr add 192.0.2.254/24 dev ul
etcd_start

log "etcd: TLS with client certificates, and a user sdnd that may use /sdnd/ only"
ectl user add "root:$ROOT_PW" >/dev/null
ectl role add sdnd >/dev/null
ectl role grant-permission --prefix=true sdnd readwrite /sdnd/ >/dev/null
ectl user add "sdnd:$(cat "$T/sdnd.pw")" >/dev/null
ectl user grant-role sdnd sdnd >/dev/null
check "etcd authentication is on" auth_on
ECTL_USER=(--user "root:$ROOT_PW")
check "etcd refuses a client without a certificate" no_cert_refused
check "... and a request without a token" tokenless_refused

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
check "n1 floods web to n2 and n3 (peers: auto), not to itself" floods_all n1 2 3
check "vxlan_web on n2: local 192.0.2.2 (its registered underlay)" link_is n2 vxlan_web "l['linkinfo']['info_data']['local'] == '192.0.2.2'"
check "each node registered itself" registered 3
for n in n1 n2 n3; do check "$n: web and vxlan_web at MTU 1450 (1500 underlays, less 50)" mtu_is "$n" 1450; done
vm n1 web vm1 10.0.0.1/24
vm n3 web vm3 10.0.0.3/24
wait_for 10 "VMs on n1 and n3 ping across the auto tunnel" pings vm1 10.0.0.3
check "sdnctl status --cluster: every node alive and applied" ctl n2 status --cluster
ctl n2 status --cluster | sed 's/^/#   /'

log "nodes added later are meshed in; one with a 1400-byte underlay lowers everyone's MTU"
start_node n4
wait_for 10 "n1 floods web to the new n4" floods n1 192.0.2.4
wait_for 10 "n4 floods web to n1, n2, n3" floods_all n4 1 2 3
for n in n1 n2 n3 n4; do check "$n: MTU 1450 before n5 joins" mtu_is "$n" 1450; done
ip -n "${P}ul" link set p5 mtu 1400
ip -n "${P}n5" link set eth0 mtu 1400
start_node n5
wait_for 10 "n5 registered with its underlay's MTU 1400" node_mtu n5 1400
for i in 1 2 3 4 5; do
	wait_for 10 "n$i floods web to the four others" floods_all "n$i" $(seq 5 | grep -vx "$i")
done
for n in n1 n2 n3 n4 n5; do wait_for 10 "$n: web and vxlan_web at MTU 1350 (1400 less 50)" mtu_is "$n" 1350; done
vm n5 web vm5 10.0.0.5/24
wait_for 10 "a packet of the new MTU (1350 bytes, DF) from vm1 reaches vm5 behind the small underlay" \
	ip netns exec "${P}vm1" ping -c 1 -W 1 -M do -s 1322 10.0.0.5
sdnd_stop n5
for n in n1 n2 n3 n4; do wait_for 5 "$n: back to MTU 1450 once n5 left" mtu_is "$n" 1450; done
check "n1 no longer floods to n5" fdb_none n1 192.0.2.5
check "n5's registration is gone from the store" registered 4

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
wait_for 10 "n3 back: n1 floods to it again" floods n1 192.0.2.3
wait_for 10 "VMs ping across again" pings vm1 10.0.0.3

log "a wrong password, or no client certificate: refused; the node says why and keeps running"
off=$(log_size n4)
eoff=$(stat -c %s "$T/etcd.log")
sdnd_start n4 "$T/none.yaml" --store "etcds://$STORE" "${TLS[@]}" \
	--store-user sdnd --store-password-file "$T/wrong.pw" --lease-ttl "$TTL"
wait_for 10 "etcd refuses n4's password" etcd_log_since "$eoff" "invalid password"
wait_for 5 "n4's log says the authentication failed" log_since n4 "$off" "authentication failed"
wait_for 5 "sdnctl status --cluster on n4: not connected, authentication failed" unreachable_because n4 "authentication failed"
check "n4 is not registered" registered 3
check "n4 is still running, and stops cleanly" alive_then_stops n4
off=$(log_size n4)
eoff=$(stat -c %s "$T/etcd.log")
sdnd_start n4 "$T/none.yaml" --store "etcds://$STORE" --store-cacert "$PKI/ca.crt" \
	--store-user sdnd --store-password-file "$T/sdnd.pw" --lease-ttl "$TTL"
wait_for 10 "etcd refuses n4 without a client certificate" etcd_log_since "$eoff" "didn't provide a certificate"
wait_for 5 "n4's log says its certificate was refused" log_since n4 "$off" "certificate"
wait_for 5 "sdnctl status --cluster on n4: not connected, certificate refused" unreachable_because n4 "certificate"
check "n4 is not registered" registered 3
check "n4 is still running, and stops cleanly" alive_then_stops n4

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

log "sdnd check and plan FILE --store: a definition checked offline, with the nodes last known"
check "sdnd check --store: v1 is valid for the cluster store" \
	"$SDND" check "$T/v1.yaml" --store "etcds://$STORE" -s "$T/n1" -n n1
check "... peers: auto are the 3 nodes n1 last knew alive" bash -c \
	"'$SDND' check '$T/v1.yaml' --store etcds://$STORE -s '$T/n1' -n n1 2>&1 | grep -q 'the 3 nodes last known alive'"
sed 's/^vnets:/vnets:\n  app: {zone: lab, tag: 300}/' "$T/v1.yaml" >"$T/v3.yaml"
ip netns exec "${P}n1" "$SDND" plan "$T/v3.yaml" --store "etcds://$STORE" -s "$T/n1" -n n1 >"$T/plan.out" 2>&1
check "sdnd plan --store on n1: vnet app would flood to n2 and n3" bash -c \
	"grep -q 'create fdb vxlan_app.*dst 192.0.2.2' '$T/plan.out' && grep -q 'create fdb vxlan_app.*dst 192.0.2.3' '$T/plan.out'"
check "... and nothing else changes" bash -c "! grep -v 'vnet app' '$T/plan.out' | grep -q '^\(create\|update\|replace\|delete\) '"
check "... and nothing was made" bash -c "! ip -n ${P}n1 link show app 2>/dev/null"
printf 'version: 1\nnode: n1\n' >"$T/node.yaml"
check "sdnd check --store: a node: key is an error (exit 1), named with its place" bash -c \
	"out=\$('$SDND' check '$T/node.yaml' --store etcds://$STORE -s '$T/n1' 2>&1); [ \$? = 1 ] && echo \"\$out\" | grep -q 'node.yaml:2:7: node: a cluster store.s definition is every node.s'"

log "a write waits for etcd without holding its node up"
put_cfg() { # NODE FILE OUT: PUT /v1/config in the background; OUT.code, OUT.body
	curl -s --max-time 30 -o "$3.body" -w '%{http_code}' --unix-socket "$T/$1/sdnd.sock" -X PUT \
		-H 'Content-Type: application/yaml' --data-binary @"$2" http://sdnd/v1/config >"$3.code"
}
off=$(log_size n1)
kill -STOP "$ETCD"
put_cfg n1 "$T/v2.yaml" "$T/put1" &
PUT1=$!
wait_for 2 "n1 is writing to the (frozen) store" log_since n1 "$off" "writing the definition"
check "n1 answers GET /v1/status meanwhile" timeout 1 curl -sf -o /dev/null --unix-socket "$T/n1/sdnd.sock" http://sdnd/v1/status
ip -n "${P}n1" link del vxlan_web
wait_for 2 "n1 repairs a deleted vxlan_web meanwhile" floods n1 192.0.2.2
kill -CONT "$ETCD"
wait "$PUT1"
check "the write is answered when etcd goes on: 200" test "$(cat "$T/put1.code")" = 200
REVW=$(rev_of_config)
for n in n1 n2 n3; do wait_for 10 "$n converges on revision $REVW" applied "$n" "$REVW"; done

log "a node stopped while a write waits: the writer is told, the node stops cleanly"
off=$(log_size n2)
kill -STOP "$ETCD"
put_cfg n2 "$T/v1.yaml" "$T/put2" &
PUT2=$!
wait_for 2 "n2 is writing to the (frozen) store" log_since n2 "$off" "writing the definition"
check "n2 stops on SIGTERM with the write waiting, and exits 0" alive_then_stops n2
kill -CONT "$ETCD"
wait "$PUT2"
check "the writer got 503 ($(cat "$T/put2.code"))" test "$(cat "$T/put2.code")" = 503
check "... saying the node stopped" grep -q "sdnd is stopping" "$T/put2.body"
start_node n2
REVW=$(rev_of_config)
wait_for 10 "n2 back on revision $REVW" applied n2 "$REVW"

log "a bad document written straight into etcd: rejected everywhere, nothing disturbed"
printf 'version: 1\nzones:\n  lab: {type: vxlan, peers: auto}\nvnets:\n  web: {zone: nowhere, tag: 100}\n' | ectl put /sdnd/config >/dev/null
REVBAD=$(rev_of_config)
for n in n1 n2 n3; do
	wait_for 10 "$n reports revision $REVBAD rejected" status_has "$n" "\"rejected_revision\":$REVBAD"
done
check "the error names the key" status_has n1 vnets.web.zone
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
wait_for 10 "sdnctl status --cluster on n1: the store not reachable, and why" unreachable_because n1 "192.0.2.254"
check "... the others' liveness unknown there" bash -c "$SDNCTL -S $T/n1/sdnd.sock status --cluster | grep -Eq '^n2 +\? '"
ip -n "${P}n1" link del vxlan_web
wait_for 5 "n1 repairs a deleted vxlan_web without etcd" bash -c "ip -n ${P}n1 link show vxlan_web && bridge -n ${P}n1 fdb show dev vxlan_web | grep -q 'dst 192.0.2.3 '"
check "sdnctl apply fails clearly while etcd is down" bash -c "! $SDNCTL -S $T/n1/sdnd.sock apply -f $T/v2.yaml 2>$T/apply.err"
grep -q "not reachable\|did not take" "$T/apply.err" && ok "... saying the store is not reachable" || fail "... saying the store is not reachable ($(cat "$T/apply.err"))"
sdnd_stop n2
start_node n2
wait_for 10 "n2 restarted without etcd runs its last definition" bash -c "ip -n ${P}n2 link show web && grep -q 'until the cluster store answers' $T/n2.log"

log "etcd back (the nodes' tokens died with it): a change converges"
etcd_start
for n in n1 n2 n3; do
	wait_for 15 "$n is connected again" bash -c "$SDNCTL -S $T/$n/sdnd.sock --json status --cluster | grep -q '\"connected\": true'"
done
check "sdnctl apply --wait after etcd is back" ctl n1 apply -f "$T/v2.yaml" --wait --timeout 30
for n in n1 n2 n3; do check "$n has vnet db again" ip -n "$P$n" link show db; done

finish
