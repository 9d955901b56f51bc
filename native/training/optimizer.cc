#include "training/optimizer.h"

#include <cmath>
#include <stdexcept>

#include <torch/optim/adagrad.h>
#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/rmsprop.h>
#include <torch/optim/sgd.h>

#include "training/foreach_optimizers.h"
#include "name_table.h"
#include "napi/number_text.h"

namespace fer {

namespace {
const NameTable<OptimizerKind>& table() {
  static const NameTable<OptimizerKind> names(
      "optimizer", {{OptimizerKind::Sgdm, "sgdm"},
                    {OptimizerKind::RmsProp, "rmsprop"},
                    {OptimizerKind::Adam, "adam"},
                    {OptimizerKind::AdamW, "adamw"},
                    {OptimizerKind::AmsGrad, "amsgrad"},
                    {OptimizerKind::AdaGrad, "adagrad"}});
  return names;
}

void requireInRange(const char* what, double value, double low, double high, bool lowInclusive) {
  const bool ok = std::isfinite(value) && (lowInclusive ? value >= low : value > low) && value < high;
  if (!ok) {
    throw std::invalid_argument(std::string(what) + " must be in " + (lowInclusive ? "[" : "(") + numberText(low) +
                                ", " + numberText(high) + ") (got " + numberText(value) + ")");
  }
}
}  // namespace

const std::vector<std::string>& optimizerNames() { return table().names(); }

std::string optimizerName(OptimizerKind kind) { return table().nameOf(kind); }

OptimizerKind parseOptimizer(const std::string& name) { return table().parse(name); }

void validate(const OptimizerSpec& spec) {
  // An enormous learning rate is allowed on purpose: divergence is a result, not an error.
  requireInRange("learningRate", spec.learningRate, 0.0, 1e12, false);
  requireInRange("weightDecay", spec.weightDecay, 0.0, 1.0, true);
  requireInRange("momentum", spec.momentum, 0.0, 1.0, true);
  requireInRange("alpha", spec.alpha, 0.0, 1.0, true);
  requireInRange("beta1", spec.beta1, 0.0, 1.0, true);
  requireInRange("beta2", spec.beta2, 0.0, 1.0, true);
  requireInRange("epsilon", spec.epsilon, 0.0, 1.0, false);
}

std::unique_ptr<torch::optim::Optimizer> makeOptimizer(const OptimizerSpec& s, const std::vector<torch::Tensor>& params,
                                                       bool foreach) {
  namespace optim = torch::optim;
  validate(s);
  switch (s.kind) {
    case OptimizerKind::Sgdm: {
      const auto options = optim::SGDOptions(s.learningRate).momentum(s.momentum).weight_decay(s.weightDecay);
      if (foreach) return std::make_unique<ForeachSgd>(params, options);
      return std::make_unique<optim::SGD>(params, options);
    }
    case OptimizerKind::RmsProp:
      return std::make_unique<optim::RMSprop>(
          params, optim::RMSpropOptions(s.learningRate).alpha(s.alpha).eps(s.epsilon).weight_decay(s.weightDecay));
    case OptimizerKind::Adam:
    case OptimizerKind::AmsGrad: {
      const bool amsgrad = s.kind == OptimizerKind::AmsGrad;
      const auto options =
          optim::AdamOptions(s.learningRate).betas({s.beta1, s.beta2}).eps(s.epsilon).weight_decay(s.weightDecay).amsgrad(amsgrad);
      if (foreach && !amsgrad) return std::make_unique<ForeachAdam>(params, options);
      return std::make_unique<optim::Adam>(params, options);
    }
    case OptimizerKind::AdamW: {
      const auto options =
          optim::AdamWOptions(s.learningRate).betas({s.beta1, s.beta2}).eps(s.epsilon).weight_decay(s.weightDecay);
      if (foreach) return std::make_unique<ForeachAdamW>(params, options);
      return std::make_unique<optim::AdamW>(params, options);
    }
    case OptimizerKind::AdaGrad:
      return std::make_unique<optim::Adagrad>(
          params, optim::AdagradOptions(s.learningRate).eps(s.epsilon).weight_decay(s.weightDecay));
  }
  throw std::logic_error("unhandled optimizer kind");
}

}  // namespace fer
