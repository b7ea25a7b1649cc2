#include "stall_model.hpp"

#include <algorithm>
#include <cmath>

#include "access_counts.hpp"

namespace stems::cost::detail {

void double_buffering(const NodeProblem& pb, Scratch& s) {
  std::fill(s.shared_fill.begin(), s.shared_fill.end(), 0.0);
  for (std::size_t o = 0; o < pb.operands.size(); ++o) {
    const OperandSetup& op = pb.operands[o];
    OperandScratch& os = s.operands[o];
    for (std::size_t m = 0; m < op.levels(); ++m) {
      const auto ni = static_cast<std::size_t>(op.nodes[m]);
      os.fill[m] = std::floor(os.tiles.elements[m + 1] * tile_precision(op, os.tiles, m) /
                              os.tiles.top_r[m + 1]) /
                   static_cast<double>(pb.nodes[ni].level.size_bits);
      if (pb.nodes[ni].shared_capacity) s.shared_fill[ni] += os.fill[m];
    }
  }
  for (std::size_t o = 0; o < pb.operands.size(); ++o) {
    OperandScratch& os = s.operands[o];
    for (std::size_t m = 0; m < pb.operands[o].levels(); ++m) {
      const auto ni = static_cast<std::size_t>(pb.operands[o].nodes[m]);
      bool flag = os.fill[m] <= 0.5;
      if (pb.nodes[ni].shared_capacity) {
        flag = s.shared_fill[ni] <= 0.5;
        if (!flag && os.fill[m] <= 1 - s.shared_fill[ni]) {
          flag = true;
          s.shared_fill[ni] += os.fill[m];
        }
      }
      os.double_buffered[m + 1] = flag;
    }
  }
}

namespace {

// Real and allowed cycles of one used flow at level m of `op`.
void transfer_cycles(const OperandScratch& os, const MemNode& node, std::size_t m, Direction dir,
                     Flow& f) {
  const std::size_t a = is_low(dir) ? m : m + 1;
  const double bw =
      is_read(dir) ? node.stream_read_bits_per_cycle : node.stream_write_bits_per_cycle;
  f.real_cycles = std::ceil(f.amount_int * f.precision_bits / bw);
  const double window = std::floor(static_cast<double>(f.period_cycles) / os.tiles.top_ir[a]);
  f.allowed_cycles = os.double_buffered[a] ? static_cast<double>(f.period_cycles) : window;
}

// The periodic activity of a flow that runs at least once. The twin estimate of a stateful layer
// moves final outputs for free.
Activity activity_of(const NodeProblem& pb, const OperandSetup& op, const LevelTiles& t,
                     std::size_t m, Direction dir, const Flow& f) {
  double twin_real = f.real_cycles;
  if (op.output && pb.stateful) {
    if (dir == Direction::WriteFromLow && !t.psum[m]) twin_real = 0;
    if (dir == Direction::ReadToHigh && !t.psum[m + 1]) twin_real = 0;
  }
  Activity act;
  act.period = f.period_cycles;
  act.allowed = f.allowed_cycles;
  act.count = f.periods;
  act.ss = (f.real_cycles - f.allowed_cycles) * (f.periods - 1);
  act.ss_twin = (twin_real - f.allowed_cycles) * (f.periods - 1);
  act.muw = f.allowed_cycles * (f.periods - 1);
  return act;
}

}  // namespace

void port_activities(const NodeProblem& pb, Scratch& s) {
  for (auto& acts : s.port_activities)
    acts.clear();
  for (std::size_t o = 0; o < pb.operands.size(); ++o) {
    const OperandSetup& op = pb.operands[o];
    OperandScratch& os = s.operands[o];
    for (std::size_t m = 0; m < op.levels(); ++m) {
      const MemNode& node = pb.nodes[static_cast<std::size_t>(op.nodes[m])];
      for (Direction dir : kAllDirections) {
        Flow& f = os.flows[m][static_cast<std::size_t>(dir)];
        if (!f.used) continue;
        transfer_cycles(os, node, m, dir, f);
        if (f.periods == 0) continue;
        const auto port = static_cast<std::size_t>(node.port_of_direction[static_cast<int>(dir)]);
        s.port_activities[node.first_port + port].push_back(
            activity_of(pb, op, os.tiles, m, dir, f));
      }
    }
  }
}

namespace {

// Cycles of [0, x) covered, within one period of activity i, by the windows of activities
// 0..i (each window opens at the start of its period; periods form a divisibility chain).
double covered(const std::vector<Activity>& acts, const std::vector<double>& measure, std::size_t i,
               double x) {
  const double w = std::min(acts[i].allowed, x);
  if (i == 0) return w;
  const double p = static_cast<double>(acts[i - 1].period);
  auto below = [&](double y) {  // coverage of [0, y) by activities 0..i-1 (repeating)
    const double full = std::floor(y / p);
    return full * measure[i - 1] + covered(acts, measure, i - 1, y - full * p);
  };
  return w + (below(x) - below(w));
}

// Periods that do not divide each other (not produced by one loop ordering, kept for safety):
// mark the open cycles of the longest period, or estimate above 2^24 cycles.
double union_by_marking(const std::vector<Activity>& acts, std::vector<bool>& marks) {
  const Activity& longest = acts.back();
  const std::uint64_t P = longest.period;
  if (P > (1ull << 24)) {
    double sum = 0;
    for (const auto& a : acts)
      sum += a.allowed * (static_cast<double>(P) / a.period);
    return std::min<double>(sum, static_cast<double>(P)) * longest.count;
  }
  marks.assign(P, false);
  for (const auto& a : acts) {
    for (std::uint64_t s = 0; s < P; s += a.period) {
      for (std::uint64_t c = s; c < s + static_cast<std::uint64_t>(a.allowed) && c < P; ++c) {
        marks[c] = true;
      }
    }
  }
  return static_cast<double>(std::count(marks.begin(), marks.end(), true)) * longest.count;
}

}  // namespace

double muw_union(std::vector<Activity>& acts, std::vector<double>& measure,
                 std::vector<bool>& marks) {
  for (const auto& a : acts) {
    if (a.allowed == static_cast<double>(a.period)) return a.period * a.count;
  }
  std::sort(acts.begin(), acts.end(),
            [](const Activity& x, const Activity& y) { return x.period < y.period; });
  bool chain = true;
  for (std::size_t i = 1; i < acts.size(); ++i) {
    chain = chain && acts[i - 1].period > 0 && acts[i].period % acts[i - 1].period == 0;
  }
  if (!chain) return union_by_marking(acts, marks);
  // Periods are products of prefixes of one loop ordering, so they usually divide each other;
  // then the union is exact by recursion over the chain. measure[i] = covered cycles within one
  // period of activity i, by activities 0..i.
  const std::size_t k = acts.size();
  for (std::size_t i = 0; i < k; ++i) {
    measure[i] = covered(acts, measure, i, static_cast<double>(acts[i].period));
  }
  return measure[k - 1] * acts.back().count;
}

double combine_port(std::vector<Activity>& acts, bool twin, std::vector<double>& measure,
                    std::vector<bool>& marks) {
  if (acts.empty()) return 0;
  if (acts.size() == 1) return twin ? acts[0].ss_twin : acts[0].ss;
  double pos = 0, neg = 0, muw = 0;
  for (const auto& a : acts) {
    const double v = twin ? a.ss_twin : a.ss;
    (a.ss > 0 ? pos : neg) += v;  // the sign of the original stall decides (as in STEMS)
    muw += a.muw;
  }
  return pos + std::max(0.0, neg + muw - muw_union(acts, measure, marks));
}

double state_stall_weight(const NodeProblem& pb, const std::vector<Loop>& ordering,
                          const std::vector<std::size_t>& cuts) {
  double top_ir_prod = 1;
  std::size_t b = 0;
  for (std::size_t m = 0; m < cuts.size(); ++m) {
    double prod_ir = 1;
    bool any = false;
    for (std::size_t i = b; i < cuts[m]; ++i) {
      if (is_reduction_dim(pb.relevance, ordering[i].dim)) {
        prod_ir *= ordering[i].size;
        any = true;
      }
    }
    if (any) top_ir_prod = prod_ir;
    b = cuts[m];
  }
  return top_ir_prod;
}

double port_stall(const NodeProblem& pb, const std::vector<Loop>& ordering, Scratch& s) {
  double ss_comb = 0, ss_comb_twin = 0;
  for (auto& acts : s.port_activities) {
    if (acts.empty()) continue;
    ss_comb = std::max(ss_comb, combine_port(acts, false, s.union_measure, s.union_marks));
    if (pb.stateful) {
      ss_comb_twin =
          std::max(ss_comb_twin, combine_port(acts, true, s.union_measure, s.union_marks));
    }
  }
  if (!pb.stateful) return ss_comb;
  // The output is operand 0 (node_operands).
  const double top_ir_prod = state_stall_weight(pb, ordering, s.operands[0].cuts);
  return (ss_comb + ss_comb_twin * (top_ir_prod - 1)) / top_ir_prod;
}

}  // namespace stems::cost::detail
