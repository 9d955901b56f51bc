#include "training/live_jobs.h"

#include <algorithm>
#include <cstdlib>
#include <vector>

namespace fer::js {

namespace {
class Registry {
 public:
  void add(const std::shared_ptr<LiveJob>& job) {
    std::lock_guard<std::mutex> lock(lock_);
    jobs_.erase(std::remove_if(jobs_.begin(), jobs_.end(), [](const std::weak_ptr<LiveJob>& entry) { return entry.expired(); }),
                jobs_.end());
    jobs_.push_back(job);
  }

  /** Jobs of `owner`, or of every environment when it is null. */
  void stop(napi_env owner) {
    std::vector<std::shared_ptr<LiveJob>> live;
    {
      std::lock_guard<std::mutex> lock(lock_);
      for (const auto& entry : jobs_) {
        if (auto job = entry.lock(); job && (owner == nullptr || job->owner() == owner)) live.push_back(job);
      }
    }
    // Joined outside the lock: a finishing job may be registering or releasing meanwhile.
    for (const auto& job : live) job->cancel();
    for (const auto& job : live) job->cancelAndJoin();
  }

 private:
  std::mutex lock_;
  std::vector<std::weak_ptr<LiveJob>> jobs_;
};

// Constructed before the exit handler is registered, so it is destroyed after that handler ran.
Registry& registry() {
  static Registry instance;
  return instance;
}

void stopEveryJob() { registry().stop(nullptr); }
}  // namespace

void LiveJob::start(std::function<void()> body) {
  std::lock_guard<std::mutex> lock(joinLock_);
  thread_ = std::thread(std::move(body));
}

void LiveJob::cancelAndJoin() {
  cancel();
  std::lock_guard<std::mutex> lock(joinLock_);
  if (!thread_.joinable()) return;
  if (thread_.get_id() == std::this_thread::get_id()) {
    thread_.detach();  // the job's last owner let go on its own thread, which is about to end
  } else {
    thread_.join();
  }
}

std::shared_ptr<LiveJob> registerLiveJob(napi_env owner) {
  auto job = std::make_shared<LiveJob>(owner);
  registry().add(job);
  return job;
}

void stopLiveJobsAtExit(Napi::Env env) {
  registry();
  static std::once_flag atExit;
  std::call_once(atExit, [] { std::atexit(stopEveryJob); });

  const napi_env owner = env;
  env.AddCleanupHook([owner] { registry().stop(owner); });
  // process.exit() emits 'exit' and then exits without tearing the environment down; first
  // in line so that no other listener can exit before the jobs are stopped.
  Napi::Object process = env.Global().Get("process").As<Napi::Object>();
  process.Get("prependListener")
      .As<Napi::Function>()
      .Call(process, {Napi::String::New(env, "exit"),
                      Napi::Function::New(env, [owner](const Napi::CallbackInfo&) { registry().stop(owner); }, "stopTraining")});
}

}  // namespace fer::js
