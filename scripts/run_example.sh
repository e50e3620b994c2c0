#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a result: installs the packages, builds, and runs the
# default example on 2 ranks. Usage: scripts/run_example.sh [input.yaml] [-option value ...]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
scripts/build.sh release
source scripts/mpi_env.sh
input="${1:-inputs/logreg_svgd.yaml}"
shift || true
mpirun -n 2 build/release/l0svgd "$input" "$@"
