#pragma once
// Conv2d and Linear as libtorch's, plus a multiply-accumulate tally. libtorch's C++
// modules have no forward hooks, so counting MACs at the layers themselves is the one
// way to get exact figures for any input size. Outside a MacTally scope the extra cost
// is one thread-local read per layer.
#include <cstdint>

#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

namespace fer {

/** While alive, every fer::Conv2d and fer::Linear on this thread adds its MACs per image. */
class MacTally {
 public:
  MacTally();
  ~MacTally();
  MacTally(const MacTally&) = delete;
  MacTally& operator=(const MacTally&) = delete;
  int64_t macsPerImage() const { return macs_; }

  static void add(int64_t macsPerImage);

 private:
  int64_t macs_ = 0;
  MacTally* outer_;
};

class Conv2dImpl : public torch::nn::Conv2dImpl {
 public:
  using torch::nn::Conv2dImpl::Conv2dImpl;
  torch::Tensor forward(const torch::Tensor& input);
};
TORCH_MODULE(Conv2d);

class LinearImpl : public torch::nn::LinearImpl {
 public:
  using torch::nn::LinearImpl::LinearImpl;
  torch::Tensor forward(const torch::Tensor& input);
};
TORCH_MODULE(Linear);

/** Conv options in torchvision's terms: kernel, stride, padding, bias. */
torch::nn::Conv2dOptions convOptions(int64_t in, int64_t out, int64_t kernel, int64_t stride = 1, int64_t padding = 0,
                                     bool bias = true);

}  // namespace fer
