#include "networks/layers.h"

namespace fer {

namespace {
thread_local MacTally* activeTally = nullptr;
}

MacTally::MacTally() : outer_(activeTally) { activeTally = this; }
MacTally::~MacTally() { activeTally = outer_; }

void MacTally::add(int64_t macsPerImage) {
  if (activeTally != nullptr) activeTally->macs_ += macsPerImage;
}

torch::Tensor Conv2dImpl::forward(const torch::Tensor& input) {
  torch::Tensor output = torch::nn::Conv2dImpl::forward(input);
  if (activeTally != nullptr && output.size(0) > 0) {
    const auto& o = options;
    const int64_t perOutput = (o.in_channels() / o.groups()) * (*o.kernel_size())[0] * (*o.kernel_size())[1];
    MacTally::add(output.numel() / output.size(0) * perOutput);
  }
  return output;
}

torch::Tensor LinearImpl::forward(const torch::Tensor& input) {
  torch::Tensor output = torch::nn::LinearImpl::forward(input);
  if (activeTally != nullptr && output.size(0) > 0) {
    MacTally::add(output.numel() / output.size(0) * options.in_features());
  }
  return output;
}

torch::nn::Conv2dOptions convOptions(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding,
                                     bool bias) {
  return torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding).bias(bias);
}

}  // namespace fer
