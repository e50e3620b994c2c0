#!/usr/bin/env bash
# A result file's git_revision names the commit the binary was built from: the revision is refreshed
# at every build (cmake/GitRevision.cmake), not frozen when CMake last configured. Without a git
# checkout (a source tarball) the attribute is "unknown" and there is nothing to compare.
# Usage: git_revision.sh <workdir> <l0svgd> <source dir>
set -eu
work="$1"; exe="$2"; src="$3"
mkdir -p "$work"; rm -f "$work/revision.h5"
mpirun -n 1 --oversubscribe "$exe" -target_type gaussian -svgd_particles 4 -svgd_iterations 1 \
  -log_level warning -output_file "$work/revision.h5"
revision=$(/usr/bin/python3 -c "
import h5py, sys
v = h5py.File(sys.argv[1])['/'].attrs['git_revision']
print(v.decode() if isinstance(v, bytes) else v)" "$work/revision.h5")
if ! git -C "$src" rev-parse HEAD > /dev/null 2>&1; then
  [ "$revision" = unknown ] || { echo "FAIL: no git checkout, but git_revision is '$revision'"; exit 1; }
  echo "git_revision: unknown (no git checkout)"; exit 0
fi
commit=$(git -C "$src" rev-parse "${revision%-dirty}^{commit}" 2> /dev/null) || {
  echo "FAIL: git_revision '$revision' names no commit of $src"; exit 1; }
head=$(git -C "$src" rev-parse HEAD)
[ "$commit" = "$head" ] || { echo "FAIL: git_revision '$revision' is $commit, but the sources are at $head (rebuild?)"; exit 1; }
echo "git_revision: $revision = HEAD"
