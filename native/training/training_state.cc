#include "training/training_state.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include "files/archive_file.h"
#include "napi/number_text.h"
#include "training/optimizer.h"
#include "networks/state_dict.h"
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

/**
 * The history of a state at `epoch`: checked to be `epoch` rows of 6 doubles laid out as
 * written (a stride-0 view of a few bytes could stand for gigabytes) before any value is read.
 */
std::vector<EpochRecord> historyFrom(const torch::Tensor& tensor, int64_t epoch) {
  if (tensor.dim() != 2 || tensor.size(0) != epoch || tensor.size(1) != kHistoryColumns ||
      tensor.scalar_type() != torch::kDouble || !tensor.is_contiguous()) {
    std::ostringstream shape;
    shape << tensor.sizes() << " " << tensor.scalar_type() << (tensor.is_contiguous() ? "" : " (not contiguous)");
    throw std::runtime_error("its history is " + shape.str() + ", not " + std::to_string(epoch) + "×" +
                             std::to_string(kHistoryColumns) + " doubles for its " + std::to_string(epoch) + " epochs");
  }
  const torch::Tensor table = tensor.cpu();
  auto rows = table.accessor<double, 2>();
  std::vector<EpochRecord> history;
  for (int64_t i = 0; i < epoch; ++i) {
    EpochRecord r;
    if (rows[i][0] != static_cast<double>(i + 1)) throw std::runtime_error("its history's row " + std::to_string(i + 1) + " is not that epoch's");
    r.epoch = i + 1;
    r.trainLoss = rows[i][1];
    r.trainAccuracy = rows[i][2];
    r.validationLoss = rows[i][3];
    r.validationAccuracy = rows[i][4];
    r.seconds = rows[i][5];
    history.push_back(r);
  }
  return history;
}

/** A saved option by the name optionValues gives it (Adam's betas are one tuple in the file). */
double savedOption(torch::serialize::InputArchive& options, const std::string& name) {
  const bool beta = name == "beta1" || name == "beta2";
  c10::IValue value;
  if (!options.try_read(beta ? "betas" : name, value)) throw std::runtime_error("its optimizer has no " + name);
  if (beta) {
    if (!value.isTuple() || value.toTupleRef().elements().size() != 2) throw std::runtime_error("its optimizer's betas are not a pair");
    value = value.toTupleRef().elements()[name == "beta1" ? 0 : 1];
  }
  if (value.isDouble()) return value.toDouble();
  if (value.isBool()) return value.toBool() ? 1.0 : 0.0;
  if (value.isInt()) return static_cast<double>(value.toInt());
  throw std::runtime_error("its optimizer's " + name + " is not a number");
}

/**
 * Each parameter group's saved options against the trial's, before anything is loaded:
 * a state is continued only with the optimizer settings of the trial it belongs to.
 */
void requireOptions(torch::serialize::InputArchive& saved, const torch::optim::Optimizer& optimizer, bool scheduledRate) {
  torch::serialize::InputArchive groups;
  saved.read("param_groups", groups);
  const auto& live = optimizer.param_groups();
  for (size_t g = 0; g < live.size(); ++g) {
    torch::serialize::InputArchive group, options;
    if (!groups.try_read("param_groups/" + std::to_string(g), group)) throw std::runtime_error("its optimizer has fewer parameter groups");
    group.read("options", options);
    for (const auto& [name, want] : optionValues(live[g].options())) {
      // A schedule sets the rate before every step, so the saved one is never used.
      if (scheduledRate && name == "lr") continue;
      const double got = savedOption(options, name);
      if (!(got == want)) {
        throw std::runtime_error("its optimizer's " + name + " is " + numberText(got) + ", but the trial's is " + numberText(want));
      }
    }
  }
}
/**
 * The per-parameter state each saved parameter's entry holds (Adam's moments, momentum
 * buffers, …) must have its parameter's shape and dtype: libtorch's loader moves it in as
 * it is, and the next step would meet it.
 */
void requireOptimizerState(torch::serialize::InputArchive& saved, const torch::optim::Optimizer& optimizer) {
  static const char* const kStateTensors[] = {"exp_avg", "exp_avg_sq", "max_exp_avg_sq", "momentum_buffer",
                                              "square_avg", "grad_avg", "sum"};
  torch::serialize::InputArchive groups, states;
  saved.read("param_groups", groups);
  saved.read("state", states);
  int64_t index = 0;
  for (size_t g = 0; g < optimizer.param_groups().size(); ++g) {
    const std::vector<torch::Tensor>& params = optimizer.param_groups()[g].params();
    torch::serialize::InputArchive group;
    groups.read("param_groups/" + std::to_string(g), group);
    torch::Tensor size;
    group.read("params/size", size);
    if (size.numel() != 1 || size.item<int64_t>() != static_cast<int64_t>(params.size())) {
      throw std::runtime_error("its optimizer has another number of parameters");
    }
    for (size_t i = 0; i < params.size(); ++i, ++index) {
      torch::serialize::InputArchive state;
      if (!states.try_read(readString(group, "params/" + std::to_string(i)), state)) continue;
      for (const char* name : kStateTensors) {
        torch::Tensor tensor;
        if (!state.try_read(name, tensor) || !tensor.defined()) continue;
        if (tensor.sizes() != params[i].sizes() || tensor.scalar_type() != params[i].scalar_type()) {
          std::ostringstream got, want;
          got << tensor.sizes() << " " << tensor.scalar_type();
          want << params[i].sizes() << " " << params[i].scalar_type();
          throw std::runtime_error("its optimizer's " + std::string(name) + " for parameter " + std::to_string(index) + " is " +
                                   got.str() + ", but the parameter is " + want.str());
        }
      }
    }
  }
}
}  // namespace

/**
 * Everything a continued trial must share with the one that saved the state, in one
 * line: any difference would make "continued" differ from "trained at once".
 */
std::string trainingIdentity(const TrainConfig& c, const TrainData& data, const torch::Device& device,
                             bool channelsLast, bool foreachOptimizer) {
  std::ostringstream out;
  out.precision(17);
  const NetworkSpec& n = c.network;
  const OptimizerSpec& o = c.optimizer;
  int64_t indexSum = 0;
  for (const torch::Tensor* indices : {&data.trainIndices, &data.validationIndices}) {
    // Position-weighted, so a reordered split does not pass for the same one.
    const torch::Tensor weights = torch::arange(1, indices->numel() + 1, torch::kLong);
    indexSum = indexSum * 31 + (indices->to(torch::kLong) * weights).sum().item<int64_t>();
  }
  out << architectureName(n.architecture) << " classes=" << n.classes << " channels=" << n.channels
      << " size=" << n.size << " activation=" << activationName(n.activation.kind) << ":" << n.activation.parameter
      << " aux=" << n.auxLogits << " firstKernel=" << n.firstKernel << " optimizer=" << optimizerName(o.kind)
      << " lr=" << o.learningRate << " wd=" << o.weightDecay << " momentum=" << o.momentum << " alpha=" << o.alpha
      << " betas=" << o.beta1 << "," << o.beta2 << " eps=" << o.epsilon << " augment=" << c.augment.enabled << ":"
      << c.augment.padding << ":" << c.augment.flip << " batch=" << c.batchSize << " epochs=" << c.epochs
      << " seed=" << c.seed << " amp=" << c.amp << " freeze=" << c.freezeEpochs
      << " weights=" << c.initialWeights.size() << " device=" << device.type() << " channelsLast=" << channelsLast
      << " foreach=" << foreachOptimizer << " images=" << data.images.size(0) << " train=" << data.trainIndices.numel()
      << " validation=" << data.validationIndices.numel() << " split=" << indexSum;
  // Only a scheduled rate is named, so states saved before schedules existed keep their identity.
  if (c.learningRateSchedule != LearningRateSchedule::Constant) {
    out << " schedule=" << learningRateScheduleName(c.learningRateSchedule);
  }
  return out.str();
}

void saveTrainingState(const std::string& path, const TrainingState& state, const torch::nn::Module& network,
                       const torch::optim::Optimizer& optimizer) {
  torch::serialize::OutputArchive archive;
  archive.write("format", c10::IValue(std::string(kFormat)));
  archive.write("identity", c10::IValue(state.identity));
  archive.write("trial", c10::IValue(state.trial));
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

TrainingState loadTrainingState(const std::string& path, const StateExpectation& expected, torch::nn::Module& network,
                                torch::optim::Optimizer& optimizer, const torch::Device& device) {
  const auto refuse = [&](const std::string& why) {
    return std::invalid_argument("training state " + path + " cannot be continued: " + why.substr(0, why.find('\n')));
  };
  TrainingState state;
  try {
    const std::string bytes = readVerifiedArchive(path, "training state");
    torch::serialize::InputArchive archive;
    archive.load_from(bytes.data(), bytes.size(), device);
    if (readString(archive, "format") != kFormat) throw std::runtime_error("it is not a fer-ga training state");
    state.identity = readString(archive, "identity");
    if (state.identity != expected.identity) {
      throw std::runtime_error("it was written for other settings (" + state.identity + "), not these (" +
                               expected.identity + ")");
    }
    // A state written before states named their trial has no name, and is bound by its identity alone.
    state.trial = readOptionalString(archive, "trial", "");
    if (!state.trial.empty() && state.trial != expected.trial) {
      throw std::runtime_error("it was written for trial '" + state.trial + "', not '" + expected.trial + "'");
    }
    state.epoch = readInt(archive, "epoch");
    if (state.epoch < 1 || state.epoch > expected.epochs) {
      throw std::runtime_error("its epoch " + std::to_string(state.epoch) + " is outside 1.." + std::to_string(expected.epochs));
    }
    state.random = readString(archive, "random");
    torch::Tensor history;
    if (!archive.try_read("history", history)) throw std::runtime_error("it has no history");
    state.history = historyFrom(history, state.epoch);
    torch::serialize::InputArchive weights, optimizerState;
    archive.read("network", weights);
    archive.read("optimizer", optimizerState);
    requireLayout(weights, network);
    requireOptions(optimizerState, optimizer, expected.scheduledRate);
    requireOptimizerState(optimizerState, optimizer);
    network.load(weights);
    optimizer.load(optimizerState);
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::invalid_argument& error) {
    if (std::string(error.what()).rfind("training state " + path, 0) == 0) throw;
    throw refuse(error.what());
  } catch (const c10::Error& error) {
    throw refuse(error.what_without_backtrace());
  } catch (const std::exception& error) {
    throw refuse(error.what());
  }
  return state;
}

}  // namespace fer
