#include "networks/state_dict.h"

#include <map>
#include <sstream>
#include <stdexcept>


namespace fer {

namespace {
std::string shapeText(const torch::Tensor& t) {
  std::ostringstream out;
  out << "[";
  for (int64_t i = 0; i < t.dim(); ++i) out << (i ? "," : "") << t.size(i);
  out << "]";
  return out.str();
}

bool startsWith(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

/** The final Linear layer's prefix: its shape follows the class count. */
std::string classifierPrefix(Architecture architecture) {
  switch (architecture) {
    case Architecture::AlexNet:
    case Architecture::Vgg16:
      return "classifier.6.";
    case Architecture::GoogLeNet:
    case Architecture::ResNet50:
      return "fc.";
  }
  return "fc.";
}

std::string firstConvKey(Architecture architecture) {
  switch (architecture) {
    case Architecture::AlexNet:
    case Architecture::Vgg16:
      return "features.0.weight";
    case Architecture::GoogLeNet:
      return "conv1.conv.weight";
    case Architecture::ResNet50:
      return "conv1.weight";
  }
  return "conv1.weight";
}
}  // namespace

WeightReport loadWeights(Network& network, const NetworkSpec& spec, const NamedTensors& weights, bool partial,
                         const std::string& source) {
  torch::NoGradGuard noGrad;
  std::map<std::string, torch::Tensor> targets;
  for (const auto& item : network.named_parameters()) targets.emplace(item.key(), item.value());
  for (const auto& item : network.named_buffers()) targets.emplace(item.key(), item.value());
  const std::string classifier = classifierPrefix(spec.architecture);
  const std::string firstConv = firstConvKey(spec.architecture);

  WeightReport report;
  std::map<std::string, bool> filled;
  const auto refuse = [&](const std::string& key, const std::string& why) {
    if (!partial) throw std::invalid_argument("weights " + source + ": " + why + " (pass a partial load to skip it)");
    report.skipped.push_back(key);
  };
  for (const auto& [key, given] : weights) {
    const auto target = targets.find(key);
    if (target == targets.end()) {
      if (spec.architecture == Architecture::GoogLeNet && !spec.auxLogits && (startsWith(key, "aux1.") || startsWith(key, "aux2."))) {
        report.skipped.push_back(key);
      } else {
        refuse(key, "'" + key + "' is not a parameter of " + architectureName(spec.architecture));
      }
      continue;
    }
    torch::Tensor& tensor = target->second;
    torch::Tensor value = given.to(tensor.scalar_type());
    if (value.sizes() != tensor.sizes()) {
      if (startsWith(key, classifier) && value.dim() == tensor.dim() && value.size(0) != tensor.size(0)) {
        // Another class count: this layer keeps its fresh initialisation.
        report.reinitialised.push_back(key);
        filled[key] = true;
        continue;
      }
      if (key == firstConv && value.dim() == 4 && value.size(1) == 3 && tensor.size(1) == 1 &&
          value.size(0) == tensor.size(0) && value.size(2) == tensor.size(2) && value.size(3) == tensor.size(3)) {
        // Grey input is R = G = B: summing the RGB filters gives the same response.
        value = value.sum(1, /*keepdim=*/true);
        report.adapted.push_back(key);
      } else {
        refuse(key, "'" + key + "' is " + shapeText(given) + " in the file but " + shapeText(tensor) + " in the network");
        continue;
      }
    }
    tensor.copy_(value);
    filled[key] = true;
    ++report.loaded;
  }
  for (const auto& [key, tensor] : targets) {
    if (filled.count(key)) continue;
    // A torchvision file may predate BatchNorm's step counter; it only matters with momentum=None.
    if (key.size() > 20 && key.compare(key.size() - 20, 20, ".num_batches_tracked") == 0) continue;
    refuse(key, "the file has no '" + key + "'");
  }
  return report;
}

NamedTensors networkStateDict(Network& network) {
  NamedTensors out;
  const auto add = [&](const std::string& name, const torch::Tensor& t) {
    out.emplace_back(name, t.detach().to(torch::kCPU).contiguous().clone());
  };
  for (const auto& item : network.named_parameters()) add(item.key(), item.value());
  for (const auto& item : network.named_buffers()) add(item.key(), item.value());
  return out;
}

namespace {
void requireLayout(torch::serialize::InputArchive& weights, const torch::nn::Module& network, const std::string& prefix) {
  const auto check = [&](const std::string& key, const torch::Tensor& want, bool buffer) {
    const std::string name = prefix + key;
    torch::Tensor got;
    if (!weights.try_read(key, got, buffer) || !got.defined()) throw std::runtime_error("it has no '" + name + "'");
    if (got.sizes() != want.sizes()) {
      throw std::runtime_error("its '" + name + "' is " + shapeText(got) + ", but the network it names has " + shapeText(want));
    }
    if (got.scalar_type() != want.scalar_type()) {
      throw std::runtime_error("its '" + name + "' is " + c10::toString(got.scalar_type()) + ", but the network it names has " +
                               c10::toString(want.scalar_type()));
    }
  };
  for (const auto& item : network.named_parameters(/*recurse=*/false)) check(item.key(), item.value(), false);
  for (const auto& item : network.named_buffers(/*recurse=*/false)) check(item.key(), item.value(), true);
  for (const auto& child : network.named_children()) {
    torch::serialize::InputArchive childWeights;
    if (!weights.try_read(child.key(), childWeights)) throw std::runtime_error("it has no '" + prefix + child.key() + "'");
    requireLayout(childWeights, *child.value(), prefix + child.key() + ".");
  }
}
}  // namespace

void requireLayout(torch::serialize::InputArchive& weights, const torch::nn::Module& network) {
  requireLayout(weights, network, "");
}

bool isFeatureParameter(Architecture architecture, const std::string& name) {
  if (architecture == Architecture::AlexNet || architecture == Architecture::Vgg16) return !startsWith(name, "classifier.");
  // GoogLeNet's auxiliary heads are freshly initialised and their losses count: heads, not features.
  return !startsWith(name, "fc.") && !startsWith(name, "aux1.") && !startsWith(name, "aux2.");
}

}  // namespace fer
