#pragma once
// Weights by torchvision's state-dict names (read from files on the JS side), loaded into
// a network with the adaptations a new data set needs, and read back.
#include <string>
#include <utility>
#include <vector>

#include <torch/serialize/input-archive.h>
#include <torch/types.h>

#include "networks/network.h"

namespace fer {

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

/** What loadWeights did beyond copying tensors as they were. */
struct WeightReport {
  int64_t loaded = 0;
  std::vector<std::string> reinitialised;  // the classifier, for another class count
  std::vector<std::string> adapted;        // the first convolution, RGB summed for grey input
  std::vector<std::string> skipped;        // unused (GoogLeNet's aux heads) or, when partial, unmatched
};

/**
 * Copies `weights` into the network by name. The classifier is left freshly initialised
 * when the class count differs, RGB first-convolution weights are summed over their input
 * channels for grey input, and GoogLeNet's auxiliary heads are ignored when the network has
 * none. Anything else missing, unexpected or of another shape throws std::invalid_argument
 * naming the key and `source`, unless `partial`, when it is skipped and reported.
 */
WeightReport loadWeights(Network& network, const NetworkSpec& spec, const NamedTensors& weights, bool partial,
                         const std::string& source);

/** Parameters and buffers, float32 (integer buffers as they are) on the CPU, contiguous. */
NamedTensors networkStateDict(Network& network);

/**
 * libtorch's loader takes each tensor as the file holds it (another shape replaces the
 * network's; another dtype is reinterpreted byte for byte): every parameter and buffer of
 * `network` is checked in `weights` first. Throws std::runtime_error naming the first that
 * is missing or whose shape or dtype differs from the network's.
 */
void requireLayout(torch::serialize::InputArchive& weights, const torch::nn::Module& network);

/** The layers "feature extraction" means when freezing: everything but the classifier (and GoogLeNet's auxiliary heads). */
bool isFeatureParameter(Architecture architecture, const std::string& name);

}  // namespace fer
