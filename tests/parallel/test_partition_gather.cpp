#include <catch2/catch.hpp>

#include "l0svgd/core/error.hpp"
#include "l0svgd/parallel/collective_error.hpp"
#include "l0svgd/parallel/gather.hpp"
#include "l0svgd/parallel/partition.hpp"
#include "test_support.hpp"

using namespace l0svgd;

TEST_CASE("block partition covers every row once, uneven blocks included", "[partition]") {
  for (int size : {1, 2, 3, 4, 7})
    for (Index n : {0, 1, 5, 7, 100}) {
      Index covered = 0;
      for (int r = 0; r < size; ++r) {
        Partition p(n, r, size);
        CHECK(p.begin(r) == covered);
        for (Index i = p.begin(r); i < p.begin(r) + p.count(r); ++i)
          CHECK(p.owner(i) == r);
        covered += p.count(r);
      }
      CHECK(covered == n);
    }
}

TEST_CASE("RowGather assembles the global matrix in global row order", "[gather]") {
  for (Index n : {4, 5, 13}) {
    const Index d = 3;
    Partition p(n, MPI_COMM_WORLD);
    Matrix local(p.n_local(), d);
    for (Index i = 0; i < p.n_local(); ++i)
      for (Index j = 0; j < d; ++j)
        local(i, j) = 10.0 * (p.local_begin() + i) + j;
    Matrix global(n, d);
    RowGather gather(p, d, MPI_COMM_WORLD);
    gather.gather(local, global);
    for (Index i = 0; i < n; ++i)
      for (Index j = 0; j < d; ++j)
        CHECK(global(i, j) == 10.0 * i + j);
  }
}

TEST_CASE("an error on one rank is raised on every rank with its message", "[collective]") {
  const int failing = test::size() - 1;
  bool thrown = false;
  try {
    run_collectively(
        [&] {
          if (test::rank() == failing)
            throw ModelError("bad value on the last rank");
        },
        MPI_COMM_WORLD);
  } catch (const ModelError& e) {
    thrown = std::string(e.what()) == "bad value on the last rank";
  }
  CHECK(thrown);
  CHECK_NOTHROW(raise_if_any(false, "", MPI_COMM_WORLD));
}
