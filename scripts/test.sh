#!/usr/bin/env bash
# The README's test command: installs the dependencies, builds, and runs every test
# (C unit tests, CLI tests, Python tests, RTL lint and co-simulation), then rebuilds the
# C code with AddressSanitizer and UBSan and runs the C and RTL tests again under them.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

jobs=$(nproc 2>/dev/null || echo 2)
start=$(date +%s)

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGLIF_WERROR=ON
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs")

cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DGLIF_SANITIZE=ON -DGLIF_WERROR=ON
cmake --build build-asan -j"$jobs"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
   ctest --output-on-failure -j"$jobs" -L "^c$|sanitize|rtl")

echo "test.sh: all tests passed in $(( $(date +%s) - start )) s"
