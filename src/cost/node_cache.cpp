#include "stems/cost/node_cache.hpp"

#include <cstring>
#include <mutex>
#include <stdexcept>

namespace stems::cost {

NodeCostCache::NodeCostCache(hardware::Accelerator acc, NodeSearchOptions options)
    : acc_(std::move(acc)), options_(options) {}

std::string NodeCostCache::key(const workload::Layer& n, int core_id, const OperandBits& bits,
                               OperandMask must_stream) const {
  // Fixed-width binary fields (8 bytes each): unambiguous, and no number formatting on the
  // warm path (the key is looked up once per layer shape per evaluation; it never leaves memory).
  std::string k;
  k.reserve(8 * 40);
  auto add = [&](std::uint64_t v) {
    char b[sizeof v];
    std::memcpy(b, &v, sizeof v);
    k.append(b, sizeof v);
  };
  add(static_cast<std::uint64_t>(options_.policy.model));
  add(options_.lpf_limit);
  add(static_cast<std::uint64_t>(n.op));
  for (auto s : n.loop)
    add(s);
  add(n.stride.y);
  add(n.stride.x);
  add(n.dilation.y);
  add(n.dilation.x);
  // The unpadded input the search clips every input extent to (ONNX layers give it: two layers
  // of one tile shape can read inputs of different sizes).
  add(n.input_bound_y());
  add(n.input_bound_x());
  add(n.precision.W);
  add(n.precision.I);
  add(n.precision.O);
  add(n.precision.psum);
  add(n.precision.V);
  add(n.stateful() ? 1 : 0);
  add(workload::state_variables(n.neuron));
  add(static_cast<std::uint64_t>(core_id));
  for (const auto& b : bits)
    add(b ? *b + 1 : 0);
  if (must_stream != 0) add(must_stream);  // absent when 0: the keys of every other cost as before
  return k;
}

std::shared_ptr<const NodeCost> NodeCostCache::get(const workload::Layer& node, int core_id,
                                                   const OperandBits& bits,
                                                   OperandMask must_stream) {
  if (core_id < 0 || static_cast<std::size_t>(core_id) >= acc_.cores.size()) {
    throw std::invalid_argument("NodeCostCache::get: no core " + std::to_string(core_id));
  }
  const std::string k = key(node, core_id, bits, must_stream);
  {
    std::shared_lock lock(mutex_);
    auto it = map_.find(k);
    if (it != map_.end()) {
      ++hits_;
      return it->second;
    }
  }
  ++misses_;
  auto cost = std::make_shared<const NodeCost>(search_node(
      node, acc_.cores[static_cast<std::size_t>(core_id)], acc_.dram, bits, options_,
      dram_link_bandwidth(acc_, acc_.cores[static_cast<std::size_t>(core_id)]), must_stream));
  std::unique_lock lock(mutex_);
  return map_.emplace(k, std::move(cost)).first->second;
}

std::size_t NodeCostCache::size() const {
  std::shared_lock lock(mutex_);
  return map_.size();
}

}  // namespace stems::cost
