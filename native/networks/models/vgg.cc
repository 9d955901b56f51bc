#include "networks/models/vgg.h"

#include <torch/nn/init.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/pooling.h>

#include "networks/dropout.h"
#include "networks/layers.h"

namespace fer {

namespace {
namespace nn = torch::nn;

constexpr int64_t kMaxPool = 0;
// Configuration "D": channels of each 3×3 convolution, kMaxPool for a 2×2 max-pool.
constexpr int64_t kVgg16[] = {64, 64, kMaxPool, 128, 128, kMaxPool, 256, 256, 256, kMaxPool,
                              512, 512, 512, kMaxPool, 512, 512, 512, kMaxPool};

class Vgg16Impl : public Network {
 public:
  explicit Vgg16Impl(const NetworkSpec& spec) {
    int64_t in = spec.channels;
    const FirstConv first = firstConv(spec, 3, 1);
    for (int64_t out : kVgg16) {
      if (out == kMaxPool) {
        features_->push_back(nn::MaxPool2d(nn::MaxPool2dOptions(2).stride(2)));
      } else {
        const bool isFirst = in == spec.channels;
        features_->push_back(Conv2d(convOptions(in, out, isFirst ? first.kernel : 3, 1, isFirst ? first.padding : 1)));
        features_->push_back(makeActivation(spec.activation));
        in = out;
      }
    }
    classifier_->push_back(Linear(512 * 7 * 7, 4096));
    classifier_->push_back(makeActivation(spec.activation));
    classifier_->push_back(Dropout(0.5));
    classifier_->push_back(Linear(4096, 4096));
    classifier_->push_back(makeActivation(spec.activation));
    classifier_->push_back(Dropout(0.5));
    classifier_->push_back(Linear(4096, spec.classes));

    register_module("features", features_);
    register_module("avgpool", avgpool_);
    register_module("classifier", classifier_);
    initialise();
  }

  NetworkOutput forward(const torch::Tensor& input) override {
    torch::Tensor x = avgpool_(features_->forward(input)).flatten(1);
    return {classifier_->forward(x), {}};
  }

 private:
  // torchvision's VGG initialisation: Kaiming-normal (fan-out) convolutions, N(0, 0.01) linears.
  void initialise() {
    torch::NoGradGuard noGrad;
    for (auto& module : modules(/*include_self=*/false)) {
      if (auto* conv = module->as<Conv2dImpl>()) {
        nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
        nn::init::zeros_(conv->bias);
      } else if (auto* linear = module->as<LinearImpl>()) {
        nn::init::normal_(linear->weight, 0.0, 0.01);
        nn::init::zeros_(linear->bias);
      }
    }
  }

  nn::Sequential features_;
  nn::AdaptiveAvgPool2d avgpool_{nn::AdaptiveAvgPool2dOptions({7, 7})};
  nn::Sequential classifier_;
};
}  // namespace

std::shared_ptr<Network> makeVgg16(const NetworkSpec& spec) { return std::make_shared<Vgg16Impl>(spec); }

}  // namespace fer
