#include "l0svgd/svgd/step_rule.hpp"

#include "l0svgd/core/error.hpp"

#include <cmath>
#include <limits>
#include <utility>

namespace l0svgd {
namespace {
// Added to √G by the reference AdaGrad-with-momentum code (Liu & Wang 2016, "fudge_factor").
constexpr double kAdagradFudge = 1e-6;
} // namespace

StepRuleSettings configure_step_rule(Options& options, const std::string& prefix,
                                     const StepRuleSettings& defaults) {
  StepRuleSettings s = defaults;
  const double huge = std::numeric_limits<double>::max();
  const std::string type = options.get_choice(
      prefix + "step_rule", step_rule_name(defaults.type), {"adagrad", "adam", "plain"},
      "particle update: adagrad (reference AdaGrad with momentum), adam, or plain "
      "x += step*phi");
  s.type = type == "adam" ? StepRuleType::Adam
                          : (type == "plain" ? StepRuleType::Plain : StepRuleType::Adagrad);
  s.step = options.get_real(prefix + "step", s.step, 0.0, huge, "step size epsilon", true);
  const bool all = options.help_mode();
  if (all || s.type == StepRuleType::Adagrad)
    s.alpha = options.get_real(prefix + "alpha", s.alpha, 0.0, 1.0,
                               "adagrad momentum: G = alpha G + (1-alpha) phi^2", true);
  if (all || s.type == StepRuleType::Adam) {
    s.beta1 = options.get_real(prefix + "adam_beta1", s.beta1, 0.0, 1.0,
                               "adam first-moment decay beta1, in [0, 1)");
    s.beta2 = options.get_real(prefix + "adam_beta2", s.beta2, 0.0, 1.0,
                               "adam second-moment decay beta2, in [0, 1)");
    s.adam_epsilon = options.get_real(prefix + "adam_epsilon", s.adam_epsilon, 0.0, huge,
                                      "adam denominator guard", true);
    for (const auto& [name, value] :
         {std::pair{"adam_beta1", s.beta1}, std::pair{"adam_beta2", s.beta2}})
      if (!all && value >= 1.0)
        throw InputError("option -" + prefix + name + ": must be smaller than 1");
  }
  return s;
}

const char* step_rule_name(StepRuleType type) {
  switch (type) {
  case StepRuleType::Adam:
    return "adam";
  case StepRuleType::Plain:
    return "plain";
  default:
    return "adagrad";
  }
}

StepRule::StepRule(const StepRuleSettings& settings, Index n_local, Index dim)
    : settings_(settings), n_local_(n_local), dim_(dim) {
  if (settings.type == StepRuleType::Adagrad)
    blocks_.push_back({"historical_gradient", Matrix::Zero(n_local, dim)});
  if (settings.type == StepRuleType::Adam) {
    blocks_.push_back({"first_moment", Matrix::Zero(n_local, dim)});
    blocks_.push_back({"second_moment", Matrix::Zero(n_local, dim)});
  }
}

void StepRule::update(const ConstMatrixRef& direction, MatrixRef displacement) {
  if (direction.rows() != n_local_ || direction.cols() != dim_ || displacement.rows() != n_local_ ||
      displacement.cols() != dim_)
    throw Error("StepRule: direction or displacement does not match the particle block");
  const auto g = direction.array();
  const double eps = settings_.step;
  switch (settings_.type) {
  case StepRuleType::Adagrad: {
    auto G = blocks_[0].rows.array();
    if (steps_ == 0)
      G = g.square();
    else
      G = settings_.alpha * G + (1.0 - settings_.alpha) * g.square();
    displacement.array() = eps * g / (kAdagradFudge + G.sqrt());
    break;
  }
  case StepRuleType::Adam: {
    auto m = blocks_[0].rows.array();
    auto v = blocks_[1].rows.array();
    const double b1 = settings_.beta1, b2 = settings_.beta2;
    m = b1 * m + (1.0 - b1) * g;
    v = b2 * v + (1.0 - b2) * g.square();
    const double t = static_cast<double>(steps_ + 1);
    const double c1 = 1.0 - std::pow(b1, t), c2 = 1.0 - std::pow(b2, t);
    displacement.array() = eps * (m / c1) / ((v / c2).sqrt() + settings_.adam_epsilon);
    break;
  }
  case StepRuleType::Plain:
    displacement.array() = eps * g;
    break;
  }
  ++steps_;
}

StepRuleState StepRule::state() const {
  return {steps_, blocks_};
}

void StepRule::set_state(const StepRuleState& state) {
  const std::string rule = step_rule_name(settings_.type);
  if (state.steps < 0)
    throw InputError("step rule state: negative step count");
  if (state.blocks.size() != blocks_.size())
    throw InputError("step rule state: " + std::to_string(state.blocks.size()) +
                     " blocks given, the " + rule + " rule has " + std::to_string(blocks_.size()));
  for (size_t b = 0; b < blocks_.size(); ++b) {
    const StateBlock& given = state.blocks[b];
    if (given.name != blocks_[b].name)
      throw InputError("step rule state: block '" + given.name + "' given where the " + rule +
                       " rule expects '" + blocks_[b].name + "'");
    if (given.rows.rows() != n_local_ || given.rows.cols() != dim_)
      throw InputError("step rule state: block '" + given.name + "' is " +
                       std::to_string(given.rows.rows()) + " x " +
                       std::to_string(given.rows.cols()) + ", expected " +
                       std::to_string(n_local_) + " x " + std::to_string(dim_));
  }
  for (size_t b = 0; b < blocks_.size(); ++b)
    blocks_[b].rows = state.blocks[b].rows;
  steps_ = state.steps;
}

} // namespace l0svgd
