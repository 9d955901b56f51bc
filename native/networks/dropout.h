#pragma once
// Dropout whose masks come from the running trial's own generator. libtorch's module draws
// from the process-wide generator, so trials trained side by side would change each other's
// masks; here each trial puts its generator in scope on its own thread, and only that
// trial's dropout draws from it.
#include <ATen/core/Generator.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/pimpl.h>

namespace fer {

/**
 * While alive, every fer::Dropout on this thread draws its CPU masks from `generator`.
 * Outside any scope, and on CUDA (a CPU generator cannot drive a device kernel), the
 * device's default generator is used.
 */
class GeneratorScope {
 public:
  explicit GeneratorScope(at::Generator& generator);
  ~GeneratorScope();
  GeneratorScope(const GeneratorScope&) = delete;
  GeneratorScope& operator=(const GeneratorScope&) = delete;

 private:
  at::Generator* outer_;
};

/** torch.nn.Dropout: in training, zeroes each element with probability p and scales the rest by 1/(1−p). */
class DropoutImpl : public torch::nn::Cloneable<DropoutImpl> {
 public:
  explicit DropoutImpl(double p = 0.5);
  void reset() override {}
  torch::Tensor forward(const torch::Tensor& input);
  double p() const { return p_; }

 private:
  double p_;
};
TORCH_MODULE(Dropout);

}  // namespace fer
