#include <catch2/catch.hpp>

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/options.hpp"
#include "test_support.hpp"

using namespace l0svgd;
using test::ScopedOptions;

TEST_CASE("typed getters return defaults and set values", "[options]") {
  ScopedOptions scoped("-a_int 7 -a_real 2.5 -a_flag -a_name hello -a_list 1,2,3.5 -a_kind imq");
  Options o;
  CHECK(o.get_int("a_int", 1, 0, 10, "int") == 7);
  CHECK(o.get_int("b_int", 3, 0, 10, "int") == 3);
  CHECK(o.get_real("a_real", 1.0, 0.0, 10.0, "real") == 2.5);
  CHECK(o.get_bool("a_flag", false, "flag"));
  CHECK(o.get_string("a_name", "x", "name") == "hello");
  CHECK(o.get_choice("a_kind", "rbf", {"rbf", "imq"}, "kernel") == "imq");
  CHECK(o.get_real_array("a_list", {}, "list") == std::vector<double>{1, 2, 3.5});
  CHECK(o.specs().size() == 7);
  CHECK_NOTHROW(Options::check_all_used());
}

TEST_CASE("out-of-range, malformed and unknown values are input errors naming the option",
          "[options]") {
  ScopedOptions scoped("-n 0 -step -1 -kind gauss -count abc");
  Options o;
  CHECK_THROWS_WITH(o.get_int("n", 2, 2, 100, "particles"),
                    Catch::Contains("-n") && Catch::Contains("outside"));
  CHECK_THROWS_AS(o.get_real("step", 0.1, 0.0, 1.0, "step", true), InputError);
  CHECK_THROWS_WITH(o.get_choice("kind", "rbf", {"rbf", "imq"}, "kernel"),
                    Catch::Contains("gauss"));
  CHECK_THROWS_WITH(o.get_int("count", 1, 0, 10, "count"), Catch::Contains("-count"));
}

TEST_CASE("an option nobody read is reported by name", "[options]") {
  ScopedOptions scoped("-svgd_particles 10 -svgd_partciles 12");
  Options o;
  o.get_int("svgd_particles", 2, 2, 1000, "particles");
  CHECK_THROWS_WITH(Options::check_all_used(), Catch::Contains("-svgd_partciles"));
}

TEST_CASE("help mode records specs without range errors", "[options]") {
  ScopedOptions scoped("-n 0");
  Options o(true);
  CHECK(o.get_int("n", 2, 2, 100, "particles") == 0);
  REQUIRE(o.specs().size() == 1);
  CHECK(o.specs()[0].range == "[2, 100]");
}

TEST_CASE("YAML input files load and the command line wins", "[options]") {
  ScopedOptions scoped("");
  const std::string path = test::scratch_path("options.yaml");
  if (test::rank() == 0) {
    FILE* f = std::fopen(path.c_str(), "w");
    std::fputs("svgd:\n  particles: 64\n  step: 0.5\ninit:\n  mean: [1, 2]\n", f);
    std::fclose(f);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  char prog[] = "prog", flag[] = "-svgd_step", value[] = "0.25";
  char* args[] = {prog, flag, value, nullptr};
  int argc = 3;
  char** argv = args;
  load_input_file(path, &argc, &argv);
  Options o;
  CHECK(o.get_int("svgd_particles", 2, 2, 1000, "") == 64);
  CHECK(o.get_real("svgd_step", 0.1, 0, 1, "") == 0.25);
  CHECK(o.get_real_array("init_mean", {}, "") == std::vector<double>{1, 2});
  CHECK_THROWS_AS(load_input_file(path + ".missing", &argc, &argv), InputError);
}
