#include "node_energy.hpp"

namespace stems::cost::detail {

MemoryEnergy memory_energy(const NodeProblem& pb, Scratch& s) {
  MemoryEnergy e;
  for (std::size_t o = 0; o < pb.operands.size(); ++o) {
    const OperandSetup& op = pb.operands[o];
    for (std::size_t m = 0; m < op.levels(); ++m) {
      const MemNode& node = pb.nodes[static_cast<std::size_t>(op.nodes[m])];
      for (Direction dir : kAllDirections) {
        Flow& f = s.operands[o].flows[m][static_cast<std::size_t>(dir)];
        if (!f.used) continue;
        f.energy_pJ =
            f.words * (is_read(dir) ? node.level.read_energy_pJ : node.level.write_energy_pJ);
        (node.offchip ? e.offchip_pJ : e.onchip_pJ) += f.energy_pJ;
      }
    }
  }
  return e;
}

double compute_energy_pJ(const NodeProblem& pb) {
  return static_cast<double>(pb.layer.ops()) * pb.mac_energy_per_op_pJ;
}

}  // namespace stems::cost::detail
