// Property tests of the physical cost model (issue 16): with the energy per access held fixed,
//   * more on-chip capacity (the top shared buffer scaled) never raises energy or off-chip energy
//     (1e-9 relative: rounding only) nor latency by more than 2 %;
//   * a faster core-DRAM link never raises latency by more than 0.5 %;
//   * energy >= MAC energy + the closed-form off-chip floor (cost/bounds.hpp), and the off-chip
//     bits >= the floor's bits;
//   * the reported peak never exceeds the top buffer unless the run flags memory_overflow (the
//     runs skipped that way are counted and printed).
// Swept over SEW-ResNet, RED-LIF and the imported NIR model (fashion_snn.nir at T = 8, 4-bit
// weights, 12-bit states), the four schedule corners and one hybrid, 8 buffer sizes (0.25..4 MB)
// and 5 link bandwidths (16..256 bits/cycle), and over 40 random networks under random STEMS
// schedules (one seed). Every violation is printed; outside the named known anomalies (each with
// its measured reason) the count must be 0, and theirs is checked.
// The three violations the issue measured are reproduced first, with the step-3 policies and the
// streamed-tile tie rule set as STEMS has them, and shown gone in physical.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fixtures.hpp"
#include "stems/config/document.hpp"
#include "stems/cost/bounds.hpp"
#include "stems/cost/node_cache.hpp"
#include "stems/cost/node_search.hpp"
#include "stems/nir/nir_loader.hpp"
#include "stems/schedule/scheduler.hpp"
#include "stems/workload/workload_loader.hpp"

using namespace stems;

namespace {

constexpr double kMB_bits = 8.0 * 1024 * 1024;
const std::vector<double> kBufferMB = {0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 4.0};
const std::vector<double> kLinkBits = {16, 32, 64, 128, 256};

struct Figures {
  double energy_pJ = 0, offchip_pJ = 0, latency_cycles = 0, mac_pJ = 0;
  std::uint64_t offchip_bits = 0;
  std::uint64_t peak_bits = 0;
  bool overflow = false;
  std::uint64_t over_capacity_nodes = 0;  // streaming nodes counting on unreserved room
};

// The shared top buffer of every core resized to `mb` MB (its energy per access unchanged).
hardware::Accelerator with_buffer(const hardware::Accelerator& base, double mb) {
  hardware::Accelerator acc = base;
  for (auto& core : acc.cores) {
    const auto top = core.top_level(hardware::MemOperand::O);
    core.memories[*top].size_bits = static_cast<std::uint64_t>(mb * kMB_bits);
  }
  return acc;
}

// The capacity of the first core's top shared buffer, in bits.
double top_capacity_bits(const hardware::Accelerator& acc) {
  const auto& core = acc.cores[0];
  return static_cast<double>(core.memories[*core.top_level(hardware::MemOperand::O)].size_bits);
}

// Every core-DRAM link at `bits` per cycle.
hardware::Accelerator with_link(const hardware::Accelerator& base, double bits) {
  hardware::Accelerator acc = base;
  for (auto& link : acc.links) {
    if (link.a == acc.dram.name || link.b == acc.dram.name) link.bandwidth_bits_per_cycle = bits;
  }
  return acc;
}

// STEMS's canonical schedule `corner` (TB-LBL, ST-F, HY-<k>, ...) of `net`, fuse barrier on.
schedule::Schedule corner_schedule(const workload::Network& net, const std::string& corner) {
  const auto [time, depth] = schedule::canonical_bits(corner, net.block_count());
  return schedule::schedule_from_bits(net, time, depth, true);
}

// `s` evaluated under `policy` with a fresh node-cost cache (totals only unless `records`), each
// node's loop nest the best under `criterion` (`--criterion`; energy is the default).
schedule::ScheduleResult run_schedule(const workload::Network& net,
                                      const hardware::Accelerator& acc, const schedule::Schedule& s,
                                      const cost::ModelPolicy& policy,
                                      schedule::Records records = schedule::Records::Totals,
                                      cost::Criterion criterion = cost::Criterion::Energy) {
  cost::NodeSearchOptions options;
  options.policy = policy;
  options.criterion = criterion;
  cost::NodeCostCache cache(acc, options);
  return schedule::evaluate_schedule(net, acc, s, cache, records);
}

// The figures the properties compare, of one run.
Figures figures_of(const schedule::ScheduleResult& r) {
  return {r.energy_pJ,
          r.offchip_energy_pJ,
          r.latency_cycles,
          r.mac_energy_pJ,
          r.offchip_read_bits + r.offchip_write_bits,
          r.peak_onchip_bits,
          r.memory_overflow,
          r.streamed_tiles.over_capacity_nodes};
}

Figures evaluate(const workload::Network& net, const hardware::Accelerator& acc,
                 const std::string& corner, const cost::ModelPolicy& policy,
                 cost::Criterion criterion = cost::Criterion::Energy) {
  return figures_of(run_schedule(net, acc, corner_schedule(net, corner), policy,
                                 schedule::Records::Totals, criterion));
}

const workload::Network& nir_model() {
  static const workload::Network net = [] {
    nir::NirOptions o;
    o.timesteps = 8;
    o.weight_bits = 4;
    o.state_bits = 12;
    return nir::load_nir_file(test::configs_dir() + "/workloads/fashion_snn.nir", o);
  }();
  return net;
}

struct Workload {
  const char* name;
  std::function<const workload::Network&()> net;
};
const std::vector<Workload>& workloads() {
  static const std::vector<Workload> w = {{"SEW", [] { return std::cref(test::sew()); }},
                                          {"RED-LIF", [] { return std::cref(test::red_lif()); }},
                                          {"NIR", [] { return std::cref(nir_model()); }}};
  return w;
}

// The four corners and the hybrid whose first half of the blocks is time-sequential.
std::vector<std::string> corners(const workload::Network& net) {
  return {"TB-LBL", "TB-F", "ST-LBL", "ST-F", "HY-" + std::to_string(net.block_count() / 2)};
}

// Runs f(i) for i < n on two threads (the evaluations are independent).
void parallel(std::size_t n, const std::function<void(std::size_t)>& f) {
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (std::size_t i = t; i < n; i += 2)
        f(i);
    });
  }
  for (auto& th : threads)
    th.join();
}

std::string rel(double from, double to) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%+.4f %%", 100.0 * (to - from) / from);
  return buf;
}

// Violations of the capacity properties over the sizes of `mb` (every pair, smaller to larger).
void check_capacity(const std::string& where, const std::vector<double>& mb,
                    const std::vector<Figures>& f, std::vector<std::string>& out) {
  for (std::size_t i = 0; i < f.size(); ++i) {
    for (std::size_t j = i + 1; j < f.size(); ++j) {
      const std::string pair = where + " " + std::to_string(mb[i]).substr(0, 4) + "->" +
                               std::to_string(mb[j]).substr(0, 4) + " MB: ";
      if (f[j].energy_pJ > f[i].energy_pJ * (1 + 1e-9))
        out.push_back(pair + "energy " + rel(f[i].energy_pJ, f[j].energy_pJ));
      if (f[j].offchip_pJ > f[i].offchip_pJ * (1 + 1e-9))
        out.push_back(pair + "off-chip energy " + rel(f[i].offchip_pJ, f[j].offchip_pJ));
      if (f[j].latency_cycles > f[i].latency_cycles * 1.02) {
        out.push_back(pair + "latency " + rel(f[i].latency_cycles, f[j].latency_cycles) +
                      " (energy " + rel(f[i].energy_pJ, f[j].energy_pJ) + ")");
      }
    }
  }
}

void check_link(const std::string& where, const std::vector<Figures>& f,
                std::vector<std::string>& out) {
  for (std::size_t i = 0; i < f.size(); ++i) {
    for (std::size_t j = i + 1; j < f.size(); ++j) {
      if (f[j].latency_cycles > f[i].latency_cycles * 1.005) {
        out.push_back(where + " link " + std::to_string(int(kLinkBits[i])) + "->" +
                      std::to_string(int(kLinkBits[j])) + " b/cycle: latency " +
                      rel(f[i].latency_cycles, f[j].latency_cycles));
      }
    }
  }
}

void check_floor(const std::string& where, const Figures& f, const cost::Bounds& b,
                 std::vector<std::string>& out) {
  const std::uint64_t floor_bits = b.weight_read_bits + b.state_read_bits + b.state_write_bits +
                                   b.input_read_bits + b.output_write_bits;
  if (f.energy_pJ < (f.mac_pJ + b.dram_energy_pJ) * (1 - 1e-9))
    out.push_back(where + ": energy below MAC + off-chip floor");
  if (f.offchip_bits < floor_bits)
    out.push_back(where + ": off-chip bits " + std::to_string(f.offchip_bits) + " < floor " +
                  std::to_string(floor_bits));
}

// The top buffer never holds more than it can (physical: a node or a transfer waits until the
// room its evictions make is free, ModelPolicy::room_before_write_backs_end), unless the run
// says it overflowed (nothing could be evicted).
void check_peak(const std::string& where, std::uint64_t peak_bits, bool overflow,
                double capacity_bits, std::vector<std::string>& out, std::size_t& overflowed) {
  if (overflow) ++overflowed;
  if (!overflow && static_cast<double>(peak_bits) > capacity_bits) {
    out.push_back(where + ": peak " + std::to_string(peak_bits) + " bits > capacity " +
                  std::to_string(static_cast<std::uint64_t>(capacity_bits)));
  }
}

std::string report(const std::vector<std::string>& v) {
  std::ostringstream os;
  for (const auto& s : v)
    os << "  " << s << "\n";
  return os.str();
}

// Known anomalies, by "<workload> <corner>": the violations there are printed and counted, not
// hidden; any violation elsewhere fails, and so does a listed case that no longer has one (the
// list must stay true). Measured reasons (README "Cost model", physical properties), all latency:
//  - Energy first, latency after (RED-LIF ST-LBL, 5 pairs, 0.25 -> 0.5 .. 1.5 MB, +2.51 .. +3.38
//    %, energy -3.9 .. -22.9 %): a larger buffer lets nodes keep on chip what they streamed
//    before, for less energy; what they keep is fetched or written back between nodes, and the
//    fetch of an output a streaming node wrote to DRAM can start only when that node ends.
//    0.25 -> 1 MB: 132,825,915 -> 137,314,218 cycles (+3.38 %), busy 132.22 -> 128.48 M cycles,
//    gaps between nodes 0.61 -> 8.83 M, fetched bits 48.8 -> 526.2 Mbit, energy 54,841 -> 46,674
//    uJ (-14.9 %), in `stems evaluate` on meta_proto_1mb.toml resized.
// (SEW TB-LBL, 5 pairs 0.5 .. 1.5 -> 2 MB, +2.03 .. +2.63 %, went with the last-use weighing,
// last_use_fetches_unpriced off: at 2 MB layers 1 and 2 kept their 1.5 MB state, fetched before
// the layer and written back after, 2 x 12,582,912 bits at 64 bits/cycle on the critical path,
// where the nest that streams it costs the same energy to 1e-12; the tie now goes to the lower
// latency, 1 -> 2 MB 28,187,142 -> 28,030,725 cycles, was 28,398,900 -> 29,023,586.
// SEW ST-LBL went with streaming_holds_link_whole off: 0.25 -> 0.5 MB was +2.97 % (at 0.5 MB its
// nodes move more between nodes instead of streaming in-node, and those transfers waited for
// streaming nodes that held the whole link); with the link shared it is under the 2 % tolerance.
// Before state_fetch_evicts_live was a policy, SEW ST-F, SEW HY-3 and RED-LIF HY-4 were listed
// too and ST-LBL's energy rose: a state that fit was fetched by evicting every other live state,
// SEW ST-LBL 1.5 -> 2 MB evictions 28 -> 8,240 uJ; 52 violations then, 26 after it, 20 since a
// resident output counts at its final precision in the physical split. SEW ST-LBL's 7 latency
// violations went with largest_streamed_tile_on_ties: its states, streamed, were loaded whole
// before their nodes once they fitted the top level; 17 since. RED-LIF ST-F's 7 went with
// next-use eviction (evict_by_remaining_uses off): evicting by remaining uses kept all 12.4 Mbit
// of weights resident at 2 MB and evicted the fused pipeline's activations instead, energy
// +28.5 % from 1.5 to 2 MB; 11 since; 12 with room_before_write_backs_end off; 13 with the link
// shared; 13, each smaller, since a carried-over state's write-back is due rather than urgent; 5
// with the last-use weighing: RED-LIF ST-LBL 8 -> 5, SEW TB-LBL 5 -> 0.)
const std::vector<std::string> kKnownAnomalies = {"RED-LIF ST-LBL"};
// Their violations, all latency: the count is checked, so that a change which adds or removes one
// (or adds an energy one) must update this list, its reasons and the README's property table.
constexpr std::size_t kKnownAnomalyViolations = 5;

bool listed(const std::vector<std::string>& list, const std::string& name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}
bool known(const std::string& where) {
  return listed(kKnownAnomalies, where);
}

// The model the issue measured: physical, but with STEMS's all-or-nothing too-large rule, no
// prefetching, in-node DRAM streaming at the DRAM width, ZigZag's tie rule for streamed tiles and
// nests chosen without the moves of what they keep on chip.
cost::ModelPolicy before_step3() {
  cost::ModelPolicy p = cost::ModelPolicy::physical();
  p.all_or_nothing_too_large = true;
  p.last_use_fetches_unpriced = true;
  p.no_prefetch = true;
  p.dram_stream_at_dram_width = true;
  p.largest_streamed_tile_on_ties = true;
  return p;
}

}  // namespace

// ---- the issue's measured violations, reproduced, then gone ------------------------------------

struct IssueCase {
  const char* workload;
  const char* corner;
  double from_mb, to_mb;
  const char* figure;  // energy, offchip or latency
  double tolerance;
};
const IssueCase kIssueCases[] = {
    {"RED-LIF", "TB-LBL", 1.25, 1.5, "energy", 1e-9},
    {"SEW", "TB-LBL", 0.5, 0.75, "offchip", 1e-9},
    {"SEW", "ST-LBL", 1.5, 2.0, "latency", 0.02},
};

double figure(const Figures& f, const std::string& which) {
  return which == "energy" ? f.energy_pJ : which == "offchip" ? f.offchip_pJ : f.latency_cycles;
}

TEST(PhysicalProperties, TheIssuesThreeViolationsReproducedAndGone) {
  for (const IssueCase& c : kIssueCases) {
    const auto& net = c.workload == std::string("SEW") ? test::sew() : test::red_lif();
    SCOPED_TRACE(std::string(c.workload) + " " + c.corner + " " + c.figure);
    auto grows = [&](const cost::ModelPolicy& p) {
      const double a =
          figure(evaluate(net, with_buffer(test::meta(), c.from_mb), c.corner, p), c.figure);
      const double b =
          figure(evaluate(net, with_buffer(test::meta(), c.to_mb), c.corner, p), c.figure);
      std::printf("  %s %s %s %.2f->%.2f MB (%s): %.6g -> %.6g\n", c.workload, c.corner, c.figure,
                  c.from_mb, c.to_mb, p.all_or_nothing_too_large ? "before" : "physical", a, b);
      return b > a * (1 + c.tolerance);
    };
    EXPECT_TRUE(grows(before_step3())) << "the issue's violation is no longer reproduced";
    EXPECT_FALSE(grows(cost::ModelPolicy::physical()));
  }
}

// ---- single policies --------------------------------------------------------------------------

// neuron_update_energy_pJ is charged per stateful neuron per timestep in physical, never in stems.
TEST(PhysicalPolicies, NeuronUpdateEnergyPerStatefulNeuronPerTimestep) {
  hardware::Accelerator acc = test::meta();
  acc.cores[0].neuron_update_energy_pJ = 0.5;
  const workload::Layer& l = test::sew().layer_by_id(9);
  ASSERT_TRUE(l.stateful());
  cost::NodeSearchOptions physical, stems;
  stems.policy = cost::ModelPolicy::stems();
  const auto with = cost::search_node(l, acc.cores[0], acc.dram, {}, physical);
  const auto without = cost::search_node(l, test::meta().cores[0], acc.dram, {}, physical);
  double neurons = 1;
  for (auto d : {workload::Dim::T, workload::Dim::B, workload::Dim::G, workload::Dim::K,
                 workload::Dim::OY, workload::Dim::OX})
    neurons *= double(l.size(d));
  EXPECT_DOUBLE_EQ(with.neuron_energy_pJ, 0.5 * neurons);
  EXPECT_NEAR(with.energy_pJ - without.energy_pJ, 0.5 * neurons, 1e-6 * with.energy_pJ);
  EXPECT_EQ(cost::search_node(l, acc.cores[0], acc.dram, {}, stems).neuron_energy_pJ, 0.0);
}

// A time-sequential state with no free room streams through its node instead of evicting the
// other layers' live states (state_fetch_evicts_live off in physical): SEW ST-LBL at 2 MB, where
// one block-0 state (1.5 MB) fits beside a node's operands, no longer thrashes. Time-batched
// states (one node each) are untouched.
TEST(PhysicalPolicies, AStateWithoutRoomStreamsInsteadOfEvictingLiveStates) {
  const auto run = [](const char* corner, bool evicts_live) {
    cost::ModelPolicy p = cost::ModelPolicy::physical();
    p.state_fetch_evicts_live = evicts_live;
    return run_schedule(test::sew(), with_buffer(test::meta(), 2.0),
                        corner_schedule(test::sew(), corner), p);
  };
  const auto streams = run("ST-LBL", false);
  const auto evicts = run("ST-LBL", true);
  std::printf("  SEW ST-LBL 2 MB: energy %.1f -> %.1f uJ, evictions %.1f -> %.1f uJ\n",
              evicts.energy_pJ / 1e6, streams.energy_pJ / 1e6,
              evicts.buckets.eviction_memory_pJ / 1e6, streams.buckets.eviction_memory_pJ / 1e6);
  EXPECT_LT(streams.energy_pJ, 0.85 * evicts.energy_pJ);
  EXPECT_LT(streams.buckets.eviction_memory_pJ, 0.1 * evicts.buckets.eviction_memory_pJ);
  EXPECT_EQ(run("TB-F", false).energy_pJ, run("TB-F", true).energy_pJ);
  EXPECT_TRUE(cost::ModelPolicy::stems().state_fetch_evicts_live);
}

// A state streamed from DRAM is streamed under compute, not loaded whole before the node, even
// when the top level could hold all of it (largest_streamed_tile_on_ties off in physical): SEW
// layer 1, one timestep, V streamed, on 2 MB. ZigZag's tie rule gives the top level all 12,582,912
// state bits; physical keeps a smaller tile with the same traffic and energy, and less latency.
TEST(PhysicalPolicies, AStreamedStateIsStreamedUnderComputeNotLoadedWhole) {
  workload::Layer step = test::sew().layer_by_id(1);
  step.set_size(workload::Dim::T, 1);
  const hardware::Accelerator acc = with_buffer(test::meta(), 2.0);
  const double link = cost::dram_link_bandwidth(acc, acc.cores[0]);
  cost::NodeSearchOptions physical, zigzag;
  zigzag.policy.largest_streamed_tile_on_ties = true;
  const auto v = cost::operand_bit(hardware::MemOperand::V);
  const auto ours = cost::search_node(step, acc.cores[0], acc.dram, {}, physical, link, v);
  const auto theirs = cost::search_node(step, acc.cores[0], acc.dram, {}, zigzag, link, v);
  auto top_v_bits = [](const cost::NodeCost& c) {
    for (const auto& op : c.operands) {
      if (op.operand == hardware::MemOperand::V) return op.levels[op.levels.size() - 2].tile_bits;
    }
    return -1.0;
  };
  std::printf("  V top tile %.0f -> %.0f bits, loading %.0f -> %.0f, latency %.0f -> %.0f cycles\n",
              top_v_bits(theirs), top_v_bits(ours), theirs.latency.loading_cycles,
              ours.latency.loading_cycles, theirs.latency.latency_cycles,
              ours.latency.latency_cycles);
  EXPECT_EQ(top_v_bits(theirs), 12582912.0);
  EXPECT_LT(top_v_bits(ours), top_v_bits(theirs));
  EXPECT_EQ(ours.energy_pJ, theirs.energy_pJ);
  EXPECT_LT(ours.latency.latency_cycles, 0.9 * theirs.latency.latency_cycles);
  EXPECT_LE(ours.latency.latency_cycles + ours.latency.offloading_cycles,
            theirs.latency.latency_cycles + theirs.latency.offloading_cycles);
  EXPECT_TRUE(cost::ModelPolicy::stems().largest_streamed_tile_on_ties);
}

// Room is made by evicting the tensor whose next use comes last (evict_by_remaining_uses off in
// physical): RED-LIF ST-F, 1.5 -> 2 MB. By remaining uses, 2 MB keeps every layer's weights (many
// uses left, one per node) and evicts the fused pipeline's activations, read by the very next
// nodes, which are written back and fetched again; by next use, the weights of the layers the
// pipeline left leave first and are fetched again (no write-back).
TEST(PhysicalPolicies, EvictionTakesTheTensorUsedLastNotTheOneWithFewestUses) {
  const auto run = [](double mb, bool by_uses) {
    cost::ModelPolicy p = cost::ModelPolicy::physical();
    p.evict_by_remaining_uses = by_uses;
    return run_schedule(test::red_lif(), with_buffer(test::meta(), mb),
                        corner_schedule(test::red_lif(), "ST-F"), p);
  };
  const auto uses_small = run(1.5, true), uses_large = run(2.0, true);
  const auto next_small = run(1.5, false), next_large = run(2.0, false);
  std::printf(
      "  RED-LIF ST-F 1.5 -> 2 MB: by uses %.1f -> %.1f uJ (evictions %.1f -> %.1f), "
      "by next use %.1f -> %.1f uJ (evictions %.1f -> %.1f)\n",
      uses_small.energy_pJ / 1e6, uses_large.energy_pJ / 1e6,
      uses_small.buckets.eviction_memory_pJ / 1e6, uses_large.buckets.eviction_memory_pJ / 1e6,
      next_small.energy_pJ / 1e6, next_large.energy_pJ / 1e6,
      next_small.buckets.eviction_memory_pJ / 1e6, next_large.buckets.eviction_memory_pJ / 1e6);
  EXPECT_GT(uses_large.energy_pJ, 1.2 * uses_small.energy_pJ);
  EXPECT_LE(next_large.energy_pJ, next_small.energy_pJ);
  EXPECT_LT(next_large.energy_pJ, uses_large.energy_pJ);
  EXPECT_TRUE(cost::ModelPolicy::stems().evict_by_remaining_uses);
}

// In-node DRAM streaming is timed at the link when it is narrower than the DRAM (physical only).
TEST(PhysicalPolicies, InNodeStreamingIsTimedAtTheLink) {
  const workload::Layer& l = test::sew().layer_by_id(1);
  hardware::Accelerator small = with_buffer(test::meta(), 0.25);
  cost::NodeSearchOptions physical, width;
  width.policy.dram_stream_at_dram_width = true;
  const auto at_link = cost::search_node(l, small.cores[0], small.dram, {}, physical, 1.0);
  const auto at_width = cost::search_node(l, small.cores[0], small.dram, {}, width, 1.0);
  ASSERT_FALSE(at_link.too_large.empty());
  EXPECT_GT(at_link.latency.latency_cycles, 4 * at_width.latency.latency_cycles);
  EXPECT_DOUBLE_EQ(at_link.energy_pJ, at_width.energy_pJ);
}

// ---- the sweeps ---------------------------------------------------------------------------------

namespace {

// One buffer sweep under `policy`: every workload x corner at every size of kBufferMB. A case's
// capacity violations (check_capacity) go to `sort_case(where, found, violations)`, which files
// them; the floor and peak checks, and under policy.reserve_streamed_tiles the over-capacity
// check, go to `violations`.
struct BufferSweep {
  std::size_t evaluations = 0, overflowed = 0;
  std::vector<std::string> violations;
};

BufferSweep sweep_buffers(const cost::ModelPolicy& policy,
                          const std::function<void(const std::string&, std::vector<std::string>&,
                                                   std::vector<std::string>&)>& sort_case,
                          cost::Criterion criterion = cost::Criterion::Energy) {
  BufferSweep s;
  for (const Workload& w : workloads()) {
    const workload::Network& net = w.net();
    const cost::Bounds bounds = cost::compute_bounds(net, test::meta());
    for (const std::string& corner : corners(net)) {
      std::vector<Figures> f(kBufferMB.size());
      parallel(kBufferMB.size(), [&](std::size_t i) {
        f[i] = evaluate(net, with_buffer(test::meta(), kBufferMB[i]), corner, policy, criterion);
      });
      s.evaluations += f.size();
      const std::string where = std::string(w.name) + " " + corner;
      std::vector<std::string> found;
      check_capacity(where, kBufferMB, f, found);
      sort_case(where, found, s.violations);
      for (std::size_t i = 0; i < f.size(); ++i) {
        const std::string at = where + " " + std::to_string(kBufferMB[i]).substr(0, 4) + " MB";
        check_floor(at, f[i], bounds, s.violations);
        check_peak(at, f[i].peak_bits, f[i].overflow, std::floor(kBufferMB[i] * kMB_bits),
                   s.violations, s.overflowed);
        if (policy.reserve_streamed_tiles && !f[i].overflow && f[i].over_capacity_nodes > 0) {
          s.violations.push_back(at + ": " + std::to_string(f[i].over_capacity_nodes) +
                                 " nodes count on unreserved room");
        }
      }
    }
  }
  return s;
}

}  // namespace

TEST(PhysicalProperties, MoreBufferNeverCostsEnergyOrTime) {
  std::vector<std::string> anomalies;
  BufferSweep s = sweep_buffers(
      cost::ModelPolicy::physical(), [&](const std::string& where, std::vector<std::string>& found,
                                         std::vector<std::string>& violations) {
        if (known(where)) {
          EXPECT_FALSE(found.empty()) << where << " is listed as a known anomaly but has none";
        }
        auto& to = known(where) ? anomalies : violations;
        to.insert(to.end(), found.begin(), found.end());
      });
  std::printf(
      "%zu evaluations (%zu flag memory_overflow: peak not checked); %zu violations in "
      "the known-anomaly cases:\n%s",
      s.evaluations, s.overflowed, anomalies.size(), report(anomalies).c_str());
  // No run here overflows today; one that did would leave its peak unchecked (check_peak).
  EXPECT_EQ(s.overflowed, 0u);
  EXPECT_EQ(s.violations.size(), 0u) << report(s.violations);
  EXPECT_EQ(anomalies.size(), kKnownAnomalyViolations) << report(anomalies);
  for (const std::string& a : anomalies)
    EXPECT_NE(a.find(": latency "), std::string::npos) << "not a latency violation: " << a;
}

// The anomalies are not only the energy criterion trading latency for energy: with every node's
// loop nest chosen by latency or by energy-delay product (`--criterion`, which the scheduler's
// last-use weighing follows too), the latency violations stay in the same case, RED-LIF ST-LBL
// (3 under latency, 4 under edp, against 5 under energy): the gaps between its nodes are fetches
// that can start only when the node producing the fetched output ends. Until the last-use
// weighing SEW TB-LBL was a case under every criterion too (a nest's latency counts the transfers
// between its own levels, not the fetch and write-back the scheduler makes around it for an
// operand the nest keeps in the top buffer: 14 latency violations under latency, 10 under edp).
// Under latency the nest does not aim at energy, and energy rises with the buffer in RED-LIF
// TB-LBL (4 pairs, each in energy and off-chip energy: 8 violations, at most +0.73 % and +1.71
// %), counted here, not required to be 0; under edp both energy properties hold. Floor and peak
// checks hold under both.
struct CriterionCase {
  cost::Criterion criterion;
  std::size_t latency_violations, energy_violations;
};
const CriterionCase kCriterionCases[] = {{cost::Criterion::Latency, 3, 8},
                                         {cost::Criterion::Edp, 4, 0}};

TEST(PhysicalProperties, UnderTheOtherCriteriaTheLatencyAnomaliesStayInTheSameCases) {
  for (const CriterionCase& c : kCriterionCases) {
    const char* name = name_of(cost::kCriterionNames, c.criterion).data();
    SCOPED_TRACE(name);
    std::vector<std::string> latency, energy;
    BufferSweep s = sweep_buffers(
        cost::ModelPolicy::physical(),
        [&](const std::string& where, std::vector<std::string>& found,
            std::vector<std::string>& violations) {
          for (const std::string& v : found) {
            const bool is_latency = v.find(": latency ") != std::string::npos;
            if (is_latency && !known(where)) violations.push_back(v);
            (is_latency ? latency : energy).push_back(v);
          }
        },
        c.criterion);
    std::printf("--criterion %s: %zu latency violations (known cases), %zu energy:\n%s%s", name,
                latency.size(), energy.size(), report(latency).c_str(), report(energy).c_str());
    EXPECT_EQ(s.overflowed, 0u);
    EXPECT_EQ(s.violations.size(), 0u) << report(s.violations);
    EXPECT_EQ(latency.size(), c.latency_violations) << report(latency);
    EXPECT_EQ(energy.size(), c.energy_violations) << report(energy);
    for (const std::string& e : energy)
      EXPECT_EQ(e.rfind("RED-LIF TB-LBL ", 0), 0u) << e;
  }
}

// physical-reserved (ModelPolicy::reserve_streamed_tiles): every streaming node's tiles have room,
// so no node counts on more than its core holds (0 over-capacity nodes in every run, the peak,
// which now includes the tiles, within the buffer) and the energy property holds over the same
// sweep. The latency property does not: the tiles' room is made by evictions at the node's start,
// and a larger buffer lets a node keep a state on chip or take larger tiles for less energy, paid
// by more evictions and fetches between nodes (SEW HY-3 0.75 -> 1 MB: energy -4.0 %, moved bits
// 234 -> 530 Mbit, gaps between nodes 2.92 -> 7.84 M cycles, latency +4.1 %). Their count is
// checked so that a change which adds or removes one must say so here and in the README (23 until
// idle victims left ahead of the node needing their room, evict_when_room_needed off: SEW HY-3
// 0.25 -> 1.5 MB went; 21 since the link is shared, streaming_holds_link_whole off; 22 since a
// carried-over state's write-back is due rather than urgent, state_write_back_at_last_use off:
// SEW HY-3 0.75 -> 1.5 MB went from +1.92 to +2.13 %, both faster: 0.75 MB 39,242,388 ->
// 38,643,134 cycles, 1.5 MB 39,994,394 -> 39,465,701; 14 with the last-use weighing, in four cases:
// SEW HY-3 6, ST-F 3, ST-LBL 2, RED-LIF ST-LBL 3, SEW TB-LBL's went; the test prints the list).
constexpr std::size_t kReservedLatencyViolations = 14;

TEST(ReservedTilesProperties, EveryTileHasRoomAndMoreBufferNeverCostsEnergy) {
  std::vector<std::string> latency;
  BufferSweep s = sweep_buffers(
      cost::ModelPolicy::physical_reserved(),
      [&](const std::string&, std::vector<std::string>& found,
          std::vector<std::string>& violations) {
        for (const std::string& v : found) {
          (v.find(": latency ") != std::string::npos ? latency : violations).push_back(v);
        }
      });
  std::printf("%zu evaluations; %zu latency violations:\n%s", s.evaluations, latency.size(),
              report(latency).c_str());
  EXPECT_EQ(s.overflowed, 0u);
  EXPECT_EQ(s.violations.size(), 0u) << report(s.violations);
  EXPECT_EQ(latency.size(), kReservedLatencyViolations) << report(latency);
}

TEST(PhysicalProperties, AFasterLinkNeverCostsTime) {
  std::vector<std::string> violations;
  std::size_t overflowed = 0;
  const auto policy = cost::ModelPolicy::physical();
  for (const Workload& w : workloads()) {
    const workload::Network& net = w.net();
    const cost::Bounds bounds = cost::compute_bounds(net, test::meta());
    for (const std::string& corner : corners(net)) {
      std::vector<Figures> f(kLinkBits.size());
      parallel(kLinkBits.size(), [&](std::size_t i) {
        f[i] = evaluate(net, with_link(test::meta(), kLinkBits[i]), corner, policy);
      });
      const std::string where = std::string(w.name) + " " + corner;
      check_link(where, f, violations);
      const double capacity = top_capacity_bits(test::meta());
      for (std::size_t i = 0; i < f.size(); ++i) {
        const std::string at = where + " link " + std::to_string(int(kLinkBits[i]));
        check_floor(at, f[i], bounds, violations);
        check_peak(at, f[i].peak_bits, f[i].overflow, capacity, violations, overflowed);
      }
    }
  }
  std::printf("%zu runs flag memory_overflow (peak not checked)\n", overflowed);
  // No run here overflows today; one that did would leave its peak unchecked (check_peak).
  EXPECT_EQ(overflowed, 0u);
  EXPECT_EQ(violations.size(), 0u) << report(violations);
}

// ---- random inputs -----------------------------------------------------------------------------

namespace {

// A random chain of 1-4 blocks (seeded): each block a conv (1x1 or 3x3 padded, with a PLIF neuron
// or none), optionally a second conv, an Add of the two and a 2x2 max-pool; 8-64 channels, 8-64
// pixels a side, T of 2, 4 or 8, 2- or 4-bit weights, 8-16-bit states, a 1- or 4-bit input. Written
// as a workload file and loaded, so the loader's checks apply.
struct RandomNet {
  std::string toml;
  int blocks = 0;
};

RandomNet random_network(std::mt19937_64& rng, int index) {
  auto pick = [&](std::initializer_list<int> v) {
    return *(v.begin() + std::uniform_int_distribution<std::size_t>(0, v.size() - 1)(rng));
  };
  auto coin = [&](double p) { return std::bernoulli_distribution(p)(rng); };
  std::ostringstream os;
  const int T = pick({2, 4, 8});
  os << "[workload]\nname = \"random_" << index << "\"\ntimesteps = " << T << "\n";
  const int blocks = pick({1, 2, 3, 4});
  int size = pick({16, 32, 64}), channels = pick({2, 4, 8}), id = 0, prev = -1;
  const int w_bits = pick({2, 4}), v_bits = pick({8, 12, 16});  // rf_4b_W holds 4 bits
  int cur_bits = pick({1, 4});  // the bits of the values the next layer reads
  auto conv = [&](int block, int K, int C) {
    const int F = pick({1, 3});
    os << "\n[[layer]]\nid = " << id << "\nname = \"b" << block << "_conv" << id
       << "\"\nop = \"conv2d\"\nblock = " << block << "\nK = " << K << "\nC = " << C
       << "\nOY = " << size << "\nOX = " << size << "\nFY = " << F << "\nFX = " << F << "\n";
    if (F == 3) os << "padding = 1\n";
    const bool neuron = coin(0.75);
    if (neuron) os << "neuron = \"PLIF\"\n";
    os << "precision = { W = " << w_bits << ", I = " << cur_bits << ", O = " << (neuron ? 1 : 4)
       << ", psum = 12" << (neuron ? ", V = " + std::to_string(v_bits) : "") << " }\n";
    if (prev >= 0) os << "inputs = { I = " << prev << " }\n";
    cur_bits = neuron ? 1 : 4;
    return neuron;
  };
  for (int b = 0; b < blocks; ++b) {
    const int K = pick({8, 16, 32, 64});
    const bool spiking_a = conv(b, K, channels);
    const int a = id++;
    prev = a;
    if (coin(0.5)) {
      const bool spiking_b = conv(b, K, K);
      const int c = id++;
      prev = c;
      if (spiking_a && spiking_b && coin(0.5)) {
        os << "\n[[layer]]\nid = " << id << "\nname = \"b" << b
           << "_add\"\nop = \"add\"\nblock = " << b << "\nK = " << K << "\nOY = " << size
           << "\nOX = " << size << "\nprecision = { I = 1, O = 1 }\ninputs = { X = " << c
           << ", Y = " << a << " }\n";
        prev = id++;
      }
    }
    if (size >= 16 && coin(0.5)) {
      os << "\n[[layer]]\nid = " << id << "\nname = \"b" << b
         << "_pool\"\nop = \"maxpool\"\nblock = " << b << "\nK = " << K << "\nOY = " << size / 2
         << "\nOX = " << size / 2 << "\nFY = 2\nFX = 2\nstride = 2\nprecision = { I = " << cur_bits
         << ", O = " << cur_bits << " }\ninputs = { I = " << prev << " }\n";
      prev = id++;
      size /= 2;
    }
    channels = K;
  }
  return {os.str(), blocks};
}

std::string random_bits(std::mt19937_64& rng, int n) {
  std::string s;
  for (int i = 0; i < n; ++i)
    s += std::bernoulli_distribution(0.5)(rng) ? '1' : '0';
  return s;
}

// The random sweep's networks in order, each with its random STEMS schedule: one seed.
constexpr std::uint64_t kRandomSeed = 20261203;
struct RandomCase {
  std::string name, where;  // random_<n>, and with its blocks and schedule
  workload::Network net;
  schedule::Schedule sched;
};

RandomCase next_random_case(std::mt19937_64& rng, int n) {
  const std::string name = "random_" + std::to_string(n);
  const RandomNet rn = random_network(rng, n);
  workload::Network net =
      workload::load_workload(config::parse_toml_string(rn.toml, name + ".toml"));
  const std::string time = random_bits(rng, rn.blocks), depth = random_bits(rng, rn.blocks);
  schedule::Schedule sched = schedule::schedule_from_bits(net, time, depth, true);
  const std::string where =
      name + " (" + std::to_string(rn.blocks) + " blocks, time " + time + ", depth " + depth + ")";
  return {name, where, std::move(net), std::move(sched)};
}

// The n-th case of the random sweep (the seed's stream replayed through the cases before it).
RandomCase random_case(int n) {
  std::mt19937_64 rng(kRandomSeed);
  for (int i = 0; i < n; ++i)
    next_random_case(rng, i);
  return next_random_case(rng, n);
}

}  // namespace

// Known anomalies of the random sweep below (kRandomSeed), by network: their capacity violations
// are printed and counted, not hidden; any elsewhere fails, and so does a listed network that no
// longer has one. Both are the energy criterion trading latency for energy, measured with `stems
// evaluate` on the network's TOML (the test's `random_network`) and meta_proto_1mb.toml resized:
// a larger buffer keeps outputs on chip for the next layer (less energy), and a node fetches an
// operand whole before it, for slightly less energy than the nest that streams it under compute:
//  - random_28 (1 block, time 1) 0.0625 / 0.125 -> 0.25 MB, latency +2.4 / +7.1 %, and 0.125 ->
//    0.5 MB +3.2 %, energy -13.2 % (183.07 -> 159.00 uJ: conv1's 1-bit output stays on chip for
//    the pool, pool off-chip 14.54 -> 3.07 uJ): layer 0 fetches its padded 4-bit input whole,
//    8 x 66 x 66 x 4 bits x 8 timesteps = 1,115,136 bits at 64 bits/cycle = 17,424 cycles before
//    it starts (its on-chip energy 15.75 -> 15.55 uJ), 187,804 -> 201,063 cycles.
//  - random_5 (4 blocks, time 1010, depth 0110) 0.0625 / 0.125 -> 0.25 MB, latency +3.3 / +5.1
//    %, energy -15.6 / -13.0 % (the Add's and pool's operands stay on chip, their off-chip energy
//    35.23 -> 22.94 and 11.47 -> 0 uJ): layer 1 (time-batched) fetches its 1,048,576-bit state
//    whole, 16,384 cycles before it (on-chip 4.38 -> 4.25 uJ), 339,501 -> 356,660 cycles.
// Until the last-use weighing (ModelPolicy::last_use_fetches_unpriced off) these were 13 in four
// networks, one of them energy: random_32 (3 blocks, time 100, depth 001) 0.0625 -> 0.125 MB
// +23.5 %, a nest keeping its state with the fetch and write-back left out of its energy
// (PhysicalPolicies.ANestIsWeighedWithTheMovesOfWhatItsNodeUsesLast); random_11's 3 and
// random_28's +12.0 / +17.1 % at equal energy were states kept whole, fetched before their nodes.
const std::vector<std::string> kKnownRandomAnomalies = {"random_5", "random_28"};
constexpr std::size_t kKnownRandomAnomalyViolations = 5;

// The capacity, link, floor and peak properties over random networks and random STEMS schedules
// (one seed drives every choice; every case is printed when it fails): each network at six buffer
// sizes, 64 KB .. 2 MB, and at three link bandwidths, 16, 64 and 256 bits/cycle, on the 1 MB
// buffer. A network whose smallest buffer cannot hold a node is an error there, which is allowed
// only below the sizes that work (a mapping valid with a smaller buffer stays valid with a larger
// one).
TEST(PhysicalProperties, RandomNetworksAndSchedulesKeepTheProperties) {
  constexpr int kNetworks = 40;
  const std::vector<double> mb = {0.0625, 0.125, 0.25, 0.5, 1.0, 2.0};
  const std::vector<double> links = {16, 64, 256};
  std::mt19937_64 rng(kRandomSeed);
  std::vector<std::string> violations, anomalies;
  std::size_t evaluations = 0, errors = 0, overflowed = 0;
  const auto policy = cost::ModelPolicy::physical();
  for (int n = 0; n < kNetworks; ++n) {
    const RandomCase rc = next_random_case(rng, n);
    const std::string &name = rc.name, &where = rc.where;
    const workload::Network& net = rc.net;
    const schedule::Schedule& sched = rc.sched;
    std::vector<Figures> f(mb.size() + links.size());
    std::vector<std::string> error(f.size());
    parallel(f.size(), [&](std::size_t i) {
      const hardware::Accelerator acc = i < mb.size()
                                            ? with_buffer(test::meta(), mb[i])
                                            : with_link(test::meta(), links[i - mb.size()]);
      try {
        f[i] = figures_of(run_schedule(net, acc, sched, policy));
      } catch (const std::exception& e) {
        error[i] = e.what();
      }
    });
    evaluations += f.size();
    // Buffer sizes: errors only below every size that works.
    std::size_t first_ok = 0;
    while (first_ok < mb.size() && !error[first_ok].empty())
      ++first_ok;
    errors += first_ok;
    bool failed = false;
    for (std::size_t i = first_ok; i < f.size(); ++i) {
      if (error[i].empty()) continue;
      failed = true;
      violations.push_back(
          where +
          (i < mb.size() ? " " + std::to_string(mb[i]) + " MB fails after a smaller buffer worked: "
                         : " link: ") +
          error[i]);
    }
    if (failed) continue;
    const std::vector<double> ok_mb(mb.begin() + first_ok, mb.end());
    const std::vector<Figures> ok_f(f.begin() + first_ok, f.begin() + mb.size());
    std::vector<std::string> found;
    check_capacity(where, ok_mb, ok_f, found);
    const bool known_case = listed(kKnownRandomAnomalies, name);
    if (known_case) {
      EXPECT_FALSE(found.empty()) << name << " is listed as a known anomaly but has none";
    }
    auto& to = known_case ? anomalies : violations;
    to.insert(to.end(), found.begin(), found.end());
    check_link(where, std::vector<Figures>(f.begin() + mb.size(), f.end()), violations);
    const cost::Bounds bounds = cost::compute_bounds(net, test::meta());
    for (std::size_t i = first_ok; i < f.size(); ++i) {
      const bool buffer_run = i < mb.size();
      const std::string at =
          where + (buffer_run ? " " + std::to_string(mb[i]).substr(0, 6) + " MB"
                              : " link " + std::to_string(int(links[i - mb.size()])));
      check_floor(at, f[i], bounds, violations);
      check_peak(at, f[i].peak_bits, f[i].overflow,
                 buffer_run ? std::floor(mb[i] * kMB_bits) : top_capacity_bits(test::meta()),
                 violations, overflowed);
    }
  }
  std::printf(
      "%zu evaluations of %d random networks (%zu below the smallest buffer that holds "
      "them, %zu flag memory_overflow); %zu violations in the known-anomaly networks:\n%s",
      evaluations, kNetworks, errors, overflowed, anomalies.size(), report(anomalies).c_str());
  EXPECT_GT(evaluations - errors, evaluations * 3 / 4);  // the sizes mostly work
  EXPECT_EQ(violations.size(), 0u) << report(violations);
  EXPECT_EQ(anomalies.size(), kKnownRandomAnomalyViolations) << report(anomalies);
  for (const std::string& a : anomalies) {
    EXPECT_NE(a.find(": latency "), std::string::npos) << "not a latency violation: " << a;
  }
}

// A node whose best loop nest keeps on chip tensors the node uses last, not on the core, is
// weighed with their moves against the best nest that streams them (last_use_fetches_unpriced
// off in physical). random_32 at 0.0625 -> 0.125 MB: unweighed, layer 0 keeps its 786,432-bit
// state (nest 4.80 against 19.75 uJ streaming it) and sends its output to DRAM and back, the
// state's fetch and write-back (17.8 uJ) charged by the scheduler: energy +23.5 %. SEW TB-LBL on
// 2 MB: layer 1 keeping its 12,582,912-bit state with its fetch and write-back costs the energy
// of streaming it (to 1e-12), and waits 2 x 196,608 cycles for them; weighed, it streams it.
TEST(PhysicalPolicies, ANestIsWeighedWithTheMovesOfWhatItsNodeUsesLast) {
  cost::ModelPolicy unpriced = cost::ModelPolicy::physical();
  unpriced.last_use_fetches_unpriced = true;
  const RandomCase rc = random_case(32);
  const auto energy = [&](double mb, const cost::ModelPolicy& p) {
    return run_schedule(rc.net, with_buffer(test::meta(), mb), rc.sched, p).energy_pJ;
  };
  const double before_small = energy(0.0625, unpriced), before_large = energy(0.125, unpriced);
  const double small = energy(0.0625, cost::ModelPolicy::physical());
  const double large = energy(0.125, cost::ModelPolicy::physical());
  std::printf("  %s 0.0625 -> 0.125 MB: unweighed %.2f -> %.2f uJ, weighed %.2f -> %.2f uJ\n",
              rc.where.c_str(), before_small / 1e6, before_large / 1e6, small / 1e6, large / 1e6);
  EXPECT_GT(before_large, 1.2 * before_small);
  EXPECT_LE(large, small * (1 + 1e-9));
  EXPECT_LE(large, before_large);

  const hardware::Accelerator acc = with_buffer(test::meta(), 2.0);
  const schedule::Schedule tb_lbl = corner_schedule(test::sew(), "TB-LBL");
  const auto kept = run_schedule(test::sew(), acc, tb_lbl, unpriced);
  const auto weighed = run_schedule(test::sew(), acc, tb_lbl, cost::ModelPolicy::physical());
  std::printf("  SEW TB-LBL 2 MB: unweighed %.2f uJ %.0f cycles, weighed %.2f uJ %.0f cycles\n",
              kept.energy_pJ / 1e6, kept.latency_cycles, weighed.energy_pJ / 1e6,
              weighed.latency_cycles);
  EXPECT_NEAR(weighed.energy_pJ, kept.energy_pJ, 1e-9 * kept.energy_pJ);
  EXPECT_LT(weighed.latency_cycles, 0.98 * kept.latency_cycles);
  EXPECT_TRUE(cost::ModelPolicy::stems().last_use_fetches_unpriced);
  EXPECT_FALSE(cost::ModelPolicy::physical_reserved().last_use_fetches_unpriced);
}

// Transfers on a core's DRAM link that carry more than the bandwidth its streaming nodes leave
// them (NodeRecord::dram_link_share from dram_link_from_cycle to the node's end; ModelPolicy::
// streaming_holds_link_whole off): a transfer of b bits over [s, e) needs b <= bandwidth x ((e - s)
// - its overlap with each node's window x the node's share), plus one cycle of rounding.
void check_link_bandwidth(const std::string& where, const hardware::Accelerator& acc,
                          const schedule::ScheduleResult& r, std::vector<std::string>& out,
                          std::size_t& checked) {
  struct Window {
    double from, end, share;
  };
  // Per core, its streaming nodes' windows in time order (a core runs one node at a time).
  std::vector<std::vector<Window>> windows(acc.cores.size());
  for (const schedule::NodeRecord& n : r.nodes) {
    if (n.dram_link_share > 0) {
      windows[static_cast<std::size_t>(n.core)].push_back(
          {n.dram_link_from_cycle, n.end_cycle, n.dram_link_share});
    }
  }
  for (auto& w : windows)
    std::sort(w.begin(), w.end(), [](const Window& a, const Window& b) { return a.end < b.end; });
  for (const schedule::TransferRecord& t : r.transfers) {
    const hardware::Link& link = acc.links[t.link];
    if (link.a != acc.dram.name && link.b != acc.dram.name) continue;
    const std::string& core_name = link.a == acc.dram.name ? link.b : link.a;
    const auto core = std::find_if(acc.cores.begin(), acc.cores.end(),
                                   [&](const hardware::Core& c) { return c.name == core_name; });
    const auto& w = windows[static_cast<std::size_t>(core - acc.cores.begin())];
    double held_cycles = 0;
    auto it = std::upper_bound(w.begin(), w.end(), t.start_cycle,
                               [](double s, const Window& x) { return s < x.end; });
    for (; it != w.end() && it->from < t.end_cycle; ++it) {
      const double overlap = std::min(it->end, t.end_cycle) - std::max(it->from, t.start_cycle);
      if (overlap > 0) held_cycles += overlap * it->share;
    }
    ++checked;
    const double room_bits =
        link.bandwidth_bits_per_cycle * (t.end_cycle - t.start_cycle - held_cycles + 1);
    if (double(t.bits) > room_bits * (1 + 1e-12)) {
      out.push_back(where + ": " + std::string(schedule::transfer_kind_name(t.kind)) + " L" +
                    std::to_string(t.layer_id) + " " + t.operand + " " + std::to_string(t.bits) +
                    " bits in room for " + std::to_string(room_bits));
    }
  }
}

// The link-sharing property: a core's DRAM link never carries more than its bandwidth, counting
// the share a streaming node holds, over SEW, RED-LIF and the NIR model, every corner and the
// hybrid, at 0.25, 1 and 2 MB and at 16 and 64 bits per cycle.
TEST(PhysicalProperties, TheDramLinkNeverCarriesMoreThanItsBandwidth) {
  std::vector<std::string> violations;
  std::size_t checked = 0;
  const auto policy = cost::ModelPolicy::physical();
  for (const Workload& w : workloads()) {
    const workload::Network& net = w.net();
    for (const std::string& corner : corners(net)) {
      for (double mb : {0.25, 1.0, 2.0}) {
        for (double link_bits : {16.0, 64.0}) {
          const hardware::Accelerator acc = with_link(with_buffer(test::meta(), mb), link_bits);
          const auto r =
              run_schedule(net, acc, corner_schedule(net, corner), policy, schedule::Records::Full);
          const std::string where = std::string(w.name) + " " + corner + " " +
                                    std::to_string(mb).substr(0, 4) + " MB " +
                                    std::to_string(int(link_bits)) + " b/cycle";
          check_link_bandwidth(where, acc, r, violations, checked);
        }
      }
    }
  }
  std::printf("%zu transfers on DRAM links checked\n", checked);
  EXPECT_GT(checked, 100000u);
  EXPECT_EQ(violations.size(), 0u) << report(violations);
}

// Not a test: the README's attribution of physical - stems on the reference runs to the step-3
// policies, each set back to its STEMS value alone (run with --gtest_also_run_disabled_tests).
TEST(PhysicalProperties, DISABLED_PrintStep3Attribution) {
  struct Variant {
    const char* name;
    cost::ModelPolicy policy;
  };
  std::vector<Variant> variants = {{"physical", cost::ModelPolicy::physical()},
                                   {"before step 3", before_step3()}};
  auto with = [](auto set) {
    cost::ModelPolicy p = cost::ModelPolicy::physical();
    set(p);
    return p;
  };
  variants.push_back({"+all_or_nothing", with([](auto& p) { p.all_or_nothing_too_large = true; })});
  variants.push_back({"+no_prefetch", with([](auto& p) { p.no_prefetch = true; })});
  variants.push_back({"+room_early", with([](auto& p) { p.room_before_write_backs_end = true; })});
  variants.push_back({"+evict_at_need", with([](auto& p) { p.evict_when_room_needed = true; })});
  variants.push_back({"+link_whole", with([](auto& p) { p.streaming_holds_link_whole = true; })});
  variants.push_back(
      {"+wb_at_last_use", with([](auto& p) { p.state_write_back_at_last_use = true; })});
  variants.push_back({"+wb+link_whole", with([](auto& p) {
                        p.state_write_back_at_last_use = true;
                        p.streaming_holds_link_whole = true;
                      })});
  variants.push_back({"+dram_width", with([](auto& p) { p.dram_stream_at_dram_width = true; })});
  variants.push_back(
      {"+largest_tile", with([](auto& p) { p.largest_streamed_tile_on_ties = true; })});
  variants.push_back({"+flush", with([](auto& p) { p.flush_before_too_large = true; })});
  variants.push_back({"+evicts_live", with([](auto& p) { p.state_fetch_evicts_live = true; })});
  variants.push_back(
      {"+last_use_unpriced", with([](auto& p) { p.last_use_fetches_unpriced = true; })});
  variants.push_back({"+wb+last_use", with([](auto& p) {
                        p.state_write_back_at_last_use = true;
                        p.last_use_fetches_unpriced = true;
                      })});
  for (const char* corner : {"TB-LBL", "TB-F", "ST-LBL"}) {
    for (const auto& v : variants) {
      const Figures f = evaluate(test::sew(), test::meta(), corner, v.policy);
      std::printf("%-7s %-16s energy %10.2f uJ  off-chip %10.2f uJ  latency %11.0f  peak %9llu\n",
                  corner, v.name, f.energy_pJ / 1e6, f.offchip_pJ / 1e6, f.latency_cycles,
                  static_cast<unsigned long long>(f.peak_bits));
    }
  }
}

// Dropping neuron state never costs energy in physical: nested state configurations (all blocks,
// the last five, none) in every corner, states carried through DRAM and reset on chip. (Before
// a stateless output was sized at its partial-sum precision for every timestep in the capacity
// check, so dropping SEW's block-2 state sent its output to DRAM: TB-LBL, reset, 8-bit register
// core, 4.7992 -> 4.8447 mJ.)
TEST(PhysicalProperties, DroppingStateNeverCostsEnergy) {
  std::vector<std::string> violations;
  std::size_t runs = 0, overflowed = 0;
  const double capacity = top_capacity_bits(test::meta());
  for (const Workload& w : workloads()) {
    if (std::string(w.name) == "NIR") continue;  // its blocks are not SEW's nPLIF family
    const workload::Network& net = w.net();
    const int blocks = net.block_count();
    const std::vector<std::string> states = {std::string(blocks, '1'),
                                             std::string(2, '0') + std::string(blocks - 2, '1'),
                                             std::string(blocks, '0')};
    for (const std::string& corner : corners(net)) {
      for (const auto lifecycle :
           {schedule::StateLifecycle::CarryOver, schedule::StateLifecycle::Reset}) {
        double previous = std::numeric_limits<double>::infinity();
        for (const std::string& bits : states) {
          schedule::Schedule s = corner_schedule(net, corner);
          schedule::set_state_schedule(s, net, bits, "test");
          s.lifecycle = lifecycle;
          ++runs;
          const auto r = run_schedule(net, test::meta(), s, cost::ModelPolicy::physical());
          const double e = r.energy_pJ;
          // The peak check, here with reset states too (created on chip without a transfer,
          // MemoryManager::fetch).
          check_peak(std::string(w.name) + " " + corner + " " + bits, r.peak_onchip_bits,
                     r.memory_overflow, capacity, violations, overflowed);
          if (e > previous * (1 + 1e-9)) {
            violations.push_back(std::string(w.name) + " " + corner + " " + bits + ": " +
                                 std::to_string(previous) + " -> " + std::to_string(e) + " pJ");
          }
          previous = e;
        }
      }
    }
  }
  std::printf("%zu runs, %zu flag memory_overflow (peak not checked)\n", runs, overflowed);
  // No run here overflows today; one that did would leave its peak unchecked (check_peak).
  EXPECT_EQ(overflowed, 0u);
  EXPECT_TRUE(violations.empty()) << report(violations);
}
