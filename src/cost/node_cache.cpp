#include "stems/cost/node_cache.hpp"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <stdexcept>

namespace stems::cost {

namespace {

// `core` with its top on-chip memory (the level of O) holding at most `cap_bits`.
hardware::Core capped_top(const hardware::Core& core, std::uint64_t cap_bits) {
  hardware::Core capped = core;
  if (const auto top = capped.top_level(hardware::MemOperand::O)) {
    auto& level = capped.memories[*top];
    level.size_bits = std::min(level.size_bits, cap_bits);
  }
  return capped;
}

}  // namespace

NodeCostCache::NodeCostCache(hardware::Accelerator acc, NodeSearchOptions options)
    : acc_(std::move(acc)), options_(options) {}

std::string NodeCostCache::key(const workload::Layer& n, int core_id, const OperandBits& bits,
                               OperandMask must_stream, std::uint64_t top_cap_bits) const {
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
  if (must_stream != 0 || top_cap_bits != 0) add(must_stream);  // absent when 0 (as before)
  if (top_cap_bits != 0) add(top_cap_bits);
  return k;
}

std::shared_ptr<const NodeCost> NodeCostCache::get(const workload::Layer& node, int core_id,
                                                   const OperandBits& bits, OperandMask must_stream,
                                                   std::uint64_t top_cap_bits) {
  if (core_id < 0 || static_cast<std::size_t>(core_id) >= acc_.cores.size()) {
    throw std::invalid_argument("NodeCostCache::get: no core " + std::to_string(core_id));
  }
  const std::string k = key(node, core_id, bits, must_stream, top_cap_bits);
  {
    std::shared_lock lock(mutex_);
    auto it = map_.find(k);
    if (it != map_.end()) {
      ++hits_;
      return it->second;
    }
  }
  ++misses_;
  const hardware::Core& core = acc_.cores[static_cast<std::size_t>(core_id)];
  const double link = dram_link_bandwidth(acc_, core);
  std::shared_ptr<const NodeCost> cost;
  if (top_cap_bits == 0) {
    cost = std::make_shared<const NodeCost>(
        search_node(node, core, acc_.dram, bits, options_, link, must_stream));
  } else {
    cost = std::make_shared<const NodeCost>(search_node(
        node, capped_top(core, top_cap_bits), acc_.dram, bits, options_, link, must_stream));
  }
  std::unique_lock lock(mutex_);
  return map_.emplace(k, std::move(cost)).first->second;
}

std::size_t NodeCostCache::size() const {
  std::shared_lock lock(mutex_);
  return map_.size();
}

}  // namespace stems::cost
