#include <catch2/catch.hpp>

#include <cmath>

#include "l0svgd/core/error.hpp"
#include "l0svgd/svgd/step_rule.hpp"
#include "test_support.hpp"

using namespace l0svgd;

namespace {
Matrix direction(double scale) {
  Matrix g(2, 2);
  g << 1.0, -2.0, 0.5, 0.0;
  return scale * g;
}
} // namespace

TEST_CASE("adagrad with momentum follows the reference update", "[step_rule]") {
  StepRuleSettings s;
  s.step = 0.1;
  s.alpha = 0.9;
  StepRule rule(s, 2, 2);
  Matrix delta(2, 2);
  const Matrix g1 = direction(1.0), g2 = direction(-3.0);
  rule.update(g1, delta);
  for (Index i = 0; i < 2; ++i)
    for (Index j = 0; j < 2; ++j) {
      // First step: G = g², so Δ = ε g / (1e-6 + |g|).
      const double g = g1(i, j);
      CHECK(delta(i, j) == Approx(0.1 * g / (1e-6 + std::abs(g))).epsilon(1e-14));
    }
  rule.update(g2, delta);
  for (Index i = 0; i < 2; ++i)
    for (Index j = 0; j < 2; ++j) {
      const double G = 0.9 * g1(i, j) * g1(i, j) + 0.1 * g2(i, j) * g2(i, j);
      CHECK(delta(i, j) == Approx(0.1 * g2(i, j) / (1e-6 + std::sqrt(G))).epsilon(1e-14));
    }
  CHECK(rule.steps() == 2);
}

TEST_CASE("adam follows Kingma and Ba with bias correction", "[step_rule]") {
  StepRuleSettings s;
  s.type = StepRuleType::Adam;
  s.step = 0.05;
  s.beta1 = 0.8;
  s.beta2 = 0.99;
  s.adam_epsilon = 1e-8;
  StepRule rule(s, 2, 2);
  Matrix delta(2, 2);
  const Matrix g1 = direction(1.0), g2 = direction(0.5);
  rule.update(g1, delta);
  rule.update(g2, delta);
  for (Index i = 0; i < 2; ++i)
    for (Index j = 0; j < 2; ++j) {
      const double m = 0.8 * 0.2 * g1(i, j) + 0.2 * g2(i, j);
      const double v = 0.99 * 0.01 * g1(i, j) * g1(i, j) + 0.01 * g2(i, j) * g2(i, j);
      const double mhat = m / (1 - 0.8 * 0.8), vhat = v / (1 - 0.99 * 0.99);
      CHECK(delta(i, j) == Approx(0.05 * mhat / (std::sqrt(vhat) + 1e-8)).epsilon(1e-13));
    }
}

TEST_CASE("plain step is step times direction", "[step_rule]") {
  StepRuleSettings s;
  s.type = StepRuleType::Plain;
  s.step = 0.25;
  StepRule rule(s, 2, 2);
  Matrix delta(2, 2);
  rule.update(direction(2.0), delta);
  CHECK(delta == 0.5 * direction(1.0));
  CHECK(rule.state().blocks.empty());
}

TEST_CASE("a restored step-rule state continues exactly", "[step_rule]") {
  for (StepRuleType type : {StepRuleType::Adagrad, StepRuleType::Adam}) {
    StepRuleSettings s;
    s.type = type;
    StepRule first(s, 2, 2), second(s, 2, 2);
    Matrix a(2, 2), b(2, 2);
    for (int k = 0; k < 3; ++k)
      first.update(direction(1.0 + k), a);
    second.set_state(first.state());
    CHECK(second.steps() == 3);
    first.update(direction(-0.7), a);
    second.update(direction(-0.7), b);
    CHECK(a == b);
  }
}

TEST_CASE("a mismatched step-rule state is an input error", "[step_rule]") {
  StepRuleSettings adagrad, adam;
  adam.type = StepRuleType::Adam;
  StepRule rule(adagrad, 2, 2);
  CHECK_THROWS_AS(rule.set_state(StepRule(adam, 2, 2).state()), InputError);
  CHECK_THROWS_AS(rule.set_state(StepRule(adagrad, 3, 2).state()), InputError);
  StepRuleState renamed = rule.state();
  renamed.blocks[0].name = "something_else";
  CHECK_THROWS_WITH(rule.set_state(renamed), Catch::Contains("historical_gradient"));
}

TEST_CASE("step rules are configured from prefixed options", "[step_rule]") {
  {
    test::ScopedOptions scoped("-p_step_rule adam -p_step 0.3 -p_adam_beta1 0.7");
    Options options;
    const StepRuleSettings s = configure_step_rule(options, "p_");
    CHECK(s.type == StepRuleType::Adam);
    CHECK(s.step == 0.3);
    CHECK(s.beta1 == 0.7);
    CHECK(s.beta2 == 0.999);
  }
  {
    test::ScopedOptions scoped("-p_step_rule adam -p_adam_beta2 1");
    Options options;
    CHECK_THROWS_WITH(configure_step_rule(options, "p_"), Catch::Contains("-p_adam_beta2"));
  }
  {
    test::ScopedOptions scoped("-p_step 0");
    Options options;
    CHECK_THROWS_AS(configure_step_rule(options, "p_"), InputError);
  }
  {
    test::ScopedOptions scoped("-p_step_rule sgd");
    Options options;
    CHECK_THROWS_AS(configure_step_rule(options, "p_"), InputError);
  }
}
