#include "stems/schedule/cn_graph.hpp"

#include <algorithm>
#include <string>
#include <tuple>

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

// A recurrent edge closes a loop of layers; a node that spans several timesteps of a layer on the
// loop needs, through the loop, its own output: the node graph has a cycle and no order runs it.
// Found by Kahn's algorithm (only for networks with recurrent edges); the error names the loop's
// layers whose time tile is not 1.
void check_recurrent_loops(const workload::Network& net, const Schedule& schedule,
                           const CnGraph& g) {
  const std::size_t N = g.nodes.size();
  std::vector<std::size_t> missing(N);
  std::vector<std::size_t> ready;
  for (std::size_t i = 0; i < N; ++i) {
    missing[i] = g.nodes[i].preds.size();
    if (missing[i] == 0) ready.push_back(i);
  }
  std::size_t done = 0;
  while (!ready.empty()) {
    const std::size_t i = ready.back();
    ready.pop_back();
    ++done;
    for (std::size_t s : g.nodes[i].succs) {
      if (--missing[s] == 0) ready.push_back(s);
    }
  }
  if (done == N) return;
  std::string loops, tiles;
  const workload::Graph& gr = net.graph();
  for (auto [it, end] = boost::edges(gr); it != end; ++it) {
    if (!gr[*it].recurrent) continue;
    const auto p = boost::source(*it, gr), c = boost::target(*it, gr);
    if (!loops.empty()) loops += ", ";
    loops +=
        "layer " + std::to_string(net.layer(p).id) + " -> layer " + std::to_string(net.layer(c).id);
  }
  // Layers on a loop: reachable from a recurrent edge's consumer and reaching its producer.
  std::vector<bool> on_loop(net.layer_count(), false);
  for (auto [it, end] = boost::edges(gr); it != end; ++it) {
    if (!gr[*it].recurrent) continue;
    auto reach = [&](workload::Vertex from, bool forward) {
      std::vector<bool> seen(net.layer_count(), false);
      std::vector<workload::Vertex> todo{from};
      seen[from] = true;
      while (!todo.empty()) {
        const workload::Vertex v = todo.back();
        todo.pop_back();
        const auto next = forward ? net.consumers(v) : net.producers(v);
        for (const auto& [w, e] : next) {
          if (!e.recurrent && !seen[w]) {
            seen[w] = true;
            todo.push_back(w);
          }
        }
      }
      return seen;
    };
    const auto down = reach(boost::target(*it, gr), true);
    const auto up = reach(boost::source(*it, gr), false);
    for (std::size_t v = 0; v < on_loop.size(); ++v)
      on_loop[v] = on_loop[v] || (down[v] && up[v]);
  }
  for (workload::Vertex v : net.topological_order()) {
    const auto& l = net.layer(v);
    const std::uint64_t tt = std::min(schedule.layers[v].time_tile, l.size(Dim::T));
    if (on_loop[v] && tt > 1) {
      if (!tiles.empty()) tiles += ", ";
      tiles += "layer " + std::to_string(l.id) + ": " + std::to_string(tt);
    }
  }
  throw Infeasible("schedule",
                   "a recurrent input (" + loops +
                       ", one timestep later) cannot be time-batched: a node spanning several "
                       "timesteps of a layer on the loop would need its own output; give the "
                       "loop's layers a time tile of 1 (loop layers with larger tiles: " +
                       tiles + ")");
}

}  // namespace

CnGraph build_cn_graph(const workload::Network& net, const Schedule& schedule) {
  CnGraph g;
  g.nodes_of_layer.resize(net.layer_count());
  // Each node holds a copy of its layer: a schedule of more nodes than this would need gigabytes
  // (T = 10^6 timesteps one per node, say); refused before anything is allocated.
  constexpr std::uint64_t kMaxNodes = 10'000'000;
  std::uint64_t total = 0;
  for (workload::Vertex v : net.topological_order()) {
    const auto& l = net.layer(v);
    const auto& t = schedule.layers[v];
    const std::uint64_t tt = std::max<std::uint64_t>(1, std::min(t.time_tile, l.size(Dim::T)));
    const std::uint64_t xt = std::max<std::uint64_t>(1, std::min(t.ox_tile, l.size(Dim::OX)));
    std::uint64_t nodes = 0;
    if (__builtin_mul_overflow(l.size(Dim::T) / tt, l.size(Dim::OX) / xt, &nodes) ||
        __builtin_add_overflow(total, nodes, &total) || total > kMaxNodes) {
      std::string msg = "the schedule cuts the network into more than 10,000,000 computation ";
      msg += "nodes (layer ";
      msg += std::to_string(l.id);
      msg += " alone: ";
      msg += std::to_string(l.size(Dim::T) / tt);
      msg += " time tiles x ";
      msg += std::to_string(l.size(Dim::OX) / xt);
      msg += " column tiles); use larger time or spatial tiles";
      throw Infeasible("schedule", msg);
    }
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
    // The layer with this schedule's state decision and densities, cut per node below.
    const workload::Layer scheduled = scheduled_layer(net, schedule, v);
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
        n.tile = scheduled;
        n.tile.set_size(Dim::T, tt);
        n.tile.set_size(Dim::OX, xt);
        g.nodes_of_layer[v].push_back(n.index);
        g.nodes.push_back(std::move(n));
      }
    }
  }
  // Dependencies, written into flat storage node after node: the intra-layer chain first, then
  // the producer tiles covering the timesteps and columns a node reads (index arithmetic).
  const std::size_t N = g.nodes.size();
  std::vector<std::size_t> pred_begin(N), pred_count(N), in_begin(N), in_count(N);
  g.pred_store.reserve(2 * N);
  g.input_store.reserve(2 * N);
  g.operand_store.reserve(2 * N);
  // Each layer's producers, listed once (Network::producers builds a vector per call).
  std::vector<std::vector<std::pair<workload::Vertex, workload::TensorEdge>>> producers_of(
      net.layer_count());
  for (workload::Vertex v : net.topological_order())
    producers_of[v] = net.producers(v);
  for (std::size_t i = 0; i < N; ++i) {
    const ComputationNode& n = g.nodes[i];
    pred_begin[i] = g.pred_store.size();
    in_begin[i] = g.input_store.size();
    const auto& own = g.nodes_of_layer[n.layer];
    if (own.front() != i) {  // chained to the previous node of the same layer
      g.pred_store.push_back(i - 1);
    }
    const workload::Layer& c = net.layer(n.layer);
    for (const auto& [pv, edge] : producers_of[n.layer]) {
      const workload::Layer& p = net.layer(pv);
      // Timesteps [r0, r1) and columns [lo, hi) of the producer's output this node reads.
      std::uint64_t r0 = n.t0, r1 = n.t1, lo = 0, hi = 0;
      if (edge.recurrent) {
        // The previous timestep's output (nothing before the first timestep), element-wise: the
        // same columns when the shapes agree, else all of them.
        r0 = n.t0 == 0 ? 0 : n.t0 - 1;
        r1 = n.t1 - 1;
        const bool same = p.size(Dim::OX) == c.size(Dim::OX);
        lo = same ? n.x0 : 0;
        hi = same ? n.x1 : p.size(Dim::OX);
      } else {
        std::tie(lo, hi) = input_columns(c, p, n.x0, n.x1, schedule.alignment);
      }
      if (lo >= hi || r0 >= r1) continue;
      const std::uint64_t tt = std::min(schedule.layers[pv].time_tile, p.size(Dim::T));
      const std::uint64_t xt = std::min(schedule.layers[pv].ox_tile, p.size(Dim::OX));
      const std::uint64_t nx = p.size(Dim::OX) / xt;
      const auto& tiles = g.nodes_of_layer[pv];
      for (std::uint64_t ti = r0 / tt; ti <= (r1 - 1) / tt; ++ti) {
        for (std::uint64_t xi = lo / xt; xi <= (hi - 1) / xt; ++xi) {
          const std::size_t pi = tiles[ti * nx + xi];
          g.input_store.push_back(pi);
          g.operand_store.push_back(edge.operand);
          const auto first = g.pred_store.begin() + static_cast<std::ptrdiff_t>(pred_begin[i]);
          if (std::find(first, g.pred_store.end(), pi) == g.pred_store.end()) {
            g.pred_store.push_back(pi);
          }
        }
      }
    }
    pred_count[i] = g.pred_store.size() - pred_begin[i];
    in_count[i] = g.input_store.size() - in_begin[i];
  }
  // Successors: counted, then filled (compressed rows).
  std::vector<std::size_t> succ_begin(N + 1, 0);
  for (std::size_t p : g.pred_store)
    ++succ_begin[p + 1];
  for (std::size_t i = 0; i < N; ++i)
    succ_begin[i + 1] += succ_begin[i];
  g.succ_store.assign(g.pred_store.size(), 0);
  std::vector<std::size_t> fill(succ_begin.begin(), succ_begin.end() - 1);
  for (std::size_t i = 0; i < N; ++i) {
    for (std::size_t k = 0; k < pred_count[i]; ++k) {
      g.succ_store[fill[g.pred_store[pred_begin[i] + k]]++] = i;
    }
  }
  for (std::size_t i = 0; i < N; ++i) {
    ComputationNode& n = g.nodes[i];
    n.preds = {g.pred_store.data() + pred_begin[i], pred_count[i]};
    n.input_preds = {g.input_store.data() + in_begin[i], in_count[i]};
    n.input_operands = {g.operand_store.data() + in_begin[i], in_count[i]};
    n.succs = {g.succ_store.data() + succ_begin[i], succ_begin[i + 1] - succ_begin[i]};
  }
  for (std::size_t p : g.input_store)
    ++g.nodes[p].consumers;
  if (net.has_recurrent_edges()) check_recurrent_loops(net, schedule, g);
  return g;
}

}  // namespace stems::schedule
