#!/bin/bash
# Inside the VM kernel (started by tests/vm/run.sh): load the modules the tests use, then run each
# test script as tests/netns/run.sh would, and print the same summary line.
modprobe -a bridge vxlan veth 8021q bonding dummy nf_tables 2>/dev/null
# the firewall (t_firewall.sh): bridge conntrack and reject, meta ibrname, ct, log, nat
modprobe -a nft_reject_bridge nf_conntrack_bridge nft_meta_bridge nft_ct nft_log nf_log_syslog \
	nft_reject_inet nft_masq nft_nat nft_chain_nat nf_conntrack 2>/dev/null
echo "vm: kernel $(uname -r)"
passed=0 failed=0 skipped=0
for t in "$@"; do
	echo "=== $(basename "$t") (VM kernel)"
	bash "$t"
	case $? in
	0) passed=$((passed + 1)) ;;
	77) skipped=$((skipped + 1)) ;;
	*) failed=$((failed + 1)); echo "=== $(basename "$t"): FAILED" ;;
	esac
done
echo "vm: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
