#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>

#include "l0svgd/core/error.hpp"
#include "l0svgd/io/dimensions.hpp"
#include "l0svgd/io/h5_file.hpp"
#include "l0svgd/io/output_file.hpp"
#include "test_support.hpp"

using namespace l0svgd;

namespace {
Matrix local_block(const Partition& p, Index d, double offset) {
  Matrix m(p.n_local(), d);
  for (Index i = 0; i < m.rows(); ++i)
    for (Index j = 0; j < d; ++j)
      m(i, j) = offset + 100.0 * (p.local_begin() + i) + j;
  return m;
}
bool exists_on_all(const std::string& path) {
  int here = std::filesystem::exists(path) ? 1 : 0, all = 0;
  MPI_Allreduce(&here, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  return all == 1;
}
} // namespace

TEST_CASE("distributed rows, replicated data, strings and attributes round-trip", "[h5]") {
  const std::string path = test::scratch_path("roundtrip.h5");
  const Index n = 7, d = 3;
  Partition p(n, MPI_COMM_WORLD);
  Matrix dense(2, 2);
  dense << 1, 2, 3, 4;
  {
    H5File f(path, H5File::Mode::Create, MPI_COMM_WORLD);
    f.write_rows("/particles", local_block(p, d, 0.5), p);
    f.write_vector_rows("/log_density", Vector::Constant(p.n_local(), -1.5), p);
    f.write_matrix("/group/sub/dense", dense);
    f.write_vector("/vec", Vector::LinSpaced(4, 0, 3));
    f.write_ints("/ints", {3, -4, 5});
    f.write_strings("/names", {"alpha", "b", ""});
    f.write_attribute("/", "seed", 42LL);
    f.write_attribute("/", "step", 0.25);
    f.write_attribute("/particles", "kind", std::string("final"));
    f.create_series("/history/time", {});
    f.create_series("/history/particles", {static_cast<hsize_t>(n), static_cast<hsize_t>(d)});
    for (int t = 0; t < 3; ++t) {
      f.append_scalar("/history/time", 0.5 * t);
      f.append_rows("/history/particles", local_block(p, d, t), p);
    }
  }
  H5File f(path, H5File::Mode::Read, MPI_COMM_WORLD);
  CHECK(f.read_rows("/particles", p) == local_block(p, d, 0.5));
  CHECK(f.read_matrix("/particles").rows() == n);
  CHECK(f.read_vector("/log_density") == Vector::Constant(n, -1.5));
  CHECK(f.read_matrix("/group/sub/dense") == dense);
  CHECK(f.read_vector("/vec") == Vector::LinSpaced(4, 0, 3));
  CHECK(f.read_strings("/names") == std::vector<std::string>{"alpha", "b", ""});
  CHECK(f.read_int_attribute("/", "seed") == 42);
  CHECK(f.read_real_attribute("/", "step") == 0.25);
  CHECK(f.read_string_attribute("/particles", "kind") == "final");
  CHECK(f.shape("/history/particles") == std::vector<hsize_t>{3, 7, 3});
  CHECK(f.read_vector("/history/time") == Vector::LinSpaced(3, 0, 1));
  // read_rows of a 3-D series returns its last slice.
  CHECK(f.read_rows("/history/particles", p) == local_block(p, d, 2));
  CHECK(f.exists("/group/sub/dense"));
  CHECK_FALSE(f.exists("/nothing/here"));
  CHECK_THROWS_AS(f.read_matrix("/missing"), InputError);
  CHECK_THROWS_AS(f.read_rows("/particles", Partition(n + 1, MPI_COMM_WORLD)), InputError);
}

TEST_CASE("an output file appears only after commit", "[h5][output]") {
  const std::string path = test::scratch_path("dir/committed.h5");
  std::filesystem::remove(path);
  MPI_Barrier(MPI_COMM_WORLD);
  {
    OutputFile out(path, MPI_COMM_WORLD);
    write_run_metadata(out.h5(), "test");
    CHECK_FALSE(exists_on_all(path));
    out.commit();
  }
  CHECK(exists_on_all(path));
  H5File f(path, H5File::Mode::Read, MPI_COMM_WORLD);
  CHECK(f.read_int_attribute("/", "ranks") == test::size());
}

TEST_CASE("an output file abandoned by an error leaves nothing behind", "[h5][output]") {
  const std::string path = test::scratch_path("abandoned.h5");
  std::string temporary;
  {
    OutputFile out(path, MPI_COMM_WORLD);
    temporary = out.temporary();
    CHECK(exists_on_all(temporary));
    out.h5().write_vector("/x", Vector::Ones(3));
  }
  MPI_Barrier(MPI_COMM_WORLD);
  CHECK_FALSE(exists_on_all(path));
  CHECK_FALSE(exists_on_all(temporary));
}

TEST_CASE("two output files of the same name have their own temporaries", "[h5][output]") {
  const std::string path = test::scratch_path("same_name.h5");
  {
    OutputFile first(path, MPI_COMM_WORLD), second(path, MPI_COMM_WORLD);
    CHECK(first.temporary() != second.temporary());
    first.h5().write_vector("/x", Vector::Constant(2, 1.0));
    second.h5().write_vector("/x", Vector::Constant(2, 2.0));
    second.commit();
    first.commit(); // the later one wins, with its own data
  }
  H5File f(path, H5File::Mode::Read, MPI_COMM_WORLD);
  CHECK(f.read_vector("/x")(0) == 1.0);
}

TEST_CASE("unwritable locations and missing files are input errors", "[h5][output]") {
  CHECK_THROWS_AS(OutputFile::check_writable("/proc/forbidden/out.h5", MPI_COMM_WORLD), InputError);
  CHECK_THROWS_AS(H5File(test::scratch_path("missing.h5"), H5File::Mode::Read, MPI_COMM_WORLD),
                  InputError);
}

TEST_CASE("empty datasets (a run of 0 iterations, a stateless step rule) round-trip", "[h5]") {
  const std::string path = test::scratch_path("empty.h5");
  {
    H5File f(path, H5File::Mode::Create, MPI_COMM_WORLD);
    f.write_vector("/history/ksd", Vector(0));
    f.write_matrix("/empty_matrix", Matrix(0, 3));
    f.write_strings("/names", {});
  }
  H5File f(path, H5File::Mode::Read, MPI_COMM_WORLD);
  CHECK(f.read_vector("/history/ksd").size() == 0);
  CHECK(f.read_matrix("/empty_matrix").rows() == 0);
  CHECK(f.read_strings("/names").empty());
}

TEST_CASE("dimension scales: coordinates, pure dimensions, clashes and the layout table", "[h5]") {
  const std::string path = test::scratch_path("dimensions.h5");
  const Index n = 5, d = 2;
  Partition p(n, MPI_COMM_WORLD);
  H5File f(path, H5File::Mode::Create, MPI_COMM_WORLD);
  f.write_rows("/particles", local_block(p, d, 0.0), p);
  f.write_vector("/g/time", Vector::LinSpaced(3, 0, 1));
  f.write_matrix("/g/values", Matrix::Zero(3, 4));
  // An existing same-length 1-D dataset becomes the coordinate, a new name a pure dimension.
  CHECK(f.attach_dimensions("/g/values", {"time", "column"}));
  CHECK(f.is_dimension("/g/time"));
  CHECK(f.is_dimension("/g/column"));
  CHECK(f.read_vector("/g/time") == Vector::LinSpaced(3, 0, 1));
  CHECK_FALSE(f.is_dimension("/g/values"));
  // A repeated name, or a name of another length in the group, changes nothing.
  CHECK_FALSE(f.attach_dimensions("/particles", {"particle", "particle"}));
  CHECK_FALSE(f.exists("/particle"));
  CHECK_FALSE(f.attach_dimensions("/g/time", {"column"}));
  CHECK(f.attach_dimensions("/particles", {"particle", "parameter"}));
  CHECK(f.is_dimension("/particle"));
  // The dimension datasets are not data: dataset_names lists them, the table names the rest.
  const std::vector<std::string> names = f.dataset_names();
  CHECK(std::find(names.begin(), names.end(), "/g/values") != names.end());
  CHECK(dimension_names("/particles", 2) == std::vector<std::string>{"particle", "parameter"});
  CHECK(dimension_names("/unknown/thing", 2) ==
        std::vector<std::string>{"thing_dim0", "thing_dim1"});
}
