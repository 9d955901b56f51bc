#pragma once
// What a network is made of: parameters, MACs per image at its input size, and a count
// of its modules by type (the census that shows which activation is really inside).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "networks/network.h"

namespace fer {

struct ParameterShape {
  std::string name;
  std::vector<int64_t> shape;
};

struct NetworkCensus {
  int64_t parameters = 0;
  int64_t macs = 0;
  std::map<std::string, int64_t> modules;  // demangled type name → count
  std::vector<ParameterShape> stateDict;   // parameters and buffers in torchvision's names
};

/** Builds the network and runs one image through it; throws std::invalid_argument for a bad spec. */
NetworkCensus takeCensus(const NetworkSpec& spec);

}  // namespace fer
