#pragma once
// Every native failure reaches JS as an Error with a readable message and a `code`;
// nothing thrown below the N-API boundary may end the process.
#include <exception>
#include <string>

#include <napi.h>

namespace fer {

inline constexpr const char* kInvalidArgument = "FER_GA_INVALID_ARGUMENT";
inline constexpr const char* kNativeFailure = "FER_GA_NATIVE";

/**
 * A failure captured on a worker thread, turned into a JS Error later on the JS thread.
 * Whether work failed is told by holding one (std::optional), never by its message, which
 * an exception may leave empty.
 */
struct CapturedError {
  std::string message;
  std::string code;
  bool aborted = false;
};

/**
 * Call from inside a catch block: classifies the active exception (c10::Error without its
 * C++ backtrace); an exception without a message gets one saying so.
 */
CapturedError captureCurrentException();

Napi::Error toJsError(Napi::Env env, const CapturedError& error);

/** Runs `body` and turns any C++ exception into a thrown JS Error. */
template <typename Body>
auto guarded(Napi::Env env, Body&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (...) {
    throw toJsError(env, captureCurrentException());
  }
}

}  // namespace fer
