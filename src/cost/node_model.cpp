// Evaluates one loop ordering of a node: LOMA memory allocation, stationary merge-down, data
// movement per operand x level x direction, energy, and ZigZag's uniform latency model
// (ideal temporal cycles + port stalls + loading). Formulas: ../shared/reference/stems_model.md
// 3.2, 7.1 and the notes in docs of this module (README "Cost model").
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "node_builder.hpp"

namespace stems::cost::detail {

namespace {

constexpr std::size_t kMaxLevels = 8;
constexpr std::size_t kMaxOps = 4;

struct LevelData {
  // Per arch level a = 0..M (a = m+1 is memory level m).
  std::array<double, kMaxLevels + 1> D;      // tile elements, fractional unrolling
  std::array<double, kMaxLevels + 1> D_int;  // same, ceil'ed unrolling
  std::array<double, kMaxLevels + 1> top_ir;
  std::array<double, kMaxLevels + 1> top_r;
  std::array<std::uint64_t, kMaxLevels> cyc_level;  // product of loops at levels 0..m
  std::array<bool, kMaxLevels + 1> psum;            // O: partial sums held at level m
  std::uint64_t c0;                                 // MAC-level stationarity (inputs)
};

// Python's round(): half to even (the reference rounds tile sizes with it). Tile sizes are
// non-negative; below 2^52, adding and subtracting 2^52 rounds to an integer in the default
// (to-nearest-even) mode without a libm call (the same value as std::nearbyint).
inline double round_half_even(double x) {
  constexpr double kTwo52 = 4503599627370496.0;
  if (!(x >= 0 && x < kTwo52)) return std::nearbyint(x);  // negative, huge or NaN
  return (x + kTwo52) - kTwo52;  // not folded: stems is never built with -ffast-math
}

double precision_for(const OperandSetup& op, Direction dir, const LevelData& ld, std::size_t m) {
  if (!op.output || op.stateful_output) return op.bits;
  switch (dir) {
    case Direction::WriteFromLow:
      return ld.psum[m] ? op.psum_bits : op.final_bits;
    case Direction::ReadToLow:
      return ld.psum[m] ? op.psum_bits : 0;
    case Direction::ReadToHigh:
      return ld.psum[m + 1] ? op.psum_bits : op.final_bits;
    case Direction::WriteFromHigh:
      return ld.psum[m + 1] ? op.psum_bits : 0;
  }
  return 0;
}

// Cycles of [0, x) covered, within one period of activity i, by the windows of activities
// 0..i (each window opens at the start of its period; periods form a divisibility chain).
double covered(const std::vector<Activity>& acts, const std::array<double, 16>& measure,
               std::size_t i, double x) {
  const double w = std::min(acts[i].allowed, x);
  if (i == 0) return w;
  const double p = static_cast<double>(acts[i - 1].period);
  auto below = [&](double y) {  // coverage of [0, y) by activities 0..i-1 (repeating)
    const double full = std::floor(y / p);
    return full * measure[i - 1] + covered(acts, measure, i - 1, y - full * p);
  };
  return w + (below(x) - below(w));
}

// MUW union of several periodic activities on one port (ZigZag's calc_MUW_union): the number of
// cycles, over the node, in which at least one activity's allowed window is open. Windows open at
// the start of every period. Periods are products of prefixes of one loop ordering, so they
// usually divide each other; then the union is computed exactly by recursion over the chain.
double muw_union(std::vector<Activity>& acts) {
  for (const auto& a : acts) {
    if (a.allowed == static_cast<double>(a.period)) return a.period * a.count;
  }
  std::sort(acts.begin(), acts.end(),
            [](const Activity& x, const Activity& y) { return x.period < y.period; });
  bool chain = true;
  for (std::size_t i = 1; i < acts.size(); ++i) {
    chain = chain && acts[i - 1].period > 0 && acts[i].period % acts[i - 1].period == 0;
  }
  const Activity& longest = acts.back();
  if (!chain) {  // bounded bitmap fallback
    const std::uint64_t P = longest.period;
    if (P > (1ull << 24)) {
      double sum = 0;
      for (const auto& a : acts)
        sum += a.allowed * (static_cast<double>(P) / a.period);
      return std::min<double>(sum, static_cast<double>(P)) * longest.count;
    }
    std::vector<bool> mark(P, false);
    for (const auto& a : acts) {
      for (std::uint64_t s = 0; s < P; s += a.period) {
        for (std::uint64_t c = s; c < s + static_cast<std::uint64_t>(a.allowed) && c < P; ++c) {
          mark[c] = true;
        }
      }
    }
    return static_cast<double>(std::count(mark.begin(), mark.end(), true)) * longest.count;
  }
  // measure[i] = covered cycles within one period of activity i, by activities 0..i.
  std::array<double, 16> measure{};
  const std::size_t k = std::min<std::size_t>(acts.size(), measure.size());
  for (std::size_t i = 0; i < k; ++i) {
    measure[i] = covered(acts, measure, i, static_cast<double>(acts[i].period));
  }
  return measure[k - 1] * longest.count;
}

// `acts` is reordered (sorted by period) by the union computation.
double combine_port(std::vector<Activity>& acts, bool twin) {
  if (acts.empty()) return 0;
  if (acts.size() == 1) return twin ? acts[0].ss_twin : acts[0].ss;
  double pos = 0, neg = 0, muw = 0;
  for (const auto& a : acts) {
    const double v = twin ? a.ss_twin : a.ss;
    (a.ss > 0 ? pos : neg) += v;  // the sign of the original stall decides (as in STEMS)
    muw += a.muw;
  }
  return pos + std::max(0.0, neg + muw - muw_union(acts));
}

// Loading/offloading combination of ZigZag: min over k of shared[k] + max(rest, own k).
double combine_phase(const std::array<std::array<double, 3>, 4>& v, std::size_t count) {
  if (count == 0) return 0;
  if (count == 1) return v[0][2];  // only the individual part counts
  const std::size_t n = std::min<std::size_t>(count, 3);
  double best = std::numeric_limits<double>::infinity();
  for (std::size_t k = 0; k < n; ++k) {
    double rest = 0;
    for (std::size_t j = 0; j < n; ++j) {
      if (j != k) rest += v[j][0] + v[j][1] + v[j][2];
    }
    best = std::min(best, v[k][0] + std::max(rest, v[k][1] + v[k][2]));
  }
  return best;
}

}  // namespace

OrderingResult evaluate_ordering(const NodeProblem& pb, const std::vector<Loop>& ordering,
                                 Scratch& scratch, NodeCost* detail, double energy_bound_pJ) {
  OrderingResult res;
  const std::size_t nops = pb.operands.size();
  const std::size_t n = ordering.size();

  // Product of the loop sizes from index i to the end (the loops that stay above a level).
  std::array<double, 65> suffix{};
  suffix[n] = 1;
  for (std::size_t i = n; i-- > 0;)
    suffix[i] = suffix[i + 1] * static_cast<double>(ordering[i].size);

  // ---- 1. LOMA memory allocation (bottom-up, greedy by capacity, shared levels jointly) ------
  std::array<std::size_t, kMaxOps> next{};  // first unallocated ordering index per operand
  std::array<DimProducts, kMaxOps> prod{};
  std::array<std::size_t, kMaxOps> level{};
  auto& cuts = scratch.allocation.cuts;
  cuts.resize(nops);
  for (std::size_t o = 0; o < nops; ++o) {
    cuts[o].assign(pb.operands[o].levels(), 0);
    prod[o] = unit_products();
    for (const auto& s : pb.operands[o].smap[0])
      prod[o][static_cast<std::size_t>(s.dim)] *= s.factor;
  }
  std::array<std::array<double, 64>, kMaxOps> slice_bits;
  std::array<std::array<double, 64>, kMaxOps> slice_elements;
  // Tile elements per level as allocated. The merge-down below only moves loops that are
  // irrelevant to the operand, which leaves these sizes unchanged.
  std::array<std::array<double, kMaxLevels + 1>, kMaxOps> tile_elements;
  std::array<std::size_t, kMaxOps> slice_count{};
  std::array<std::size_t, kMaxOps> slice_first{};
  for (const MemNode& node : pb.nodes) {
    const double cap = static_cast<double>(node.level.size_bits);
    const std::size_t nu = node.users.size();
    for (std::size_t u = 0; u < nu; ++u) {
      const auto [oi, m] = node.users[u];
      const OperandSetup& op = pb.operands[static_cast<std::size_t>(oi)];
      const std::size_t o = static_cast<std::size_t>(oi);
      const bool top = static_cast<std::size_t>(m) + 1 == op.levels();
      double bits = op.bits;
      if (op.output && !op.stateful_output) {
        bool reduction_left = false;
        for (std::size_t a = static_cast<std::size_t>(m) + 1; a < op.smap.size(); ++a) {
          for (const auto& s : op.smap[a]) {
            reduction_left =
                reduction_left || (is_reduction_dim(pb.relevance, s.dim) && s.factor > 1);
          }
        }
        for (std::size_t i = next[o]; i < n; ++i) {
          reduction_left = reduction_left || is_reduction_dim(pb.relevance, ordering[i].dim);
        }
        bits = reduction_left ? op.psum_bits : op.final_bits;
      }
      DimProducts p = prod[o];
      if (top) {
        // The top level holds all the rest: only its full tile is checked against the capacity
        // (tiles only grow with more loops, so every smaller slice fits when this one does). The
        // arithmetic is the slice loop's below, step for step, without its intermediate slices:
        // the tile from the last partially relevant loop on, times the relevant sizes after it.
        std::size_t from = next[o];
        for (std::size_t i = next[o]; i < n; ++i) {
          if (op.rel[static_cast<std::size_t>(ordering[i].dim)] == Relevance::Partial) from = i + 1;
        }
        for (std::size_t i = next[o]; i < from; ++i)
          p[static_cast<std::size_t>(ordering[i].dim)] *= static_cast<double>(ordering[i].size);
        double el = pb.elements(op, p);
        for (std::size_t i = from; i < n; ++i) {
          if (op.rel[static_cast<std::size_t>(ordering[i].dim)] == Relevance::Relevant) {
            el *= static_cast<double>(ordering[i].size);
          }
        }
        const double b = round_half_even(el) * bits;
        if (b > cap) return res;  // the top level must hold all the rest
        const std::size_t last = n - next[o];
        if (last >= slice_bits[o].size()) return res;
        slice_elements[o][last] = round_half_even(el);
        slice_bits[o][last] = b;
        slice_first[o] = last;
        slice_count[o] = 1;
        continue;
      }
      std::size_t count = 0;
      double el = pb.elements(op, p);
      for (std::size_t i = next[o]; i <= n && count < slice_bits[o].size(); ++i) {
        if (i > next[o]) {
          const std::size_t d = static_cast<std::size_t>(ordering[i - 1].dim);
          p[d] *= static_cast<double>(ordering[i - 1].size);
          // Only relevant and partially relevant loops grow the tile.
          if (op.rel[d] == Relevance::Relevant) {
            el *= static_cast<double>(ordering[i - 1].size);
          } else if (op.rel[d] == Relevance::Partial) {
            el = pb.elements(op, p);
          }
        }
        const double b = round_half_even(el) * bits;
        if (b > cap) break;
        slice_elements[o][count] = round_half_even(el);
        slice_bits[o][count++] = b;
      }
      if (count == 0) return res;  // even the spatial tile does not fit
      slice_first[o] = 0;
      slice_count[o] = count;
    }
    // Joint choice over the users (mixed-radix counter, first user most significant).
    std::array<std::size_t, kMaxOps> pick{}, best{};
    double best_cost = std::numeric_limits<double>::infinity();
    bool found = false;
    while (true) {
      double sum = 0, cost = 0;
      for (std::size_t u = 0; u < nu; ++u) {
        const std::size_t o = static_cast<std::size_t>(node.users[u].first);
        const std::size_t idx = slice_first[o] + pick[u];
        sum += slice_bits[o][idx];
        const bool top =
            static_cast<std::size_t>(node.users[u].second) + 1 == pb.operands[o].levels();
        if (!top) cost += suffix[next[o] + idx] * slice_bits[o][idx];
      }
      if (sum <= cap && cost <= best_cost) {
        best_cost = cost;
        best = pick;
        found = true;
      }
      std::size_t u = nu;
      while (u > 0) {
        --u;
        const std::size_t o = static_cast<std::size_t>(node.users[u].first);
        if (++pick[u] < slice_count[o]) break;
        pick[u] = 0;
        if (u == 0) {
          u = nu + 1;
          break;
        }
      }
      if (u == nu + 1 || nu == 0) break;
    }
    if (!found) return res;
    for (std::size_t u = 0; u < nu; ++u) {
      const auto [oi, m] = node.users[u];
      const std::size_t o = static_cast<std::size_t>(oi);
      const std::size_t take = slice_first[o] + best[u];
      tile_elements[o][static_cast<std::size_t>(m) + 1] = slice_elements[o][take];
      for (std::size_t i = next[o]; i < next[o] + take; ++i) {
        prod[o][static_cast<std::size_t>(ordering[i].dim)] *= ordering[i].size;
      }
      next[o] += take;
      cuts[o][static_cast<std::size_t>(m)] = next[o];
      for (const auto& s : pb.operands[o].smap[static_cast<std::size_t>(m) + 1]) {
        prod[o][static_cast<std::size_t>(s.dim)] *= s.factor;
      }
      level[o] = static_cast<std::size_t>(m) + 1;
    }
  }

  // ---- 2. Stationary merge-down: irrelevant loops at the bottom of a level sink one level ----
  for (std::size_t o = 0; o < nops; ++o) {
    const OperandSetup& op = pb.operands[o];
    auto& c = cuts[o];
    bool changed = true;
    while (changed) {
      changed = false;
      for (std::size_t L = 1; L < c.size(); ++L) {
        while (c[L - 1] < c[L] && op.is_irrelevant(ordering[c[L - 1]].dim)) {
          ++c[L - 1];
          changed = true;
        }
      }
    }
  }

  // ---- 3. Per-operand level data ----------------------------------------------------------------
  std::array<LevelData, kMaxOps> lds;  // not zero-filled: every entry read is written below
  std::uint64_t total_cycles = 1;
  for (const Loop& l : ordering)
    total_cycles *= l.size;
  for (std::size_t o = 0; o < nops; ++o) {
    const OperandSetup& op = pb.operands[o];
    LevelData& ld = lds[o];
    const std::size_t M = op.levels();
    DimProducts pi = unit_products();
    ld.D[0] = ld.D_int[0] = 1;
    ld.c0 = 1;
    ld.top_ir[0] = ld.top_r[0] = 1;
    std::uint64_t cyc = 1;
    std::size_t begin = 0;
    for (std::size_t m = 0; m < M; ++m) {
      const std::size_t end = cuts[o][m];
      for (std::size_t i = begin; i < end; ++i) {
        pi[static_cast<std::size_t>(ordering[i].dim)] *= ordering[i].size;
        cyc *= ordering[i].size;
      }
      for (const auto& s : op.smap[m]) {
        pi[static_cast<std::size_t>(s.dim)] *= static_cast<double>(s.factor_int);
      }
      ld.D[m + 1] = tile_elements[o][m + 1];
      ld.D_int[m + 1] =
          pb.fractional_unrolling ? round_half_even(pb.elements(op, pi)) : ld.D[m + 1];
      ld.cyc_level[m] = cyc;
      double ir = 1, r = 1;
      bool ir_run = true, r_run = true;
      for (std::size_t i = end; i-- > begin;) {
        const Dim d = ordering[i].dim;
        ir_run = ir_run && op.is_irrelevant(d);
        r_run = r_run && op.is_relevant(d);
        if (ir_run) ir *= ordering[i].size;
        if (r_run) r *= ordering[i].size;
        if (!ir_run && !r_run) break;
      }
      ld.top_ir[m + 1] = ir;
      ld.top_r[m + 1] = r;
      if (m == 0 && !op.output && !op.state) {
        for (std::size_t i = begin; i < end && op.is_irrelevant(ordering[i].dim); ++i) {
          ld.c0 *= ordering[i].size;
        }
      }
      begin = end;
    }
    // psum[m]: O-reduction loops remain at or above level m (temporal) or above it (spatial).
    ld.psum.fill(false);
    if (op.output) {
      bool any = false;
      std::size_t end = n;
      for (std::size_t m = M; m-- > 0;) {
        const std::size_t b = m == 0 ? 0 : cuts[o][m - 1];
        for (std::size_t i = b; i < end; ++i)
          any = any || is_reduction_dim(pb.relevance, ordering[i].dim);
        for (const auto& s : op.smap[m + 1])
          any = any || (is_reduction_dim(pb.relevance, s.dim) && s.factor > 1);
        ld.psum[m] = any;
        end = b;
      }
    }
  }

  // ---- 4. Data movement and energy
  // ---------------------------------------------------------------
  struct Flow {  // filled for every (operand, level, direction) visited below; no zero-fill
    bool used;
    double prec, amount, amount_int, count, words_count, words, energy;
    std::uint64_t period;
  };
  std::array<std::array<std::array<Flow, 4>, kMaxLevels>, kMaxOps> flows;
  double memory_energy = 0, offchip_energy = 0;
  for (std::size_t o = 0; o < nops; ++o) {
    const OperandSetup& op = pb.operands[o];
    const LevelData& ld = lds[o];
    const std::size_t M = op.levels();
    for (std::size_t m = 0; m < M; ++m) {
      const MemNode& node = pb.nodes[static_cast<std::size_t>(op.nodes[m])];
      const hardware::MemoryLevel& lvl = node.level;
      const bool top = m + 1 == M;
      for (Direction dir : kAllDirections) {
        const bool low = dir == Direction::ReadToLow || dir == Direction::WriteFromLow;
        bool used;
        if (op.output) {
          used = dir == Direction::WriteFromLow || dir == Direction::ReadToHigh ||
                 (!op.stateful_output && ((dir == Direction::ReadToLow && ld.psum[m]) ||
                                          (dir == Direction::WriteFromHigh && ld.psum[m + 1])));
        } else if (op.state) {
          used = true;
        } else {
          used = dir == Direction::ReadToLow || dir == Direction::WriteFromHigh;
        }
        if (top && !low) used = false;  // filling/draining the top level is the scheduler's
        Flow& f = flows[o][m][static_cast<std::size_t>(dir)];
        f.used = false;
        if (!used) continue;
        f.prec = precision_for(op, dir, ld, m);
        if (f.prec == 0) continue;
        f.used = true;
        const std::size_t a = low ? m : m + 1;
        f.amount = low ? ld.D[m] * op.bw_boost[m] : ld.D[m + 1];
        f.amount_int = low ? ld.D_int[m] * op.bw_boost_int[m] : ld.D_int[m + 1];
        f.period = a == 0 ? ((op.output || op.state) ? 1 : ld.c0) : ld.cyc_level[a - 1];
        f.count = static_cast<double>(total_cycles / f.period);
        f.words_count = op.stateful_output
                            ? pb.total_output_elements / (f.amount * op.bw_boost[m + 1])
                            : f.count;
        const bool read = is_read(dir);
        const double bw = static_cast<double>(read ? lvl.read_bw_bits : lvl.write_bw_bits);
        const double mn = static_cast<double>(read ? lvl.min_read_bits : lvl.min_write_bits);
        f.words =
            std::ceil(f.amount * f.prec / mn) * (mn / bw) * f.words_count * op.unit_count[m + 1];
        f.energy = f.words * (read ? lvl.read_energy_pJ : lvl.write_energy_pJ);
        (node.offchip ? offchip_energy : memory_energy) += f.energy;
      }
    }
  }
  const double mac_energy = static_cast<double>(pb.layer.ops()) * pb.mac_energy_per_op_pJ;
  res.energy_pJ = mac_energy + memory_energy + offchip_energy;
  if (detail == nullptr && res.energy_pJ > energy_bound_pJ) {
    // Cannot be chosen (latency only breaks exact energy ties): skip the latency model.
    res.valid = true;
    res.latency_cycles = res.latency_total2_cycles = std::numeric_limits<double>::infinity();
    return res;
  }

  // ---- 4b. Double buffering: a level whose tile uses at most half of it (shared levels summed,
  // operands in the order O, W, I, V) overlaps the next transfer with compute.
  const auto tile_precision = [&](std::size_t o, std::size_t m) {
    const double p = precision_for(pb.operands[o], Direction::ReadToHigh, lds[o], m);
    return p == 0 ? static_cast<double>(pb.operands[o].bits) : p;
  };
  std::array<double, 64> shared_util{};
  std::array<std::array<double, kMaxLevels + 1>, kMaxOps> eff{};
  for (std::size_t o = 0; o < nops; ++o) {
    const OperandSetup& op = pb.operands[o];
    for (std::size_t m = 0; m < op.levels(); ++m) {
      const std::size_t ni = static_cast<std::size_t>(op.nodes[m]);
      eff[o][m] = std::floor(lds[o].D[m + 1] * tile_precision(o, m) / lds[o].top_r[m + 1]) /
                  static_cast<double>(pb.nodes[ni].level.size_bits);
      if (pb.nodes[ni].shared_capacity) shared_util[ni] += eff[o][m];
    }
  }
  std::array<std::array<bool, kMaxLevels + 1>, kMaxOps> db{};
  for (std::size_t o = 0; o < nops; ++o) {
    for (std::size_t m = 0; m < pb.operands[o].levels(); ++m) {
      const std::size_t ni = static_cast<std::size_t>(pb.operands[o].nodes[m]);
      bool flag = eff[o][m] <= 0.5;
      if (pb.nodes[ni].shared_capacity) {
        flag = shared_util[ni] <= 0.5;
        if (!flag && eff[o][m] <= 1 - shared_util[ni]) {
          flag = true;
          shared_util[ni] += eff[o][m];
        }
      }
      db[o][m + 1] = flag;
    }
  }

  // ---- 4c. Transfer activities per memory port (real vs allowed cycles per period) ------------
  auto& port_acts = scratch.port_activities;
  std::array<std::size_t, 64> port_base{};
  std::size_t total_ports = 0;
  for (std::size_t i = 0; i < pb.nodes.size(); ++i) {
    port_base[i] = total_ports;
    total_ports += static_cast<std::size_t>(pb.nodes[i].port_count);
  }
  port_acts.resize(total_ports);
  for (auto& v : port_acts)
    v.clear();
  std::array<std::array<std::array<double, 4>, kMaxLevels>, kMaxOps> real{};
  std::array<std::array<std::array<bool, 4>, kMaxLevels>, kMaxOps> active{};
  if (detail) detail->operands.assign(nops, OperandCost{});
  for (std::size_t o = 0; o < nops; ++o) {
    const OperandSetup& op = pb.operands[o];
    const LevelData& ld = lds[o];
    const std::size_t M = op.levels();
    OperandCost* oc = detail ? &detail->operands[o] : nullptr;
    if (oc) {
      oc->operand = op.mem;
      oc->layer_operand = op.layer_name;
      oc->levels.assign(M, LevelCost{});
    }
    for (std::size_t m = 0; m < M; ++m) {
      const std::size_t ni = static_cast<std::size_t>(op.nodes[m]);
      const MemNode& node = pb.nodes[ni];
      double level_energy = 0;
      for (Direction dir : kAllDirections) {
        const Flow& f = flows[o][m][static_cast<std::size_t>(dir)];
        if (!f.used) continue;
        const bool low = dir == Direction::ReadToLow || dir == Direction::WriteFromLow;
        const std::size_t a = low ? m : m + 1;
        const bool read = is_read(dir);
        const double bw =
            static_cast<double>(read ? node.level.read_bw_bits : node.level.write_bw_bits);
        const double real_cycles = std::ceil(f.amount_int * f.prec / bw);
        const double window = std::floor(static_cast<double>(f.period) / ld.top_ir[a]);
        const double allowed = db[o][a] ? static_cast<double>(f.period) : window;
        real[o][m][static_cast<int>(dir)] = real_cycles;
        active[o][m][static_cast<int>(dir)] = f.count != 0;
        level_energy += f.energy;
        if (f.count != 0) {
          double twin_real = real_cycles;
          if (op.output && pb.stateful) {
            if (dir == Direction::WriteFromLow && !ld.psum[m]) twin_real = 0;
            if (dir == Direction::ReadToHigh && !ld.psum[m + 1]) twin_real = 0;
          }
          Activity act;
          act.period = f.period;
          act.allowed = allowed;
          act.count = f.count;
          act.ss = (real_cycles - allowed) * (f.count - 1);
          act.ss_twin = (twin_real - allowed) * (f.count - 1);
          act.muw = allowed * (f.count - 1);
          port_acts[port_base[ni] +
                    static_cast<std::size_t>(node.port_of_direction[static_cast<int>(dir)])]
              .push_back(act);
        }
        if (oc) {
          DirectionTraffic& t = oc->levels[m].traffic[static_cast<std::size_t>(dir)];
          t.amount_elements = f.amount;
          t.precision_bits = static_cast<std::uint32_t>(f.prec);
          t.period_cycles = f.period;
          t.period_count = f.words_count;
          t.words = f.words;
          t.energy_pJ = f.energy;
          t.real_cycles = real_cycles;
          t.allowed_cycles = allowed;
        }
      }
      if (oc) {
        LevelCost& lc = oc->levels[m];
        lc.memory = node.level.name;
        lc.offchip = node.offchip;
        const std::size_t b = m == 0 ? 0 : cuts[o][m - 1];
        lc.temporal_loops.assign(ordering.begin() + static_cast<std::ptrdiff_t>(b),
                                 ordering.begin() + static_cast<std::ptrdiff_t>(cuts[o][m]));
        lc.spatial_loops.clear();
        for (const auto& sl : op.smap[m])
          lc.spatial_loops.push_back(Loop{sl.dim, sl.factor_int});
        lc.tile_bits = ld.D[m + 1] * tile_precision(o, m);
        lc.copies = op.unit_count[m + 1];
        lc.double_buffered = db[o][m + 1];
        lc.energy_pJ = level_energy;
        oc->energy_pJ += level_energy;
      }
    }
  }

  // ---- 5. Latency
  // ---------------------------------------------------------------------------------
  double ss_comb = 0, ss_comb_twin = 0;
  for (auto& acts : port_acts) {
    if (acts.empty()) continue;
    ss_comb = std::max(ss_comb, combine_port(acts, false));
    if (pb.stateful) ss_comb_twin = std::max(ss_comb_twin, combine_port(acts, true));
  }
  if (pb.stateful) {
    // STEMS: product of the O-reduction loops in the level holding the last one.
    double top_ir_prod = 1;
    const auto& oc = cuts[0];
    std::size_t b = 0;
    for (std::size_t m = 0; m < oc.size(); ++m) {
      double prod_ir = 1;
      bool any = false;
      for (std::size_t i = b; i < oc[m]; ++i) {
        if (is_reduction_dim(pb.relevance, ordering[i].dim)) {
          prod_ir *= ordering[i].size;
          any = true;
        }
      }
      if (any) top_ir_prod = prod_ir;
      b = oc[m];
    }
    ss_comb = (ss_comb + ss_comb_twin * (top_ir_prod - 1)) / top_ir_prod;
  }

  auto phase = [&](bool loading) {
    std::array<std::array<double, 3>, 4> parts{};  // shared, half, individual per operand
    std::size_t nparts = 0;
    for (std::size_t o = 0; o < nops; ++o) {
      const OperandSetup& op = pb.operands[o];
      const bool input_side = !op.output;  // W, I and V load; O and V offload
      const bool output_side = op.output || op.state;
      if (loading ? !input_side : !output_side) continue;
      std::array<double, 3> part{0, 0, 0};
      const Direction upper_dir = loading ? Direction::WriteFromHigh : Direction::ReadToHigh;
      const Direction lower_dir = loading ? Direction::ReadToLow : Direction::WriteFromLow;
      for (std::size_t m = 0; m + 1 < op.levels(); ++m) {
        const bool a1 = active[o][m][static_cast<int>(upper_dir)];
        const bool a2 = active[o][m + 1][static_cast<int>(lower_dir)];
        if (!a1 && !a2) continue;
        const auto shared = [&](std::size_t lvl, Direction d) {
          const MemNode& node = pb.nodes[static_cast<std::size_t>(op.nodes[lvl])];
          const auto port = static_cast<std::size_t>(node.port_of_direction[static_cast<int>(d)]);
          return loading ? node.port_shared_inputs[port] : node.port_shared_outputs[port];
        };
        const double L = std::max(a1 ? real[o][m][static_cast<int>(upper_dir)] : 0.0,
                                  a2 ? real[o][m + 1][static_cast<int>(lower_dir)] : 0.0);
        const bool s1 = a1 ? shared(m, upper_dir) : shared(m + 1, lower_dir);
        const bool s2 = a2 ? shared(m + 1, lower_dir) : s1;
        if (s1 && s2) {
          part[0] += L;
        } else if (!s1 && !s2) {
          part[2] += L;
        } else {
          part[1] = L;
        }
      }
      parts[nparts++] = part;
    }
    return combine_phase(parts, nparts);
  };
  const double loading = phase(true);
  const double offloading = phase(false);

  res.valid = true;
  res.latency_cycles = static_cast<double>(total_cycles) + ss_comb + loading;
  res.latency_total2_cycles = res.latency_cycles + offloading;
  if (detail) {
    detail->mac_energy_pJ = mac_energy;
    detail->onchip_memory_energy_pJ = memory_energy;
    detail->offchip_memory_energy_pJ = offchip_energy;
    detail->energy_pJ = res.energy_pJ;
    detail->ops = pb.layer.ops();
    detail->multi_bit_macs = pb.multi_bit_macs;
    detail->latency.ideal_cycles = (pb.layer.ops() + pb.pe_count - 1) / pb.pe_count;
    detail->latency.ideal_temporal_cycles = total_cycles;
    detail->latency.stall_cycles = ss_comb;
    detail->latency.loading_cycles = loading;
    detail->latency.offloading_cycles = offloading;
    detail->latency.latency_cycles = res.latency_cycles;
    detail->spatial = pb.spatial;
    detail->ordering = ordering;
    detail->too_large = pb.too_large;
    detail->too_large_escalated = false;
  }
  return res;
}

}  // namespace stems::cost::detail
