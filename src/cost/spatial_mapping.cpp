#include "stems/cost/spatial_mapping.hpp"

#include <algorithm>
#include <cmath>

namespace stems::cost {

using workload::Dim;
using workload::OpType;

namespace {
bool can_unroll(const workload::Layer& layer, Dim d) {
  switch (layer.op) {
    case OpType::Add:
      return d == Dim::K || d == Dim::B || d == Dim::G || d == Dim::T;
    case OpType::Flatten:
      return false;
    default:
      return true;
  }
}
}  // namespace

std::vector<SpatialUnroll> spatial_mapping(const workload::Layer& layer,
                                           const hardware::Core& core) {
  std::vector<SpatialUnroll> out;
  for (const hardware::ArrayUnroll& au : core.unrolling_for(layer.op)) {
    const auto& ad = core.array.dims[au.array_dim];
    if (!can_unroll(layer, au.dim)) continue;
    const Dim d = au.dim;
    const std::uint64_t L = layer.size(d);
    const std::uint64_t u = std::min<std::uint64_t>(au.size ? au.size : ad.size, L);
    const std::uint64_t rem = (L + u - 1) / u;
    SpatialUnroll s;
    s.array_dim = ad.name;
    s.dim = d;
    s.factor = static_cast<double>(L) / static_cast<double>(rem);
    s.factor_int = (L + rem - 1) / rem;
    s.temporal = rem;
    out.push_back(s);
  }
  return out;
}

std::uint64_t temporal_size(const workload::Layer& layer, const std::vector<SpatialUnroll>& s,
                            Dim d) {
  const std::uint64_t L = layer.size(d);
  for (const auto& u : s) {
    if (u.dim == d) return u.temporal;
  }
  return L;
}

}  // namespace stems::cost
