#!/bin/bash
# Tests sdnctl, the control API's client: every command and exit status against fake_sdnd.py (a
# stand-in for the daemon's API, no privileges needed), then, as root with a built sdnd next to
# sdnctl (or SDND=path), against the real daemon in a fresh network namespace, where 'sdnctl
# plan -f' must print exactly what 'sdnd plan' prints.
#
#   SDNCTL=build/sdnctl SDND=build/sdnd bash tests/sdnctl/run.sh
#
# SLOW=1 adds the 30 s timeout test. Prints "sdnctl: N passed, N failed"; exits 0 when none
# failed. A sanitizer report from sdnctl is a failure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
SDNCTL=${SDNCTL:-$top/build/sdnctl}
SDND=${SDND:-$(dirname "$SDNCTL")/sdnd}
T=$(mktemp -d "${TMPDIR:-/tmp}/sdnctl-test.XXXXXX")
PASSED=0
FAILED=0
PIDS=()

cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

if [ ! -x "$SDNCTL" ]; then
	echo "sdnctl: $SDNCTL not found; build it or set SDNCTL" >&2
	echo "sdnctl: 0 passed, 1 failed"
	exit 1
fi

ok() { PASSED=$((PASSED + 1)); printf 'ok - %s\n' "$*"; }
fail() {
	FAILED=$((FAILED + 1))
	printf 'not ok - %s\n' "$*"
	printf '  | exit %s\n' "$RC"
	sed 's/^/  | out: /' "$T/out"
	sed 's/^/  | err: /' "$T/err"
}

# ctl ARGS...: run sdnctl; its exit status in $RC, output in $T/out and $T/err.
ctl() {
	"$SDNCTL" "$@" >"$T/out" 2>"$T/err" </dev/null
	RC=$?
	if grep -q -E 'ERROR: (Address|Leak|UndefinedBehavior)Sanitizer|runtime error:' "$T/err"; then
		fail "sdnctl $*: sanitizer report"
	fi
}

# expect DESCRIPTION RC [out TEXT | err TEXT | noout TEXT | noerr]...: check the last ctl run.
expect() {
	local what=$1 rc=$2
	shift 2
	if [ "$RC" != "$rc" ]; then
		fail "$what (expected exit $rc)"
		return
	fi
	while [ $# -gt 0 ]; do
		case $1 in
		out) grep -qF -- "$2" "$T/out" || { fail "$what (stdout lacks: $2)"; return; } ;;
		err) grep -qF -- "$2" "$T/err" || { fail "$what (stderr lacks: $2)"; return; } ;;
		noout) ! grep -qF -- "$2" "$T/out" || { fail "$what (stdout has: $2)"; return; } ;;
		noerr) [ -s "$T/err" ] && { fail "$what (stderr is not empty)"; return; }
			shift
			continue ;;
		esac
		shift 2
	done
	ok "$what"
}

# check DESCRIPTION COMMAND...: a check that COMMAND succeeds.
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}

# json_out PYTHON-EXPRESSION: stdout is JSON j for which the expression holds.
json_out() {
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' \
		"$T/out" "$1" 2>/dev/null
}

has_escape() { grep -q $'\033' "$T/out"; }
no_escape() { ! has_escape; }

# same DESCRIPTION FILE: stdout of the last run equals FILE.
same() {
	if diff -u "$2" "$T/out" >"$T/diff"; then ok "$1"; else fail "$1"; cat "$T/diff"; fi
}

# last_request FIELD: a field of the last request the fake received ("" for null).
last_request() {
	tail -n 1 "$F/requests.log" | python3 -c \
		'import json,sys; v=json.load(sys.stdin)[sys.argv[1]]; print("" if v is None else v)' "$1"
}

requests() { [ -f "$F/requests.log" ] && wc -l <"$F/requests.log" || echo 0; }

# wait_socket PATH: until PATH is a socket, 10 s at most.
wait_socket() {
	for _ in $(seq 500); do
		[ -S "$1" ] && return 0
		sleep 0.02
	done
	return 1
}

echo "# command line"
ctl --help
expect "--help exits 0 and covers every command and exit status" 0 out "status [--all]" \
	out "plan -f FILE" out "apply -f FILE --dry-run" out "config" out "metrics" \
	out "--socket PATH" out "--json" out "--all" out "--file FILE" out "--dry-run" \
	out "--version" out "  5  permission denied" out "  6  status" noerr
check "--help fits 79 columns" [ "$(awk 'length > 79' "$T/out" | wc -l)" -eq 0 ]
ctl help
expect "help is --help" 0 out "Exit status:"
ctl -V
expect "--version" 0 out "sdnctl "
ctl
expect "no command: usage on stderr, exit 2" 2 err "missing command" err "Usage: sdnctl"
ctl frobnicate
expect "unknown command" 2 err 'unknown command "frobnicate"'
ctl --frob status
expect "unknown option" 2 err "unknown option or argument --frob"
ctl status extra
expect "extra argument" 2 err 'unexpected argument "extra"'
ctl status -f x.yaml
expect "-f is not for status" 2 err "-f is an option of plan and apply"
ctl plan --all
expect "--all is only for status" 2 err "--all is an option of status"
ctl plan --dry-run
expect "--dry-run is only for apply" 2 err "--dry-run is an option of apply"
ctl config --json
expect "config has no --json" 2 err "no --json"
ctl apply
expect "apply needs -f" 2 err "apply: missing -f FILE"
ctl plan -f
expect "-f needs an argument" 2 err "option -f needs an argument"
ctl -S "" status
expect "empty socket path" 2 err "bad socket path"
ctl -S "/$(printf 'x%.0s' $(seq 120))" status
expect "socket path too long for a unix socket" 2 err "bad socket path"

echo "# no daemon"
ctl -S "$T/nothing/sdnd.sock" status
expect "no socket: exit 4" 4 err "sdnd is not running (no socket at $T/nothing/sdnd.sock)"
python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$T/stale.sock"
ctl -S "$T/stale.sock" status
expect "socket nobody listens on: exit 4" 4 err "sdnd is not running (nothing listens on"
ctl -S /etc/passwd status
expect "not a socket: exit 4" 4 err "cannot connect to /etc/passwd: Socket operation on non-socket"
SDND_SOCKET="$T/env.sock" ctl status
expect "SDND_SOCKET is the default socket" 4 err "no socket at $T/env.sock"

echo "# fake daemon"
F=$T/fake
mkdir "$F"
python3 "$here/fake_sdnd.py" "$T/sdnd.sock" "$F" 2>"$T/fake.log" &
PIDS+=("$!")
wait_socket "$T/sdnd.sock" || { echo "fake_sdnd.py did not start" >&2; cat "$T/fake.log" >&2; }
export SDND_SOCKET=$T/sdnd.sock

ctl status
expect "status, all in sync: exit 0" 0 out "node            pve1" \
	out "configuration   /etc/sdnd/sdn.yaml, generation 3" out "daemon          sdnd 0.1.0, pid 4242" \
	out "last reconcile  never" out "objects         2: 2 in sync, 0 pending, 0 failed" \
	out "all 2 objects in sync" noout KIND noerr
check "no colours when stdout is not a terminal" no_escape
ctl status --all
expect "status --all lists in-sync objects" 0 out "KIND    NAME       VNET  STATE    ERROR" \
	out "vxlan   vxlan_web  web   in-sync"

python3 - "$F/status.json" <<'EOF'
import json, sys, time
json.dump({
    "node": "pve2", "version": "0.1.0", "pid": 77, "config": "/etc/sdnd/sdn.yaml",
    "generation": 5, "config_hash": "abcd",
    "config_error": "/etc/sdnd/sdn.yaml:7:24: vnets.db.tag: expected an integer, got 0\n"
                    "/etc/sdnd/sdn.yaml:8:3: vnets.app: unknown key",
    "last_reconcile_ms": int(time.time() * 1000) - 125000,
    "objects": [
        {"key": "link/web", "kind": "bridge", "name": "web", "vnet": "web", "state": "in-sync"},
        {"key": "link/vxlan_web", "kind": "vxlan", "name": "vxlan_web", "vnet": "web",
         "state": "failed", "error": "File exists (\u001b[2Jsneaky)"},
        {"key": "fdb/x", "kind": "fdb", "name": "vxlan_web", "vnet": "web", "state": "pending"},
        {"key": "bp/vmbr0", "kind": "bridge-protocol", "name": "vmbr0", "vnet": "",
         "state": "in-sync"}],
    "summary": {"in-sync": 2, "pending": 1, "failed": 1},
    "conflicts": [{"vnet": "db", "interface": "db",
                   "error": "interface db exists and is not managed by sdnd"}],
    "counters": {"reconciles": 1}}, open(sys.argv[1], "w"))
EOF
ctl status
expect "status with failures: exit 6, a row per object not in sync" 6 \
	out "last reconcile  2m 5s ago" out "config error    the last reload was rejected; generation 5 stays in force" \
	out "                /etc/sdnd/sdn.yaml:8:3: vnets.app: unknown key" \
	out "objects         4: 2 in sync, 1 pending, 1 failed" \
	out "KIND   NAME       VNET  STATE    ERROR" \
	out "vxlan  vxlan_web  web   failed   File exists (?[2Jsneaky)" \
	out "fdb    vxlan_web  web   pending" noout "bridge  " \
	out "  vnet db: interface db exists and is not managed by sdnd"
check "control characters from the daemon are not printed" no_escape
ctl status --all
expect "status --all: every object, - for no vnet" 6 out "bridge-protocol  vmbr0      -     in-sync"
ctl status --json
expect "status --json: the daemon's JSON, exit 6 still" 6 out '"config_error": "/etc/sdnd/sdn.yaml:7:24'
check "status --json is the daemon's JSON" json_out 'j["generation"] == 5 and len(j["objects"]) == 4'
python3 - "$F/status.json" <<'EOF'
import json, sys
json.dump({"node": "n", "generation": 1, "objects": [],
           "conflicts": [{"vnet": "x", "interface": "x", "error": "taken"}]}, open(sys.argv[1], "w"))
EOF
ctl status
expect "status: a conflict alone is exit 6" 6 out "no objects" out "  vnet x: taken"
rm "$F/status.json"

ctl plan
expect "plan, empty" 0 out "nothing to change" noerr
check "plan is GET /v1/plan" [ "$(last_request path)" = /v1/plan ]

# A plan as 'sdnd plan --json' prints it, and the lines 'sdnd plan' prints for it.
cat >"$F/plan.json" <<'EOF'
{"actions": [
 {"action": "delete", "kind": "address", "name": "web", "key": "addr/web/10.100.0.1/24",
  "changes": [{"attr": "address", "from": "10.100.0.1/24"}], "reason": "no longer in the configuration"},
 {"action": "delete", "kind": "bridge", "name": "backup", "key": "link/backup", "changes": [],
  "reason": "no longer in the configuration"},
 {"action": "update", "kind": "bridge", "name": "lan", "key": "link/lan", "vnet": "lan",
  "changes": [{"attr": "alias", "from": "Home", "to": ""}]},
 {"action": "create", "kind": "bridge", "name": "newnet", "key": "link/newnet", "vnet": "newnet",
  "changes": [{"attr": "state", "to": "up"}, {"attr": "stp", "to": "off"}]},
 {"action": "update", "kind": "bridge", "name": "web", "key": "link/web", "vnet": "web",
  "changes": [{"attr": "mtu", "from": "1450", "to": "1400"}, {"attr": "alias", "from": "Web tier", "to": ""}]},
 {"action": "replace", "kind": "vxlan", "name": "vxlan_web", "key": "link/vxlan_web", "vnet": "web",
  "changes": [{"attr": "mtu", "from": "1450", "to": "1400"}, {"attr": "master", "from": "web", "to": "web"},
              {"attr": "vni", "from": "100", "to": "200"}, {"attr": "alias", "from": "", "to": "x"}],
  "reason": "VNI, port and local address cannot change in place"}],
 "conflicts": [{"vnet": "db", "interface": "db", "error": "interface db exists and is not managed by sdnd"}]}
EOF
cat >"$T/plan.txt" <<'EOF'
skip vnet db: interface db exists and is not managed by sdnd
delete address web: address 10.100.0.1/24 [no longer in the configuration]
delete bridge backup [no longer in the configuration]
update bridge lan (vnet lan): alias Home -> ""
create bridge newnet (vnet newnet): state up, stp off
update bridge web (vnet web): mtu 1450 -> 1400, alias Web tier -> ""
replace vxlan vxlan_web (vnet web): mtu 1450 -> 1400, master web, vni 100 -> 200, alias x [VNI, port and local address cannot change in place]
EOF
ctl plan
expect "plan with actions and a conflict" 0 noerr
same "plan prints every action as sdnd plan does" "$T/plan.txt"
ctl plan --json
check "plan --json prints the plan object" json_out 'len(j["actions"]) == 6'

printf 'version: 1\nnode: pve1\n' >"$T/new.yaml"
n=$(requests)
ctl plan -f "$T/new.yaml"
same "plan -f prints the plan of the dry run" "$T/plan.txt"
check "plan -f is one request" [ "$(requests)" -eq $((n + 1)) ]
check "plan -f is PUT /v1/config?dry_run=1" [ "$(last_request method) $(last_request path)" = "PUT /v1/config?dry_run=1" ]
check "plan -f sends application/yaml" [ "$(last_request content_type)" = application/yaml ]
check "plan -f sends the file" [ "$(last_request body)" = "$(cat "$T/new.yaml")" ]
ctl plan -f "$T/new.yaml" --json
check "plan -f --json prints the plan object, as plan --json" json_out 'set(j) == {"actions", "conflicts"}'
echo '{"version": 1}' >"$T/new.json"
ctl plan -f "$T/new.json"
check "a .json file goes as application/json" [ "$(last_request content_type)" = application/json ]
"$SDNCTL" plan -f - <"$T/new.yaml" >"$T/out" 2>"$T/err"
RC=$?
expect "plan -f - reads stdin" 0 out "skip vnet db"
check "plan -f - sends stdin" [ "$(last_request body)" = "$(cat "$T/new.yaml")" ]
ctl apply --dry-run -f "$T/new.yaml"
same "apply --dry-run is plan -f" "$T/plan.txt"
check "apply --dry-run applies nothing" [ "$(last_request path)" = "/v1/config?dry_run=1" ]
n=$(requests)
ctl plan -f "$T/missing.yaml"
expect "plan -f of a missing file: exit 2" 2 err "cannot read $T/missing.yaml: No such file or directory"
ctl apply -f "$T"
expect "apply -f of a directory: exit 2" 2 err "cannot read $T: Is a directory"
check "an unreadable file sends nothing" [ "$(requests)" -eq "$n" ]
rm "$F/plan.json"

ctl config
expect "config prints the running document" 0 out "zones: {}" noerr
ctl apply -f "$T/new.yaml"
expect "apply: the plan, then the generation" 0 out "nothing to change" out "applied generation 4" noerr
check "apply sends If-Match with the ETag it read" [ "$(last_request if_match)" = '"3"' ]
ctl config
same "config prints the applied document" "$T/new.yaml"
ctl apply -f "$T/new.yaml" --json
check "apply --json prints the daemon's answer" json_out 'j["generation"] == 5 and "actions" in j["plan"]'

printf 'version: 1\ninvalid: yes\n' >"$T/bad.yaml"
ctl apply -f "$T/bad.yaml"
expect "invalid document: exit 1, every error on its own line, under the file's name" 1 \
	err "sdnctl: invalid configuration" \
	err "$T/bad.yaml:3:5: zones.lab.type: unknown zone type \"vxlam\"" \
	err "$T/bad.yaml:7:10: vnets.web.tag: expected an integer"
"$SDNCTL" plan -f - <"$T/bad.yaml" >"$T/out" 2>"$T/err"
RC=$?
expect "invalid document on stdin keeps the daemon's name for it" 1 err "request:3:5: zones.lab.type"

echo bump >"$F/mode"
ctl apply -f "$T/new.yaml"
expect "configuration changed meanwhile: exit 3" 3 \
	err "sdnctl: the configuration changed meanwhile (now generation 6); review with 'sdnctl plan -f $T/new.yaml' and apply again"
echo noconfig >"$F/mode"
ctl apply -f "$T/new.yaml"
expect "no running document (404): apply without If-Match" 0 out "applied generation" noerr
check "no If-Match without a running document" [ -z "$(last_request if_match)" ]
echo noetag >"$F/mode"
ctl apply -f "$T/new.yaml"
expect "no ETag: apply with a warning" 0 err "warning: sdnd did not tell its running generation"
echo deny >"$F/mode"
ctl status
expect "403: exit 5" 5 err "sdnctl: peer uid 65534 is neither root nor in group sdnd" \
	err "permission denied on $T/sdnd.sock: run as root or as a member of group sdnd"
ctl apply -f "$T/new.yaml"
expect "403 on apply: exit 5" 5
echo error500 >"$F/mode"
ctl plan
expect "500: exit 1 with the daemon's error" 1 err "sdnctl: internal error"
echo html >"$F/mode"
ctl status
expect "an error that is not JSON: exit 1" 1 err "sdnd answered HTTP 502"
echo garbage >"$F/mode"
ctl status
expect "an answer that is not JSON: exit 1" 1 err "not a JSON object"
ctl config
expect "config prints text as it is" 0 out "this is not JSON"
echo close >"$F/mode"
ctl status
expect "connection closed without an answer: exit 4" 4 err "closed the connection"
rm "$F/mode"

head -c 1100000 /dev/zero | tr '\0' '#' >"$T/big.yaml"
ctl plan -f "$T/big.yaml"
expect "413: exit 1" 1 err "larger than"
ctl metrics
expect "metrics" 0 out "sdnd_reconciles_total 9"

if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	# $T is mode 0700: another user cannot reach the socket in it
	setpriv --reuid=65534 --regid=65534 --clear-groups "$SDNCTL" status >"$T/out" 2>"$T/err"
	RC=$?
	expect "EACCES on the socket: exit 5" 5 \
		err "permission denied on $T/sdnd.sock: run as root or as a member of group sdnd"
fi

if command -v script >/dev/null; then
	cp /dev/null "$T/err"
	TERM=xterm script -qec "'$SDNCTL' status" /dev/null >"$T/out" 2>&1
	RC=$?
	check "colours on a terminal" has_escape
	NO_COLOR=1 TERM=xterm script -qec "'$SDNCTL' status" /dev/null >"$T/out" 2>&1
	check "no colours with NO_COLOR" no_escape
fi

if [ -n "${SLOW:-}" ]; then
	echo hang >"$F/mode"
	start=$(date +%s)
	ctl status
	expect "no answer: exit 4 after 30 s" 4 err "did not answer within 30 s"
	check "gives up after 30 s" [ $(($(date +%s) - start)) -le 33 ]
	rm "$F/mode"
fi
unset SDND_SOCKET

echo "# real daemon"
if [ "$(id -u)" -ne 0 ] || [ ! -x "$SDND" ] || ! unshare -n true 2>/dev/null; then
	echo "# skipped: needs root, unshare and a built sdnd (SDND=$SDND)"
else
	R=$T/real
	mkdir -p "$R/state"
	cat >"$R/sdn.yaml" <<'EOF'
version: 1
node: t1
zones:
  home:
    type: simple
vnets:
  lan:
    zone: home
    alias: Home
    subnets:
      192.168.50.0/24:
        gateway: 192.168.50.1
  old:
    zone: home
EOF
	cat >"$R/b.yaml" <<'EOF'
version: 1
node: t1
zones:
  home:
    type: simple
    mtu: 1400
vnets:
  lan:
    zone: home
    subnets:
      192.168.50.0/24:
        gateway: 192.168.50.254
  dmz:
    zone: home
  foreign:
    zone: home
EOF
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare -n -- bash -c 'ip link set lo up && exec "$0" -f -c "$1" -s "$2" --socket "$3"' \
		"$SDND" "$R/sdn.yaml" "$R/state" "$R/sdnd.sock" >"$R/log" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	export SDND_SOCKET=$R/sdnd.sock
	wait_socket "$R/sdnd.sock" || { echo "sdnd did not start" >&2; cat "$R/log" >&2; }
	for _ in $(seq 250); do
		ctl status
		[ "$RC" -eq 0 ] && break
		sleep 0.02
	done
	expect "real: status, all in sync" 0 out "node            t1" out "generation 1" \
		out "all 4 objects in sync"
	ctl plan
	expect "real: plan" 0 out "nothing to change"
	ctl config
	same "real: config is the file" "$R/sdn.yaml"
	nsenter -t "$pid" -n ip link add foreign type bridge
	nsenter -t "$pid" -n "$SDND" plan "$R/b.yaml" -s "$R/state" >"$R/plan.txt" 2>"$R/plan.err"
	ctl plan -f "$R/b.yaml"
	expect "real: plan -f" 0 out "skip vnet foreign: interface foreign exists and is not managed by sdnd" \
		out "update bridge lan (vnet lan): mtu 1500 -> 1400, alias Home -> \"\"" \
		out "delete bridge old [no longer in the configuration]"
	same "real: plan -f prints what sdnd plan prints" "$R/plan.txt"
	printf 'version: 1\nnode: t1\nzones:\n  home:\n    type: simpel\n' >"$R/bad.yaml"
	ctl apply -f "$R/bad.yaml"
	expect "real: invalid document" 1 err "sdnctl: invalid configuration" err "$R/bad.yaml:5:11: zones.home.type"
	ctl apply -f "$R/b.yaml"
	expect "real: apply" 0 out "delete bridge old [no longer in the configuration]" \
		out "applied generation 2"
	ctl config
	same "real: config is the applied document" "$R/b.yaml"
	for _ in $(seq 250); do
		ctl status
		grep -q "0 pending" "$T/out" && break
		sleep 0.02
	done
	expect "real: status after apply, a conflict: exit 6" 6 out "generation 2" \
		out "  vnet foreign: interface foreign exists and is not managed by sdnd"
	ctl metrics
	expect "real: metrics" 0 out "sdnd_generation 2"
	chmod 0666 "$R/sdnd.sock"
	chmod 0755 "$T" "$R"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$SDNCTL" status >"$T/out" 2>"$T/err"
	RC=$?
	expect "real: a peer neither root nor in group sdnd gets 403, exit 5" 5 \
		err "permission denied on $R/sdnd.sock"
	chmod 0700 "$T"
	kill "$pid"
	wait "$pid" 2>/dev/null
	ctl status
	expect "real: daemon stopped: exit 4" 4 err "sdnd is not running"
	unset SDND_SOCKET
fi

echo "sdnctl: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
