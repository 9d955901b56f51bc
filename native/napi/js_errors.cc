#include "napi/js_errors.h"

#include <stdexcept>

#include <c10/util/Exception.h>

#include "training/trainer.h"

namespace fer {

namespace {
CapturedError classifyCurrentException() {
  try {
    throw;
  } catch (const TrainingCancelled& e) {
    return {"The operation was aborted", "ABORT_ERR", true};
  } catch (const std::invalid_argument& e) {
    return {e.what(), kInvalidArgument};
  } catch (const c10::Error& e) {
    return {e.what_without_backtrace(), kNativeFailure};
  } catch (const std::bad_alloc&) {
    return {"out of memory", kNativeFailure};
  } catch (const std::exception& e) {
    return {e.what(), kNativeFailure};
  } catch (...) {
    return {"unknown native failure", kNativeFailure};
  }
}
}  // namespace

CapturedError captureCurrentException() {
  CapturedError error = classifyCurrentException();
  if (error.message.empty()) error.message = "native failure without a message (" + error.code + ")";
  return error;
}

Napi::Error toJsError(Napi::Env env, const CapturedError& error) {
  Napi::Error jsError = Napi::Error::New(env, error.message);
  jsError.Set("code", Napi::String::New(env, error.code));
  if (error.aborted) jsError.Set("name", Napi::String::New(env, "AbortError"));
  return jsError;
}

}  // namespace fer
