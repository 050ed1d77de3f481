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

if [ "$(id -u)" -ne 0 ]; then
	echo "run.sh: needs root (network namespaces)" >&2
	exit 1
fi

# --- dependencies -----------------------------------------------------------------------------
missing=()
need_cmd() { command -v "$1" >/dev/null 2>&1 || missing+=("$2"); }
need_cmd ip iproute2
need_cmd bridge iproute2
need_cmd gcc gcc
need_cmd pkg-config pkg-config
need_cmd python3 python3
if command -v pkg-config >/dev/null 2>&1; then
	pkg-config --exists libmnl || missing+=(libmnl-dev)
else
	missing+=(libmnl-dev)
fi
if [ -z "${SDND:-}" ]; then
	need_cmd cmake cmake
	need_cmd make make
	if command -v pkg-config >/dev/null 2>&1; then
		pkg-config --exists yaml-0.1 || missing+=(libyaml-dev)
		pkg-config --exists json-c || missing+=(libjson-c-dev)
		pkg-config --exists libmicrohttpd || missing+=(libmicrohttpd-dev)
		pkg-config --exists libnftnl || missing+=(libnftnl-dev)
	else
		missing+=(libyaml-dev libjson-c-dev libmicrohttpd-dev libnftnl-dev)
	fi
fi
if [ ${#missing[@]} -gt 0 ]; then
	mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
	echo "# installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y --no-install-recommends "${missing[@]}" >&2 ||
		{ apt-get update >&2 && apt-get install -y --no-install-recommends "${missing[@]}" >&2; }
fi

# --- build ------------------------------------------------------------------------------------
if [ -z "${SDND:-}" ]; then
	SDND=$BUILD/sdnd
	if [ ! -x "$SDND" ]; then
		echo "# building sdnd into $BUILD" >&2
		cmake -S "$ROOT" -B "$BUILD" -DSDND_TESTS=OFF -DSDND_SANITIZE=OFF \
			-DCMAKE_BUILD_TYPE=Release >&2
		cmake --build "$BUILD" -j"$(nproc)" --target sdnd >&2
	elif [ "$BUILD_SDND" = 1 ]; then
		echo "# bringing $BUILD up to date" >&2
		if ! cmake --build "$BUILD" -j"$(nproc)" --target sdnd >/dev/null 2>&1; then
			echo "# warning: rebuilding failed; measuring the existing $SDND" >&2
			NOTES+=(--note "rebuilding $BUILD failed: these figures are for the binary built earlier")
		fi
	fi
fi
[ -x "$SDND" ] || { echo "run.sh: no sdnd binary at $SDND" >&2; exit 1; }

WORK=$(mktemp -d /tmp/sdnd-bench-bin.XXXXXX)
cleanup() {
	local ns
	# Backstop only: bench.py removes its namespaces itself. Processes inside them are ours.
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$PREFIX" || true); do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
		ip netns del "$ns" 2>/dev/null || true
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

gcc -O2 -Wall -Wextra -pthread -o "$WORK/repair" "$HERE/repair.c" \
	$(pkg-config --cflags --libs libmnl)

CPUS=$(nproc)
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
HEADER="sdnd benchmark: $("$SDND" -V 2>/dev/null || echo sdnd) ($SDND), kernel $(uname -r), $CPUS CPUs, load average at start $LOAD"

# The load average counts other work on this machine: it skews wall-clock figures, so CPU times
# are reported beside them.
python3 "$HERE/bench.py" --sdnd "$SDND" --repair "$WORK/repair" --prefix "$PREFIX" \
	--header "$HEADER" "${ARGS[@]}" "${NOTES[@]}"
