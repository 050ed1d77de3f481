#!/bin/bash
# The control API on its unix socket: status, plan, the running document, a validated PUT that
# two operators cannot race (If-Match), dry runs, errors with their place, metrics, and access
# for root only (or group sdnd). Attachments: every endpoint and error, the kernel agreeing with
# what the API says, concurrent clients, idle and half-sent requests that must not stall the
# daemon (drift is repaired meanwhile), and the optional TCP listener with its bearer token.
# runs-in: host
. "$(dirname "$0")/lib.sh"
require_root
# A version manager's python3 shim (pyenv) can take a second to start; the checks below start
# python3 a few hundred times and any python3 does.
case $(command -v python3) in */shims/*) [ -x /usr/bin/python3 ] && PATH=/usr/bin:$PATH ;; esac

cat >"$T/sdn.yaml" <<'YAML'
version: 1
zones:
  lab: {type: vxlan, peers: [192.0.2.1, 192.0.2.2]}
vnets:
  web: {zone: lab, tag: 100}
YAML
underlay 1
sdnd_start n1 "$T/sdn.yaml"
wait_for 10 "n1 converges" in_sync n1
S=$T/n1/sdnd.sock
api() { curl -s --max-time 10 --unix-socket "$S" "$@"; }
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 --unix-socket "$S" "$@"; }
jq_() { python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if ($1) else 1)"; }
Y='Content-Type: application/yaml'

check "the socket is mode 0660, owned by root" test "$(stat -c '%a %U' "$S")" = "660 root"
check "GET /v1/status: node and generation" bash -c "$(declare -f api jq_); S=$S; api http://x/v1/status | jq_ \"d['node'] == 'n1' and d['generation'] == 1 and d['summary']['in-sync'] == 3\""
check "GET /v1/config: the running document, ETag = generation" bash -c "curl -s -i --unix-socket $S http://x/v1/config | grep -q '^ETag: \"1\"' && curl -s --unix-socket $S http://x/v1/config | cmp -s - $T/sdn.yaml"
check "GET /v1/plan: nothing to do" bash -c "$(declare -f api jq_); S=$S; api http://x/v1/plan | jq_ \"d['actions'] == []\""

cp "$T/sdn.yaml" "$T/new.yaml"
echo "  db: {zone: lab, tag: 0}" >>"$T/new.yaml"
settle n1
before=$(snapshot n1)
out=$(api -X PUT -H "$Y" --data-binary @"$T/new.yaml" http://x/v1/config)
check "a bad document: 400 with every error and its place" jq_ "d['error'] == 'invalid configuration' and d['errors'] == ['request:6:24: vnets.db.tag: expected an integer between 1 and 16777215, got 0']" <<<"$out"
check "... and nothing changed" test "$before" = "$(snapshot n1)"

sed -i 's/tag: 0}/tag: 200}/' "$T/new.yaml"
out=$(api -X PUT -H "$Y" --data-binary @"$T/new.yaml" 'http://x/v1/config?dry_run=1')
check "dry_run=1 returns the plan" jq_ "any(a['action'] == 'create' and a['name'] == 'vxlan_db' for a in d['plan']['actions'])" <<<"$out"
check "... and applies nothing" bash -c "! ip -n ${P}n1 link show db"
check "a stale If-Match gets 412" test "$(code -X PUT -H "$Y" -H 'If-Match: "7"' --data-binary @"$T/new.yaml" http://x/v1/config)" = 412
out=$(api -X PUT -H "$Y" -H 'If-Match: "1"' --data-binary @"$T/new.yaml" http://x/v1/config)
check "a PUT with the current generation is applied as generation 2" jq_ "d['generation'] == 2" <<<"$out"
wait_for 3 "vnet db exists" link_is n1 vxlan_db "l.get('master') == 'db'"
check "the document is written to the configuration file" cmp -s "$T/new.yaml" "$T/sdn.yaml"
sleep 0.3
check "writing it did not count as another reload" bash -c "$(declare -f api jq_); S=$S; api http://x/v1/status | jq_ \"d['generation'] == 2\""

check "unknown resource: 404" test "$(code http://x/v2/nope)" = 404
check "wrong method: 405" test "$(code -X DELETE http://x/v1/status)" = 405
check "wrong content type: 415" test "$(code -X PUT -H 'Content-Type: image/png' --data-binary @"$T/new.yaml" http://x/v1/config)" = 415
head -c 5000000 /dev/zero | tr '\0' a >"$T/big"
check "a body over 4 MiB: 413" test "$(code -X PUT -H "$Y" --data-binary @"$T/big" http://x/v1/config)" = 413
check "GET /metrics: Prometheus text" bash -c "$(declare -f api); S=$S; api http://x/metrics | grep -q '^sdnd_generation 2$' && api http://x/metrics | grep -q '^sdnd_apply_duration_seconds_count [1-9]'"
check "a user who is neither root nor in group sdnd is refused" \
	bash -c "! setpriv --reuid=65534 --regid=65534 --clear-groups curl -s --max-time 5 --unix-socket $S http://x/v1/status"
check "the daemon is still serving" test "$(code http://x/v1/status)" = 200

# --- attachments ---------------------------------------------------------------------------
J='Content-Type: application/json'
N1=${P}n1
# req CURL-ARGS...: the status code on stdout, the body in $T/body
req() { curl -s -o "$T/body" -w '%{http_code}' --max-time 10 --unix-socket "$S" "$@"; }
# expect DESCRIPTION CODE PYTHON-EXPR CURL-ARGS...: the answer has CODE and its JSON body (d) EXPR
expect() {
	local what=$1 want=$2 expr=$3 got; shift 3
	got=$(req "$@")
	if [ "$got" = "$want" ] && jq_ "$expr" <"$T/body" 2>/dev/null; then
		ok "$what"
	else
		fail "$what (got $got: $(head -c 300 "$T/body" | tr '\n' ' '))"
	fi
}
# expect_err DESCRIPTION CODE WHERE CURL-ARGS...: an error answer naming WHERE
expect_err() {
	local what=$1 want=$2 where=$3; shift 3
	expect "$what" "$want" "d.get('where') == '$where' and bool(d.get('error'))" "$@"
}
A=http://x/v1/attachments
# guest IFNAME: a veth in n1 (a VM's tap stand-in) whose peer is up, so the port can forward
guest() { ip -n "$N1" link add "$1" type veth peer name "$1p" && ip -n "$N1" link set "$1p" up; }
# plugged BRIDGE IFNAME...: each in BRIDGE, forwarding, up, with the vnet's MTU (one dump)
plugged() {
	local br=$1; shift
	ip -n "$N1" -j -d link show | python3 -c '
import json, sys
links = {l["ifname"]: l for l in json.load(sys.stdin)}
def ok(n):
    l = links.get(n)
    return l and l.get("master") == sys.argv[1] and l.get("mtu") == 1450 and "UP" in l["flags"] \
        and l["linkinfo"].get("info_slave_data", {}).get("state") == "forwarding"
sys.exit(0 if all(ok(n) for n in sys.argv[2:]) else 1)' "$br" "$@"
}
unplugged() { link_is n1 "$1" "'master' not in l"; }
static_fdb() {
	bridge -n "$N1" -j fdb show dev "$1" 2>/dev/null | python3 -c "
import json, sys
sys.exit(0 if any(e.get('mac') == '$2' and e.get('state') == 'static' and e.get('master') == 'web'
                  for e in json.load(sys.stdin)) else 1)"
}
att_state() { api "$A/$1" | jq_ "d.get('state') == '$2'"; }

guest a1
body='{"vnet": "web", "mac": "bc:24:11:00:00:01", "learning": false, "owner": "vm/100"}'
expect "PUT a new attachment: 201, plugged before the answer" 201 \
	"d['ifname'] == 'a1' and d['vnet'] == 'web' and d['state'] == 'plugged' and d['owner'] == 'vm/100' and d['learning'] is False and d['mac'] == 'bc:24:11:00:00:01'" \
	-X PUT -H "$J" -d "$body" "$A/a1"
check "... the kernel agrees: a1 in web, forwarding, mtu 1450" plugged web a1
check "... learning off on the port" link_is n1 a1 "l['linkinfo']['info_slave_data']['learning'] is False"
check "... and a static FDB entry for its MAC" static_fdb a1 bc:24:11:00:00:01
cp "$T/body" "$T/first"
expect "PUT of the same attachment again: 200, unchanged" 200 "d['state'] == 'plugged'" \
	-X PUT -H "$J" -d "$body" "$A/a1"
check "... with the same body" cmp -s "$T/first" "$T/body"
expect "GET /v1/attachments/a1: plugged" 200 "d['state'] == 'plugged' and d['vnet'] == 'web' and d['owner'] == 'vm/100'" "$A/a1"
expect "GET /v1/attachments: the list and its summary" 200 \
	"[a['ifname'] for a in d['attachments']] == ['a1'] and d['attachment_summary']['plugged'] == 1" "$A"
expect "GET /v1/status lists attachments and their summary" 200 \
	"[a['ifname'] for a in d['attachments']] == ['a1'] and d['attachment_summary']['plugged'] == 1" http://x/v1/status

expect "PUT for an interface that does not exist yet: 201, absent" 201 "d['state'] == 'absent'" \
	-X PUT -H "$J" -d '{"vnet": "web"}' "$A/late"
guest late
wait_for 3 "... plugged as soon as it appears" plugged web late
wait_for 3 "... and the API says so" att_state late plugged
expect "PUT replacing an attachment (owner added): 200" 200 "d['owner'] == 'vm/101' and d['state'] == 'plugged'" \
	-X PUT -H "$J" -d '{"vnet": "web", "owner": "vm/101"}' "$A/late"
expect "PUT moving a port to another vnet: 200, plugged into db" 200 "d['vnet'] == 'db' and d['state'] == 'plugged'" \
	-X PUT -H "$J" -d '{"vnet": "db"}' "$A/late"
check "... the kernel agrees" plugged db late

# every error, with its place
expect_err "garbage body: 400 body" 400 body -X PUT -H "$J" -d '{nope' "$A/e1"
expect_err "empty body: 400 body" 400 body -X PUT -H "$J" "$A/e1"
expect_err "a JSON array: 400 body" 400 body -X PUT -H "$J" -d '[{"vnet": "web"}]' "$A/e1"
expect_err "a JSON string: 400 body" 400 body -X PUT -H "$J" -d '"web"' "$A/e1"
expect_err "vlan out of range: 400 vlan" 400 vlan -X PUT -H "$J" -d '{"vnet": "web", "vlan": 4095}' "$A/e1"
expect_err "vlan as a string: 400 vlan" 400 vlan -X PUT -H "$J" -d '{"vnet": "web", "vlan": "10"}' "$A/e1"
expect_err "a bad MAC: 400 mac" 400 mac -X PUT -H "$J" -d '{"vnet": "web", "mac": "bc:24:11:00:00"}' "$A/e1"
expect_err "a multicast MAC: 400 mac" 400 mac -X PUT -H "$J" -d '{"vnet": "web", "mac": "01:00:5e:00:00:01"}' "$A/e1"
expect_err "bad trunks: 400 trunks" 400 trunks -X PUT -H "$J" -d '{"vnet": "web", "trunks": "10-x"}' "$A/e1"
expect_err "trunks high to low: 400 trunks" 400 trunks -X PUT -H "$J" -d '{"vnet": "web", "trunks": "20-10"}' "$A/e1"
expect_err "an unknown field: 400 naming it" 400 colour -X PUT -H "$J" -d '{"vnet": "web", "colour": "red"}' "$A/e1"
expect_err "learning false without a MAC: 400 learning" 400 learning -X PUT -H "$J" -d '{"vnet": "web", "learning": false}' "$A/e1"
expect_err "no vnet: 400 vnet" 400 vnet -X PUT -H "$J" -d '{"mac": "bc:24:11:00:00:09"}' "$A/e1"
expect_err "an interface name that is too long: 400 ifname" 400 ifname -X PUT -H "$J" -d '{"vnet": "web"}' "$A/abcdefghijklmnop"
expect_err "an interface name with a space: 400 ifname" 400 ifname -X PUT -H "$J" -d '{"vnet": "web"}' "$A/a%20b"
expect_err "a vnet that does not exist: 409 vnet" 409 vnet -X PUT -H "$J" -d '{"vnet": "nope"}' "$A/e1"
expect_err "VLAN on a vnet that is not vlanaware: 409 vlan" 409 vlan -X PUT -H "$J" -d '{"vnet": "web", "vlan": 10}' "$A/e1"
expect_err "trunks on a vnet that is not vlanaware: 409 trunks" 409 trunks -X PUT -H "$J" -d '{"vnet": "web", "trunks": "10-20;30"}' "$A/e1"
expect_err "sdnd's own VXLAN device: 409 ifname" 409 ifname -X PUT -H "$J" -d '{"vnet": "web"}' "$A/vxlan_web"
expect_err "sdnd's own bridge: 409 ifname" 409 ifname -X PUT -H "$J" -d '{"vnet": "db"}' "$A/web"
expect_err "curl's default form type: 415" 415 Content-Type -X PUT -d '{"vnet": "web"}' "$A/e1"
expect_err "text/plain: 415" 415 Content-Type -X PUT -H 'Content-Type: text/plain' -d '{"vnet": "web"}' "$A/e1"
expect_err "GET of no attachment: 404 ifname" 404 ifname "$A/e1"
expect_err "DELETE of no attachment: 404 ifname" 404 ifname -X DELETE "$A/e1"
check "POST on an attachment: 405, Allow: GET, PUT, DELETE" bash -c \
	"curl -s -i -X POST --unix-socket $S $A/a1 | tr -d '\r' | grep -q '^Allow: GET, PUT, DELETE\$' && test \$(curl -s -o /dev/null -w '%{http_code}' -X POST --unix-socket $S $A/a1) = 405"
check "PUT on the list: 405, Allow: GET" bash -c \
	"curl -s -i -X PUT -H '$J' -d '{}' --unix-socket $S $A | tr -d '\r' | grep -q '^Allow: GET\$'"
expect "a body over 4 MiB on the attachment route: 413" 413 "bool(d.get('error'))" -X PUT -H "$J" --data-binary @"$T/big" "$A/e1"
expect "... and the daemon is fine" 200 "d['node'] == 'n1'" http://x/v1/status
check "no refused request left an attachment behind" bash -c "$(declare -f api jq_); S=$S; api $A | jq_ \"sorted(a['ifname'] for a in d['attachments']) == ['a1', 'late']\""

# a vnet whose zone leaves this node out, and an attachment orphaned by a configuration change
cat >"$T/v3.yaml" <<'YAML'
version: 1
zones:
  lab: {type: vxlan, peers: [192.0.2.1, 192.0.2.2]}
  far: {type: simple, nodes: [n9]}
vnets:
  web: {zone: lab, tag: 100}
  remote: {zone: far}
YAML
check "a new document without vnet db is applied" test "$(code -X PUT -H "$Y" --data-binary @"$T/v3.yaml" http://x/v1/config)" = 200
expect_err "a vnet whose zone leaves this node out: 409 vnet" 409 vnet -X PUT -H "$J" -d '{"vnet": "remote"}' "$A/e1"
check "... the error says why" jq_ "'leave this node out' in d['error']" <"$T/body"
wait_for 3 "the port on the removed vnet db: orphaned" att_state late orphaned
expect_err "an attachment to the removed vnet: 409 vnet" 409 vnet -X PUT -H "$J" -d '{"vnet": "db"}' "$A/e1"
expect "... moved back to web: plugged" 200 "d['state'] == 'plugged'" -X PUT -H "$J" -d '{"vnet": "web"}' "$A/late"
check "... the kernel agrees" plugged web late

expect "DELETE: 200, detached" 200 "d['ifname'] == 'late' and d['state'] == 'detached'" -X DELETE "$A/late"
check "... the kernel agrees: late is in no bridge" unplugged late
expect_err "... and it is gone from the API" 404 ifname "$A/late"

# concurrent clients: 20 PUTs and 20 GETs at once
pids=()
for i in $(seq 20); do guest "c$i"; done
for i in $(seq 20); do
	curl -s -o "$T/c$i.out" -w '%{http_code}' --max-time 20 --unix-socket "$S" -X PUT -H "$J" \
		-d "{\"vnet\": \"web\", \"owner\": \"ct/$i\"}" "$A/c$i" >"$T/c$i.code" &
	pids+=($!)
	curl -s -o "$T/g$i.out" -w '%{http_code}' --max-time 20 --unix-socket "$S" \
		"$([ $((i % 2)) = 0 ] && echo "$A" || echo http://x/v1/status)" >"$T/g$i.code" &
	pids+=($!)
done
wait "${pids[@]}"
conc_ok() {
	local i
	for i in $(seq 20); do
		[ "$(cat "$T/c$i.code")" = 201 ] || return 1
		jq_ "d['ifname'] == 'c$i' and d['owner'] == 'ct/$i' and d['state'] == 'plugged'" <"$T/c$i.out" || return 1
		[ "$(cat "$T/g$i.code")" = 200 ] || return 1
		jq_ "'attachments' in d" <"$T/g$i.out" || return 1
	done
}
check "20 concurrent PUTs: each 201 and plugged; 20 concurrent GETs: each 200 with JSON" conc_ok
check "... the kernel agrees: all 21 ports in web, forwarding" plugged web a1 $(seq -f 'c%g' 20)
expect "... and the API counts 21 plugged" 200 "d['attachment_summary']['plugged'] == 21 and len(d['attachments']) == 21" "$A"

# idle clients: one silent, one with half a request line, one with half a body
python3 - "$S" "$T/hold" <<'PY' &
import os, socket, sys, time
path, flag = sys.argv[1], sys.argv[2]
sends = [b"", b"GET /v1/sta", b"PUT /v1/attachments/zz HTTP/1.1\r\nHost: x\r\n"
         b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"vn"]
socks = []
for data in sends:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    if data:
        s.sendall(data)
    socks.append(s)
open(flag + ".ready", "w").close()
end = time.time() + 40
while not os.path.exists(flag + ".stop") and time.time() < end:
    time.sleep(0.02)
closed = 0
for s in socks:   # still open: nothing to read, no EOF
    s.setblocking(False)
    try:
        closed += s.recv(1, socket.MSG_PEEK) == b""
    except BlockingIOError:
        pass
sys.exit(closed)
PY
holder=$!
wait_for 5 "three idle clients connected" test -e "$T/hold.ready"
t0=$(date +%s%N)
check "with them connected, GET /v1/status is answered" test "$(code --max-time 3 http://x/v1/status)" = 200
check "... within a second ($(elapsed_ms "$t0") ms)" test "$(elapsed_ms "$t0")" -lt 1000
guest c21
expect "... and a PUT is served" 201 "d['state'] == 'plugged'" -X PUT -H "$J" -d '{"vnet": "web"}' "$A/c21"
t0=$(date +%s%N)
ip -n "$N1" link del web
wait_for 3 "drift meanwhile: the deleted bridge web is back with vxlan_web in it" link_is n1 vxlan_web "l.get('master') == 'web'"
wait_for 3 "... and the 21 learning ports are plugged into it again" plugged web $(seq -f 'c%g' 21)
log "bridge and learning ports back after $(elapsed_ms "$t0") ms"
wait_for 1 "... and a1 (learning off, static MAC) within a second too" plugged web a1
wait_for 10 "... a1 eventually back" plugged web a1
wait_for 3 "... with its static FDB entry" static_fdb a1 bc:24:11:00:00:01
wait_for 3 "... and the API shows every attachment plugged" bash -c "$(declare -f api jq_); S=$S; api $A | jq_ \"d['attachment_summary']['plugged'] == 22 and len(d['attachments']) == 22\""
touch "$T/hold.stop"
wait "$holder"
check "the idle clients were never disconnected meanwhile" test $? = 0
check "the daemon still serves" test "$(code http://x/v1/status)" = 200

# the TCP listener and group access, after a restart (attachments survive it)
TOKEN=abcdefghijklmnopqrstuvwxyz012345
printf '%s\n' "$TOKEN" >"$T/token" && chmod 600 "$T/token"
printf '%s\n' "$TOKEN" >"$T/token644" && chmod 644 "$T/token644"
ip netns exec "$N1" "$SDND" -f -c "$T/sdn.yaml" -s "$T/bad" -n n1 --listen 127.0.0.1:8081 >"$T/bad1.log" 2>&1
check "--listen without --token-file: exit 2" test $? = 2
ip netns exec "$N1" timeout 10 "$SDND" -f -c "$T/sdn.yaml" -s "$T/bad" -n n1 --listen 127.0.0.1:8081 \
	--token-file "$T/token644" >"$T/bad2.log" 2>&1
rc=$?
check "a token file with mode 0644: the daemon refuses to start (exit $rc)" test "$rc" = 1
check "... with a message naming the file" grep -q "$T/token644.*mode 0600" "$T/bad2.log"
check "... and listens on nothing" bash -c "! ip netns exec $N1 ss -Hltn | grep -q ':8081 '"
sdnd_stop n1
settle n1
snapshot n1 >"$T/before-restart"
sdnd_start n1 "$T/sdn.yaml" --listen 127.0.0.1:8080 --token-file "$T/token" --group nogroup
answers() { test "$(code --max-time 3 http://x/v1/status)" = 200; }
wait_for 10 "restarted with --listen: the unix socket answers" answers
check "the 22 attachments survived the restart, plugged" bash -c "$(declare -f api jq_); S=$S; api $A | jq_ \"d['attachment_summary']['plugged'] == 22\""
snapshot n1 >"$T/after-restart"
check "... and the kernel did not change" diff "$T/before-restart" "$T/after-restart"
diff "$T/before-restart" "$T/after-restart" | head -20 | sed 's/^/# /'

tcp() { ip netns exec "$N1" curl -s -o "$T/body" -w '%{http_code}' --max-time 10 "$@"; }
H=http://127.0.0.1:8080
check "TCP without a token: 401 with WWW-Authenticate: Bearer" bash -c \
	"ip netns exec $N1 curl -s -i $H/v1/status | tr -d '\r' | grep -q '^WWW-Authenticate: Bearer\$' && test \$(ip netns exec $N1 curl -s -o /dev/null -w '%{http_code}' $H/v1/status) = 401"
check "TCP with a wrong token: 401" test "$(tcp -H "Authorization: Bearer ${TOKEN}x" $H/v1/status)" = 401
check "TCP with a token missing its last character: 401" test "$(tcp -H "Authorization: Bearer ${TOKEN%?}" $H/v1/status)" = 401
check "TCP with the token as Basic: 401" test "$(tcp -H "Authorization: Basic $TOKEN" $H/v1/status)" = 401
check "an unauthenticated PUT is refused: 401" test "$(tcp -X PUT -H "$J" -d '{"vnet": "web"}' $H/v1/attachments/c1)" = 401
check "TCP with the right token: 200" test "$(tcp -H "Authorization: Bearer $TOKEN" $H/v1/status)" = 200
check "... the status document" jq_ "d['node'] == 'n1'" <"$T/body"
guest t1
check "a PUT over TCP with the token: 201" test "$(tcp -X PUT -H "Authorization: Bearer $TOKEN" -H "$J" -d '{"vnet": "web"}' $H/v1/attachments/t1)" = 201
check "... plugged" plugged web t1
chmod 711 "$T" "$T/n1"
check "the socket belongs to group nogroup now" test "$(stat -c '%a %G' "$S")" = "660 nogroup"
check "a member of the group (nogroup) may use the socket: 200" \
	test "$(setpriv --reuid=65534 --regid=65534 --clear-groups curl -s -o /dev/null -w '%{http_code}' --max-time 5 --unix-socket "$S" http://x/v1/status)" = 200
chmod 666 "$S"
check "a user who can open the socket but is neither root nor in the group: 403" \
	test "$(setpriv --reuid=65534 --regid=4242 --clear-groups curl -s -o /dev/null -w '%{http_code}' --max-time 5 --unix-socket "$S" http://x/v1/status)" = 403
check "... also for a PUT, which changes nothing" bash -c \
	"test \$(setpriv --reuid=65534 --regid=4242 --clear-groups curl -s -o /dev/null -w '%{http_code}' --max-time 5 --unix-socket $S -X PUT -H '$J' -d '{\"vnet\": \"web\"}' $A/x1) = 403 && test \$(curl -s -o /dev/null -w '%{http_code}' --unix-socket $S $A/x1) = 404"
check "the daemon still serves" test "$(code http://x/v1/status)" = 200
finish
