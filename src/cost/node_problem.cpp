// Builds the NodeProblem of a node in stages: the node itself (loops, spatial unrolling, operands,
// temporal loop sizes), its memory nodes and ports, each operand's path through them; the
// per-level spatial stage is in spatial_levels.cpp.
#include "node_problem.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "node_builder.hpp"
#include "stems/cost/spatial_mapping.hpp"

namespace stems::cost::detail {

using workload::OpType;

namespace {

// Distinct input indices touched by A outputs and B kernel taps along one axis:
// A*B - max(0, B - s/g) * (A - d/g), g = gcd(s, d) (= (A-1)*s + (B-1)*d + 1 for dense windows),
// truncated to an integer as ZigZag does (A is fractional when an unrolling does not divide OX).
double extent(double A, double B, std::uint32_t s, std::uint32_t d) {
  if (d == 1) return std::trunc(A * B - std::max(0.0, B - s) * (A - 1));  // gcd(s, 1) = 1
  const double g = static_cast<double>(std::gcd(s, d));
  return std::trunc(A * B - std::max(0.0, B - s / g) * (A - d / g));
}

}  // namespace

// ZigZag's default port use, derived from the port counts: with two read (write) ports, reads to
// the level below and to the level above (writes from above and from below) use separate ports;
// with one, they share it; a level with only read/write ports splits (to-low, from-high) and
// (from-low, to-high) over two of them, or puts everything on one.
void assign_ports(MemNode& n) {
  const auto& p = n.level.ports;
  int next = 0;
  const int r0 = p.read > 0 ? next : -1;
  next += static_cast<int>(std::min<std::uint32_t>(p.read, 2));
  const int r1 = p.read >= 2 ? r0 + 1 : r0;
  const int w0 = p.write > 0 ? next : -1;
  next += static_cast<int>(std::min<std::uint32_t>(p.write, 2));
  const int w1 = p.write >= 2 ? w0 + 1 : w0;
  const int rw0 = p.read_write > 0 ? next : -1;
  next += static_cast<int>(std::min<std::uint32_t>(p.read_write, 2));
  const int rw1 = p.read_write >= 2 ? rw0 + 1 : rw0;
  auto pick = [](int a, int fallback) { return a >= 0 ? a : fallback; };
  n.port_of_direction[static_cast<int>(Direction::ReadToLow)] = pick(r0, rw0);
  n.port_of_direction[static_cast<int>(Direction::ReadToHigh)] = pick(r1, rw1);
  n.port_of_direction[static_cast<int>(Direction::WriteFromHigh)] = pick(w0, rw0);
  n.port_of_direction[static_cast<int>(Direction::WriteFromLow)] = pick(w1, rw1);
  for (std::size_t d = 0; d < hardware::kPortDirections; ++d) {  // port_allocation in the file
    if (n.level.port_of_direction[d] >= 0) n.port_of_direction[d] = n.level.port_of_direction[d];
  }
  n.port_count = std::max(next, 1);
  // Shared-port flags from the operands the level serves in hardware.
  n.port_shared_inputs.assign(static_cast<std::size_t>(n.port_count), false);
  n.port_shared_outputs.assign(static_cast<std::size_t>(n.port_count), false);
  for (int port = 0; port < n.port_count; ++port) {
    int inputs = 0, outputs = 0;
    for (MemOperand o : n.level.operands) {
      bool on_port = false;
      for (Direction d : kAllDirections) {
        on_port = on_port || n.port_of_direction[static_cast<int>(d)] == port;
      }
      if (!on_port) continue;
      if (o != MemOperand::O) ++inputs;
      if (o == MemOperand::O || o == MemOperand::V) ++outputs;
    }
    n.port_shared_inputs[static_cast<std::size_t>(port)] = inputs > 1;
    n.port_shared_outputs[static_cast<std::size_t>(port)] = outputs > 1;
  }
  n.shared_capacity = n.level.operands.size() > 1;
}

namespace {

hardware::MemoryLevel dram_level(const hardware::Dram& dram, const std::vector<MemOperand>& ops) {
  hardware::MemoryLevel m;
  m.name = dram.name;
  m.operands = ops;
  m.size_bits = dram.size_bits;
  m.read_bw_bits = dram.read_bw_bits;
  m.write_bw_bits = dram.write_bw_bits;
  m.min_read_bits = dram.read_bw_bits;
  m.min_write_bits = dram.write_bw_bits;
  m.read_energy_pJ = dram.read_energy_pJ;
  m.write_energy_pJ = dram.write_energy_pJ;
  m.ports = dram.ports;
  m.copies = 1;
  return m;
}

}  // namespace

double NodeProblem::elements(const OperandSetup& op, const DimProducts& p) const {
  double el = 1;
  bool partial = false;
  for (std::size_t d = 0; d < kDimCount; ++d) {
    if (op.rel[d] == Relevance::Relevant) el *= p[d];
    if (op.rel[d] == Relevance::Partial) partial = true;
  }
  if (partial) {
    const auto at = [&](Dim d) { return p[static_cast<std::size_t>(d)]; };
    const double ey = std::min(extent(at(Dim::OY), at(Dim::FY), layer.stride.y, layer.dilation.y),
                               static_cast<double>(total_in_y));
    const double ex = std::min(extent(at(Dim::OX), at(Dim::FX), layer.stride.x, layer.dilation.x),
                               static_cast<double>(total_in_x));
    el = el * ey * ex;  // in the reference's order (B, G, C, IY, IX)
  }
  return el;
}

std::vector<OperandSetup> node_operands(const workload::Layer& layer, const ModelPolicy& policy) {
  const RelevanceTable rel = relevance_table(layer);
  auto make = [&](MemOperand m, const char* name) {
    OperandSetup o;
    o.mem = m;
    o.layer_name = name;
    o.rel = rel[static_cast<std::size_t>(m)];
    return o;
  };
  std::vector<OperandSetup> ops;
  OperandSetup out = make(MemOperand::O, "O");
  out.output = true;
  out.stateful_output = layer.stateful();
  out.bits = layer.precision.O;
  out.final_bits = layer.precision.O;
  out.psum_bits = layer.output_psum_bits();
  ops.push_back(out);
  if (workload::has_weights(layer.op)) {
    OperandSetup w = make(MemOperand::W, "W");
    w.bits = layer.precision.W;
    ops.push_back(w);
  } else if (layer.op == OpType::Add) {
    OperandSetup x = make(MemOperand::W, "X");
    x.bits = layer.precision.I;
    ops.push_back(x);
  } else if (workload::is_pool(layer.op) && policy.pooling_window_as_weight) {
    // A pooling window is a weight operand of zero bits (as in STEMS): it moves no data but is
    // one of the node's input operands, which the loading-latency combination counts.
    OperandSetup w = make(MemOperand::W, "W");
    w.bits = 0;
    ops.push_back(w);
  }
  OperandSetup in = make(MemOperand::I, layer.op == OpType::Add ? "Y" : "I");
  in.bits = layer.precision.I;
  ops.push_back(in);
  if (layer.stateful()) {
    OperandSetup v = make(MemOperand::V, "V");
    v.state = true;
    v.bits = layer.precision.V * workload::state_variables(layer.neuron);
    ops.push_back(v);
  }
  return ops;
}

namespace {

// Everything about the node that does not depend on the memories: loops, spatial unrolling,
// operands, compute energy per op.
void describe_node(NodeProblem& pb, const workload::Layer& layer, const hardware::Core& core) {
  pb.layer = layer;
  pb.relevance = relevance_table(layer);
  pb.stateful = layer.stateful();
  pb.spatial = spatial_mapping(layer, core);
  for (const auto& u : pb.spatial) {
    pb.fractional_unrolling =
        pb.fractional_unrolling || u.factor != static_cast<double>(u.factor_int);
  }
  pb.total_in_y = layer.input_bound_y();
  pb.total_in_x = layer.input_bound_x();
  pb.pe_count = core.array.pe_count();
  pb.multi_bit_macs = workload::has_weights(layer.op) && layer.precision.I > 1;
  pb.mac_energy_per_op_pJ =
      pb.multi_bit_macs ? core.array.mac_energy_pJ : core.array.accumulate_energy_pJ;
  pb.operands = node_operands(layer, pb.policy);
  double out_elements = 1;
  for (Dim d : workload::kAllDims) {
    if (pb.operands[0].is_relevant(d)) out_elements *= static_cast<double>(layer.size(d));
  }
  pb.total_output_elements = out_elements;
  for (Dim d : workload::kAllDims) {
    const std::uint64_t q = temporal_size(layer, pb.spatial, d);
    if (q > 1) pb.temporal.push_back(Loop{d, q});
  }
}

}  // namespace

std::vector<int> add_memory_nodes(NodeProblem& pb, const hardware::Core& core,
                                  const hardware::Dram& dram, double dram_link_bits_per_cycle) {
  std::vector<int> node_of_level(core.memories.size(), -1);
  for (std::size_t i = 0; i < core.memories.size(); ++i) {
    bool used = false;
    for (const auto& op : pb.operands)
      used = used || core.memories[i].serves(op.mem);
    if (!used) continue;
    MemNode n;
    n.level = core.memories[i];
    n.stream_read_bits_per_cycle = static_cast<double>(n.level.read_bw_bits);
    n.stream_write_bits_per_cycle = static_cast<double>(n.level.write_bw_bits);
    node_of_level[i] = static_cast<int>(pb.nodes.size());
    pb.nodes.push_back(n);
  }
  if (!pb.too_large.empty()) {
    MemNode n;
    n.level = dram_level(dram, pb.too_large);
    n.offchip = true;
    n.stream_read_bits_per_cycle = static_cast<double>(dram.read_bw_bits);
    n.stream_write_bits_per_cycle = static_cast<double>(dram.write_bw_bits);
    // Physical: the data crosses the core's DRAM link, so it streams no faster than the link.
    if (!pb.policy.dram_stream_at_dram_width && dram_link_bits_per_cycle > 0) {
      n.stream_read_bits_per_cycle =
          std::min(n.stream_read_bits_per_cycle, dram_link_bits_per_cycle);
      n.stream_write_bits_per_cycle =
          std::min(n.stream_write_bits_per_cycle, dram_link_bits_per_cycle);
    }
    pb.nodes.push_back(n);
  }
  pb.port_count = 0;
  for (auto& n : pb.nodes) {
    assign_ports(n);
    n.first_port = pb.port_count;
    pb.port_count += static_cast<std::size_t>(n.port_count);
  }
  return node_of_level;
}

void attach_path(NodeProblem& pb, std::size_t operand, const hardware::Core& core,
                 const std::vector<int>& node_of_level) {
  OperandSetup& op = pb.operands[operand];
  for (std::size_t li : core.hierarchy(op.mem))
    op.nodes.push_back(node_of_level[li]);
  if (op.nodes.empty()) {
    throw std::invalid_argument("core '" + core.name + "' has no memory level for operand " +
                                std::string(hardware::mem_operand_name(op.mem)) +
                                " needed by layer " + std::to_string(pb.layer.id));
  }
  const bool streamed =
      std::find(pb.too_large.begin(), pb.too_large.end(), op.mem) != pb.too_large.end();
  if (streamed) op.nodes.push_back(static_cast<int>(pb.nodes.size()) - 1);  // DRAM comes last
  for (std::size_t m = 0; m < op.nodes.size(); ++m) {
    pb.nodes[static_cast<std::size_t>(op.nodes[m])].users.push_back(
        NodeUser{operand, m, m + 1 == op.nodes.size(), streamed && m + 2 == op.nodes.size()});
  }
}

namespace {

// A shared level's users in the order the level lists its operands (ZigZag's allocator visits
// them so: the first is the most significant digit of the joint choice, whose ties go to the
// last combination).
void order_users(NodeProblem& pb) {
  for (MemNode& n : pb.nodes) {
    const auto& listed = n.level.operands;
    auto rank = [&](const NodeUser& u) {
      const MemOperand m = pb.operands[u.operand].mem;
      return std::find(listed.begin(), listed.end(), m) - listed.begin();
    };
    std::stable_sort(n.users.begin(), n.users.end(),
                     [&](const NodeUser& a, const NodeUser& b) { return rank(a) < rank(b); });
  }
}

}  // namespace

NodeProblem build_problem(const workload::Layer& layer, const hardware::Core& core,
                          const hardware::Dram& dram, const std::vector<MemOperand>& too_large,
                          const ModelPolicy& policy, double dram_link_bits_per_cycle) {
  NodeProblem pb;
  pb.too_large = too_large;
  pb.policy = policy;
  describe_node(pb, layer, core);
  const std::vector<int> node_of_level = add_memory_nodes(pb, core, dram, dram_link_bits_per_cycle);
  for (std::size_t o = 0; o < pb.operands.size(); ++o) {
    attach_path(pb, o, core, node_of_level);
    OperandSetup& op = pb.operands[o];
    place_spatial_loops(pb, op);
    op.unit_count = active_copies(op.smap);
    op.bw_boost = fanout_boosts(pb, op, false);
    op.bw_boost_int = fanout_boosts(pb, op, true);
  }
  order_users(pb);
  return pb;
}

}  // namespace stems::cost::detail
