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

const std::vector<std::string>& hyperparametersOf(OptimizerKind kind) {
  static const std::vector<std::string> sgdm = {"momentum"}, rmsprop = {"alpha", "epsilon"},
                                        adam = {"beta1", "beta2", "epsilon"}, adagrad = {"epsilon"};
  switch (kind) {
    case OptimizerKind::Sgdm: return sgdm;
    case OptimizerKind::RmsProp: return rmsprop;
    case OptimizerKind::Adam:
    case OptimizerKind::AdamW:
    case OptimizerKind::AmsGrad: return adam;
    case OptimizerKind::AdaGrad: return adagrad;
  }
  throw std::logic_error("unhandled optimizer kind");
}

double hyperparameter(const OptimizerSpec& spec, const std::string& name) {
  if (name == "momentum") return spec.momentum;
  if (name == "alpha") return spec.alpha;
  if (name == "beta1") return spec.beta1;
  if (name == "beta2") return spec.beta2;
  if (name == "epsilon") return spec.epsilon;
  throw std::logic_error("unknown hyperparameter " + name);
}

bool runsMultiTensor(OptimizerKind kind, bool foreach) {
  return foreach && (kind == OptimizerKind::Sgdm || kind == OptimizerKind::Adam || kind == OptimizerKind::AdamW);
}

std::vector<std::pair<std::string, double>> optionValues(const torch::optim::OptimizerOptions& o) {
  namespace optim = torch::optim;
  if (const auto* sgd = dynamic_cast<const optim::SGDOptions*>(&o)) {
    return {{"lr", sgd->lr()}, {"momentum", sgd->momentum()}, {"dampening", sgd->dampening()},
            {"weight_decay", sgd->weight_decay()}, {"nesterov", sgd->nesterov() ? 1.0 : 0.0}};
  }
  if (const auto* adam = dynamic_cast<const optim::AdamOptions*>(&o)) {
    return {{"lr", adam->lr()}, {"beta1", std::get<0>(adam->betas())}, {"beta2", std::get<1>(adam->betas())},
            {"eps", adam->eps()}, {"weight_decay", adam->weight_decay()}, {"amsgrad", adam->amsgrad() ? 1.0 : 0.0}};
  }
  if (const auto* adamw = dynamic_cast<const optim::AdamWOptions*>(&o)) {
    return {{"lr", adamw->lr()}, {"beta1", std::get<0>(adamw->betas())}, {"beta2", std::get<1>(adamw->betas())},
            {"eps", adamw->eps()}, {"weight_decay", adamw->weight_decay()}, {"amsgrad", adamw->amsgrad() ? 1.0 : 0.0}};
  }
  if (const auto* rms = dynamic_cast<const optim::RMSpropOptions*>(&o)) {
    return {{"lr", rms->lr()}, {"alpha", rms->alpha()}, {"eps", rms->eps()}, {"weight_decay", rms->weight_decay()},
            {"momentum", rms->momentum()}, {"centered", rms->centered() ? 1.0 : 0.0}};
  }
  if (const auto* ada = dynamic_cast<const optim::AdagradOptions*>(&o)) {
    return {{"lr", ada->lr()}, {"lr_decay", ada->lr_decay()}, {"weight_decay", ada->weight_decay()},
            {"initial_accumulator_value", ada->initial_accumulator_value()}, {"eps", ada->eps()}};
  }
  throw std::logic_error("options of an optimizer fer-ga does not make");
}

std::unique_ptr<torch::optim::Optimizer> makeOptimizer(const OptimizerSpec& s, const std::vector<torch::Tensor>& params,
                                                       bool foreach) {
  namespace optim = torch::optim;
  validate(s);
  switch (s.kind) {
    case OptimizerKind::Sgdm: {
      const auto options = optim::SGDOptions(s.learningRate).momentum(s.momentum).weight_decay(s.weightDecay);
      if (runsMultiTensor(s.kind, foreach)) return std::make_unique<ForeachSgd>(params, options);
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
      if (runsMultiTensor(s.kind, foreach)) return std::make_unique<ForeachAdam>(params, options);
      return std::make_unique<optim::Adam>(params, options);
    }
    case OptimizerKind::AdamW: {
      const auto options =
          optim::AdamWOptions(s.learningRate).betas({s.beta1, s.beta2}).eps(s.epsilon).weight_decay(s.weightDecay);
      if (runsMultiTensor(s.kind, foreach)) return std::make_unique<ForeachAdamW>(params, options);
      return std::make_unique<optim::AdamW>(params, options);
    }
    case OptimizerKind::AdaGrad:
      return std::make_unique<optim::Adagrad>(
          params, optim::AdagradOptions(s.learningRate).eps(s.epsilon).weight_decay(s.weightDecay));
  }
  throw std::logic_error("unhandled optimizer kind");
}

}  // namespace fer
