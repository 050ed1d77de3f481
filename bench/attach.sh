#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# sdnd attachment benchmark, one command:
#
#   bench/attach.sh [--seq 200] [--many 1000] [--clients 8] [--resyncs 5] [--no-build]
#
# How fast a guest port (a VM's tap, a container's veth) is plugged into its vnet through the
# control API (PUT /v1/attachments/X), against the shell-out of a Proxmox-like hook measured in
# the same run; then 1000 attachments on one vnet: the total, the daemon's memory, re-plugging
# after every port was deleted and re-created, concurrent clients, a restart and the periodic
# full resync. bench/attach.py says what each figure is; bench/README.md shows a run.
# Prints a table to stdout (progress on stderr). Takes about two minutes.
#
# Needs root. Installs what is missing with apt-get (iproute2, curl, python3, and to build
# sdnd: cmake, make, gcc, pkg-config and the libraries), builds sdnd into build-bench/ (Release,
# no sanitizers; an existing build is brought up to date, --no-build uses it as it is). Set
# SDND=/path/to/sdnd to measure another binary. Never touches the host's own network: every
# command runs in namespaces named sdna<pid>*, all removed on exit, even on failure or Ctrl-C.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BUILD=$ROOT/build-bench
PREFIX=sdna$$
BUILD_SDND=1
ARGS=()

usage() { sed -n '4,6p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
	case $1 in
	--seq | --many | --clients | --resyncs)
		[ $# -ge 2 ] || { usage >&2; exit 2; }
		ARGS+=("$1" "$2"); shift 2 ;;
	--no-build) BUILD_SDND=0; shift ;;
	-h | --help) usage; exit 0 ;;
	*) echo "attach.sh: unknown argument \"$1\"" >&2; usage >&2; exit 2 ;;
	esac
done

NAME=attach.sh
. "$HERE/lib.sh"
bench_setup curl curl

HEADER="sdnd attachment benchmark: $("$SDND" -V 2>/dev/null || echo sdnd) ($SDND$NOTE), kernel $(uname -r), $(nproc) CPUs, load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$HERE/attach.py" --sdnd "$SDND" --prefix "$PREFIX" --header "$HEADER" "${ARGS[@]}"
