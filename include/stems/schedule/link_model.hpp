#pragma once
// The transfer model: links between DRAM and cores and between cores. A link carries one transfer
// at a time, in the order they are asked for (no reordering into an earlier idle window); moving b
// bits takes ceil(b / bandwidth) cycles and b x pJ/bit of link energy (0 on the shipped hardware).
// A node working on too-large operands from DRAM keeps its core's DRAM link busy while it runs.

#include <cstdint>
#include <string_view>
#include <vector>

#include "stems/hardware/accelerator.hpp"
#include "stems/schedule/energy_ledger.hpp"
#include "stems/schedule/schedule_result.hpp"

namespace stems::schedule {

class LinkModel {
 public:
  // `acc` and `ledger` must outlive the model; links are `acc.links` entries.
  LinkModel(const hardware::Accelerator& acc, EnergyLedger& ledger, Records records);
  LinkModel(const LinkModel&) = delete;
  LinkModel& operator=(const LinkModel&) = delete;

  // Moves `bits` over `link`, starting when the link is free and no earlier than `earliest`;
  // returns the end cycle. Link energy goes to the kind's link bucket, labelled (layer, operand).
  double transfer(const hardware::Link& link, std::uint64_t bits, double earliest,
                  TransferKind kind, int layer, std::string_view operand);
  // Keeps `link` busy until at least `end_cycle`.
  void block_until(const hardware::Link& link, double end_cycle);

  double free_at(const hardware::Link& link) const { return free_at_[index_of(link)]; }
  // The last end of any transfer or blocking (part of the makespan).
  double latest_end_cycle() const { return latest_end_; }
  // Every transfer in the order it was asked for (Records::Full; empty otherwise).
  const std::vector<TransferRecord>& records() const { return records_; }
  std::vector<TransferRecord> take_records() { return std::move(records_); }

 private:
  std::size_t index_of(const hardware::Link& link) const {
    return static_cast<std::size_t>(&link - acc_.links.data());
  }

  const hardware::Accelerator& acc_;
  EnergyLedger& ledger_;
  const bool full_;
  std::vector<double> free_at_;  // per link of acc_.links
  double latest_end_ = 0;
  std::vector<TransferRecord> records_;
};

}  // namespace stems::schedule
