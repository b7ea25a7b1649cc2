#include "access_counts.hpp"

#include <cmath>

namespace stems::cost::detail {

bool direction_used(const OperandSetup& op, const LevelTiles& t, std::size_t m, bool top,
                    Direction dir) {
  if (top && !is_low(dir)) return false;  // the top level's outside traffic
  if (op.output) {
    return dir == Direction::WriteFromLow || dir == Direction::ReadToHigh ||
           (!op.stateful_output && ((dir == Direction::ReadToLow && t.psum[m]) ||
                                    (dir == Direction::WriteFromHigh && t.psum[m + 1])));
  }
  if (op.state) return true;
  return dir == Direction::ReadToLow || dir == Direction::WriteFromHigh;
}

double precision_for(const OperandSetup& op, Direction dir, const LevelTiles& t, std::size_t m) {
  if (!op.output || op.stateful_output) return op.bits;
  switch (dir) {
    case Direction::WriteFromLow:
      return t.psum[m] ? op.psum_bits : op.final_bits;
    case Direction::ReadToLow:
      return t.psum[m] ? op.psum_bits : 0;
    case Direction::ReadToHigh:
      return t.psum[m + 1] ? op.psum_bits : op.final_bits;
    case Direction::WriteFromHigh:
      return t.psum[m + 1] ? op.psum_bits : 0;
  }
  return 0;
}

namespace {

// Amount, period and word count of one used direction whose precision is known.
void count_flow(const NodeProblem& pb, const OperandSetup& op, const LevelTiles& t,
                const hardware::MemoryLevel& lvl, std::uint64_t total_cycles, std::size_t m,
                Direction dir, Flow& f) {
  const bool low = is_low(dir);
  const std::size_t a = low ? m : m + 1;
  f.amount = low ? t.elements[m] * op.bw_boost[m] : t.elements[m + 1];
  f.amount_int = low ? t.elements_int[m] * op.bw_boost_int[m] : t.elements_int[m + 1];
  f.period_cycles =
      a == 0 ? ((op.output || op.state) ? 1 : t.mac_reuse_cycles) : t.period_cycles[a - 1];
  f.periods = static_cast<double>(total_cycles / f.period_cycles);
  // A stateful output's spikes pass every level once: its word count is |O| / amount per period.
  f.word_periods =
      op.stateful_output ? pb.total_output_elements / (f.amount * op.bw_boost[m + 1]) : f.periods;
  const bool read = is_read(dir);
  const double bw = static_cast<double>(read ? lvl.read_bw_bits : lvl.write_bw_bits);
  const double mn = static_cast<double>(read ? lvl.min_read_bits : lvl.min_write_bits);
  f.words = std::ceil(f.amount * f.precision_bits / mn) * (mn / bw) * f.word_periods *
            op.unit_count[m + 1];
}

}  // namespace

void count_accesses(const NodeProblem& pb, const OperandSetup& op, const LevelTiles& t,
                    std::uint64_t total_cycles, std::vector<std::array<Flow, 4>>& flows) {
  const std::size_t levels = op.levels();
  for (std::size_t m = 0; m < levels; ++m) {
    const hardware::MemoryLevel& lvl = pb.nodes[static_cast<std::size_t>(op.nodes[m])].level;
    const bool top = m + 1 == levels;
    for (Direction dir : kAllDirections) {
      Flow& f = flows[m][static_cast<std::size_t>(dir)];
      f.used = false;
      if (!direction_used(op, t, m, top, dir)) continue;
      f.precision_bits = precision_for(op, dir, t, m);
      if (f.precision_bits == 0) continue;
      f.used = true;
      count_flow(pb, op, t, lvl, total_cycles, m, dir, f);
    }
  }
}

}  // namespace stems::cost::detail
