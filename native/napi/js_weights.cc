#include "napi/js_weights.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "napi/js_results.h"

namespace fer::js {

namespace {
// 2^53: the largest count of elements a JS number (and so a typed array's length) holds exactly.
constexpr int64_t kLargestDimension = 9007199254740992;
}  // namespace

NamedTensors weightsFromJs(const Napi::Value& value, const char* what) {
  if (!value.IsArray()) throw std::invalid_argument(std::string(what) + " must be an array of {name, shape, data}");
  const Napi::Array entries = value.As<Napi::Array>();
  NamedTensors out;
  for (uint32_t i = 0; i < entries.Length(); ++i) {
    const Napi::Value item = entries.Get(i);
    const std::string where = std::string(what) + "[" + std::to_string(i) + "]";
    if (!item.IsObject()) throw std::invalid_argument(where + " must be {name, shape, data}");
    const Napi::Object entry = item.As<Napi::Object>();
    if (!entry.Get("name").IsString() || !entry.Get("shape").IsArray()) throw std::invalid_argument(where + " needs a name and a shape");
    const std::string name = entry.Get("name").As<Napi::String>().Utf8Value();
    std::vector<int64_t> shape;
    int64_t count = 1;
    const Napi::Array dims = entry.Get("shape").As<Napi::Array>();
    for (uint32_t d = 0; d < dims.Length(); ++d) {
      const Napi::Value dim = dims.Get(d);
      const double size = dim.IsNumber() ? dim.As<Napi::Number>().DoubleValue() : NAN;
      // Each dimension an exact integer, and their product no larger than a typed array can be.
      if (!(size >= 0 && size <= kLargestDimension && std::trunc(size) == size)) {
        throw std::invalid_argument(where + " ('" + name + "') has dimension " + std::to_string(d) + " = " +
                                    dim.ToString().Utf8Value() + ", not a whole number from 0 to " + std::to_string(kLargestDimension));
      }
      shape.push_back(static_cast<int64_t>(size));
      count = size == 0 || count <= kLargestDimension / static_cast<int64_t>(size) ? count * static_cast<int64_t>(size) : kLargestDimension + 1;
    }
    const Napi::Value data = entry.Get("data");
    torch::Tensor tensor;
    if (data.IsTypedArray() && data.As<Napi::TypedArray>().TypedArrayType() == napi_float32_array) {
      auto array = data.As<Napi::Float32Array>();
      if (static_cast<int64_t>(array.ElementLength()) != count) {
        throw std::invalid_argument(where + " ('" + name + "') has " + std::to_string(array.ElementLength()) +
                                    " values for its shape's " + std::to_string(count));
      }
      tensor = torch::from_blob(array.Data(), shape, torch::kFloat).clone();
    } else if (data.IsTypedArray() && data.As<Napi::TypedArray>().TypedArrayType() == napi_float64_array) {
      auto array = data.As<Napi::Float64Array>();
      if (static_cast<int64_t>(array.ElementLength()) != count) {
        throw std::invalid_argument(where + " ('" + name + "') has " + std::to_string(array.ElementLength()) +
                                    " values for its shape's " + std::to_string(count));
      }
      tensor = torch::from_blob(array.Data(), shape, torch::kDouble).clone();
    } else {
      throw std::invalid_argument(where + " ('" + name + "') needs its data as a Float32Array");
    }
    out.emplace_back(name, tensor);
  }
  return out;
}

Napi::Array weightsToJs(Napi::Env env, const NamedTensors& weights) {
  Napi::Array out = Napi::Array::New(env, weights.size());
  for (size_t i = 0; i < weights.size(); ++i) {
    const auto& [name, tensor] = weights[i];
    Napi::Object entry = Napi::Object::New(env);
    entry.Set("name", name);
    Napi::Array shape = Napi::Array::New(env, tensor.dim());
    for (int64_t d = 0; d < tensor.dim(); ++d) shape.Set(static_cast<uint32_t>(d), static_cast<double>(tensor.size(d)));
    entry.Set("shape", shape);
    if (tensor.is_floating_point()) {
      const torch::Tensor values = tensor.to(torch::kFloat).contiguous();
      Napi::Float32Array data = Napi::Float32Array::New(env, values.numel());
      std::copy_n(values.data_ptr<float>(), values.numel(), data.Data());
      entry.Set("data", data);
      entry.Set("dtype", "float32");
    } else {
      const torch::Tensor values = tensor.to(torch::kDouble).contiguous();
      Napi::Float64Array data = Napi::Float64Array::New(env, values.numel());
      std::copy_n(values.data_ptr<double>(), values.numel(), data.Data());
      entry.Set("data", data);
      entry.Set("dtype", "int64");
    }
    out.Set(static_cast<uint32_t>(i), entry);
  }
  return out;
}

Napi::Object weightReportToJs(Napi::Env env, const WeightReport& report) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("loaded", static_cast<double>(report.loaded));
  o.Set("reinitialised", strings(env, report.reinitialised));
  o.Set("adapted", strings(env, report.adapted));
  o.Set("skipped", strings(env, report.skipped));
  return o;
}

}  // namespace fer::js
