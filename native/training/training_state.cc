#include "training/training_state.h"

#include <fstream>
#include <stdexcept>

#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include "files/atomic_archive.h"
#include "training/trainer.h"

namespace fer {

namespace {
constexpr const char* kFormat = "fer-ga-training-state/1";
// Columns of the history tensor, in this order.
constexpr int64_t kHistoryColumns = 6;

torch::Tensor historyTensor(const std::vector<EpochRecord>& history) {
  torch::Tensor table = torch::zeros({static_cast<int64_t>(history.size()), kHistoryColumns}, torch::kDouble);
  auto rows = table.accessor<double, 2>();
  for (size_t i = 0; i < history.size(); ++i) {
    const EpochRecord& r = history[i];
    const double values[kHistoryColumns] = {static_cast<double>(r.epoch), r.trainLoss, r.trainAccuracy,
                                            r.validationLoss, r.validationAccuracy, r.seconds};
    for (int64_t c = 0; c < kHistoryColumns; ++c) rows[static_cast<int64_t>(i)][c] = values[c];
  }
  return table;
}

std::vector<EpochRecord> historyFrom(const torch::Tensor& tensor) {
  if (tensor.dim() != 2 || tensor.size(1) != kHistoryColumns) throw std::runtime_error("its history is malformed");
  const torch::Tensor table = tensor.to(torch::kDouble).contiguous();
  auto rows = table.accessor<double, 2>();
  std::vector<EpochRecord> history;
  for (int64_t i = 0; i < table.size(0); ++i) {
    EpochRecord r;
    r.epoch = static_cast<int64_t>(rows[i][0]);
    r.trainLoss = rows[i][1];
    r.trainAccuracy = rows[i][2];
    r.validationLoss = rows[i][3];
    r.validationAccuracy = rows[i][4];
    r.seconds = rows[i][5];
    history.push_back(r);
  }
  return history;
}

std::string readString(torch::serialize::InputArchive& archive, const std::string& key) {
  c10::IValue value;
  archive.read(key, value);
  if (!value.isString()) throw std::runtime_error("its " + key + " is not a string");
  return value.toStringRef();
}

}  // namespace

void saveTrainingState(const std::string& path, const TrainingState& state, const torch::nn::Module& network,
                       const torch::optim::Optimizer& optimizer) {
  torch::serialize::OutputArchive archive;
  archive.write("format", c10::IValue(std::string(kFormat)));
  archive.write("identity", c10::IValue(state.identity));
  archive.write("epoch", c10::IValue(state.epoch));
  archive.write("random", c10::IValue(state.random));
  archive.write("history", historyTensor(state.history));
  torch::serialize::OutputArchive weights, optimizerState;
  network.save(weights);
  optimizer.save(optimizerState);
  archive.write("network", weights);
  archive.write("optimizer", optimizerState);

  saveArchiveAtomically(archive, path, "training state");
}

TrainingState loadTrainingState(const std::string& path, const std::string& expectedIdentity,
                                torch::nn::Module& network, torch::optim::Optimizer& optimizer,
                                const torch::Device& device) {
  if (!std::ifstream(path).good()) throw std::runtime_error("training state " + path + " does not exist or cannot be read");
  TrainingState state;
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path, device);
    if (readString(archive, "format") != kFormat) throw std::runtime_error("it is not a fer-ga training state");
    state.identity = readString(archive, "identity");
    if (state.identity != expectedIdentity) {
      throw std::runtime_error("it was written for other settings (" + state.identity + "), not these (" +
                               expectedIdentity + ")");
    }
    c10::IValue epoch;
    archive.read("epoch", epoch);
    if (!epoch.isInt()) throw std::runtime_error("its epoch is not an integer");
    state.epoch = epoch.toInt();
    state.random = readString(archive, "random");
    torch::Tensor history;
    archive.read("history", history);
    state.history = historyFrom(history);
    if (state.epoch < 1 || static_cast<int64_t>(state.history.size()) != state.epoch) {
      throw std::runtime_error("its epoch count and history disagree");
    }
    torch::serialize::InputArchive weights, optimizerState;
    archive.read("network", weights);
    archive.read("optimizer", optimizerState);
    network.load(weights);
    optimizer.load(optimizerState);
  } catch (const c10::Error& error) {
    throw std::runtime_error("training state " + path + " cannot be continued: " + error.what_without_backtrace());
  } catch (const std::exception& error) {
    throw std::runtime_error("training state " + path + " cannot be continued: " + error.what());
  }
  return state;
}

}  // namespace fer
