#pragma once
#include "networks/network.h"

namespace fer {

/** torchvision's VGG-16 (configuration D, no batch norm), same state-dict names. */
std::shared_ptr<Network> makeVgg16(const NetworkSpec& spec);

}  // namespace fer
