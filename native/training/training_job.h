#pragma once
// startTraining(options, onProgress) → { promise, cancel }: one trial on its own thread,
// progress back through a thread-safe function, cancellation through a flag the loop
// reads between batches. The event loop never waits on training.
#include <napi.h>

namespace fer::js {

Napi::Value startTraining(const Napi::CallbackInfo& info);

}  // namespace fer::js
