#pragma once
// What every network offers the trainer, and how a network is built from its spec.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <torch/nn/module.h>

#include "networks/activation.h"

namespace fer {

enum class Architecture { AlexNet, GoogLeNet, Vgg16, ResNet50 };

struct NetworkSpec {
  Architecture architecture = Architecture::ResNet50;
  int64_t classes = 7;
  int64_t channels = 1;  // 1 = grey, 3 = colour
  int64_t size = 48;     // square input, pixels
  ActivationSpec activation;
  bool auxLogits = false;  // GoogLeNet's two auxiliary heads
  // Kernel of the first convolution (the paper's future-work gene); 0 keeps the network's
  // own (AlexNet 11, GoogLeNet 7, VGG-16 3, ResNet-50 7). Another odd size k pads k/2, so
  // the first feature map is never smaller than with the network's own kernel.
  int64_t firstKernel = 0;
};

struct NetworkOutput {
  torch::Tensor logits;
  // GoogLeNet's auxiliary heads in training mode (torchvision weights them 0.3 in the loss).
  std::vector<torch::Tensor> aux;
};

class Network : public torch::nn::Module {
 public:
  virtual NetworkOutput forward(const torch::Tensor& input) = 0;
};

const std::vector<std::string>& architectureNames();
std::string architectureName(Architecture architecture);
/** Throws std::invalid_argument naming the choices when `name` is unknown. */
Architecture parseArchitecture(const std::string& name);

/** The smallest square input for which no feature map shrinks to nothing. */
int64_t minimumInputSize(Architecture architecture);

/** The first convolution's kernel and padding for a spec (the network's own unless firstKernel is set). */
struct FirstConv {
  int64_t kernel, padding;
};
FirstConv firstConv(const NetworkSpec& spec, int64_t ownKernel, int64_t ownPadding);

/** Checks the spec (classes, channels, size, activation parameter); throws std::invalid_argument. */
void validate(const NetworkSpec& spec);

/**
 * Builds with torchvision's initialisation, drawing from libtorch's global CPU generator
 * under one process-wide lock, seeded with `seed` when one is given (no other generator is
 * reseeded). Every network is built
 * here, so nothing else (a census, a checkpoint load) can draw between a trial's seeding
 * and its build.
 */
std::shared_ptr<Network> buildNetwork(const NetworkSpec& spec, std::optional<uint64_t> seed = std::nullopt);

int64_t countParameters(torch::nn::Module& module);

}  // namespace fer
