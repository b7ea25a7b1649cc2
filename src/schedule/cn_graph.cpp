#include "stems/schedule/cn_graph.hpp"

#include <algorithm>

#include "stems/common/error.hpp"

namespace stems::schedule {

using workload::Dim;
using workload::OpType;

namespace {

// Producer columns [lo, hi) that consumer columns [x0, x1) read.
std::pair<std::uint64_t, std::uint64_t> input_columns(const workload::Layer& c,
                                                      const workload::Layer& p, std::uint64_t x0,
                                                      std::uint64_t x1, InputAlignment alignment) {
  const std::uint64_t width = p.size(Dim::OX);
  switch (c.op) {
    case OpType::Conv2d:
    case OpType::MaxPool:
    case OpType::AvgPool:
    case OpType::SumPool: {
      // Padded alignment: output column x reads input columns x*s - pad ... (the real geometry).
      // STEMS alignment: no padding offset (STEMS does not model padding), x reads x*s ...
      const std::int64_t s = c.stride.x, d = c.dilation.x;
      const std::int64_t pad = alignment == InputAlignment::Padded ? c.padding.x : 0;
      const std::int64_t f = static_cast<std::int64_t>(c.size(Dim::FX));
      const std::int64_t lo = static_cast<std::int64_t>(x0) * s - pad;
      const std::int64_t hi = (static_cast<std::int64_t>(x1) - 1) * s - pad + (f - 1) * d + 1;
      return {static_cast<std::uint64_t>(std::max<std::int64_t>(lo, 0)),
              static_cast<std::uint64_t>(
                  std::clamp<std::int64_t>(hi, 0, static_cast<std::int64_t>(width)))};
    }
    case OpType::Add:
      return {x0, x1};
    default:
      return {0, width};  // linear / flatten read everything
  }
}

}  // namespace

CnGraph build_cn_graph(const workload::Network& net, const Schedule& schedule) {
  CnGraph g;
  g.nodes_of_layer.resize(net.layer_count());
  std::size_t total = 0;
  for (workload::Vertex v : net.topological_order()) {
    const auto& l = net.layer(v);
    const auto& t = schedule.layers[v];
    const std::uint64_t tt = std::max<std::uint64_t>(1, std::min(t.time_tile, l.size(Dim::T)));
    const std::uint64_t xt = std::max<std::uint64_t>(1, std::min(t.ox_tile, l.size(Dim::OX)));
    total += static_cast<std::size_t>((l.size(Dim::T) / tt) * (l.size(Dim::OX) / xt));
  }
  g.nodes.reserve(total);
  for (workload::Vertex v : net.topological_order()) {
    const workload::Layer& l = net.layer(v);
    const LayerTiling& tiling = schedule.layers[v];
    const std::uint64_t T = l.size(Dim::T), OX = l.size(Dim::OX);
    const std::uint64_t tt = std::min(tiling.time_tile, T);
    const std::uint64_t xt = std::min(tiling.ox_tile, OX);
    if (tt == 0 || T % tt != 0) {
      throw InputError("schedule", "time tile " + std::to_string(tiling.time_tile) +
                                       " does not divide T = " + std::to_string(T) + " of layer " +
                                       std::to_string(l.id));
    }
    if (xt == 0 || OX % xt != 0) {
      throw InputError("schedule", "spatial tile " + std::to_string(tiling.ox_tile) +
                                       " does not divide OX = " + std::to_string(OX) +
                                       " of layer " + std::to_string(l.id));
    }
    for (std::uint64_t ti = 0; ti < T / tt; ++ti) {
      for (std::uint64_t xi = 0; xi < OX / xt; ++xi) {
        ComputationNode n;
        n.index = g.nodes.size();
        n.layer = v;
        n.t_index = ti;
        n.x_index = xi;
        n.t0 = ti * tt;
        n.t1 = n.t0 + tt;
        n.x0 = xi * xt;
        n.x1 = n.x0 + xt;
        n.fuse_group = tiling.fuse_group;
        n.tile = l;
        n.tile.set_size(Dim::T, tt);
        n.tile.set_size(Dim::OX, xt);
        if (!g.nodes_of_layer[v].empty()) n.preds.push_back(g.nodes_of_layer[v].back());
        g.nodes_of_layer[v].push_back(n.index);
        g.nodes.push_back(std::move(n));
      }
    }
  }
  // Inter-layer dependencies from overlapping index ranges: the producer tiles covering the
  // timesteps and columns a node reads, found by index arithmetic.
  for (auto& n : g.nodes) {
    const workload::Layer& c = net.layer(n.layer);
    for (const auto& [pv, edge] : net.producers(n.layer)) {
      if (edge.recurrent) continue;  // the previous timestep's value: no same-step dependency
      const workload::Layer& p = net.layer(pv);
      const auto [lo, hi] = input_columns(c, p, n.x0, n.x1, schedule.alignment);
      if (lo >= hi) continue;
      const std::uint64_t tt = std::min(schedule.layers[pv].time_tile, p.size(Dim::T));
      const std::uint64_t xt = std::min(schedule.layers[pv].ox_tile, p.size(Dim::OX));
      const std::uint64_t nx = p.size(Dim::OX) / xt;
      const auto& tiles = g.nodes_of_layer[pv];
      const std::size_t more = static_cast<std::size_t>(((n.t1 - 1) / tt - n.t0 / tt + 1) *
                                                        ((hi - 1) / xt - lo / xt + 1));
      n.input_preds.reserve(n.input_preds.size() + more);
      n.input_operands.reserve(n.input_operands.size() + more);
      n.preds.reserve(n.preds.size() + more);
      for (std::uint64_t ti = n.t0 / tt; ti <= (n.t1 - 1) / tt; ++ti) {
        for (std::uint64_t xi = lo / xt; xi <= (hi - 1) / xt; ++xi) {
          const std::size_t pi = tiles[ti * nx + xi];
          n.input_preds.push_back(pi);
          n.input_operands.push_back(edge.operand);
          if (std::find(n.preds.begin(), n.preds.end(), pi) == n.preds.end()) n.preds.push_back(pi);
        }
      }
    }
  }
  {
    std::vector<std::size_t> succ_count(g.nodes.size(), 0);
    for (const auto& n : g.nodes) {
      for (std::size_t p : n.preds)
        ++succ_count[p];
    }
    for (auto& n : g.nodes)
      n.succs.reserve(succ_count[n.index]);
  }
  for (auto& n : g.nodes) {
    for (std::size_t p : n.preds)
      g.nodes[p].succs.push_back(n.index);
    for (std::size_t p : n.input_preds)
      ++g.nodes[p].consumers;
  }
  return g;
}

}  // namespace stems::schedule
