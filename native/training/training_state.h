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
struct TrainConfig;
struct TrainData;

struct TrainingState {
  /**
   * What the numbers depend on, in one canonical line (settings, data shape, split): a
   * state is continued only under the very settings that wrote it.
   */
  std::string identity;
  /** The caller's own name for the trial (its full key, computed where the data set is known); empty: none given. */
  std::string trial;
  int64_t epoch = 0;  // epochs finished
  std::string random;  // the trial's std::mt19937_64, as its stream operator writes it
  std::vector<EpochRecord> history;
};

/** What a state must agree with to be continued. */
struct StateExpectation {
  std::string identity, trial;
  int64_t epochs = 0;          // the whole schedule: a state's epoch lies in 1..epochs
  bool scheduledRate = false;  // the rate is set before every step, so the saved one is not compared
};

/** The `identity` of a trial with these settings, data and execution choices. */
std::string trainingIdentity(const TrainConfig& config, const TrainData& data, const torch::Device& device,
                             bool channelsLast, bool foreachOptimizer);

/** Writes to a temporary name unique to this process and thread, then renames it. */
void saveTrainingState(const std::string& path, const TrainingState& state, const torch::nn::Module& network,
                       const torch::optim::Optimizer& optimizer);

/**
 * Restores weights and optimizer state into the live objects (already on `device`) and
 * returns the rest. Throws std::invalid_argument naming the file when it is unreadable,
 * damaged (a record's CRC-32), not a training state, written for another trial or other
 * settings, or when what it holds (history, tensor shapes and dtypes, optimizer options)
 * disagrees with them; nothing is converted or allocated beyond the file's own size first.
 */
TrainingState loadTrainingState(const std::string& path, const StateExpectation& expected, torch::nn::Module& network,
                                torch::optim::Optimizer& optimizer, const torch::Device& device);

}  // namespace fer
