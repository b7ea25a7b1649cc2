#include "stems/cost/node_search.hpp"

#include <algorithm>
#include <cmath>
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

std::vector<MemOperand> too_large_operands(const workload::Layer& node, const hardware::Core& core,
                                           const OperandBits& bits) {
  const auto ops = detail::node_operands(node);
  // Full tensor sizes of the node's operands, in bits.
  detail::NodeProblem geometry;
  geometry.layer = node;
  geometry.total_in_y = node.input_bound_y();
  geometry.total_in_x = node.input_bound_x();
  auto full_bits = [&](const detail::OperandSetup& op) -> double {
    if (auto b = bits[static_cast<std::size_t>(op.mem)]) return static_cast<double>(*b);
    detail::DimProducts p = detail::unit_products();
    for (Dim d : workload::kAllDims)
      p[static_cast<std::size_t>(d)] = double(node.size(d));
    const double prec = op.output ? (op.stateful_output ? op.bits : op.psum_bits) : op.bits;
    return std::round(geometry.elements(op, p)) * prec;
  };
  // The unclipped spatial tile of an operand (what must stay on chip to compute at all).
  auto spatial_bits = [&](const detail::OperandSetup& op) -> double {
    detail::DimProducts p = detail::unit_products();
    for (const hardware::ArrayUnroll& au : core.unrolling_for(node.op)) {
      const std::uint64_t size = au.size ? au.size : core.array.dims[au.array_dim].size;
      p[static_cast<std::size_t>(au.dim)] *= double(size);
    }
    const double prec = op.output ? (op.stateful_output ? op.bits : op.psum_bits) : op.bits;
    return std::round(geometry.elements(op, p)) * prec;
  };

  std::vector<MemOperand> off;
  std::vector<std::size_t> tops;
  for (const auto& op : ops) {
    if (auto t = core.top_level(op.mem)) {
      if (std::find(tops.begin(), tops.end(), *t) == tops.end()) tops.push_back(*t);
    }
  }
  for (std::size_t t : tops) {
    const auto& mem = core.memories[t];
    // In the order the level lists its operands (ties in the size sort keep that order).
    std::vector<std::pair<double, const detail::OperandSetup*>> served;
    for (MemOperand m : mem.operands) {
      for (const auto& op : ops) {
        if (op.mem == m && core.top_level(op.mem) == t) served.emplace_back(full_bits(op), &op);
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
        req += spatial_bits(*served[i].second);
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
             const NodeSearchOptions& options)
      : node_(node), core_(core), dram_(dram), options_(options) {}

  // False when no ordering fits with these operands off-chip.
  bool attempt(const std::vector<MemOperand>& too_large) {
    try {
      pb_ = detail::build_problem(node_, core_, dram_, too_large);
    } catch (const std::invalid_argument& e) {
      throw InputError(where(node_, core_), e.what());
    }
    const std::vector<Dim> tie_order =
        options_.zigzag_dim_order ? zigzag_dim_order(node_.op) : std::vector<Dim>{};
    const detail::OrderingChoice choice =
        detail::search_orderings(pb_, options_.lpf_limit, scratch_, options_.criterion, tie_order);
    evaluated_ += choice.evaluated;
    if (choice.found) best_ = choice.best;
    return choice.found;
  }

  std::uint64_t evaluated() const { return evaluated_; }

  // The full breakdown of the best ordering of the last successful attempt.
  NodeCost best_cost(bool escalated) {
    NodeCost cost;
    detail::evaluate_ordering(pb_, best_, scratch_, &cost);
    cost.orderings_evaluated = evaluated_;
    cost.too_large_escalated = escalated;
    return cost;
  }

 private:
  const workload::Layer& node_;
  const hardware::Core& core_;
  const hardware::Dram& dram_;
  NodeSearchOptions options_;
  detail::NodeProblem pb_;
  detail::Scratch scratch_;
  std::vector<Loop> best_;
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
              const OperandBits& bits, std::vector<MemOperand>& too_large, bool& escalated) {
  OperandBits own = bits;
  for (auto& b : own)
    b.reset();
  auto retry = too_large_operands(node, core, own);
  for (MemOperand m : too_large) {
    if (std::find(retry.begin(), retry.end(), m) == retry.end()) retry.push_back(m);
  }
  bool found = false;
  if (retry != too_large) {
    too_large = retry;
    escalated = true;
    found = search.attempt(too_large);
  }
  const auto ops = detail::node_operands(node);
  while (!found) {
    const detail::OperandSetup* widest = widest_on_chip(ops, too_large, core);
    if (!widest) break;
    too_large.push_back(widest->mem);
    escalated = true;
    found = search.attempt(too_large);
  }
  return found;
}

// Why no loop nest fits: names the level that cannot hold even one element, the usual cause.
std::string infeasible_cause(const workload::Layer& node, const hardware::Core& core) {
  for (const auto& op : detail::node_operands(node)) {
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
                     const NodeSearchOptions& options) {
  if (node.op == workload::OpType::Flatten) {
    return NodeCost{};  // a flatten only renames indices: no compute, no data movement
  }
  NodeSearch search(node, core, dram, options);
  std::vector<MemOperand> too_large;
  if (options.dram_top_for_all) {
    for (const auto& op : detail::node_operands(node))
      too_large.push_back(op.mem);
    if (!search.attempt(too_large)) {
      throw Infeasible(where(node, core),
                       "no loop ordering fits the memory hierarchy (DRAM on "
                       "top of every operand): " +
                           infeasible_cause(node, core));
    }
    return search.best_cost(false);
  }
  too_large = too_large_operands(node, core, bits);
  bool escalated = false;
  const bool found =
      search.attempt(too_large) || escalate(search, node, core, bits, too_large, escalated);
  if (!found) {
    throw Infeasible(where(node, core),
                     "no loop ordering fits the memory hierarchy (" +
                         std::to_string(search.evaluated()) +
                         " orderings tried, even with every operand's top level in DRAM): " +
                         infeasible_cause(node, core));
  }
  return search.best_cost(escalated);
}

}  // namespace stems::cost
