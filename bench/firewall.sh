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

if [ "$(id -u)" -ne 0 ]; then
	echo "firewall.sh: needs root (network namespaces)" >&2
	exit 1
fi

# --- dependencies -----------------------------------------------------------------------------
missing=()
need_cmd() { command -v "$1" >/dev/null 2>&1 || missing+=("$2"); }
need_cmd ip iproute2
need_cmd bridge iproute2
need_cmd nft nftables
need_cmd stdbuf coreutils
need_cmd python3 python3
if [ -z "${SDND:-}" ]; then
	need_cmd cmake cmake
	need_cmd make make
	need_cmd gcc gcc
	need_cmd pkg-config pkg-config
	if command -v pkg-config >/dev/null 2>&1; then
		pkg-config --exists libmnl || missing+=(libmnl-dev)
		pkg-config --exists yaml-0.1 || missing+=(libyaml-dev)
		pkg-config --exists json-c || missing+=(libjson-c-dev)
		pkg-config --exists libmicrohttpd || missing+=(libmicrohttpd-dev)
		pkg-config --exists libnftnl || missing+=(libnftnl-dev)
	else
		missing+=(libmnl-dev libyaml-dev libjson-c-dev libmicrohttpd-dev libnftnl-dev)
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
NOTE=""
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
			NOTE=" (rebuilding failed: the binary built earlier)"
		fi
	fi
fi
[ -x "$SDND" ] || { echo "firewall.sh: no sdnd binary at $SDND" >&2; exit 1; }

cleanup() {
	local ns
	# Backstop only: firewall.py removes its namespaces itself. Processes inside them are ours.
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$PREFIX" || true); do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
		ip netns del "$ns" 2>/dev/null || true
	done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

HEADER="sdnd firewall benchmark: $("$SDND" -V 2>/dev/null || echo sdnd) ($SDND$NOTE), kernel $(uname -r), $(nproc) CPUs, nft $(nft --version 2>/dev/null | awk '{print $2}'), load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$HERE/firewall.py" --sdnd "$SDND" --prefix "$PREFIX" --header "$HEADER" "${ARGS[@]}"
