#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# sdnd cluster benchmark, one command:
#
#   bench/cluster.sh [--nodes 5] [--vnets 100] [--reps 3] [--deaths 2] [--ttl 15] [--keep]
#                    [--no-build]
#
# A real etcd and N nodes (network namespaces, each running sdnd --store etcd://...) with one
# vxlan zone on `peers: auto`: how long from `sdnctl apply` until every node runs 100 new vnets
# (and one more, and none), against `ip -batch` + `bridge -batch` of the same kernel changes on
# every node at once; how long after a node dies (SIGKILL) the others stop flooding to it,
# against the lease TTL; how long a node joining or leaving cleanly takes. bench/cluster.py
# says what each figure is; bench/README.md shows a run. Prints a table to stdout (progress on
# stderr). Takes about 3 minutes, most of it the kernel deleting devices and leases expiring.
#
# Needs root. Installs what is missing with apt-get (iproute2, etcd-server, etcd-client,
# python3, and to build sdnd: cmake, make, gcc, pkg-config and the libraries), builds sdnd and
# sdnctl into build-bench/ (Release, no sanitizers; an existing build is brought up to date,
# --no-build uses it as it is). Set SDND=/path/to/sdnd (and SDNCTL) to measure other binaries.
# Never touches the host's own network: every command runs in namespaces named sdnc<pid>*, all
# removed on exit, even on failure or Ctrl-C.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BUILD=$ROOT/build-bench
PREFIX=sdnc$$
BUILD_SDND=1
ARGS=()

usage() { sed -n '4,7p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
	case $1 in
	--nodes | --vnets | --reps | --deaths | --ttl)
		[ $# -ge 2 ] || { usage >&2; exit 2; }
		ARGS+=("$1" "$2"); shift 2 ;;
	--no-build) BUILD_SDND=0; shift ;;
	--keep) ARGS+=("$1"); shift ;;
	-h | --help) usage; exit 0 ;;
	*) echo "cluster.sh: unknown argument \"$1\"" >&2; usage >&2; exit 2 ;;
	esac
done

NAME=cluster.sh
. "$HERE/lib.sh"
bench_setup etcd etcd-server etcdctl etcd-client stdbuf coreutils
SDNCTL=${SDNCTL:-$(dirname "$SDND")/sdnctl}
if [ "$SDNCTL" = "$BUILD/sdnctl" ] && { [ ! -x "$SDNCTL" ] || [ "$BUILD_SDND" = 1 ]; }; then
	cmake --build "$BUILD" -j"$(nproc)" --target sdnctl >&2
fi
[ -x "$SDNCTL" ] || { echo "$NAME: no sdnctl binary at $SDNCTL" >&2; exit 1; }

HEADER="sdnd cluster benchmark: $("$SDND" -V 2>/dev/null || echo sdnd) ($SDND$NOTE), kernel $(uname -r), $(nproc) CPUs, load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$HERE/cluster.py" --sdnd "$SDND" --sdnctl "$SDNCTL" --prefix "$PREFIX" \
	--header "$HEADER" "${ARGS[@]}"
