#include "stems/cost/node_cost.hpp"

namespace stems::cost {

const char* direction_name(Direction d) {
  switch (d) {
    case Direction::ReadToLow:
      return "rd_to_low";
    case Direction::WriteFromLow:
      return "wr_from_low";
    case Direction::ReadToHigh:
      return "rd_to_high";
    case Direction::WriteFromHigh:
      return "wr_from_high";
  }
  return "?";
}

DramStreamBits dram_stream_bits(const LevelCost& level, const hardware::Dram& dram) {
  const auto& tr = level.traffic;
  const double read_words =
      tr[std::size_t(Direction::ReadToLow)].words + tr[std::size_t(Direction::ReadToHigh)].words;
  const double write_words = tr[std::size_t(Direction::WriteFromLow)].words +
                             tr[std::size_t(Direction::WriteFromHigh)].words;
  return {read_words * double(dram.read_bw_bits), write_words * double(dram.write_bw_bits)};
}

double node_dram_stream_bits(const NodeCost& c, const hardware::Dram& dram) {
  double bits = 0;
  for (const auto& oc : c.operands) {
    for (const auto& lvl : oc.levels) {
      if (!lvl.offchip) continue;
      const DramStreamBits b = dram_stream_bits(lvl, dram);
      bits += b.read_bits + b.write_bits;
    }
  }
  return bits;
}

}  // namespace stems::cost
