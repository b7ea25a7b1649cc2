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

// True when Kahn's algorithm reaches every node (the graph has no cycle).
bool runs_to_completion(const CnGraph& g) {
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
  return done == N;
}

// Layers reachable from `from` over non-recurrent edges, downstream (forward) or upstream.
std::vector<bool> reachable(const workload::Network& net, workload::Vertex from, bool forward) {
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
}

// "layer p -> layer c" for every recurrent edge, and the layers on a loop: reachable from a
// recurrent edge's consumer and reaching its producer.
std::pair<std::string, std::vector<bool>> recurrent_loops(const workload::Network& net) {
  std::string edges;
  std::vector<bool> on_loop(net.layer_count(), false);
  const workload::Graph& gr = net.graph();
  for (auto [it, end] = boost::edges(gr); it != end; ++it) {
    if (!gr[*it].recurrent) continue;
    const auto p = boost::source(*it, gr), c = boost::target(*it, gr);
    if (!edges.empty()) edges += ", ";
    edges +=
        "layer " + std::to_string(net.layer(p).id) + " -> layer " + std::to_string(net.layer(c).id);
    const auto down = reachable(net, c, true);
    const auto up = reachable(net, p, false);
    for (std::size_t v = 0; v < on_loop.size(); ++v)
      on_loop[v] = on_loop[v] || (down[v] && up[v]);
  }
  return {edges, on_loop};
}

// A recurrent edge closes a loop of layers; a node that spans several timesteps of a layer on the
// loop needs, through the loop, its own output: the node graph has a cycle and no order runs it.
// Found by Kahn's algorithm (only for networks with recurrent edges); the error names the loop's
// layers whose time tile is not 1.
void check_recurrent_loops(const workload::Network& net, const Schedule& schedule,
                           const CnGraph& g) {
  if (runs_to_completion(g)) return;
  const auto [loops, on_loop] = recurrent_loops(net);
  std::string tiles;
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

// Each node holds a copy of its layer: a schedule of more nodes than this would need gigabytes
// (T = 10^6 timesteps one per node, say); refused before anything is allocated.
constexpr std::uint64_t kMaxNodes = 10'000'000;

// The schedule's node count; Infeasible above kMaxNodes.
std::uint64_t count_nodes(const workload::Network& net, const Schedule& schedule) {
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
  return total;
}

// Layer v's nodes, time tile by time tile, the spatial index varying fastest. InputError when a
// tile does not divide its loop.
void add_layer_nodes(CnGraph& g, const workload::Network& net, const Schedule& schedule,
                     workload::Vertex v) {
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
                                     " does not divide OX = " + std::to_string(OX) + " of layer " +
                                     std::to_string(l.id));
  }
  // The layer with this schedule's state decision and densities, cut to one node's tile.
  workload::Layer& tile = g.tiles[v];
  tile = scheduled_layer(net, schedule, v);
  tile.set_size(Dim::T, tt);
  tile.set_size(Dim::OX, xt);
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
      n.tile_of_layer = &tile;
      g.nodes_of_layer[v].push_back(n.index);
      g.nodes.push_back(std::move(n));
    }
  }
}

// Where each node's edges lie in the graph's flat storage.
struct EdgeRanges {
  std::vector<std::size_t> pred_begin, pred_count, in_begin, in_count;
  std::vector<std::size_t> succ_begin;  // one more entry than nodes (compressed rows)
};

// The producer's output timesteps [t0, t1) and columns [x0, x1) that node n reads over `edge`.
struct ReadWindow {
  std::uint64_t t0 = 0, t1 = 0, x0 = 0, x1 = 0;
  bool empty() const { return x0 >= x1 || t0 >= t1; }
};

ReadWindow read_window(const ComputationNode& n, const workload::Layer& c, const workload::Layer& p,
                       const workload::TensorEdge& edge, InputAlignment alignment) {
  ReadWindow w{n.t0, n.t1, 0, 0};
  if (edge.recurrent) {
    // The previous timestep's output (nothing before the first timestep), element-wise: the
    // same columns when the shapes agree, else all of them.
    w.t0 = n.t0 == 0 ? 0 : n.t0 - 1;
    w.t1 = n.t1 - 1;
    const bool same = p.size(Dim::OX) == c.size(Dim::OX);
    w.x0 = same ? n.x0 : 0;
    w.x1 = same ? n.x1 : p.size(Dim::OX);
  } else {
    std::tie(w.x0, w.x1) = input_columns(c, p, n.x0, n.x1, alignment);
  }
  return w;
}

// Appends node i's inputs from producer layer pv (the producer tiles covering window w, by index
// arithmetic) and the new ones among them to its predecessors (which start at `pred_begin`).
void add_producer_tiles(CnGraph& g, const workload::Network& net, const Schedule& schedule,
                        workload::Vertex pv, workload::Operand operand, const ReadWindow& w,
                        std::size_t pred_begin) {
  const workload::Layer& p = net.layer(pv);
  const std::uint64_t tt = std::min(schedule.layers[pv].time_tile, p.size(Dim::T));
  const std::uint64_t xt = std::min(schedule.layers[pv].ox_tile, p.size(Dim::OX));
  const std::uint64_t nx = p.size(Dim::OX) / xt;
  const auto& tiles = g.nodes_of_layer[pv];
  for (std::uint64_t ti = w.t0 / tt; ti <= (w.t1 - 1) / tt; ++ti) {
    for (std::uint64_t xi = w.x0 / xt; xi <= (w.x1 - 1) / xt; ++xi) {
      const std::size_t pi = tiles[ti * nx + xi];
      g.input_store.push_back(pi);
      g.operand_store.push_back(operand);
      const auto first = g.pred_store.begin() + static_cast<std::ptrdiff_t>(pred_begin);
      if (std::find(first, g.pred_store.end(), pi) == g.pred_store.end()) {
        g.pred_store.push_back(pi);
      }
    }
  }
}

// Predecessors and inputs, written into flat storage node after node: the intra-layer chain
// first, then the producer tiles covering the timesteps and columns a node reads.
EdgeRanges add_dependencies(CnGraph& g, const workload::Network& net, const Schedule& schedule) {
  const std::size_t N = g.nodes.size();
  EdgeRanges r{std::vector<std::size_t>(N),
               std::vector<std::size_t>(N),
               std::vector<std::size_t>(N),
               std::vector<std::size_t>(N),
               {}};
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
    r.pred_begin[i] = g.pred_store.size();
    r.in_begin[i] = g.input_store.size();
    if (g.nodes_of_layer[n.layer].front() != i) {  // chained to the previous node of the layer
      g.pred_store.push_back(i - 1);
    }
    const workload::Layer& c = net.layer(n.layer);
    for (const auto& [pv, edge] : producers_of[n.layer]) {
      const ReadWindow w = read_window(n, c, net.layer(pv), edge, schedule.alignment);
      if (w.empty()) continue;
      add_producer_tiles(g, net, schedule, pv, edge.operand, w, r.pred_begin[i]);
    }
    r.pred_count[i] = g.pred_store.size() - r.pred_begin[i];
    r.in_count[i] = g.input_store.size() - r.in_begin[i];
  }
  return r;
}

// Successors: counted, then filled (compressed rows).
void add_successors(CnGraph& g, EdgeRanges& r) {
  const std::size_t N = g.nodes.size();
  r.succ_begin.assign(N + 1, 0);
  for (std::size_t p : g.pred_store)
    ++r.succ_begin[p + 1];
  for (std::size_t i = 0; i < N; ++i)
    r.succ_begin[i + 1] += r.succ_begin[i];
  g.succ_store.assign(g.pred_store.size(), 0);
  std::vector<std::size_t> fill(r.succ_begin.begin(), r.succ_begin.end() - 1);
  for (std::size_t i = 0; i < N; ++i) {
    for (std::size_t k = 0; k < r.pred_count[i]; ++k) {
      g.succ_store[fill[g.pred_store[r.pred_begin[i] + k]]++] = i;
    }
  }
}

// Points every node's spans into the (now complete) flat storage and counts its consumers.
void bind_spans(CnGraph& g, const EdgeRanges& r) {
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    ComputationNode& n = g.nodes[i];
    n.preds = {g.pred_store.data() + r.pred_begin[i], r.pred_count[i]};
    n.input_preds = {g.input_store.data() + r.in_begin[i], r.in_count[i]};
    n.input_operands = {g.operand_store.data() + r.in_begin[i], r.in_count[i]};
    n.succs = {g.succ_store.data() + r.succ_begin[i], r.succ_begin[i + 1] - r.succ_begin[i]};
  }
  for (std::size_t p : g.input_store)
    ++g.nodes[p].consumers;
}

}  // namespace

CnGraph build_cn_graph(const workload::Network& net, const Schedule& schedule) {
  CnGraph g;
  g.nodes_of_layer.resize(net.layer_count());
  g.tiles.resize(net.layer_count());  // never resized again: the nodes point into it
  g.nodes.reserve(count_nodes(net, schedule));
  for (workload::Vertex v : net.topological_order())
    add_layer_nodes(g, net, schedule, v);
  EdgeRanges ranges = add_dependencies(g, net, schedule);
  add_successors(g, ranges);
  bind_spans(g, ranges);
  if (net.has_recurrent_edges()) check_recurrent_loops(net, schedule, g);
  return g;
}

}  // namespace stems::schedule
