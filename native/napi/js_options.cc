#include "napi/js_options.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "training/device.h"
#include "napi/js_weights.h"

namespace fer::js {

namespace {
std::string typeName(const Napi::Value& value) {
  if (value.IsNull()) return "null";
  if (value.IsArray()) return "array";
  switch (value.Type()) {
    case napi_undefined: return "undefined";
    case napi_boolean: return "boolean";
    case napi_number: return "number " + value.ToString().Utf8Value();
    case napi_string: return "string '" + value.As<Napi::String>().Utf8Value() + "'";
    case napi_function: return "function";
    case napi_bigint: return "bigint";
    default: return "object";
  }
}

[[noreturn]] void badField(const char* key, const char* expected, const Napi::Value& got) {
  throw std::invalid_argument(std::string("option ") + key + " must be " + expected + " (got " + typeName(got) + ")");
}

bool absent(const Napi::Value& value) { return value.IsUndefined() || value.IsNull(); }

// Every name startTraining reads (here and with the data); any other is a misspelling or an
// option of another version, refused rather than silently ignored.
const std::vector<std::string>& trainingOptionNames() {
  static const std::vector<std::string> names = {
      "model", "classes", "channels", "size", "activation", "activationParameter", "auxLogits", "firstKernel",
      "optimizer", "learningRate", "learningRateSchedule", "weightDecay", "momentum", "alpha", "beta1", "beta2", "epsilon",
      "augment", "cropPadding", "flip", "batchSize", "epochs", "seed", "device", "threads", "progressEveryBatches",
      "checkpoint", "checkpointMetadata", "amp", "channelsLast", "foreachOptimizer", "residentData",
      "initialWeights", "partialWeights", "weightsSource", "freezeEpochs", "untilEpoch", "resumeState", "saveState", "stateIdentity",
      "images", "labels", "trainIndices", "validationIndices"};
  return names;
}

void refuseUnknownOptions(const Napi::Object& options) {
  const Napi::Array keys = options.GetPropertyNames();
  const auto& known = trainingOptionNames();
  for (uint32_t i = 0; i < keys.Length(); ++i) {
    const std::string key = keys.Get(i).ToString().Utf8Value();
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      throw std::invalid_argument("option " + key + " is not a training option");
    }
  }
}

/** A hyperparameter the chosen optimizer has no use for would be reported but never applied. */
void refuseUnusedHyperparameters(const Napi::Object& options, OptimizerKind kind) {
  const std::vector<std::string>& used = hyperparametersOf(kind);
  for (const char* key : {"momentum", "alpha", "beta1", "beta2", "epsilon"}) {
    if (!absent(options.Get(key)) && std::find(used.begin(), used.end(), key) == used.end()) {
      throw std::invalid_argument(std::string("option ") + key + " is not used by " + optimizerName(kind));
    }
  }
}

int64_t integerInRange(const Napi::Object& options, const char* key, int64_t fallback, int64_t low, int64_t high) {
  const int64_t value = optionalInteger(options, key, fallback);
  if (value < low || value > high) {
    throw std::invalid_argument(std::string("option ") + key + " must be an integer from " + std::to_string(low) + " to " +
                                std::to_string(high) + " (got " + std::to_string(value) + ")");
  }
  return value;
}
}  // namespace

std::string requireString(const Napi::Object& options, const char* key) {
  const Napi::Value value = options.Get(key);
  if (!value.IsString()) badField(key, "a string", value);
  return value.As<Napi::String>().Utf8Value();
}

std::string optionalString(const Napi::Object& options, const char* key, const std::string& fallback) {
  return absent(options.Get(key)) ? fallback : requireString(options, key);
}

double optionalNumber(const Napi::Object& options, const char* key, double fallback) {
  const Napi::Value value = options.Get(key);
  if (absent(value)) return fallback;
  if (!value.IsNumber() || !std::isfinite(value.As<Napi::Number>().DoubleValue())) {
    badField(key, "a finite number", value);
  }
  return value.As<Napi::Number>().DoubleValue();
}

int64_t optionalInteger(const Napi::Object& options, const char* key, int64_t fallback) {
  const Napi::Value value = options.Get(key);
  if (absent(value)) return fallback;
  const double number = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : NAN;
  if (!std::isfinite(number) || std::trunc(number) != number || std::fabs(number) > 9007199254740991.0) {
    badField(key, "an integer", value);
  }
  return static_cast<int64_t>(number);
}

bool optionalBoolean(const Napi::Object& options, const char* key, bool fallback) {
  const Napi::Value value = options.Get(key);
  if (absent(value)) return fallback;
  if (!value.IsBoolean()) badField(key, "a boolean", value);
  return value.As<Napi::Boolean>().Value();
}

std::optional<bool> optionalFlag(const Napi::Object& options, const char* key) {
  if (absent(options.Get(key))) return std::nullopt;
  return optionalBoolean(options, key, false);
}

NetworkSpec networkSpec(const Napi::Object& options) {
  NetworkSpec spec;
  spec.architecture = parseArchitecture(requireString(options, "model"));
  spec.classes = optionalInteger(options, "classes", spec.classes);
  spec.channels = optionalInteger(options, "channels", spec.channels);
  spec.size = optionalInteger(options, "size", spec.size);
  spec.activation.kind = parseActivation(optionalString(options, "activation", "relu"));
  spec.activation.parameter =
      optionalNumber(options, "activationParameter", defaultActivationParameter(spec.activation.kind));
  spec.auxLogits = optionalBoolean(options, "auxLogits", false);
  spec.firstKernel = optionalInteger(options, "firstKernel", 0);
  validate(spec);
  return spec;
}

TrainConfig trainConfig(const Napi::Object& options) {
  refuseUnknownOptions(options);
  TrainConfig config;
  config.network = networkSpec(options);
  OptimizerSpec& o = config.optimizer;
  o.kind = parseOptimizer(optionalString(options, "optimizer", "adam"));
  refuseUnusedHyperparameters(options, o.kind);
  o.learningRate = optionalNumber(options, "learningRate", o.learningRate);
  o.weightDecay = optionalNumber(options, "weightDecay", o.weightDecay);
  config.learningRateSchedule = parseLearningRateSchedule(optionalString(options, "learningRateSchedule", "constant"));
  o.momentum = optionalNumber(options, "momentum", o.momentum);
  o.alpha = optionalNumber(options, "alpha", o.alpha);
  o.beta1 = optionalNumber(options, "beta1", o.beta1);
  o.beta2 = optionalNumber(options, "beta2", o.beta2);
  o.epsilon = optionalNumber(options, "epsilon", o.epsilon);
  config.augment.enabled = optionalBoolean(options, "augment", config.augment.enabled);
  config.augment.padding = optionalInteger(options, "cropPadding", config.augment.padding);
  config.augment.flip = optionalBoolean(options, "flip", config.augment.flip);
  config.batchSize = optionalInteger(options, "batchSize", config.batchSize);
  config.epochs = optionalInteger(options, "epochs", config.epochs);
  // Integers a JS number holds exactly; the limits are checked before any narrowing cast.
  config.seed = static_cast<uint64_t>(integerInRange(options, "seed", static_cast<int64_t>(config.seed), 0, 9007199254740991));
  config.device = optionalString(options, "device", config.device);
  config.threads = static_cast<int>(integerInRange(options, "threads", config.threads, 0, kMaximumThreads));
  config.progressEveryBatches = optionalInteger(options, "progressEveryBatches", config.progressEveryBatches);
  config.checkpointPath = optionalString(options, "checkpoint", "");
  config.checkpointMetadata = optionalString(options, "checkpointMetadata", "{}");
  config.amp = optionalBoolean(options, "amp", config.amp);
  config.channelsLast = optionalFlag(options, "channelsLast");
  config.foreachOptimizer = optionalFlag(options, "foreachOptimizer");
  config.residentData = optionalFlag(options, "residentData");
  if (!absent(options.Get("initialWeights"))) config.initialWeights = weightsFromJs(options.Get("initialWeights"), "option initialWeights");
  config.partialWeights = optionalBoolean(options, "partialWeights", false);
  config.weightsSource = optionalString(options, "weightsSource", "given as initialWeights");
  config.freezeEpochs = optionalInteger(options, "freezeEpochs", 0);
  config.untilEpoch = optionalInteger(options, "untilEpoch", config.epochs);
  config.resumeStatePath = optionalString(options, "resumeState", "");
  config.saveStatePath = optionalString(options, "saveState", "");
  config.stateIdentity = optionalString(options, "stateIdentity", "");
  // Freezing and partial loading act on given weights; without them they would be reported but do nothing the key knows of.
  if (config.initialWeights.empty() && config.freezeEpochs > 0) {
    throw std::invalid_argument("option freezeEpochs needs initialWeights (there is nothing pretrained to keep)");
  }
  if (config.initialWeights.empty() && config.partialWeights) throw std::invalid_argument("option partialWeights needs initialWeights");
  if (!config.augment.enabled && (!absent(options.Get("cropPadding")) || !absent(options.Get("flip")))) {
    throw std::invalid_argument("options cropPadding and flip act only with augment");
  }
  return config;
}

torch::Tensor ownedImages(const Napi::Object& options, const NetworkSpec& spec, int64_t count) {
  const Napi::Value value = options.Get("images");
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    badField("images", "a Uint8Array or Buffer", value);
  }
  auto array = value.As<Napi::Uint8Array>();
  const int64_t expected = count * spec.channels * spec.size * spec.size;
  if (static_cast<int64_t>(array.ByteLength()) != expected) {
    throw std::invalid_argument("option images holds " + std::to_string(array.ByteLength()) + " bytes, but " +
                                std::to_string(count) + " images of " + std::to_string(spec.channels) + "×" +
                                std::to_string(spec.size) + "×" + std::to_string(spec.size) + " need " +
                                std::to_string(expected));
  }
  return torch::from_blob(array.Data(), {count, spec.channels, spec.size, spec.size}, torch::kByte).clone();
}

torch::Tensor integers(const Napi::Object& options, const char* key) {
  const Napi::Value value = options.Get(key);
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    badField(key, "an Int32Array", value);
  }
  auto array = value.As<Napi::Int32Array>();
  return torch::from_blob(array.Data(), {static_cast<int64_t>(array.ElementLength())}, torch::kInt).to(torch::kLong);
}

}  // namespace fer::js
