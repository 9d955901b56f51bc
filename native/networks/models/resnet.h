#pragma once
#include "networks/network.h"

namespace fer {

/** torchvision's ResNet-50 (v1.5: stride on the 3×3 convolution), same state-dict names. */
std::shared_ptr<Network> makeResNet50(const NetworkSpec& spec);

}  // namespace fer
