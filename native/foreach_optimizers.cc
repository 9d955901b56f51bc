#include "foreach_optimizers.h"

#include <cmath>
#include <map>

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

}  // namespace fer
