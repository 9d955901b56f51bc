#pragma once
#include "networks/network.h"

namespace fer {

/** torchvision's AlexNet (the one-GPU variant of "One weird trick"), same state-dict names. */
std::shared_ptr<Network> makeAlexNet(const NetworkSpec& spec);

}  // namespace fer
