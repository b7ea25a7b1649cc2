#include "ordering_scratch.hpp"

namespace stems::cost::detail {

namespace {

// Activities one port can carry at most: every direction of every operand (an operand's path
// visits a memory node at most once, so a node has at most one user per operand).
std::size_t max_port_activities(const NodeProblem& pb) {
  return pb.operands.size() * kAllDirections.size();
}

void prepare_operand(OperandScratch& s, std::size_t levels, std::size_t ordering_length) {
  s.cuts.assign(levels, 0);
  s.tile_elements.assign(levels + 1, 0.0);
  s.slice_bits.assign(ordering_length + 1, 0.0);
  s.slice_elements.assign(ordering_length + 1, 0.0);
  LevelTiles& t = s.tiles;
  t.elements.assign(levels + 1, 0.0);
  t.elements_int.assign(levels + 1, 0.0);
  t.top_ir.assign(levels + 1, 1.0);
  t.top_r.assign(levels + 1, 1.0);
  t.period_cycles.assign(levels, 1);
  t.psum.assign(levels + 1, 0);
  s.flows.assign(levels, {});
  s.fill.assign(levels, 0.0);
  s.double_buffered.assign(levels + 1, 0);
}

}  // namespace

void Scratch::prepare(const NodeProblem& pb, std::size_t ordering_length) {
  operands.resize(pb.operands.size());
  for (std::size_t o = 0; o < operands.size(); ++o)
    prepare_operand(operands[o], pb.operands[o].levels(), ordering_length);
  suffix.assign(ordering_length + 1, 1.0);
  choice.assign(pb.operands.size(), TileChoice{});
  best.assign(pb.operands.size(), 0);
  shared_fill.assign(pb.nodes.size(), 0.0);
  const std::size_t per_port = max_port_activities(pb);
  port_activities.resize(pb.port_count);
  for (auto& acts : port_activities) {
    acts.clear();
    acts.reserve(per_port);
  }
  union_measure.assign(per_port, 0.0);
  phase_parts.assign(pb.operands.size(), {0, 0, 0});
}

bool Scratch::fits(const NodeProblem& pb, std::size_t ordering_length) const {
  if (operands.size() != pb.operands.size() || suffix.size() < ordering_length + 1 ||
      shared_fill.size() != pb.nodes.size() || port_activities.size() != pb.port_count ||
      union_measure.size() < max_port_activities(pb)) {
    return false;
  }
  for (std::size_t o = 0; o < operands.size(); ++o) {
    if (operands[o].cuts.size() != pb.operands[o].levels()) return false;
  }
  return true;
}

}  // namespace stems::cost::detail
