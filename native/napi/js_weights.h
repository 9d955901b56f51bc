#pragma once
// Named tensors between JS ({name, shape, data: Float32Array}[]) and libtorch.
#include <napi.h>

#include "networks/state_dict.h"

namespace fer::js {

/** Copies each entry's data (the caller may drop its arrays once this returns); throws naming the bad entry. */
NamedTensors weightsFromJs(const Napi::Value& value, const char* what);

/** float32 tensors become Float32Array, integer buffers (num_batches_tracked) Float64Array. */
Napi::Array weightsToJs(Napi::Env env, const NamedTensors& weights);

Napi::Object weightReportToJs(Napi::Env env, const WeightReport& report);

}  // namespace fer::js
