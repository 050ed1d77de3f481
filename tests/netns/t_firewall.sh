#!/bin/bash
# The firewall (nftables tables "bridge sdnd" and "inet sdnd"), with real packets between guests
# on one node: a guest's policy-in drop with accept rules and connection tracking for replies,
# REJECT (TCP reset, ICMP port-unreachable), a security group with a macro and an ipset with an
# exclusion, MAC and IP anti-spoofing (frames and ARP), a vnet's forward rules and policy (for
# bridged traffic, and for traffic routed out of the vnet and into it), SNAT
# of a subnet to an outside network, an attachment's firewall given through the API taking
# precedence over the configuration's; then the tables themselves: drift repaired (a deleted
# rule, a deleted set element, a foreign rule, a flushed ruleset), incremental changes seen
# with `nft monitor` (one ipset element; nothing for unrelated changes or an unchanged PUT),
# bad configurations and bad API input refused with the running firewall unchanged, and the
# status document's "firewall" object.
# runs-in: vm
. "$(dirname "$0")/lib.sh"
require_root
# python3 straight, not through a version manager's shim (seconds per call on a busy machine)
PY=$(python3 -c 'import sys; print(sys.executable)') && python3() { "$PY" "$@"; } && export PY && export -f python3
require_nft_bridge
[ -x "$SDNCTL" ] || { echo "skip: no sdnctl at $SDNCTL"; exit 77; }

N1=${P}n1
S=$T/n1/sdnd.sock
ctl() { "$SDNCTL" -S "$S" "$@"; }
api() { curl -s --max-time 10 --unix-socket "$S" "$@"; }
A=http://x/v1/attachments
J='Content-Type: application/json'
jq_() { python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if ($1) else 1)"; }

MAC_A=02:00:00:00:01:0a   # gA, tap100i0, 10.0.1.10: firewall from the configuration
MAC_B=02:00:00:00:01:14   # gB, tap101i0, 10.0.1.20 (+ .21): firewall through the API
MAC_C=02:00:00:00:01:1e   # gC, tap102i0, 10.0.1.30: no firewall
MAC_D=02:00:00:00:02:35   # gD, tap200i0, 10.0.2.53 (alias dns1) on vnet dmz
MAC_E=02:00:00:00:02:05   # gE, tap201i0, 10.0.2.5 on vnet dmz
SPOOF=02:00:00:00:01:99   # a MAC nobody has

# cfg: write the configuration atomically, as an editor would. Variables: MGMT_EXTRA (more
# entries of ipset mgmt), DMZ_EXTRA (more keys of vnet dmz), BAD (more rules of tap100i0),
# PER_TABLE (a firewall.nics-per-table line).
MGMT_EXTRA= DMZ_EXTRA= BAD= PER_TABLE=
cfg() {
	cat >"$T/sdn.yaml.new" <<YAML
version: 1
zones:
  z1: {type: simple}
firewall:
$PER_TABLE
  ipsets:
    mgmt: [10.0.1.16/29, "!10.0.1.21", 192.0.2.7$MGMT_EXTRA]
  aliases:
    dns1: 10.0.2.53
  groups:
    webserver:
      - {dir: in, action: accept, proto: tcp, dport: "80,443"}
      - {dir: in, action: accept, macro: SSH, source: +mgmt}
  vnets:
    dmz:
      enable: true
      policy-forward: drop
      rules:
        - {dir: forward, action: accept, proto: icmp}
        - {dir: forward, action: reject, dest: dns1, proto: udp, dport: 53, log: info}
        - {dir: forward, action: accept, proto: udp, dport: 9000}
attachments:
  tap100i0:
    firewall:
      enable: true
      policy-in: drop
      policy-out: accept
      macfilter: true
      ipfilter: [10.0.1.10]
      dhcp: true
      ndp: true
      radv: false
      rules:
        - {group: webserver}
        - {dir: in, action: accept, proto: tcp, dport: 8080, source: 10.0.1.0/24}
        - {dir: in, action: reject, proto: tcp, dport: 81}
        - {dir: in, action: reject, proto: udp, dport: 5353}
        - {dir: in, action: accept, proto: udp, dport: 5000}
$BAD
  tap101i0:
    firewall: {policy-in: drop}     # overridden by the firewall this attachment gets through the API
vnets:
  web:
    zone: z1
    subnets:
      10.0.1.0/24: {gateway: 10.0.1.1, snat: true}
  dmz:
    zone: z1
$DMZ_EXTRA
    subnets:
      10.0.2.0/24: {gateway: 10.0.2.1}
YAML
	sed -i '/^$/d' "$T/sdn.yaml.new"
	mv "$T/sdn.yaml.new" "$T/sdn.yaml"
}

# --- traffic helpers, run inside the namespaces ----------------------------------------------
cat >"$T/net.py" <<'PYEOF'
import errno, os, select, socket, struct, sys, time

def serve(log, tcp, udp):
    """TCP ports accept and close; UDP ports log "udp PORT PEER PAYLOAD" and echo."""
    socks = {}
    for p in tcp:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(('0.0.0.0', p)); s.listen(128); s.setblocking(False)
        socks[s.fileno()] = ('tcp', p, s)
    for p in udp:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(('0.0.0.0', p))
        socks[s.fileno()] = ('udp', p, s)
    out = open(log, 'a', buffering=1)
    open(log + '.ready', 'w').close()
    poll = select.poll()
    for fd in socks:
        poll.register(fd, select.POLLIN)
    while True:
        for fd, _ in poll.poll():
            kind, p, s = socks[fd]
            try:
                if kind == 'tcp':
                    c, a = s.accept()
                    out.write('tcp %d %s\n' % (p, a[0]))
                    c.close()
                else:
                    data, a = s.recvfrom(2048)
                    out.write('udp %d %s %s\n' % (p, a[0], data.decode(errors='replace')))
                    s.sendto(data, a)
            except OSError:
                pass

def probe(kind, src, timeout, targets):
    """Every target at once; prints one word per target: ok/MS, refused/MS, timeout/-, ERR/MS."""
    start = time.monotonic()
    pending, res = {}, {}
    poll = select.poll()
    for t in targets:
        host, port = t.rsplit(':', 1)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM if kind == 'tcp' else socket.SOCK_DGRAM)
        if src != '-':
            s.bind((src, 0))
        s.setblocking(False)
        if kind == 'tcp':
            s.connect_ex((host, int(port)))
            poll.register(s.fileno(), select.POLLOUT)
        else:
            s.connect((host, int(port)))
            s.send(b'probe')
            poll.register(s.fileno(), select.POLLIN)
        pending[s.fileno()] = (t, s)
    while pending:
        left = timeout - (time.monotonic() - start)
        if left <= 0:
            break
        for fd, _ in poll.poll(left * 1000):
            t, s = pending.pop(fd)
            poll.unregister(fd)
            ms = int((time.monotonic() - start) * 1000)
            if kind == 'tcp':
                e = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            else:
                try:
                    s.recv(2048)
                    e = 0
                except OSError as x:
                    e = x.errno
            word = 'ok' if e == 0 else 'refused' if e == errno.ECONNREFUSED else errno.errorcode.get(e, str(e))
            res[t] = '%s/%d' % (word, ms)
    print(' '.join(res.get(t, 'timeout/-') for t in targets))

def send(src, target, token, count):
    host, port = target.rsplit(':', 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if src != '-':
        s.bind((src, 0))
    for _ in range(count):
        try:
            s.sendto(token.encode(), (host, int(port)))
        except OSError:
            pass
        time.sleep(0.02)

def mac(s):
    return bytes(int(x, 16) for x in s.split(':'))

def arp(ifname, ether_src, sha, spa, tpa, count):
    """ARP requests (spa == tpa: gratuitous) to the broadcast address, as raw frames."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifname, 0))
    frame = (b'\xff' * 6 + mac(ether_src) + b'\x08\x06' + struct.pack('!HHBBH', 1, 0x0800, 6, 4, 1)
             + mac(sha) + socket.inet_aton(spa) + b'\x00' * 6 + socket.inet_aton(tpa))
    for _ in range(count):
        s.send(frame)
        time.sleep(0.02)

def arpsniff(ifname, log):
    """Log the ARP frames ifname receives: "arp OP ETHER-SRC SHA SPA TPA"."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
    s.bind((ifname, 0x0806))
    out = open(log, 'a', buffering=1)
    open(log + '.ready', 'w').close()
    while True:
        data, addr = s.recvfrom(2048)
        if addr[2] == socket.PACKET_OUTGOING or len(data) < 42:
            continue
        hx = lambda b: ':'.join('%02x' % x for x in b)
        op = struct.unpack('!H', data[20:22])[0]
        out.write('arp %d %s %s %s %s\n' % (op, hx(data[6:12]), hx(data[22:28]),
                  socket.inet_ntoa(data[28:32]), socket.inet_ntoa(data[38:42])))

cmd, a = sys.argv[1], sys.argv[2:]
if cmd == 'serve':
    serve(a[0], [int(x) for x in a[1].split(',') if x], [int(x) for x in a[2].split(',') if x])
elif cmd in ('tcp', 'udp'):
    probe(cmd, a[0], float(a[1]), a[2:])
elif cmd == 'send':
    send(a[0], a[1], a[2], int(a[3]) if len(a) > 3 else 3)
elif cmd == 'arp':
    arp(a[0], a[1], a[2], a[3], a[4], int(a[5]) if len(a) > 5 else 3)
elif cmd == 'arpsniff':
    arpsniff(a[0], a[1])
PYEOF
net() { local ns=$1; shift; nsx "$ns" "$PY" "$T/net.py" "$@"; }
# serve NS TCP-PORTS UDP-PORTS: a server in NS logging to $T/NS.srv
serve() {
	net "$1" serve "$T/$1.srv" "$2" "$3" >>"$T/$1.srv.err" 2>&1 &
	wait_for 10 "servers in $1 listen (tcp ${2:--} udp ${3:--})" test -e "$T/$1.srv.ready"
}
# probe NS tcp|udp SRC TIMEOUT HOST:PORT...: sets R to the results, one word per target
probe() { R=($(net "$@" 2>/dev/null)); }
# expect DESCRIPTION WANT GOT: GOT's outcome (ok, refused, timeout) is WANT
expect() {
	if [ "${3%%/*}" = "$2" ]; then ok "$1"; else fail "$1 (got ${3:-nothing})"; fi
}
# reaches NS HOST:PORT [SRC]: a TCP connection succeeds (for wait_for)
reaches() { net "$1" tcp "${3:--}" 2 "$2" 2>/dev/null | grep -q '^ok'; }
# seen NS TEXT: NS's server logged a line containing TEXT
seen() { grep -q -- "$2" "$T/$1.srv" 2>/dev/null; }
not_seen() { ! grep -q -- "$2" "$T/$1.srv" 2>/dev/null; }
# lladdr_is NS IP MAC: IP has MAC in NS's neighbour table
lladdr_is() {
	ip -n "$P$1" -j neigh show "$2" dev eth0 2>/dev/null |
		python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if d and d[0].get("lladdr") == sys.argv[1] else 1)' "$3"
}
# in_chain CHAIN REGEX: a rule of bridge sdnd CHAIN matches REGEX (nft list syntax)
in_chain() { nsx n1 nft list chain bridge sdnd "$1" 2>/dev/null | grep -q -E -- "$2"; }
# bridge_set_has TABLE SET ADDR: bridge TABLE's SET lists ADDR
bridge_set_has() { nsx n1 nft list set bridge "$1" "$2" 2>/dev/null | grep -q -F -- "$3"; }


# fwstate: sdnd's tables in n1 as text, without handles: each chain's rules as their comments
# (the tags) and expressions, each set's elements, sorted; for before/after comparisons
fwstate() {
	{ nsx n1 nft -j list table bridge sdnd 2>/dev/null || echo '{}'; echo
	  nsx n1 nft -j list table inet sdnd 2>/dev/null || echo '{}'; } | python3 -c '
import json, sys
out = {}
for line in sys.stdin:
    if not line.strip():
        continue
    for o in json.loads(line).get("nftables", []):
        if "table" in o:
            out["%s table" % o["table"]["family"]] = True
        elif "chain" in o:
            c = o["chain"]
            out.setdefault("%s chain %s" % (c["family"], c["name"]), [])
            if "hook" in c:
                out["%s hook %s" % (c["family"], c["name"])] = [c["hook"], c["prio"], c.get("policy")]
        elif "rule" in o:
            r = o["rule"]
            out.setdefault("%s chain %s" % (r["family"], r["chain"]), []).append(r.get("comment", "NO COMMENT"))
            out.setdefault("%s rules %s" % (r["family"], r["chain"]), []).append(json.dumps(r["expr"], sort_keys=True))
        elif "set" in o or "map" in o:
            s = o.get("set") or o.get("map")
            out["%s set %s" % (s["family"], s["name"])] = sorted(json.dumps(e, sort_keys=True) for e in s.get("elem", []))
print(json.dumps(out, sort_keys=True, indent=0))'
}
# same_fw STATE: the tables are STATE (which must hold sdnd's bridge table)
same_fw() { [[ $1 == *'"bridge table": true'* ]] && [ "$(fwstate)" = "$1" ]; }
# chain_tags CHAIN: the comments of a bridge sdnd chain, one a line
chain_tags() { nsx n1 nft -j list chain bridge sdnd "$1" 2>/dev/null | python3 -c '
import json, sys
for o in json.load(sys.stdin)["nftables"]:
    if "rule" in o:
        print(o["rule"].get("comment", "-"))'; }
tags_are() { [ -n "$2" ] && [ "$(chain_tags "$1")" = "$2" ]; }
# fw_status PYTHON-EXPR: the status file, `f` its "firewall" object, `d` the whole document
fw_status() {
	python3 -c "
import json, re, sys
d = json.load(open(sys.argv[1])); f = d.get('firewall') or {}
sys.exit(0 if ($1) else 1)" "$T/n1/status.json" 2>/dev/null
}
# n_repairs: how many repair batches sdnd logged so far
n_repairs() { grep -c 'info: repair: firewall:' "$T/n1.log"; }
# repair_ms T0_NS N: milliseconds from T0 (date +%s%N) to the repair batch sdnd logged after N others
repair_ms() {
	python3 -c '
import re, sys
n = int(sys.argv[3])
for l in open(sys.argv[1]):
    m = re.match(r"sdnd\[(\d+)\.(\d+)\] info: repair: firewall:", l)
    if m:
        n -= 1
        if n < 0:
            print(int(int(m.group(1)) * 1000 + int(m.group(2)) - int(sys.argv[2]) / 1e6))
            break
else:
    print("none")' "$T/n1.log" "$1" "$2"
}
gen() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['generation'])" "$T/n1/status.json"; }

# nft monitor in n1, with markers (a table added and deleted) around what is to be observed.
# A monitor that starts while the ruleset changes can give up (its first dump interrupted): the
# start marker is retried with a new monitor until one sees it.
MON_N=0 MON=
mon_start() {
	MON_N=$((MON_N + 1))
	MON_F=$T/mon.$MON_N.txt
	: >"$MON_F"
	MON=
	mon_mark start
}
mon_mark() {
	local end=$(( $(date +%s) + 15 ))
	while [ "$(date +%s)" -lt "$end" ]; do
		if [ -z "$MON" ] || ! kill -0 "$MON" 2>/dev/null; then
			[ "$1" = start ] || break
			ip netns exec "$N1" nft monitor >>"$MON_F" 2>&1 &
			MON=$!
			sleep 0.3
		fi
		nsx n1 nft add table inet "mark_$1" && nsx n1 nft delete table inet "mark_$1"
		for _ in $(seq 50); do grep -q "^delete table inet mark_$1\$" "$MON_F" && return 0; sleep 0.02; done
	done
	fail "nft monitor shows the marker $1 ($(tr '\n' '|' <"$MON_F" | head -c 300))"
	return 1
}
# mon_events: what the monitor saw between the last two markers, "#" lines left out
mon_events() {
	mon_mark stop
	kill "$MON" 2>/dev/null; wait "$MON" 2>/dev/null
	python3 -c '
import sys
lines = [l.rstrip("\n") for l in open(sys.argv[1])]
start = max([i for i, l in enumerate(lines) if l == "delete table inet mark_start"] or [-1])
stop = min([i for i, l in enumerate(lines) if i > start and l == "add table inet mark_stop"] or [-1])
if start < 0 or stop < 0:
    print("MARKERS MISSING")
    sys.exit()
for l in lines[start + 1:stop]:
    if l and not l.startswith("#"):
        print(l)' "$MON_F"
}

# =============================================================================================
ip netns add "$N1"
ip -n "$N1" link set lo up
nsx n1 sysctl -qw net.ipv4.ip_forward=1
cfg
check "the configuration is valid (sdnd check)" "$SDND" check "$T/sdn.yaml" -n n1
sdnd_start n1 "$T/sdn.yaml"
wait_for 20 "n1 converges" in_sync n1

guest gA tap100i0 10.0.1.10/24 $MAC_A
guest gB tap101i0 10.0.1.20/24 $MAC_B
ip -n "${P}gB" addr add 10.0.1.21/24 dev eth0
guest gC tap102i0 10.0.1.30/24 $MAC_C
guest gD tap200i0 10.0.2.53/24 $MAC_D
guest gE tap201i0 10.0.2.5/24 $MAC_E
ip -n "${P}gB" route add default via 10.0.1.1
# the outside: a network the node reaches through ext0, which knows nothing of 10.0.1.0/24
ip netns add "${P}ext"
ip -n "${P}ext" link set lo up
ip -n "$N1" link add ext0 type veth peer name eth0 netns "${P}ext"
ip -n "$N1" addr add 203.0.113.1/24 dev ext0
ip -n "$N1" link set ext0 up
ip -n "${P}ext" addr add 203.0.113.2/24 dev eth0
ip -n "${P}ext" link set eth0 up
# dmz is routed without SNAT: the outside and dmz's guests reach each other through the node
ip -n "${P}ext" route add 10.0.2.0/24 via 203.0.113.1
ip -n "${P}gD" route add default via 10.0.2.1
ip -n "${P}gE" route add default via 10.0.2.1

log "attachments"
out=$(ctl attach tap100i0 --vnet web --mac $MAC_A --owner vm/100 2>&1)
check "gA attached with sdnctl ($out)" test "$out" = "tap100i0: plugged into vnet web"
fwb='{"policy-in": "accept", "rules": [{"dir": "in", "action": "drop", "proto": "tcp", "dport": "7000"}]}'
bodyb="{\"vnet\": \"web\", \"mac\": \"$MAC_B\", \"owner\": \"vm/101\", \"firewall\": $fwb}"
code=$(curl -s -o "$T/body" -w '%{http_code}' --max-time 10 --unix-socket "$S" -X PUT -H "$J" -d "$bodyb" "$A/tap101i0")
check "gB attached through the API with a firewall: 201 ($(head -c 300 "$T/body"))" test "$code" = 201
check "... the attachment shows its firewall" jq_ "d.get('firewall', {}).get('policy-in') == 'accept' and d['state'] == 'plugged'" <"$T/body"
ctl attach tap102i0 --vnet web --mac $MAC_C >/dev/null
ctl attach tap200i0 --vnet dmz --mac $MAC_D >/dev/null
ctl attach tap201i0 --vnet dmz --mac $MAC_E >/dev/null
wait_for 5 "the firewall is in sync with the attachments" fw_status "f.get('state') == 'in-sync' and d['summary']['failed'] == 0"

serve gA 22,80,81,443,8080,9999 5353,5000,9999
serve gB 7000,7777 6000
serve gD 80 53,54
serve ext 9001 9000
serve n1 8000 ""

log "what sdnd made"
# fw_checks STATE DESCRIPTION PYTHON-EXPR...: a check per pair, each EXPR on `d` (the dict
# fwstate printed as STATE), all in one python
fw_checks() {
	local state=$1 i=0 res; shift
	res=($(printf '%s' "$state" | python3 -c '
import json, re, sys
d = json.load(sys.stdin)
for e in sys.argv[2::2]:
    try:
        print(1 if eval("(" + e + ")") else 0)
    except Exception:
        print(0)' "$@"))
	while [ $# -ge 2 ]; do
		if [ "${res[$i]:-0}" = 1 ]; then ok "$1"; else fail "$1"; fi
		i=$((i + 1)); shift 2
	done
}
args=(
	"bridge sdnd: base chains prerouting, forward, output at priority 0; inet sdnd: postrouting"
	"d.get('bridge hook prerouting') == ['prerouting', 0, 'accept'] and d.get('bridge hook forward') == ['forward', 0, 'accept']
	 and d.get('bridge hook output') == ['output', 0, 'accept'] and d.get('inet hook postrouting', [''])[0] == 'postrouting'"
	"no chains for guests without a firewall (tap102i0, tap200i0)"
	"not any(k.endswith(('tap102i0', 'tap200i0')) for k in d)"
	"every rule carries a tag \"sdnd:<16 hex digits>[ comment]\""
	"all(re.fullmatch(r'sdnd:[0-9a-f]{16}( .+)?', c) for k, v in d.items() if ' chain ' in k for c in v)
	 and sum(len(v) for k, v in d.items() if ' chain ' in k) > 20"
)
for c in out-tap100i0 in-tap100i0 inb-tap100i0 out-tap101i0 in-tap101i0 vnet-dmz; do
	args+=("chain $c" "'bridge chain $c' in d")
done
args+=("no chain inb-tap101i0: its in rules never reject, so in-tap101i0 serves every path"
       "'bridge chain inb-tap101i0' not in d")
for c in ipf4-tap100i0 ipf6-tap100i0 ipset-mgmt-v4 ipset-mgmt-v6; do
	args+=("set $c" "'bridge set $c' in d")
done
fw_checks "$(fwstate)" "${args[@]}"
check "connection tracking in prerouting (nf_conntrack_bridge)" in_chain prerouting 'ct state established,related accept'
check "the group's SSH rule matches ipset mgmt" in_chain in-tap100i0 'ip saddr @ipset-mgmt-v4 .*dport 22 return'
# set_ranges SET: the elements of a bridge sdnd set as "lo-hi" ranges, sorted, one line
set_ranges() {
	nsx n1 nft -j list set bridge sdnd "$1" 2>/dev/null | python3 -c '
import ipaddress, json, sys
out = []
for o in json.load(sys.stdin)["nftables"]:
    for e in o.get("set", {}).get("elem", []):
        if isinstance(e, dict) and "elem" in e:
            e = e["elem"]["val"]
        if isinstance(e, str):
            lo = hi = ipaddress.ip_address(e)
        elif "range" in e:
            lo, hi = map(ipaddress.ip_address, e["range"])
        else:
            n = ipaddress.ip_network("%s/%d" % (e["prefix"]["addr"], e["prefix"]["len"]))
            lo, hi = n[0], n[-1]
        out.append((lo, hi))
print(" ".join("%s-%s" % r for r in sorted(out)))'
}
check "ipset mgmt: 10.0.1.16/29 without 10.0.1.21, and 192.0.2.7 ($(set_ranges ipset-mgmt-v4))" \
	test "$(set_ranges ipset-mgmt-v4)" = "10.0.1.16-10.0.1.20 10.0.1.22-10.0.1.23 192.0.2.7-192.0.2.7"
check "ipfilter set of tap100i0: 0.0.0.0 and 10.0.1.10 ($(set_ranges ipf4-tap100i0))" \
	test "$(set_ranges ipf4-tap100i0)" = "0.0.0.0-0.0.0.0 10.0.1.10-10.0.1.10"
check "the masquerade rule of web's subnet" bash -c \
	"ip netns exec $N1 nft list chain inet sdnd postrouting | grep -q -E 'ip saddr 10\.0\.1\.0.* oifname != \"web\" masquerade'"
check "tap101i0: the API's firewall wins over the configuration's (its rule, no policy drop)" \
	bash -c "$(declare -f in_chain nsx); P=$P; in_chain in-tap101i0 'dport 7000 drop' && ! in_chain in-tap101i0 'policy'"

log "1. policy-in drop with accept rules; replies by connection tracking (at ${SECONDS}s)"
wait_for 10 "gB reaches gA on an allowed port (tcp 80)" reaches gB 10.0.1.10:80
probe gB tcp - 2 10.0.1.10:443 10.0.1.10:8080 10.0.1.10:9999
expect "gB -> gA tcp 443 (group webserver): accepted" ok "${R[0]:-}"
expect "gB -> gA tcp 8080 (source 10.0.1.0/24): accepted" ok "${R[1]:-}"
expect "gB -> gA tcp 9999 (no rule, policy-in drop): dropped" timeout "${R[2]:-}"
probe gA tcp - 3 10.0.1.20:7777 10.0.1.20:7000
expect "gA -> gB tcp 7777: the reply comes back although gA's policy-in is drop (conntrack)" ok "${R[0]:-}"
expect "gA -> gB tcp 7000: dropped by gB's rule from the API" timeout "${R[1]:-}"
probe gA udp - 3 10.0.1.20:6000
expect "gA -> gB udp 6000: the reply comes back (conntrack)" ok "${R[0]:-}"
probe gC udp - 2 10.0.1.10:9999
expect "gC -> gA udp 9999 (no rule): dropped" timeout "${R[0]:-}"

log "2. REJECT (at ${SECONDS}s)"
probe gB tcp - 3 10.0.1.10:81
expect "gB -> gA tcp 81 (reject): connection refused (TCP reset)" refused "${R[0]:-}"
ms=${R[0]:-x/x}; ms=${ms#*/}
check "... at once, not after a timeout (${ms} ms)" test "$ms" -lt 1000
probe gB udp - 3 10.0.1.10:5353
expect "gB -> gA udp 5353 (reject): ICMP port-unreachable (ConnectionRefusedError)" refused "${R[0]:-}"

log "3. a security group: macro SSH from +mgmt (at ${SECONDS}s)"
probe gB tcp 10.0.1.20 2 10.0.1.10:22
expect "gB from 10.0.1.20 (in ipset mgmt) -> gA ssh: accepted" ok "${R[0]:-}"
probe gB tcp 10.0.1.21 2 10.0.1.10:22 10.0.1.10:80
expect "gB from 10.0.1.21 (taken out of mgmt by \"!\") -> gA ssh: dropped" timeout "${R[0]:-}"
expect "... while 10.0.1.21 reaches gA's port 80" ok "${R[1]:-}"
probe gC tcp - 2 10.0.1.10:22
expect "gC (10.0.1.30, not in mgmt) -> gA ssh: dropped" timeout "${R[0]:-}"

log "4. macfilter and ipfilter: ARP (at ${SECONDS}s)"
net gC arpsniff eth0 "$T/gC.arp" >>"$T/gC.arp.err" 2>&1 &
wait_for 10 "an ARP sniffer listens in gC" test -e "$T/gC.arp.ready"
# the observers' neighbour entries: gC knows gA, gB knows gC. The other way round the entries
# are permanent: neither gA nor gC ever probes the observer, which would put the real MAC back
# in the observer's table and hide a spoofed ARP that got through.
nsx gC ip neigh replace 10.0.1.20 lladdr $MAC_B dev eth0 nud permanent
nsx gA ip neigh replace 10.0.1.30 lladdr $MAC_C dev eth0 nud permanent
probe gC tcp - 2 10.0.1.10:80
nsx gB ping -c 1 -W 2 -q 10.0.1.30 >/dev/null 2>&1
check "gC knows gA's MAC" lladdr_is gC 10.0.1.10 $MAC_A
check "gB knows gC's MAC" lladdr_is gB 10.0.1.30 $MAC_C
# control: a guest without a firewall can change its entry in other guests' tables
net gC arp eth0 $MAC_C $SPOOF 10.0.1.30 10.0.1.30
wait_for 5 "control: a gratuitous ARP from gC (no firewall) with another sender MAC changes gB's entry" \
	lladdr_is gB 10.0.1.30 $SPOOF
net gC arp eth0 $MAC_C $MAC_C 10.0.1.30 10.0.1.30
wait_for 5 "... and one with its own MAC puts it back" lladdr_is gB 10.0.1.30 $MAC_C
# gA: its own address with another MAC (macfilter), gC's address with its own MAC (ipfilter),
# then a legitimate ARP probe (sender 0.0.0.0: it changes no neighbour table) as a marker: once
# gC has it, the frames sent before would be there
net gA arp eth0 $MAC_A $SPOOF 10.0.1.10 10.0.1.10
net gA arp eth0 $MAC_A $MAC_A 10.0.1.30 10.0.1.30
net gA arp eth0 $MAC_A $MAC_A 0.0.0.0 10.0.1.31 1
wait_for 5 "gA's legitimate ARP probe reaches gC" grep -q "^arp 1 $MAC_A $MAC_A 0.0.0.0 10.0.1.31" "$T/gC.arp"
check "gA's ARP with another sender MAC did not reach gC (macfilter)" bash -c "! grep -q ' $SPOOF ' '$T/gC.arp'"
check "... gC still has gA's MAC for 10.0.1.10" lladdr_is gC 10.0.1.10 $MAC_A
check "gA's ARP claiming gC's address did not reach gC (ipfilter)" bash -c "! grep -q ' 10.0.1.30 10.0.1.30\$' '$T/gC.arp'"
check "... gB still has gC's MAC for 10.0.1.30" lladdr_is gB 10.0.1.30 $MAC_C

log "4. macfilter: frames (at ${SECONDS}s)"
nsx gA ip neigh replace 10.0.1.20 lladdr $MAC_B dev eth0 nud permanent
net gA send - 10.0.1.20:6000 mac-before 1
wait_for 5 "gA -> gB one-way udp with gA's own MAC arrives" seen gB "10.0.1.10 mac-before"
nsx gA ip link set dev eth0 address $SPOOF
nsx gA ip neigh replace 10.0.1.20 lladdr $MAC_B dev eth0 nud permanent   # a MAC change flushes it
net gA send - 10.0.1.20:6000 mac-spoofed
# while gA uses that MAC: unicast to it through gA's port must still meet gA's in rules (udp 5000
# accepted, 9999 not); the bridge floods it (it never learned the MAC: gA's frames are dropped)
nsx gB ip neigh replace 10.0.1.10 lladdr $SPOOF dev eth0 nud permanent
net gB send - 10.0.1.10:9999 in-bypass
net gB send - 10.0.1.10:5000 in-marker
for _ in $(seq 100); do seen gA in-marker && break; sleep 0.02; done
check "unicast to gA's port for the MAC gA switched to still meets gA's policy-in (udp 9999 dropped)" \
	not_seen gA in-bypass
nsx gA ip link set dev eth0 address $MAC_A
nsx gA ip neigh replace 10.0.1.20 lladdr $MAC_B dev eth0 nud permanent
nsx gB ip neigh replace 10.0.1.10 lladdr $MAC_A dev eth0 nud permanent
net gA send - 10.0.1.20:6000 mac-after 1
wait_for 5 "gA with its MAC set back: its frames flow again" seen gB "10.0.1.10 mac-after"
check "gA's frames with the spoofed source MAC were dropped" not_seen gB mac-spoofed

log "5. ipfilter (at ${SECONDS}s)"
nsx gA ip addr add 10.0.1.99/24 dev eth0
net gA send 10.0.1.99 10.0.1.20:6000 ip-spoofed
net gA send 10.0.1.10 10.0.1.20:6000 ip-real 1
wait_for 5 "gA's datagram from its own address 10.0.1.10 arrives" seen gB "10.0.1.10 ip-real"
check "gA's datagram from the address it added (10.0.1.99) is dropped" not_seen gB ip-spoofed
check "gA: ping -I 10.0.1.99 gets no answer" bash -c "! ip netns exec ${P}gA ping -c 1 -W 1 -q -I 10.0.1.99 10.0.1.20"
wait_for 5 "gA: ping from 10.0.1.10 is answered" nsx gA ping -c 1 -W 1 -q -I 10.0.1.10 10.0.1.20
nsx gA ip addr del 10.0.1.99/24 dev eth0

log "6. vnet dmz: forward rules, policy-forward drop (at ${SECONDS}s)"
wait_for 10 "gE pings gD across dmz (icmp accepted)" pings gE 10.0.2.53
probe gE tcp - 2 10.0.2.53:80 10.0.2.1:8000
expect "gE -> gD tcp 80: dropped by policy-forward" timeout "${R[0]:-}"
expect "gE -> the node's own address on dmz (tcp 8000): not the vnet's business" ok "${R[1]:-}"
probe gE udp - 2 10.0.2.53:53 10.0.2.53:54
expect "gE -> dns1 udp 53 (reject): ICMP port-unreachable" refused "${R[0]:-}"
expect "gE -> gD udp 54: dropped by policy-forward" timeout "${R[1]:-}"
if [ -n "${SDND_IN_VM:-}" ]; then
	# packets are logged from other namespaces than the initial one only when asked (the VM's)
	sysctl -qw net.netfilter.nf_log_all_netns=1
	net gE udp - 2 10.0.2.53:53 >/dev/null
	wait_for 3 "... the reject is logged (log: info) with prefix \"sdnd vnet-dmz reject\"" \
		bash -c "dmesg | grep -q 'sdnd vnet-dmz reject'"
fi

# routed out of dmz and into it: the same rules and policy, in inet sdnd
net gE send - 203.0.113.2:9000 dmz-routed 1
wait_for 5 "gE -> the outside, udp 9000 (routed out of dmz): accepted by a forward rule" seen ext dmz-routed
check "... from gE's own address (dmz has no SNAT)" grep -q "^udp 9000 10.0.2.5 dmz-routed" "$T/ext.srv"
probe gE tcp - 2 203.0.113.2:9001
expect "gE -> the outside, tcp 9001 (routed): dropped by policy-forward" timeout "${R[0]:-}"
wait_for 5 "the outside pings gD (routed into dmz; icmp accepted, the replies by conntrack)" pings ext 10.0.2.53
probe ext tcp - 2 10.0.2.53:80
expect "the outside -> gD tcp 80 (routed into dmz): dropped by policy-forward" timeout "${R[0]:-}"
probe ext udp - 2 10.0.2.53:53
expect "the outside -> dns1 udp 53 (routed): rejected with ICMP port-unreachable" refused "${R[0]:-}"
check "inet sdnd holds dmz's chain for routed traffic" bash -c \
	"ip netns exec '$N1' nft list chain inet sdnd vnet-dmz | grep -q 'dport 9000 return'"

log "7. SNAT (at ${SECONDS}s)"
net gB send - 203.0.113.2:9000 snat-probe 1
wait_for 5 "gB's datagram reaches the outside" seen ext snat-probe
check "... from the node's address 203.0.113.1 (masquerade)" grep -q "^udp 9000 203.0.113.1 snat-probe" "$T/ext.srv"
wait_for 5 "gB opens a TCP connection to the outside (the replies are de-NATed)" reaches gB 203.0.113.2:9001

log "8. drift (at ${SECONDS}s)"
before=$(fwstate)
tags=$(chain_tags in-tap100i0)
h=$(nsx n1 nft -j -a list chain bridge sdnd in-tap100i0 | python3 -c '
import json, sys
print([o["rule"] for o in json.load(sys.stdin)["nftables"] if "rule" in o][1]["handle"])')
mon_start
nr=$(n_repairs)
t0=$(date +%s%N)
nsx n1 nft delete rule bridge sdnd in-tap100i0 handle "$h"
wait_for 5 "a rule deleted by hand (handle $h) is back: the chain has the same tags" tags_are in-tap100i0 "$tags"
ms=$(repair_ms "$t0" "$nr")
check "... repaired by sdnd $ms ms after the deletion (its log; nft's own run included, emulated CPU: event-driven, under 3 s)" test "$ms" -lt 3000
wait_for 5 "... and everything else is as it was" same_fw "$before"
ev=$(mon_events)
printf '%s\n' "$ev" | sed 's/^/# nft monitor: /'
check "... the repair touched chain in-tap100i0 only" bash -c '[ -n "$1" ] && ! printf "%s\n" "$1" |
	grep -v -E "^((add|insert|delete) rule|flush chain) bridge sdnd in-tap100i0( |$)"' _ "$ev"
nsx n1 nft delete element bridge sdnd ipset-mgmt-v4 '{ 192.0.2.7 }'
nsx n1 nft delete element bridge sdnd nic-in-mac "{ $MAC_A }"
wait_for 5 "set elements deleted by hand (of an ipset, of the map nic-in-mac) are back" same_fw "$before"
nsx n1 nft insert rule bridge sdnd in-tap100i0 tcp dport 9999 accept comment '"not sdnd"'
nsx n1 nft add rule bridge sdnd prerouting meta l4proto tcp accept
wait_for 5 "foreign rules in sdnd's chains are removed" same_fw "$before"
nr=$(n_repairs)
t0=$(date +%s%N)
nsx n1 nft flush ruleset
wait_for 10 "nft flush ruleset: both tables are back as they were" same_fw "$before"
ms=$(repair_ms "$t0" "$nr")
check "... repaired by sdnd $ms ms after the flush (its log; nft's own run included, emulated CPU: event-driven, under 3 s)" test "$ms" -lt 3000
probe gB tcp - 2 10.0.1.10:80 10.0.1.10:9999
expect "after the repair, gB -> gA tcp 80 is accepted" ok "${R[0]:-}"
expect "... and tcp 9999 dropped" timeout "${R[1]:-}"
probe gB tcp 10.0.1.21 2 10.0.1.10:22
expect "... and ssh from 10.0.1.21 (not in mgmt) dropped" timeout "${R[0]:-}"
check "the repairs are counted in the status" fw_status "f.get('repairs', 0) >= 1 and f.get('state') == 'in-sync'"

log "9. incremental changes (at ${SECONDS}s)"
g=$(gen)
mon_start
MGMT_EXTRA=", 10.0.1.200"
cfg
wait_for 5 "one element added to ipset mgmt in the file: reloaded" fw_status "d['generation'] == $g + 1 and f.get('state') == 'in-sync'"
ev=$(mon_events)
printf '%s\n' "$ev" | sed 's/^/# nft monitor: /'
check "... nft monitor saw exactly that element's addition and nothing else" \
	test "$ev" = "add element bridge sdnd ipset-mgmt-v4 { 10.0.1.200 }"
g=$(gen)
mon_start
DMZ_EXTRA="    alias: demilitarized"
cfg
wait_for 5 "an unrelated change (an alias of vnet dmz): reloaded" fw_status "d['generation'] == $g + 1 and f.get('state') == 'in-sync'"
wait_for 3 "... and applied" link_is n1 dmz "l.get('ifalias') == 'demilitarized'"
ev=$(mon_events)
printf '%s\n' "$ev" | sed 's/^/# nft monitor: /'
check "... no nft event at all" test -z "$ev"
mon_start
code=$(curl -s -o "$T/body" -w '%{http_code}' --max-time 10 --unix-socket "$S" -X PUT -H "$J" -d "$bodyb" "$A/tap101i0")
check "gB's attachment PUT again unchanged: 200" test "$code" = 200
ev=$(mon_events)
printf '%s\n' "$ev" | sed 's/^/# nft monitor: /'
check "... no nft event at all" test -z "$ev"
mon_start
fwb2='{"policy-in": "accept", "rules": [{"dir": "in", "action": "drop", "proto": "tcp", "dport": "7000"}, {"dir": "in", "action": "drop", "proto": "tcp", "dport": "7001"}]}'
bodyb2="{\"vnet\": \"web\", \"mac\": \"$MAC_B\", \"owner\": \"vm/101\", \"firewall\": $fwb2}"
code=$(curl -s -o "$T/body" -w '%{http_code}' --max-time 10 --unix-socket "$S" -X PUT -H "$J" -d "$bodyb2" "$A/tap101i0")
check "gB's firewall given one more rule through the API: 200" test "$code" = 200
ev=$(mon_events)
printf '%s\n' "$ev" | sed 's/^/# nft monitor: /'
check "... only gB's in chains changed" bash -c '[ -n "$1" ] && ! printf "%s\n" "$1" |
	grep -v -E "^((add|insert|delete) rule|flush chain) bridge sdnd (in|inb)-tap101i0( |$)"' _ "$ev"
check "... and the rule is there" in_chain in-tap101i0 'dport 7001 drop'

log "10. bad input (at ${SECONDS}s)"
g=$(gen)
before=$(fwstate)
BAD="        - {dir: in, action: accept, macro: NoSuchMacro}
        - {dir: in, action: accept, proto: tcp, dport: 25, source: +nosuch}"
cfg
l1=$(grep -n NoSuchMacro "$T/sdn.yaml" | cut -d: -f1)
l2=$(grep -n +nosuch "$T/sdn.yaml" | cut -d: -f1)
"$SDND" check "$T/sdn.yaml" -n n1 >"$T/check.out" 2>&1; rc=$?
sed 's/^/# /' "$T/check.out" | cut -c 1-200
check "sdnd check: an unknown macro and a missing ipset are errors (exit 1)" test "$rc" = 1
check "... each with file:line:col" bash -c \
	"grep -q 'sdn.yaml:$l1:[0-9]*: .*macro' '$T/check.out' && grep -q 'sdn.yaml:$l2:[0-9]*: .*nosuch' '$T/check.out'"
wait_for 5 "the daemon rejects the reload: config_error names file:line:col of both" \
	fw_status "re.search(r'sdn.yaml:$l1:\d+: ', d.get('config_error', '')) and re.search(r'sdn.yaml:$l2:\d+: ', d.get('config_error', ''))"
check "... the generation stays $g" fw_status "d['generation'] == $g"
check "... the running firewall is unchanged" same_fw "$before"
probe gB tcp - 2 10.0.1.10:80
expect "... and still lets gB reach gA's tcp 80" ok "${R[0]:-}"
BAD=
cfg
wait_for 5 "the file as it was: config_error cleared (the same document: generation stays $g)" \
	fw_status "d['generation'] == $g and not d.get('config_error')"
check "... nothing changed in the firewall" same_fw "$before"
att_before=$(api "$A/tap101i0")
# bad_put DESCRIPTION WHERE-PREFIX FIREWALL-JSON: PUT tap101i0 with that firewall: 400 naming WHERE
bad_put() {
	local body="{\"vnet\": \"web\", \"mac\": \"$MAC_B\", \"firewall\": $3}" code
	code=$(curl -s -o "$T/body" -w '%{http_code}' --max-time 10 --unix-socket "$S" -X PUT -H "$J" -d "$body" "$A/tap101i0")
	if [ "$code" = 400 ] && jq_ "d.get('where', '').startswith('$2') and bool(d.get('error'))" <"$T/body"; then
		ok "$1"
	else
		fail "$1 (got $code: $(head -c 300 "$T/body"))"
	fi
}
bad_put "API: a port that is not one: 400, where firewall.rules[0].dport" "firewall.rules[0].dport" \
	'{"rules": [{"dir": "in", "action": "accept", "proto": "tcp", "dport": "http-ish"}]}'
bad_put "API: an unknown policy: 400, where firewall.policy-in" "firewall.policy-in" '{"policy-in": "maybe"}'
bad_put "API: an unknown macro: 400, where firewall.rules[0].macro" "firewall.rules[0].macro" \
	'{"rules": [{"dir": "in", "action": "accept", "macro": "NoSuchMacro"}]}'
bad_put "API: a missing ipset: 400, where firewall.rules[0].source" "firewall.rules[0].source" \
	'{"rules": [{"dir": "in", "action": "accept", "source": "+nosuch"}]}'
check "... the attachment is unchanged" test "$(api "$A/tap101i0")" = "$att_before"
check "... and so is the firewall" same_fw "$before"

log "11. NICs spread over two bridge tables (at ${SECONDS}s)"
# bridge_chain TABLE CHAIN REGEX: a rule of bridge TABLE's CHAIN matches REGEX
bridge_chain() { nsx n1 nft list chain bridge "$1" "$2" 2>/dev/null | grep -q -E -- "$3"; }
# which table a NIC goes to is FNV-1a of its name modulo the number of tables
tables_split() {
	bridge_chain sdnd out-tap100i0 . && bridge_chain sdnd-1 out-tap101i0 . &&
		! bridge_chain sdnd out-tap101i0 . && bridge_chain sdnd-1 in-tap101i0 'dport 7001 drop'
}
more_hooks() {
	nsx n1 nft -j list table bridge sdnd-1 | python3 -c '
import json, sys
c = {o["chain"]["name"]: o["chain"] for o in json.load(sys.stdin)["nftables"] if "chain" in o}
assert c["prerouting-out"]["hook"] == "prerouting" and c["prerouting-out"]["prio"] == -1
assert c["prerouting-in"]["hook"] == "prerouting" and c["prerouting-in"]["prio"] == 1
assert c["forward"]["hook"] == "forward" and c["output"]["hook"] == "output"'
}
tables_joined() {
	! nsx n1 nft list table bridge sdnd-1 >/dev/null 2>&1 &&
		bridge_chain sdnd in-tap101i0 'dport 7001 drop'
}
g=$(gen)
PER_TABLE="  nics-per-table: 1"
cfg
wait_for 10 "nics-per-table: 1 for two NICs with a firewall: reloaded and applied" \
	fw_status "d['generation'] == $g + 1 and f.get('state') == 'in-sync'"
check "tap100i0's chains stay in bridge sdnd, tap101i0's move to bridge sdnd-1" tables_split
check "bridge sdnd-1: out stages at priority -1 (before vnets), in stages at 1 (after)" more_hooks
check "bridge sdnd-1 has its own copy of ipset mgmt" bridge_set_has sdnd-1 ipset-mgmt-v4 10.0.1.200
probe gB tcp - 2 10.0.1.10:80 10.0.1.10:9999
expect "gB (sdnd-1) -> gA (sdnd) tcp 80: accepted" ok "${R[0]:-}"
expect "gB -> gA tcp 9999 (gA's policy-in drop): dropped" timeout "${R[1]:-}"
probe gA tcp - 3 10.0.1.20:7777 10.0.1.20:7000
expect "gA -> gB tcp 7777: accepted, and the reply comes back" ok "${R[0]:-}"
expect "gA -> gB tcp 7000 (gB's rule, in sdnd-1): dropped" timeout "${R[1]:-}"
probe gB tcp - 3 10.0.1.10:81
expect "gB -> gA tcp 81 (gA's reject): connection refused" refused "${R[0]:-}"
nsx n1 nft flush chain bridge sdnd-1 in-tap101i0
wait_for 3 "a flushed chain of bridge sdnd-1 is repaired" \
	bridge_chain sdnd-1 in-tap101i0 'dport 7001 drop'
g=$(gen)
PER_TABLE=
cfg
wait_for 10 "nics-per-table back to its default: reloaded and applied" \
	fw_status "d['generation'] == $g + 1 and f.get('state') == 'in-sync'"
check "... bridge sdnd-1 is gone, tap101i0's chains are back in bridge sdnd" tables_joined
probe gA tcp - 3 10.0.1.20:7000
expect "... and gA -> gB tcp 7000 is still dropped" timeout "${R[0]:-}"

log "12. status (at ${SECONDS}s)"
api http://x/v1/status >"$T/st.json"
python3 -c "import json; print('# firewall:', json.dumps(json.load(open('$T/st.json')).get('firewall')))"
check "GET /v1/status: firewall in-sync, enabled, with conntrack, chains, rules, sets, elements" jq_ "
	d['firewall']['state'] == 'in-sync' and d['firewall']['enabled'] is True and d['firewall']['conntrack'] is True
	and d['firewall']['rules'] > 0 and d['firewall']['chains'] > 0 and d['firewall']['sets'] > 0
	and d['firewall']['elements'] > 0 and d['firewall']['batches'] > 0 and 'error' not in d['firewall']" <"$T/st.json"
n_rules=$(fwstate | python3 -c "import json,sys; print(sum(len(v) for k, v in json.load(sys.stdin).items() if ' chain ' in k))")
check "... its rules are the kernel's ($n_rules)" jq_ "d['firewall']['rules'] == $n_rules" <"$T/st.json"
check "sdnctl status exits 0" ctl status
check "no firewall error or warning in the daemon's log" bash -c "! grep -E '(error|warning): (repair: )?firewall' '$T/n1.log'"
finish
