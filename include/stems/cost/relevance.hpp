#pragma once
// Which loop dimensions each cost-model operand depends on (ZigZag's r / ir / pr loops).
//
// Cost-model operands are the memory operands: W (weights; an Add's X travels on this path),
// I (inputs; an Add's Y), O (outputs) and V (neuron state). For a conv:
//   W: relevant G K C FY FX            I: relevant T B G C, partially relevant OY/FY and OX/FX
//   O: relevant T B G K OY OX          V (stateful only): relevant B G K OY OX, i.e. O minus T
// so C, FY, FX are the reduction loops (irrelevant to O), and V additionally reuses across T.
// Pooling is channel-wise (I relevant to K); an Add has no reduction loops.

#include <array>
#include <cstdint>

#include "stems/hardware/accelerator.hpp"
#include "stems/workload/layer.hpp"

namespace stems::cost {

using hardware::MemOperand;
using workload::Dim;
using workload::kDimCount;

enum class Relevance : std::uint8_t { Irrelevant, Relevant, Partial };

// relevance[operand][dim] for a layer (does not look at loop sizes).
using RelevanceTable = std::array<std::array<Relevance, kDimCount>, hardware::kMemOperandCount>;

RelevanceTable relevance_table(const workload::Layer& layer);

inline Relevance relevance(const RelevanceTable& t, MemOperand o, Dim d) {
  return t[static_cast<std::size_t>(o)][static_cast<std::size_t>(d)];
}

// The reduction loops of the output: those irrelevant to O (C, FY, FX for a conv; FY, FX for a
// pool).
inline bool is_reduction_dim(const RelevanceTable& t, Dim d) {
  return relevance(t, MemOperand::O, d) == Relevance::Irrelevant && d != Dim::T;
}

}  // namespace stems::cost
