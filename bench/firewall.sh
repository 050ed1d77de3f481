#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# sdnd firewall benchmark, one command:
#
#   bench/firewall.sh [--sizes "1000 100"] [--reps 3] [--changes 24] [--keep] [--no-build]
#
# How fast sdnd puts a large firewall into nftables (1000 guest NICs with 10 rules each, 20
# security groups, a 10 000-element ipset) against `nft -f` of the same ruleset, and how fast
# it applies one change: one NIC's rules (PUT /v1/attachments/X), one ipset element (PUT
# /v1/config), nothing (the same again). bench/firewall.py says what each figure is;
# bench/README.md shows a run. Prints a table to stdout (progress on stderr). Takes about three
# minutes.
#
# Needs root. Installs what is missing with apt-get (iproute2, nftables, python3, and to build
# sdnd: cmake, make, gcc, pkg-config and the libraries), builds sdnd into build-bench/ (Release,
# no sanitizers; an existing build is brought up to date, --no-build uses it as it is). Set
# SDND=/path/to/sdnd to measure another binary. Never touches the host's own network: every
# command runs in namespaces named sdnf<pid>*, all removed on exit, even on failure or Ctrl-C.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BUILD=$ROOT/build-bench
PREFIX=sdnf$$
BUILD_SDND=1
ARGS=()

usage() { sed -n '4,6p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
	case $1 in
	--sizes | --reps | --changes | --peer-changes | --timeout)
		[ $# -ge 2 ] || { usage >&2; exit 2; }
		ARGS+=("$1" "$2"); shift 2 ;;
	--no-build) BUILD_SDND=0; shift ;;
	--keep) ARGS+=("$1"); shift ;;
	-h | --help) usage; exit 0 ;;
	*) echo "firewall.sh: unknown argument \"$1\"" >&2; usage >&2; exit 2 ;;
	esac
done

NAME=firewall.sh
. "$HERE/lib.sh"
bench_setup nft nftables stdbuf coreutils

HEADER="sdnd firewall benchmark: $("$SDND" -V 2>/dev/null || echo sdnd) ($SDND$NOTE), kernel $(uname -r), $(nproc) CPUs, nft $(nft --version 2>/dev/null | awk '{print $2}'), load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$HERE/firewall.py" --sdnd "$SDND" --prefix "$PREFIX" --header "$HEADER" "${ARGS[@]}"
