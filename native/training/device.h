#pragma once
#include <string>

#include <torch/types.h>

namespace fer {

/** "auto" (CUDA when present), "cpu", "cuda" or "cuda:N"; throws std::invalid_argument. */
torch::Device resolveDevice(const std::string& name);

std::string describeDevice(const torch::Device& device);

/** The most intra-op threads a trial may ask for. */
constexpr int kMaximumThreads = 1024;

/** Threads for libtorch's intra-op pool on this thread: `requested`, or one per core when 0. */
int applyThreadCount(int requested);

}  // namespace fer
