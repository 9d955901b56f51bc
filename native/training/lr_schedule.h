#pragma once
// How the learning rate moves over a trial. The schedule is a function of the step within
// the whole schedule (every epoch of `epochs`, not the epochs one call trains), so a trial
// continued from a rung follows the same rates as one trained at once.
#include <cstdint>
#include <string>
#include <vector>

#include <torch/optim/optimizer.h>

namespace fer {

enum class LearningRateSchedule { Constant, Cosine };

const std::vector<std::string>& learningRateScheduleNames();
std::string learningRateScheduleName(LearningRateSchedule schedule);
/** Throws std::invalid_argument naming the choices when `name` is unknown. */
LearningRateSchedule parseLearningRateSchedule(const std::string& name);

/**
 * The rate for step `step` (0-based) of `totalSteps`. Cosine falls from `base` towards 0
 * along half a cosine period (Loshchilov & Hutter's SGDR without restarts), so the last
 * epochs take small steps and the final weights are not caught mid-oscillation.
 */
double scheduledLearningRate(LearningRateSchedule schedule, double base, int64_t step, int64_t totalSteps);

/** Sets the rate of every parameter group (each optimizer reads it from its group's options at each step). */
void setLearningRate(torch::optim::Optimizer& optimizer, double rate);

}  // namespace fer
