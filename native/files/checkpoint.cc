#include "files/checkpoint.h"

#include <cmath>
#include <stdexcept>

#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include "files/archive_file.h"
#include "napi/number_text.h"
#include "networks/state_dict.h"

namespace fer {

namespace {
constexpr const char* kFormat = "fer-ga-checkpoint/1";

// libtorch's messages can run over several lines (with C++ frames); the user gets the first.
std::string firstLine(const std::string& message) { return message.substr(0, message.find('\n')); }

torch::Tensor toTensor(const std::vector<double>& values) {
  return torch::tensor(values, torch::TensorOptions().dtype(torch::kDouble));
}

// Every network's last layer takes at least 1024 features, stored at 2 bytes or more each:
// a file that declares more classes than it could hold weights for is refused before the
// network (whose size follows from the declared classes) is allocated.
constexpr int64_t kLeastBytesPerClass = 1024 * 2;

/** One value per input channel, as written: a double vector of `channels` entries, each finite (and positive for std). */
std::vector<double> readChannelValues(torch::serialize::InputArchive& archive, const std::string& key, int64_t channels,
                                      bool positive) {
  torch::Tensor tensor;
  if (!archive.try_read(key, tensor)) throw std::runtime_error("it has no " + key);
  if (tensor.dim() != 1 || tensor.numel() != channels || tensor.scalar_type() != torch::kDouble) {
    throw std::runtime_error("its " + key + " holds " + std::to_string(tensor.numel()) + " values, not one double for each of its " +
                             std::to_string(channels) + " channels");
  }
  const torch::Tensor t = tensor.contiguous();
  std::vector<double> values(t.data_ptr<double>(), t.data_ptr<double>() + t.numel());
  for (size_t c = 0; c < values.size(); ++c) {
    if (!std::isfinite(values[c]) || (positive && values[c] <= 0)) {
      throw std::runtime_error("its " + key + " of channel " + std::to_string(c) + " is " + numberText(values[c]) +
                               (positive ? ", not a finite number above 0" : ", not a finite number"));
    }
  }
  return values;
}
}  // namespace

void saveCheckpoint(const std::string& path, const Checkpoint& checkpoint) {
  torch::serialize::OutputArchive archive;
  const NetworkSpec& spec = checkpoint.spec;
  archive.write("format", c10::IValue(std::string(kFormat)));
  archive.write("model", c10::IValue(architectureName(spec.architecture)));
  archive.write("classes", c10::IValue(spec.classes));
  archive.write("channels", c10::IValue(spec.channels));
  archive.write("size", c10::IValue(spec.size));
  archive.write("activation", c10::IValue(activationName(spec.activation.kind)));
  archive.write("activationParameter", c10::IValue(spec.activation.parameter));
  archive.write("auxLogits", c10::IValue(static_cast<int64_t>(spec.auxLogits)));
  archive.write("firstKernel", c10::IValue(spec.firstKernel));
  archive.write("metadata", c10::IValue(checkpoint.metadata));
  archive.write("mean", toTensor(checkpoint.mean));
  archive.write("std", toTensor(checkpoint.std));
  torch::serialize::OutputArchive weights;
  checkpoint.network->save(weights);
  archive.write("network", weights);

  saveArchiveAtomically(archive, path, "checkpoint");
}

Checkpoint loadCheckpoint(const std::string& path) {
  Checkpoint checkpoint;
  try {
    const std::string bytes = readVerifiedArchive(path, "checkpoint");
    const int64_t fileBytes = static_cast<int64_t>(bytes.size());
    torch::serialize::InputArchive archive;
    archive.load_from(bytes.data(), bytes.size(), torch::kCPU);
    if (readString(archive, "format") != kFormat) throw std::runtime_error("unknown format");
    NetworkSpec& spec = checkpoint.spec;
    spec.architecture = parseArchitecture(readString(archive, "model"));
    spec.classes = readInt(archive, "classes");
    if (spec.classes > fileBytes / kLeastBytesPerClass) {
      throw std::runtime_error("it declares " + std::to_string(spec.classes) + " classes, more than its " +
                               std::to_string(fileBytes) + " bytes hold weights for");
    }
    spec.channels = readInt(archive, "channels");
    spec.size = readInt(archive, "size");
    spec.activation.kind = parseActivation(readString(archive, "activation"));
    spec.activation.parameter = readDouble(archive, "activationParameter");
    spec.auxLogits = readInt(archive, "auxLogits") != 0;
    spec.firstKernel = readInt(archive, "firstKernel");
    checkpoint.metadata = readString(archive, "metadata");
    validate(spec);
    checkpoint.mean = readChannelValues(archive, "mean", spec.channels, false);
    checkpoint.std = readChannelValues(archive, "std", spec.channels, true);
    checkpoint.network = buildNetwork(spec);
    torch::serialize::InputArchive weights;
    archive.read("network", weights);
    requireLayout(weights, *checkpoint.network);
    checkpoint.network->load(weights);
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::invalid_argument& error) {
    if (std::string(error.what()).rfind("checkpoint " + path, 0) == 0) throw;
    throw std::invalid_argument("checkpoint " + path + " is not a readable fer-ga checkpoint: " + firstLine(error.what()));
  } catch (const c10::Error& error) {
    throw std::invalid_argument("checkpoint " + path + " is not a readable fer-ga checkpoint: " +
                                firstLine(error.what_without_backtrace()));
  } catch (const std::exception& error) {
    throw std::invalid_argument("checkpoint " + path + " is not a readable fer-ga checkpoint: " + firstLine(error.what()));
  }
  return checkpoint;
}

}  // namespace fer
