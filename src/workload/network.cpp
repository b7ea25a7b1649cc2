#include "stems/workload/network.hpp"

#include <algorithm>
#include <limits>
#include <queue>
#include <set>
#include <sstream>

namespace stems::workload {

namespace {

std::string describe(const Layer& l) {
  std::ostringstream os;
  os << "layer " << l.id;
  if (!l.name.empty()) os << " ('" << l.name << "')";
  return os.str();
}

// Product of factors; throws if it does not fit in 64 bits.
std::uint64_t checked_product(std::initializer_list<std::uint64_t> factors, const Layer& l,
                              const char* what) {
  std::uint64_t p = 1;
  for (auto f : factors) {
    if (__builtin_mul_overflow(p, f, &p)) {
      throw NetworkError(l.id, describe(l) + ": " + what +
                                   " overflows a 64-bit counter; the sizes are not plausible");
    }
  }
  return p;
}

bool operand_allowed(const Layer& l, Operand o) {
  switch (o) {
    case Operand::I:
      return l.op != OpType::Add;
    case Operand::X:
    case Operand::Y:
      return l.op == OpType::Add;
    case Operand::R:
      return l.has_neurons();
    default:
      return false;
  }
}

// Loop sizes, strides, dilations and block id are usable.
void check_sizes(const Layer& l, const std::string& who) {
  for (auto s : l.loop) {
    if (s == 0) throw NetworkError(l.id, who + ": loop sizes must be >= 1");
  }
  if (l.stride.y == 0 || l.stride.x == 0 || l.dilation.y == 0 || l.dilation.x == 0) {
    throw NetworkError(l.id, who + ": stride and dilation must be >= 1");
  }
  if (l.block < 0) throw NetworkError(l.id, who + ": block must be >= 0");
}

// A conv or pooling input: channels, then the sliding window along both axes.
void check_window_edge(const Layer& src, const Layer& l, const std::string& edge) {
  const std::uint64_t src_ch = src.output_channels();
  if (src_ch != l.input_channels()) {
    throw NetworkError(l.id, edge + "channel mismatch: the producer outputs " +
                                 std::to_string(src_ch) +
                                 " channels (G*K), the consumer "
                                 "expects " +
                                 std::to_string(l.input_channels()) +
                                 (l.op == OpType::Conv2d ? " (G*C)" : " (K)"));
  }
  const std::uint64_t oy = sliding_window_output(src.size(Dim::OY), l.size(Dim::FY), l.stride.y,
                                                 l.padding.y, l.dilation.y);
  const std::uint64_t ox = sliding_window_output(src.size(Dim::OX), l.size(Dim::FX), l.stride.x,
                                                 l.padding.x, l.dilation.x);
  if (oy != l.size(Dim::OY) || ox != l.size(Dim::OX)) {
    throw NetworkError(
        l.id, edge + "spatial mismatch: a " + std::to_string(src.size(Dim::OY)) + "x" +
                  std::to_string(src.size(Dim::OX)) + " input with kernel " +
                  std::to_string(l.size(Dim::FY)) + "x" + std::to_string(l.size(Dim::FX)) +
                  ", stride " + std::to_string(l.stride.y) + "x" + std::to_string(l.stride.x) +
                  ", padding " + std::to_string(l.padding.y) + "x" + std::to_string(l.padding.x) +
                  " gives " + std::to_string(oy) + "x" + std::to_string(ox) +
                  ", but the layer declares OY x OX = " + std::to_string(l.size(Dim::OY)) + "x" +
                  std::to_string(l.size(Dim::OX)));
  }
}

// One input edge from `src` into `l` (operand `operand`): timesteps, shapes and precisions
// chain; a Flatten takes its shape from its producer here.
void check_input_edge(const Layer& src, Operand operand, Layer& l, const std::string& who) {
  const std::string edge =
      who + " input " + std::string(operand_name(operand)) + " from " + describe(src) + ": ";
  if (src.size(Dim::T) != l.size(Dim::T) || src.size(Dim::B) != l.size(Dim::B)) {
    throw NetworkError(l.id, edge + "timesteps T and batch B must match (producer T=" +
                                 std::to_string(src.size(Dim::T)) +
                                 ", consumer T=" + std::to_string(l.size(Dim::T)) + ")");
  }
  if (operand == Operand::R) {
    if (src.output_elements_per_timestep() != l.output_elements_per_timestep()) {
      throw NetworkError(l.id, edge +
                                   "a recurrent input must have as many elements as the "
                                   "consumer's output (" +
                                   std::to_string(src.output_elements_per_timestep()) + " vs " +
                                   std::to_string(l.output_elements_per_timestep()) + ")");
    }
    return;
  }
  if (l.op == OpType::Flatten) {
    l.flatten_input = {src.output_channels(), src.size(Dim::OY), src.size(Dim::OX)};
    l.set_size(Dim::G, 1);
    l.set_size(Dim::K, src.output_elements_per_timestep() / src.size(Dim::B));
    for (Dim d : {Dim::C, Dim::OY, Dim::OX, Dim::FY, Dim::FX})
      l.set_size(d, 1);
    l.precision.I = l.precision.O = l.precision.psum = src.precision.O;
    return;
  }
  if (src.precision.O != l.precision.I) {
    throw NetworkError(l.id, edge + "precision mismatch: the producer outputs " +
                                 std::to_string(src.precision.O) +
                                 "-bit values, the consumer "
                                 "reads " +
                                 std::to_string(l.precision.I) + "-bit inputs");
  }
  const std::uint64_t src_ch = src.output_channels();
  if (l.op == OpType::Add) {
    if (src_ch != l.output_channels() || src.size(Dim::OY) != l.size(Dim::OY) ||
        src.size(Dim::OX) != l.size(Dim::OX)) {
      throw NetworkError(
          l.id, edge + "shape mismatch: the producer outputs " + std::to_string(src_ch) + "x" +
                    std::to_string(src.size(Dim::OY)) + "x" + std::to_string(src.size(Dim::OX)) +
                    ", the add expects " + std::to_string(l.output_channels()) + "x" +
                    std::to_string(l.size(Dim::OY)) + "x" + std::to_string(l.size(Dim::OX)));
    }
    return;
  }
  if (l.op == OpType::Linear) {
    const std::uint64_t features = src_ch * src.size(Dim::OY) * src.size(Dim::OX);
    if (features != l.input_channels()) {
      throw NetworkError(l.id, edge + "shape mismatch: the producer outputs " +
                                   std::to_string(features) +
                                   " features per sample, the "
                                   "linear layer expects C=" +
                                   std::to_string(l.input_channels()));
    }
    return;
  }
  check_window_edge(src, l, edge);
}

// Precisions a layer of its kind needs.
void check_precisions(const Layer& l, const std::string& who) {
  if (has_weights(l.op) && l.precision.W == 0) {
    throw NetworkError(l.id, who + ": a weighted layer needs a weight precision W >= 1");
  }
  if (l.precision.I == 0 || l.precision.O == 0) {
    throw NetworkError(l.id, who + ": precisions I and O must be >= 1 bit");
  }
  if (l.has_neurons() && l.precision.V == 0) {
    throw NetworkError(l.id, who + ": a layer with neurons needs a state precision V >= 1");
  }
  if (!l.has_neurons() && l.precision.V != 0) {
    throw NetworkError(l.id, who + ": state precision V is given but the neuron model is none");
  }
  if (l.precision.psum == 0) {
    throw NetworkError(l.id, who + ": partial-sum precision psum must be >= 1 bit");
  }
}

// Every counter the report prints fits in 64 bits.
void check_counters_fit(const Layer& l, const std::string& who) {
  // Starting with the input extents
  // (O-1)*stride + (F-1)*dilation + 1 that the input size below is made of.
  if (l.op != OpType::Flatten) {
    for (const auto& [o, f, s, d] :
         {std::array<std::uint64_t, 4>{l.size(Dim::OY), l.size(Dim::FY), l.stride.y, l.dilation.y},
          std::array<std::uint64_t, 4>{l.size(Dim::OX), l.size(Dim::FX), l.stride.x,
                                       l.dilation.x}}) {
      std::uint64_t extent = 0;
      if (__builtin_add_overflow(checked_product({o - 1, s}, l, "the input extent"),
                                 checked_product({f - 1, d}, l, "the input extent"), &extent) ||
          extent == std::numeric_limits<std::uint64_t>::max()) {
        throw NetworkError(l.id, who +
                                     ": the input extent overflows a 64-bit counter; the sizes "
                                     "are not plausible");
      }
    }
  }
  checked_product({l.loop[0], l.loop[1], l.loop[2], l.loop[3], l.loop[4], l.loop[5], l.loop[6],
                   l.loop[7], l.loop[8]},
                  l, "the operation count");
  checked_product({l.size(Dim::G), l.size(Dim::K), l.size(Dim::C), l.size(Dim::FY), l.size(Dim::FX),
                   std::max<std::uint64_t>(l.precision.W, 1)},
                  l, "the weight size in bits");
  checked_product({l.size(Dim::T), l.output_elements_per_timestep(),
                   std::max({l.precision.O, l.precision.psum, l.precision.V, 1u}), 2},
                  l, "the output/state size in bits");
  checked_product({l.size(Dim::T), l.size(Dim::B), l.input_channels(), l.input_extent_y(),
                   l.input_extent_x(), l.precision.I, 2},
                  l, "the input size in bits");
}

}  // namespace

Vertex Network::add_layer(Layer layer) {
  if (by_id_.count(layer.id) != 0) {
    throw NetworkError(layer.id, "duplicate layer id " + std::to_string(layer.id));
  }
  const int id = layer.id;
  const Vertex v = boost::add_vertex(std::move(layer), graph_);
  by_id_.emplace(id, v);
  return v;
}

Vertex Network::vertex(int id) const {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) throw NetworkError(id, "unknown layer id " + std::to_string(id));
  return it->second;
}

void Network::add_edge(int producer_id, int consumer_id, Operand operand, bool recurrent) {
  if (!has_layer(consumer_id)) {
    throw NetworkError(consumer_id, "edge into unknown layer id " + std::to_string(consumer_id));
  }
  const Vertex c = vertex(consumer_id);
  if (!has_layer(producer_id)) {
    throw NetworkError(consumer_id,
                       describe(graph_[c]) + ": input " + std::string(operand_name(operand)) +
                           " refers to unknown layer id " + std::to_string(producer_id));
  }
  const Vertex p = vertex(producer_id);
  if (!operand_allowed(graph_[c], operand)) {
    std::string expected = graph_[c].op == OpType::Add ? "X and Y" : "I";
    if (graph_[c].has_neurons()) expected += " (and R for recurrent inputs)";
    throw NetworkError(consumer_id,
                       describe(graph_[c]) + " (" + std::string(op_name(graph_[c].op)) +
                           ") has no input operand '" + std::string(operand_name(operand)) +
                           "'; expected " + expected);
  }
  if (recurrent != (operand == Operand::R)) {
    throw NetworkError(consumer_id, describe(graph_[c]) +
                                        ": recurrent inputs must use operand R, and operand R "
                                        "is only for recurrent inputs");
  }
  boost::add_edge(p, c, TensorEdge{operand, recurrent}, graph_);
}

std::vector<std::pair<Vertex, TensorEdge>> Network::producers(Vertex v) const {
  std::vector<std::pair<Vertex, TensorEdge>> out;
  for (auto [it, end] = boost::in_edges(v, graph_); it != end; ++it) {
    out.emplace_back(boost::source(*it, graph_), graph_[*it]);
  }
  return out;
}

std::vector<std::pair<Vertex, TensorEdge>> Network::consumers(Vertex v) const {
  std::vector<std::pair<Vertex, TensorEdge>> out;
  for (auto [it, end] = boost::out_edges(v, graph_); it != end; ++it) {
    out.emplace_back(boost::target(*it, graph_), graph_[*it]);
  }
  return out;
}

bool Network::has_recurrent_edges() const {
  for (auto [it, end] = boost::edges(graph_); it != end; ++it) {
    if (graph_[*it].recurrent) return true;
  }
  return false;
}

bool Network::is_sink(Vertex v) const {
  // A recurrent consumer reads the output too (one timestep later): not a network output.
  return boost::out_degree(v, graph_) == 0;
}

void Network::compute_topological_order() {
  // Kahn's algorithm over non-recurrent edges, smallest layer id first among the ready layers.
  const std::size_t n = layer_count();
  std::vector<std::size_t> indegree(n, 0);
  for (auto [it, end] = boost::edges(graph_); it != end; ++it) {
    if (!graph_[*it].recurrent) ++indegree[boost::target(*it, graph_)];
  }
  auto later = [this](Vertex a, Vertex b) { return graph_[a].id > graph_[b].id; };
  std::priority_queue<Vertex, std::vector<Vertex>, decltype(later)> ready(later);
  for (Vertex v = 0; v < n; ++v) {
    if (indegree[v] == 0) ready.push(v);
  }
  topo_.clear();
  while (!ready.empty()) {
    const Vertex v = ready.top();
    ready.pop();
    topo_.push_back(v);
    for (auto [it, end] = boost::out_edges(v, graph_); it != end; ++it) {
      if (graph_[*it].recurrent) continue;
      if (--indegree[boost::target(*it, graph_)] == 0) ready.push(boost::target(*it, graph_));
    }
  }
  if (topo_.size() == n) return;

  // A cycle remains among the layers with indegree > 0: walk producers until one repeats.
  Vertex start = 0;
  while (indegree[start] == 0)
    ++start;
  std::vector<Vertex> path;
  std::vector<int> seen_at(n, -1);
  Vertex cur = start;
  while (seen_at[cur] < 0) {
    seen_at[cur] = static_cast<int>(path.size());
    path.push_back(cur);
    for (auto [it, end] = boost::in_edges(cur, graph_); it != end; ++it) {
      const Vertex s = boost::source(*it, graph_);
      if (!graph_[*it].recurrent && indegree[s] > 0) {
        cur = s;
        break;
      }
    }
  }
  std::ostringstream os;
  os << "the layers form a cycle that is not marked recurrent: ";
  for (std::size_t i = path.size(); i-- > static_cast<std::size_t>(seen_at[cur]);) {
    os << graph_[path[i]].id << " -> ";
  }
  os << graph_[path.back()].id
     << " (a recurrent connection must be declared with `recurrent` on the consumer)";
  throw NetworkError(graph_[cur].id, os.str());
}

void Network::derive_and_check_layer(Vertex v) {
  Layer& l = graph_[v];
  const std::string who = describe(l);
  check_sizes(l, who);
  // Collect producers per operand.
  std::vector<std::pair<Vertex, Operand>> inputs;
  int count_i = 0, count_x = 0, count_y = 0;
  for (auto [it, end] = boost::in_edges(v, graph_); it != end; ++it) {
    const TensorEdge& e = graph_[*it];
    const Vertex p = boost::source(*it, graph_);
    count_i += e.operand == Operand::I;
    count_x += e.operand == Operand::X;
    count_y += e.operand == Operand::Y;
    inputs.emplace_back(p, e.operand);
  }
  if (count_i > 1) throw NetworkError(l.id, who + ": more than one producer for input I");
  if (l.op == OpType::Add && (count_x != 1 || count_y != 1)) {
    throw NetworkError(l.id, who + ": an add needs exactly one producer for X and one for Y");
  }
  l.input_is_network_input = (l.op != OpType::Add && count_i == 0);
  if (l.op == OpType::Flatten && count_i == 0) {
    throw NetworkError(l.id, who + ": a flatten needs a producer (its input shape comes from it)");
  }

  for (const auto& [p, operand] : inputs)
    check_input_edge(graph_[p], operand, l, who);
  check_precisions(l, who);
  check_counters_fit(l, who);
}

void Network::finalize() {
  if (layer_count() == 0) throw NetworkError(-1, "the network has no layers");
  compute_topological_order();
  for (Vertex v : topo_)
    derive_and_check_layer(v);
  check_totals_fit();

  std::set<int> blocks;
  for (Vertex v : topo_)
    blocks.insert(graph_[v].block);
  block_count_ = *blocks.rbegin() + 1;
  for (int b = 0; b < block_count_; ++b) {
    if (blocks.count(b) == 0) {
      throw NetworkError(-1, "block ids must be contiguous from 0: no layer is in block " +
                                 std::to_string(b) + " but block " +
                                 std::to_string(block_count_ - 1) + " exists");
    }
  }
}

NetworkTotals Network::totals() const {
  // finalize() checked that these sums fit in 64 bits with every state kept, their maximum.
  NetworkTotals t;
  for (Vertex v : topo_) {
    const Layer& l = graph_[v];
    t.ops += l.ops();
    t.weight_bits += l.weight_bits();
    t.state_bits += l.state_bits();
    t.stateful_neurons += l.stateful_neurons();
  }
  return t;
}

void Network::check_totals_fit() const {
  std::uint64_t ops = 0, weights = 0, state = 0, io = 0;
  for (Vertex v : topo_) {
    const Layer& l = graph_[v];
    const std::uint64_t state_max = l.neurons() * l.precision.V * state_variables(l.neuron);
    const std::uint64_t io_bits =
        l.size(Dim::T) * (l.input_bits_per_timestep() + l.output_bits_per_timestep());
    if (__builtin_add_overflow(ops, l.ops(), &ops) ||
        __builtin_add_overflow(weights, l.weight_bits(), &weights) ||
        __builtin_add_overflow(state, state_max, &state) ||
        __builtin_add_overflow(io, io_bits, &io)) {
      throw NetworkError(l.id,
                         "the network totals (ops, weight, state or activation bits) "
                         "overflow a 64-bit counter at " +
                             describe(l) + "; the sizes are not plausible");
    }
  }
}

}  // namespace stems::workload
