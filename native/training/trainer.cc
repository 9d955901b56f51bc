#include "training/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <random>
#include <sstream>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/nn/functional/loss.h>

#include "files/checkpoint.h"
#include "training/device.h"
#include "networks/dropout.h"
#include "training/normalisation.h"
#include "training/precision.h"
#include "training/training_state.h"

namespace fer {

namespace {
using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::vector<int64_t> toVector(const torch::Tensor& indices) {
  const torch::Tensor t = indices.to(torch::kLong).contiguous();
  return std::vector<int64_t>(t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + t.numel());
}

void requireIndicesInRange(const torch::Tensor& indices, int64_t count, const char* what) {
  if (indices.numel() == 0) throw std::invalid_argument(std::string(what) + " is empty");
  const int64_t low = indices.min().item<int64_t>(), high = indices.max().item<int64_t>();
  if (low < 0 || high >= count) {
    throw std::invalid_argument(std::string(what) + " holds index " + std::to_string(low < 0 ? low : high) +
                                ", outside the " + std::to_string(count) + " images");
  }
}

/**
 * The packed set on the device when the caller allows it and it fits; otherwise the
 * caller's host tensor, from which each batch is copied.
 */
torch::Tensor placeImages(const torch::Tensor& images, const torch::Device& device, bool resident) {
  if (!resident || device.is_cpu()) return images;
  try {
    return images.to(device);
  } catch (const c10::Error&) {
    // Out of device memory (or any failure to place it): train from host memory instead.
    return images;
  }
}

struct Evaluation {
  double loss = 0, accuracy = 0;
  torch::Tensor confusion;    // int64 classes×classes on the CPU
  torch::Tensor predictions;  // uint8, one per validation image, on the CPU
};

class Trial {
 public:
  Trial(const TrainConfig& config, const TrainData& data, const std::atomic<bool>& cancelled,
        const std::function<void(const ProgressEvent&)>& onProgress)
      : config_(config),
        data_(data),
        cancelled_(cancelled),
        onProgress_(onProgress),
        device_(resolveDevice(config.device)),
        channelsLast_(config.channelsLast.value_or(device_.is_cuda())),
        foreachOptimizer_(runsMultiTensor(config.optimizer.kind, config.foreachOptimizer.value_or(device_.is_cuda()))),
        images_(placeImages(data.images, device_, config.residentData.value_or(device_.is_cuda()))),
        trainIndices_(toVector(data.trainIndices)),
        statistics_(channelStatistics(images_, data.trainIndices)),
        normaliser_(statistics_, device_),
        rng_(config.seed),
        generator_(at::make_generator<at::CPUGeneratorImpl>(config.seed)),
        generatorScope_(generator_) {
    if (device_.is_cuda()) configureCudaBackends();
    network_ = buildNetwork(config.network, config.seed);
    if (!config.initialWeights.empty()) {
      weightReport_ = loadWeights(*network_, config.network, config.initialWeights, config.partialWeights, config.weightsSource);
    }
    network_->to(device_);
    if (channelsLast_) useChannelsLast(*network_);
    optimizer_ = makeOptimizer(config.optimizer, network_->parameters(), foreachOptimizer_);
    labelsOnDevice_ = data.labels.to(device_);
    validationOnDevice_ = data.validationIndices.to(device_);
    if (!config.resumeStatePath.empty()) resume();
  }

  TrainResult run() {
    const auto start = Clock::now();
    TrainResult result;
    result.device = describeDevice(device_);
    result.mean = statistics_.mean;
    result.std = statistics_.std;
    result.parameters = countParameters(*network_);
    result.amp = config_.amp;
    result.channelsLast = channelsLast_;
    result.foreachOptimizer = foreachOptimizer_;
    result.dataOnDevice = !device_.is_cpu() && images_.device() == device_;
    result.weightsLoaded = !config_.initialWeights.empty();
    result.weights = weightReport_;
    result.resumedFromEpoch = resumedFrom_;
    result.history = restoredHistory_;
    for (const EpochRecord& record : restoredHistory_) noteBest(result, record);
    double trainingSeconds = 0;
    int64_t imagesTrained = 0;
    Evaluation last;
    const int64_t lastEpoch = lastEpochOfCall();
    for (int64_t epoch = resumedFrom_ + 1; epoch <= lastEpoch; ++epoch) {
      const auto epochStart = Clock::now();
      EpochRecord record;
      record.epoch = epoch;
      if (config_.freezeEpochs > 0) freezeFeatures(epoch <= config_.freezeEpochs);
      const bool finite = trainEpoch(epoch, record, imagesTrained);
      trainingSeconds += secondsSince(epochStart);
      if (!finite) {
        result.diverged = true;
        break;
      }
      last = evaluate();
      record.validationLoss = last.loss;
      record.validationAccuracy = last.accuracy;
      record.seconds = secondsSince(epochStart);
      result.history.push_back(record);
      ++result.epochsTrained;
      noteBest(result, record);
      ProgressEvent event;
      event.kind = ProgressEvent::Kind::Epoch;
      event.epoch = epoch;
      event.epochs = config_.epochs;
      event.record = record;
      event.imagesPerSecond = imagesTrained / std::max(trainingSeconds, 1e-9);
      onProgress_(event);
    }
    const int64_t classes = config_.network.classes;
    const torch::Tensor confusion =
        last.confusion.defined() ? last.confusion : torch::zeros({classes, classes}, torch::kLong);
    result.confusion = toVector(confusion.flatten());
    if (last.predictions.defined()) {
      const uint8_t* first = last.predictions.data_ptr<uint8_t>();
      result.predictions.assign(first, first + last.predictions.numel());
    }
    result.imagesPerSecond = imagesTrained / std::max(trainingSeconds, 1e-9);
    // A cancel (or a progress handler that threw) seen during the last epoch's report leaves no files behind.
    if (cancelled_.load()) throw TrainingCancelled();
    if (!config_.saveStatePath.empty() && !result.diverged) {
      std::ostringstream random;
      random << rng_;
      saveTrainingState(config_.saveStatePath,
                        TrainingState{identity(), config_.stateIdentity, lastEpoch, random.str(), result.history}, *network_,
                        *optimizer_);
    }
    if (!config_.checkpointPath.empty() && !result.diverged) {
      if (channelsLast_) useContiguous(*network_);
      saveCheckpoint(config_.checkpointPath,
                     Checkpoint{config_.network, statistics_.mean, statistics_.std, config_.checkpointMetadata, network_});
    }
    result.seconds = secondsSince(start);
    return result;
  }

 private:
  static void noteBest(TrainResult& result, const EpochRecord& record) {
    if (result.bestEpoch == 0 || record.validationAccuracy > result.bestValidationAccuracy) {
      result.bestEpoch = record.epoch;
      result.bestValidationAccuracy = record.validationAccuracy;
    }
  }

  /** Where this call stops. */
  int64_t lastEpochOfCall() const { return config_.untilEpoch; }

  std::string identity() const {
    return trainingIdentity(config_, data_, device_, channelsLast_, foreachOptimizer_);
  }

  /** Picks up where a saved state stopped: weights, optimizer, random stream and history. */
  void resume() {
    const StateExpectation expected{identity(), config_.stateIdentity, config_.epochs,
                                    config_.learningRateSchedule != LearningRateSchedule::Constant};
    TrainingState state = loadTrainingState(config_.resumeStatePath, expected, *network_, *optimizer_, device_);
    const int64_t lastEpoch = lastEpochOfCall();
    if (state.epoch >= lastEpoch) {
      throw std::invalid_argument("training state " + config_.resumeStatePath + " is already at epoch " +
                                  std::to_string(state.epoch) + ", not before epoch " + std::to_string(lastEpoch));
    }
    std::istringstream random(state.random);
    random >> rng_;
    if (random.fail()) {
      throw std::invalid_argument("training state " + config_.resumeStatePath + " cannot be continued: its random state is malformed");
    }
    resumedFrom_ = state.epoch;
    restoredHistory_ = std::move(state.history);
  }

  /** Frozen feature layers get no gradient, so every optimizer leaves them as they are. */
  void freezeFeatures(bool frozen) {
    for (auto& item : network_->named_parameters()) {
      if (isFeatureParameter(config_.network.architecture, item.key())) item.value().set_requires_grad(!frozen);
    }
  }

  /** `indices` on the trial's device. */
  torch::Tensor batchOfImages(const torch::Tensor& indices) {
    // Resident: a gather on the device. Otherwise index_select on the host copies just
    // this batch, and only the batch crosses to the device.
    const torch::Tensor pixels = images_.device() == device_
                                     ? images_.index_select(0, indices)
                                     : images_.index_select(0, indices.cpu()).to(device_, /*non_blocking=*/true);
    return toUnitFloat(pixels);
  }

  /** Scaled, normalised and laid out as the network's weights are. */
  torch::Tensor networkInput(const torch::Tensor& unitFloat) {
    const torch::Tensor x = normaliser_(unitFloat);
    return channelsLast_ ? x.contiguous(at::MemoryFormat::ChannelsLast) : x;
  }

  /** Returns false when the loss stopped being finite. */
  bool trainEpoch(int64_t epoch, EpochRecord& record, int64_t& imagesTrained) {
    network_->train();
    // Dropout's masks for this epoch follow from rng_ alone, and each epoch shuffles the
    // caller's order afresh, so rng_'s state at an epoch boundary is all the randomness a
    // continued trial needs.
    generator_.set_current_seed(rng_());
    std::vector<int64_t> epochOrder = trainIndices_;
    std::shuffle(epochOrder.begin(), epochOrder.end(), rng_);
    const int64_t count = static_cast<int64_t>(epochOrder.size());
    const int64_t batches = (count + config_.batchSize - 1) / config_.batchSize;
    // The epoch's order and augmentation cross to the device once, not once a batch.
    const torch::Tensor order = torch::tensor(epochOrder, torch::kLong).to(device_);
    const AugmentPlan plan = planAugmentation(count, config_.augment, rng_, device_);
    // A CPU loss is already on the host, so checking it every batch costs nothing; on a GPU
    // the check waits for the device, so it happens only where a number is reported anyway.
    const bool checkEveryBatch = device_.is_cpu();
    torch::Tensor lossSum = torch::zeros({}, torch::TensorOptions().dtype(torch::kDouble).device(device_));
    torch::Tensor correct = torch::zeros({}, torch::TensorOptions().dtype(torch::kLong).device(device_));
    int64_t seen = 0;
    for (int64_t b = 0; b < batches; ++b) {
      if (cancelled_.load()) throw TrainingCancelled();
      const int64_t from = b * config_.batchSize, to = std::min(count, from + config_.batchSize);
      // Batch norm cannot train on one sample: a final batch of one is dropped for this epoch
      // (the next epoch reshuffles, so it is not always the same sample).
      if (to - from < 2 && b > 0) break;
      const torch::Tensor indices = order.slice(0, from, to);
      const torch::Tensor x = networkInput(augmentBatch(batchOfImages(indices), config_.augment, plan, from));
      const torch::Tensor y = labelsOnDevice_.index_select(0, indices);
      NetworkOutput out;
      torch::Tensor loss;
      {
        AutocastScope autocast(device_, config_.amp);
        out = network_->forward(x);
        loss = torch::nn::functional::cross_entropy(out.logits, y);
        for (const auto& aux : out.aux) loss = loss + 0.3 * torch::nn::functional::cross_entropy(aux, y);
      }
      // Dropping the gradients instead of zeroing them saves a pass over every parameter;
      // backward then writes them fresh.
      network_->zero_grad(/*set_to_none=*/true);
      loss.backward();
      if (config_.learningRateSchedule != LearningRateSchedule::Constant) {
        const int64_t step = (epoch - 1) * batches + b;
        setLearningRate(*optimizer_, scheduledLearningRate(config_.learningRateSchedule, config_.optimizer.learningRate,
                                                           step, config_.epochs * batches));
      }
      optimizer_->step();

      const int64_t n = to - from;
      lossSum += loss.detach().to(torch::kDouble) * static_cast<double>(n);
      correct += out.logits.detach().argmax(1).eq(y).sum();
      seen += n;
      imagesTrained += n;
      const bool report = config_.progressEveryBatches > 0 && (b + 1) % config_.progressEveryBatches == 0;
      if (checkEveryBatch || report) {
        const double value = loss.item<double>();
        if (!std::isfinite(value)) return false;
        if (report) {
          ProgressEvent event;
          event.kind = ProgressEvent::Kind::Batch;
          event.epoch = epoch;
          event.epochs = config_.epochs;
          event.batch = b + 1;
          event.batches = batches;
          event.loss = value;
          onProgress_(event);
        }
      }
    }
    record.trainLoss = lossSum.item<double>() / std::max<int64_t>(seen, 1);
    record.trainAccuracy = static_cast<double>(correct.item<int64_t>()) / std::max<int64_t>(seen, 1);
    return std::isfinite(record.trainLoss);
  }

  Evaluation evaluate() {
    torch::NoGradGuard noGrad;
    network_->eval();
    const int64_t classes = config_.network.classes;
    const torch::Tensor& indices = validationOnDevice_;
    const int64_t count = indices.numel();
    torch::Tensor lossSum = torch::zeros({}, torch::TensorOptions().dtype(torch::kDouble).device(device_));
    torch::Tensor pairs = torch::zeros({classes * classes}, torch::TensorOptions().dtype(torch::kLong).device(device_));
    const int64_t batch = std::max<int64_t>(config_.batchSize, 64);
    std::vector<torch::Tensor> predicted;
    for (int64_t from = 0; from < count; from += batch) {
      if (cancelled_.load()) throw TrainingCancelled();
      const torch::Tensor slice = indices.slice(0, from, std::min(count, from + batch));
      const torch::Tensor x = networkInput(batchOfImages(slice));
      const torch::Tensor y = labelsOnDevice_.index_select(0, slice);
      torch::Tensor logits;
      {
        AutocastScope autocast(device_, config_.amp);
        logits = network_->forward(x).logits.to(torch::kFloat);
      }
      lossSum += torch::nn::functional::cross_entropy(
                     logits, y, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                     .to(torch::kDouble);
      const torch::Tensor guess = logits.argmax(1);
      pairs += torch::bincount(y * classes + guess, {}, classes * classes);
      predicted.push_back(guess);
    }
    Evaluation evaluation;
    evaluation.confusion = pairs.view({classes, classes}).cpu();
    // One byte an image keeps a trial's record small; a network of more than 256 classes
    // (never a facial-expression set) records none rather than wrapped classes.
    evaluation.predictions = predicted.empty() || classes > 256
                                 ? torch::empty({0}, torch::kUInt8)
                                 : torch::cat(predicted).to(torch::kCPU, torch::kUInt8).contiguous();
    evaluation.loss = lossSum.item<double>() / static_cast<double>(count);
    evaluation.accuracy = static_cast<double>(evaluation.confusion.diagonal().sum().item<int64_t>()) / count;
    return evaluation;
  }

  const TrainConfig& config_;
  const TrainData& data_;
  const std::atomic<bool>& cancelled_;
  const std::function<void(const ProgressEvent&)>& onProgress_;
  torch::Device device_;
  bool channelsLast_, foreachOptimizer_;
  torch::Tensor images_;  // the caller's host tensor, or its copy on the device
  std::vector<int64_t> trainIndices_;
  ChannelStatistics statistics_;
  Normaliser normaliser_;
  std::mt19937_64 rng_;  // the trial's one source of randomness after its network is built
  at::Generator generator_;  // dropout's CPU masks, re-seeded from rng_ each epoch
  GeneratorScope generatorScope_;  // the Trial is built and run on its training thread
  std::shared_ptr<Network> network_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  torch::Tensor labelsOnDevice_, validationOnDevice_;
  WeightReport weightReport_;
  int64_t resumedFrom_ = 0;
  std::vector<EpochRecord> restoredHistory_;
};
}  // namespace

void validate(const TrainConfig& config, const TrainData& data) {
  validate(config.network);
  validate(config.optimizer);
  if (config.batchSize < 2 || config.batchSize > 65536) {
    throw std::invalid_argument("batchSize must be between 2 and 65536 (got " + std::to_string(config.batchSize) + ")");
  }
  if (config.epochs < 1 || config.epochs > 100000) {
    throw std::invalid_argument("epochs must be between 1 and 100000 (got " + std::to_string(config.epochs) + ")");
  }
  if (config.augment.padding < 0 || config.augment.padding > config.network.size) {
    throw std::invalid_argument("cropPadding must be between 0 and the input size (got " +
                                std::to_string(config.augment.padding) + ")");
  }
  if (config.freezeEpochs < 0 || config.freezeEpochs > config.epochs) {
    throw std::invalid_argument("freezeEpochs must be between 0 and epochs (got " + std::to_string(config.freezeEpochs) + ")");
  }
  if (config.untilEpoch < 1 || config.untilEpoch > config.epochs) {
    throw std::invalid_argument("untilEpoch must be between 1 and epochs (got " + std::to_string(config.untilEpoch) + ")");
  }
  if (config.progressEveryBatches < 0) {
    throw std::invalid_argument("progressEveryBatches must not be negative (got " +
                                std::to_string(config.progressEveryBatches) + ")");
  }
  const auto& images = data.images;
  const NetworkSpec& spec = config.network;
  if (images.dim() != 4 || images.scalar_type() != torch::kByte || images.size(1) != spec.channels ||
      images.size(2) != spec.size || images.size(3) != spec.size) {
    throw std::invalid_argument("images must be uint8 N×" + std::to_string(spec.channels) + "×" +
                                std::to_string(spec.size) + "×" + std::to_string(spec.size));
  }
  const int64_t count = images.size(0);
  if (data.labels.numel() != count) {
    throw std::invalid_argument("labels has " + std::to_string(data.labels.numel()) + " entries for " +
                                std::to_string(count) + " images");
  }
  if (count > 0) {
    const int64_t low = data.labels.min().item<int64_t>(), high = data.labels.max().item<int64_t>();
    if (low < 0 || high >= spec.classes) {
      throw std::invalid_argument("labels holds class " + std::to_string(low < 0 ? low : high) + ", outside 0.." +
                                  std::to_string(spec.classes - 1));
    }
  }
  requireIndicesInRange(data.trainIndices, count, "trainIndices");
  requireIndicesInRange(data.validationIndices, count, "validationIndices");
  if (data.trainIndices.numel() < 2) throw std::invalid_argument("trainIndices needs at least 2 images");
}

TrainResult train(const TrainConfig& config, const TrainData& data, const std::atomic<bool>& cancelled,
                  const std::function<void(const ProgressEvent&)>& onProgress) {
  validate(config, data);
  const int threads = applyThreadCount(config.threads);
  Trial trial(config, data, cancelled, onProgress);
  TrainResult result = trial.run();
  result.threads = threads;
  return result;
}

}  // namespace fer
