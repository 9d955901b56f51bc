#pragma once
// The swappable optimizer, with MATLAB's defaults where the paper used MATLAB.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <torch/optim/optimizer.h>

namespace fer {

enum class OptimizerKind { Sgdm, RmsProp, Adam, AdamW, AmsGrad, AdaGrad };

struct OptimizerSpec {
  OptimizerKind kind = OptimizerKind::Adam;
  double learningRate = 1e-4;
  double weightDecay = 1e-4;  // L2 (decoupled for adamw)
  double momentum = 0.9;      // sgdm
  double alpha = 0.9;         // rmsprop's squared-gradient decay (MATLAB's 0.9, not PyTorch's 0.99)
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-8;
};

const std::vector<std::string>& optimizerNames();
std::string optimizerName(OptimizerKind kind);
/** Throws std::invalid_argument naming the choices when `name` is unknown. */
OptimizerKind parseOptimizer(const std::string& name);
/** Throws std::invalid_argument naming the first value out of range. */
void validate(const OptimizerSpec& spec);

/** The hyperparameters `kind` reads besides learningRate and weightDecay, by their option names. */
const std::vector<std::string>& hyperparametersOf(OptimizerKind kind);
/** The value of one of those names in `spec`. */
double hyperparameter(const OptimizerSpec& spec, const std::string& name);

/** Whether `kind` runs the multi-tensor update when `foreach` is asked for (AMSGrad, RMSprop and AdaGrad have none). */
bool runsMultiTensor(OptimizerKind kind, bool foreach);

/** A parameter group's options as (libtorch name, value) pairs, in a fixed order per optimizer. */
std::vector<std::pair<std::string, double>> optionValues(const torch::optim::OptimizerOptions& options);

/**
 * `foreach`: SGD-momentum, Adam and AdamW update all parameters in multi-tensor kernels
 * (the GPU default); the others, and AMSGrad, always use libtorch's per-parameter loop.
 */
std::unique_ptr<torch::optim::Optimizer> makeOptimizer(const OptimizerSpec& spec,
                                                       const std::vector<torch::Tensor>& parameters,
                                                       bool foreach = false);

}  // namespace fer
