#include "network.h"

#include <stdexcept>

#include "models/alexnet.h"
#include "models/googlenet.h"
#include "models/resnet.h"
#include "models/vgg.h"

namespace fer {

namespace {
struct Entry {
  Architecture architecture;
  const char* name;
  int64_t minimumSize;  // found by shape arithmetic, checked by the tests at the boundary
  std::shared_ptr<Network> (*make)(const NetworkSpec&);
};
constexpr Entry kArchitectures[] = {
    {Architecture::AlexNet, "alexnet", 63, &makeAlexNet},
    {Architecture::GoogLeNet, "googlenet", 15, &makeGoogLeNet},
    {Architecture::Vgg16, "vgg16", 32, &makeVgg16},
    {Architecture::ResNet50, "resnet50", 1, &makeResNet50},
};

const Entry& entryOf(Architecture architecture) {
  for (const auto& entry : kArchitectures) {
    if (entry.architecture == architecture) return entry;
  }
  throw std::logic_error("unhandled architecture");
}

constexpr int64_t kMaximumSize = 4096;
}  // namespace

const std::vector<std::string>& architectureNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> all;
    for (const auto& entry : kArchitectures) all.emplace_back(entry.name);
    return all;
  }();
  return names;
}

std::string architectureName(Architecture architecture) { return entryOf(architecture).name; }

Architecture parseArchitecture(const std::string& name) {
  for (const auto& entry : kArchitectures) {
    if (name == entry.name) return entry.architecture;
  }
  std::string choices;
  for (const auto& entry : kArchitectures) choices += (choices.empty() ? "" : ", ") + std::string(entry.name);
  throw std::invalid_argument("unknown model '" + name + "' (choose one of " + choices + ")");
}

int64_t minimumInputSize(Architecture architecture) { return entryOf(architecture).minimumSize; }

void validate(const NetworkSpec& spec) {
  const std::string model = architectureName(spec.architecture);
  if (spec.classes < 2) {
    throw std::invalid_argument("classes must be at least 2 (got " + std::to_string(spec.classes) + ")");
  }
  if (spec.channels != 1 && spec.channels != 3) {
    throw std::invalid_argument("channels must be 1 (grey) or 3 (colour) (got " + std::to_string(spec.channels) + ")");
  }
  const int64_t minimum = minimumInputSize(spec.architecture);
  if (spec.size < minimum || spec.size > kMaximumSize) {
    throw std::invalid_argument("size " + std::to_string(spec.size) + " is outside what " + model + " accepts (" +
                                std::to_string(minimum) + " to " + std::to_string(kMaximumSize) + " pixels)");
  }
  const double p = spec.activation.parameter;
  const std::string activation = activationName(spec.activation.kind);
  switch (spec.activation.kind) {
    case ActivationKind::LeakyRelu:
      if (!(p >= 0.0 && p < 1.0)) {
        throw std::invalid_argument("leaky-relu slope must be in [0, 1) (got " + std::to_string(p) + ")");
      }
      break;
    case ActivationKind::ClippedRelu:
    case ActivationKind::Elu:
      if (!(p > 0.0 && p < 1e6)) {
        throw std::invalid_argument(activation + " parameter must be positive (got " + std::to_string(p) + ")");
      }
      break;
    default:
      break;
  }
  if (spec.auxLogits && spec.architecture != Architecture::GoogLeNet) {
    throw std::invalid_argument("auxiliary heads exist only on googlenet (model is " + model + ")");
  }
}

std::shared_ptr<Network> buildNetwork(const NetworkSpec& spec) {
  validate(spec);
  return entryOf(spec.architecture).make(spec);
}

int64_t countParameters(torch::nn::Module& module) {
  int64_t total = 0;
  for (const auto& parameter : module.parameters()) total += parameter.numel();
  return total;
}

}  // namespace fer
