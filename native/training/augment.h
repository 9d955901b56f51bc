#pragma once
// Training-time augmentation of a float batch in [0, 1], on whatever device it lives on.
#include <cstdint>
#include <random>

#include <torch/types.h>

namespace fer {

struct AugmentSpec {
  bool enabled = true;
  int64_t padding = 4;  // random crop: zero-pad each side, crop back to the input size
  bool flip = true;     // horizontal flip with probability 1/2
};

/**
 * Every random choice of one epoch, one row per sample in epoch order, drawn from the
 * trial's generator (so a seed fixes them) and moved to the device in one copy: the
 * batch loop then never waits on the host for its crop offsets.
 */
struct AugmentPlan {
  torch::Tensor rowOffsets, columnOffsets;  // int64, 0…2·padding
  torch::Tensor flips;                      // bool
};

AugmentPlan planAugmentation(int64_t samples, const AugmentSpec& spec, std::mt19937_64& rng, const torch::Device& device);

/** Augments the batch holding samples [from, from + batch.size(0)) of the epoch's plan. */
torch::Tensor augmentBatch(const torch::Tensor& batch, const AugmentSpec& spec, const AugmentPlan& plan, int64_t from);

}  // namespace fer
