// The SVGD task end to end through its Task interface: accuracy by default (whitened by the Laplace
// fit, coordinate-wise kernel) against a long HMC reference and exact Gaussians, the collapse of
// the plain kernel without whitening and its warning.
#include <catch2/catch.hpp>

#include <algorithm>
#include <mpi.h>
#include <string>
#include <vector>

#include "l0svgd/core/csv.hpp"
#include "l0svgd/core/options.hpp"
#include "l0svgd/drivers/svgd_task.hpp"
#include "l0svgd/io/h5_file.hpp"
#include "l0svgd/models/gaussian.hpp"
#include "test_support.hpp"

using namespace l0svgd;

namespace {

struct Ensemble {
  Matrix particles;
  std::string warning;
};

Ensemble run_task(const std::string& settings, const std::string& name) {
  const std::string file = test::scratch_path(name);
  {
    test::ScopedOptions scoped(settings + " -svgd_monitor_every 0 -output_file " + file);
    auto task = make_svgd_task(MPI_COMM_WORLD);
    Options options;
    task->configure(options);
    task->setup();
    task->run();
  }
  H5File h5(file, H5File::Mode::Read, MPI_COMM_WORLD);
  return {h5.read_matrix("/particles"), h5.read_string_attribute("/diagnostics", "warning")};
}

Vector column_sd(const Matrix& x) {
  const Matrix centred = x.rowwise() - x.colwise().mean();
  return (centred.colwise().squaredNorm().transpose() / (x.rows() - 1.0)).cwiseSqrt();
}

double median(const Vector& v) {
  std::vector<double> s(v.data(), v.data() + v.size());
  std::sort(s.begin(), s.end());
  const std::size_t n = s.size();
  return n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

const std::string logreg = "-task svgd -target_type logreg -target_data " +
                           test::source_path("data/uci/breast_cancer.csv") +
                           " -target_prior_scale 10 -svgd_particles 128 -svgd_iterations 1000 "
                           "-seed 1";

} // namespace

TEST_CASE("the default logistic-regression example matches a long HMC run: sds a median >= 0.85x, "
          "means within 0.1 sd",
          "[svgd_task]") {
  // data/reference: 48000 HMC draws of bench/svgd_accuracy.py (split R-hat 1.0001).
  const CsvTable reference =
      read_csv(test::source_path("data/reference/logreg_breast_cancer_hmc.csv"));
  const Vector mean = reference.values.col(0), sd = reference.values.col(1);
  const Ensemble e = run_task(logreg, "svgd_logreg_default.h5");
  REQUIRE(e.particles.cols() == mean.size());
  const Vector ratio = column_sd(e.particles).cwiseQuotient(sd);
  const Vector mean_error =
      (e.particles.colwise().mean().transpose() - mean).cwiseAbs().cwiseQuotient(sd);
  INFO("sd ratio median " << median(ratio) << " (" << ratio.minCoeff() << " to " << ratio.maxCoeff()
                          << "), mean error " << mean_error.mean() << " sd");
  CHECK(median(ratio) >= 0.85);
  CHECK(ratio.minCoeff() >= 0.7);
  CHECK(ratio.maxCoeff() <= 1.25);
  CHECK(mean_error.mean() <= 0.1);
  CHECK(e.warning.empty());

  // The example before whitening (scalar RBF, AdaGrad, a tight start): about a third of the sds,
  // and the run says so.
  const Ensemble old = run_task(logreg + " -svgd_precondition none -init_type gaussian "
                                         "-init_scale 0.1",
                                "svgd_logreg_old.h5");
  const Vector old_ratio = column_sd(old.particles).cwiseQuotient(sd);
  INFO("without whitening: sd ratio median " << median(old_ratio));
  CHECK(median(old_ratio) < 0.5);
  CHECK_THAT(old.warning, Catch::Contains("collapsed") && Catch::Contains("laplace_full"));
}

TEST_CASE("whitened coordinate-wise SVGD keeps the spread of correlated Gaussians (d = 10, 100; "
          "N = 200)",
          "[svgd_task]") {
  for (Index d : {10, 100}) {
    INFO("d = " << d);
    const DenseMatrix cov = random_spd_matrix(d, 100.0, 3);
    const std::string gaussian = "-task svgd -target_type gaussian -target_random_cov -target_cond "
                                 "100 -target_seed 3 -svgd_particles 200 -seed 2 -target_dim " +
                                 std::to_string(d) +
                                 (d == 100 ? " -svgd_iterations 300" : " -svgd_iterations 1000");
    const Ensemble e = run_task(gaussian, "svgd_gaussian_" + std::to_string(d) + ".h5");
    const Vector ratio = column_sd(e.particles).cwiseQuotient(cov.diagonal().cwiseSqrt());
    INFO("sd ratio median " << median(ratio) << " (" << ratio.minCoeff() << " to "
                            << ratio.maxCoeff() << ")");
    if (d == 10) {
      // Variance ratio >= 0.9 (issue 13's target; the plain kernel gives 0.5-0.6, test_accuracy).
      CHECK(ratio.cwiseAbs2().minCoeff() >= 0.9);
      CHECK(ratio.cwiseAbs2().maxCoeff() <= 1.15);
    } else {
      CHECK(median(ratio) >= 0.9);
      CHECK(ratio.minCoeff() >= 0.8);
    }
    const Vector mean_error = e.particles.colwise().mean().transpose().cwiseAbs().cwiseQuotient(
        cov.diagonal().cwiseSqrt());
    CHECK(mean_error.maxCoeff() < 0.1);
    CHECK(e.warning.empty());
  }
}
