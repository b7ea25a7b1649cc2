// Loop-to-level allocation of one ordering (see allocation.hpp). The arithmetic is the
// reference's step for step: candidate tile sizes are compared with a level's capacity and costed
// unrounded (fractional when an unrolling does not divide its loop, as ZigZag's calc_loops_size);
// the tile kept per level is rounded half to even (Python's round).
#include "allocation.hpp"

#include <algorithm>
#include <limits>

#include "rounding.hpp"

namespace stems::cost::detail {

void suffix_products(const std::vector<Loop>& ordering, std::vector<double>& suffix) {
  const std::size_t n = ordering.size();
  suffix[n] = 1;
  for (std::size_t i = n; i-- > 0;)
    suffix[i] = suffix[i + 1] * static_cast<double>(ordering[i].size);
}

double element_bits(const NodeProblem& pb, const OperandSetup& op,
                    const std::vector<Loop>& ordering, std::size_t next, std::size_t m) {
  double bits = op.bits;
  if (op.output && !op.stateful_output) {
    bool reduction_left = false;
    for (std::size_t a = m + 1; a < op.smap.size(); ++a) {
      for (const auto& s : op.smap[a]) {
        reduction_left = reduction_left || (is_reduction_dim(pb.relevance, s.dim) && s.factor > 1);
      }
    }
    for (std::size_t i = next; i < ordering.size(); ++i) {
      reduction_left = reduction_left || is_reduction_dim(pb.relevance, ordering[i].dim);
    }
    bits = reduction_left ? op.psum_bits : op.final_bits;
  }
  return bits;
}

std::size_t level_candidates(const NodeProblem& pb, const OperandSetup& op,
                             const std::vector<Loop>& ordering, double bits, double capacity_bits,
                             OperandScratch& s) {
  const std::size_t n = ordering.size();
  DimProducts p = s.prod;
  std::size_t count = 0;
  double el = pb.elements(op, p);
  for (std::size_t i = s.next; i <= n; ++i) {
    if (i > s.next) {
      const std::size_t d = static_cast<std::size_t>(ordering[i - 1].dim);
      p[d] *= static_cast<double>(ordering[i - 1].size);
      // Only relevant and partially relevant loops grow the tile. Recomputed from the per-dim
      // products (not grown in place), so fractional tiles round as the reference's do.
      if (op.rel[d] != Relevance::Irrelevant) el = pb.elements(op, p);
    }
    const double b = el * bits;  // unrounded, as the reference's calc_loops_size
    if (b > capacity_bits) break;
    s.slice_elements[count] = round_half_even(el);
    s.slice_bits[count++] = b;
  }
  return count;
}

bool top_candidate(const NodeProblem& pb, const OperandSetup& op, const std::vector<Loop>& ordering,
                   double bits, double capacity_bits, OperandScratch& s) {
  // Tiles only grow with more loops, so every smaller slice fits when the full one does: only the
  // tile of every loop left is computed (from the per-dim products, as level_candidates).
  const std::size_t n = ordering.size();
  DimProducts p = s.prod;
  for (std::size_t i = s.next; i < n; ++i)
    p[static_cast<std::size_t>(ordering[i].dim)] *= static_cast<double>(ordering[i].size);
  const double el = pb.elements(op, p);
  const double b = el * bits;
  if (b > capacity_bits) return false;
  const std::size_t last = n - s.next;
  s.slice_elements[last] = round_half_even(el);
  s.slice_bits[last] = b;
  s.slice_first = last;
  s.slice_count = 1;
  return true;
}

namespace {

// Candidate tiles of every user of `node`; false when one has none. Flattened: the candidate
// functions are called from here for every level of every ordering (the search's hot path).
[[gnu::flatten]] bool node_candidates(const NodeProblem& pb, const MemNode& node,
                                      const std::vector<Loop>& ordering, Scratch& s) {
  const double cap = static_cast<double>(node.level.size_bits);
  for (const NodeUser& user : node.users) {
    const OperandSetup& op = pb.operands[user.operand];
    OperandScratch& os = s.operands[user.operand];
    const double bits = element_bits(pb, op, ordering, os.next, user.level);
    if (user.top) {
      if (!top_candidate(pb, op, ordering, bits, cap, os)) return false;
      continue;
    }
    os.slice_count = level_candidates(pb, op, ordering, bits, cap, os);
    os.slice_first = 0;
    if (os.slice_count == 0) return false;
  }
  return true;
}

// Advances the mixed-radix counter over the users' picks (first user most significant); false
// after the last combination.
bool next_pick(TileChoice* c, std::size_t users) {
  for (std::size_t u = users; u-- > 0;) {
    if (++c[u].pick < c[u].count) return true;
    c[u].pick = 0;
  }
  return false;
}

// Whether a tied joint choice whose streamed tiles sum to `streamed` bits replaces the best so far
// (`best`) under the cap: within the cap the larger wins, over it the smaller.
bool better_streamed_tie(double streamed, double best, double cap) {
  const bool in = streamed <= cap, best_in = best <= cap;
  if (in != best_in) return in;
  return in ? streamed >= best : streamed < best;
}

// Joint choice over the users: the candidates that fit together with the least (loops left above
// x tile bits), top levels not counted; ties go to the later combination (ZigZag), or, with a
// finite s.streamed_cap_bits and a user streamed from DRAM right above this level, to the largest
// streamed tile within the cap (then the later). Result in s.best.
bool choose_tiles(const MemNode& node, Scratch& s) {
  const double cap = static_cast<double>(node.level.size_bits);
  const std::size_t nu = node.users.size();
  TileChoice* c = s.choice.data();
  bool capped = false;
  for (std::size_t u = 0; u < nu; ++u) {
    const OperandScratch& os = s.operands[node.users[u].operand];
    c[u].bits = os.slice_bits.data() + os.slice_first;
    c[u].suffix = node.users[u].top ? nullptr : s.suffix.data() + os.next + os.slice_first;
    c[u].count = os.slice_count;
    c[u].pick = 0;
    c[u].streamed = node.users[u].below_dram;
    capped = capped || c[u].streamed;
  }
  capped = capped && s.streamed_cap_bits != std::numeric_limits<double>::infinity();
  double best_cost = std::numeric_limits<double>::infinity();
  double best_streamed = 0;
  bool found = false;
  do {
    double sum = 0, cost = 0, streamed = 0;
    for (std::size_t u = 0; u < nu; ++u) {
      const double b = c[u].bits[c[u].pick];
      sum += b;
      if (c[u].suffix) cost += c[u].suffix[c[u].pick] * b;
      if (c[u].streamed) streamed += b;
    }
    if (sum > cap) continue;
    const bool take = capped
                          ? cost < best_cost ||
                                (cost == best_cost &&
                                 better_streamed_tie(streamed, best_streamed, s.streamed_cap_bits))
                          : cost <= best_cost;
    if (take) {
      best_cost = cost;
      best_streamed = streamed;
      for (std::size_t u = 0; u < nu; ++u)
        s.best[u] = c[u].pick;
      found = true;
    }
  } while (nu > 0 && next_pick(c, nu));
  s.streamed_chosen_bits = std::max(s.streamed_chosen_bits, best_streamed);
  return found;
}

// Gives every user of `node` the loops of its chosen candidate.
void commit_tiles(const NodeProblem& pb, const MemNode& node, const std::vector<Loop>& ordering,
                  Scratch& s) {
  for (std::size_t u = 0; u < node.users.size(); ++u) {
    const std::size_t o = node.users[u].operand;
    const std::size_t m = node.users[u].level;
    OperandScratch& os = s.operands[o];
    const std::size_t take = os.slice_first + s.best[u];
    os.tile_elements[m + 1] = os.slice_elements[take];
    for (std::size_t i = os.next; i < os.next + take; ++i) {
      os.prod[static_cast<std::size_t>(ordering[i].dim)] *= ordering[i].size;
    }
    os.next += take;
    os.cuts[m] = os.next;
    for (const auto& sl : pb.operands[o].smap[m + 1])
      os.prod[static_cast<std::size_t>(sl.dim)] *= sl.factor;
  }
}

}  // namespace

bool allocate_loops(const NodeProblem& pb, const std::vector<Loop>& ordering, Scratch& s) {
  suffix_products(ordering, s.suffix);
  s.streamed_chosen_bits = 0;
  for (std::size_t o = 0; o < pb.operands.size(); ++o) {
    OperandScratch& os = s.operands[o];
    os.next = 0;  // every cut is written below: each level of an operand is a user of a node
    os.prod = unit_products();
    for (const auto& sl : pb.operands[o].smap[0])
      os.prod[static_cast<std::size_t>(sl.dim)] *= sl.factor;
  }
  for (const MemNode& node : pb.nodes) {
    if (!node_candidates(pb, node, ordering, s) || !choose_tiles(node, s)) return false;
    commit_tiles(pb, node, ordering, s);
  }
  return true;
}

void merge_down_stationary(const OperandSetup& op, const std::vector<Loop>& ordering,
                           std::vector<std::size_t>& cuts) {
  bool changed = true;
  while (changed) {
    changed = false;
    for (std::size_t L = 1; L < cuts.size(); ++L) {
      while (cuts[L - 1] < cuts[L] && op.is_irrelevant(ordering[cuts[L - 1]].dim)) {
        ++cuts[L - 1];
        changed = true;
      }
    }
  }
}

}  // namespace stems::cost::detail
