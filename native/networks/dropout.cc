#include "networks/dropout.h"

#include <stdexcept>

#include <torch/torch.h>

#include "napi/number_text.h"

namespace fer {

namespace {
thread_local at::Generator* trialGenerator = nullptr;
}

GeneratorScope::GeneratorScope(at::Generator& generator) : outer_(trialGenerator) { trialGenerator = &generator; }
GeneratorScope::~GeneratorScope() { trialGenerator = outer_; }

// Named as libtorch's module, so a network's module census reads the same with either.
DropoutImpl::DropoutImpl(double p) : torch::nn::Module("torch::nn::DropoutImpl"), p_(p) {
  if (!(p >= 0.0 && p <= 1.0)) throw std::invalid_argument("dropout probability must be in [0, 1] (got " + numberText(p) + ")");
}

torch::Tensor DropoutImpl::forward(const torch::Tensor& input) {
  if (!is_training() || p_ == 0.0) return input;
  if (p_ == 1.0) return input * torch::zeros_like(input);
  // The device keeps its fused kernel and its own generator.
  if (!input.is_cpu() || trialGenerator == nullptr) return torch::dropout(input, p_, /*train=*/true);
  // As ATen's CPU dropout computes it, with the trial's generator for the mask.
  torch::Tensor noise = torch::empty_like(input, torch::MemoryFormat::Contiguous);
  noise.bernoulli_(1.0 - p_, *trialGenerator);
  noise.div_(1.0 - p_);
  return input * noise;
}

}  // namespace fer
