#include "training/precision.h"

#include <mutex>

#include <ATen/Context.h>
#include <ATen/autocast_mode.h>
#include <torch/nn/module.h>
#include <torch/version.h>

// libtorch 2.4 replaced the per-backend autocast setters with device-type ones.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define FER_GA_AUTOCAST_BY_DEVICE_TYPE 1
#endif

namespace fer {

namespace {
bool autocastEnabled(bool cuda) {
#ifdef FER_GA_AUTOCAST_BY_DEVICE_TYPE
  return at::autocast::is_autocast_enabled(cuda ? at::kCUDA : at::kCPU);
#else
  return cuda ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
#endif
}

void setAutocast(bool cuda, bool enabled) {
#ifdef FER_GA_AUTOCAST_BY_DEVICE_TYPE
  const at::DeviceType type = cuda ? at::kCUDA : at::kCPU;
  at::autocast::set_autocast_dtype(type, at::kBFloat16);
  at::autocast::set_autocast_enabled(type, enabled);
#else
  if (cuda) {
    at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
    at::autocast::set_enabled(enabled);
  } else {
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
    at::autocast::set_cpu_enabled(enabled);
  }
#endif
}
}  // namespace

AutocastScope::AutocastScope(const torch::Device& device, bool enabled) : enabled_(enabled), cuda_(device.is_cuda()) {
  if (!enabled_) return;
  previous_ = autocastEnabled(cuda_);
  setAutocast(cuda_, true);
  at::autocast::increment_nesting();
}

AutocastScope::~AutocastScope() {
  if (!enabled_) return;
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  setAutocast(cuda_, previous_);
}

void configureCudaBackends() {
  static std::once_flag once;
  std::call_once(once, [] {
    at::globalContext().setBenchmarkCuDNN(true);
    at::globalContext().setAllowTF32CuDNN(true);
    at::globalContext().setFloat32MatmulPrecision("high");
  });
}

void useChannelsLast(torch::nn::Module& module) {
  torch::NoGradGuard noGrad;
  for (auto& parameter : module.parameters()) {
    if (parameter.dim() == 4) parameter.set_data(parameter.contiguous(at::MemoryFormat::ChannelsLast));
  }
}

void useContiguous(torch::nn::Module& module) {
  torch::NoGradGuard noGrad;
  for (auto& parameter : module.parameters()) {
    if (parameter.dim() == 4) parameter.set_data(parameter.contiguous());
  }
}

}  // namespace fer
