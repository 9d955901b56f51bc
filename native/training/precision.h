#pragma once
// Mixed precision and the CUDA back-end switches, in one place because their C++ API
// changed between libtorch 1.13 and 2.x.
#include <torch/nn/module.h>
#include <torch/types.h>

namespace fer {

/**
 * bf16 autocast on one device type for the lifetime of the object, on this thread only
 * (autocast state is thread-local, so parallel trials do not see each other's). Leaving
 * the scope clears the cast-weight cache: the optimizer changes the weights in place, and
 * a cached bf16 copy would otherwise outlive the step.
 */
class AutocastScope {
 public:
  AutocastScope(const torch::Device& device, bool enabled);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool enabled_;
  bool cuda_;
  bool previous_ = false;
};

/** Once per process: cuDNN picks the fastest kernels per shape, and float32 matmuls may use TF32. */
void configureCudaBackends();

/** Weights of 4-D (convolution) parameters stored NHWC, the layout tensor cores want. */
void useChannelsLast(torch::nn::Module& module);
/** Back to the default layout, e.g. before weights are written to a checkpoint. */
void useContiguous(torch::nn::Module& module);

}  // namespace fer
