#!/usr/bin/env bash
# The README's main job: installs the dependencies, builds the toolchain and shows the
# default architecture. (Compiling and simulating the bundled example follows as the
# compiler and simulator land.)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc 2>/dev/null || echo 2)" >/dev/null

./build/cli/glif --version
./build/cli/glif arch examples/arch/glif-256.yaml
