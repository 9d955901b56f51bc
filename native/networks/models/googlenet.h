#pragma once
#include "networks/network.h"

namespace fer {

/** torchvision's GoogLeNet (Inception v1 with batch norm), same state-dict names. */
std::shared_ptr<Network> makeGoogLeNet(const NetworkSpec& spec);

}  // namespace fer
