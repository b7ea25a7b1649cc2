#include "level_tiles.hpp"

#include <tuple>
#include <utility>

#include "rounding.hpp"

namespace stems::cost::detail {

namespace {

// Products of the irrelevant and of the relevant loops in the run at the top of
// ordering[begin, end) (a run stops at the first loop of the other kind).
std::pair<double, double> top_runs(const OperandSetup& op, const std::vector<Loop>& ordering,
                                   std::size_t begin, std::size_t end) {
  double ir = 1, r = 1;
  bool ir_run = true, r_run = true;
  for (std::size_t i = end; i-- > begin;) {
    const Dim d = ordering[i].dim;
    ir_run = ir_run && op.is_irrelevant(d);
    r_run = r_run && op.is_relevant(d);
    if (ir_run) ir *= ordering[i].size;
    if (r_run) r *= ordering[i].size;
    if (!ir_run && !r_run) break;
  }
  return {ir, r};
}

// An input's innermost loops it does not depend on: the PEs reuse the same data for that many
// cycles (ZigZag's MAC-level stationarity). Outputs and states are 1.
std::uint64_t mac_reuse_cycles(const OperandSetup& op, const std::vector<Loop>& ordering,
                               std::size_t end) {
  std::uint64_t c0 = 1;
  if (op.output || op.state) return c0;
  for (std::size_t i = 0; i < end && op.is_irrelevant(ordering[i].dim); ++i)
    c0 *= ordering[i].size;
  return c0;
}

}  // namespace

void level_tiles(const NodeProblem& pb, const OperandSetup& op, const std::vector<Loop>& ordering,
                 const std::vector<std::size_t>& cuts, const std::vector<double>& tile_elements,
                 LevelTiles& t) {
  DimProducts pi = unit_products();
  t.elements[0] = t.elements_int[0] = 1;
  t.top_ir[0] = t.top_r[0] = 1;
  t.mac_reuse_cycles = mac_reuse_cycles(op, ordering, op.levels() > 0 ? cuts[0] : 0);
  std::uint64_t cyc = 1;
  std::size_t begin = 0;
  for (std::size_t m = 0; m < op.levels(); ++m) {
    const std::size_t end = cuts[m];
    for (std::size_t i = begin; i < end; ++i) {
      pi[static_cast<std::size_t>(ordering[i].dim)] *= ordering[i].size;
      cyc *= ordering[i].size;
    }
    for (const auto& s : op.smap[m])
      pi[static_cast<std::size_t>(s.dim)] *= static_cast<double>(s.factor_int);
    t.elements[m + 1] = tile_elements[m + 1];
    t.elements_int[m + 1] =
        pb.fractional_unrolling ? round_half_even(pb.elements(op, pi)) : t.elements[m + 1];
    t.period_cycles[m] = cyc;
    std::tie(t.top_ir[m + 1], t.top_r[m + 1]) = top_runs(op, ordering, begin, end);
    begin = end;
  }
}

void partial_sum_levels(const NodeProblem& pb, const OperandSetup& op,
                        const std::vector<Loop>& ordering, const std::vector<std::size_t>& cuts,
                        std::vector<char>& psum) {
  // Only an output's flags are read (access_counts, stall_model).
  if (!op.output) return;
  psum[op.levels()] = false;
  bool any = false;
  std::size_t end = ordering.size();
  for (std::size_t m = op.levels(); m-- > 0;) {
    const std::size_t b = m == 0 ? 0 : cuts[m - 1];
    for (std::size_t i = b; i < end; ++i)
      any = any || is_reduction_dim(pb.relevance, ordering[i].dim);
    for (const auto& s : op.smap[m + 1])
      any = any || (is_reduction_dim(pb.relevance, s.dim) && s.factor > 1);
    psum[m] = any;
    end = b;
  }
}

}  // namespace stems::cost::detail
