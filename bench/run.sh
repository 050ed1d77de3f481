#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# sdnd benchmarks, one command:
#
#   bench/run.sh [--vnets "100 1000"] [--repairs 50] [--resyncs 5] [--reloads 3] [--seed 1]
#                [--no-build]
#
# For each N, in fresh network namespaces (N vxlan vnets: bridge vK, vxlan_vK with VNI K, two
# remote FDB entries; eth0 = 192.0.2.1/24 on a veth):
#   1. cold apply: `sdnd apply --once` vs `ip -batch` + `bridge -batch` of the same commands,
#      each verified against the kernel afterwards (the run fails if either is incomplete);
#   2. no-change reload (`sdnd apply --once` again) and the daemon's periodic full resync
#      ("last_resync_us" in status.json, daemon run with -r 1);
#   3. repair latency of a deleted bridge, measured by bench/repair.c over rtnetlink events;
#   4. the daemon's VmRSS / VmHWM.
# Prints a table with the goals to stdout (progress on stderr). Takes about 1.5 to 3 minutes
# for "100 1000", most of it the kernel tearing the 1000-vnet namespaces down.
#
# Needs root. Installs what is missing with apt-get (iproute2, gcc, libmnl-dev, pkg-config,
# python3, and to build sdnd: cmake, make, libyaml-dev, libjson-c-dev), builds sdnd into
# build-bench/ (Release, no sanitizers; an existing build is brought up to date, --no-build uses
# it as it is) and bench/repair.c into a temporary directory. Set SDND=/path/to/sdnd to measure
# another binary. Never touches the host's own network: every command runs in namespaces named
# sdnb<pid>*, all removed on exit, even on failure or Ctrl-C.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BUILD=$ROOT/build-bench
PREFIX=sdnb$$
BUILD_SDND=1
ARGS=()
NOTES=()

usage() { sed -n '4,7p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
	case $1 in
	--vnets | --repairs | --resyncs | --reloads | --seed)
		[ $# -ge 2 ] || { usage >&2; exit 2; }
		ARGS+=("$1" "$2"); shift 2 ;;
	--no-build) BUILD_SDND=0; shift ;;
	-h | --help) usage; exit 0 ;;
	*) echo "run.sh: unknown argument \"$1\"" >&2; usage >&2; exit 2 ;;
	esac
done

NAME=run.sh
. "$HERE/lib.sh"
# bench/repair.c is built here too
bench_setup gcc gcc pkg-config pkg-config pc:libmnl libmnl-dev
[ -z "$NOTE" ] ||
	NOTES+=(--note "rebuilding $BUILD failed: these figures are for the binary built earlier")

WORK=$(mktemp -d /tmp/sdnd-bench-bin.XXXXXX)
trap 'bench_cleanup; rm -rf "$WORK"' EXIT

gcc -O2 -Wall -Wextra -pthread -o "$WORK/repair" "$HERE/repair.c" \
	$(pkg-config --cflags --libs libmnl)

CPUS=$(nproc)
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
HEADER="sdnd benchmark: $("$SDND" -V 2>/dev/null || echo sdnd) ($SDND), kernel $(uname -r), $CPUS CPUs, load average at start $LOAD"

# The load average counts other work on this machine: it skews wall-clock figures, so CPU times
# are reported beside them.
python3 "$HERE/bench.py" --sdnd "$SDND" --repair "$WORK/repair" --prefix "$PREFIX" \
	--header "$HEADER" "${ARGS[@]}" "${NOTES[@]}"
