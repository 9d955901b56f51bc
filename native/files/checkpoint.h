#pragma once
// A trained network on disk: its weights in torchvision's names plus everything needed
// to rebuild it and feed it (spec, normalisation) and the caller's own metadata.
#include <memory>
#include <string>
#include <vector>

#include "networks/network.h"

namespace fer {

struct Checkpoint {
  NetworkSpec spec;
  std::vector<double> mean, std;
  std::string metadata;  // opaque JSON owned by the caller
  std::shared_ptr<Network> network;
};

/** Writes to a temporary file beside `path` (unique to the call), syncs it and renames it, so a crash never leaves half a file. */
void saveCheckpoint(const std::string& path, const Checkpoint& checkpoint);

/** Throws std::invalid_argument (a usage error) naming the file when it is missing or not a fer-ga checkpoint. */
Checkpoint loadCheckpoint(const std::string& path);

}  // namespace fer
