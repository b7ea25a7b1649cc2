#include "stems/cost/node_search.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "node_builder.hpp"
#include "stems/common/error.hpp"
#include "stems/cost/spatial_mapping.hpp"

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
  geometry.total_in_y = node.input_extent_y();
  geometry.total_in_x = node.input_extent_x();
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
    for (const auto& ad : core.array.dims) {
      if (ad.unrolls) p[static_cast<std::size_t>(*ad.unrolls)] *= double(ad.size);
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

NodeCost search_node(const workload::Layer& node, const hardware::Core& core,
                     const hardware::Dram& dram, const OperandBits& bits,
                     const NodeSearchOptions& options) {
  if (node.op == workload::OpType::Flatten) {
    NodeCost c;  // a flatten only renames indices: no compute, no data movement
    return c;
  }
  // Searches all orderings for a given set of too-large operands; false if none fits.
  detail::NodeProblem pb;
  detail::Scratch scratch;
  std::vector<Loop> best;
  std::uint64_t evaluated = 0;
  auto attempt = [&](const std::vector<MemOperand>& too_large) -> bool {
    try {
      pb = detail::build_problem(node, core, dram, too_large);
    } catch (const std::invalid_argument& e) {
      throw InputError(where(node, core), e.what());
    }
    std::vector<Loop> sorted = lpf_factors(pb.temporal, options.lpf_limit);
    std::sort(sorted.begin(), sorted.end());
    // Causality (STEMS's LOMA rule): the first T factor must sit above the last reduction factor;
    // as in STEMS, with no reduction factor T may not be the innermost loop. (A nest of nothing
    // but T factors has no alternative: it is valid.)
    std::array<bool, workload::kDimCount> reduction{};
    for (Dim d : workload::kAllDims)
      reduction[static_cast<std::size_t>(d)] = is_reduction_dim(pb.relevance, d);
    auto causal = [&](const std::vector<Loop>& nest) {
      std::size_t first_t = nest.size(), last_red = 0;
      bool only_t = true;
      for (std::size_t i = 0; i < nest.size(); ++i) {
        const Dim d = nest[i].dim;
        if (d == Dim::T) {
          if (first_t == nest.size()) first_t = i;
        } else {
          only_t = false;
          if (reduction[static_cast<std::size_t>(d)]) last_red = i;
        }
      }
      return only_t || first_t > last_red;  // no T at all: first_t = size, valid
    };
    double best_energy = std::numeric_limits<double>::infinity();
    double best_latency2 = std::numeric_limits<double>::infinity();
    bool found = false;
    do {
      if (pb.stateful && !causal(sorted)) continue;
      ++evaluated;
      const auto r =
          detail::evaluate_ordering(pb, sorted, scratch, nullptr,
                                    found ? best_energy : std::numeric_limits<double>::infinity());
      if (!r.valid) continue;
      if (!found || r.energy_pJ < best_energy ||
          (r.energy_pJ == best_energy && r.latency_total2_cycles < best_latency2)) {
        best_energy = r.energy_pJ;
        best_latency2 = r.latency_total2_cycles;
        best = sorted;
        found = true;
      }
    } while (std::next_permutation(sorted.begin(), sorted.end()));
    return found;
  };

  std::vector<MemOperand> too_large = too_large_operands(node, core, bits);
  bool found = attempt(too_large);
  bool escalated = false;
  if (!found) {
    // The reference's capacity check counts a variable input as the bits its producers deliver,
    // which for a fused tile lacks the halo the loop nest actually reads. When that leaves no
    // feasible loop nest, check again with the node's own input tile and, failing that, move
    // the largest remaining on-chip operand off-chip until a loop nest fits.
    OperandBits own = bits;
    for (auto& b : own)
      b.reset();
    auto retry = too_large_operands(node, core, own);
    for (MemOperand m : too_large) {
      if (std::find(retry.begin(), retry.end(), m) == retry.end()) retry.push_back(m);
    }
    if (retry != too_large) {
      too_large = retry;
      escalated = true;
      found = attempt(too_large);
    }
    const auto ops = detail::node_operands(node);
    while (!found) {
      const detail::OperandSetup* largest = nullptr;
      for (const auto& op : ops) {
        if (std::find(too_large.begin(), too_large.end(), op.mem) != too_large.end()) continue;
        if (!core.top_level(op.mem) || op.bits == 0) continue;
        if (!largest || op.bits > largest->bits) largest = &op;  // wider elements first
      }
      if (!largest) break;
      too_large.push_back(largest->mem);
      escalated = true;
      found = attempt(too_large);
    }
  }
  if (!found) {
    // Name the level that cannot hold even one element, the usual cause.
    std::string cause = "a level is too small for the spatially unrolled tile";
    for (const auto& op : detail::node_operands(node)) {
      const auto h = core.hierarchy(op.mem);
      const std::uint32_t bits = op.output && !op.stateful_output ? op.psum_bits : op.bits;
      if (!h.empty() && core.memories[h.front()].size_bits < bits) {
        cause = "operand " + std::string(hardware::mem_operand_name(op.mem)) + " needs " +
                std::to_string(bits) + "-bit elements but its innermost level '" +
                core.memories[h.front()].name + "' holds " +
                std::to_string(core.memories[h.front()].size_bits) +
                " bits (lower the precision or use other hardware)";
        break;
      }
    }
    throw Infeasible(
        where(node, core),
        "no loop ordering fits the memory hierarchy (" + std::to_string(evaluated) +
            " orderings tried, even with every operand's top level in DRAM): " + cause);
  }
  NodeCost cost;
  detail::evaluate_ordering(pb, best, scratch, &cost);
  cost.orderings_evaluated = evaluated;
  cost.too_large_escalated = escalated;
  return cost;
}

}  // namespace stems::cost
