#include "training/augment.h"

#include <vector>

namespace fer {

namespace {
// Crop by two gathers (rows, then columns) so a whole batch moves in two kernels with
// per-sample offsets, instead of one small copy per image.
torch::Tensor randomCrop(const torch::Tensor& batch, int64_t padding, const torch::Tensor& rowStart,
                         const torch::Tensor& columnStart) {
  const int64_t n = batch.size(0), c = batch.size(1), h = batch.size(2), w = batch.size(3);
  const torch::Tensor padded = torch::constant_pad_nd(batch, {padding, padding, padding, padding}, 0.0);
  const auto onDevice = torch::TensorOptions().dtype(torch::kLong).device(batch.device());
  const torch::Tensor rowIndex = (rowStart.view({n, 1}) + torch::arange(h, onDevice)).view({n, 1, h, 1});
  const torch::Tensor columnIndex = (columnStart.view({n, 1}) + torch::arange(w, onDevice)).view({n, 1, 1, w});
  const torch::Tensor cropRows = padded.gather(2, rowIndex.expand({n, c, h, padded.size(3)}));
  return cropRows.gather(3, columnIndex.expand({n, c, h, w}));
}
}  // namespace

AugmentPlan planAugmentation(int64_t samples, const AugmentSpec& spec, std::mt19937_64& rng, const torch::Device& device) {
  AugmentPlan plan;
  if (!spec.enabled) return plan;
  std::uniform_int_distribution<int64_t> offset(0, 2 * spec.padding);
  std::bernoulli_distribution coin(0.5);
  std::vector<int64_t> rows(samples), columns(samples);
  std::vector<uint8_t> flips(samples);
  for (int64_t i = 0; i < samples; ++i) {
    rows[i] = offset(rng);
    columns[i] = offset(rng);
    flips[i] = coin(rng) ? 1 : 0;
  }
  plan.rowOffsets = torch::tensor(rows, torch::kLong).to(device);
  plan.columnOffsets = torch::tensor(columns, torch::kLong).to(device);
  plan.flips = torch::from_blob(flips.data(), {samples}, torch::kUInt8).to(device, torch::kBool);
  return plan;
}

torch::Tensor augmentBatch(const torch::Tensor& batch, const AugmentSpec& spec, const AugmentPlan& plan, int64_t from) {
  if (!spec.enabled) return batch;
  const int64_t n = batch.size(0);
  torch::Tensor out = batch;
  if (spec.padding > 0) {
    out = randomCrop(out, spec.padding, plan.rowOffsets.slice(0, from, from + n), plan.columnOffsets.slice(0, from, from + n));
  }
  if (spec.flip) out = torch::where(plan.flips.slice(0, from, from + n).view({n, 1, 1, 1}), out.flip({3}), out);
  return out;
}

}  // namespace fer
