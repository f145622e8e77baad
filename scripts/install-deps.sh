#!/usr/bin/env bash
# Install every build, test and tool dependency of the GLIF fabric from Debian packages.
# Idempotent: running it again installs nothing new. Needs root (or sudo).
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config git
  libyaml-dev libcmocka-dev zlib1g-dev libcjson-dev
  verilator libsystemc-dev
  libmetis-dev libopenmpi-dev openmpi-bin
  gnuplot-nox yosys
  python3-torch python3-numpy python3-sklearn
  dataset-fashion-mnist
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

echo "install-deps: installing ${#missing[@]} packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends "${missing[@]}"
