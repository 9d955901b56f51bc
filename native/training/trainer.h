#pragma once
// One trial: build the network, train it for some epochs on the packed uint8 images,
// evaluate after each epoch, and report. Knows nothing of files, data-set layouts or the GA.
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <torch/types.h>

#include "training/augment.h"
#include "training/lr_schedule.h"
#include "networks/network.h"
#include "training/optimizer.h"
#include "networks/state_dict.h"

namespace fer {

struct TrainConfig {
  NetworkSpec network;
  OptimizerSpec optimizer;
  LearningRateSchedule learningRateSchedule = LearningRateSchedule::Constant;
  AugmentSpec augment;
  int64_t batchSize = 128;
  int64_t epochs = 50;
  uint64_t seed = 1;
  std::string device = "auto";  // auto | cpu | cuda | cuda:N
  int threads = 0;              // 0: one per core
  int64_t progressEveryBatches = 0;  // 0: progress once per epoch only
  std::string checkpointPath;        // empty: no checkpoint
  std::string checkpointMetadata;    // opaque JSON kept with the checkpoint (class names, …)
  bool amp = false;                  // bf16 autocast for forward and loss
  // Unset: decided by the device (all on for CUDA, off for the CPU).
  std::optional<bool> channelsLast;      // NHWC weights and inputs
  std::optional<bool> foreachOptimizer;  // multi-tensor optimizer updates
  std::optional<bool> residentData;      // the whole uint8 set copied to the device when it fits
  NamedTensors initialWeights;           // torchvision-named weights to start from (empty: fresh)
  bool partialWeights = false;           // skip unmatched keys instead of refusing
  std::string weightsSource;             // for messages: the file the weights came from
  int64_t freezeEpochs = 0;              // feature layers frozen for the first N epochs
  // Successive halving trains a trial in stages: `epochs` stays the whole schedule, this
  // call stops after `untilEpoch` (1..epochs; the options reader makes it `epochs` when
  // not given), and the state in between is a file.
  int64_t untilEpoch = 0;
  std::string resumeStatePath;  // empty: start fresh
  std::string saveStatePath;    // empty: keep no state
  std::string stateIdentity;    // the caller's key of the trial, stored in a state and required of one continued
};

/** The trial's own copy of the inputs (copied once from JS when training starts). */
struct TrainData {
  torch::Tensor images;  // uint8 N×C×H×W, contiguous
  torch::Tensor labels;  // int64 N
  torch::Tensor trainIndices;  // int64
  torch::Tensor validationIndices;  // int64
};

struct EpochRecord {
  int64_t epoch = 0;  // 1-based
  double trainLoss = 0, trainAccuracy = 0, validationLoss = 0, validationAccuracy = 0;
  double seconds = 0;
};

struct TrainResult {
  std::vector<EpochRecord> history;
  bool diverged = false;
  int64_t bestEpoch = 0;  // 1-based; 0 when no epoch finished
  double bestValidationAccuracy = 0;
  std::vector<int64_t> confusion;  // classes×classes, row = true class, after the last epoch
  // The predicted class of each validation image after the last epoch, in the order of the
  // validation indices: what a paired test between two trials on one split compares.
  std::vector<uint8_t> predictions;
  double seconds = 0;
  double imagesPerSecond = 0;  // training images per second of training (evaluation excluded)
  std::string device;
  int threads = 0;
  std::vector<double> mean, std;  // per-channel normalisation of the training images
  int64_t parameters = 0;
  // What the trial actually ran with, after the device-dependent defaults.
  bool amp = false, channelsLast = false, foreachOptimizer = false, dataOnDevice = false;
  bool weightsLoaded = false;
  WeightReport weights;
  int64_t resumedFromEpoch = 0;  // the epoch a training state was continued from; 0: fresh
  int64_t epochsTrained = 0;     // by this call
};

struct ProgressEvent {
  enum class Kind { Batch, Epoch } kind = Kind::Epoch;
  int64_t epoch = 0, epochs = 0, batch = 0, batches = 0;
  double loss = 0;            // batch: this batch's loss
  std::optional<EpochRecord> record;  // epoch: the epoch just finished
  double imagesPerSecond = 0;
};

/** Thrown when the caller's cancel flag was seen between two batches. */
class TrainingCancelled : public std::runtime_error {
 public:
  TrainingCancelled() : std::runtime_error("training was cancelled") {}
};

/** Throws std::invalid_argument naming the first bad setting or datum. */
void validate(const TrainConfig& config, const TrainData& data);

TrainResult train(const TrainConfig& config, const TrainData& data, const std::atomic<bool>& cancelled,
                  const std::function<void(const ProgressEvent&)>& onProgress);

}  // namespace fer
