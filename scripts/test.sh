#!/bin/bash
# The whole test suite, as CI runs it: installs its dependencies, builds with gcc (ASan + UBSan,
# warnings as errors) and clang, runs the unit tests, a parser fuzzing smoke run and the
# namespace tests against the real kernel. Run as root on Debian 12.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
	echo "scripts/test.sh: run as root (the namespace tests create network namespaces)" >&2
	exit 1
fi
bash scripts/deps.sh build-essential cmake pkg-config libmnl-dev libyaml-dev libjson-c-dev \
	libcmocka-dev libmicrohttpd-dev libcurl4-openssl-dev libnftnl-dev nftables curl iproute2 iputils-ping python3 clang libclang-rt-14-dev \
	etcd-server etcd-client openssl

echo "=== build (gcc, ASan + UBSan, -Werror)"
cmake -S . -B build -DSDND_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS=-Werror >/dev/null
cmake --build build -j"$(nproc)"

echo "=== build (clang, -Werror) and an optimised gcc build (more warnings show at -O2)"
cmake -S . -B build-clang -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Release \
	-DCMAKE_C_FLAGS=-Werror >/dev/null
cmake --build build-clang -j"$(nproc)"
cmake -S . -B build-release -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=Release -DSDND_TESTS=OFF \
	-DCMAKE_C_FLAGS=-Werror >/dev/null
cmake --build build-release -j"$(nproc)"

echo "=== unit tests"
(cd build && ctest --output-on-failure)

echo "=== parser fuzzing (smoke run)"
bash tests/fuzz/run.sh build-fuzz "${FUZZ_SECONDS:-20}"

echo "=== sdnctl against a stand-in for the API and against the real daemon"
SDNCTL="$PWD/build/sdnctl" SDND="$PWD/build/sdnd" bash tests/sdnctl/run.sh

echo "=== namespace tests (this host's kernel)"
SDND="$PWD/build/sdnd" bash tests/netns/run.sh

echo "=== namespace tests marked for the VM kernel (Debian's linux-image-amd64 under QEMU)"
SDND="$PWD/build/sdnd" bash tests/vm/run.sh
