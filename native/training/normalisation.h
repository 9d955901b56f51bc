#pragma once
// uint8 pixels to the float the networks see, shared by training and inference so a
// checkpoint is fed exactly as it was trained.
#include <vector>

#include <torch/types.h>

namespace fer {

struct ChannelStatistics {
  std::vector<double> mean, std;  // of pixel/255, per channel
};

/** Mean and standard deviation per channel over the images at `indices`, in chunks. */
ChannelStatistics channelStatistics(const torch::Tensor& images, const torch::Tensor& indices);

/** uint8 N×C×H×W on any device → float in [0, 1]. */
torch::Tensor toUnitFloat(const torch::Tensor& pixels);

/** (x − mean) / std per channel, with the statistics placed on the device once. */
class Normaliser {
 public:
  Normaliser(const ChannelStatistics& statistics, const torch::Device& device);
  torch::Tensor operator()(const torch::Tensor& unitFloat) const { return (unitFloat - mean_) / std_; }

 private:
  torch::Tensor mean_, std_;
};

}  // namespace fer
