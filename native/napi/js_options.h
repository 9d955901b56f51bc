#pragma once
// Reading the options objects JS passes in, with one clear message per bad field.
#include <cstdint>
#include <optional>
#include <string>

#include <napi.h>
#include <torch/types.h>

#include "networks/network.h"
#include "training/trainer.h"

namespace fer::js {

std::string requireString(const Napi::Object& options, const char* key);
std::string optionalString(const Napi::Object& options, const char* key, const std::string& fallback);
int64_t optionalInteger(const Napi::Object& options, const char* key, int64_t fallback);
double optionalNumber(const Napi::Object& options, const char* key, double fallback);
bool optionalBoolean(const Napi::Object& options, const char* key, bool fallback);
/** Absent (undefined or null) stays unset, for settings whose default depends on the device. */
std::optional<bool> optionalFlag(const Napi::Object& options, const char* key);

/** model, classes, channels, size, activation, activationParameter, auxLogits, firstKernel. */
NetworkSpec networkSpec(const Napi::Object& options);

/** Everything but the data: network, optimizer, augmentation, loop and device settings. */
TrainConfig trainConfig(const Napi::Object& options);

/**
 * `options.images` (a Uint8Array, read once) copied into an N×C×S×S tensor libtorch owns:
 * JS may transfer, collect or overwrite its array while the trial trains.
 */
torch::Tensor ownedImages(const Napi::Object& options, const NetworkSpec& spec, int64_t count);

/** An Int32Array copied into an int64 tensor. */
torch::Tensor integers(const Napi::Object& options, const char* key);

}  // namespace fer::js
