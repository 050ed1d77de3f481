#!/bin/bash
# Inside the VM kernel (started by tests/vm/run.sh): load the modules the tests use, then run each
# test script as tests/netns/run.sh would, and print the same summary line.
modprobe -a bridge vxlan veth 8021q bonding dummy nf_tables 2>/dev/null
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
