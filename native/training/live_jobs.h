#pragma once
// Training threads that must be stopped and joined before the process tears down what they
// use: libtorch's static objects die at exit, and a thread still training then crashes.
// process.exit() runs no finalizer of ours, so every job is registered here and stopped from
// the process's 'exit' event, the environment's cleanup and, last, at exit().
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include <napi.h>

namespace fer::js {

/** One thread with a cancel flag its loop reads between batches; joined once, by whoever asks first. */
class LiveJob {
 public:
  explicit LiveJob(napi_env owner) : owner_(owner) {}
  LiveJob(const LiveJob&) = delete;
  LiveJob& operator=(const LiveJob&) = delete;
  ~LiveJob() { cancelAndJoin(); }

  /** Throws std::system_error when no thread can be started; nothing is left to join then. */
  void start(std::function<void()> body);
  void cancel() { cancelled_.store(true); }
  /** Safe from any thread, any number of times. */
  void cancelAndJoin();
  const std::atomic<bool>& cancelled() const { return cancelled_; }
  napi_env owner() const { return owner_; }

 private:
  const napi_env owner_;
  std::atomic<bool> cancelled_{false};
  std::mutex joinLock_;
  std::thread thread_;
};

/** Creates a job and registers it until it is destroyed. */
std::shared_ptr<LiveJob> registerLiveJob(napi_env owner);

/**
 * Hooks this environment's teardown (the 'exit' event of `process`, the environment's
 * cleanup) and the process's exit to stopping its jobs. Call once per environment, at load.
 */
void stopLiveJobsAtExit(Napi::Env env);

}  // namespace fer::js
