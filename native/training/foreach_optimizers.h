#pragma once
// SGD-momentum, Adam and AdamW updating every parameter in a few multi-tensor kernels
// (libtorch's _foreach ops) instead of several kernels per parameter. On a GPU the
// per-parameter loop is launch-bound: ResNet-50's 161 tensors cost ~650 launches a step.
// The arithmetic is that of torch::optim's classes, so results match them to rounding.
#include <cstdint>
#include <vector>

#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/sgd.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

namespace fer {

class ForeachSgd : public torch::optim::SGD {
 public:
  using torch::optim::SGD::SGD;
  torch::Tensor step(LossClosure closure = nullptr) override;
  // The momentum lives here, not in libtorch's per-parameter state, so saving must add it.
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;

 private:
  std::vector<std::vector<torch::Tensor>> momentum_;  // [group][parameter]; undefined until its first gradient
};

/** Adam's moments and step count for each parameter of each group. */
struct AdamMoments {
  std::vector<std::vector<torch::Tensor>> first, second;
  std::vector<std::vector<int64_t>> steps;
};

class ForeachAdam : public torch::optim::Adam {
 public:
  using torch::optim::Adam::Adam;
  torch::Tensor step(LossClosure closure = nullptr) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;

 private:
  AdamMoments moments_;
};

class ForeachAdamW : public torch::optim::AdamW {
 public:
  using torch::optim::AdamW::AdamW;
  torch::Tensor step(LossClosure closure = nullptr) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;

 private:
  AdamMoments moments_;
};

}  // namespace fer
