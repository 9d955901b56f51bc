#include "networks/network.h"

#include <mutex>
#include <stdexcept>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/utils.h>

#include "networks/models/alexnet.h"
#include "networks/models/googlenet.h"
#include "networks/models/resnet.h"
#include "networks/models/vgg.h"
#include "name_table.h"
#include "napi/number_text.h"

namespace fer {

namespace {
const NameTable<Architecture>& table() {
  static const NameTable<Architecture> names("model", {{Architecture::AlexNet, "alexnet"},
                                                       {Architecture::GoogLeNet, "googlenet"},
                                                       {Architecture::Vgg16, "vgg16"},
                                                       {Architecture::ResNet50, "resnet50"}});
  return names;
}

constexpr int64_t kMaximumSize = 4096;
// torchvision's ImageNet heads; far more would make a confusion matrix JS cannot hold.
constexpr int64_t kMaximumClasses = 1000;
}  // namespace

const std::vector<std::string>& architectureNames() { return table().names(); }

std::string architectureName(Architecture architecture) { return table().nameOf(architecture); }

Architecture parseArchitecture(const std::string& name) { return table().parse(name); }

int64_t minimumInputSize(Architecture architecture) {
  // Found by shape arithmetic; the tests check each against torchvision at the boundary.
  switch (architecture) {
    case Architecture::AlexNet:
      return 63;
    case Architecture::GoogLeNet:
      return 15;
    case Architecture::Vgg16:
      return 32;
    case Architecture::ResNet50:
      return 1;
  }
  throw std::logic_error("unhandled architecture");
}

FirstConv firstConv(const NetworkSpec& spec, int64_t ownKernel, int64_t ownPadding) {
  if (spec.firstKernel == 0 || spec.firstKernel == ownKernel) return {ownKernel, ownPadding};
  return {spec.firstKernel, spec.firstKernel / 2};
}

void validate(const NetworkSpec& spec) {
  const std::string model = architectureName(spec.architecture);
  if (spec.classes < 2) {
    throw std::invalid_argument("classes must be at least 2 (got " + std::to_string(spec.classes) + ")");
  }
  if (spec.classes > kMaximumClasses) {
    throw std::invalid_argument("classes must be at most " + std::to_string(kMaximumClasses) + " (got " +
                                std::to_string(spec.classes) + ")");
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
        throw std::invalid_argument("leaky-relu slope must be in [0, 1) (got " + numberText(p) + ")");
      }
      break;
    case ActivationKind::ClippedRelu:
    case ActivationKind::Elu:
      if (!(p > 0.0 && p < 1e6)) {
        throw std::invalid_argument(activation + " parameter must be positive (got " + numberText(p) + ")");
      }
      break;
    default:
      // Stored with the result and the checkpoint, so a value that changes nothing is refused rather than kept.
      if (p != 0.0) throw std::invalid_argument(activation + " takes no parameter (got activationParameter " + numberText(p) + ")");
      break;
  }
  if (spec.firstKernel != 0 && (spec.firstKernel < 1 || spec.firstKernel > 15 || spec.firstKernel % 2 == 0)) {
    throw std::invalid_argument("first-conv kernel must be an odd size from 1 to 15 (got " + std::to_string(spec.firstKernel) + ")");
  }
  if (spec.auxLogits && spec.architecture != Architecture::GoogLeNet) {
    throw std::invalid_argument("auxiliary heads exist only on googlenet (model is " + model + ")");
  }
}

std::shared_ptr<Network> buildNetwork(const NetworkSpec& spec, std::optional<uint64_t> seed) {
  validate(spec);
  static std::mutex globalGeneratorLock;
  std::lock_guard<std::mutex> lock(globalGeneratorLock);
  if (seed) {
    // The CPU generator the build draws from, and only it: torch::manual_seed would also
    // reseed every CUDA generator under the trials already training there (--parallel).
    at::Generator cpu = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> generatorLock(cpu.mutex());
    cpu.set_current_seed(*seed);
  }
  switch (spec.architecture) {
    case Architecture::AlexNet:
      return makeAlexNet(spec);
    case Architecture::GoogLeNet:
      return makeGoogLeNet(spec);
    case Architecture::Vgg16:
      return makeVgg16(spec);
    case Architecture::ResNet50:
      return makeResNet50(spec);
  }
  throw std::logic_error("unhandled architecture");
}

int64_t countParameters(torch::nn::Module& module) {
  int64_t total = 0;
  for (const auto& parameter : module.parameters()) total += parameter.numel();
  return total;
}

}  // namespace fer
