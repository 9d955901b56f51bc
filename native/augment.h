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

/** Draws offsets and flips from `rng` so a seed fixes the whole augmentation sequence. */
torch::Tensor augmentBatch(const torch::Tensor& batch, const AugmentSpec& spec, std::mt19937_64& rng);

}  // namespace fer
