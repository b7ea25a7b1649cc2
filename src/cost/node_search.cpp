#include "stems/cost/node_search.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>

#include "node_builder.hpp"
#include "ordering_search.hpp"
#include "stems/common/error.hpp"

namespace stems::cost {

using workload::Dim;

namespace {

std::string where(const workload::Layer& node, const hardware::Core& core) {
  return "layer " + std::to_string(node.id) + " on core '" + core.name + "'";
}

}  // namespace

namespace {

// Full and spatially unrolled tensor sizes of a node's operands, in bits (the capacity check).
struct OperandSizes {
  const workload::Layer& node;
  const hardware::Core& core;
  const OperandBits& bits;
  detail::NodeProblem geometry;

  // `final_outputs`: a resident output counts at its final precision (physical; the loop-nest
  // search then checks the top level with the precision each ordering keeps there, partial sums
  // when a reduction loop is allocated to it); otherwise a stateless output counts at its
  // partial-sum precision whole (STEMS's capacity check: a 12-bit psum for every spike of every
  // timestep, so that dropping a layer's state could send its output to DRAM).
  OperandSizes(const workload::Layer& n, const hardware::Core& c, const OperandBits& b,
               bool final_outputs = false)
      : node(n), core(c), bits(b), final_outputs(final_outputs) {
    geometry.layer = n;
    geometry.total_in_y = n.input_bound_y();
    geometry.total_in_x = n.input_bound_x();
  }
  bool final_outputs = false;
  double precision(const detail::OperandSetup& op) const {
    return op.output && !op.stateful_output && !final_outputs ? op.psum_bits : op.bits;
  }
  // The whole tensor (or what the producers deliver, when the caller says so).
  double full_bits(const detail::OperandSetup& op) const {
    if (auto b = bits[static_cast<std::size_t>(op.mem)]) return static_cast<double>(*b);
    detail::DimProducts p = detail::unit_products();
    for (Dim d : workload::kAllDims)
      p[static_cast<std::size_t>(d)] = double(node.size(d));
    return std::round(geometry.elements(op, p)) * precision(op);
  }
  // The unclipped spatial tile (what must stay on chip to compute at all).
  double spatial_bits(const detail::OperandSetup& op) const {
    detail::DimProducts p = detail::unit_products();
    for (const hardware::ArrayUnroll& au : core.unrolling_for(node.op)) {
      const std::uint64_t size = au.size ? au.size : core.array.dims[au.array_dim].size;
      p[static_cast<std::size_t>(au.dim)] *= double(size);
    }
    return std::round(geometry.elements(op, p)) * precision(op);
  }
};

// The distinct top on-chip levels of the node's operands.
std::vector<std::size_t> top_levels(const std::vector<detail::OperandSetup>& ops,
                                    const hardware::Core& core) {
  std::vector<std::size_t> tops;
  for (const auto& op : ops) {
    if (auto t = core.top_level(op.mem)) {
      if (std::find(tops.begin(), tops.end(), *t) == tops.end()) tops.push_back(*t);
    }
  }
  return tops;
}

}  // namespace

std::vector<MemOperand> too_large_operands(const workload::Layer& node, const hardware::Core& core,
                                           const OperandBits& bits, const ModelPolicy& policy) {
  const auto ops = detail::node_operands(node, policy);
  const OperandSizes sizes(node, core, bits);
  std::vector<MemOperand> off;
  for (std::size_t t : top_levels(ops, core)) {
    const auto& mem = core.memories[t];
    // In the order the level lists its operands (ties in the size sort keep that order).
    std::vector<std::pair<double, const detail::OperandSetup*>> served;
    for (MemOperand m : mem.operands) {
      for (const auto& op : ops) {
        if (op.mem == m && core.top_level(op.mem) == t)
          served.emplace_back(sizes.full_bits(op), &op);
      }
    }
    double sum = 0;
    for (const auto& s : served)
      sum += s.first;
    const double cap = static_cast<double>(mem.size_bits);
    if (sum <= cap) continue;
    std::stable_sort(served.begin(), served.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::size_t kept = 0;
    double kept_bits = 0;
    while (kept < served.size() && kept_bits + served[kept].first <= cap) {
      kept_bits += served[kept].first;
      ++kept;
    }
    while (kept > 0 && kept < served.size()) {
      double req = 0;
      for (std::size_t i = kept; i < served.size(); ++i)
        req += sizes.spatial_bits(*served[i].second);
      if (cap - kept_bits >= req) break;
      --kept;  // the largest kept operand goes off-chip too
      kept_bits -= served[kept].first;
    }
    for (std::size_t i = kept; i < served.size(); ++i) {
      if (std::find(off.begin(), off.end(), served[i].second->mem) == off.end()) {
        off.push_back(served[i].second->mem);
      }
    }
  }
  return off;
}

namespace {

// Searches the loop nests of `node` for one set of too-large operands at a time, counting every
// ordering evaluated; keeps the last problem searched and its best ordering.
class NodeSearch {
 public:
  NodeSearch(const workload::Layer& node, const hardware::Core& core, const hardware::Dram& dram,
             const NodeSearchOptions& options, double dram_link_bits_per_cycle)
      : node_(node),
        core_(core),
        dram_(dram),
        options_(options),
        dram_link_bits_per_cycle_(dram_link_bits_per_cycle) {}

  // False when no ordering fits with these operands off-chip.
  bool attempt(const std::vector<MemOperand>& too_large) {
    try {
      pb_ = detail::build_problem(node_, core_, dram_, too_large, options_.policy,
                                  dram_link_bits_per_cycle_);
    } catch (const std::invalid_argument& e) {
      throw InputError(where(node_, core_), e.what());
    }
    const std::vector<Dim> tie_order =
        options_.zigzag_dim_order ? zigzag_dim_order(node_.op) : std::vector<Dim>{};
    const detail::OrderingChoice choice =
        detail::search_orderings(pb_, options_.lpf_limit, scratch_, options_.criterion,
                                 tie_order);  // reads pb_.policy
    evaluated_ += choice.evaluated;
    if (choice.found) {
      best_ = choice.best;
      best_copies_ = choice.best_state_copies;
      best_cap_bits_ = choice.best_streamed_cap_bits;
    }
    return choice.found;
  }

  std::uint64_t evaluated() const { return evaluated_; }

  // The full breakdown of the best ordering of the last successful attempt.
  NodeCost best_cost(bool escalated) {
    NodeCost cost;
    scratch_.streamed_cap_bits = best_cap_bits_;
    detail::evaluate_ordering(pb_, best_, scratch_, &cost, std::numeric_limits<double>::infinity(),
                              best_copies_);
    scratch_.streamed_cap_bits = std::numeric_limits<double>::infinity();
    cost.orderings_evaluated = evaluated_;
    cost.too_large_escalated = escalated;
    // The neuron update (leak, threshold, reset) of every stateful neuron at every timestep: the
    // same for every loop nest, so it does not take part in the search.
    if (options_.policy.neuron_update_energy && pb_.stateful) {
      cost.neuron_energy_pJ = pb_.total_output_elements * core_.neuron_update_energy_pJ;
      cost.energy_pJ += cost.neuron_energy_pJ;
    }
    return cost;
  }

 private:
  const workload::Layer& node_;
  const hardware::Core& core_;
  const hardware::Dram& dram_;
  NodeSearchOptions options_;
  double dram_link_bits_per_cycle_ = 0;
  detail::NodeProblem pb_;
  detail::Scratch scratch_;
  std::vector<Loop> best_;
  double best_copies_ = 1;
  double best_cap_bits_ = std::numeric_limits<double>::infinity();  // Scratch::streamed_cap_bits
  std::uint64_t evaluated_ = 0;
};

// The operand with the widest elements still on chip (the next to move off-chip), or null.
const detail::OperandSetup* widest_on_chip(const std::vector<detail::OperandSetup>& ops,
                                           const std::vector<MemOperand>& too_large,
                                           const hardware::Core& core) {
  const detail::OperandSetup* widest = nullptr;
  for (const auto& op : ops) {
    if (std::find(too_large.begin(), too_large.end(), op.mem) != too_large.end()) continue;
    if (!core.top_level(op.mem) || op.bits == 0) continue;
    if (!widest || op.bits > widest->bits) widest = &op;
  }
  return widest;
}

// The reference's capacity check counts a variable input as the bits its producers deliver,
// which for a fused tile lacks the halo the loop nest actually reads. When that leaves no
// feasible loop nest, check again with the node's own input tile and, failing that, move the
// widest remaining on-chip operand off-chip until a loop nest fits. Sets `escalated` when the
// set of too-large operands grew.
bool escalate(NodeSearch& search, const workload::Layer& node, const hardware::Core& core,
              const OperandBits& bits, const ModelPolicy& policy,
              std::vector<MemOperand>& too_large, bool& escalated) {
  OperandBits own = bits;
  for (auto& b : own)
    b.reset();
  auto retry = too_large_operands(node, core, own, policy);
  for (MemOperand m : too_large) {
    if (std::find(retry.begin(), retry.end(), m) == retry.end()) retry.push_back(m);
  }
  bool found = false;
  if (retry != too_large) {
    too_large = retry;
    escalated = true;
    found = search.attempt(too_large);
  }
  const auto ops = detail::node_operands(node, policy);
  while (!found) {
    const detail::OperandSetup* widest = widest_on_chip(ops, too_large, core);
    if (!widest) break;
    too_large.push_back(widest->mem);
    escalated = true;
    found = search.attempt(too_large);
  }
  return found;
}

// Whether the node's operands fit their top levels when those of `streamed` (a bit per operand of
// `movable`) keep only their spatial tile there and the others all of their tensor.
bool split_fits(const OperandSizes& sizes, const std::vector<std::size_t>& tops,
                const std::vector<const detail::OperandSetup*>& movable, std::size_t streamed) {
  for (std::size_t t : tops) {
    double sum = 0;
    for (std::size_t i = 0; i < movable.size(); ++i) {
      if (sizes.core.top_level(movable[i]->mem) != t) continue;
      sum += (streamed >> i & 1U) ? sizes.spatial_bits(*movable[i]) : sizes.full_bits(*movable[i]);
    }
    if (sum > static_cast<double>(sizes.core.memories[t].size_bits)) return false;
  }
  return true;
}

// What moving a resident operand on or off chip once costs (DRAM and top-level accesses): an
// input is read from DRAM, an output written there, a state both. Only to compare splits: the
// scheduler charges the moves it actually makes.
double resident_move_pJ(const OperandSizes& sizes, const hardware::Dram& dram,
                        const detail::OperandSetup& op) {
  const double bits = sizes.full_bits(op);
  const auto whole = static_cast<std::uint64_t>(bits);
  const hardware::MemoryLevel& top = sizes.core.memories[*sizes.core.top_level(op.mem)];
  const double top_write = std::ceil(bits / double(top.write_bw_bits)) * top.write_energy_pJ;
  const double top_read = std::ceil(bits / double(top.read_bw_bits)) * top.read_energy_pJ;
  double pJ = 0;
  if (!op.output || op.state) pJ += dram.read_energy_pJ_for(whole) + top_write;
  if (op.output || op.state) pJ += top_read + dram.write_energy_pJ_for(whole);
  return pJ;
}

// Physical (policy.all_or_nothing_too_large off): the operands that do not fit on chip stream
// from DRAM, DRAM being an extra level above their top on-chip level whose tile the loop-nest
// allocation sizes. Every split of the movable operands into resident and streamed whose resident
// tensors (and the streamed ones' spatial tiles) fit is searched, and the one with the least node
// energy plus the resident ones' moves wins (ties: the first, fewest streamed bits in mask order).
// A larger top level only adds splits, so a mapping found with a smaller buffer stays available.
// When everything fits, nothing streams: with the same loop nest a streamed operand adds DRAM
// and top-level traffic to what keeping it costs, so the other splits are not searched.
// Operands in `must_stream` stream in every split tried.
std::optional<NodeCost> least_energy_split(NodeSearch& search, const workload::Layer& node,
                                           const hardware::Core& core, const hardware::Dram& dram,
                                           const OperandBits& bits, const ModelPolicy& policy,
                                           OperandMask must_stream) {
  const auto ops = detail::node_operands(node, policy);
  const OperandSizes sizes(node, core, bits, /*final_outputs=*/true);
  std::vector<const detail::OperandSetup*> movable;
  for (const auto& op : ops) {
    if (core.top_level(op.mem) && op.bits > 0) movable.push_back(&op);
  }
  const std::vector<std::size_t> tops = top_levels(ops, core);
  std::optional<NodeCost> best;
  double best_pJ = std::numeric_limits<double>::infinity();
  std::size_t required = 0;  // the splits' bits of the must-stream operands
  for (std::size_t i = 0; i < movable.size(); ++i) {
    if ((must_stream & operand_bit(movable[i]->mem)) != 0) required |= std::size_t{1} << i;
  }
  std::vector<MemOperand> streamed;
  for (std::size_t mask = 0; mask < (std::size_t{1} << movable.size()); ++mask) {
    if ((mask & required) != required || !split_fits(sizes, tops, movable, mask)) continue;
    streamed.clear();
    double moves_pJ = 0;
    for (std::size_t i = 0; i < movable.size(); ++i) {
      if (mask >> i & 1U) {
        streamed.push_back(movable[i]->mem);
      } else {
        moves_pJ += resident_move_pJ(sizes, dram, *movable[i]);
      }
    }
    if (!search.attempt(streamed)) continue;
    NodeCost c = search.best_cost(false);
    if (c.energy_pJ + moves_pJ < best_pJ) {
      best_pJ = c.energy_pJ + moves_pJ;
      best = std::move(c);
    }
    if (mask == 0) break;  // everything fits
  }
  if (best) best->orderings_evaluated = search.evaluated();
  return best;
}

// Why no loop nest fits: names the level that cannot hold even one element, the usual cause.
std::string infeasible_cause(const workload::Layer& node, const hardware::Core& core,
                             const ModelPolicy& policy) {
  for (const auto& op : detail::node_operands(node, policy)) {
    const auto h = core.hierarchy(op.mem);
    const std::uint32_t bits = op.output && !op.stateful_output ? op.psum_bits : op.bits;
    if (!h.empty() && core.memories[h.front()].size_bits < bits) {
      return "operand " + std::string(hardware::mem_operand_name(op.mem)) + " needs " +
             std::to_string(bits) + "-bit elements but its innermost level '" +
             core.memories[h.front()].name + "' holds " +
             std::to_string(core.memories[h.front()].size_bits) +
             " bits (lower the precision or use other hardware)";
    }
  }
  return "a level is too small for the spatially unrolled tile";
}

}  // namespace

NodeCost search_node(const workload::Layer& node, const hardware::Core& core,
                     const hardware::Dram& dram, const OperandBits& bits,
                     const NodeSearchOptions& options, double dram_link_bits_per_cycle,
                     OperandMask must_stream) {
  if (node.op == workload::OpType::Flatten) {
    return NodeCost{};  // a flatten only renames indices: no compute, no data movement
  }
  NodeSearch search(node, core, dram, options, dram_link_bits_per_cycle);
  const ModelPolicy& policy = options.policy;
  if (options.dram_top_for_all) {
    std::vector<MemOperand> all;
    for (const auto& op : detail::node_operands(node, policy))
      all.push_back(op.mem);
    if (!search.attempt(all)) {
      throw Infeasible(where(node, core),
                       "no loop ordering fits the memory hierarchy (DRAM on top of every "
                       "operand): " +
                           infeasible_cause(node, core, policy));
    }
    return search.best_cost(false);
  }
  if (!policy.all_or_nothing_too_large) {
    if (auto best = least_energy_split(search, node, core, dram, bits, policy, must_stream)) {
      return *best;
    }
    // No split fits (the producers' bits lack a fused tile's halo): as below.
  }
  std::vector<MemOperand> too_large = too_large_operands(node, core, bits, policy);
  for (const auto& op : detail::node_operands(node, policy)) {
    const bool listed = std::find(too_large.begin(), too_large.end(), op.mem) != too_large.end();
    if ((must_stream & operand_bit(op.mem)) != 0 && !listed) too_large.push_back(op.mem);
  }
  bool escalated = false;
  const bool found =
      search.attempt(too_large) || escalate(search, node, core, bits, policy, too_large, escalated);
  if (!found) {
    throw Infeasible(where(node, core),
                     "no loop ordering fits the memory hierarchy (" +
                         std::to_string(search.evaluated()) +
                         " orderings tried, even with every operand's top level in DRAM): " +
                         infeasible_cause(node, core, policy));
  }
  return search.best_cost(escalated);
}

double dram_link_bandwidth(const hardware::Accelerator& acc, const hardware::Core& core) {
  const hardware::Link* link = acc.link_between(core.name, acc.dram.name);
  if (!link) link = acc.link_between(acc.dram.name, core.name);
  return link ? link->bandwidth_bits_per_cycle : 0;
}

}  // namespace stems::cost
