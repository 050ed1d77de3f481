#!/bin/bash
# Tests sdnctl, the control API's client: every command and exit status against fake_sdnd.py (a
# stand-in for the daemon's API, no privileges needed), on its unix socket and on a TCP port
# with a bearer token (--url, --token-file); the guest hook sdnd-ifup in QEMU's form, LXC's, as
# sdnd-ifup@VNET and from the environment; then, as root with a built sdnd next to sdnctl (or
# SDND=path), against the real daemon in a fresh network namespace, where 'sdnctl plan -f' must
# print exactly what 'sdnd plan' prints. (Attachments against the real daemon: tests/netns.)
#
#   SDNCTL=build/sdnctl SDND=build/sdnd bash tests/sdnctl/run.sh
#
# SLOW=1 adds the 30 s timeout test. Prints "sdnctl: N passed, N failed"; exits 0 when none
# failed. A sanitizer report from sdnctl is a failure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# what the caller's environment must not change
unset SDND_URL SDND_TOKEN_FILE SDND_VNET SDND_VLAN SDND_TRUNKS SDND_MAC SDND_LEARNING SDND_OWNER \
	LXC_NET_PEER LXC_NAME LXC_HOOK_TYPE NO_COLOR
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

# run COMMAND...: as ctl, for any command (the hook under its names).
run() {
	"$@" >"$T/out" 2>"$T/err" </dev/null
	RC=$?
	if grep -q -E 'ERROR: (Address|Leak|UndefinedBehavior)Sanitizer|runtime error:' "$T/err"; then
		fail "$*: sanitizer report"
	fi
}

# last_body PYTHON-EXPRESSION: the body of the last request the fake received is JSON b for
# which the expression holds.
last_body() {
	tail -n 1 "$F/requests.log" | python3 -c \
		'import json,sys; b=json.loads(json.load(sys.stdin)["body"]); sys.exit(0 if eval(sys.argv[1]) else 1)' \
		"$1" 2>/dev/null
}

# one_line: the last run printed exactly one line on stderr, and nothing on stdout.
one_line() { [ "$(wc -l <"$T/err")" -eq 1 ] && [ ! -s "$T/out" ]; }
silent() { [ ! -s "$T/err" ] && [ ! -s "$T/out" ]; }

# wait_file PATH: until PATH exists, 10 s at most.
wait_file() {
	for _ in $(seq 500); do
		[ -e "$1" ] && return 0
		sleep 0.02
	done
	return 1
}

# The guest hook: the build's sdnd-ifup symlink, and one symlink per vnet (sdnd-ifup@VNET).
sdnctl_abs=$(cd "$(dirname "$SDNCTL")" && pwd)/$(basename "$SDNCTL")
HOOK=$(dirname "$sdnctl_abs")/sdnd-ifup
HOOKS=$T/hooks
mkdir "$HOOKS"
for name in sdnd-ifup sdnd-ifup@web sdnd-ifup@lan sdnd-ifup@nope; do
	ln -s "$sdnctl_abs" "$HOOKS/$name"
done
[ -L "$HOOK" ] || HOOK=$HOOKS/sdnd-ifup

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
ctl --help
expect "--help covers attachments, the hook, the TCP listener and the environment" 0 \
	out "attach IFNAME --vnet VNET [--vlan N] [--trunks LIST] [--mac MAC]" \
	out "[--no-learning] [--owner TEXT]" out "  detach IFNAME  " out "  attachments  " \
	out "  hook [ATTACH OPTIONS] IFNAME" out "hook [ATTACH OPTIONS] CTNAME net up TYPE IFNAME" \
	out "--url URL" out "--token-file FILE" out "--vnet VNET" out "--vlan N" \
	out "--trunks LIST" out "--mac MAC" out "--no-learning" out "--owner TEXT" \
	out "Attachment states: plugged" out "orphaned" out "Guest hook:" out "sdnd-ifup@web" \
	out "SDND_VNET" out "SDND_VLAN" out "SDND_TRUNKS" out "SDND_MAC" out "SDND_LEARNING" \
	out "SDND_OWNER" out "SDND_SOCKET" out "SDND_URL" out "SDND_TOKEN_FILE" \
	out "LXC_NET_PEER" out "NO_COLOR" out "  0  success" out "  1  sdnd answered" \
	out "  2  bad command line" out "  3  apply" out "  4  sdnd cannot be reached" \
	out "authentication failed" out "absent and orphaned ones do not" noerr
if [ -f "$(dirname "$SDNCTL")/CMakeCache.txt" ]; then
	check "the build directory has sdnd-ifup -> sdnctl" \
		[ "$(readlink "$(dirname "$SDNCTL")/sdnd-ifup")" = sdnctl ]
fi
run "$HOOK" --help
expect "sdnd-ifup --help is sdnctl's help" 0 out "Guest hook:"

# a command line refused before anything is sent: exit 2 with no daemon to ask
export SDND_SOCKET=$T/nothing/sdnd.sock
ctl attach
expect "attach needs IFNAME" 2 err "attach: missing IFNAME" err "Usage: sdnctl"
ctl attach tap0
expect "attach needs --vnet" 2 err "attach: missing --vnet VNET"
ctl attach tap0 tap1 --vnet web
expect "attach takes one IFNAME" 2 err 'attach: unexpected argument "tap1"'
ctl attach tap0 --vnet ""
expect "attach: empty --vnet" 2 err "attach: --vnet needs a vnet name"
for name in "" "tap 0" "a/b" "vm:0" "abcdefghijklmnop" ".."; do
	ctl attach "$name" --vnet web
	expect "attach: bad IFNAME \"$name\"" 2 \
		err "attach: bad interface name \"$name\" (1 to 15 characters, no '/', ':' or white space)"
done
ctl attach abcdefghijklmno --vnet web
expect "attach: a 15-character IFNAME is fine (sdnd is not running: exit 4)" 4
for vlan in 0 4095 10x -1 ""; do
	ctl attach tap0 --vnet lan --vlan "$vlan"
	expect "attach: bad --vlan \"$vlan\"" 2 \
		err "attach: --vlan must be a VLAN ID between 1 and 4094, not \"$vlan\""
done
for trunks in 10-5 0 "10;" 4095 "10 20" "-10"; do
	ctl attach tap0 --vnet lan --trunks "$trunks"
	expect "attach: bad --trunks \"$trunks\"" 2 \
		err "attach: --trunks must be VLAN IDs (1 to 4094) and ranges separated by ';' (or ','), like 10-20;30, not \"$trunks\""
done
for mac in bc:24:11:00:00 bc-24-11-00-00-01 gg:24:11:00:00:01 bc:24:11:00:00:011; do
	ctl attach tap0 --vnet web --mac "$mac"
	expect "attach: bad --mac $mac" 2 \
		err "attach: --mac must be a MAC address like bc:24:11:00:00:01, not \"$mac\""
done
ctl status --vlan 10
expect "--vlan is only for attach and hook" 2 err "status: --vlan is an option of attach and hook"
ctl detach tap0 --no-learning
expect "--no-learning is only for attach and hook" 2 err "detach: --no-learning is an option of attach and hook"
ctl detach
expect "detach needs IFNAME" 2 err "detach: missing IFNAME"
ctl detach a/b
expect "detach: bad IFNAME" 2 err "detach: bad interface name \"a/b\""
ctl attachments extra
expect "attachments takes no argument" 2 err 'attachments: unexpected argument "extra"'
ctl attachments --all
expect "attachments has no --all" 2 err "attachments: --all is an option of status"
ctl hook --json tap0
expect "hook has no --json" 2 err "hook: no --json"
ctl --url ftp://192.0.2.1 status
expect "--url: http or https only" 2 err '--url: "ftp://192.0.2.1" is not an http:// or https:// URL'
ctl --url "http://" status
expect "--url without a host" 2 err '--url: bad URL "http://"'
ctl --url "http://192.0.2.1:8787/?x=1" status
expect "--url with a query" 2 err "bad URL"
SDND_URL=192.0.2.1 ctl status
expect "a bad SDND_URL" 2 err 'SDND_URL: "192.0.2.1" is not an http:// or https:// URL'
ctl -S "$T/x.sock" --url http://192.0.2.1:8787 status
expect "--socket and --url together" 2 err "give either --socket or --url, not both"
ctl --token-file "" status
expect "empty --token-file" 2 err "--token-file needs a file name"
ctl --token-file "$T/missing-token" status
expect "missing token file: exit 2" 2 \
	err "sdnctl: cannot read the token file $T/missing-token: No such file or directory"
SDND_TOKEN_FILE=$T ctl status
expect "SDND_TOKEN_FILE a directory: exit 2" 2 err "cannot read the token file $T: Is a directory"
printf '\n\ntoken on line 3\n' >"$T/blank-token"
ctl --token-file "$T/blank-token" status
expect "a token file whose first line is empty: exit 2" 2 \
	err "the token file $T/blank-token has no token: its first line is empty"
unset SDND_SOCKET

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
ctl -S "$T/nothing/sdnd.sock" attach tap0 --vnet web
expect "attach, no daemon: exit 4" 4 err "sdnctl: sdnd is not running (no socket at $T/nothing/sdnd.sock)"
ctl -S "$T/nothing/sdnd.sock" detach tap0
expect "detach, no daemon: exit 4" 4 err "sdnd is not running"
ctl -S "$T/stale.sock" attachments
expect "attachments, no daemon: exit 4" 4 err "sdnd is not running (nothing listens on"
ctl --url http://127.0.0.1:1 status
expect "--url, nothing listening: exit 4" 4 \
	err "sdnctl: cannot connect to sdnd on http://127.0.0.1:1: Connection refused"
run env SDND_SOCKET="$T/nothing/sdnd.sock" "$HOOKS/sdnd-ifup@web" tap100i0
expect "hook, sdnd not running: exit 4" 4 \
	err "sdnd-ifup: tap100i0: vnet web: sdnd is not running (no socket at $T/nothing/sdnd.sock)"
check "hook, sdnd not running: one line" one_line
run env SDND_URL=http://127.0.0.1:1 "$HOOKS/sdnd-ifup@web" tap100i0
expect "hook, TCP listener not listening: exit 4" 4 \
	err "sdnd-ifup: tap100i0: vnet web: cannot connect to sdnd on http://127.0.0.1:1: Connection refused"

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
echo "# attachments (fake daemon)"
ctl attachments
expect "attachments, none yet" 0 out "no attachments" noerr
check "attachments is GET /v1/attachments" [ "$(last_request method) $(last_request path)" = "GET /v1/attachments" ]
ctl attachments --json
check "attachments --json, none" json_out 'j == {"attachments": []}'
ctl status
expect "status: no attachments" 0 out "attachments     none"
n=$(requests)
ctl attach tap0 --vnet lan --vlan 0
check "a command line refused locally sends nothing" [ "$(requests)" -eq "$n" ]

ctl attach tap100i0 --vnet web --mac BC:24:11:00:00:01 --owner vm/100
expect "attach: plugged" 0 out "tap100i0: plugged into vnet web" noerr
check "attach is PUT /v1/attachments/IFNAME as JSON" \
	[ "$(last_request method) $(last_request path) $(last_request content_type)" = "PUT /v1/attachments/tap100i0 application/json" ]
check "attach sends vnet, the MAC in lower case, learning, owner" \
	last_body 'b == {"vnet": "web", "mac": "bc:24:11:00:00:01", "learning": True, "owner": "vm/100"}'
ctl attach tap101i0 --no-learning --vnet lan --vlan 10 --trunks '20-30;40'
expect "attach with VLAN options" 0 out "tap101i0: plugged into vnet lan" noerr
check "attach sends the VLAN as a number, trunks, learning off" \
	last_body 'b == {"vnet": "lan", "vlan": 10, "trunks": "20-30;40", "learning": False}'
ctl --json attach tap100i0 --vnet web --mac bc:24:11:00:00:01 --owner vm/100
expect "attach again (200): exit 0" 0 noerr
check "attach --json prints the attachment" \
	json_out 'j["ifname"] == "tap100i0" and j["state"] == "plugged" and j["bridge"] == "web"'
echo "tap100i0 tap101i0" >"$F/links"
ctl attach tap102i0 --vnet web
expect "attach of an interface that does not exist yet: absent, exit 0" 0 \
	out "tap102i0: attached to vnet web; absent: plugged when the interface appears" noerr
rm "$F/links"
echo pending >"$F/attach_state"
ctl attach tap103i0 --vnet db
expect "attach: pending, exit 0" 0 out "tap103i0: attached to vnet db; pending: being applied" noerr
echo failed >"$F/attach_state"
ctl attach tap104i0 --vnet db --owner "ct/104"
expect "attach: failed, exit 1 with sdnd's error" 1 \
	err "sdnctl: tap104i0: attached to vnet db, but failed: Operation not supported (?[2Jthe kernel's message)"
check "attach: failed, nothing on stdout, one line" one_line
ctl attach tap104i0 --vnet db --owner "ct/104" --json
expect "attach --json, failed: exit 1" 1 err "but failed"
check "attach --json, failed: the attachment still printed" json_out 'j["state"] == "failed"'
rm "$F/attach_state"

ctl attach tap105i0 --vnet nope
expect "attach to a vnet not on this node: 409, exit 3" 3 \
	err "sdnctl: tap105i0: vnet nope refused: vnet nope does not exist on this node (vnet)"
check "a refusal is one line" one_line
ctl attach tap105i0 --vnet web --trunks 5
expect "VLAN options on a vnet that is not VLAN-aware: exit 3" 3 \
	err "sdnctl: tap105i0: vnet web refused: vnet web is not VLAN-aware (trunks)"
ctl attach vxlan_web --vnet web
expect "attach of one of sdnd's own devices: exit 3" 3 \
	err "vnet web refused: interface vxlan_web is one of sdnd's own devices (ifname)"
ctl attach tap105i0 --vnet Web_1
expect "an attachment sdnd finds invalid (400): exit 1" 1 \
	err "sdnctl: tap105i0: vnet Web_1 refused: invalid vnet name \"Web_1\" (vnet)"
ctl attach 'tap#1%' --vnet web
expect "attach of an interface named with URL characters" 0 out "tap#1%: plugged into vnet web"
check "IFNAME is percent-encoded in the path" [ "$(last_request path)" = "/v1/attachments/tap%231%25" ]
ctl detach 'tap#1%'
expect "detach of an interface named with URL characters" 0 out "tap#1%: detached from vnet web"

cat >"$T/attachments.txt" <<'EOT'
IFNAME    VNET  VLAN  TRUNKS    MAC                LEARNING  STATE    OWNER   ERROR
tap100i0  web   -     -         bc:24:11:00:00:01  on        plugged  vm/100  -
tap101i0  lan   10    20-30;40  -                  off       plugged  -       -
tap102i0  web   -     -         -                  on        absent   -       -
tap103i0  db    -     -         -                  on        pending  -       -
tap104i0  db    -     -         -                  on        failed   ct/104  Operation not supported (?[2Jthe kernel's message)
EOT
ctl attachments
expect "attachments: exit 0 whatever the states" 0 noerr
same "attachments: one row each, by IFNAME, - for unset" "$T/attachments.txt"
check "no control characters from the daemon" no_escape
ctl attachments --json
check "attachments --json is the daemon's JSON" \
	json_out '[a["ifname"] for a in j["attachments"]] == ["tap100i0", "tap101i0", "tap102i0", "tap103i0", "tap104i0"]'

ctl status
expect "status: attachments by state, a row per one not plugged; failed and pending: exit 6" 6 \
	out "objects         2: 2 in sync, 0 pending, 0 failed" \
	out "attachments     5: 2 plugged, 1 pending, 1 failed, 1 absent, 0 orphaned" \
	out "all 2 objects in sync" \
	out "IFNAME    VNET  STATE    OWNER   ERROR" \
	out "tap102i0  web   absent   -       -" out "tap103i0  db    pending  -       -" \
	out "tap104i0  db    failed   ct/104  Operation not supported" noout "tap100i0"
ctl status --all
expect "status --all: every attachment" 6 out "tap100i0  web   -     -         bc:24:11:00:00:01  on        plugged"
ctl status --json
expect "status --json: exit 6 for a failed attachment" 6
check "status --json has the attachments and their summary" \
	json_out 'len(j["attachments"]) == 5 and j["attachment_summary"]["failed"] == 1'

ctl detach tap100i0
expect "detach" 0 out "tap100i0: detached from vnet web" noerr
check "detach is DELETE /v1/attachments/IFNAME" \
	[ "$(last_request method) $(last_request path)" = "DELETE /v1/attachments/tap100i0" ]
ctl detach tap100i0
expect "detach of no attachment: 404, exit 1 with sdnd's message" 1 \
	err "sdnctl: tap100i0: not detached: no attachment for interface tap100i0 (ifname)"
ctl --json detach tap101i0
expect "detach --json" 0 noerr
check "detach --json prints the attachment as it was" \
	json_out 'j["state"] == "detached" and j["vnet"] == "lan" and j["vlan"] == 10'
for i in 102 103 104; do ctl detach "tap${i}i0"; done
ctl attachments
expect "attachments, all detached" 0 out "no attachments"

python3 - "$F/status.json" <<'EOT'
import json, sys
json.dump({"node": "n", "generation": 2, "objects": [], "conflicts": [],
           "attachments": [
               {"ifname": "tap1", "vnet": "web", "learning": True, "state": "plugged"},
               {"ifname": "tap2", "vnet": "web", "learning": True, "owner": "vm/2",
                "state": "absent"},
               {"ifname": "veth3", "vnet": "gone", "learning": False, "state": "orphaned",
                "error": "vnet gone is no longer in the configuration"}],
           "attachment_summary": {"plugged": 1, "pending": 0, "failed": 0, "absent": 1,
                                  "orphaned": 1}}, open(sys.argv[1], "w"))
EOT
ctl status
expect "status: absent and orphaned attachments do not fail it" 0 \
	out "attachments     3: 1 plugged, 0 pending, 0 failed, 1 absent, 1 orphaned" \
	out "IFNAME  VNET  LEARNING  STATE     OWNER  ERROR" \
	out "tap2    web   on        absent    vm/2   -" \
	out "veth3   gone  off       orphaned  -      vnet gone is no longer in the configuration" \
	noout "tap1 "
ctl status --all
expect "status --all lists plugged attachments too" 0 out "tap1    web   on        plugged   -"
python3 - "$F/status.json" <<'EOT'
import json, sys
json.dump({"node": "n", "generation": 2, "objects": [],
           "attachments": [{"ifname": "tap1", "vnet": "web", "state": "plugged"},
                           {"ifname": "tap2", "vnet": "web", "state": "plugged"}]},
          open(sys.argv[1], "w"))
EOT
ctl status
expect "status: every attachment plugged" 0 out "attachments     2: 2 plugged," \
	out "all 2 attachments plugged" noout IFNAME
python3 - "$F/status.json" <<'EOT'
import json, sys
json.dump({"node": "n", "generation": 2, "objects": [],
           "attachments": [{"ifname": "tap1", "vnet": "web", "state": "pending"}]},
          open(sys.argv[1], "w"))
EOT
ctl status
expect "status: a pending attachment alone is exit 6" 6 out "tap1    web   pending"
rm "$F/status.json"

echo deny >"$F/mode"
ctl attach tap0 --vnet web
expect "attach, 403: exit 5" 5 \
	err "sdnctl: tap0: vnet web refused: peer uid 65534 is neither root nor in group sdnd" \
	err "permission denied on $T/sdnd.sock: run as root or as a member of group sdnd"
ctl detach tap0
expect "detach, 403: exit 5" 5 err "permission denied on"
ctl attachments
expect "attachments, 403: exit 5" 5 err "permission denied on"
echo "code 413" >"$F/mode"
ctl attach tap0 --vnet web
expect "attach, 413: exit 1" 1 err "sdnctl: tap0: vnet web refused: answered 413 (test)"
echo "code 415" >"$F/mode"
ctl attach tap0 --vnet web
expect "attach, 415: exit 1" 1 err "answered 415 (test)"
echo "code 500" >"$F/mode"
ctl attach tap0 --vnet web
expect "attach, 500: exit 1" 1 err "answered 500"
ctl detach tap0
expect "detach, 500: exit 1" 1 err "sdnctl: tap0: not detached: answered 500 (test)"
ctl attachments
expect "attachments, 500: exit 1" 1 err "sdnctl: test: answered 500"
echo html >"$F/mode"
ctl attach tap0 --vnet web
expect "attach, an error that is not JSON: exit 1" 1 err "sdnd answered HTTP 502"
echo garbage >"$F/mode"
ctl attach tap0 --vnet web
expect "attach, an answer that is not JSON: exit 1" 1 err "not a JSON object"
ctl attachments
expect "attachments, an answer that is not JSON: exit 1" 1 err "not a JSON object"
echo close >"$F/mode"
ctl attach tap0 --vnet web
expect "attach, connection closed: exit 4" 4 err "closed the connection"
ctl detach tap0
expect "detach, connection closed: exit 4" 4 err "closed the connection"
rm "$F/mode"

echo "# guest hook (fake daemon)"
run env SDND_VNET=web "$HOOK" tap200i0
expect "hook, QEMU form (HOOK IFNAME), vnet from SDND_VNET: exit 0" 0
check "hook: plugged, silent" silent
check "hook: PUT /v1/attachments/IFNAME" \
	[ "$(last_request method) $(last_request path)" = "PUT /v1/attachments/tap200i0" ]
check "hook, QEMU form: owner qemu/IFNAME, learning on" \
	last_body 'b == {"vnet": "web", "learning": True, "owner": "qemu/tap200i0"}'
run "$HOOKS/sdnd-ifup@web" tap201i0
expect "hook as sdnd-ifup@web: exit 0" 0
check "hook as sdnd-ifup@web: silent" silent
check "hook as sdnd-ifup@web: vnet web" last_body 'b["vnet"] == "web"'
run "$HOOKS/sdnd-ifup@web" ct300 net up veth veth300i0
expect "hook, LXC form (HOOK CTNAME net up veth IFNAME): exit 0" 0
check "hook, LXC form: silent" silent
check "hook, LXC form: the host-side veth" [ "$(last_request path)" = /v1/attachments/veth300i0 ]
check "hook, LXC form: owner lxc/CTNAME" last_body 'b["owner"] == "lxc/ct300"'
run env LXC_NET_PEER=veth301i0 LXC_NAME=ct301 LXC_HOOK_TYPE=up "$HOOKS/sdnd-ifup@web"
expect "hook, LXC with lxc.hook.version = 1 (environment only): exit 0" 0
check "hook, LXC environment: silent" silent
check "hook, LXC environment: the interface is LXC_NET_PEER" \
	[ "$(last_request path)" = /v1/attachments/veth301i0 ]
check "hook, LXC environment: owner lxc/LXC_NAME" last_body 'b["owner"] == "lxc/ct301"'
run env SDND_VNET=lan SDND_VLAN=12 SDND_TRUNKS="20;30-40" SDND_MAC=BC:24:11:00:02:02 \
	SDND_LEARNING=off SDND_OWNER=vm/202 "$HOOK" tap202i0
expect "hook, settings from the environment: exit 0" 0
check "hook, settings from the environment: silent" silent
check "hook sends SDND_VLAN, SDND_TRUNKS, SDND_MAC, SDND_LEARNING, SDND_OWNER" \
	last_body 'b == {"vnet": "lan", "vlan": 12, "trunks": "20;30-40", "mac": "bc:24:11:00:02:02", "learning": False, "owner": "vm/202"}'
for v in 1 yes ON true; do
	run env SDND_LEARNING=$v "$HOOKS/sdnd-ifup@web" tap203i0
	check "hook: SDND_LEARNING=$v is on" last_body 'b["learning"] is True'
done
run env SDND_VNET=db "$HOOKS/sdnd-ifup@web" tap203i0
check "hook: SDND_VNET comes before the program name" last_body 'b["vnet"] == "db"'
run env SDND_VNET=db SDND_VLAN=8 SDND_OWNER=x "$SDNCTL" hook --vnet lan --vlan 7 --owner vm/204 \
	tap204i0
expect "sdnctl hook IFNAME: exit 0" 0
check "sdnctl hook: silent" silent
check "sdnctl hook: its options come before the environment" \
	last_body 'b == {"vnet": "lan", "vlan": 7, "learning": True, "owner": "vm/204"}'
run "$SDNCTL" hook --vnet web ct205 net up veth veth205i0
expect "sdnctl hook CTNAME net up veth IFNAME: exit 0" 0
check "sdnctl hook, LXC form" last_body 'b["owner"] == "lxc/ct205"'
echo pending >"$F/attach_state"
run "$HOOKS/sdnd-ifup@web" tap206i0
expect "hook: pending is exit 0" 0
check "hook: pending, silent" silent
rm "$F/attach_state"
echo "tap100i0" >"$F/links"
run "$HOOKS/sdnd-ifup@web" tap207i0
expect "hook: absent (sdnd has not seen the interface yet) is exit 0" 0
check "hook: absent, silent" silent
rm "$F/links"

run "$HOOKS/sdnd-ifup@nope" tap208i0
expect "hook refused (409): exit 3, the interface, vnet, sdnd's error and where" 3 \
	err "sdnd-ifup: tap208i0: vnet nope refused: vnet nope does not exist on this node (vnet)"
check "hook refused: one line" one_line
run env SDND_VLAN=5 "$HOOKS/sdnd-ifup@web" tap208i0
expect "hook refused: VLAN on a vnet that is not VLAN-aware, exit 3" 3 \
	err "sdnd-ifup: tap208i0: vnet web refused: vnet web is not VLAN-aware (vlan)"
run env SDND_VNET=Web_1 "$HOOK" tap208i0
expect "hook refused (400): exit 1" 1 \
	err "sdnd-ifup: tap208i0: vnet Web_1 refused: invalid vnet name \"Web_1\" (vnet)"
echo failed >"$F/attach_state"
run "$HOOKS/sdnd-ifup@web" tap209i0
expect "hook: failed, exit 1 with sdnd's error" 1 \
	err "sdnd-ifup: tap209i0: vnet web failed: Operation not supported (?[2Jthe kernel's message)"
check "hook: failed, one line" one_line
rm "$F/attach_state"
echo deny >"$F/mode"
run "$HOOKS/sdnd-ifup@web" tap210i0
expect "hook, 403: exit 5" 5 \
	err "sdnd-ifup: tap210i0: vnet web refused: peer uid 65534 is neither root nor in group sdnd"
check "hook, 403: one line" one_line
echo "code 500" >"$F/mode"
run "$HOOKS/sdnd-ifup@web" tap210i0
expect "hook, 500: exit 1" 1 err "sdnd-ifup: tap210i0: vnet web refused: answered 500 (test)"
rm "$F/mode"

n=$(requests)
run "$HOOK" tap211i0
expect "hook without a vnet: exit 2" 2 \
	err "sdnd-ifup: tap211i0: no vnet: give --vnet VNET, set SDND_VNET, or run the hook as sdnd-ifup@VNET"
check "hook without a vnet: one line" one_line
run "$HOOKS/sdnd-ifup@web"
expect "hook without IFNAME: exit 2" 2 err "sdnd-ifup: missing IFNAME"
check "hook without IFNAME: one line" one_line
run "$HOOKS/sdnd-ifup@web" tap211i0 extra
expect "hook with two arguments: exit 2" 2 \
	err "sdnd-ifup: expected IFNAME (QEMU) or CTNAME net up TYPE IFNAME (LXC), not 2 arguments"
run "$HOOKS/sdnd-ifup@web" "tap 211"
expect "hook, bad IFNAME: exit 2" 2 err "sdnd-ifup: bad interface name \"tap 211\""
run "$HOOKS/sdnd-ifup@web" ct211 net down veth veth211i0
expect "hook called for down: exit 2" 2 err "sdnd-ifup: ct211: called for \"down\""
run "$HOOKS/sdnd-ifup@web" ct211 net up empty
expect "hook, LXC network without a host-side interface: exit 2" 2 \
	err "sdnd-ifup: ct211: LXC gave no host-side interface (network type \"empty\")"
run env SDND_VLAN=x "$HOOKS/sdnd-ifup@lan" tap211i0
expect "hook, bad SDND_VLAN: exit 2" 2 \
	err "sdnd-ifup: tap211i0: vnet lan: SDND_VLAN must be a VLAN ID between 1 and 4094, not \"x\""
check "hook, bad SDND_VLAN: one line" one_line
run env SDND_TRUNKS=x "$HOOKS/sdnd-ifup@lan" tap211i0
expect "hook, bad SDND_TRUNKS: exit 2" 2 err "tap211i0: vnet lan: SDND_TRUNKS must be VLAN IDs"
run env SDND_MAC=x "$HOOKS/sdnd-ifup@lan" tap211i0
expect "hook, bad SDND_MAC: exit 2" 2 err "tap211i0: vnet lan: SDND_MAC must be a MAC address"
run env SDND_LEARNING=maybe "$HOOKS/sdnd-ifup@web" tap211i0
expect "hook, bad SDND_LEARNING: exit 2" 2 \
	err "sdnd-ifup: tap211i0: vnet web: SDND_LEARNING must be 0 or 1, no or yes, off or on, not \"maybe\""
run env SDND_VLAN=x "$SDNCTL" hook --vnet lan --vlan 9 tap211i0
expect "hook --vlan replaces a bad SDND_VLAN" 0
run "$HOOKS/sdnd-ifup@web" --json tap211i0
expect "the hook has no --json" 2 err "sdnd-ifup: hook: no --json"
check "the hook's refused command lines sent nothing" [ "$(requests)" -eq $((n + 1)) ]
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "$HOOKS/sdnd-ifup@web" tap212i0 \
		>"$T/out" 2>"$T/err" </dev/null
	RC=$?
	expect "hook, EACCES on the socket: exit 5" 5 \
		err "sdnd-ifup: tap212i0: vnet web: permission denied on $T/sdnd.sock: run as root or as a member of group sdnd"
fi
unset SDND_SOCKET

echo "# TCP listener with a token (fake daemon)"
FT=$T/fake-tcp
mkdir "$FT"
python3 "$here/fake_sdnd.py" tcp "$FT" s3cret 2>"$T/fake-tcp.log" &
PIDS+=("$!")
wait_file "$FT/port" || { echo "fake_sdnd.py tcp did not start" >&2; cat "$T/fake-tcp.log" >&2; }
URL=http://127.0.0.1:$(cat "$FT/port" 2>/dev/null)
printf '  s3cret \t\nsecond line\n' >"$T/token"
echo wrong >"$T/wrong-token"
ctl --url "$URL" status
expect "--url without a token: 401, exit 5" 5 err "sdnctl: missing or wrong token" \
	err "sdnctl: authentication failed on $URL: give sdnd's API token with --token-file FILE or SDND_TOKEN_FILE"
ctl --url "$URL/" --token-file "$T/token" status
expect "--url with --token-file" 0 out "node            pve1" noerr
check "the token is the file's first line, trimmed, sent as a bearer token" \
	[ "$(F=$FT last_request authorization)" = "Bearer s3cret" ]
check "the URL's final / is dropped" [ "$(F=$FT last_request path)" = "/v1/status" ]
ctl --url "$URL" --token-file "$T/wrong-token" attachments
expect "a wrong token: exit 5" 5 \
	err "sdnctl: authentication failed on $URL: the token in $T/wrong-token was not accepted"
SDND_URL=$URL SDND_TOKEN_FILE=$T/token ctl attach tap300i0 --vnet web
expect "SDND_URL and SDND_TOKEN_FILE: attach over TCP" 0 out "tap300i0: plugged into vnet web" noerr
SDND_URL=$URL SDND_SOCKET=$T/nothing.sock SDND_TOKEN_FILE=$T/token ctl attachments
expect "SDND_URL comes before SDND_SOCKET" 0 out "tap300i0  web"
SDND_URL=$URL ctl -S "$T/nothing.sock" status
expect "-S comes before SDND_URL" 4 err "no socket at $T/nothing.sock"
SDND_URL=$URL ctl --token-file "$T/token" detach tap300i0
expect "detach over TCP" 0 out "tap300i0: detached from vnet web"
run env SDND_URL="$URL" SDND_TOKEN_FILE="$T/token" "$HOOKS/sdnd-ifup@web" tap301i0
expect "hook over TCP with SDND_TOKEN_FILE: exit 0" 0
check "hook over TCP: silent" silent
check "hook over TCP: sent the token" [ "$(F=$FT last_request authorization)" = "Bearer s3cret" ]
run env SDND_URL="$URL" "$HOOKS/sdnd-ifup@web" tap302i0
expect "hook over TCP without a token: exit 5" 5 \
	err "sdnd-ifup: tap302i0: vnet web refused: missing or wrong token"
check "hook over TCP without a token: one line" one_line
run env SDND_URL="$URL" SDND_TOKEN_FILE="$T/missing-token" "$HOOKS/sdnd-ifup@web" tap302i0
expect "hook, unreadable token file: exit 2" 2 \
	err "sdnd-ifup: tap302i0: vnet web: cannot read the token file $T/missing-token"

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
