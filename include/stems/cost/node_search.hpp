#pragma once
// The intra-layer cost model's entry point: for one computation node (a layer, or a tile of it cut
// along T and/or OX) on one core, find the minimum-energy loop nest (ties: lower latency incl.
// offloading, then the first ordering in enumeration order) and return its cost breakdown.
//
// Model (STEMS's modified ZigZag 2.4.5, see README "Cost model"): spatial mapping from the core's
// dataflow; LOMA temporal orderings (lpf_limit); greedy bottom-up allocation of loops to each
// operand's memory levels by capacity (shared levels jointly); V as a read-modify-write operand
// reused across T; stateful O written once as 1-bit spikes; stateless O as partial sums until the
// reductions are done; ZigZag's latency (ideal temporal cycles + port stalls + loading). Operands
// that do not fit the core's top on-chip level together get the DRAM as an extra top level.
// The model's stages (spatial levels, allocation, tile sizes per level, access counts, energy,
// stalls, loading/offloading) are private to src/cost; node_model.cpp chains them.

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "stems/cost/criterion.hpp"
#include "stems/cost/model_policy.hpp"
#include "stems/cost/node_cost.hpp"
#include "stems/hardware/accelerator.hpp"
#include "stems/workload/layer.hpp"

namespace stems::cost {

struct NodeSearchOptions {
  std::size_t lpf_limit = 6;  // LOMA: at most max(lpf_limit, temporal dims) loop factors
  // The cost model (`--model`): the node cache is keyed by it and the scheduler reads its
  // schedule fields from the cache's options, so one object decides the whole evaluation.
  ModelPolicy policy = ModelPolicy::physical();
  Criterion criterion = Criterion::Energy;  // which loop nest is best (criterion.hpp)
  // Break LOMA's prime-factor merge ties in ZigZag's loop-dimension key order
  // (zigzag_dim_order) instead of the enum order.
  bool zigzag_dim_order = false;
  // The DRAM as the top level of every operand (ZigZag's evaluation of a layer on its own: it
  // starts and ends in DRAM), instead of only for operands too large for the core.
  bool dram_top_for_all = false;
};

// Bits each operand occupies in the top memory for the capacity check, when the caller knows
// better than the node's own tensor sizes (the scheduler passes the sum of the in-edge bits of a
// variable input, as Stream does). Indexed by MemOperand.
using OperandBits = std::array<std::optional<std::uint64_t>, hardware::kMemOperandCount>;

// A set of MemOperands (bit i: MemOperand i), e.g. the operands a node must stream from DRAM.
using OperandMask = std::uint8_t;
constexpr OperandMask operand_bit(MemOperand m) {
  return static_cast<OperandMask>(1U << static_cast<unsigned>(m));
}

// Operands too large for the core's top on-chip memory under policy.all_or_nothing_too_large
// (stems_model.md 4.7a): if W + V + O +
// inputs exceed a top level, the largest ones that do not fit are kept off-chip, plus more while
// the remaining space cannot hold their spatially unrolled tile.
std::vector<MemOperand> too_large_operands(const workload::Layer& node, const hardware::Core& core,
                                           const OperandBits& bits = {},
                                           const ModelPolicy& policy = ModelPolicy::physical());

// Throws InputError (where = "layer <id> on core '<name>'") when no loop ordering fits the memory
// hierarchy or the core lacks a level for an operand of the node.
// `dram_link_bits_per_cycle`: the bandwidth of the core's link to DRAM (0: unknown, no bound),
// which bounds the timing of in-node DRAM streaming (dram_link_bandwidth()).
// `must_stream`: operands the node must read and write from DRAM even if they fit on chip (the
// scheduler's choice for a state that has no room; ModelPolicy::state_fetch_evicts_live).
NodeCost search_node(const workload::Layer& node, const hardware::Core& core,
                     const hardware::Dram& dram, const OperandBits& bits = {},
                     const NodeSearchOptions& options = {}, double dram_link_bits_per_cycle = 0,
                     OperandMask must_stream = 0);

// The bandwidth of core `core`'s link to the DRAM, 0 when it has none.
double dram_link_bandwidth(const hardware::Accelerator& acc, const hardware::Core& core);

}  // namespace stems::cost
