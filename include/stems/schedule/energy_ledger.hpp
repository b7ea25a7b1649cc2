#pragma once
// Energy bookkeeping of one schedule evaluation: the reference's buckets (stems_model.md 7.3),
// the breakdown per (layer, operand, component) and the off-chip traffic counters.
//
// Every charge adds to its bucket at once and to an interned (layer, operand, component) sum
// (with Records::Full; otherwise only the DRAM's sums, all the totals read from them). A
// node's own charges (MAC, every memory level, its DRAM level) are prepared once per (layer,
// cost) and added up as uses x charge at the end, in first-use order. Floating-point sums depend
// on their order, and the golden outputs on every bit: keep these orders when changing anything.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "stems/cost/node_cost.hpp"
#include "stems/hardware/accelerator.hpp"
#include "stems/schedule/schedule_result.hpp"

namespace stems::schedule {

// The fields of EnergyBuckets, by name.
enum class Bucket : std::uint8_t {
  CnOnchip,
  CnOffchipMemory,
  CnOffchipLink,
  EvictionMemory,
  EvictionLink,
  SinkMemory,
  SinkLink,
  CoreToCoreMemory,
  CoreToCoreLink
};

// Where the memory energy and the link energy of a transfer of kind `k` go.
Bucket memory_bucket(TransferKind k);
Bucket link_bucket(TransferKind k);

class EnergyLedger {
 public:
  EnergyLedger(const hardware::Accelerator& acc, Records records);
  EnergyLedger(const EnergyLedger&) = delete;
  EnergyLedger& operator=(const EnergyLedger&) = delete;

  // Adds `pJ` to `bucket` and to the breakdown entry (layer, operand, component; with
  // Records::Full, else only when the component is the DRAM). The names must
  // outlive the ledger (string literals, operand_name(), the accelerator's level names): they are
  // interned by address first.
  void charge(Bucket bucket, int layer, std::string_view operand, std::string_view component,
              double pJ);
  // One node of `layer` that costs `c`: its MAC, on-chip and DRAM-level energies and its DRAM
  // traffic, added up in finish().
  void charge_node(int layer, const cost::NodeCost& c);
  // Bits moved by transfers between DRAM and a core (checked 64-bit sums).
  void count_offchip_read(std::uint64_t bits);
  void count_offchip_write(std::uint64_t bits);

  // The buckets so far (the nodes' own charges are added by finish()).
  const EnergyBuckets& buckets() const { return buckets_; }
  std::uint64_t offchip_read_bits() const { return read_bits_; }
  std::uint64_t offchip_write_bits() const { return write_bits_; }

  // Adds up the nodes' charges and writes into `out` the buckets, the MAC energy, the off-chip
  // bits and energy (also per layer: `out.layers` must be filled), the breakdown (Records::Full)
  // and the total energy. Call once, at the end.
  void finish(ScheduleResult& out);

 private:
  // Operand and component names, numbered for the sums' keys.
  struct Names {
    std::vector<std::string> text;
    std::vector<std::tuple<const char*, std::size_t, std::uint32_t>> seen;  // by address
  };
  // The energy records of one node, prepared once per (layer, cost) and counted per use.
  struct NodeCharge {
    bool offchip;
    std::uint64_t key;
    double pJ;
  };
  struct PreparedNode {
    std::vector<NodeCharge> charges;
    double mac_pJ = 0;
    std::uint64_t read_bits = 0, write_bits = 0;
    std::uint64_t uses = 0;
  };

  static std::uint32_t intern(Names& names, std::string_view name);
  static std::uint32_t intern_text(Names& names, std::string_view name);
  std::uint64_t key_of(int layer, std::uint32_t operand, std::uint32_t component) const;
  // The parts key_of() packs.
  static int layer_of(std::uint64_t key) {
    return static_cast<int>(static_cast<std::uint32_t>(key >> 32));
  }
  static std::uint32_t operand_of(std::uint64_t key) { return (key >> 16) & 0xffff; }
  static std::uint32_t component_of(std::uint64_t key) { return key & 0xffff; }
  double& slot(Bucket b);
  PreparedNode prepare(int layer, const cost::NodeCost& c);
  void add_dram_level(PreparedNode& p, int layer, const cost::OperandCost& oc,
                      const cost::LevelCost& lvl);
  void add_prepared_nodes();
  void build_breakdown(ScheduleResult& out) const;
  void add_offchip_energy(ScheduleResult& out) const;

  const hardware::Accelerator& acc_;
  const bool full_;  // Records::Full: the breakdown map is built
  Names operand_names_, component_names_;
  // The DRAM's component id. Without the breakdown (Records::Totals, fitness) only its sums are
  // kept: the off-chip energy is all that is read from them.
  const std::uint32_t dram_component_;
  bool keeps_sum(std::uint32_t component) const { return full_ || component == dram_component_; }
  EnergyBuckets buckets_;
  double mac_pJ_ = 0;
  std::uint64_t read_bits_ = 0, write_bits_ = 0;
  std::unordered_map<std::uint64_t, double> sums_;
  std::map<std::pair<int, const cost::NodeCost*>, PreparedNode> prepared_;
  // prepared_ in first-use order: its own order follows heap addresses, and summing in that order
  // would make the last bits of the totals depend on the memo's history (a shared cache in a
  // campaign, a resumed run), not only on the schedule.
  std::vector<const PreparedNode*> prepared_order_;
};

}  // namespace stems::schedule
