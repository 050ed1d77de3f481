#!/bin/bash
# Runs every namespace test (t_*.sh) and prints one summary line: "N passed, N failed, N skipped".
# A test script exits 0 (passed), 77 (skipped: the kernel or the machine lacks something) or
# anything else (failed).
cd "$(dirname "$0")" || exit 1
passed=0 failed=0 skipped=0
for t in ${TESTS:-t_*.sh}; do
	echo "=== $t"
	start=$(date +%s)
	bash "$t"
	rc=$?
	case $rc in
	0) passed=$((passed + 1)); echo "=== $t: passed ($(( $(date +%s) - start )) s)" ;;
	77) skipped=$((skipped + 1)); echo "=== $t: skipped" ;;
	*) failed=$((failed + 1)); echo "=== $t: FAILED (exit $rc)" ;;
	esac
done
echo "netns: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
