#include "training/training_job.h"

#include <chrono>
#include <future>
#include <memory>
#include <optional>

#include "napi/js_errors.h"
#include "napi/js_options.h"
#include "napi/js_results.h"
#include "training/live_jobs.h"
#include "napi/memory_release.h"
#include "training/trainer.h"

namespace fer::js {

namespace {
// Owned by the thread-safe function's finalizer, which runs on the JS thread after the
// worker has released it; the worker only ever holds a plain pointer.
struct TrainingTask {
  TrainingTask(Napi::Env env, std::shared_ptr<LiveJob> job)
      : deferred(Napi::Promise::Deferred::New(env)), job(std::move(job)) {}

  TrainConfig config;
  TrainData data;  // copies: nothing here points into JS memory
  Napi::Promise::Deferred deferred;
  std::shared_ptr<LiveJob> job;
  Napi::ThreadSafeFunction progress;
  std::optional<TrainResult> result;
  std::optional<CapturedError> failure;
  std::optional<std::string> progressCallbackError;  // written and read on the JS thread only
};

void settleOrThrow(Napi::Env env, TrainingTask& task) {
  if (task.progressCallbackError) {
    task.deferred.Reject(Napi::Error::New(env, "onProgress threw: " + *task.progressCallbackError).Value());
  } else if (task.failure) {
    task.deferred.Reject(toJsError(env, *task.failure).Value());
  } else if (task.result) {
    task.deferred.Resolve(toJs(env, *task.result, task.config));
  } else {
    task.deferred.Reject(Napi::Error::New(env, "training ended without a result or an error").Value());
  }
}

void settle(Napi::Env env, TrainingTask& task) {
  try {
    settleOrThrow(env, task);
  } catch (const Napi::Error&) {
    // The environment is being torn down (a worker thread terminated): no JS is left to tell.
  }
}

void runOnWorker(TrainingTask* task) {
  const auto onProgress = [task](const ProgressEvent& event) {
    // An epoch's report is waited for (until JS ran it, or the trial was cancelled): a handler
    // that throws on the last epoch then stops the trial before its files are written.
    auto ran = std::make_shared<std::promise<void>>();
    std::future<void> reported = ran->get_future();
    const napi_status status = task->progress.BlockingCall(new ProgressEvent(event), [task, ran](Napi::Env env, Napi::Function callback,
                                                                                              ProgressEvent* raw) {
      std::unique_ptr<ProgressEvent> owned(raw);
      struct Ran {
        std::promise<void>& promise;
        ~Ran() { promise.set_value(); }
      } done{*ran};
      if (env == nullptr || task->progressCallbackError) return;
      try {
        callback.Call({toJs(env, *owned)});
      } catch (const Napi::Error& error) {
        // A throwing progress handler ends the trial; the promise carries its message.
        task->job->cancel();
        try {
          task->progressCallbackError = error.Message();
        } catch (const Napi::Error&) {
          task->progressCallbackError = "(no message: the environment is shutting down)";
        }
      }
    });
    if (status != napi_ok || event.kind != ProgressEvent::Kind::Epoch) return;
    while (reported.wait_for(std::chrono::milliseconds(20)) != std::future_status::ready) {
      if (task->job->cancelled().load()) return;
    }
  };
  try {
    task->result = train(task->config, task->data, task->job->cancelled(), onProgress);
  } catch (...) {
    task->failure = captureCurrentException();
  }
  // The images and any starting weights go now, not when JS gets round to the promise.
  task->data = TrainData{};
  task->config.initialWeights.clear();
  returnFreedMemoryToSystem();
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
    auto task = std::make_shared<TrainingTask>(env, registerLiveJob(env));
    task->config = trainConfig(options);
    task->data.labels = integers(options, "labels");
    task->data.trainIndices = integers(options, "trainIndices");
    task->data.validationIndices = integers(options, "validationIndices");
    task->data.images = ownedImages(options, task->config.network, task->data.labels.numel());
    validate(task->config, task->data);

    task->progress = Napi::ThreadSafeFunction::New(env, info[1].As<Napi::Function>(), "fer-ga training", 0, 1,
                                                   [task](Napi::Env finalizeEnv) {
                                                     // Normally the worker is done here; at shutdown it is told to stop.
                                                     task->job->cancelAndJoin();
                                                     settle(finalizeEnv, *task);
                                                   });
    try {
      task->job->start([raw = task.get()] { runOnWorker(raw); });
    } catch (...) {
      // No thread, so nobody else will release the function: its finalizer rejects the promise.
      task->failure = captureCurrentException();
      task->failure->message = "could not start the training thread: " + task->failure->message;
      task->progress.Release();
    }

    Napi::Object handle = Napi::Object::New(env);
    handle.Set("promise", task->deferred.Promise());
    std::weak_ptr<LiveJob> job = task->job;
    handle.Set("cancel", Napi::Function::New(env, [job](const Napi::CallbackInfo&) {
                 if (auto live = job.lock()) live->cancel();
               }));
    return handle;
  });
}

}  // namespace fer::js
