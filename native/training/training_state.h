#pragma once
// A trial paused at an epoch boundary: the network's weights, the optimizer's state, the
// trial's random-number state and the history so far. A trial continued from it trains on
// exactly as if it had never stopped, so a promoted candidate of successive halving costs
// only its extra epochs.
#include <cstdint>
#include <string>
#include <vector>

#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>
#include <torch/types.h>

namespace fer {

struct EpochRecord;

struct TrainingState {
  /**
   * What the numbers depend on, in one canonical line (settings, data shape, split): a
   * state is continued only under the very settings that wrote it.
   */
  std::string identity;
  int64_t epoch = 0;  // epochs finished
  std::string random;  // the trial's std::mt19937_64, as its stream operator writes it
  std::vector<EpochRecord> history;
};

/** Writes to a temporary name unique to this process and thread, then renames it. */
void saveTrainingState(const std::string& path, const TrainingState& state, const torch::nn::Module& network,
                       const torch::optim::Optimizer& optimizer);

/**
 * Restores weights and optimizer state into the live objects (already on `device`) and
 * returns the rest. Throws std::runtime_error naming the file when it is unreadable, not a
 * training state, or written under another identity.
 */
TrainingState loadTrainingState(const std::string& path, const std::string& expectedIdentity,
                                torch::nn::Module& network, torch::optim::Optimizer& optimizer,
                                const torch::Device& device);

}  // namespace fer
