#include "js_options.h"

#include <cmath>
#include <stdexcept>

#include "js_weights.h"

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
  TrainConfig config;
  config.network = networkSpec(options);
  OptimizerSpec& o = config.optimizer;
  o.kind = parseOptimizer(optionalString(options, "optimizer", "adam"));
  o.learningRate = optionalNumber(options, "learningRate", o.learningRate);
  o.weightDecay = optionalNumber(options, "weightDecay", o.weightDecay);
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
  const int64_t seed = optionalInteger(options, "seed", static_cast<int64_t>(config.seed));
  if (seed < 0) throw std::invalid_argument("option seed must not be negative (got " + std::to_string(seed) + ")");
  config.seed = static_cast<uint64_t>(seed);
  config.device = optionalString(options, "device", config.device);
  config.threads = static_cast<int>(optionalInteger(options, "threads", config.threads));
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
  config.untilEpoch = optionalInteger(options, "untilEpoch", 0);
  config.resumeStatePath = optionalString(options, "resumeState", "");
  config.saveStatePath = optionalString(options, "saveState", "");
  return config;
}

torch::Tensor imagesView(const Napi::Object& options, const NetworkSpec& spec, int64_t count) {
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
  return torch::from_blob(array.Data(), {count, spec.channels, spec.size, spec.size}, torch::kByte);
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
