#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build the libFuzzer targets with clang (AddressSanitizer + UndefinedBehaviorSanitizer) and run
# fuzz_parse over tests/fuzz/corpus for a bounded time.
#
#   tests/fuzz/run.sh [BUILD_DIR [SECONDS]]     defaults: build-fuzz, 30
#
# New inputs libFuzzer finds go to BUILD_DIR/corpus (the seeds in tests/fuzz/corpus are only
# read); a crashing input is saved as BUILD_DIR/crash-* and the script exits non-zero.
# Reproduce one with: BUILD_DIR/fuzz_parse BUILD_DIR/crash-...
# Installs libFuzzer (Debian's libclang-rt-N-dev) with apt-get when clang lacks it.
set -eu

src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-build-fuzz}
secs=${2:-30}

case $secs in
'' | *[!0-9]*)
	echo "usage: $0 [BUILD_DIR [SECONDS]]" >&2
	exit 2
	;;
esac

command -v clang >/dev/null || {
	echo "$0: clang is needed" >&2
	exit 1
}

# Does clang link a libFuzzer target?
have_libfuzzer() {
	tmp=$(mktemp -d)
	printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
		'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
		'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return 0; }' >"$tmp/t.c"
	ok=0
	clang -fsanitize=fuzzer "$tmp/t.c" -o "$tmp/t" >/dev/null 2>&1 || ok=1
	rm -rf "$tmp"
	return $ok
}

if ! have_libfuzzer; then
	ver=$(clang --version | sed -n 's/.*clang version \([0-9][0-9]*\).*/\1/p' | head -n1)
	pkg=libclang-rt-${ver}-dev
	echo "$0: clang cannot link libFuzzer; installing $pkg" >&2
	sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get install -y "$pkg" || {
		$sudo apt-get update && $sudo apt-get install -y "$pkg"
	}
	have_libfuzzer || {
		echo "$0: libFuzzer still unavailable after installing $pkg" >&2
		exit 1
	}
fi

CC=clang cmake -S "$src" -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DSDND_FUZZ=ON -DSDND_TESTS=OFF -DSDND_SANITIZE=ON >/dev/null
cmake --build "$build" --target fuzz_parse -j"$(nproc)"

mkdir -p "$build/corpus"
# halt_on_error etc.: any sanitizer report is a crash; leaks are reported too.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	"$build/fuzz_parse" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	-max_len=16384 -print_final_stats=1 -dict="$src/tests/fuzz/fuzz_parse.dict" \
	-artifact_prefix="$build/" "$build/corpus" "$src/tests/fuzz/corpus"
