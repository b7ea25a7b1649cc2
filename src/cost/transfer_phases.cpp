#include "transfer_phases.hpp"

#include <algorithm>
#include <limits>

namespace stems::cost::detail {

namespace {

// Whether the port that level `lvl` of `op` uses for `d` carries other input-type (loading) or
// output-type (offloading) operands in the hardware.
bool port_shared(const NodeProblem& pb, const OperandSetup& op, std::size_t lvl, Direction d,
                 bool loading) {
  const MemNode& node = pb.nodes[static_cast<std::size_t>(op.nodes[lvl])];
  const auto port = static_cast<std::size_t>(node.port_of_direction[static_cast<int>(d)]);
  return loading ? node.port_shared_inputs[port] : node.port_shared_outputs[port];
}

}  // namespace

std::array<double, 3> phase_part(const NodeProblem& pb, std::size_t operand,
                                 const OperandScratch& os, bool loading) {
  const OperandSetup& op = pb.operands[operand];
  std::array<double, 3> part{0, 0, 0};
  const Direction upper_dir = loading ? Direction::WriteFromHigh : Direction::ReadToHigh;
  const Direction lower_dir = loading ? Direction::ReadToLow : Direction::WriteFromLow;
  for (std::size_t m = 0; m + 1 < op.levels(); ++m) {
    const Flow& upper = os.flows[m][static_cast<std::size_t>(upper_dir)];
    const Flow& lower = os.flows[m + 1][static_cast<std::size_t>(lower_dir)];
    const bool a1 = upper.active();
    const bool a2 = lower.active();
    if (!a1 && !a2) continue;
    const double L = std::max(a1 ? upper.real_cycles : 0.0, a2 ? lower.real_cycles : 0.0);
    const bool s1 = a1 ? port_shared(pb, op, m, upper_dir, loading)
                       : port_shared(pb, op, m + 1, lower_dir, loading);
    const bool s2 = a2 ? port_shared(pb, op, m + 1, lower_dir, loading) : s1;
    if (s1 && s2) {
      part[0] += L;
    } else if (!s1 && !s2) {
      part[2] += L;
    } else {
      part[1] = L;
    }
  }
  return part;
}

double combine_phase(const std::vector<std::array<double, 3>>& parts, std::size_t count) {
  if (count == 0) return 0;
  if (count == 1) return parts[0][2];                     // only the individual part counts
  const std::size_t n = std::min<std::size_t>(count, 3);  // at most 3 inputs, 2 outputs
  double best = std::numeric_limits<double>::infinity();
  for (std::size_t k = 0; k < n; ++k) {
    double rest = 0;
    for (std::size_t j = 0; j < n; ++j) {
      if (j != k) rest += parts[j][0] + parts[j][1] + parts[j][2];
    }
    best = std::min(best, parts[k][0] + std::max(rest, parts[k][1] + parts[k][2]));
  }
  return best;
}

double transfer_phase(const NodeProblem& pb, Scratch& s, bool loading, double state_copies) {
  std::size_t count = 0;
  for (std::size_t o = 0; o < pb.operands.size(); ++o) {
    const OperandSetup& op = pb.operands[o];
    const bool input_side = !op.output;  // W, I and V load; O and V offload
    const bool output_side = op.output || op.state;
    if (loading ? !input_side : !output_side) continue;
    auto& part = s.phase_parts[count++];
    part = phase_part(pb, o, s.operands[o], loading);
    if (loading && op.state) {  // the half-shared part is assigned, not summed, per copy
      part[0] *= state_copies;
      part[2] *= state_copies;
    }
  }
  return combine_phase(s.phase_parts, count);
}

}  // namespace stems::cost::detail
