#!/bin/bash
# The control API on its unix socket: status, plan, the running document, a validated PUT that
# two operators cannot race (If-Match), dry runs, errors with their place, metrics, and access
# for root only (or group sdnd).
# runs-in: host
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
finish
