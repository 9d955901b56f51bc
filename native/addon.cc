// The module's surface. Everything here is thin: argument checks, a thread hop, and the
// conversion of results; the work lives in the files named after it.
#include <thread>

#include <ATen/Parallel.h>
#include <ATen/Context.h>
#include <napi.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include "networks/activation.h"
#include "napi/async_call.h"
#include "napi/js_errors.h"
#include "napi/js_options.h"
#include "napi/js_results.h"
#include "training/live_jobs.h"
#include "napi/model_handle.h"
#include "networks/network.h"
#include "networks/network_census.h"
#include "training/optimizer.h"
#include "training/training_job.h"

namespace fer::js {

namespace {
Napi::Value info(const Napi::CallbackInfo& callInfo) {
  Napi::Env env = callInfo.Env();
  return guarded(env, [&]() -> Napi::Value {
    Napi::Object o = Napi::Object::New(env);
    o.Set("libtorch", TORCH_VERSION);
    Napi::Object cuda = Napi::Object::New(env);
    cuda.Set("available", torch::cuda::is_available());
    cuda.Set("devices", static_cast<double>(torch::cuda::device_count()));
    cuda.Set("cudnn", torch::cuda::cudnn_is_available());
    o.Set("cuda", cuda);
    o.Set("cores", static_cast<double>(std::thread::hardware_concurrency()));
    o.Set("defaultThreads", static_cast<double>(std::max(1u, std::thread::hardware_concurrency())));
    o.Set("mkldnn", at::hasMKLDNN());
    o.Set("openmp", at::hasOpenMP());
    o.Set("parallel", at::get_parallel_info());
    Napi::Array models = Napi::Array::New(env);
    for (const auto& name : architectureNames()) {
      Napi::Object model = Napi::Object::New(env);
      model.Set("name", name);
      model.Set("minSize", static_cast<double>(minimumInputSize(parseArchitecture(name))));
      models.Set(models.Length(), model);
    }
    o.Set("models", models);
    o.Set("activations", strings(env, activationNames()));
    o.Set("optimizers", strings(env, optimizerNames()));
    return o;
  });
}

Napi::Value describeNetwork(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsObject()) throw std::invalid_argument("describeNetwork(spec) needs an object");
    const NetworkSpec spec = networkSpec(info[0].As<Napi::Object>());
    return runAsync<NetworkCensus>(
        env, [spec]() { return takeCensus(spec); },
        [spec](Napi::Env env, NetworkCensus& census) -> Napi::Value {
          Napi::Object o = Napi::Object::New(env);
          o.Set("name", architectureName(spec.architecture));
          o.Set("parameters", static_cast<double>(census.parameters));
          o.Set("macs", static_cast<double>(census.macs));
          o.Set("minSize", static_cast<double>(minimumInputSize(spec.architecture)));
          Napi::Object modules = Napi::Object::New(env);
          for (const auto& [type, count] : census.modules) modules.Set(type, static_cast<double>(count));
          o.Set("modules", modules);
          Napi::Array stateDict = Napi::Array::New(env, census.stateDict.size());
          for (size_t i = 0; i < census.stateDict.size(); ++i) {
            Napi::Object entry = Napi::Object::New(env);
            entry.Set("name", census.stateDict[i].name);
            Napi::Array shape = Napi::Array::New(env, census.stateDict[i].shape.size());
            for (size_t d = 0; d < census.stateDict[i].shape.size(); ++d) {
              shape.Set(static_cast<uint32_t>(d), static_cast<double>(census.stateDict[i].shape[d]));
            }
            entry.Set("shape", shape);
            stateDict.Set(static_cast<uint32_t>(i), entry);
          }
          o.Set("stateDict", stateDict);
          return o;
        });
  });
}

}  // namespace

Napi::Object init(Napi::Env env, Napi::Object exports) {
  exports.Set("info", Napi::Function::New(env, info, "info"));
  exports.Set("describeNetwork", Napi::Function::New(env, describeNetwork, "describeNetwork"));
  exports.Set("startTraining", Napi::Function::New(env, startTraining, "startTraining"));
  exports.Set("loadCheckpoint", Napi::Function::New(env, loadCheckpoint, "loadCheckpoint"));
  exports.Set("loadNetwork", Napi::Function::New(env, loadNetwork, "loadNetwork"));
  exports.Set("Model", Model::define(env));
  stopLiveJobsAtExit(env);
  return exports;
}

}  // namespace fer::js

// NODE_API_MODULE pastes tokens onto the name, so it needs an unqualified function.
static Napi::Object initFerGa(Napi::Env env, Napi::Object exports) { return fer::js::init(env, exports); }
NODE_API_MODULE(fer_ga, initFerGa)
