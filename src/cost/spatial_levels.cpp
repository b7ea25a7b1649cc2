// The spatial-unrolling stage of a node problem, per operand: which memory level each unrolled
// loop sits below (a level takes the PE-array dimensions it serves that no lower level took), how
// many instances of each level are active, and the fan-out boost (unique data one instance
// feeds to the instances below it). spatial_mapping.cpp decides the unrolling itself.
#include <algorithm>
#include <cmath>

#include "node_builder.hpp"
#include "rounding.hpp"

namespace stems::cost::detail {

void place_spatial_loops(const NodeProblem& pb, OperandSetup& op) {
  const std::size_t M = op.nodes.size();
  op.smap.assign(M + 1, {});
  std::vector<bool> taken(pb.spatial.size(), false);
  for (std::size_t m = 0; m <= M; ++m) {
    for (std::size_t s = 0; s < pb.spatial.size(); ++s) {
      if (taken[s]) continue;
      bool served = m == M;
      if (!served) {
        const auto& lvl = pb.nodes[static_cast<std::size_t>(op.nodes[m])];
        served =
            lvl.offchip || std::find(lvl.level.served_dims.begin(), lvl.level.served_dims.end(),
                                     pb.spatial[s].array_dim) != lvl.level.served_dims.end();
      }
      if (served) {
        taken[s] = true;
        op.smap[m].push_back(
            SpatialLoop{pb.spatial[s].dim, pb.spatial[s].factor, pb.spatial[s].factor_int});
      }
    }
  }
}

std::vector<double> active_copies(const std::vector<std::vector<SpatialLoop>>& smap) {
  const std::size_t M = smap.size() - 1;
  std::vector<double> count(M + 1, 1.0);
  for (std::size_t a = M + 1; a-- > 0;) {
    double above = a == M ? 1.0 : count[a + 1];
    for (const auto& s : smap[a])
      above *= s.factor;
    count[a] = above;
  }
  // Python's round(round(x, 3)): to 3 decimals, then half to even (a 62.5-PE product is 62).
  for (auto& u : count)
    u = round_half_even(std::nearbyint(u * 1000.0) / 1000.0);
  return count;
}

std::vector<double> fanout_boosts(const NodeProblem& pb, const OperandSetup& op, bool use_int) {
  const std::size_t M = op.smap.size() - 1;
  std::vector<double> boost(M + 1, 1.0);
  // unit_unique[a] = E(all smap) / E(smap[0..a-1]); boost[a] = unit_unique[a]/unit_unique[a+1].
  std::vector<double> cum(M + 2, 1.0);
  DimProducts q = unit_products();
  cum[0] = pb.elements(op, q);
  for (std::size_t a = 0; a <= M; ++a) {
    for (const auto& s : op.smap[a]) {
      q[static_cast<std::size_t>(s.dim)] *= use_int ? static_cast<double>(s.factor_int) : s.factor;
    }
    cum[a + 1] = pb.elements(op, q);
  }
  for (std::size_t a = 0; a < M; ++a)
    boost[a] = round_half_even(cum[a + 1] / cum[a]);  // Python's round
  boost[M] = 1.0;
  return boost;
}

}  // namespace stems::cost::detail
