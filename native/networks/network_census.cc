#include "networks/network_census.h"

#include "networks/layers.h"

namespace fer {

NetworkCensus takeCensus(const NetworkSpec& spec) {
  const std::shared_ptr<Network> network = buildNetwork(spec);
  NetworkCensus census;
  census.parameters = countParameters(*network);
  for (const auto& module : network->modules(/*include_self=*/false)) ++census.modules[module->name()];
  for (const auto& item : network->named_parameters()) census.stateDict.push_back({item.key(), item.value().sizes().vec()});
  for (const auto& item : network->named_buffers()) census.stateDict.push_back({item.key(), item.value().sizes().vec()});

  torch::NoGradGuard noGrad;
  network->eval();
  MacTally tally;
  network->forward(torch::zeros({1, spec.channels, spec.size, spec.size}));
  census.macs = tally.macsPerImage();
  return census;
}

}  // namespace fer
