#include "training/device.h"

#include <stdexcept>
#include <thread>

#include <ATen/Parallel.h>
#include <torch/cuda.h>

namespace fer {

torch::Device resolveDevice(const std::string& name) {
  const bool cudaPresent = torch::cuda::is_available();
  if (name == "auto") return cudaPresent ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  if (name == "cpu") return torch::Device(torch::kCPU);
  if (name == "cuda" || name.rfind("cuda:", 0) == 0) {
    if (!cudaPresent) {
      throw std::invalid_argument("device '" + name + "' asked for, but this libtorch sees no CUDA device");
    }
    int64_t index = 0;
    if (name.size() > 5) {
      const std::string digits = name.substr(5);
      if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 3) {
        throw std::invalid_argument("device '" + name + "' is not cuda:N");
      }
      index = std::stoll(digits);
    }
    const int64_t count = static_cast<int64_t>(torch::cuda::device_count());
    if (index >= count) {
      throw std::invalid_argument("device '" + name + "' does not exist (" + std::to_string(count) +
                                  " CUDA device(s))");
    }
    return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
  }
  throw std::invalid_argument("unknown device '" + name + "' (choose auto, cpu, cuda or cuda:N)");
}

std::string describeDevice(const torch::Device& device) { return device.str(); }

int applyThreadCount(int requested) {
  if (requested < 0 || requested > kMaximumThreads) {
    throw std::invalid_argument("threads must be between 0 (one per core) and " + std::to_string(kMaximumThreads) + " (got " +
                                std::to_string(requested) + ")");
  }
  const int threads = requested > 0 ? requested : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // Set on the calling thread: with OpenMP, the count is a per-thread setting, and
  // libtorch's default here is a single thread. A thread's first parallel region first sets
  // the count last set by any thread; running that first, here, keeps a trial from starting
  // with another trial's count.
  at::parallel_for(0, 1, 1, [](int64_t, int64_t) {});
  at::set_num_threads(threads);
  return threads;
}

}  // namespace fer
