#!/usr/bin/env bash
# Installs every package l0svgd needs on Debian 12 (build, tests and the SLURM they run under, plots,
# xarray for reading the results, benchmarks; with --bench also PyTorch for the gradient-throughput
# comparison).
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
packages=(
  build-essential cmake pkg-config git procps
  libopenmpi-dev openmpi-bin
  petsc-dev libyaml-dev
  libhdf5-openmpi-dev hdf5-tools
  libeigen3-dev catch2 libgsl-dev
  libopenblas-dev libopenblas0-pthread
  python3-numpy python3-scipy python3-h5py python3-matplotlib
  python3-xarray python3-netcdf4 python3-h5netcdf
  # The SLURM test (tests/cli/slurm.sh) runs a one-node cluster; slurmd's mpi/pmix plugin loads
  # libpmix.so, which libpmix-dev provides.
  slurmctld slurmd slurm-client munge libpmix-dev
)
# The PyTorch comparison (bench/run_hyper_gradient_bench.sh) alone needs torch, a large package: only
# with --bench, so that building and testing stay quick to set up.
if [ "${1:-}" = "--bench" ]; then packages+=(python3-torch); fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
