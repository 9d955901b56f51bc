#include "training/normalisation.h"

#include <algorithm>
#include <cmath>

namespace fer {

ChannelStatistics channelStatistics(const torch::Tensor& images, const torch::Tensor& indices) {
  const int64_t channels = images.size(1);
  constexpr int64_t kChunk = 1024;
  // Accumulated where the images are, so a set resident on a GPU is summed there.
  const auto accumulator = torch::TensorOptions().dtype(torch::kDouble).device(images.device());
  const torch::Tensor where = indices.to(images.device());
  torch::Tensor sum = torch::zeros({channels}, accumulator);
  torch::Tensor squares = torch::zeros({channels}, accumulator);
  for (int64_t start = 0; start < where.numel(); start += kChunk) {
    const torch::Tensor chunk = images.index_select(0, where.slice(0, start, std::min(start + kChunk, where.numel())));
    const torch::Tensor x = chunk.to(torch::kDouble).div_(255.0).transpose(0, 1).reshape({channels, -1});
    sum += x.sum(1);
    squares += x.square().sum(1);
  }
  const double count = static_cast<double>(indices.numel()) * images.size(2) * images.size(3);
  ChannelStatistics statistics;
  const torch::Tensor sums = sum.cpu(), sumsOfSquares = squares.cpu();
  for (int64_t c = 0; c < channels; ++c) {
    const double mean = sums[c].item<double>() / count;
    const double variance = std::max(0.0, sumsOfSquares[c].item<double>() / count - mean * mean);
    statistics.mean.push_back(mean);
    // A blank channel would divide by zero; leave it unscaled instead.
    statistics.std.push_back(variance > 1e-12 ? std::sqrt(variance) : 1.0);
  }
  return statistics;
}

torch::Tensor toUnitFloat(const torch::Tensor& pixels) { return pixels.to(torch::kFloat).div_(255.0f); }

Normaliser::Normaliser(const ChannelStatistics& statistics, const torch::Device& device) {
  const auto options = torch::TensorOptions().dtype(torch::kFloat).device(device);
  const int64_t channels = static_cast<int64_t>(statistics.mean.size());
  mean_ = torch::tensor(statistics.mean, torch::kDouble).to(options).view({1, channels, 1, 1});
  std_ = torch::tensor(statistics.std, torch::kDouble).to(options).view({1, channels, 1, 1});
}

}  // namespace fer
