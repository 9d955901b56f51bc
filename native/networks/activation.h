#pragma once
// The swappable nonlinearity. Every network asks this file for its activations, so a
// choice made once reaches every place torchvision has a ReLU, including the ones it
// writes as function calls (GoogLeNet's conv blocks, ResNet's blocks).
#include <string>
#include <vector>

#include <torch/nn/modules/container/any.h>

namespace fer {

enum class ActivationKind { Relu, LeakyRelu, ClippedRelu, Elu, Gelu, Silu };

struct ActivationSpec {
  ActivationKind kind = ActivationKind::Relu;
  // leaky-relu: negative slope; clipped-relu: ceiling; elu: alpha. Unused otherwise.
  double parameter = 0.0;
};

/** The names used everywhere (CLI, JSON, database). */
const std::vector<std::string>& activationNames();
std::string activationName(ActivationKind kind);
/** Throws std::invalid_argument naming the choices when `name` is unknown. */
ActivationKind parseActivation(const std::string& name);
/** The parameter a kind uses when none is given (0.01 slope, ceiling 10, alpha 1). */
double defaultActivationParameter(ActivationKind kind);

/** A fresh module, so each site is its own child in the module tree (as in torchvision). */
torch::nn::AnyModule makeActivation(const ActivationSpec& spec);

}  // namespace fer
