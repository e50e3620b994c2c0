#pragma once
/// Step rules turning the Stein direction φ into a particle displacement, with a state that can be
/// checkpointed and restored exactly.
#include <string>
#include <vector>

#include "l0svgd/core/options.hpp"
#include "l0svgd/core/types.hpp"

namespace l0svgd {

/// adagrad: the reference code's AdaGrad with momentum, G ← φ² at the first step, then
/// G ← αG + (1−α)φ², Δ = ε φ / (1e-6 + √G). adam: Kingma & Ba with bias correction. plain: Δ = ε φ.
enum class StepRuleType { Adagrad, Adam, Plain };

struct StepRuleSettings {
  StepRuleType type = StepRuleType::Adagrad;
  double step = 1e-2;         ///< ε
  double alpha = 0.9;         ///< AdaGrad momentum α
  double beta1 = 0.9;         ///< Adam first-moment decay
  double beta2 = 0.999;       ///< Adam second-moment decay
  double adam_epsilon = 1e-8; ///< Adam denominator guard
};

/// Reads -<prefix>step_rule, -<prefix>step, and the parameters of the chosen rule: -<prefix>alpha
/// (adagrad) or -<prefix>adam_beta1, -<prefix>adam_beta2, -<prefix>adam_epsilon (adam); every one
/// in help mode. Not collective.
StepRuleSettings configure_step_rule(Options& options, const std::string& prefix,
                                     const StepRuleSettings& defaults = {});

/// "adagrad", "adam" or "plain".
const char* step_rule_name(StepRuleType type);

/// One named block of step-rule state: n_local × d, rows in the order of the rank's particles.
struct StateBlock {
  std::string name;
  Matrix rows;
};

/// Everything a step rule needs to continue exactly: its blocks and the number of steps taken.
/// adagrad has the block "historical_gradient", adam "first_moment" and "second_moment", plain
/// none.
struct StepRuleState {
  Index steps = 0;
  std::vector<StateBlock> blocks;
};

/// The step rule of one rank's n_local × d particle block. Local: nothing is collective, and since
/// every rule acts row by row, the result does not depend on how particles are split over ranks.
class StepRule {
public:
  /// Allocates the state; no later call allocates.
  StepRule(const StepRuleSettings& settings, Index n_local, Index dim);

  /// Advances the state with the direction φ (n_local × d) and writes the displacement Δ such that
  /// x ← x + Δ.
  void update(const ConstMatrixRef& direction, MatrixRef displacement);

  /// Copy of the state, for a checkpoint.
  StepRuleState state() const;
  /// Restores a state from `state()` (of a run with the same rule, rows and dimension); throws
  /// InputError naming what does not match.
  void set_state(const StepRuleState& state);

  Index steps() const { return steps_; }
  const StepRuleSettings& settings() const { return settings_; }

private:
  StepRuleSettings settings_;
  Index n_local_, dim_;
  Index steps_ = 0;
  std::vector<StateBlock> blocks_;
};

} // namespace l0svgd
