#include "training/lr_schedule.h"

#include <cmath>

#include "name_table.h"

namespace fer {
namespace {

const NameTable<LearningRateSchedule>& table() {
  static const NameTable<LearningRateSchedule> names(
      "learning-rate schedule", {{LearningRateSchedule::Constant, "constant"}, {LearningRateSchedule::Cosine, "cosine"}});
  return names;
}

}  // namespace

const std::vector<std::string>& learningRateScheduleNames() { return table().names(); }

std::string learningRateScheduleName(LearningRateSchedule schedule) { return table().nameOf(schedule); }

LearningRateSchedule parseLearningRateSchedule(const std::string& name) { return table().parse(name); }

double scheduledLearningRate(LearningRateSchedule schedule, double base, int64_t step, int64_t totalSteps) {
  switch (schedule) {
    case LearningRateSchedule::Constant:
      return base;
    case LearningRateSchedule::Cosine: {
      if (totalSteps <= 0) return base;
      const double progress = static_cast<double>(step) / static_cast<double>(totalSteps);
      return base * 0.5 * (1.0 + std::cos(M_PI * progress));
    }
  }
  return base;
}

void setLearningRate(torch::optim::Optimizer& optimizer, double rate) {
  for (auto& group : optimizer.param_groups()) group.options().set_lr(rate);
}

}  // namespace fer
