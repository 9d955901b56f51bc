#include "networks/models/resnet.h"

#include <torch/nn/init.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/pooling.h>

#include "networks/layers.h"

namespace fer {

namespace {
namespace nn = torch::nn;

constexpr int64_t kExpansion = 4;

class BottleneckImpl : public nn::Module {
 public:
  BottleneckImpl(const ActivationSpec& a, int64_t in, int64_t planes, int64_t stride)
      : conv1(convOptions(in, planes, 1, 1, 0, false)),
        bn1(planes),
        conv2(convOptions(planes, planes, 3, stride, 1, false)),
        bn2(planes),
        conv3(convOptions(planes, planes * kExpansion, 1, 1, 0, false)),
        bn3(planes * kExpansion),
        activation_(makeActivation(a)) {
    register_module("conv1", conv1);
    register_module("bn1", bn1);
    register_module("conv2", conv2);
    register_module("bn2", bn2);
    register_module("conv3", conv3);
    register_module("bn3", bn3);
    // torchvision names its one activation module "relu" and applies it three times.
    register_module("relu", activation_.ptr());
    if (stride != 1 || in != planes * kExpansion) {
      downsample = register_module(
          "downsample", nn::Sequential(Conv2d(convOptions(in, planes * kExpansion, 1, stride, 0, false)),
                                       nn::BatchNorm2d(planes * kExpansion)));
    }
  }

  torch::Tensor forward(const torch::Tensor& input) {
    torch::Tensor out = activation_.forward(bn1(conv1(input)));
    out = activation_.forward(bn2(conv2(out)));
    out = bn3(conv3(out));
    out += downsample.is_empty() ? input : downsample->forward(input);
    return activation_.forward(out);
  }

  Conv2d conv1;
  nn::BatchNorm2d bn1;
  Conv2d conv2;
  nn::BatchNorm2d bn2;
  Conv2d conv3;
  nn::BatchNorm2d bn3;
  nn::Sequential downsample{nullptr};

 private:
  nn::AnyModule activation_;
};
TORCH_MODULE(Bottleneck);

class ResNet50Impl : public Network {
 public:
  explicit ResNet50Impl(const NetworkSpec& spec)
      : conv1_(convOptions(spec.channels, 64, firstConv(spec, 7, 3).kernel, 2, firstConv(spec, 7, 3).padding, false)),
        bn1_(64),
        activation_(makeActivation(spec.activation)) {
    register_module("conv1", conv1_);
    register_module("bn1", bn1_);
    register_module("relu", activation_.ptr());
    register_module("maxpool", maxpool_);
    int64_t in = 64;
    const std::pair<int64_t, int64_t> stages[] = {{64, 3}, {128, 4}, {256, 6}, {512, 3}};  // planes, blocks
    for (size_t s = 0; s < 4; ++s) {
      const auto [planes, blocks] = stages[s];
      nn::Sequential layer;
      for (int64_t b = 0; b < blocks; ++b) {
        const int64_t stride = (s > 0 && b == 0) ? 2 : 1;
        layer->push_back(Bottleneck(spec.activation, in, planes, stride));
        in = planes * kExpansion;
      }
      layers_.push_back(register_module("layer" + std::to_string(s + 1), layer));
    }
    register_module("avgpool", avgpool_);
    fc_ = register_module("fc", Linear(512 * kExpansion, spec.classes));
    initialise();
  }

  NetworkOutput forward(const torch::Tensor& input) override {
    torch::Tensor x = maxpool_(activation_.forward(bn1_(conv1_(input))));
    for (auto& layer : layers_) x = layer->forward(x);
    return {fc_(avgpool_(x).flatten(1)), {}};
  }

 private:
  // torchvision: Kaiming-normal (fan-out) convolutions, BN 1 and 0, default linear.
  void initialise() {
    torch::NoGradGuard noGrad;
    for (auto& module : modules(/*include_self=*/false)) {
      if (auto* conv = module->as<Conv2dImpl>()) {
        nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
      } else if (auto* bn = module->as<nn::BatchNorm2dImpl>()) {
        nn::init::ones_(bn->weight);
        nn::init::zeros_(bn->bias);
      }
    }
  }

  Conv2d conv1_;
  nn::BatchNorm2d bn1_;
  nn::AnyModule activation_;
  nn::MaxPool2d maxpool_{nn::MaxPool2dOptions(3).stride(2).padding(1)};
  std::vector<nn::Sequential> layers_;
  nn::AdaptiveAvgPool2d avgpool_{nn::AdaptiveAvgPool2dOptions({1, 1})};
  Linear fc_{nullptr};
};
}  // namespace

std::shared_ptr<Network> makeResNet50(const NetworkSpec& spec) { return std::make_shared<ResNet50Impl>(spec); }

}  // namespace fer
