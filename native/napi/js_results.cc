#include "napi/js_results.h"

#include <torch/version.h>

#include "napi/js_weights.h"

namespace fer::js {

namespace {
Napi::Array numbers(Napi::Env env, const std::vector<double>& values) {
  Napi::Array array = Napi::Array::New(env, values.size());
  for (size_t i = 0; i < values.size(); ++i) array.Set(static_cast<uint32_t>(i), values[i]);
  return array;
}

Napi::Object epochToJs(Napi::Env env, const EpochRecord& record) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("epoch", static_cast<double>(record.epoch));
  o.Set("trainLoss", record.trainLoss);
  o.Set("trainAccuracy", record.trainAccuracy);
  o.Set("validationLoss", record.validationLoss);
  o.Set("validationAccuracy", record.validationAccuracy);
  o.Set("seconds", record.seconds);
  return o;
}

Napi::Object settingsToJs(Napi::Env env, const TrainConfig& config) {
  Napi::Object o = toJs(env, config.network);
  const OptimizerSpec& opt = config.optimizer;
  o.Set("optimizer", optimizerName(opt.kind));
  o.Set("learningRate", opt.learningRate);
  o.Set("learningRateSchedule", learningRateScheduleName(config.learningRateSchedule));
  o.Set("weightDecay", opt.weightDecay);
  // Only what the chosen optimizer reads: a value it ignores would read as a setting that ran.
  for (const std::string& name : hyperparametersOf(opt.kind)) o.Set(name, hyperparameter(opt, name));
  o.Set("augment", config.augment.enabled);
  o.Set("cropPadding", static_cast<double>(config.augment.padding));
  o.Set("flip", config.augment.flip);
  o.Set("batchSize", static_cast<double>(config.batchSize));
  o.Set("epochs", static_cast<double>(config.epochs));
  o.Set("seed", static_cast<double>(config.seed));
  return o;
}
}  // namespace

Napi::Array strings(Napi::Env env, const std::vector<std::string>& values) {
  Napi::Array array = Napi::Array::New(env, values.size());
  for (size_t i = 0; i < values.size(); ++i) array.Set(static_cast<uint32_t>(i), values[i]);
  return array;
}

Napi::Object toJs(Napi::Env env, const NetworkSpec& spec) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("model", architectureName(spec.architecture));
  o.Set("classes", static_cast<double>(spec.classes));
  o.Set("channels", static_cast<double>(spec.channels));
  o.Set("size", static_cast<double>(spec.size));
  o.Set("activation", activationName(spec.activation.kind));
  o.Set("activationParameter", spec.activation.parameter);
  o.Set("auxLogits", spec.auxLogits);
  o.Set("firstKernel", static_cast<double>(spec.firstKernel));
  return o;
}

Napi::Object toJs(Napi::Env env, const ProgressEvent& event) {
  Napi::Object o = Napi::Object::New(env);
  const bool isEpoch = event.kind == ProgressEvent::Kind::Epoch;
  o.Set("kind", isEpoch ? "epoch" : "batch");
  o.Set("epoch", static_cast<double>(event.epoch));
  o.Set("epochs", static_cast<double>(event.epochs));
  if (isEpoch) {
    if (event.record) o.Set("record", epochToJs(env, *event.record));
    o.Set("imagesPerSecond", event.imagesPerSecond);
  } else {
    o.Set("batch", static_cast<double>(event.batch));
    o.Set("batches", static_cast<double>(event.batches));
    o.Set("loss", event.loss);
  }
  return o;
}

Napi::Object toJs(Napi::Env env, const TrainResult& result, const TrainConfig& config) {
  Napi::Object o = Napi::Object::New(env);
  Napi::Array history = Napi::Array::New(env, result.history.size());
  for (size_t i = 0; i < result.history.size(); ++i) history.Set(static_cast<uint32_t>(i), epochToJs(env, result.history[i]));
  o.Set("history", history);
  o.Set("diverged", result.diverged);
  o.Set("bestEpoch", static_cast<double>(result.bestEpoch));
  o.Set("resumedFromEpoch", static_cast<double>(result.resumedFromEpoch));
  o.Set("epochsTrained", static_cast<double>(result.epochsTrained));
  o.Set("bestValidationAccuracy", result.bestValidationAccuracy);
  o.Set("finalValidationAccuracy", result.history.empty() ? 0.0 : result.history.back().validationAccuracy);
  const int64_t classes = config.network.classes;
  Napi::Array confusion = Napi::Array::New(env, classes);
  for (int64_t row = 0; row < classes; ++row) {
    Napi::Array cells = Napi::Array::New(env, classes);
    for (int64_t col = 0; col < classes; ++col) {
      cells.Set(static_cast<uint32_t>(col), static_cast<double>(result.confusion[row * classes + col]));
    }
    confusion.Set(static_cast<uint32_t>(row), cells);
  }
  o.Set("confusion", confusion);
  o.Set("predictions", Napi::Buffer<uint8_t>::Copy(env, result.predictions.data(), result.predictions.size()));
  o.Set("seconds", result.seconds);
  o.Set("imagesPerSecond", result.imagesPerSecond);
  o.Set("device", result.device);
  o.Set("threads", result.threads);
  o.Set("parameters", static_cast<double>(result.parameters));
  Napi::Object execution = Napi::Object::New(env);
  execution.Set("amp", result.amp);
  execution.Set("channelsLast", result.channelsLast);
  execution.Set("foreachOptimizer", result.foreachOptimizer);
  execution.Set("dataOnDevice", result.dataOnDevice);
  o.Set("execution", execution);
  o.Set("weights", result.weightsLoaded ? Napi::Value(weightReportToJs(env, result.weights)) : env.Null());
  o.Set("mean", numbers(env, result.mean));
  o.Set("std", numbers(env, result.std));
  o.Set("libtorch", TORCH_VERSION);
  o.Set("checkpoint", config.checkpointPath.empty() || result.diverged ? env.Null()
                                                                        : Napi::String::New(env, config.checkpointPath));
  o.Set("settings", settingsToJs(env, config));
  return o;
}

}  // namespace fer::js
