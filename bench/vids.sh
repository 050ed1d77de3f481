#!/bin/bash
# A vnet with 4094 VIDs: sdnd programs them as ranges; the peer is bridge -batch adding the same
# VIDs one by one. Both run in Debian's own kernel under QEMU (this host's kernel has no bridge
# VLAN filtering), so absolute times are emulated; the ratio is what compares.
#   bash bench/vids.sh [RUNS]      (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DSDND_TESTS=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" >/dev/null
out=$(SDND="$PWD/build-bench/sdnd" RUNS="${1:-3}" bash tests/vm/run.sh "$PWD/bench/vids-guest.sh" 2>&1)
echo "$out" | grep -E '^(sdnd|peer) ' | python3 -c "
import sys, statistics
t = {'sdnd': [], 'peer': []}
n = {}
for line in sys.stdin:
    side, ms, vids = line.split()
    t[side].append(int(ms)); n[side] = int(vids)
s, p = statistics.median(t['sdnd']), statistics.median(t['peer'])
print('4094-VID vnet in Debian kernel under QEMU (median of %d runs)' % len(t['sdnd']))
print('  sdnd apply --once (bridge, vxlan port, FDB, VIDs as ranges) %7.0f ms  %d VIDs' % (s, n['sdnd']))
print('  ip -batch + bridge -batch (VIDs one by one)                 %7.0f ms  %d VIDs' % (p, n['peer']))
print('  ratio sdnd / peer                                           %7.2f' % (s / p))
"
