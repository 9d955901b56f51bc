#include "networks/models/googlenet.h"

#include <torch/nn/init.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/pooling.h>

#include "networks/dropout.h"
#include "networks/layers.h"

namespace fer {

namespace {
namespace nn = torch::nn;

// Convolution without bias, batch norm (eps 0.001) and the activation. torchvision calls
// F.relu here; a module in its place lets the activation be swapped and counted.
class BasicConv2dImpl : public nn::Module {
 public:
  BasicConv2dImpl(const ActivationSpec& activation, int64_t in, int64_t out, int64_t kernel, int64_t stride = 1,
                  int64_t padding = 0)
      : conv(convOptions(in, out, kernel, stride, padding, /*bias=*/false)),
        bn(nn::BatchNorm2dOptions(out).eps(0.001)),
        activation_(makeActivation(activation)) {
    register_module("conv", conv);
    register_module("bn", bn);
    register_module("activation", activation_.ptr());
  }

  torch::Tensor forward(const torch::Tensor& input) { return activation_.forward(bn(conv(input))); }

  Conv2d conv;
  nn::BatchNorm2d bn;

 private:
  nn::AnyModule activation_;
};
TORCH_MODULE(BasicConv2d);

struct InceptionShape {
  int64_t in, ch1x1, ch3x3reduce, ch3x3, ch5x5reduce, ch5x5, poolProjection;
};

class InceptionImpl : public nn::Module {
 public:
  InceptionImpl(const ActivationSpec& a, const InceptionShape& s)
      : branch1(a, s.in, s.ch1x1, 1),
        // torchvision's "5×5" branch uses a 3×3 kernel (a known quirk kept for weight compatibility).
        branch2(BasicConv2d(a, s.in, s.ch3x3reduce, 1), BasicConv2d(a, s.ch3x3reduce, s.ch3x3, 3, 1, 1)),
        branch3(BasicConv2d(a, s.in, s.ch5x5reduce, 1), BasicConv2d(a, s.ch5x5reduce, s.ch5x5, 3, 1, 1)),
        branch4(nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(1).padding(1).ceil_mode(true)),
                BasicConv2d(a, s.in, s.poolProjection, 1)) {
    register_module("branch1", branch1);
    register_module("branch2", branch2);
    register_module("branch3", branch3);
    register_module("branch4", branch4);
  }

  torch::Tensor forward(const torch::Tensor& x) {
    return torch::cat({branch1(x), branch2->forward(x), branch3->forward(x), branch4->forward(x)}, 1);
  }

  BasicConv2d branch1;
  nn::Sequential branch2, branch3, branch4;
};
TORCH_MODULE(Inception);

class InceptionAuxImpl : public nn::Module {
 public:
  InceptionAuxImpl(const ActivationSpec& a, int64_t in, int64_t classes)
      : conv(a, in, 128, 1), fc1(2048, 1024), fc2(1024, classes), activation_(makeActivation(a)) {
    register_module("conv", conv);
    register_module("fc1", fc1);
    register_module("fc2", fc2);
    register_module("activation", activation_.ptr());
    register_module("dropout", dropout_);
  }

  torch::Tensor forward(const torch::Tensor& input) {
    torch::Tensor x = conv(torch::adaptive_avg_pool2d(input, {4, 4})).flatten(1);
    return fc2(dropout_(activation_.forward(fc1(x))));
  }

  BasicConv2d conv;
  Linear fc1, fc2;

 private:
  nn::AnyModule activation_;
  Dropout dropout_{0.7};
};
TORCH_MODULE(InceptionAux);

nn::MaxPool2d ceilPool(int64_t kernel) {
  return nn::MaxPool2d(nn::MaxPool2dOptions(kernel).stride(2).ceil_mode(true));
}

class GoogLeNetImpl : public Network {
 public:
  explicit GoogLeNetImpl(const NetworkSpec& spec) {
    const ActivationSpec& a = spec.activation;
    const FirstConv first = firstConv(spec, 7, 3);
    conv1 = register_module("conv1", BasicConv2d(a, spec.channels, 64, first.kernel, 2, first.padding));
    maxpool1 = register_module("maxpool1", ceilPool(3));
    conv2 = register_module("conv2", BasicConv2d(a, 64, 64, 1));
    conv3 = register_module("conv3", BasicConv2d(a, 64, 192, 3, 1, 1));
    maxpool2 = register_module("maxpool2", ceilPool(3));
    inception3a = register_module("inception3a", Inception(a, InceptionShape{192, 64, 96, 128, 16, 32, 32}));
    inception3b = register_module("inception3b", Inception(a, InceptionShape{256, 128, 128, 192, 32, 96, 64}));
    maxpool3 = register_module("maxpool3", ceilPool(3));
    inception4a = register_module("inception4a", Inception(a, InceptionShape{480, 192, 96, 208, 16, 48, 64}));
    inception4b = register_module("inception4b", Inception(a, InceptionShape{512, 160, 112, 224, 24, 64, 64}));
    inception4c = register_module("inception4c", Inception(a, InceptionShape{512, 128, 128, 256, 24, 64, 64}));
    inception4d = register_module("inception4d", Inception(a, InceptionShape{512, 112, 144, 288, 32, 64, 64}));
    inception4e = register_module("inception4e", Inception(a, InceptionShape{528, 256, 160, 320, 32, 128, 128}));
    maxpool4 = register_module("maxpool4", ceilPool(2));
    inception5a = register_module("inception5a", Inception(a, InceptionShape{832, 256, 160, 320, 32, 128, 128}));
    inception5b = register_module("inception5b", Inception(a, InceptionShape{832, 384, 192, 384, 48, 128, 128}));
    if (spec.auxLogits) {
      aux1 = register_module("aux1", InceptionAux(a, 512, spec.classes));
      aux2 = register_module("aux2", InceptionAux(a, 528, spec.classes));
    }
    dropout = register_module("dropout", Dropout(0.2));
    fc = register_module("fc", Linear(1024, spec.classes));
    initialise();
  }

  NetworkOutput forward(const torch::Tensor& input) override {
    NetworkOutput out;
    torch::Tensor x = maxpool2(conv3(conv2(maxpool1(conv1(input)))));
    x = maxpool3(inception3b(inception3a(x)));
    x = inception4a(x);
    const bool withAux = !aux1.is_empty() && is_training();
    if (withAux) out.aux.push_back(aux1(x));
    x = inception4d(inception4c(inception4b(x)));
    if (withAux) out.aux.push_back(aux2(x));
    x = maxpool4(inception4e(x));
    x = inception5b(inception5a(x));
    x = torch::adaptive_avg_pool2d(x, {1, 1}).flatten(1);
    out.logits = fc(dropout(x));
    return out;
  }

 private:
  // torchvision: truncated N(0, 0.01) on [-2, 2] for convolution and linear weights (the
  // bounds are 200σ away, so a plain normal draw is the same distribution), BN 1 and 0.
  void initialise() {
    torch::NoGradGuard noGrad;
    for (auto& module : modules(/*include_self=*/false)) {
      if (auto* conv = module->as<Conv2dImpl>()) {
        nn::init::normal_(conv->weight, 0.0, 0.01).clamp_(-2.0, 2.0);
      } else if (auto* linear = module->as<LinearImpl>()) {
        nn::init::normal_(linear->weight, 0.0, 0.01).clamp_(-2.0, 2.0);
      } else if (auto* bn = module->as<nn::BatchNorm2dImpl>()) {
        nn::init::ones_(bn->weight);
        nn::init::zeros_(bn->bias);
      }
    }
  }

  BasicConv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
  nn::MaxPool2d maxpool1{nullptr}, maxpool2{nullptr}, maxpool3{nullptr}, maxpool4{nullptr};
  Inception inception3a{nullptr}, inception3b{nullptr}, inception4a{nullptr}, inception4b{nullptr},
      inception4c{nullptr}, inception4d{nullptr}, inception4e{nullptr}, inception5a{nullptr}, inception5b{nullptr};
  InceptionAux aux1{nullptr}, aux2{nullptr};
  Dropout dropout{nullptr};
  Linear fc{nullptr};
};
}  // namespace

std::shared_ptr<Network> makeGoogLeNet(const NetworkSpec& spec) { return std::make_shared<GoogLeNetImpl>(spec); }

}  // namespace fer
