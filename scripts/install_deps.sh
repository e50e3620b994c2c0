#!/usr/bin/env bash
# Installs every package l0svgd needs on Debian 12 (build, tests, plots and benchmarks).
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
packages=(
  build-essential cmake pkg-config git
  libopenmpi-dev openmpi-bin
  petsc-dev
  libhdf5-openmpi-dev hdf5-tools
  libeigen3-dev catch2
  python3-numpy python3-scipy python3-h5py python3-matplotlib
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
