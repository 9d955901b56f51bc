#pragma once
// A promise for short native work (building a network to describe it, loading a
// checkpoint, a forward pass) run on libuv's pool, with errors turned into JS Errors.
#include <functional>
#include <memory>
#include <optional>

#include <napi.h>

#include "napi/js_errors.h"

namespace fer::js {

/**
 * `work` runs off the JS thread and must not touch JS values; `toJs` runs on the JS
 * thread afterwards and builds the resolved value.
 */
template <typename Output>
Napi::Promise runAsync(Napi::Env env, std::function<Output()> work,
                       std::function<Napi::Value(Napi::Env, Output&)> toJs) {
  class Worker : public Napi::AsyncWorker {
   public:
    Worker(Napi::Env env, std::function<Output()> work, std::function<Napi::Value(Napi::Env, Output&)> toJs)
        : Napi::AsyncWorker(env, "fer-ga"), deferred_(Napi::Promise::Deferred::New(env)), work_(std::move(work)),
          toJs_(std::move(toJs)) {}
    Napi::Promise promise() const { return deferred_.Promise(); }

   protected:
    void Execute() override {
      try {
        output_ = std::make_unique<Output>(work_());
      } catch (...) {
        failure_ = captureCurrentException();
      }
    }
    void OnOK() override {
      Napi::Env env = Env();
      if (failure_) {
        deferred_.Reject(toJsError(env, *failure_).Value());
        return;
      }
      try {
        deferred_.Resolve(guarded(env, [&] { return toJs_(env, *output_); }));
      } catch (const Napi::Error& error) {
        deferred_.Reject(error.Value());
      }
    }

   private:
    Napi::Promise::Deferred deferred_;
    std::function<Output()> work_;
    std::function<Napi::Value(Napi::Env, Output&)> toJs_;
    std::unique_ptr<Output> output_;
    std::optional<CapturedError> failure_;
  };
  // AsyncWorker deletes itself after OnOK/OnError.
  auto* worker = new Worker(env, std::move(work), std::move(toJs));
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

}  // namespace fer::js
