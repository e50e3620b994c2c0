#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a tested build: installs the packages, builds, and runs
# the whole test suite (every MPI test on 1, 2 and 4 ranks). Extra arguments go to ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
scripts/build.sh release
source scripts/mpi_env.sh
ctest --preset release "$@"
