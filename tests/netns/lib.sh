#!/bin/bash
# Shared helpers for namespace tests: "nodes" are network namespaces joined by an underlay
# bridge, each running its own sdnd; "VMs" are veth ends in namespaces of their own.
# Every name carries a per-run prefix, so runs never collide and never touch the host.

set -u

SDND=${SDND:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/sdnd}
P=${P:-sd$$}
T=$(mktemp -d "${TMPDIR:-/tmp}/sdnd-test.XXXXXX")
FAILS=0
CHECKS=0
declare -a DAEMONS=()

log() { printf '# %s\n' "$*"; }

cleanup() {
	local pid ns
	set +e
	for pid in "${DAEMONS[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${DAEMONS[@]}"; do
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.02; done
		kill -9 "$pid" 2>/dev/null
	done
	for ns in $(ip netns list | awk '{print $1}' | grep "^$P" || true); do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	# a sanitizer report from any daemon is a failure
	if grep -l -E 'ERROR: (Address|Leak|UndefinedBehavior)Sanitizer|runtime error:' "$T"/*.log 2>/dev/null; then
		echo "not ok - a daemon reported a sanitizer error"
		FAILS=$((FAILS + 1))
	fi
	if [ "$FAILS" -ne 0 ] || [ -n "${KEEP_LOGS:-}" ]; then
		for f in "$T"/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -n 40 "$f"; }; done
	fi
	rm -rf "$T"
	[ "$FAILS" -eq 0 ] || exit 1
}
trap cleanup EXIT

# ok CONDITION-DESCRIPTION: record a passed check; fail: a failed one.
ok() { CHECKS=$((CHECKS + 1)); printf 'ok - %s\n' "$*"; }
fail() { CHECKS=$((CHECKS + 1)); FAILS=$((FAILS + 1)); printf 'not ok - %s\n' "$*"; }

# check DESCRIPTION COMMAND...: run COMMAND once.
check() {
	local what=$1; shift
	if "$@" >/dev/null 2>&1; then ok "$what"; else fail "$what"; fi
}

# wait_for DEADLINE_S DESCRIPTION COMMAND...: poll COMMAND until it succeeds or the deadline.
wait_for() {
	local deadline=$1 what=$2; shift 2
	local end=$(( $(date +%s%N) + ${deadline%.*} * 1000000000 ))
	while :; do
		if "$@" >/dev/null 2>&1; then ok "$what"; return 0; fi
		[ "$(date +%s%N)" -ge "$end" ] && break
		sleep 0.01
	done
	fail "$what (not within ${deadline}s)"
	return 1
}

# elapsed_ms START_NS: milliseconds since START_NS (from date +%s%N).
elapsed_ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

finish() {
	echo "# $CHECKS checks, $FAILS failed"
	[ "$FAILS" -eq 0 ]
}

# require_kernel FEATURE...: skip (exit 77) unless this kernel has each feature: vlan_filtering
# (bridge VLAN filtering), 8021q (802.1Q devices). Such tests also carry "# runs-in: vm" so that
# tests/vm/run.sh runs them in Debian's own kernel.
require_kernel() {
	local f ns=${P}probe ok=1
	ip netns add "$ns" 2>/dev/null || return 0
	for f in "$@"; do
		case $f in
		vlan_filtering) ip -n "$ns" link add p type bridge vlan_filtering 1 2>/dev/null || ok=0 ;;
		8021q) ip -n "$ns" link add p0 type veth peer name p1 2>/dev/null &&
			ip -n "$ns" link add link p0 name p0.5 type vlan id 5 2>/dev/null || ok=0 ;;
		*) echo "require_kernel: unknown feature $f" >&2; ok=0 ;;
		esac
		if [ "$ok" -eq 0 ]; then
			ip netns del "$ns"
			echo "skip: this kernel ($(uname -r)) lacks $f; tests/vm/run.sh runs this test"
			exit 77
		fi
	done
	ip netns del "$ns"
}

# skip_unless_root
require_root() {
	if [ "$(id -u)" -ne 0 ]; then echo "skip: needs root"; exit 77; fi
}

nsx() { local ns=$1; shift; ip netns exec "$P$ns" "$@"; }

# guest NAME IFNAME ADDR MAC: a guest namespace (IPv6 off) whose eth0 (MAC; ADDR unless it is
# "-") is the peer of IFNAME on n1; IFNAME is left down and in no bridge, as QEMU or LXC leave it
# for their hook.
guest() {
	ip netns add "$P$1"
	ip netns exec "$P$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip -n "$P$1" link set lo up
	ip -n "${P}n1" link add "$2" type veth peer name eth0 netns "$P$1"
	ip -n "$P$1" link set eth0 address "$4" up
	if [ "$3" != - ]; then ip -n "$P$1" addr add "$3" dev eth0; fi
}

# underlay N: N nodes n1..nN with eth0 = 192.0.2.i/24 on a shared bridge (namespace "ul").
underlay() {
	local n=$1 i
	ip netns add "${P}ul"
	ip -n "${P}ul" link add ul type bridge
	ip -n "${P}ul" link set ul up
	for i in $(seq "$n"); do
		ip netns add "${P}n$i"
		ip -n "${P}n$i" link set lo up
		ip -n "${P}ul" link add "p$i" type veth peer name eth0 netns "${P}n$i"
		ip -n "${P}ul" link set "p$i" master ul up
		ip -n "${P}n$i" addr add "192.0.2.$i/24" dev eth0
		ip -n "${P}n$i" link set eth0 up
	done
}

# sdnd_start NODE CONFIG [ARGS...]: run the daemon in NODE's namespace, state in $T/NODE.
sdnd_start() {
	local node=$1 cfg=$2; shift 2
	ip netns exec "$P$node" "$SDND" -f -c "$cfg" -s "$T/$node" -n "$node" "$@" \
		>>"$T/$node.log" 2>&1 &
	DAEMONS+=("$!")
	eval "PID_$node=$!"
}

# sdnd_stop NODE: SIGTERM and wait.
sdnd_stop() {
	local node=$1 pid
	pid=$(eval echo "\${PID_$node:-}")
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.01; done
	return 1
}

# status NODE: the daemon's status file.
status() { cat "$T/$1/status.json"; }

# in_sync NODE GENERATION: every wanted object in sync at that generation.
in_sync() {
	python3 - "$T/$1/status.json" "${2:-}" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
gen_ok = not sys.argv[2] or str(d["generation"]) == sys.argv[2]
sys.exit(0 if gen_ok and d["summary"]["pending"] == 0 and d["summary"]["failed"] == 0
         and d["objects"] else 1)
PY
}

# vm NODE VNET NAME ADDR/LEN: a "VM" namespace whose eth0 is plugged into VNET's bridge on NODE
# through a veth whose host end is tap_NAME (a foreign port, as a VM's tap would be).
vm() {
	local node=$1 vnet=$2 name=$3 addr=$4
	ip netns add "$P$name"
	ip -n "$P$name" link set lo up
	ip -n "$P$node" link add "tap_$name" type veth peer name eth0 netns "$P$name"
	ip -n "$P$name" addr add "$addr" dev eth0
	ip -n "$P$name" link set eth0 mtu 1400 up
	ip -n "$P$node" link set "tap_$name" mtu 1400 master "$vnet" up
}

# settle NS: wait until the kernel is done with its own follow-ups of a change: IPv6 duplicate
# address detection (up to 5 s), and link state transitions, which the kernel's linkwatch
# announces up to a second late.
settle() {
	local i
	for i in $(seq 250); do
		[ -z "$(ip -n "$P$1" -6 addr show tentative)" ] && break
		sleep 0.02
	done
	sleep 1.2
}

# snapshot NS: what the kernel holds (links, FDB, addresses), without timers and counters and
# without what the bridges learn by themselves from the guests' packets (dynamic FDB entries),
# for before/after comparisons.
snapshot() {
	{ ip -n "$P$1" -d -j link show; echo; bridge -n "$P$1" -j fdb show; echo
	  ip -n "$P$1" -j addr show; } | python3 -c "
import json, sys
def clean(o):
    if isinstance(o, dict):
        return {k: clean(v) for k, v in o.items() if not k.endswith('timer') and k not in ('used', 'updated')}
    if isinstance(o, list):
        return [clean(v) for v in o if not (isinstance(v, dict) and 'mac' in v and v.get('state') == '')]
    return o
for line in sys.stdin:
    if line.strip():
        print(json.dumps(clean(json.loads(line)), sort_keys=True, indent=1))"
}

# monitor_entries FILE: ip monitor output, one event per line (continuation lines joined)
monitor_entries() {
	python3 -c "
import sys
entries = []
for line in open(sys.argv[1]):
    if line[:1].isspace() and entries:
        entries[-1] += ' ' + line.strip()
    elif line.strip():
        entries.append(line.strip())
for e in entries:
    print(e)" "$1"
}

# link_json NS IFNAME: ip -j -d link show
link_json() { ip -n "$P$1" -j -d link show "$2" 2>/dev/null; }

# jq-free field test: json_has NS IFNAME PYTHON-EXPR (with `l` the link dict)
link_is() {
	local ns=$1 ifname=$2 expr=$3
	ip -n "$P$ns" -j -d link show "$ifname" 2>/dev/null | python3 -c "
import json, sys
d = json.load(sys.stdin)
l = d[0] if d else None
sys.exit(0 if l and ($expr) else 1)"
}

# fdb_has NS DEV DST: an all-zeros entry towards DST on DEV
fdb_has() {
	bridge -n "$P$1" -j fdb show dev "$2" 2>/dev/null | python3 -c "
import json, sys
sys.exit(0 if any(e.get('mac') == '00:00:00:00:00:00' and e.get('dst') == '$3'
                  for e in json.load(sys.stdin)) else 1)"
}

# addr_has NS DEV ADDR/LEN
addr_has() {
	ip -n "$P$1" -j addr show dev "$2" 2>/dev/null | python3 -c "
import json, sys
want = '$3'
sys.exit(0 if any('%s/%s' % (a['local'], a['prefixlen']) == want
                  for l in json.load(sys.stdin) for a in l.get('addr_info', [])) else 1)"
}

# vids NS DEV: the VLANs of DEV (a port, or a bridge's own entry) as "1P 2-4094" style text:
# ranges, P = PVID, U = egress untagged.
vids() {
	bridge -n "$P$1" -j vlan show dev "$2" 2>/dev/null | python3 -c "
import json, sys
m = {}
for d in json.load(sys.stdin):
    if d.get('ifname') != sys.argv[1]:
        continue
    for v in d.get('vlans', []):
        f = ('P' if 'PVID' in v.get('flags', []) else '') + ('U' if 'Egress Untagged' in v.get('flags', []) else '')
        for vid in range(v['vlan'], v.get('vlanEnd', v['vlan']) + 1):
            m[vid] = f
out, vids = [], sorted(m)
i = 0
while i < len(vids):
    j = i
    while j + 1 < len(vids) and vids[j + 1] == vids[j] + 1 and m[vids[j + 1]] == m[vids[i]] and 'P' not in m[vids[i]]:
        j += 1
    out.append(('%d' % vids[i] if i == j else '%d-%d' % (vids[i], vids[j])) + m[vids[i]])
    i = j + 1
print(' '.join(out))" "$2"
}
vids_are() { [ "$(vids "$1" "$2")" = "$3" ]; }
vids_have() { vids "$1" "$2" | tr ' ' '\n' | grep -qx -- "$3"; }

# pings FROM_NS ADDR: one ping gets through (a few tries for ARP and FDB learning)
pings() { ip netns exec "$P$1" ping -c 1 -W 1 -q "$2" >/dev/null 2>&1 || ip netns exec "$P$1" ping -c 2 -W 1 -q "$2" >/dev/null 2>&1; }
no_ping() { ! ip netns exec "$P$1" ping -c 2 -W 1 -q "$2" >/dev/null 2>&1; }

# --- attachments (guest ports plugged by sdnd)
SDNCTL=${SDNCTL:-$(dirname "$SDND")/sdnctl}

# brport_is NS DEV PYTHON-EXPR: test DEV's bridge port settings (bridge -j -d link show), `p` the dict
brport_is() {
	bridge -n "$P$1" -j -d link show dev "$2" 2>/dev/null | python3 -c "
import json, sys
d = json.load(sys.stdin)
p = d[0] if d else None
sys.exit(0 if p and ($3) else 1)"
}

# fdb_static NS DEV MAC [VLAN]: DEV holds a static bridge FDB entry for MAC (in VLAN, if given)
fdb_static() {
	bridge -n "$P$1" -j fdb show dev "$2" 2>/dev/null | python3 -c "
import json, sys
mac, vlan = sys.argv[1].lower(), int(sys.argv[2]) if sys.argv[2] else None
sys.exit(0 if any(e.get('mac') == mac and e.get('state') == 'static' and 'self' not in e.get('flags', [])
                  and e.get('vlan') == vlan for e in json.load(sys.stdin)) else 1)" "$3" "${4:-}"
}

# require_nft_bridge: skip (exit 77) unless this kernel's nftables can filter bridged traffic as
# sdnd's firewall does: connection tracking in the bridge family (nf_conntrack_bridge), REJECT in
# the bridge prerouting hook and "meta ibrname". Such tests carry "# runs-in: vm".
require_nft_bridge() {
	local ns=${P}nftprobe r
	ip netns add "$ns" 2>/dev/null || return 0
	ip netns exec "$ns" nft -f - >/dev/null 2>&1 <<'NFT'
table bridge probe {
	chain pre {
		type filter hook prerouting priority 0;
		ct state established,related accept
		meta ibrname "br0" tcp dport 1 reject with tcp reset
	}
}
NFT
	r=$?
	ip netns del "$ns"
	if [ "$r" -ne 0 ]; then
		echo "skip: this kernel ($(uname -r)) lacks bridge conntrack, reject or meta ibrname; tests/vm/run.sh runs this test"
		exit 77
	fi
}
