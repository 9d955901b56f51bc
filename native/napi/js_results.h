#pragma once
// Native results as plain JS objects (the shapes src/native.ts declares).
#include <string>
#include <vector>

#include <napi.h>

#include "training/trainer.h"

namespace fer::js {

Napi::Array strings(Napi::Env env, const std::vector<std::string>& values);
Napi::Object toJs(Napi::Env env, const ProgressEvent& event);
/** The result plus every setting it depends on, so it can be stored on its own. */
Napi::Object toJs(Napi::Env env, const TrainResult& result, const TrainConfig& config);
Napi::Object toJs(Napi::Env env, const NetworkSpec& spec);

}  // namespace fer::js
