#include "napi/model_handle.h"

#include <stdexcept>
#include <vector>

#include "napi/async_call.h"
#include "napi/js_options.h"
#include "napi/js_results.h"
#include "napi/js_weights.h"
#include "napi/memory_release.h"
#include "training/normalisation.h"
#include "networks/state_dict.h"

namespace fer::js {

namespace {
// The only way to make a Model is loadCheckpoint: the constructor takes an External that
// JS code cannot forge, tagged so that an External from elsewhere is refused, not reinterpreted.
using Pending = std::shared_ptr<const Checkpoint>;
constexpr napi_type_tag kPendingCheckpoint = {0x6665722d67612d6dULL, 0x6f64656c2d763100ULL};

int64_t networkBytes(const Network& network) {
  int64_t bytes = 0;
  for (const auto& tensor : network.parameters()) bytes += static_cast<int64_t>(tensor.nbytes());
  for (const auto& tensor : network.buffers()) bytes += static_cast<int64_t>(tensor.nbytes());
  return bytes;
}

// Images per forward pass in predict: memory stays flat however many images are asked for.
constexpr int64_t kPredictBatch = 64;
}  // namespace

Napi::Function Model::define(Napi::Env env) {
  Napi::Function constructor =
      DefineClass(env, "Model",
                  {InstanceAccessor<&Model::spec>("spec"), InstanceAccessor<&Model::metadata>("metadata"),
                   InstanceAccessor<&Model::normalisation>("normalisation"), InstanceMethod<&Model::predict>("predict"),
                   InstanceMethod<&Model::logits>("logits"), InstanceMethod<&Model::stateDict>("stateDict"),
                   InstanceMethod<&Model::dispose>("dispose")});
  env.SetInstanceData(new Napi::FunctionReference(Napi::Persistent(constructor)));
  return constructor;
}

Napi::Object Model::wrap(Napi::Env env, std::shared_ptr<const Checkpoint> checkpoint) {
  Pending pending = std::move(checkpoint);
  Napi::External<Pending> external = Napi::External<Pending>::New(env, &pending);
  external.TypeTag(&kPendingCheckpoint);
  return env.GetInstanceData<Napi::FunctionReference>()->New({external});
}

Model::Model(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Model>(info) {
  if (info.Length() != 1 || !info[0].IsExternal() ||
      !info[0].As<Napi::External<Pending>>().CheckTypeTag(&kPendingCheckpoint)) {
    throw Napi::TypeError::New(info.Env(), "Model cannot be constructed directly; use loadCheckpoint(path)");
  }
  checkpoint_ = *info[0].As<Napi::External<Pending>>().Data();
  reportedBytes_ = networkBytes(*checkpoint_->network);
  Napi::MemoryManagement::AdjustExternalMemory(info.Env(), reportedBytes_);
}

void Model::Finalize(Napi::BasicEnv env) { release(env); }

void Model::release(Napi::BasicEnv env) {
  checkpoint_.reset();
  if (reportedBytes_ != 0) Napi::MemoryManagement::AdjustExternalMemory(env, -reportedBytes_);
  reportedBytes_ = 0;
}

const Checkpoint& Model::live() const {
  if (!checkpoint_) throw std::logic_error("model was disposed");
  return *checkpoint_;
}

Napi::Value Model::dispose(const Napi::CallbackInfo& info) {
  release(info.Env());
  returnFreedMemoryToSystem();
  return info.Env().Undefined();
}

Napi::Value Model::spec(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] { return toJs(info.Env(), live().spec); });
}

Napi::Value Model::metadata(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value { return Napi::String::New(info.Env(), live().metadata); });
}

Napi::Value Model::normalisation(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    const Checkpoint& checkpoint = live();
    Napi::Object o = Napi::Object::New(env);
    Napi::Array mean = Napi::Array::New(env), std = Napi::Array::New(env);
    for (size_t c = 0; c < checkpoint.mean.size(); ++c) {
      mean.Set(static_cast<uint32_t>(c), checkpoint.mean[c]);
      std.Set(static_cast<uint32_t>(c), checkpoint.std[c]);
    }
    o.Set("mean", mean);
    o.Set("std", std);
    return o;
  });
}

Napi::Value Model::predict(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    const NetworkSpec& spec = live().spec;
    if (info.Length() < 1 || !info[0].IsTypedArray() ||
        info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
      throw std::invalid_argument("predict(images) needs a Uint8Array of N×C×S×S pixels");
    }
    auto array = info[0].As<Napi::Uint8Array>();
    const int64_t perImage = spec.channels * spec.size * spec.size;
    if (array.ByteLength() == 0 || array.ByteLength() % perImage != 0) {
      throw std::invalid_argument("predict: " + std::to_string(array.ByteLength()) + " bytes is not a whole number of " +
                                  std::to_string(spec.channels) + "×" + std::to_string(spec.size) + "×" +
                                  std::to_string(spec.size) + " images");
    }
    const int64_t count = static_cast<int64_t>(array.ByteLength()) / perImage;
    // Copied on the JS thread: the caller may reuse its buffer as soon as this returns.
    torch::Tensor pixels =
        torch::from_blob(array.Data(), {count, spec.channels, spec.size, spec.size}, torch::kByte).clone();
    std::shared_ptr<const Checkpoint> checkpoint = checkpoint_;
    return runAsync<torch::Tensor>(
        env,
        [checkpoint, pixels]() {
          torch::NoGradGuard noGrad;
          checkpoint->network->eval();
          const Normaliser normaliser(ChannelStatistics{checkpoint->mean, checkpoint->std}, torch::kCPU);
          // In slices: activations of a whole folder of images at once would grow without bound.
          std::vector<torch::Tensor> slices;
          for (const torch::Tensor& slice : pixels.split(kPredictBatch)) {
            slices.push_back(torch::softmax(checkpoint->network->forward(normaliser(toUnitFloat(slice))).logits, 1));
          }
          return torch::cat(slices).contiguous();
        },
        [](Napi::Env env, torch::Tensor& probabilities) -> Napi::Value {
          Napi::Float32Array out = Napi::Float32Array::New(env, probabilities.numel());
          std::copy_n(probabilities.data_ptr<float>(), probabilities.numel(), out.Data());
          return out;
        });
  });
}

Napi::Value Model::logits(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    const NetworkSpec& spec = live().spec;
    if (info.Length() < 1 || !info[0].IsTypedArray() ||
        info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
      throw std::invalid_argument("logits(input) needs a Float32Array of N×C×S×S values");
    }
    auto array = info[0].As<Napi::Float32Array>();
    const int64_t perImage = spec.channels * spec.size * spec.size;
    if (array.ElementLength() == 0 || array.ElementLength() % perImage != 0) {
      throw std::invalid_argument("logits: " + std::to_string(array.ElementLength()) + " values is not a whole number of inputs");
    }
    const int64_t count = static_cast<int64_t>(array.ElementLength()) / perImage;
    torch::Tensor input = torch::from_blob(array.Data(), {count, spec.channels, spec.size, spec.size}, torch::kFloat).clone();
    std::shared_ptr<const Checkpoint> checkpoint = checkpoint_;
    return runAsync<torch::Tensor>(
        env,
        [checkpoint, input]() {
          torch::NoGradGuard noGrad;
          checkpoint->network->eval();
          return checkpoint->network->forward(input).logits.contiguous();
        },
        [](Napi::Env env, torch::Tensor& logits) -> Napi::Value {
          Napi::Float32Array out = Napi::Float32Array::New(env, logits.numel());
          std::copy_n(logits.data_ptr<float>(), logits.numel(), out.Data());
          return out;
        });
  });
}

Napi::Value Model::stateDict(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    live();
    std::shared_ptr<const Checkpoint> checkpoint = checkpoint_;
    return runAsync<NamedTensors>(
        env, [checkpoint]() { return networkStateDict(*checkpoint->network); },
        [](Napi::Env env, NamedTensors& weights) -> Napi::Value { return weightsToJs(env, weights); });
  });
}

Napi::Value loadNetwork(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsObject()) throw std::invalid_argument("loadNetwork(options) needs an options object");
    const Napi::Object options = info[0].As<Napi::Object>();
    const NetworkSpec spec = networkSpec(options);
    NamedTensors weights = weightsFromJs(options.Get("weights"), "option weights");
    const bool partial = optionalBoolean(options, "partial", false);
    const std::string source = optionalString(options, "source", "given as weights");
    struct Loaded {
      std::shared_ptr<const Checkpoint> checkpoint;
      WeightReport report;
    };
    return runAsync<Loaded>(
        env,
        [spec, weights = std::move(weights), partial, source]() {
          auto network = buildNetwork(spec);
          const WeightReport report = loadWeights(*network, spec, weights, partial, source);
          // Identity normalisation: logits() takes inputs already normalised.
          Checkpoint checkpoint{spec, std::vector<double>(spec.channels, 0.0), std::vector<double>(spec.channels, 1.0), "{}", network};
          return Loaded{std::make_shared<const Checkpoint>(std::move(checkpoint)), report};
        },
        [](Napi::Env env, Loaded& loaded) -> Napi::Value {
          Napi::Object out = Napi::Object::New(env);
          out.Set("model", Model::wrap(env, loaded.checkpoint));
          out.Set("report", weightReportToJs(env, loaded.report));
          return out;
        });
  });
}

Napi::Value loadCheckpoint(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsString()) throw std::invalid_argument("loadCheckpoint(path) needs a path");
    const std::string path = info[0].As<Napi::String>().Utf8Value();
    return runAsync<std::shared_ptr<const Checkpoint>>(
        env, [path]() { return std::make_shared<const Checkpoint>(fer::loadCheckpoint(path)); },
        [](Napi::Env env, std::shared_ptr<const Checkpoint>& checkpoint) -> Napi::Value {
          return Model::wrap(env, checkpoint);
        });
  });
}

}  // namespace fer::js
