#pragma once
// A checkpoint loaded into memory, for inference from JS: loadCheckpoint(path) → Model.
// Its weights are native memory V8 cannot see, so their size is reported to V8 (which then
// collects dropped models in time), and dispose() frees them at once.
#include <cstdint>
#include <memory>

#include <napi.h>

#include "files/checkpoint.h"

namespace fer::js {

class Model : public Napi::ObjectWrap<Model> {
 public:
  static Napi::Function define(Napi::Env env);
  /** Wraps an already loaded checkpoint in a new JS Model. */
  static Napi::Object wrap(Napi::Env env, std::shared_ptr<const Checkpoint> checkpoint);

  explicit Model(const Napi::CallbackInfo& info);
  void Finalize(Napi::BasicEnv env) override;

 private:
  /** The checkpoint, or a "model was disposed" error. */
  const Checkpoint& live() const;
  /** Gives the network back now; later calls fail. Safe to call twice; predictions in flight finish first. */
  Napi::Value dispose(const Napi::CallbackInfo& info);
  void release(Napi::BasicEnv env);

  Napi::Value spec(const Napi::CallbackInfo& info);
  Napi::Value metadata(const Napi::CallbackInfo& info);
  Napi::Value normalisation(const Napi::CallbackInfo& info);
  /** predict(images: Uint8Array N×C×S×S) → Promise<Float32Array N×classes probabilities>. */
  Napi::Value predict(const Napi::CallbackInfo& info);
  /** logits(input: Float32Array N×C×S×S, already normalised) → Promise<Float32Array N×classes>. */
  Napi::Value logits(const Napi::CallbackInfo& info);
  /** stateDict() → Promise<{name, shape, data}[]> in torchvision's names. */
  Napi::Value stateDict(const Napi::CallbackInfo& info);

  std::shared_ptr<const Checkpoint> checkpoint_;
  int64_t reportedBytes_ = 0;  // told to V8 as external memory, until released
};

Napi::Value loadCheckpoint(const Napi::CallbackInfo& info);

/** loadNetwork(spec & {weights, partial?, source?}) → Promise<Model>: a network from named weights, no normalisation. */
Napi::Value loadNetwork(const Napi::CallbackInfo& info);

}  // namespace fer::js
