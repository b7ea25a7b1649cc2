#pragma once
// The list scheduler's ready set: nodes whose predecessors have all finished, taken in the
// priority order of the schedule (stems_model.md 4.5), smallest key first:
//   LYT_gated: fuse group, then timestep tile, then column tile, then deepest layer;
//   memory:    deepest layer, then timestep tile, then column tile;
//   latency:   earliest predecessor end.
// The node index is the last field of every key, so keys are unique and ties deterministic.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <queue>
#include <stdexcept>
#include <vector>

#include "stems/schedule/cn_graph.hpp"

namespace stems::schedule {

class ReadySet {
 public:
  ReadySet(const workload::Network& net, Order order, std::size_t nodes) : order_(order) {
    if (nodes >= (std::size_t{1} << kField) || net.layer_count() >= (std::size_t{1} << kField)) {
      throw std::length_error("ReadySet: 2^24 nodes or layers or more do not fit its keys");
    }
    topo_pos_.resize(net.layer_count());
    for (std::size_t i = 0; i < net.topological_order().size(); ++i)
      topo_pos_[net.topological_order()[i]] = i;
    std::vector<Key> storage;
    storage.reserve(nodes);
    heap_ = Heap(std::greater<Key>{}, std::move(storage));
  }

  // `ready_cycle`: the latest end of the node's predecessors.
  void push(const ComputationNode& n, double ready_cycle) { heap_.push(key_of(n, ready_cycle)); }
  bool empty() const { return heap_.empty(); }
  // Takes the node of highest priority (its index).
  std::size_t pop() {
    const std::size_t node = node_of(heap_.top());
    heap_.pop();
    return node;
  }

  // True when the keys do not depend on time (LYT_gated, memory): the order nodes are taken in is
  // then known before scheduling (sequence()).
  bool is_static() const { return order_ != Order::Latency; }

  // The nodes in the order this set hands them out when each node is pushed once its predecessors
  // are taken: the list scheduler's own order when is_static(); for latency, whose key is the
  // predecessors' end, the node's depth (longest chain of predecessors) stands in for it.
  std::vector<std::size_t> sequence(const CnGraph& g) const {
    const std::size_t N = g.nodes.size();
    std::vector<std::size_t> missing(N);
    std::vector<double> depth(order_ == Order::Latency ? N : 0, 0);
    std::vector<Key> storage;
    storage.reserve(N);
    Heap heap(std::greater<Key>{}, std::move(storage));
    for (const auto& n : g.nodes) {
      missing[n.index] = n.preds.size();
      if (n.preds.empty()) heap.push(key_of(n, 0));
    }
    std::vector<std::size_t> seq;
    seq.reserve(N);
    while (!heap.empty()) {
      const std::size_t node = node_of(heap.top());
      heap.pop();
      seq.push_back(node);
      for (std::size_t s : g.nodes[node].succs) {
        if (!depth.empty()) depth[s] = std::max(depth[s], depth[node] + 1);
        if (--missing[s] == 0) heap.push(key_of(g.nodes[s], depth.empty() ? 0 : depth[s]));
      }
    }
    return seq;
  }

  // By node: its place in `seq` (a sequence()), the positions next-use eviction ranks by.
  static std::vector<std::uint32_t> positions(const std::vector<std::size_t>& seq) {
    std::vector<std::uint32_t> pos(seq.size());
    for (std::size_t i = 0; i < seq.size(); ++i)
      pos[seq[i]] = static_cast<std::uint32_t>(i);
    return pos;
  }

 private:
  // A key packed into one integer, most significant field first, so that a heap compares one
  // number instead of a tuple of five. Field widths: a node, a tile index and a layer position
  // are below 2^24 (build_cn_graph refuses more than 10^7 nodes, and a layer has at least one);
  // the fuse group is an int, offset by 2^31.
  __extension__ using Key = unsigned __int128;
  using Heap = std::priority_queue<Key, std::vector<Key>, std::greater<Key>>;

  static constexpr unsigned kField = 24;
  static Key field(std::uint64_t v) { return Key{v & ((std::uint64_t{1} << kField) - 1)}; }
  // A double's bits as an unsigned integer of the same order (negative values below positive;
  // -0 taken as 0, equal as the comparison of doubles has it).
  static std::uint64_t ordered_bits(double d) {
    if (d == 0) d = 0.0;
    std::uint64_t b;
    std::memcpy(&b, &d, sizeof b);
    return (b >> 63) ? ~b : b | (std::uint64_t{1} << 63);
  }

  Key key_of(const ComputationNode& n, double ready_cycle) const {
    // Deepest layer first: the position in topological order, reversed.
    const std::uint64_t shallowness = ((std::uint64_t{1} << kField) - 1) - topo_pos_[n.layer];
    const Key index = field(n.index);
    switch (order_) {
      case Order::LytGated: {
        const std::uint64_t group =
            static_cast<std::uint64_t>(static_cast<std::int64_t>(n.fuse_group) + (1ll << 31));
        return (Key{group} << (4 * kField)) | (field(n.t_index) << (3 * kField)) |
               (field(n.x_index) << (2 * kField)) | (Key{shallowness} << kField) | index;
      }
      case Order::Memory:
        return (Key{shallowness} << (3 * kField)) | (field(n.t_index) << (2 * kField)) |
               (field(n.x_index) << kField) | index;
      case Order::Latency:
        return (Key{ordered_bits(ready_cycle)} << 64) | index;
    }
    return 0;
  }
  static std::size_t node_of(Key k) {
    return static_cast<std::size_t>(field(static_cast<std::uint64_t>(k)));
  }

  Order order_;
  std::vector<std::size_t> topo_pos_;  // by vertex: position in topological order
  Heap heap_;
};

}  // namespace stems::schedule
