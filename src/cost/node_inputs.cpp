#include "stems/cost/node_inputs.hpp"

#include <cmath>

namespace stems::cost {

OperandBits producer_bits(const workload::Network& net, workload::Vertex v, double fraction) {
  OperandBits bits;
  for (const auto& [p, e] : net.producers(v)) {
    if (e.recurrent) continue;
    const auto& pl = net.layer(p);
    const double b = static_cast<double>(pl.size(workload::Dim::T) * pl.output_bits_per_timestep());
    const auto mem = e.operand == workload::Operand::X ? MemOperand::W : MemOperand::I;
    auto& slot = bits[static_cast<std::size_t>(mem)];
    slot = slot.value_or(0) + static_cast<std::uint64_t>(std::ceil(b * fraction));
  }
  return bits;
}

}  // namespace stems::cost
