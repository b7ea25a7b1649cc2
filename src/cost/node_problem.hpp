#pragma once
// Private to src/cost: the prepared description of one computation node on one core that the
// loop-nest search evaluates ordering after ordering. Built once per node (node_problem.cpp);
// everything that does not depend on the loop ordering is precomputed here.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "stems/cost/model_policy.hpp"
#include "stems/cost/node_cost.hpp"
#include "stems/cost/relevance.hpp"
#include "stems/workload/layer.hpp"

namespace stems::cost::detail {

using workload::Dim;
using workload::kDimCount;

// Cumulative loop products per dimension (fractional where the spatial unrolling is).
using DimProducts = std::array<double, kDimCount>;
inline DimProducts unit_products() {
  DimProducts p;
  p.fill(1.0);
  return p;
}

struct SpatialLoop {
  Dim dim = Dim::K;
  double factor = 1;
  std::uint64_t factor_int = 1;
};

// An operand served by a memory node, at one level of its path.
struct NodeUser {
  std::size_t operand = 0;  // index into NodeProblem::operands
  std::size_t level = 0;    // level m within that operand's path
  bool top = false;         // the operand's top level: it holds every loop left
  bool below_dram = false;  // the operand streams from DRAM, the level right above this one
};

// One memory level as the node sees it (a core level, or the DRAM added for too-large operands).
struct MemNode {
  hardware::MemoryLevel level;
  bool offchip = false;
  std::vector<NodeUser> users;                       // in operand order
  std::array<int, 4> port_of_direction{0, 0, 0, 0};  // per Direction
  int port_count = 1;
  std::size_t first_port = 0;  // index of port 0 among all ports of the problem
  // Per port: whether it carries more than one input-type (W, I, V) / output-type (O, V) memory
  // operand in the hardware (ZigZag's "shared port" test for the loading/offloading latency).
  std::vector<bool> port_shared_inputs;
  std::vector<bool> port_shared_outputs;
  bool shared_capacity = false;  // serves more than one memory operand (utilisation is summed)
  // Bits per cycle the level moves per port (timing only; energy counts accesses of the level's
  // width): the level's width, or for the DRAM at most the core's DRAM link bandwidth
  // (policy.dram_stream_at_dram_width off).
  double stream_read_bits_per_cycle = 0;
  double stream_write_bits_per_cycle = 0;
};

struct OperandSetup {
  MemOperand mem = MemOperand::W;
  const char* layer_name = "";  // a string literal
  std::array<Relevance, kDimCount> rel{};
  bool output = false;  // O
  bool state = false;   // V
  bool stateful_output = false;
  std::uint32_t bits = 0;        // precision of W/I/V, and of a stateful O
  std::uint32_t psum_bits = 0;   // stateless O while reductions are incomplete
  std::uint32_t final_bits = 0;  // stateless O once final
  std::vector<int> nodes;        // MemNode index per level, innermost first
  // smap[m], m = 0..M: unrolled loops below level m (m = M: above the top level).
  std::vector<std::vector<SpatialLoop>> smap;
  std::vector<double> unit_count;    // a = 0..M: active instances (a = m+1: copies of level m)
  std::vector<double> bw_boost;      // m = 0..M-1, plus 1 at M (fractional mapping)
  std::vector<double> bw_boost_int;  // the same with the ceil'ed unrolling (latency)
  bool is_relevant(Dim d) const { return rel[static_cast<std::size_t>(d)] == Relevance::Relevant; }
  bool is_irrelevant(Dim d) const {
    return rel[static_cast<std::size_t>(d)] == Relevance::Irrelevant;
  }
  std::size_t levels() const { return nodes.size(); }
};

struct NodeProblem {
  workload::Layer layer;
  RelevanceTable relevance{};
  bool stateful = false;
  std::vector<SpatialUnroll> spatial;
  bool fractional_unrolling = false;   // some unrolling does not divide its loop
  std::vector<Loop> temporal;          // temporal loop sizes after the unrolling (ceil), sizes > 1
  std::vector<OperandSetup> operands;  // order: O, W, I, V (ZigZag's order for double buffering)
  std::vector<MemNode> nodes;          // allocation order: core levels innermost first, then DRAM
  std::size_t port_count = 0;          // ports of all memory nodes together
  double total_output_elements = 0;    // |O| of the node
  std::uint64_t total_in_y = 1;        // input extents with halo (pr clipping)
  std::uint64_t total_in_x = 1;
  std::uint64_t pe_count = 1;
  double mac_energy_per_op_pJ = 0;
  bool multi_bit_macs = false;
  std::vector<MemOperand> too_large;
  ModelPolicy policy;  // the node fields decide the search and the model's quirks

  // Elements of operand `op` covered by loops with cumulative products `p` (r dims multiplied,
  // pr dims as input extents clipped to the node's input size).
  double elements(const OperandSetup& op, const DimProducts& p) const;
};

}  // namespace stems::cost::detail
