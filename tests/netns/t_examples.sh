#!/bin/bash
# Every file in examples/ validates, applies on a real kernel, and then has nothing left to do.
# runs-in: host vm   (also proves sdnd on Debian 12's stock kernel)
. "$(dirname "$0")/lib.sh"
require_root
EX=$(cd "$(dirname "$0")/../../examples" && pwd)

underlay 1   # n1 holds 192.0.2.1, the local peer every example expects
for f in "$EX"/*.yaml; do
	name=$(basename "$f")
	check "$name passes sdnd check" nsx n1 "$SDND" check "$f" -n pve1
	check "$name applies cleanly" nsx n1 "$SDND" apply --once "$f" -s "$T/$name" -n pve1
	check "$name: nothing left to change" bash -c \
		"ip netns exec ${P}n1 $SDND plan '$f' -s '$T/$name' -n pve1 | grep -qx 'nothing to change'"
	# the next example starts from an empty node: apply an empty document to clean up
	printf 'version: 1\n' >"$T/empty.yaml"
	check "$name: an empty document removes everything it created" \
		nsx n1 "$SDND" apply --once "$T/empty.yaml" -s "$T/$name" -n pve1
	check "$name: only the underlay is left" bash -c \
		"[ \"\$(ip -n ${P}n1 -o link show | grep -cv -E ': (lo|eth0)[:@]')\" = 0 ]"
done
finish
