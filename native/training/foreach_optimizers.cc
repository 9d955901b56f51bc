#include "training/foreach_optimizers.h"

#include <cmath>
#include <map>
#include <stdexcept>
#include <string>

#include <ATen/ATen.h>

namespace fer {

namespace {
using TensorList = std::vector<torch::Tensor>;

torch::Tensor evaluateClosure(const torch::optim::Optimizer::LossClosure& closure) {
  if (!closure) return {};
  torch::AutoGradMode enableGrad(true);
  return closure();
}

template <typename State>
void sizeFor(std::vector<std::vector<State>>& perGroup, size_t group, size_t parameters) {
  if (perGroup.size() <= group) perGroup.resize(group + 1);
  if (perGroup[group].size() != parameters) perGroup[group].resize(parameters);
}

struct AdamHyper {
  double learningRate, beta1, beta2, epsilon, weightDecay;
  bool decoupled;  // AdamW: decay the weights directly instead of adding to the gradient
};

/**
 * One Adam(W) update of a group's parameters that have a gradient. Parameters are
 * batched by their own step count (normally one batch), since bias correction depends on it.
 */
void adamStep(torch::optim::OptimizerParamGroup& group, size_t groupIndex, AdamMoments& moments, const AdamHyper& h) {
  auto& params = group.params();
  sizeFor(moments.first, groupIndex, params.size());
  sizeFor(moments.second, groupIndex, params.size());
  sizeFor(moments.steps, groupIndex, params.size());
  std::map<int64_t, std::vector<size_t>> byStep;
  for (size_t i = 0; i < params.size(); ++i) {
    if (!params[i].grad().defined()) continue;
    auto& first = moments.first[groupIndex][i];
    if (!first.defined()) {
      first = torch::zeros_like(params[i], at::MemoryFormat::Preserve);
      moments.second[groupIndex][i] = torch::zeros_like(params[i], at::MemoryFormat::Preserve);
    }
    byStep[++moments.steps[groupIndex][i]].push_back(i);
  }
  for (const auto& [step, members] : byStep) {
    TensorList p, g, m, v;
    for (size_t i : members) {
      p.push_back(params[i]);
      g.push_back(params[i].grad());
      m.push_back(moments.first[groupIndex][i]);
      v.push_back(moments.second[groupIndex][i]);
    }
    if (h.weightDecay != 0) {
      if (h.decoupled) {
        at::_foreach_mul_(p, 1 - h.learningRate * h.weightDecay);
      } else {
        g = at::_foreach_add(g, p, h.weightDecay);
      }
    }
    at::_foreach_mul_(m, h.beta1);
    at::_foreach_add_(m, g, 1 - h.beta1);
    at::_foreach_mul_(v, h.beta2);
    at::_foreach_addcmul_(v, g, g, 1 - h.beta2);
    const double correction1 = 1 - std::pow(h.beta1, static_cast<double>(step));
    const double correction2 = 1 - std::pow(h.beta2, static_cast<double>(step));
    TensorList denominator = at::_foreach_sqrt(v);
    at::_foreach_div_(denominator, std::sqrt(correction2));
    at::_foreach_add_(denominator, h.epsilon);
    at::_foreach_addcdiv_(p, m, denominator, -h.learningRate / correction1);
  }
}
/**
 * Per-parameter tensors under "<name>.<group>.<parameter>", and the group sizes, so a
 * load can refuse a state written for another network. A tensor not yet created (no
 * gradient seen) is simply absent.
 */
void saveTable(torch::serialize::OutputArchive& archive, const std::string& name,
               const std::vector<std::vector<torch::Tensor>>& table) {
  for (size_t g = 0; g < table.size(); ++g) {
    for (size_t i = 0; i < table[g].size(); ++i) {
      if (table[g][i].defined()) archive.write(name + "." + std::to_string(g) + "." + std::to_string(i), table[g][i]);
    }
  }
}

void loadTable(torch::serialize::InputArchive& archive, const std::string& name,
               const std::vector<torch::optim::OptimizerParamGroup>& groups,
               std::vector<std::vector<torch::Tensor>>& table) {
  table.assign(groups.size(), {});
  for (size_t g = 0; g < groups.size(); ++g) {
    table[g].resize(groups[g].params().size());
    for (size_t i = 0; i < table[g].size(); ++i) {
      torch::Tensor value;
      if (archive.try_read(name + "." + std::to_string(g) + "." + std::to_string(i), value)) table[g][i] = value;
    }
  }
}

void saveSteps(torch::serialize::OutputArchive& archive, const std::vector<std::vector<int64_t>>& steps) {
  for (size_t g = 0; g < steps.size(); ++g) {
    archive.write("steps." + std::to_string(g), torch::tensor(steps[g], torch::kLong));
  }
}

void loadSteps(torch::serialize::InputArchive& archive, const std::vector<torch::optim::OptimizerParamGroup>& groups,
               std::vector<std::vector<int64_t>>& steps) {
  steps.assign(groups.size(), {});
  for (size_t g = 0; g < groups.size(); ++g) {
    torch::Tensor value;
    if (!archive.try_read("steps." + std::to_string(g), value)) continue;
    value = value.to(torch::kLong).contiguous();
    if (value.numel() != static_cast<int64_t>(groups[g].params().size())) {
      throw std::runtime_error("optimizer state is for another network");
    }
    steps[g].assign(value.data_ptr<int64_t>(), value.data_ptr<int64_t>() + value.numel());
  }
}

void saveMoments(torch::serialize::OutputArchive& archive, const AdamMoments& moments) {
  saveTable(archive, "first", moments.first);
  saveTable(archive, "second", moments.second);
  saveSteps(archive, moments.steps);
}

void loadMoments(torch::serialize::InputArchive& archive, const std::vector<torch::optim::OptimizerParamGroup>& groups,
                 AdamMoments& moments) {
  loadTable(archive, "first", groups, moments.first);
  loadTable(archive, "second", groups, moments.second);
  loadSteps(archive, groups, moments.steps);
}
}  // namespace

torch::Tensor ForeachSgd::step(LossClosure closure) {
  torch::NoGradGuard noGrad;
  torch::Tensor loss = evaluateClosure(closure);
  auto& groups = param_groups();
  for (size_t groupIndex = 0; groupIndex < groups.size(); ++groupIndex) {
    auto& group = groups[groupIndex];
    const auto& o = static_cast<const torch::optim::SGDOptions&>(group.options());
    auto& params = group.params();
    sizeFor(momentum_, groupIndex, params.size());
    TensorList p, g, fresh, existing;
    std::vector<size_t> freshIndex;
    for (size_t i = 0; i < params.size(); ++i) {
      if (!params[i].grad().defined()) continue;
      p.push_back(params[i]);
      g.push_back(params[i].grad());
    }
    if (p.empty()) continue;
    if (o.weight_decay() != 0) g = at::_foreach_add(g, p, o.weight_decay());
    if (o.momentum() != 0) {
      TensorList buffers;
      size_t k = 0;
      for (size_t i = 0; i < params.size(); ++i) {
        if (!params[i].grad().defined()) continue;
        auto& buffer = momentum_[groupIndex][i];
        if (!buffer.defined()) {
          // The first step's buffer is the gradient itself, as in torch::optim::SGD.
          buffer = g[k].clone().detach();
        } else {
          existing.push_back(buffer);
          fresh.push_back(g[k]);
        }
        buffers.push_back(buffer);
        ++k;
      }
      if (!existing.empty()) {
        at::_foreach_mul_(existing, o.momentum());
        at::_foreach_add_(existing, fresh, 1 - o.dampening());
      }
      if (o.nesterov()) {
        g = at::_foreach_add(g, buffers, o.momentum());
      } else {
        g = buffers;
      }
    }
    at::_foreach_add_(p, g, -o.lr());
  }
  return loss;
}

torch::Tensor ForeachAdam::step(LossClosure closure) {
  torch::NoGradGuard noGrad;
  torch::Tensor loss = evaluateClosure(closure);
  auto& groups = param_groups();
  for (size_t i = 0; i < groups.size(); ++i) {
    const auto& o = static_cast<const torch::optim::AdamOptions&>(groups[i].options());
    TORCH_CHECK(!o.amsgrad(), "ForeachAdam does not implement AMSGrad");
    adamStep(groups[i], i, moments_,
             {o.lr(), std::get<0>(o.betas()), std::get<1>(o.betas()), o.eps(), o.weight_decay(), false});
  }
  return loss;
}

torch::Tensor ForeachAdamW::step(LossClosure closure) {
  torch::NoGradGuard noGrad;
  torch::Tensor loss = evaluateClosure(closure);
  auto& groups = param_groups();
  for (size_t i = 0; i < groups.size(); ++i) {
    const auto& o = static_cast<const torch::optim::AdamWOptions&>(groups[i].options());
    TORCH_CHECK(!o.amsgrad(), "ForeachAdamW does not implement AMSGrad");
    adamStep(groups[i], i, moments_,
             {o.lr(), std::get<0>(o.betas()), std::get<1>(o.betas()), o.eps(), o.weight_decay(), true});
  }
  return loss;
}

void ForeachSgd::save(torch::serialize::OutputArchive& archive) const {
  torch::optim::SGD::save(archive);
  saveTable(archive, "momentum", momentum_);
}

void ForeachSgd::load(torch::serialize::InputArchive& archive) {
  torch::optim::SGD::load(archive);
  loadTable(archive, "momentum", param_groups(), momentum_);
}

void ForeachAdam::save(torch::serialize::OutputArchive& archive) const {
  torch::optim::Adam::save(archive);
  saveMoments(archive, moments_);
}

void ForeachAdam::load(torch::serialize::InputArchive& archive) {
  torch::optim::Adam::load(archive);
  loadMoments(archive, param_groups(), moments_);
}

void ForeachAdamW::save(torch::serialize::OutputArchive& archive) const {
  torch::optim::AdamW::save(archive);
  saveMoments(archive, moments_);
}

void ForeachAdamW::load(torch::serialize::InputArchive& archive) {
  torch::optim::AdamW::load(archive);
  loadMoments(archive, param_groups(), moments_);
}

}  // namespace fer
