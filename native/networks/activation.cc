#include "networks/activation.h"

#include <stdexcept>

#include <torch/nn/modules/activation.h>

#include "name_table.h"

namespace fer {

namespace {
const NameTable<ActivationKind>& table() {
  static const NameTable<ActivationKind> names(
      "activation", {{ActivationKind::Relu, "relu"},
                     {ActivationKind::LeakyRelu, "leaky-relu"},
                     {ActivationKind::ClippedRelu, "clipped-relu"},
                     {ActivationKind::Elu, "elu"},
                     {ActivationKind::Gelu, "gelu"},
                     {ActivationKind::Silu, "silu"}});
  return names;
}
}  // namespace

const std::vector<std::string>& activationNames() { return table().names(); }

std::string activationName(ActivationKind kind) { return table().nameOf(kind); }

ActivationKind parseActivation(const std::string& name) { return table().parse(name); }

double defaultActivationParameter(ActivationKind kind) {
  switch (kind) {
    case ActivationKind::LeakyRelu:
      return 0.01;
    case ActivationKind::ClippedRelu:
      return 10.0;
    case ActivationKind::Elu:
      return 1.0;
    default:
      return 0.0;
  }
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
