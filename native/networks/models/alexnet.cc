#include "networks/models/alexnet.h"

#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/pooling.h>

#include "networks/dropout.h"
#include "networks/layers.h"

namespace fer {

namespace {
namespace nn = torch::nn;

class AlexNetImpl : public Network {
 public:
  explicit AlexNetImpl(const NetworkSpec& spec) {
    const auto pool = [] { return nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2)); };
    const auto act = [&] { return makeActivation(spec.activation); };
    const FirstConv first = firstConv(spec, 11, 2);
    features_->push_back(Conv2d(convOptions(spec.channels, 64, first.kernel, 4, first.padding)));
    features_->push_back(act());
    features_->push_back(pool());
    features_->push_back(Conv2d(convOptions(64, 192, 5, 1, 2)));
    features_->push_back(act());
    features_->push_back(pool());
    features_->push_back(Conv2d(convOptions(192, 384, 3, 1, 1)));
    features_->push_back(act());
    features_->push_back(Conv2d(convOptions(384, 256, 3, 1, 1)));
    features_->push_back(act());
    features_->push_back(Conv2d(convOptions(256, 256, 3, 1, 1)));
    features_->push_back(act());
    features_->push_back(pool());

    classifier_->push_back(Dropout(0.5));
    classifier_->push_back(Linear(256 * 6 * 6, 4096));
    classifier_->push_back(act());
    classifier_->push_back(Dropout(0.5));
    classifier_->push_back(Linear(4096, 4096));
    classifier_->push_back(act());
    classifier_->push_back(Linear(4096, spec.classes));

    register_module("features", features_);
    register_module("avgpool", avgpool_);
    register_module("classifier", classifier_);
    // torchvision keeps PyTorch's default (Kaiming-uniform) initialisation for AlexNet.
  }

  NetworkOutput forward(const torch::Tensor& input) override {
    torch::Tensor x = avgpool_(features_->forward(input)).flatten(1);
    return {classifier_->forward(x), {}};
  }

 private:
  nn::Sequential features_;
  nn::AdaptiveAvgPool2d avgpool_{nn::AdaptiveAvgPool2dOptions({6, 6})};
  nn::Sequential classifier_;
};
}  // namespace

std::shared_ptr<Network> makeAlexNet(const NetworkSpec& spec) { return std::make_shared<AlexNetImpl>(spec); }

}  // namespace fer
