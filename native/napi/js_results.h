#pragma once
// Native results as plain JS objects (the shapes src/native.ts declares).
#include <napi.h>

#include "training/trainer.h"

namespace fer::js {

Napi::Object toJs(Napi::Env env, const ProgressEvent& event);
/** The result plus every setting it depends on, so it can be stored on its own. */
Napi::Object toJs(Napi::Env env, const TrainResult& result, const TrainConfig& config);
Napi::Object toJs(Napi::Env env, const NetworkSpec& spec);

}  // namespace fer::js
