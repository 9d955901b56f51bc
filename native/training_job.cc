#include "training_job.h"

#include <atomic>
#include <memory>
#include <optional>
#include <thread>

#include "js_errors.h"
#include "js_options.h"
#include "js_results.h"
#include "trainer.h"

namespace fer::js {

namespace {
// Owned by the thread-safe function's finalizer, which runs on the JS thread after the
// worker has released it; the worker only ever holds a plain pointer.
struct TrainingTask {
  explicit TrainingTask(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}

  TrainConfig config;
  TrainData data;
  Napi::Reference<Napi::Value> images;  // keeps the viewed bytes alive while training
  std::shared_ptr<std::atomic<bool>> cancelled = std::make_shared<std::atomic<bool>>(false);
  Napi::Promise::Deferred deferred;
  Napi::ThreadSafeFunction progress;
  std::thread worker;
  std::optional<TrainResult> result;
  CapturedError failure;
  std::string progressCallbackError;  // written and read on the JS thread only
};

void settle(Napi::Env env, TrainingTask& task) {
  if (!task.progressCallbackError.empty()) {
    task.deferred.Reject(Napi::Error::New(env, "onProgress threw: " + task.progressCallbackError).Value());
  } else if (!task.failure.empty()) {
    task.deferred.Reject(toJsError(env, task.failure).Value());
  } else {
    task.deferred.Resolve(toJs(env, *task.result, task.config));
  }
}

void runOnWorker(TrainingTask* task) {
  const auto onProgress = [task](const ProgressEvent& event) {
    task->progress.BlockingCall(new ProgressEvent(event), [task](Napi::Env env, Napi::Function callback,
                                                                 ProgressEvent* raw) {
      std::unique_ptr<ProgressEvent> owned(raw);
      if (env == nullptr || !task->progressCallbackError.empty()) return;
      try {
        callback.Call({toJs(env, *owned)});
      } catch (const Napi::Error& error) {
        // A throwing progress handler ends the trial; the promise carries its message.
        task->progressCallbackError = error.Message();
        task->cancelled->store(true);
      }
    });
  };
  try {
    task->result = train(task->config, task->data, *task->cancelled, onProgress);
  } catch (...) {
    task->failure = captureCurrentException();
  }
  task->progress.Release();
}
}  // namespace

Napi::Value startTraining(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (info.Length() < 2 || !info[0].IsObject() || !info[1].IsFunction()) {
      throw std::invalid_argument("startTraining(options, onProgress) needs an options object and a function");
    }
    const Napi::Object options = info[0].As<Napi::Object>();
    auto task = std::make_shared<TrainingTask>(env);
    task->config = trainConfig(options);
    task->data.labels = integers(options, "labels");
    task->data.trainIndices = integers(options, "trainIndices");
    task->data.validationIndices = integers(options, "validationIndices");
    task->data.images = imagesView(options, task->config.network, task->data.labels.numel());
    validate(task->config, task->data);
    task->images = Napi::Persistent(options.Get("images"));

    task->progress = Napi::ThreadSafeFunction::New(env, info[1].As<Napi::Function>(), "fer-ga training", 0, 1,
                                                   [task](Napi::Env finalizeEnv) {
                                                     // Normally the worker is done here; at shutdown it is told to stop.
                                                     task->cancelled->store(true);
                                                     task->worker.join();
                                                     settle(finalizeEnv, *task);
                                                     task->images.Reset();
                                                   });
    task->worker = std::thread(runOnWorker, task.get());

    Napi::Object handle = Napi::Object::New(env);
    handle.Set("promise", task->deferred.Promise());
    std::shared_ptr<std::atomic<bool>> cancelled = task->cancelled;
    handle.Set("cancel", Napi::Function::New(env, [cancelled](const Napi::CallbackInfo&) { cancelled->store(true); }));
    return handle;
  });
}

}  // namespace fer::js
