#include "activation.h"

#include <stdexcept>

#include <torch/nn/modules/activation.h>

namespace fer {

namespace {
struct Entry {
  ActivationKind kind;
  const char* name;
  double defaultParameter;
};
constexpr Entry kActivations[] = {
    {ActivationKind::Relu, "relu", 0.0},          {ActivationKind::LeakyRelu, "leaky-relu", 0.01},
    {ActivationKind::ClippedRelu, "clipped-relu", 10.0}, {ActivationKind::Elu, "elu", 1.0},
    {ActivationKind::Gelu, "gelu", 0.0},          {ActivationKind::Silu, "silu", 0.0},
};

const Entry& entryOf(ActivationKind kind) {
  for (const auto& entry : kActivations) {
    if (entry.kind == kind) return entry;
  }
  throw std::logic_error("unhandled activation kind");
}
}  // namespace

const std::vector<std::string>& activationNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> all;
    for (const auto& entry : kActivations) all.emplace_back(entry.name);
    return all;
  }();
  return names;
}

std::string activationName(ActivationKind kind) { return entryOf(kind).name; }

double defaultActivationParameter(ActivationKind kind) { return entryOf(kind).defaultParameter; }

ActivationKind parseActivation(const std::string& name) {
  for (const auto& entry : kActivations) {
    if (name == entry.name) return entry.kind;
  }
  std::string choices;
  for (const auto& entry : kActivations) choices += (choices.empty() ? "" : ", ") + std::string(entry.name);
  throw std::invalid_argument("unknown activation '" + name + "' (choose one of " + choices + ")");
}

torch::nn::AnyModule makeActivation(const ActivationSpec& spec) {
  namespace nn = torch::nn;
  // In-place where libtorch allows it, as torchvision does, to keep activation memory down.
  switch (spec.kind) {
    case ActivationKind::Relu:
      return nn::AnyModule(nn::ReLU(nn::ReLUOptions().inplace(true)));
    case ActivationKind::LeakyRelu:
      return nn::AnyModule(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(spec.parameter).inplace(true)));
    case ActivationKind::ClippedRelu:
      // MATLAB's clippedReluLayer: min(max(x, 0), ceiling).
      return nn::AnyModule(nn::Hardtanh(nn::HardtanhOptions().min_val(0.0).max_val(spec.parameter).inplace(true)));
    case ActivationKind::Elu:
      return nn::AnyModule(nn::ELU(nn::ELUOptions().alpha(spec.parameter).inplace(true)));
    case ActivationKind::Gelu:
      return nn::AnyModule(nn::GELU());
    case ActivationKind::Silu:
      return nn::AnyModule(nn::SiLU());
  }
  throw std::logic_error("unhandled activation kind");
}

}  // namespace fer
