#include "augment.h"

#include <vector>

namespace fer {

namespace {
// Crop by two gathers (rows, then columns) so a whole batch moves in two kernels with
// per-sample offsets, instead of one small copy per image.
torch::Tensor randomCrop(const torch::Tensor& batch, int64_t padding, std::mt19937_64& rng) {
  const int64_t n = batch.size(0), c = batch.size(1), h = batch.size(2), w = batch.size(3);
  std::uniform_int_distribution<int64_t> offset(0, 2 * padding);
  std::vector<int64_t> rows(n), cols(n);
  for (int64_t i = 0; i < n; ++i) {
    rows[i] = offset(rng);
    cols[i] = offset(rng);
  }
  const auto longs = torch::TensorOptions().dtype(torch::kLong);
  const torch::Tensor rowStart = torch::tensor(rows, longs).to(batch.device());
  const torch::Tensor colStart = torch::tensor(cols, longs).to(batch.device());
  const torch::Tensor padded = torch::constant_pad_nd(batch, {padding, padding, padding, padding}, 0.0);
  const auto onDevice = longs.device(batch.device());
  const torch::Tensor rowIndex = (rowStart.view({n, 1}) + torch::arange(h, onDevice)).view({n, 1, h, 1});
  const torch::Tensor colIndex = (colStart.view({n, 1}) + torch::arange(w, onDevice)).view({n, 1, 1, w});
  const torch::Tensor cropRows = padded.gather(2, rowIndex.expand({n, c, h, padded.size(3)}));
  return cropRows.gather(3, colIndex.expand({n, c, h, w}));
}

torch::Tensor randomFlip(const torch::Tensor& batch, std::mt19937_64& rng) {
  const int64_t n = batch.size(0);
  std::bernoulli_distribution coin(0.5);
  std::vector<uint8_t> flips(n);
  for (auto& f : flips) f = coin(rng) ? 1 : 0;
  const torch::Tensor mask =
      torch::from_blob(flips.data(), {n}, torch::kUInt8).to(batch.device(), torch::kBool).view({n, 1, 1, 1});
  return torch::where(mask, batch.flip({3}), batch);
}
}  // namespace

torch::Tensor augmentBatch(const torch::Tensor& batch, const AugmentSpec& spec, std::mt19937_64& rng) {
  if (!spec.enabled) return batch;
  torch::Tensor out = spec.padding > 0 ? randomCrop(batch, spec.padding, rng) : batch;
  return spec.flip ? randomFlip(out, rng) : out;
}

}  // namespace fer
