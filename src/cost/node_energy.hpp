#pragma once
// Private to src/cost: the energy stage of one ordering (stems_model.md 7.1). Memory energy is
// word accesses x the level's energy per full-width access, summed per operand, level and
// direction in that order (the order is part of the result: floating-point sums); the DRAM level
// of too-large operands is off-chip energy. Compute energy is ops x energy per op.

#include "ordering_scratch.hpp"

namespace stems::cost::detail {

struct MemoryEnergy {
  double onchip_pJ = 0;
  double offchip_pJ = 0;
};

// Sets every used flow's energy_pJ and returns the sums.
MemoryEnergy memory_energy(const NodeProblem& pb, Scratch& s);

// ops x (MAC energy for multi-bit inputs of a weighted layer, accumulate energy otherwise).
double compute_energy_pJ(const NodeProblem& pb);

}  // namespace stems::cost::detail
